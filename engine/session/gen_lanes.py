"""A generative session's lanes, resumable in virtual time, each leaving GenRecords.

A request-level lane is the simulator's SimLane with a whole generative batch as its
service time (engine/gen/request_lane.py); its batches' token times follow in closed form
once it is dispatched. The continuous lane is the ContinuousStepper. Each lane's waiting
queue is bounded, so a session overloaded for hours holds no more than a lightly loaded one.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import Any

import numpy as np

from batchtui.engine.gen.continuous import Continuous
from batchtui.engine.gen.continuous_lane import ContinuousStepper
from batchtui.engine.gen.cost import StepCost
from batchtui.engine.gen.request_lane import BatchGeneration, TellsTime
from batchtui.engine.policies import Policy
from batchtui.engine.session.gen_records import Accounting, GenRecords, LaneFacts
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.lane import SimLane


class _SessionBatchGeneration(BatchGeneration):
    """BatchGeneration over the session's token lists, which grow and are trimmed in step
    with its Arrivals (so index ``first`` is the same request in both). A bounded queue
    leaves gaps where it dropped arrivals: a batch is its real requests, found by skipping
    the lane's dropped ranges, and kept in ``batches`` for the lane to turn into records."""

    def __init__(self, cost: StepCost, prompt: list[int], output: list[int]) -> None:
        self._cost = cost
        self._prompt = prompt
        self._output = output
        self.dropped: list[tuple[int, int]] = []  # the lane's rejected ranges (set by it)
        self.batches: list[list[tuple[int, int]]] = []  # per dispatch, its index ranges
        self.restarts: list[float] = []  # per dispatch, the idle restart it paid (s)
        self.now = 0.0  # the time of the decide that dispatches (told by TellsTime)
        self._last_finish = -math.inf  # before the first batch the device was idle

    def duration(self, n: int, first: int = 0) -> float:
        ranges = batch_ranges(self.dropped, first, n)
        self.batches.append(ranges)
        restart = self._cost.restart_s(self.now - self._last_finish)
        self.restarts.append(restart)
        if len(ranges) == 1:
            seconds = super().duration(n, first) + restart
        else:
            prompt, output = self._prompt, self._output
            seconds = restart + self.batch_s(
                [p for s, e in ranges for p in prompt[s:e]],
                [o for s, e in ranges for o in output[s:e]],
            )
        self._last_finish = self.now + seconds
        return seconds


def batch_ranges(dropped: list[tuple[int, int]], first: int, n: int) -> list[tuple[int, int]]:
    """The arrival index ranges of the ``n`` oldest waiting requests from ``first`` on, past
    the ``dropped`` ranges (sorted, disjoint ``[start, end)``)."""
    i = bisect_right(dropped, first, key=lambda r: r[1])  # the first range ending past it
    out = []
    while n:
        if i < len(dropped) and dropped[i][0] <= first:
            first = max(first, dropped[i][1])
            i += 1
            continue
        take = min(n, dropped[i][0] - first) if i < len(dropped) else n
        out.append((first, first + take))
        first += take
        n -= take
    return out


def batch_tokens(
    cost: StepCost, dispatch: float, prompt: np.ndarray, output: np.ndarray, restart_s: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One request-level batch dispatched at ``dispatch``: each request's first and last
    token times, and per step (the prefill, then one per token of the longest output) its
    end, KV tokens held and tokens produced (by the sequences still generating).
    ``restart_s``: the idle restart the batch paid, on its prefill (as run_request_level)."""
    n = len(prompt)
    prompt_sum = float(prompt.sum())
    prompt_sq = float(np.square(prompt, dtype=np.float64).sum())
    prefill_s = (
        cost.step_ms
        + cost.prefill_ms_per_token * prompt_sum
        + cost.prefill_ms_per_token_sq * prompt_sq
    ) / 1000.0 + restart_s
    step0 = cost.step_ms + cost.decode_ms_per_seq * n + cost.context_ms_per_token * prompt_sum
    step0 /= 1000.0
    grow = cost.context_ms_per_token / 1000.0 * n  # each step's context is n tokens longer
    first = np.full(n, dispatch + prefill_s)
    m = (output - 1).astype(np.float64)
    last = first + step0 * m + grow * m * (m - 1.0) / 2.0
    j = np.arange(int(output.max()), dtype=np.float64)
    step_end = dispatch + (prefill_s + step0 * j + grow * j * (j - 1.0) / 2.0)
    step_kv = (prompt_sum + n * j).astype(np.int64)
    step_tokens = n - np.searchsorted(np.sort(output), j, side="right")
    return first, last, step_end, step_kv, step_tokens


class RequestLevelLane:
    """A request-level batcher on its own copy of the session's arrivals, its waiting queue
    bounded by ``max_queue``: arrivals beyond it are dropped, counted, and (at ``forget``)
    squeezed out, so what it holds stays within the queue and the last second's arrivals
    however far the load exceeds what it serves."""

    def __init__(
        self, name: str, policy: Policy, cost: StepCost, max_queue: int | None = None
    ) -> None:
        self.name = name
        self.kind = policy.kind
        self._cost = cost
        self._arrivals = Arrivals()  # sizes: prompt tokens, the token counts beside it
        self._prompt: list[int] = []
        self._output: list[int] = []
        self._generation = _SessionBatchGeneration(cost, self._prompt, self._output)
        told = TellsTime(policy, self._generation)  # a batch after idle pays the restart
        self.lane = SimLane(name, told, self._generation, self._arrivals, max_queue)  # type: ignore[arg-type]
        self.records = GenRecords()
        self._dropped_before = 0  # dropped arrivals already squeezed out

    def feed(self, times: np.ndarray, prompt: np.ndarray, output: np.ndarray, until: float) -> None:
        """Append the arrivals before ``until`` (every one of them)."""
        self._arrivals.extend(times, prompt, until)
        self._prompt.extend(prompt.tolist())
        self._output.extend(output.tolist())

    def advance(self, t: float) -> None:
        lane = self.lane
        self._generation.dropped = lane.rejected
        lane.advance(t)
        log = lane.log
        times = self._arrivals.times
        batches, restarts = self._generation.batches, self._generation.restarts
        new = zip(batches, restarts, strict=True)
        for row, (ranges, restart) in enumerate(new, start=len(log) - len(batches)):
            index = [i for s, e in ranges for i in range(s, e)]
            prompt = np.array([self._prompt[i] for i in index], dtype=np.int64)
            output = np.array([self._output[i] for i in index], dtype=np.int64)
            first, last, step_end, step_kv, step_tokens = batch_tokens(
                self._cost, log.dispatch[row], prompt, output, restart
            )
            arrival = [times[i] for i in index]
            self.records.add_requests(arrival, first, last, output.tolist())
            self.records.add_first(arrival, first)
            self.records.add_steps(step_end, [len(index)] * len(step_end), step_kv, step_tokens)
        batches.clear()
        restarts.clear()

    @property
    def held(self) -> int:
        """Arrivals held: the waiting queue, the dropped ones not squeezed out yet, and
        those served since the last ``forget``."""
        return len(self._arrivals)

    @property
    def dropped(self) -> int:
        """Arrivals dropped by the bounded queue since the session started."""
        return self._dropped_before + sum(e - s for s, e in self.lane.rejected)

    def forget(self) -> None:
        """Let go of every arrival but the waiting ones (each batch is a record already)."""
        lane, arrivals = self.lane, self._arrivals
        dropped = self.dropped
        served = lane.head
        lane.forget(served, len(lane.log))
        arrivals.forget(served)
        del self._prompt[:served], self._output[:served]
        # What the queue dropped still lies between its waiting requests: squeeze it out
        # (the offset keeps counting it as arrived, as the policy's view reads arrivals).
        keep = np.ones(len(arrivals), dtype=bool)
        for s, e in lane.rejected:
            keep[s:e] = False
        if not keep.all():
            squeezed = Arrivals()
            squeezed.extend(
                arrivals.times_array[keep], arrivals.sizes_array[keep], arrivals.known_until
            )
            squeezed.offset = arrivals.offset + int((~keep).sum())
            lane.tail -= int((~keep).sum())
            self._prompt[:] = np.asarray(self._prompt)[keep].tolist()
            self._output[:] = np.asarray(self._output)[keep].tolist()
            lane.arrivals = self._arrivals = squeezed
        lane.rejected = []
        lane._gaps.clear()  # the queue is one run of requests again
        self._dropped_before = dropped

    def update(self, **params: Any) -> None:
        self.lane.update_policy(**params)

    def facts(self) -> LaneFacts:
        batcher = self.lane.batcher_json()
        return LaneFacts(self.name, batcher, int(batcher.get("max_batch_size", 0)), None, 0)

    def accounting(self, now: float) -> Accounting:
        arrived = self._arrivals.offset + self.lane.tail
        queued = self.lane.queued
        return Accounting(arrived, 0, self.dropped, queued + self.records.finishing_after(now))


class BoundedContinuous(Continuous):
    """The Continuous scheduler with at most ``max_queue`` requests waiting: an arrival that
    finds the queue full is turned away, like one that can never fit, and counted apart."""

    def __init__(self, max_queue: int | None = None, **params: Any) -> None:
        super().__init__(**params)
        self.max_queue = max_queue
        self.full = 0  # arrivals turned away because the waiting queue was full

    def fits(self, prompt: int, output: int) -> bool:
        if self.max_queue is not None and len(self.waiting) >= self.max_queue:
            self.full += 1
            return False
        return super().fits(prompt, output)


class ContinuousLane:
    """The continuous batcher, fed the session's arrivals, its waiting queue bounded."""

    kind = Continuous.kind

    def __init__(
        self, name: str, scheduler: Continuous, cost: StepCost, max_queue: int | None = None
    ) -> None:
        self.name = name
        self._scheduler = BoundedContinuous(max_queue, **scheduler.params)
        self.stepper = ContinuousStepper(self._scheduler, cost, keep_itl=False)
        self.records = GenRecords()
        self._pending: dict[int, tuple[float, int]] = {}  # request -> (arrival, output)
        self._first_seen: set[int] = set()  # running requests whose first token is recorded
        self._rejected = 0  # turned away as they could never fit the KV cache
        self._dropped_seen = 0

    @property
    def held(self) -> int:
        """Requests fed and not finished (waiting to arrive, waiting, or running)."""
        return len(self._pending)

    @property
    def dropped(self) -> int:
        """Arrivals turned away by the full waiting queue since the session started."""
        return self._scheduler.full

    def feed(self, times: np.ndarray, prompt: np.ndarray, output: np.ndarray, until: float) -> None:
        """Append the arrivals before ``until`` (every one of them)."""
        base = self.stepper.fed
        pairs = zip(times.tolist(), output.tolist(), strict=True)
        self._pending.update(enumerate(pairs, start=base))
        self.stepper.feed(times.tolist(), prompt.tolist(), output.tolist())

    def advance(self, t: float) -> None:
        s = self.stepper
        s.advance(t)
        pending, seen = self._pending, self._first_seen
        came: tuple[list[float], list[float]] = ([], [])
        # First tokens as they come (TTFT must not wait for the request to finish): those of
        # the running requests, then of any that finished in this slice before being seen.
        slot_rid, slot_first = s._rid, s._first
        for slot in s.scheduler.running:
            rid = slot_rid[slot]
            if rid not in seen and slot_first[slot] == slot_first[slot]:  # (nan: none yet)
                seen.add(rid)
                came[0].append(pending[rid][0])
                came[1].append(slot_first[slot])
        if s.finished:
            arrival, first, last, output = [], [], [], []
            for rid, f, last_s in s.finished:
                a, o = pending.pop(rid)
                if rid in seen:
                    seen.discard(rid)
                else:
                    came[0].append(a)
                    came[1].append(f)
                arrival.append(a)
                first.append(f)
                last.append(last_s)
                output.append(o)
            self.records.add_requests(arrival, first, last, output)
            s.finished.clear()
        if came[0]:
            self.records.add_first(*came)
        for rid in s.rejected:
            del self._pending[rid]
        # Turned away: those the queue had no room for, the rest could never fit.
        dropped = self.dropped
        self._rejected += len(s.rejected) - (dropped - self._dropped_seen)
        self._dropped_seen = dropped
        s.rejected.clear()
        self.records.add_steps(s.step_end, s.step_seqs, s.step_kv, s.step_tokens)
        for column in (s.step_end, s.step_seqs, s.step_kv, s.step_tokens):
            column.clear()

    def update(self, **params: Any) -> None:
        self.stepper.update(**params)

    def facts(self) -> LaneFacts:
        s = self.stepper.scheduler
        capacity = s.total_blocks * s.block_size
        return LaneFacts(self.name, s.to_json(), s.max_num_seqs, capacity, s.preemptions)

    def accounting(self, now: float) -> Accounting:
        s = self.stepper
        waiting = s.in_flight + s.waiting_arrivals + self.records.finishing_after(now)
        return Accounting(s.fed, self._rejected, self.dropped, waiting)
