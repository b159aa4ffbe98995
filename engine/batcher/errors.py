"""What a caller of the batcher can be told instead of a result."""

from __future__ import annotations


class QueueFull(RuntimeError):
    """The batcher's queue already holds ``max_queue`` requests: shed this one (HTTP 503)."""


class BatcherClosed(RuntimeError):
    """The batcher is closing or closed (``aclose``): it takes no new requests."""


class BatchResultError(RuntimeError):
    """The handler's answer for a batch was not one result per item: every caller gets this."""
