"""One lane of the simulator: a policy, its queue and its device, in virtual time.

The loop decides once per batch, not once per request: arrivals are a sorted list,
the queue is an index range ``[head, tail)`` (minus rejected gaps), and a policy's
``Wait(until, size)`` lets the loop jump straight to the next moment that matters —
the deadline, or the arrival that brings the queue to ``size``. Per-request figures
are computed afterwards, in numpy, from the batch log.

When the cost is a profile that measured its machine's wake-up lateness, every moment the
lane reaches by sleeping (an arrival at an idle lane, a Wait's deadline or size) comes that
much late, drawn from its own seeded stream; a batch taken as the device frees pays nothing.
When the profile kept each size's batch-time quantiles, every batch's time is drawn from its
size's distribution (from another seeded stream of its own) instead of being the median, and
when it measured the after-idle shift, a batch that starts on a device idle since its last
batch finished pays that shift for the idle's length (``IdleShift``).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from heapq import heappop, heappush

from batchtui.engine.live.clock import SPIN_S
from batchtui.engine.policies import Dispatch, Policy, QueueView
from batchtui.engine.service.base import BatchFailed, ServiceTime
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.contract import (
    LaneState,
    PolicyContractError,
    dispatched,
    next_moment,
    wake_for,
)
from batchtui.engine.sim.queue_index import NEVER, admit, admit_at, take

__all__ = ["PolicyContractError", "SimLane"]


class SimLane(LaneState):
    """Runs ``policy`` over the shared ``arrivals`` with ``service`` as its device.

    ``max_queue`` bounds the waiting requests (arrivals beyond it are rejected);
    ``max_inflight`` is how many batches the device runs at once.
    """

    def __init__(
        self, name: str, policy: Policy, service: ServiceTime, arrivals: Arrivals,
        max_queue: int | None = None, max_inflight: int = 1,
    ) -> None:  # fmt: skip
        super().__init__(name, policy, service, arrivals, max_queue)
        if max_inflight < 1:
            raise ValueError("max_inflight must be >= 1")
        self.max_inflight = max_inflight
        self.now = 0.0  # time of the last event handled
        self.clock = 0.0  # every event before this time has been simulated
        self._inflight: list[tuple[float, int, int, float, bool]] = []
        self._seq = 0
        self._view = QueueView()
        wakeup = getattr(service, "wakeup", None)  # a profile's measured lateness, if any
        self._late = None if wakeup is None else wakeup.stream(getattr(service, "seed", 0))
        self._late_for, self._late_by = math.nan, 0.0  # the wake drawn for, and its lateness
        spread = getattr(service, "batch_time", None)  # a profile's batch-time quantiles
        self._draw = None if spread is None else spread.stream(getattr(service, "seed", 0))
        shift = None if spread is None else spread.after_idle
        self._shift = None if shift is None else shift.seconds()
        self._free_at = -math.inf  # when the device last emptied: the first batch idled forever

    @property
    def in_flight(self) -> int:
        """Requests on the device at the lane's clock (finished batches are popped lazily)."""
        return sum(item[2] for item in self._inflight if item[0] > self.clock)

    def update_policy(self, **params: object) -> None:
        """Change the policy's parameters now; it is asked again at the current time."""
        self.policy.update(**params)
        self._wake_at = self.clock
        self._wake_size = NEVER

    def advance(self, horizon: float) -> None:
        """Simulate every event before ``horizon``; with closed arrivals and an infinite
        horizon, run until the queue is empty and the device has finished."""
        arrivals = self.arrivals
        times = arrivals.times
        n_known = len(times)
        base = arrivals.offset
        end = min(horizon, arrivals.known_until)
        decide = self.policy.decide
        observe = self.policy.observe
        duration = self.service.duration
        slots = self.max_inflight
        max_queue = NEVER if self.max_queue is None else self.max_queue
        log = self.log
        end_rows, size_rows, dispatch_rows = log.end, log.size, log.dispatch
        finish_rows, depth_rows, reason_rows, failed_rows = (
            log.finish,
            log.depth,
            log.reason,
            log.failed,
        )
        reason_id, reason_ids = log.reason_id, log.reason_ids
        inflight, gaps, view, rejected = self._inflight, self._gaps, self._view, self.rejected
        head, tail, queued, now = self.head, self.tail, self.queued, self.now
        wake_at, wake_size, seq = self._wake_at, self._wake_size, self._seq
        dispatch_type = Dispatch
        name = self.name
        late = self._late
        draw = self._draw
        shift, free_at = self._shift, self._free_at

        while True:
            t_slot = inflight[0][0] if len(inflight) >= slots else now
            t = next_moment(times, tail, n_known, queued, wake_at, wake_size)
            if t < t_slot:
                t = t_slot
            elif late is not None and t - t_slot > SPIN_S and t < end:
                # The live lane sleeps from t_slot to t (shorter sleeps spin): it wakes late.
                # One draw per wake, kept if the horizon cuts the step (as it would live).
                if t != self._late_for:
                    self._late_for, self._late_by = t, late()
                t += self._late_by
            if t >= end:
                break
            now = t

            while inflight and inflight[0][0] <= now:
                finished, _, size, service_s, ok = heappop(inflight)
                free_at = finished
                if ok:
                    observe(finished, size, service_s)

            if tail < n_known and times[tail] <= now:
                new_tail = bisect_right(times, now, tail, n_known)
                if queued + new_tail - tail <= max_queue:
                    queued += new_tail - tail
                    tail = new_tail
                else:  # a slot is free at every event, so the policy may make room
                    queued, tail = admit_at(
                        times, now, queued, tail, new_tail, max_queue, gaps, rejected
                    )

            view.length = queued
            view.oldest = times[head]
            view.arrived = base + tail
            decision = decide(now, view)
            if type(decision) is dispatch_type:
                n = dispatched(name, decision.size, queued)
                depth_rows.append(queued)
                queued -= n
                first = head
                if gaps:
                    head = take(head, n, gaps)
                else:
                    head += n
                try:
                    service_s = duration(n, first) if draw is None else draw(n)
                    if shift is not None and not inflight:
                        service_s += shift(n, now - free_at)
                    ok = True
                    failed_rows.append(-1)
                except BatchFailed as failure:
                    service_s = failure.elapsed_s
                    ok = False
                    failed_rows.append(log.failure_id(failure.reason))
                finished = now + service_s
                heappush(inflight, (finished, seq, n, service_s, ok))
                seq += 1
                end_rows.append(head)
                size_rows.append(n)
                dispatch_rows.append(now)
                finish_rows.append(finished)
                rid = reason_ids.get(decision.reason)
                reason_rows.append(reason_id(decision.reason) if rid is None else rid)
                wake_at = -math.inf  # ask again as soon as the device can take a batch
                wake_size = NEVER
            else:
                wake_size = wake_for(name, decision, now, queued, max_queue)
                wake_at = decision.until
                if tail < n_known and times[tail] <= now:  # held back, and no room was made
                    new_tail = bisect_right(times, now, tail, n_known)
                    queued = admit(queued, tail, new_tail, max_queue, gaps, rejected)
                    tail = new_tail

        if end < math.inf:
            # Arrivals between the last event and the horizon only lengthen the queue.
            new_tail = bisect_left(times, end, tail, n_known)
            queued = admit(queued, tail, new_tail, max_queue, gaps, rejected)
            tail = new_tail
            self.clock = max(self.clock, end)
        elif arrivals.closed:
            while inflight:
                finished, _, size, service_s, ok = heappop(inflight)
                free_at = finished
                if ok:
                    observe(finished, size, service_s)
                now = max(now, finished)
            self.clock = now

        self.head, self.tail, self.queued, self.now = head, tail, queued, now
        self._wake_at, self._wake_size, self._seq = wake_at, wake_size, seq
        self._free_at = free_at
