"""A generative session's lanes, resumable in virtual time, each leaving GenRecords.

A request-level lane is the simulator's SimLane with a whole generative batch as its
service time (engine/gen/request_lane.py); its batches' token times follow in closed form
once it is dispatched. The continuous lane is the ContinuousStepper.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from batchtui.engine.gen.continuous import Continuous
from batchtui.engine.gen.continuous_lane import ContinuousStepper
from batchtui.engine.gen.cost import StepCost
from batchtui.engine.gen.request_lane import BatchGeneration
from batchtui.engine.policies import Policy
from batchtui.engine.session.gen_records import Accounting, GenRecords, LaneFacts
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.lane import SimLane


class _SessionBatchGeneration(BatchGeneration):
    """BatchGeneration over the session's token lists, which grow and are trimmed in step
    with its Arrivals (so index ``first`` is the same request in both)."""

    def __init__(self, cost: StepCost, prompt: list[int], output: list[int]) -> None:
        self._cost = cost
        self._prompt = prompt
        self._output = output


def batch_tokens(
    cost: StepCost, dispatch: float, prompt: np.ndarray, output: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One request-level batch dispatched at ``dispatch``: each request's first and last
    token times, and per step (the prefill, then one per token of the longest output) its
    end, KV tokens held and tokens produced (by the sequences still generating)."""
    n = len(prompt)
    prompt_sum = float(prompt.sum())
    prefill_s = (cost.step_ms + cost.prefill_ms_per_token * prompt_sum) / 1000.0
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
    """A request-level batcher over the session's shared arrivals."""

    def __init__(
        self,
        name: str,
        policy: Policy,
        cost: StepCost,
        arrivals: Arrivals,
        prompt: list[int],
        output: list[int],
    ) -> None:
        self.name = name
        self.kind = policy.kind
        self._cost = cost
        self._arrivals = arrivals
        self._prompt, self._output = prompt, output
        self.lane = SimLane(name, policy, _SessionBatchGeneration(cost, prompt, output), arrivals)
        self.records = GenRecords()
        self._rows = 0  # batch-log rows already turned into records

    def advance(self, t: float) -> None:
        self.lane.advance(t)
        log = self.lane.log
        times = self._arrivals.times
        for row in range(self._rows, len(log)):
            end, size = log.end[row], log.size[row]
            start = end - size
            prompt = np.array(self._prompt[start:end], dtype=np.int64)
            output = np.array(self._output[start:end], dtype=np.int64)
            first, last, step_end, step_kv, step_tokens = batch_tokens(
                self._cost, log.dispatch[row], prompt, output
            )
            self.records.add_requests(times[start:end], first, last, output.tolist())
            self.records.add_steps(step_end, [size] * len(step_end), step_kv, step_tokens)
        self._rows = len(log)

    @property
    def head(self) -> int:
        """The oldest arrival this lane still needs (its oldest waiting request)."""
        return self.lane.head

    def forget(self, arrivals: int) -> None:
        """The shared arrivals dropped their oldest ``arrivals``; so do the batch rows."""
        self.lane.forget(arrivals, self._rows)
        self._rows = 0

    def update(self, **params: Any) -> None:
        self.lane.update_policy(**params)

    def facts(self) -> LaneFacts:
        batcher = self.lane.batcher_json()
        return LaneFacts(self.name, batcher, int(batcher.get("max_batch_size", 0)), None, 0)

    def accounting(self, now: float) -> Accounting:
        arrived = self._arrivals.offset + self.lane.tail
        queued = self.lane.queued
        return Accounting(arrived, 0, queued + self.records.finishing_after(now))


class ContinuousLane:
    """The continuous batcher, fed the session's arrivals."""

    kind = Continuous.kind

    def __init__(self, name: str, scheduler: Continuous, cost: StepCost) -> None:
        self.name = name
        self.stepper = ContinuousStepper(scheduler, cost, keep_itl=False)
        self.records = GenRecords()
        self._pending: dict[int, tuple[float, int]] = {}  # request -> (arrival, output)
        self._rejected = 0

    def feed(self, times: np.ndarray, prompt: np.ndarray, output: np.ndarray) -> None:
        base = self.stepper.fed
        pairs = zip(times.tolist(), output.tolist(), strict=True)
        self._pending.update(enumerate(pairs, start=base))
        self.stepper.feed(times.tolist(), prompt.tolist(), output.tolist())

    def advance(self, t: float) -> None:
        s = self.stepper
        s.advance(t)
        if s.finished:
            pending = self._pending
            arrival, first, last, output = [], [], [], []
            for rid, f, last_s in s.finished:
                a, o = pending.pop(rid)
                arrival.append(a)
                first.append(f)
                last.append(last_s)
                output.append(o)
            self.records.add_requests(arrival, first, last, output)
            s.finished.clear()
        for rid in s.rejected:
            del self._pending[rid]
        self._rejected += len(s.rejected)
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
        return Accounting(s.fed, self._rejected, waiting)
