"""The continuous lane on the wall clock: the same Continuous scheduler, steps on the model.

The loop is the simulator's (engine/gen/continuous_lane.py) with time made real: arrivals
join at the start of the next step once their scheduled time has passed, each planned step
runs as one batched ``prefill`` of its prefill chunks and one batched ``decode`` of its
decodes, and its tokens land when the device is done. Latencies run from each request's
scheduled arrival, so a late look at the queue counts against the runtime.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from batchtui.engine.gen.continuous import Continuous, StepPlan
from batchtui.engine.gen.live_model import LiveModel
from batchtui.engine.gen.timeline import Timeline
from batchtui.engine.gen.token_log import TokenLog
from batchtui.engine.gen.workload import GenRequests
from batchtui.engine.live.clock import WallClock, tighten_timer_slack
from batchtui.engine.live.lane import LEAD_S

StepHook = Callable[[float, float, StepPlan], None]
"""Told each step as it ends: its start and end (seconds from the origin) and its plan."""


def serve_continuous_live(
    scheduler: Continuous,
    model: LiveModel,
    requests: GenRequests,
    clock: WallClock | None = None,
    on_step: StepHook | None = None,
) -> Timeline:
    """Serve every request live; a request that can never fit the KV cache is rejected on
    arrival, as in the simulator. ``on_step`` sees every step (bench/gen_step_compare.py
    lines them up with the simulator's)."""
    clock = clock or WallClock()
    tighten_timer_slack()
    times = requests.times.tolist()
    prompts = requests.prompt.tolist()
    outputs = requests.output.tolist()
    count = len(times)
    log = TokenLog(count)
    states: list[Any] = [None] * count
    busy = 0.0
    nxt = 0
    origin = clock.now() + LEAD_S
    while True:
        now = clock.now() - origin
        if scheduler.idle:
            if nxt == count:
                break
            if times[nxt] > now:
                clock.sleep_until(origin + times[nxt])
                now = clock.now() - origin
        while nxt < count and times[nxt] <= now:
            if scheduler.fits(prompts[nxt], outputs[nxt]):
                scheduler.add(nxt, prompts[nxt], outputs[nxt])
            else:
                log.rejected[nxt] = True
            nxt += 1
        if scheduler.idle:
            continue
        plan = scheduler.schedule()
        if not plan.items:
            raise RuntimeError("continuous: a step with work waiting scheduled nothing")
        start = clock.now()
        _run_step(scheduler, model, plan, states)
        end = clock.now()
        busy += end - start
        kv = scheduler.used_blocks * scheduler.block_size
        result = scheduler.complete(plan)
        log.land(result.sampled, end - origin)
        log.step(end - origin, len(plan.items), kv)
        if on_step is not None:
            on_step(start - origin, end - origin, plan)
        for rid in result.finished:
            states[rid] = None  # its KV cache goes with it
    return log.timeline(busy, scheduler.preemptions, scheduler.total_blocks * scheduler.block_size)


def _run_step(scheduler: Continuous, model: LiveModel, plan: StepPlan, states: list[Any]) -> None:
    """The plan on the model: its prefill chunks in one call, its decodes in another, then a
    device synchronize. A preempted request's state is dropped (recompute from scratch)."""
    for rid in plan.preempted:
        states[rid] = None
    computed, generated, prompt = scheduler.computed, scheduler.generated, scheduler.prompt
    chunks: list[tuple[int, int, int]] = []
    decodes: list[int] = []
    for rid, n in plan.items:
        done = computed[rid]  # before complete(): tokens the model has already seen
        if generated[rid] and done == prompt[rid] + generated[rid] - 1:
            decodes.append(rid)  # feeds the token its state sampled last
        else:
            chunks.append((rid, done, n))
    if chunks:
        new = model.prefill(chunks, [states[rid] for rid, _, _ in chunks])
        for (rid, _, _), state in zip(chunks, new, strict=True):
            states[rid] = state
    if decodes:
        new = model.decode([states[rid] for rid in decodes])
        for rid, state in zip(decodes, new, strict=True):
            states[rid] = state
    model.sync()
