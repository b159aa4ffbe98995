"""One lane served on the wall clock: arrivals on schedule, the policy, a device worker.

The same policy object decides, over the same queue representation as the simulator;
only time is real. Each request's latency runs from its *scheduled* arrival time, so
whenever the loop is late to notice an arrival, that lag counts against the runtime
(no coordinated omission). Only one batch is on the device at a time.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable

from batchtui.engine.live.clock import WallClock, tighten_timer_slack
from batchtui.engine.live.device_worker import WORKERS, InlineWorker, ThreadWorker
from batchtui.engine.policies import Dispatch, Policy, QueueView
from batchtui.engine.service.base import ServiceTime
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.contract import LaneState, dispatched, next_moment, wake_for
from batchtui.engine.sim.queue_index import NEVER, admit, admit_at, take

LEAD_S = 0.05  # start the schedule this far ahead, so the first arrival is on time
PROGRESS_S = 0.05  # how often ``on_progress`` is told, even while the lane sleeps: it is
# also how a caller listens for "stop" (the dashboard quits within a fifth of a second)


class WallClockLane(LaneState):
    """Serves ``arrivals`` (all known and closed) with ``policy`` in real time.

    After ``run`` it reads like a simulator lane: the same batch log, rejected ranges and
    counters, times in seconds from the schedule's origin, so the same metrics apply.
    """

    def __init__(
        self, name: str, policy: Policy, service: ServiceTime, arrivals: Arrivals,
        max_queue: int | None = None, clock: WallClock | None = None, worker: str = "inline",
        feed: Callable[[float], None] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(name, policy, service, arrivals, max_queue)
        if worker not in WORKERS:
            raise ValueError(f"worker must be one of {WORKERS}")
        self.worker = worker
        self.feed = feed  # extends an open schedule up to (at least) the time it is given
        self.in_flight = 0
        self.clock = 0.0  # closed schedule: when the last batch finished; open: now
        self._clock = clock or WallClock()
        self._pending: tuple[int, int, float, int, int] | None = None

    def forget(self, arrivals: int, batches: int) -> None:
        super().forget(arrivals, batches)
        if self._pending is not None:  # (end index, ...) of the batch on the device
            self._pending = (self._pending[0] - arrivals, *self._pending[1:])

    def run(self, on_progress: Callable[[float], None] | None = None) -> None:
        """Serve every arrival and drain; blocks for the schedule's length plus the drain."""
        if not self.arrivals.closed:
            raise ValueError("run() needs the whole schedule; serve an open one with serve()")
        self.start()
        try:
            self.serve(on_progress=on_progress)
        finally:
            self.stop()

    def start(self) -> None:
        """Set the schedule's origin to now (plus a short lead) and get the device ready."""
        tighten_timer_slack()
        self._worker = (InlineWorker if self.worker == "inline" else ThreadWorker)(
            self.service, self._clock
        )
        self._wake_at, self._wake_size = -math.inf, NEVER
        self._pending = None
        self._last_finish = 0.0
        self._next_progress = 0.0
        self._origin = self._clock.now() + LEAD_S

    def stop(self) -> None:
        """Release the device worker (after the batch in hand)."""
        self._worker.stop()

    @property
    def now(self) -> float:
        """Seconds since the schedule's origin, on the wall clock."""
        return self._clock.now() - self._origin

    def serve(
        self, until: float = math.inf, on_progress: Callable[[float], None] | None = None
    ) -> bool:
        """Serve until ``until`` (seconds from the origin), or until a closed schedule is done
        (returns True then). An open schedule is extended by ``feed`` as time passes."""
        arrivals, clock, worker = self.arrivals, self._clock, self._worker
        times = arrivals.times  # grows in place as arrivals are fed
        policy, log, view, feed = self.policy, self.log, QueueView(), self.feed
        max_queue = NEVER if self.max_queue is None else self.max_queue
        gaps, rejected, origin, pending = self._gaps, self.rejected, self._origin, self._pending
        head, tail, queued = self.head, self.tail, self.queued
        wake_at, wake_size = self._wake_at, self._wake_size
        horizon = times[-1] if arrivals.closed and times else 0.0
        done = False
        try:
            while True:
                if pending is not None:
                    result = worker.wait()
                    end, n, dispatched_at, depth, reason = pending
                    finish = result.finish - origin
                    failed = -1 if result.failure is None else log.failure_id(result.failure)
                    log.append(end, n, dispatched_at, finish, depth, reason, failed)
                    if result.failure is None:
                        policy.observe(finish, n, finish - dispatched_at)
                    self._last_finish = finish
                    pending = None
                    self.in_flight = 0
                now = clock.now() - origin
                if feed is not None:
                    feed(now)
                n_total = len(times)
                held = False
                if tail < n_total and times[tail] <= now:
                    new_tail = bisect_right(times, now, tail)
                    # The newest arrivals came on a free device if after the last batch:
                    # those that share their timestamp are admitted one by one.
                    moment = times[new_tail - 1]
                    if moment < self._last_finish:
                        moment = math.inf
                    queued, tail = admit_at(
                        times, moment, queued, tail, new_tail, max_queue, gaps, rejected
                    )
                    held = tail < new_tail
                self.head, self.tail, self.queued = head, tail, queued
                if not arrivals.closed:
                    self.clock = now
                # (1 ns of slack: a sleep to origin + t reads back as t less a rounding)
                if on_progress is not None and now >= self._next_progress - 1e-9:
                    on_progress(min(1.0, max(0.0, now / horizon)) if horizon > 0 else 1.0)
                    self._next_progress = now + PROGRESS_S
                if now >= until and not held:  # a busy lane may never idle: hand back
                    break

                if queued and (held or now >= wake_at or queued >= wake_size):
                    view.length, view.oldest = queued, times[head]
                    view.arrived = arrivals.offset + tail
                    decision = policy.decide(now, view)
                    if type(decision) is Dispatch:
                        n = dispatched(self.name, decision.size, queued)
                        first, depth = head, queued
                        head = take(head, n, gaps) if gaps else head + n
                        queued -= n
                        worker.submit(first, n)
                        pending = (head, n, now, depth, log.reason_id(decision.reason))
                        self.in_flight = n
                        wake_at, wake_size = -math.inf, NEVER
                    else:
                        wake_size = wake_for(self.name, decision, now, queued, max_queue)
                        wake_at = decision.until
                        if held:  # no room was made: the held arrivals are rejected
                            new_tail = bisect_right(times, now, tail)
                            queued = admit(queued, tail, new_tail, max_queue, gaps, rejected)
                            tail = new_tail
                    continue

                target = next_moment(times, tail, n_total, queued, wake_at, wake_size)
                if target == math.inf and arrivals.closed:
                    done = True
                    break
                if not arrivals.closed:
                    target = min(target, arrivals.known_until)  # wait for the feed, at most
                if target >= until:
                    clock.sleep_until(origin + until)
                    break
                if on_progress is not None and target > self._next_progress:
                    target = self._next_progress  # wake to report, and to be interruptible
                clock.sleep_until(origin + target)
        finally:
            self._pending, self._wake_at, self._wake_size = pending, wake_at, wake_size
            self.head, self.tail, self.queued = head, tail, queued
        if arrivals.closed:
            self.clock = self._last_finish
        if done and on_progress is not None:
            on_progress(1.0)
        return done
