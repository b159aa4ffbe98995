"""A plain asyncio batcher, the ~40 lines a service would write itself: the baseline.

Static batching as Ray and Triton do it: send when ``max_batch`` wait or when the oldest
request has waited ``max_wait_s`` since its arrival; one batch at a time, the blocking
handler in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


class PlainBatcher:
    def __init__(
        self, handler: Callable[[list[Any]], list[Any]], max_batch: int, max_wait_s: float
    ):
        self.handler, self.max_batch, self.max_wait_s = handler, max_batch, max_wait_s
        self.queue: asyncio.Queue[tuple[float, Any, asyncio.Future[Any]]] | None = None

    async def __call__(self, item: Any) -> Any:
        loop = asyncio.get_running_loop()
        if self.queue is None:
            self.queue = asyncio.Queue()
            self.task = loop.create_task(self._serve(loop))
        future = loop.create_future()
        self.queue.put_nowait((loop.time(), item, future))
        return await future

    async def _serve(self, loop: asyncio.AbstractEventLoop) -> None:
        assert self.queue is not None
        while True:
            batch = [await self.queue.get()]
            deadline = batch[0][0] + self.max_wait_s
            while len(batch) < self.max_batch:
                if not self.queue.empty():
                    batch.append(self.queue.get_nowait())
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(self.queue.get(), remaining))
                except asyncio.TimeoutError:  # the builtin one only from Python 3.11
                    break
            results = await loop.run_in_executor(None, self.handler, [b[1] for b in batch])
            for (_, _, future), result in zip(batch, results, strict=True):
                future.set_result(result)
