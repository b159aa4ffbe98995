"""Where batches run: worker threads for a plain handler, tasks on the loop for a coroutine one.

A worker thread that finishes a batch asks the policy for the next one itself (under the
batcher's lock) and runs it at once, so back-to-back batches never wait for the event loop:
on a busy loop that handoff cost plain asyncio batchers 10-30% of their throughput here.
An idle worker also keeps the policy's deadline, so a batch sent by timeout starts in the
thread that woke for it (one thread and one GIL acquisition per batch, not two).
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from batchtui.engine.batcher.queue import Request
from batchtui.engine.batcher.timer import report_on_loop
from batchtui.engine.live.clock import tighten_timer_slack

if TYPE_CHECKING:
    from batchtui.engine.batcher.batcher import Batcher

IDLE_EXIT_S = 5.0  # a worker thread idle this long exits; the next batch starts a new one


class Batch:
    """Requests sent together, and how they were sent (what the history row records)."""

    __slots__ = ("arrived", "depth", "dispatch", "error", "finish", "id", "reason", "requests")

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
        self.finish = 0.0  # when the handler was done (set by Batcher.finish)
        self.error: BaseException | None = None  # what every caller of the batch gets


class _Worker:
    __slots__ = ("batch", "cond", "ident")

    def __init__(self, lock: threading.Lock) -> None:
        self.batch: Batch | None = None  # the batch given to this worker, not yet started
        self.cond = threading.Condition(lock)  # the batcher's lock: waits release it
        self.ident = 0


_FIRE = object()  # what a worker's wait returns when the deadline it keeps has come


class ThreadWorkers:
    """Runs ``handler(items)`` in up to ``max_inflight`` threads, and keeps the policy's
    deadline in the idle one that will run the batch; called under the batcher's lock.

    The idle worker on top of the stack waits for the deadline itself (a timed wait on the
    batcher's lock, as precise as a timer thread's), so a batch sent by timeout starts in the
    thread that decided it: no second thread to wake, no second wait for the GIL.
    """

    def __init__(
        self,
        batcher: Batcher,
        handler: Callable[[list[Any]], Sequence[Any]],
        clock: Callable[[], float],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._batcher = batcher
        self._handler = handler
        self._clock = clock
        self._loop = loop
        self._idle: list[_Worker] = []  # a stack: the worker that just finished is reused
        self._at = math.inf  # the pending deadline, kept by self._idle[-1]
        self._callback: Callable[[], None] | None = None
        self._closed = False

    # ---- the timer's interface (LoopTimer, ThreadTimer): the batcher's deadline -------

    def set(self, at: float, callback: Callable[[], None]) -> None:
        """Run ``callback`` (in an idle worker, without the lock) at ``at``, replacing any."""
        self._at, self._callback = at, callback
        if self._idle:
            self._idle[-1].cond.notify()
        else:  # every worker is busy: a new one keeps the deadline (and runs its batch)
            self._spawn(None)

    def cancel(self) -> None:
        self._at, self._callback = math.inf, None

    # ---- batches ------------------------------------------------------------------------

    def start(self, batch: Batch) -> None:
        """Run ``batch`` on an idle worker (the calling one, if it is a worker), or a new one."""
        if not self._idle:
            self._spawn(batch)
            return
        worker = self._idle.pop()
        worker.batch = batch
        if worker.ident != threading.get_ident():
            worker.cond.notify()
        if self._at != math.inf and self._idle:
            self._idle[-1].cond.notify()  # the next idle worker keeps the deadline now

    def close(self) -> None:
        """Let every idle worker exit (busy ones exit after their batch)."""
        self._closed = True
        self.cancel()
        for worker in self._idle:
            worker.cond.notify()

    def _spawn(self, batch: Batch | None) -> None:
        worker = _Worker(self._batcher.lock)
        worker.batch = batch
        if batch is None:
            self._idle.append(worker)
        name = f"batchtui-{self._batcher.name}"
        threading.Thread(target=self._run, args=(worker,), name=name, daemon=True).start()

    def _next(self, worker: _Worker) -> Batch | object | None:
        """Under the lock: this worker's next batch, ``_FIRE``, or None (exit)."""
        while True:
            batch = worker.batch
            if batch is not None:
                worker.batch = None
                return batch
            if self._closed:
                if worker in self._idle:
                    self._idle.remove(worker)
                return None
            if self._keeps(worker):
                remaining = self._at - self._clock()
                if remaining <= 0:
                    self._at = math.inf
                    return _FIRE
                worker.cond.wait(remaining)
                continue
            if worker.cond.wait(IDLE_EXIT_S) or worker.batch is not None:
                continue
            if not self._keeps(worker) and worker in self._idle:
                self._idle.remove(worker)  # idle this long: exit; a later batch starts one
                return None

    def _keeps(self, worker: _Worker) -> bool:
        """Whether ``worker`` waits for the pending deadline (the top idle one does)."""
        return self._at != math.inf and bool(self._idle) and self._idle[-1] is worker

    def _run(self, worker: _Worker) -> None:
        tighten_timer_slack()
        worker.ident = threading.get_ident()
        batcher, handler, lock = self._batcher, self._handler, self._batcher.lock
        while True:
            with lock:
                batch = self._next(worker)
                callback = self._callback
            if batch is None:
                return
            if batch is _FIRE:
                if callback is not None:
                    self._fire(callback)  # may give this worker a batch: the next loop runs it
                continue
            assert isinstance(batch, Batch)
            try:
                results: Any = handler([r.item for r in batch.requests])
                error = None
            except Exception as e:
                results, error = None, e
            with lock:
                if not self._closed:
                    self._idle.append(worker)
                batcher.finish(batch, results, error)

    def _fire(self, callback: Callable[[], None]) -> None:
        try:
            callback()
        except Exception as e:  # a policy bug: report it where asyncio reports errors
            report_on_loop(self._loop, "batchtui batcher: deciding at a deadline failed", e)


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
