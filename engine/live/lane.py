"""One lane served on the wall clock: arrivals on schedule, the policy, a device worker.

The same policy object decides, over the same queue representation as the simulator;
only time is real. Each request's latency runs from its *scheduled* arrival time, so
whenever the loop is late to notice an arrival, that lag counts against the runtime
(no coordinated omission). Only one batch is on the device at a time.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque
from collections.abc import Callable

from batchtui.engine.live.clock import WallClock, tighten_timer_slack
from batchtui.engine.live.device_worker import WORKERS, InlineWorker, ThreadWorker
from batchtui.engine.policies import Dispatch, Policy, QueueView
from batchtui.engine.service.base import ServiceTime
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.batch_log import BatchLog
from batchtui.engine.sim.lane import PolicyContractError
from batchtui.engine.sim.queue_index import NEVER, admit, take

LEAD_S = 0.05  # start the schedule this far ahead, so the first arrival is on time


class LiveLane:
    """Serves ``arrivals`` (all known and closed) with ``policy`` in real time.

    After ``run`` it reads like a simulator lane: the same batch log, rejected ranges and
    counters, times in seconds from the schedule's origin, so the same metrics apply.
    """

    def __init__(
        self,
        name: str,
        policy: Policy,
        service: ServiceTime,
        arrivals: Arrivals,
        max_queue: int | None = None,
        clock: WallClock | None = None,
        worker: str = "inline",
    ) -> None:
        if max_queue is not None and max_queue < 1:
            raise ValueError("max_queue must be >= 1")
        if worker not in WORKERS:
            raise ValueError(f"worker must be one of {WORKERS}")
        self.worker = worker
        self.name = name
        self.policy = policy
        self.service = service
        self.arrivals = arrivals
        self.max_queue = max_queue
        self.log = BatchLog()
        self.rejected: list[tuple[int, int]] = []
        self.head = 0
        self.tail = 0
        self.queued = 0
        self.in_flight = 0
        self.clock = 0.0  # after run: when the last batch finished, from the origin
        self._clock = clock or WallClock()

    def describe_batcher(self) -> dict[str, object]:
        """The policy as JSON: kind and current parameters."""
        return self.policy.describe()

    def run(self, on_progress: Callable[[float], None] | None = None) -> None:
        """Serve every arrival and drain; blocks for the schedule's length plus the drain."""
        arrivals = self.arrivals
        if not arrivals.closed:
            raise ValueError("the live runtime needs the whole arrival schedule up front")
        tighten_timer_slack()
        times = arrivals.times
        n_total = len(times)
        clock = self._clock
        worker = (InlineWorker if self.worker == "inline" else ThreadWorker)(self.service, clock)
        policy, log, view = self.policy, self.log, QueueView()
        max_queue = NEVER if self.max_queue is None else self.max_queue
        gaps: deque[tuple[int, int]] = deque()
        head = tail = queued = 0
        wake_at, wake_size = -math.inf, NEVER
        pending: tuple[int, int, float, int, int] | None = None  # end, n, dispatch, depth, reason
        last_finish = 0.0
        horizon = times[-1] if n_total else 0.0
        next_progress = 0.0
        origin = clock.now() + LEAD_S
        try:
            while True:
                if pending is not None:
                    done = worker.wait()
                    end, n, dispatched, depth, reason = pending
                    finish = done.finish - origin
                    log.end.append(end)
                    log.size.append(n)
                    log.dispatch.append(dispatched)
                    log.finish.append(finish)
                    log.depth.append(depth)
                    log.reason.append(reason)
                    if done.failure is None:
                        log.failed.append(-1)
                        policy.observe(finish, n, finish - dispatched)
                    else:
                        log.failed.append(log.failure_id(done.failure))
                    last_finish = finish
                    pending = None
                    self.in_flight = 0
                now = clock.now() - origin
                if tail < n_total and times[tail] <= now:
                    new_tail = bisect_right(times, now, tail)
                    queued = admit(queued, tail, new_tail, max_queue, gaps, self.rejected)
                    tail = new_tail
                self.head, self.tail, self.queued = head, tail, queued
                if on_progress is not None and now >= next_progress:
                    on_progress(min(1.0, max(0.0, now / horizon)) if horizon > 0 else 1.0)
                    next_progress = now + 0.25

                if pending is None and queued and (now >= wake_at or queued >= wake_size):
                    view.length, view.oldest, view.arrived = queued, times[head], tail
                    decision = policy.decide(now, view)
                    if type(decision) is Dispatch:
                        n = decision.size
                        if not 0 < n <= queued:
                            raise PolicyContractError(
                                f"{self.name}: policy dispatched {n} with {queued} queued"
                            )
                        first, depth = head, queued
                        head = take(head, n, gaps) if gaps else head + n
                        queued -= n
                        worker.submit(first, n)
                        pending = (head, n, now, depth, log.reason_id(decision.reason))
                        self.in_flight = n
                        wake_at, wake_size = -math.inf, NEVER
                    else:
                        if decision.size <= queued:
                            raise PolicyContractError(
                                f"{self.name}: policy waited for {decision.size} with "
                                f"{queued} queued"
                            )
                        wake_at = decision.until
                        wake_size = decision.size if decision.size <= max_queue else NEVER
                    continue

                if pending is not None:
                    continue
                if queued == 0:
                    if tail >= n_total:
                        break
                    target = times[tail]
                else:
                    target = wake_at
                    k = tail + wake_size - queued - 1
                    if k < n_total and times[k] < target:
                        target = times[k]
                clock.sleep_until(origin + target)
        finally:
            worker.stop()
        self.head, self.tail, self.queued = head, tail, queued
        self.clock = last_finish
        if on_progress is not None:
            on_progress(1.0)
