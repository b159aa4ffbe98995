"""The asyncio batcher: the simulator's policies serving a real service's requests.

Callers ``await batcher(item)``; the policy decides, exactly as in the simulator, at the same
moments: when a request arrives and the queue reaches the size the policy waits for, when its
deadline passes, and when a batch finishes. The batcher only supplies the clock, the queue and
the handler call. There is no scheduler task: each moment is handled where it happens (the
caller's task, the timer thread, the worker that finished), under one lock, so a decision
costs no task switch and back-to-back batches never wait for a busy event loop.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import os
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from batchtui.engine.batcher.buckets import SECONDS_BOUNDS, SIZE_BOUNDS, Buckets
from batchtui.engine.batcher.errors import BatcherClosed, BatchResultError, QueueFull
from batchtui.engine.batcher.history import BatchRow, History
from batchtui.engine.batcher.queue import QUEUED, Request, RequestQueue, new_request
from batchtui.engine.batcher.stats import BatcherStats, Counts, batcher_stats
from batchtui.engine.batcher.timer import TIMERS, LoopTimer, ThreadTimer, make_timer, timer_kind
from batchtui.engine.batcher.workers import Batch, LoopWorkers, ThreadWorkers
from batchtui.engine.errors import ConfigError
from batchtui.engine.models.reasons import reason as error_summary
from batchtui.engine.policies import POLICIES, Dispatch, Policy, QueueView, make_policy
from batchtui.engine.sim.lane import PolicyContractError

if TYPE_CHECKING:
    from batchtui.engine.batcher.prometheus import BatcherMetrics

Handler = Callable[[list[Any]], Sequence[Any]] | Callable[[list[Any]], Awaitable[Sequence[Any]]]

NEVER = 1 << 62  # a queue size no arrival reaches
TIMER_EARLY_S = 1e-6  # a timer this close to its deadline has reached it
DEFAULT_HISTORY_S = 60.0


class Batcher:
    """Batches single requests for ``handler(items) -> results`` with a batchtui policy.

    ``kind`` is a policy kind (``static``, ``dynamic``, ``predictive``) with its parameters
    as keywords, or a ``Policy`` object. ``handler`` may be a plain function (run in worker
    threads, off the event loop) or a coroutine function (awaited on the loop); it must return
    one result per item, in order.

    Threads: callers belong to one event loop (the one of the first call; it may change only
    while the batcher is idle). ``update``, ``stats``, ``counts`` and the Prometheus collector
    may be called from any thread: all state is behind one lock (``lock``).

    Latency tail: every handoff is a thread waking and taking the GIL from a busy event
    loop, which may hold it for Python's switch interval (5 ms). A service that wants a
    shorter tail may call ``sys.setswitchinterval(0.0005)`` and ``gc.freeze()`` after its
    imports; both are process-wide, so the batcher never does (``bench/tail_parts.py``). A
    shorter interval did not raise the capacity at overload (``bench/RESULTS.md``).
    """

    def __init__(
        self,
        handler: Handler,
        kind: str | Policy = "static",
        /,
        *,
        name: str = "batcher",
        max_queue: int | None = None,
        max_inflight: int = 1,
        clock: Callable[[], float] | None = None,
        history_s: float = DEFAULT_HISTORY_S,
        timer: str = "auto",
        **params: Any,
    ) -> None:
        if isinstance(kind, Policy):
            if params:
                raise ConfigError(next(iter(params)), "give parameters to the Policy itself")
            self.policy = kind
        else:
            self.policy = make_policy(kind, **params)
        if max_queue is not None:
            _require_count("max_queue", max_queue)
        _require_count("max_inflight", max_inflight)
        if not isinstance(history_s, int | float) or not 0 < history_s < math.inf:
            raise ConfigError(
                "history_s", f"must be a positive number of seconds, got {history_s!r}"
            )
        if timer not in TIMERS:
            raise ConfigError("timer", f"must be one of {', '.join(TIMERS)}, got {timer!r}")
        self.name = name
        self.handler = handler
        self._timer_kind = timer
        self.max_queue = max_queue
        self.max_inflight = max_inflight
        self._max_queue = NEVER if max_queue is None else max_queue
        self._is_async = _is_coroutine_function(handler)
        self._clock_given = clock
        self.lock = threading.Lock()
        self._workers: ThreadWorkers | LoopWorkers | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._clock: Callable[[], float] = clock or (lambda: 0.0)
        self._queue = RequestQueue()
        self._view = QueueView()
        self._wake_at, self._wake_size = math.inf, 1  # idle: the first arrival decides
        self._timer: LoopTimer | ThreadTimer | ThreadWorkers | None = None
        self._timer_at = math.inf
        self._running: dict[int, float] = {}  # batch id -> dispatch time
        self._next_batch = 0
        self._closing = False
        self._idle: asyncio.Event | None = None
        self._started: float | None = None
        self._arrived = self._completed = self._failed = 0
        self._rejected = self._cancelled = self._in_flight = 0
        self._history = History(history_s)
        self._unrecorded: deque[Batch] = deque()  # finished, figures not yet recorded
        self.batch_sizes = Buckets(SIZE_BOUNDS)
        self.queue_waits = Buckets(SECONDS_BOUNDS)
        self.service_times = Buckets(SECONDS_BOUNDS)
        self._metrics: BatcherMetrics | None = None

    @classmethod
    def from_preset(
        cls, preset: str | os.PathLike[str], handler: Handler, **options: Any
    ) -> Batcher:
        """A batcher with the policy of a preset (a name, or a path to a preset file).

        ``options`` are the batcher's own (``name``, ``max_queue``, ...) or policy parameters
        that override the preset's; the name defaults to the preset's. Reading presets needs
        ``batchtui.presets``, imported only here, so the engine keeps no import-time
        dependency on it.
        """
        from batchtui.presets import resolve

        found = resolve(os.fspath(preset))
        if found.batcher_kind not in POLICIES:  # continuous: token steps, not whole requests
            raise ConfigError(
                "preset",
                f"{found.name!r} uses the {found.batcher_kind} batcher, which schedules "
                "token steps inside a generative server; Batcher batches whole requests "
                f"(one of {', '.join(POLICIES)}); give that server its settings with "
                f"'batchtui export {found.name} --format vllm' (or sglang, tgi)",
            )
        options = {"name": found.name, **dict(found.batcher_params), **options}
        return cls(handler, found.batcher_kind, **options)

    # ---- the caller's side -------------------------------------------------------------

    async def __call__(self, item: Any) -> Any:
        """Queue ``item``; its result once its batch ran (or the batch's error, or QueueFull)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._bind(loop)
        request = new_request(item, loop)
        with self.lock:
            if self._closing:
                raise BatcherClosed(f"{self.name}: the batcher is closed")
            queue = self._queue
            self._arrived += 1
            if queue.length >= self._max_queue:
                self._rejected += 1
                raise QueueFull(
                    f"{self.name}: the queue is full ({queue.length} waiting, max_queue)"
                )
            request.arrival = now = self._clock()
            queue.push(request)
            if queue.length >= self._wake_size or now >= self._wake_at:
                self._decide(now)
        try:
            return await request
        except asyncio.CancelledError:
            idle = False
            with self.lock:
                if request.state == QUEUED:  # never sent: it leaves the queue, is not served
                    queue.cancel(request)
                    self._cancelled += 1
                    idle = self._is_idle()
            if idle and self._idle is not None:
                self._idle.set()
            raise

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        with self.lock:
            if self._loop is not None and (self._queue.length or self._running):
                raise RuntimeError(
                    f"{self.name}: called from a second event loop while serving another; "
                    "callers of one batcher belong to one loop"
                )
            if self._timer is not None:
                self._timer.close()
            if self._workers is not None:
                self._workers.close()
            self._loop = loop
            self._loop_thread = threading.get_ident()
            self._clock = self._clock_given or loop.time
            self._idle = None
            given = self._clock_given is not None
            self._timer_at = math.inf
            self._wake_at, self._wake_size = math.inf, 1
            if self._is_async:
                self._workers = LoopWorkers(self, self.handler, loop, self._loop_thread)
                self._timer = make_timer(self._timer_kind, loop, self._clock, given)
            else:
                handler = self.handler
                workers = ThreadWorkers(self, handler, self._clock, loop)  # type: ignore[arg-type]
                self._workers = workers
                if timer_kind(self._timer_kind, loop, given) == "thread":
                    self._timer = workers  # an idle worker keeps the deadline itself
                else:
                    self._timer = LoopTimer(loop, self._clock)
            if self._started is None:
                self._started = self._clock()

    # ---- deciding (always under the lock) -----------------------------------------------

    def _decide(self, now: float) -> None:
        """Ask the policy while a batch can start and requests wait; then set the next wake."""
        queue, view, policy = self._queue, self._view, self.policy
        while queue.length and len(self._running) < self.max_inflight:
            view.length, view.oldest, view.arrived = queue.length, queue.oldest, self._arrived
            decision = policy.decide(now, view)
            if type(decision) is Dispatch:
                n = decision.size
                if not 0 < n <= queue.length:
                    raise PolicyContractError(
                        f"{self.name}: policy dispatched {n} with {queue.length} queued"
                    )
                depth = queue.length
                self._start(Batch(self._next_batch, queue.take(n), now, decision.reason,
                                  depth, self._arrived))  # fmt: skip
                continue
            if decision.size <= queue.length:
                raise PolicyContractError(
                    f"{self.name}: policy waited for {decision.size} with {queue.length} queued"
                )
            self._wake_at = decision.until
            self._wake_size = decision.size if decision.size <= self._max_queue else NEVER
            if self._timer_at != decision.until:
                assert self._timer is not None
                self._timer_at = decision.until
                self._timer.set(decision.until, self._on_timer)
            return
        # Nothing to wait for: either the queue is empty (the next arrival decides) or every
        # batch slot is taken (the next finished batch decides).
        self._wake_at = math.inf
        self._wake_size = 1 if len(self._running) < self.max_inflight else NEVER
        if self._timer_at != math.inf:
            assert self._timer is not None
            self._timer.cancel()
            self._timer_at = math.inf

    def _on_timer(self) -> None:
        with self.lock:
            now, at = self._clock(), self._timer_at
            if now < at - TIMER_EARLY_S:
                return  # a deadline that was replaced or cancelled after it fired
            # The loop may run a timer a hair before its time (its clock resolution): decide
            # at the deadline then, as the simulator would.
            self._timer_at = math.inf
            self._decide(max(now, at))

    def _start(self, batch: Batch) -> None:
        self._next_batch += 1
        self._running[batch.id] = batch.dispatch
        self._in_flight += len(batch.requests)
        assert self._workers is not None
        self._workers.start(batch)

    def finish(self, batch: Batch, results: Any, error: BaseException | None) -> None:
        """Account for a batch the handler is done with, decide what runs next, and send the
        results to the callers (on their loop). Called by the workers, under the lock."""
        now = self._clock()
        requests = batch.requests
        n = len(requests)
        del self._running[batch.id]
        self._in_flight -= n
        if error is None:
            results, error = _checked(results, n, self.name)
        if error is None:
            self._completed += n
            self.policy.observe(now, n, now - batch.dispatch)
        else:
            self._failed += n
        # The batch's figures (histograms, history row) are recorded later, off the worker's
        # path to its next batch: on the loop before the results, or by the first reader.
        # Every object the worker allocates here may also make it run a garbage collection
        # (milliseconds with a backlog) while the device waits: measured, bench/RESULTS.md.
        batch.finish, batch.error = now, error
        self._unrecorded.append(batch)
        self._decide(now)
        idle = self._is_idle()
        if threading.get_ident() == self._loop_thread:
            self._record_finished()
            self._deliver(requests, results, error, idle)
        else:
            assert self._loop is not None
            try:
                self._loop.call_soon_threadsafe(self._deliver_recorded, requests, results, error,
                                                idle)  # fmt: skip
            except RuntimeError:  # a closed loop: nobody is left to answer
                self._record_finished()

    def _record_finished(self) -> None:
        """Record the figures of the batches finished since the last call (under the lock)."""
        unrecorded = self._unrecorded
        while unrecorded:
            batch = unrecorded.popleft()
            requests, dispatch, finish = batch.requests, batch.dispatch, batch.finish
            n = len(requests)
            waits = [dispatch - r.arrival for r in requests]
            self.batch_sizes.add_one(n)
            if batch.error is None:
                self.service_times.add_one(finish - dispatch, n)
                self.queue_waits.add(waits)
                failure = None
            else:
                failure = error_summary(batch.error)
            self._history.add(BatchRow(dispatch, finish, n, batch.reason, failure, batch.depth,
                                       waits, batch.arrived))  # fmt: skip

    def _deliver_recorded(
        self, requests: list[Request], results: Any, error: BaseException | None, idle: bool
    ) -> None:
        with self.lock:
            self._record_finished()
        self._deliver(requests, results, error, idle)

    def _deliver(
        self, requests: list[Request], results: Any, error: BaseException | None, idle: bool
    ) -> None:
        if error is None:
            for r, result in zip(requests, results, strict=True):
                if not r.done():  # a caller cancelled after dispatch gets nothing
                    r.set_result(result)
        else:
            for r in requests:
                if not r.done():
                    r.set_exception(error)
        if idle and self._idle is not None:
            self._idle.set()

    def _is_idle(self) -> bool:
        return not self._queue.length and not self._running

    # ---- tuning, figures, shutdown ------------------------------------------------------

    def update(self, **params: Any) -> None:
        """Retune the policy live; every value is checked first (ConfigError names the bad one).

        The next decision uses the new values (a pending wait is decided again at once).
        """
        with self.lock:
            self.policy.update(**params)
            if self._loop is not None and self._queue.length:
                self._decide(self._clock())

    def stats(self, window_s: float | None = None) -> BatcherStats:
        """The figures the simulator reports, over the last ``window_s`` seconds (default:
        the whole kept history, ``history_s``); counts are always since the start."""
        if window_s is not None and not window_s > 0:
            raise ConfigError("window_s", f"must be a positive number of seconds, got {window_s}")
        with self.lock:
            now = self._clock() if self._loop is not None else 0.0
            started = self._started if self._started is not None else now
            keep = self._history.keep_s
            start = max(started, now - min(keep, window_s if window_s is not None else keep))
            self._record_finished()
            rows = self._history.since(start)
            running = list(self._running.values())
            counts = self._counts()
            described = self.policy.to_json()
        return batcher_stats(self.name, described, counts, rows, running, start, now)

    def counts(self) -> Counts:
        """Every request so far, each in exactly one state."""
        with self.lock:
            return self._counts()

    def _counts(self) -> Counts:
        return Counts(
            arrived=self._arrived,
            completed=self._completed,
            failed=self._failed,
            rejected=self._rejected,
            cancelled=self._cancelled,
            queued=self._queue.length,
            in_flight=self._in_flight,
        )

    @property
    def metrics(self) -> BatcherMetrics:
        """This batcher's Prometheus metrics, in ``prometheus_client``'s default registry
        (needs the ``prometheus`` extra); ``export_metrics`` puts them in another."""
        if self._metrics is None:
            from batchtui.engine.batcher.prometheus import BatcherMetrics

            self._metrics = BatcherMetrics(self)
        return self._metrics

    def export_metrics(self, registry: Any) -> BatcherMetrics:
        """Export this batcher's metrics to ``registry`` (a ``CollectorRegistry``) instead."""
        from batchtui.engine.batcher.prometheus import BatcherMetrics

        self._metrics = BatcherMetrics(self, registry)
        return self._metrics

    async def aclose(self) -> None:
        """Stop taking requests, serve every queued and running one, release the threads."""
        with self.lock:
            self._closing = True
            busy = self._loop is not None and not self._is_idle()
            if busy:
                self._idle = asyncio.Event()
        if busy:
            assert self._idle is not None
            await self._idle.wait()
        with self.lock:
            if self._timer is not None:
                self._timer.close()
            if self._workers is not None:
                self._workers.close()

    @property
    def closed(self) -> bool:
        return self._closing

    def __repr__(self) -> str:
        return f"Batcher({self.name!r}, {self.policy.to_json()})"


def _checked(results: Any, n: int, name: str) -> tuple[list[Any], BaseException | None]:
    """The handler's results as a list of ``n``, or the error every caller of the batch gets."""
    try:
        if type(results) is not list:  # a list is used as it is: one object less to collect
            results = list(results)
    except TypeError:
        kind = type(results).__name__
        return [], BatchResultError(f"{name}: handler returned {kind}, not a list of results")
    if len(results) != n:
        return [], BatchResultError(
            f"{name}: handler returned {len(results)} results for a batch of {n}; "
            "it must return one result per item, in order"
        )
    return results, None


def _require_count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(name, f"must be a whole number >= 1, got {value!r}")


def _is_coroutine_function(fn: Any) -> bool:
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)  # noqa: B004 - an object whose __call__ is async
    )
