"""A request-level lane on a generative model: the usual batcher forms the batch, which then
prefills together and decodes until its longest request ends (Orca's head-of-line case).

The batch is the existing simulator lane's unit, so the three policies run their own rule
unchanged; only the service time differs: one prefill step over every prompt, then one
decode step per token of the longest output. Finished sequences keep their slot (padding)
until the batch ends, so every decode step computes all ``B`` sequences, and their context
grows by ``B`` tokens a step. Each request's tokens stream as they are made: its first at
the end of the prefill, its last when its own output is complete. A batch that starts after
the device idled pays the idle restart (``StepCost.restart_s``) once, on its prefill.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from batchtui.engine.gen.cost import StepCost
from batchtui.engine.gen.timeline import Timeline
from batchtui.engine.gen.workload import GenRequests
from batchtui.engine.policies import Policy
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.lane import SimLane


class BatchGeneration:
    """The service time of a whole generative batch, for SimLane (a ServiceTime)."""

    executes = False

    def __init__(self, cost: StepCost, requests: GenRequests) -> None:
        self._cost = cost
        self._prompt = requests.prompt.tolist()
        self._output = requests.output.tolist()

    def duration(self, n: int, first: int = 0) -> float:
        """The batch of the ``n`` requests from arrival index ``first`` on (contiguous: no
        lane here drops arrivals; a bounded one passes its real requests to ``batch_s``)."""
        return self.batch_s(self._prompt[first : first + n], self._output[first : first + n])

    def batch_s(self, prompts: list[int], outputs: list[int]) -> float:
        """Prefill of all prompts, then decode steps until the longest output is complete."""
        n = len(prompts)
        prompt_sum = sum(prompts)
        steps = max(outputs) - 1
        cost = self._cost
        decode = cost.step(0, n, prompt_sum) * steps
        decode += cost.context_ms_per_token / 1000.0 * n * steps * (steps - 1) / 2.0
        return cost.step(prompt_sum, 0, 0, sum(p * p for p in prompts)) + decode

    def for_lane(self, arrivals: Arrivals | None = None) -> BatchGeneration:
        return self

    def to_json(self) -> dict[str, Any]:
        return self._cost.to_json()


class _TimedBatchGeneration(BatchGeneration):
    """BatchGeneration told each batch's start (``now``, by ``TellsTime``), so a batch after
    the device idled pays the restart; ``restart_s`` holds what each dispatch paid."""

    def __init__(self, cost: StepCost, requests: GenRequests) -> None:
        super().__init__(cost, requests)
        self.now = 0.0
        self.last_finish = -math.inf  # before the first batch the device was idle
        self.restart_s: list[float] = []

    def duration(self, n: int, first: int = 0) -> float:
        restart = self._cost.restart_s(self.now - self.last_finish)
        self.restart_s.append(restart)
        s = super().duration(n, first) + restart
        self.last_finish = self.now + s
        return s


class TellsTime:
    """``policy`` (every attribute its own) whose ``decide`` first tells ``service`` the time
    (its ``now``): SimLane asks for a batch's duration right after the decide that
    dispatched it. Used by this lane and the dashboard's (engine/session/gen_lanes.py)."""

    def __init__(self, policy: Policy, service: Any) -> None:
        self._policy = policy
        self._service = service

    def decide(self, now: float, view: Any) -> Any:
        self._service.now = now
        return self._policy.decide(now, view)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._policy, name)


def run_request_level(
    policy: Policy,
    cost: StepCost,
    requests: GenRequests,
    on_batches: Callable[[Any], None] | None = None,
) -> Timeline:
    """Serve every request with ``policy`` forming the batches; token times in closed form.
    ``on_batches`` is shown the batch log (dispatch, finish, size per batch): how the
    live-vs-sim comparison lines batches up (bench/gen_step_compare.py)."""
    arrivals = Arrivals()
    arrivals.extend(
        requests.times, requests.prompt, float(requests.times[-1]) if len(requests) else 0.0
    )
    arrivals.close()
    service = _TimedBatchGeneration(cost, requests)
    lane = SimLane(policy.kind, TellsTime(policy, service), service, arrivals)  # type: ignore[arg-type]
    lane.advance(float("inf"))
    log = lane.log.arrays()
    if on_batches is not None:
        on_batches(log)
    size = log.size
    start = log.end - size
    n = len(requests)
    batch = np.repeat(np.arange(len(size)), size)  # batch of each request, in arrival order
    prompt = requests.prompt.astype(np.float64)
    output = requests.output
    prompt_sum = np.add.reduceat(prompt, start) if len(size) else np.empty(0)
    prompt_sq = np.add.reduceat(prompt * prompt, start) if len(size) else np.empty(0)
    longest = np.maximum.reduceat(output, start) if len(size) else np.empty(0, dtype=np.int64)
    c = cost.context_ms_per_token / 1000.0
    prefill_s = (
        cost.step_ms
        + cost.prefill_ms_per_token * prompt_sum
        + cost.prefill_ms_per_token_sq * prompt_sq
    ) / 1000.0
    prefill_s += np.array(service.restart_s)  # the idle restart, paid on the prefill
    step0 = (
        cost.step_ms + cost.decode_ms_per_seq * size + cost.context_ms_per_token * prompt_sum
    ) / 1000.0
    grow = c * size  # each decode step's context is B tokens longer than the last
    first = log.dispatch[batch] + prefill_s[batch]
    m = (output - 1).astype(np.float64)
    last = first + step0[batch] * m + grow[batch] * m * (m - 1.0) / 2.0
    # Inter-token gaps: request i's k-th gap (k = 0..m_i-1) is step0 + grow * k.
    gaps = output - 1
    k = np.arange(int(gaps.sum())) - np.repeat(np.cumsum(gaps) - gaps, gaps)
    itl = np.repeat(step0[batch], gaps) + np.repeat(grow[batch], gaps) * k
    # Steps: each batch's prefill, then longest - 1 decode steps, all of its B sequences.
    steps = longest.astype(np.int64)
    j = np.arange(int(steps.sum())) - np.repeat(np.cumsum(steps) - steps, steps)
    b_of_step = np.repeat(np.arange(len(size)), steps)
    decode_end = prefill_s[b_of_step] + step0[b_of_step] * j + grow[b_of_step] * j * (j - 1.0) / 2.0
    step_end = log.dispatch[b_of_step] + decode_end
    step_kv = (prompt_sum[b_of_step] + size[b_of_step] * j).astype(np.int64)
    return Timeline(
        first=first,
        last=last,
        tokens=output.copy(),  # forced lengths: every request gets all its tokens
        rejected=np.zeros(n, dtype=bool),
        itl=itl,
        step_end=step_end,
        step_seqs=size[b_of_step],
        step_kv=step_kv,
        busy_s=float((log.finish - log.dispatch).sum()),
    )
