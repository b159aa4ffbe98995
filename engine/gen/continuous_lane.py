"""The continuous lane in virtual time: one Continuous scheduler, one step at a time."""

from __future__ import annotations

import math

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
