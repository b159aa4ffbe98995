"""The continuous lane in virtual time: one Continuous scheduler, one step at a time.

``ContinuousStepper`` is resumable: feed it arrivals, ``advance(until)`` it, change its
knobs in between, and it computes exactly what one uninterrupted run would (the dashboard
drives it in slices of wall time). ``run_continuous`` is that uninterrupted run, the
reference (pure Python, the scheduler's own methods); ``run_continuous_fast`` gives the same
Timeline from the compiled whole-run kernel (engine/gen/continuous_kernel.py) when numba is
installed, and is what headless runs use.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np

from batchtui.engine.gen.continuous import Continuous
from batchtui.engine.gen.cost import StepCost
from batchtui.engine.gen.timeline import Timeline
from batchtui.engine.gen.workload import GenRequests


class ContinuousStepper:
    """Serves fed requests step by step: arrivals join at the start of the next step; tokens
    land at the step's end. A request whose sequence can never fit the KV cache is rejected
    on arrival. A step that starts after the device idled pays ``cost.restart_s``.

    Requests are numbered in feed order (``0, 1, …`` from the first fed). The scheduler sees
    slot numbers instead, reused once a request finishes, so its tables stay as small as the
    requests in flight however long a session runs. What happened is left in public lists
    the owner reads and clears as it likes: ``finished`` (request, first token time, last
    token time), ``rejected`` (request), per step ``step_end``/``step_seqs``/``step_kv``/
    ``step_tokens``, and every inter-token gap in ``itl`` when ``keep_itl``.
    """

    def __init__(self, scheduler: Continuous, cost: StepCost, *, keep_itl: bool = True) -> None:
        self.scheduler = scheduler
        self.cost = cost
        self.keep_itl = keep_itl
        self.now = 0.0  # the end of the last step computed (it may lie past the last until)
        self.last_end = -math.inf  # when the device last finished a step (never: idle always)
        self.busy_s = 0.0
        self.fed = 0  # requests fed so far
        self.finished: list[tuple[int, float, float]] = []
        self.rejected: list[int] = []
        self.itl: list[float] = []
        self.step_end: list[float] = []
        self.step_seqs: list[int] = []
        self.step_kv: list[int] = []
        self.step_tokens: list[int] = []
        # Arrivals fed but not admitted yet (index ``_next`` onwards).
        self._times: list[float] = []
        self._prompts: list[int] = []
        self._outputs: list[int] = []
        self._next = 0
        # Per slot: the request in it and its first and last token times so far.
        self._rid: list[int] = []
        self._first: list[float] = []
        self._last: list[float] = []
        self._free: list[int] = []

    @property
    def waiting_arrivals(self) -> int:
        """Requests fed whose arrival the stepper has not reached yet."""
        return len(self._times) - self._next

    @property
    def in_flight(self) -> int:
        """Requests admitted and not finished: waiting for a step or running."""
        s = self.scheduler
        return len(s.waiting) + len(s.running)

    def feed(self, times: Sequence[float], prompts: Sequence[int], outputs: Sequence[int]) -> None:
        """Append arrivals (ascending, none before the last fed). Before ``advance(until)``
        every arrival before ``until`` must have been fed."""
        if self._next > 4096 and self._next * 2 > len(self._times):
            del self._times[: self._next], self._prompts[: self._next]
            del self._outputs[: self._next]
            self._next = 0
        self._times.extend(times)
        self._prompts.extend(prompts)
        self._outputs.extend(outputs)
        self.fed += len(times)

    def update(self, **params: Any) -> None:
        """Change the scheduler's knobs from the next step on (checked before any applies)."""
        self.scheduler.update(**params)

    def advance(self, until: float) -> None:
        """Compute every step that starts before ``until`` (the last may end after it)."""
        scheduler = self.scheduler
        times, prompts, outputs = self._times, self._prompts, self._outputs
        count = len(times)
        slot_rid, first, last, free = self._rid, self._first, self._last, self._free
        generated = scheduler.generated
        gap = self.itl.append if self.keep_itl else _drop
        finished, rejected = self.finished, self.rejected
        step_end, step_seqs, step_kv, step_tokens = (
            self.step_end,
            self.step_seqs,
            self.step_kv,
            self.step_tokens,
        )
        block_size = scheduler.block_size
        step, restart_s = self.cost.step, self.cost.restart_s
        schedule, complete, add, fits = (
            scheduler.schedule,
            scheduler.complete,
            scheduler.add,
            scheduler.fits,
        )
        base = self.fed - count  # request number of times[0]
        now, nxt, busy, last_end = self.now, self._next, self.busy_s, self.last_end
        while True:
            if scheduler.idle:
                if nxt == count or times[nxt] >= until:
                    break
                now = max(now, times[nxt])
            if now >= until:
                break
            while nxt < count and times[nxt] <= now:
                if fits(prompts[nxt], outputs[nxt]):
                    if free:
                        slot = free.pop()
                        slot_rid[slot] = base + nxt
                    else:
                        slot = len(slot_rid)
                        slot_rid.append(base + nxt)
                        first.append(math.nan)
                        last.append(math.nan)
                    add(slot, prompts[nxt], outputs[nxt])
                else:
                    rejected.append(base + nxt)
                nxt += 1
            if scheduler.idle:
                continue
            plan = schedule()
            if not plan.items:
                raise RuntimeError("continuous: a step with work waiting scheduled nothing")
            dt = step(plan.prefill_tokens, plan.decode_seqs, plan.context_tokens, plan.prefill_sq)
            dt += restart_s(now - last_end)  # if the device idled since its last step
            now += dt
            busy += dt
            last_end = now
            step_kv.append(scheduler.used_blocks * block_size)
            result = complete(plan)
            for slot in result.sampled:
                if generated[slot] > 1:  # a token came before this one
                    gap(now - last[slot])
                else:
                    first[slot] = now
                last[slot] = now
            for slot in result.finished:
                finished.append((slot_rid[slot], first[slot], now))
                first[slot] = last[slot] = math.nan
                free.append(slot)
            step_end.append(now)
            step_seqs.append(len(plan.items))
            step_tokens.append(len(result.sampled))
        self.now, self._next, self.busy_s, self.last_end = now, nxt, busy, last_end


def _drop(_: float) -> None:
    """Where inter-token gaps go when they are not kept."""


def run_continuous(scheduler: Continuous, cost: StepCost, requests: GenRequests) -> Timeline:
    """Serve every request: arrivals join at the start of the next step; tokens land at the
    step's end. A request whose sequence can never fit the KV cache is rejected on arrival."""
    stepper = ContinuousStepper(scheduler, cost)
    stepper.feed(requests.times.tolist(), requests.prompt.tolist(), requests.output.tolist())
    stepper.advance(math.inf)
    count = len(requests)
    first = np.full(count, math.nan)
    last = np.full(count, math.nan)
    tokens = np.zeros(count, dtype=np.int64)
    rejected = np.zeros(count, dtype=bool)
    if stepper.finished:
        rid, first_s, last_s = (np.array(c) for c in zip(*stepper.finished, strict=True))
        first[rid], last[rid] = first_s, last_s
        tokens[rid] = requests.output[rid]
    rejected[np.array(stepper.rejected, dtype=np.int64)] = True
    return Timeline(
        first=first,
        last=last,
        tokens=tokens,
        rejected=rejected,
        itl=np.array(stepper.itl),
        step_end=np.array(stepper.step_end),
        step_seqs=np.array(stepper.step_seqs, dtype=np.int64),
        step_kv=np.array(stepper.step_kv, dtype=np.int64),
        busy_s=stepper.busy_s,
        preemptions=scheduler.preemptions,
        kv_capacity=scheduler.total_blocks * scheduler.block_size,
    )


@functools.cache
def _compiled() -> ModuleType | None:
    """The kernel module, imported on first use (numba is optional and slow to import)."""
    try:
        from batchtui.engine.gen import continuous_kernel
    except ImportError:  # numba absent, or unusable with this numpy
        return None
    return continuous_kernel


def kernel_name() -> str:
    """Which loop ``run_continuous_fast`` uses here: "numba" or "python" (the reference)."""
    return "python" if _compiled() is None else "numba"


def run_continuous_fast(scheduler: Continuous, cost: StepCost, requests: GenRequests) -> Timeline:
    """``run_continuous``'s Timeline, from the compiled kernel when numba is installed and the
    kernel models this scheduler and cost exactly (an idle Continuous, the analytic StepCost)."""
    kernel = _compiled()
    exact = (
        type(scheduler) is Continuous
        and type(cost).step is StepCost.step
        and type(cost).restart_s is StepCost.restart_s
        and scheduler.idle
    )
    if kernel is None or not exact:
        return run_continuous(scheduler, cost, requests)
    return kernel.run_timeline(scheduler, cost, requests)
