"""The continuous lane in virtual time: one Continuous scheduler, one step at a time.

``run_continuous`` is the reference (pure Python, the scheduler's own methods);
``run_continuous_fast`` gives the same Timeline from the compiled whole-run kernel
(engine/gen/continuous_kernel.py) when numba is installed, and is what headless runs use.
"""

from __future__ import annotations

import functools
import math
from types import ModuleType

import numpy as np

from batchtui.engine.gen.continuous import Continuous
from batchtui.engine.gen.cost import StepCost
from batchtui.engine.gen.timeline import Timeline
from batchtui.engine.gen.workload import GenRequests


def run_continuous(scheduler: Continuous, cost: StepCost, requests: GenRequests) -> Timeline:
    """Serve every request: arrivals join at the start of the next step; tokens land at the
    step's end. A request whose sequence can never fit the KV cache is rejected on arrival."""
    times = requests.times.tolist()
    prompts = requests.prompt.tolist()
    outputs = requests.output.tolist()
    count = len(times)
    first = [math.nan] * count
    last = [math.nan] * count
    tokens = [0] * count
    rejected = [False] * count
    itl: list[float] = []
    step_end: list[float] = []
    step_seqs: list[int] = []
    step_kv: list[int] = []
    block_size = scheduler.block_size
    step = cost.step
    schedule, complete, add, fits = (
        scheduler.schedule,
        scheduler.complete,
        scheduler.add,
        scheduler.fits,
    )
    now = 0.0
    nxt = 0
    busy = 0.0
    while True:
        if scheduler.idle:
            if nxt == count:
                break
            now = max(now, times[nxt])
        while nxt < count and times[nxt] <= now:
            if fits(prompts[nxt], outputs[nxt]):
                add(nxt, prompts[nxt], outputs[nxt])
            else:
                rejected[nxt] = True
            nxt += 1
        if scheduler.idle:
            continue
        plan = schedule()
        if not plan.items:
            raise RuntimeError("continuous: a step with work waiting scheduled nothing")
        dt = step(plan.prefill_tokens, plan.decode_seqs, plan.context_tokens)
        now += dt
        busy += dt
        step_kv.append(scheduler.used_blocks * block_size)
        for rid in complete(plan).sampled:
            if tokens[rid]:
                itl.append(now - last[rid])
            else:
                first[rid] = now
            last[rid] = now
            tokens[rid] += 1
        step_end.append(now)
        step_seqs.append(len(plan.items))
    return Timeline(
        first=np.array(first),
        last=np.array(last),
        tokens=np.array(tokens, dtype=np.int64),
        rejected=np.array(rejected, dtype=bool),
        itl=np.array(itl),
        step_end=np.array(step_end),
        step_seqs=np.array(step_seqs, dtype=np.int64),
        step_kv=np.array(step_kv, dtype=np.int64),
        busy_s=busy,
        preemptions=scheduler.preemptions,
        kv_capacity=scheduler.total_blocks * block_size,
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
    exact = type(scheduler) is Continuous and type(cost).step is StepCost.step and scheduler.idle
    if kernel is None or not exact:
        return run_continuous(scheduler, cost, requests)
    return kernel.run_timeline(scheduler, cost, requests)
