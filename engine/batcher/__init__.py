"""The asyncio batcher for real services: batchtui's policies, exactly as tuned.

    from batchtui.engine.batcher import Batcher, QueueFull, batch

Importing this package needs only the standard library and numpy (no torch, no textual).
"""

from batchtui.engine.batcher.batcher import Batcher
from batchtui.engine.batcher.decorator import Batched, batch
from batchtui.engine.batcher.errors import BatcherClosed, BatchResultError, QueueFull
from batchtui.engine.batcher.stats import BatcherStats, Counts

__all__ = [
    "BatchResultError",
    "Batched",
    "Batcher",
    "BatcherClosed",
    "BatcherStats",
    "Counts",
    "QueueFull",
    "batch",
]
