"""Where batches run: worker threads for a plain handler, tasks on the loop for a coroutine one.

A worker thread that finishes a batch asks the policy for the next one itself (under the
batcher's lock) and runs it at once, so back-to-back batches never wait for the event loop:
on a busy loop that handoff cost plain asyncio batchers 10-30% of their throughput here.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from batchtui.engine.batcher.queue import Request

if TYPE_CHECKING:
    from batchtui.engine.batcher.batcher import Batcher

IDLE_EXIT_S = 5.0  # a worker thread idle this long exits; the next batch starts a new one


class Batch:
    """Requests sent together, and how they were sent (what the history row records)."""

    __slots__ = ("arrived", "depth", "dispatch", "id", "reason", "requests")

    def __init__(
        self, id: int, requests: list[Request], dispatch: float, reason: str, depth: int,
        arrived: int,
    ) -> None:  # fmt: skip
        self.id = id
        self.requests = requests
        self.dispatch = dispatch
        self.reason = reason
        self.depth = depth  # requests queued just before the dispatch
        self.arrived = arrived  # requests arrived in all at the dispatch


class _Worker:
    __slots__ = ("ident", "inbox", "next")

    def __init__(self) -> None:
        self.inbox: queue.SimpleQueue[Batch | None] = queue.SimpleQueue()
        self.next: Batch | None = None  # a batch this worker gave itself while finishing one
        self.ident = 0


class ThreadWorkers:
    """Runs ``handler(items)`` in up to ``size`` threads; called under the batcher's lock."""

    def __init__(self, batcher: Batcher, handler: Callable[[list[Any]], Sequence[Any]]) -> None:
        self._batcher = batcher
        self._handler = handler
        self._idle: list[_Worker] = []  # a stack: the worker that just finished is reused
        self._closed = False

    def start(self, batch: Batch) -> None:
        """Run ``batch`` on an idle worker (the calling one, if it is a worker), or a new one."""
        if self._idle:
            worker = self._idle.pop()
            if worker.ident == threading.get_ident():
                worker.next = batch
            else:
                worker.inbox.put(batch)
            return
        worker = _Worker()
        worker.inbox.put(batch)
        name = f"batchtui-{self._batcher.name}"
        threading.Thread(target=self._run, args=(worker,), name=name, daemon=True).start()

    def close(self) -> None:
        """Let every idle worker exit (busy ones exit after their batch)."""
        self._closed = True
        for worker in self._idle:
            worker.inbox.put(None)
        self._idle.clear()

    def _run(self, worker: _Worker) -> None:
        worker.ident = threading.get_ident()
        batcher, handler = self._batcher, self._handler
        while True:
            try:
                batch = worker.inbox.get(timeout=IDLE_EXIT_S)
            except queue.Empty:
                with batcher.lock:
                    if worker in self._idle:
                        self._idle.remove(worker)
                        return
                continue  # a batch was handed over just now: it is in the inbox
            while batch is not None:
                try:
                    results: Any = handler([r.item for r in batch.requests])
                    error = None
                except Exception as e:
                    results, error = None, e
                with batcher.lock:
                    if not self._closed:
                        self._idle.append(worker)
                    batcher.finish(batch, results, error)
                batch, worker.next = worker.next, None
            if self._closed:
                return


class LoopWorkers:
    """Runs ``await handler(items)`` as a task on the callers' loop."""

    def __init__(
        self,
        batcher: Batcher,
        handler: Callable[[list[Any]], Awaitable[Sequence[Any]]],
        loop: asyncio.AbstractEventLoop,
        loop_thread: int,
    ) -> None:
        self._batcher = batcher
        self._handler = handler
        self._loop = loop
        self._loop_thread = loop_thread

    def start(self, batch: Batch) -> None:
        if threading.get_ident() == self._loop_thread:
            self._loop.create_task(self._run(batch))
        else:  # decided on the timer thread: the coroutine must start on its loop
            self._loop.call_soon_threadsafe(lambda: self._loop.create_task(self._run(batch)))

    def close(self) -> None:
        """Nothing to release: tasks end with their batch."""

    async def _run(self, batch: Batch) -> None:
        try:
            results: Any = await self._handler([r.item for r in batch.requests])
            error = None
        except Exception as e:
            results, error = None, e
        with self._batcher.lock:
            self._batcher.finish(batch, results, error)
