"""A device for batcher tests: an async handler that takes t(n) of virtual time and logs batches."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from batchtui.engine.batcher import Batcher
from tests.batcher.virtual_time import at


class Device:
    """``await device(items)``: holds for ``base_ms + per_item_ms*n`` and returns ``f(item)``.

    ``batches`` logs ``(start time, items)``; ``fail_when(items)`` may raise to fail a batch.
    """

    def __init__(self, base_ms: float = 2.0, per_item_ms: float = 0.05) -> None:
        self.base_ms, self.per_item_ms = base_ms, per_item_ms
        self.batches: list[tuple[float, list[Any]]] = []

    def cost_s(self, n: int) -> float:
        return (self.base_ms + self.per_item_ms * n) / 1000.0

    def fail_when(self, items: list[Any]) -> None:
        """Override to raise for some batches."""

    def result(self, item: Any) -> Any:
        return ("done", item)

    async def __call__(self, items: list[Any]) -> list[Any]:
        self.batches.append((asyncio.get_running_loop().time(), list(items)))
        await asyncio.sleep(self.cost_s(len(items)))
        self.fail_when(items)
        return [self.result(x) for x in items]


async def send_at(batcher: Batcher, times: Sequence[float]) -> list[Any]:
    """Request ``i`` at virtual time ``times[i]``; each outcome (result or exception), in order."""

    async def one(i: int, t: float) -> Any:
        return await at(t, lambda: batcher(i))

    tasks = [one(i, t) for i, t in enumerate(times)]
    return await asyncio.gather(*tasks, return_exceptions=True)
