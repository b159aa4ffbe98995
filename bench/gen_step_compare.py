"""One lane live on tiny-gpt and simulated on the same requests, batch by batch or step by step.

    python bench/gen_step_compare.py [--lane dynamic] [--seconds 8] [--seed 0] [--threads 1]
        [--prompt-tokens 64] [--output-tokens 32] [--cv 0.5] [--max-context 1024]

Why: a p50 ratio says that live and sim differ, not which term. Both runtimes make the same
plans given the same times (tests/gen/test_live_runtime.py), so batch ``b`` live and batch
``b`` simulated can be read side by side: when it was dispatched, how many it took, how long
its prefill (dispatch to first token) and its whole generation took, and how long its first
request queued. The cost is fitted as ``gen_live_vs_sim.py`` fits it, just before the run.

``--lane continuous`` plans per step, and its plans part as soon as one step's length
differs, so it shows instead: each live step's time against the simulator's price of that
same step (by kind: prefill-only, decode-only, mixed; after idle or back to back), and each
request's TTFT live and simulated split into its wait for the step that gave its first token
and that step's length, grouped by the kind of that step. The simulated side is the live loop
itself on a virtual clock, each step priced as the simulator prices it (checked against
``run_continuous``).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from common import machine
from gen_live_vs_sim import LANES, MEASUREMENT, MODEL, fit_cost

from batchtui.engine.gen import GenRequests, StepCost, gen_requests
from batchtui.engine.gen.continuous import Continuous, StepPlan
from batchtui.engine.gen.continuous_lane import run_continuous
from batchtui.engine.gen.cost import attended
from batchtui.engine.gen.live_continuous import serve_continuous_live
from batchtui.engine.gen.live_model import LiveModel
from batchtui.engine.gen.live_request import serve_request_level_live
from batchtui.engine.gen.live_run import warm_up
from batchtui.engine.gen.request_lane import run_request_level
from batchtui.engine.gen.run import batcher
from batchtui.engine.load import LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.generative import load_generative
from batchtui.engine.scenario import LaneSpec

IDLE_S = 0.001
"""A request dispatched within this of its arrival found the device idle (did not queue)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lane", default="dynamic", choices=("static", "dynamic", "predictive", "continuous")
    )
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rate", type=float, default=4.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--prompt-tokens", type=float, default=64.0)
    parser.add_argument("--output-tokens", type=float, default=32.0)
    parser.add_argument("--cv", type=float, default=0.5, help="of both lengths (lognormal)")
    parser.add_argument(
        "--max-context", type=int, default=MODEL.params["max_context"],
        help="tiny-gpt's (4096 is the model's own default, which batchtui tune uses)",
    )  # fmt: skip
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device("cpu")
    model_spec = ModelSpec("tiny-gpt", {**MODEL.params, "max_context": args.max_context})
    module = load_generative(model_spec, device)
    load = LoadSpec(rate_rps=args.rate, prompt_tokens=args.prompt_tokens,
                    output_tokens=args.output_tokens, prompt_cv=args.cv,
                    output_cv=args.cv)  # fmt: skip
    requests = gen_requests(load, args.seconds, seed=args.seed)
    model = LiveModel(module, device, requests, seed=args.seed)
    warm_up(model, requests)
    (spec,) = (lane for lane in LANES if lane.name == args.lane)
    # Prefills timed up to the longest prompt: a prefill's attention grows with its square.
    reach = min(args.max_context, max(MEASUREMENT.max_tokens, int(requests.prompt.max())))
    cost = fit_cost(module, device, args.seed, dataclasses.replace(MEASUREMENT, max_tokens=reach))
    print(f"machine: {machine()}, {args.threads} torch thread(s), load average {_load()}")
    print(f"lane {spec.name} {spec.params}, {len(requests)} requests, fit {cost}")
    if spec.kind == "continuous":
        compare_steps(spec, cost, model, requests)
        return
    logs: list[Any] = []
    live = serve_request_level_live(batcher(spec), model, requests, logs.append)
    sim = run_request_level(batcher(spec), cost, requests, logs.append)
    lv, sm = logs
    print(f"batches live {len(lv.size)}, sim {len(sm.size)}; same sizes: "
          f"{np.array_equal(lv.size, sm.size)}; load average {_load()}")  # fmt: skip
    print(" b  size l/s   dispatch ms l/s      prefill ms l/s   generation ms l/s  queued ms l/s")
    for b in range(min(len(lv.size), len(sm.size))):
        cells = []
        for log, timeline in ((lv, live), (sm, sim)):
            first = int(np.sum(log.size[:b]))
            cells.append((
                log.size[b], log.dispatch[b] * 1e3,
                (timeline.first[first] - log.dispatch[b]) * 1e3,
                (log.finish[b] - log.dispatch[b]) * 1e3,
                (log.dispatch[b] - requests.times[first]) * 1e3,
            ))  # fmt: skip
        (n, d, p, g, q), (n2, d2, p2, g2, q2) = cells
        print(f"{b:2d} {n:4d}/{n2:<4d} {d:8.1f}/{d2:<8.1f} {p:7.2f}/{p2:<7.2f} "
              f"{g:8.1f}/{g2:<8.1f} {q:6.1f}/{q2:<6.1f}")  # fmt: skip
    for name, log, timeline in (("live", lv, live), ("sim", sm, sim)):
        ttft = (timeline.first - requests.times) * 1e3
        waited = np.repeat(log.dispatch, log.size) - requests.times > IDLE_S
        alone = ttft[~waited]
        print(f"{name:<4} TTFT p50 {np.median(ttft):7.2f} ms; {len(alone)} of {len(ttft)} "
              f"requests dispatched on arrival, their TTFT p50 "
              f"{np.median(alone) if len(alone) else float('nan'):6.2f} ms")  # fmt: skip


@dataclass(frozen=True)
class Step:
    """One continuous step: when it ran (s from the origin) and what it computed."""

    start: float
    end: float
    prefill_tokens: int
    decode_seqs: int
    context_tokens: int
    prefill_sq: int = 0

    @property
    def kind(self) -> str:
        """prefill (only), decode (only) or mixed: what the live runtime runs as 1, 1 or 2 calls."""
        if not self.decode_seqs:
            return "prefill"
        return "mixed" if self.prefill_tokens else "decode"


class Recorder:
    """``serve_continuous_live``'s ``on_step``: keeps every step."""

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def __call__(self, start: float, end: float, plan: StepPlan) -> None:
        self.steps.append(
            Step(
                start,
                end,
                plan.prefill_tokens,
                plan.decode_seqs,
                plan.context_tokens,
                plan.prefill_sq,
            )
        )


class VirtualClock:
    """Time that moves only when told: the live loop on it runs at the simulator's prices."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep_until(self, t: float) -> None:
        # The loop asks again while ``t - origin`` rounds below the arrival: step past it.
        self.t = t if t > self.t else math.nextafter(self.t, math.inf)


class PricedModel:
    """Stands in for LiveModel: computes nothing, and at each step's sync moves the virtual
    clock by what ``cost`` charges for the step's calls (as one step, the idle restart too)."""

    def __init__(self, cost: StepCost, clock: VirtualClock) -> None:
        self.cost, self.clock = cost, clock
        self.last_end = -math.inf
        self.start: float | None = None
        self.terms = [0, 0, 0, 0]  # prefill tokens, decoding sequences, their context, square

    def _begin(self) -> None:
        if self.start is None:
            self.start = self.clock.now()

    def prefill(self, chunks: list[tuple[int, int, int]], states: list[Any]) -> list[int]:
        self._begin()
        self.terms[0] += sum(n for _, _, n in chunks)
        self.terms[3] += sum(attended(n, start) for _, start, n in chunks)
        return [start + n for _, start, n in chunks]  # a state: tokens in its cache

    def decode(self, states: list[int]) -> list[int]:
        self._begin()
        self.terms[1] += len(states)
        self.terms[2] += sum(states)
        return [s + 1 for s in states]

    def sync(self) -> None:
        assert self.start is not None
        dt = self.cost.step(*self.terms) + self.cost.restart_s(self.start - self.last_end)
        self.clock.t = self.start + dt
        self.last_end, self.start, self.terms = self.clock.t, None, [0, 0, 0, 0]


def compare_steps(spec: LaneSpec, cost: StepCost, model: LiveModel, requests: GenRequests) -> None:
    """The continuous lane live and on the simulator's prices: steps by kind, then TTFTs."""
    runs = {}
    for name in ("live", "sim"):
        recorder = Recorder()
        policy = batcher(spec)
        assert isinstance(policy, Continuous)
        if name == "live":
            timeline = serve_continuous_live(policy, model, requests, on_step=recorder)
        else:
            clock = VirtualClock()
            priced = PricedModel(cost, clock)
            timeline = serve_continuous_live(policy, priced, requests, clock, recorder)  # type: ignore[arg-type]
        runs[name] = (timeline, recorder.steps)
    reference = run_continuous(batcher(spec), cost, requests)  # type: ignore[arg-type]
    sim_ttft = runs["sim"][0].first - requests.times
    off = float(np.max(np.abs(sim_ttft - (reference.first - requests.times))))
    print(f"load average {_load()}; steps live {len(runs['live'][1])}, sim "
          f"{len(runs['sim'][1])}; virtual-clock sim vs run_continuous: TTFT differs by at "
          f"most {off * 1e6:.3f} us")  # fmt: skip
    print("\nlive steps against the simulator's price of the same step (ms; diff = live - price)")
    print(f"{'kind':<22} {'steps':>5} {'live p50':>8} {'price p50':>9} {'diff p50':>8} "
          f"{'diff mean':>9} {'diff sum':>8}")  # fmt: skip
    live_steps = runs["live"][1]
    rows: dict[str, list[tuple[float, float]]] = {}
    last_end = -math.inf
    for step in live_steps:
        idle = step.start - last_end
        price = cost.step(
            step.prefill_tokens, step.decode_seqs, step.context_tokens, step.prefill_sq
        )
        price += cost.restart_s(idle)
        after = "after idle" if idle > IDLE_S else "back to back"
        for key in (step.kind, f"{step.kind}, {after}"):
            rows.setdefault(key, []).append(((step.end - step.start) * 1e3, price * 1e3))
        last_end = step.end
    for key in sorted(rows):
        live_ms, price_ms = (np.array(c) for c in zip(*rows[key], strict=True))
        diff = live_ms - price_ms
        print(f"{key:<22} {len(diff):5d} {np.median(live_ms):8.2f} {np.median(price_ms):9.2f} "
              f"{np.median(diff):8.2f} {np.mean(diff):9.2f} {np.sum(diff):8.1f}")  # fmt: skip
    print("\nTTFT (ms) by the kind of step that gave the first token: wait = arrival to that")
    print("step's start, step = its length; p50s (live/sim)")
    print(f"{'first token in':<24} {'requests l/s':>12} {'TTFT l/s':>15} {'wait l/s':>13} "
          f"{'step l/s':>13}")  # fmt: skip
    parts = {name: _first_token_parts(timeline, steps, requests) for name, (timeline, steps)
             in runs.items()}  # fmt: skip
    for group in ("all", "prefill, after idle", "prefill, back to back", "mixed"):
        cells = []
        for name in ("live", "sim"):
            kinds, ttft, wait, length = parts[name]
            pick = np.ones(len(kinds), bool) if group == "all" else kinds == group
            cells.append((int(pick.sum()), *(_p50(x[pick]) for x in (ttft, wait, length))))
        (n, t, w, s), (n2, t2, w2, s2) = cells
        print(f"{group:<24} {n:5d}/{n2:<6d} {t:7.2f}/{t2:<7.2f} {w:6.2f}/{w2:<6.2f} "
              f"{s:6.2f}/{s2:<6.2f}")  # fmt: skip
    live_ttft = runs["live"][0].first - requests.times
    ratio = live_ttft / sim_ttft
    print(f"\nTTFT p50 live {_p50(live_ttft) * 1e3:.2f} ms, sim {_p50(sim_ttft) * 1e3:.2f} ms, "
          f"ratio {_p50(live_ttft) / _p50(sim_ttft):.2f}; per request live/sim p50 "
          f"{_p50(ratio):.2f}, p10-p90 {np.nanpercentile(ratio, 10):.2f}-"
          f"{np.nanpercentile(ratio, 90):.2f}")  # fmt: skip


def _first_token_parts(
    timeline: Any, steps: list[Step], requests: GenRequests
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per request: the kind of step its first token came from (after idle or not, for a
    prefill-only step), its TTFT, its wait for that step and that step's length (ms)."""
    ends = np.array([s.end for s in steps])
    kinds, wait, length = [], [], []
    last_end = [-math.inf] + [s.end for s in steps[:-1]]
    for rid, first in enumerate(timeline.first):
        index = int(np.searchsorted(ends, first))  # a token lands at its step's end
        step = steps[index]
        kind = step.kind
        if kind == "prefill":
            after = step.start - last_end[index] > IDLE_S
            kind += ", after idle" if after else ", back to back"
        kinds.append(kind)
        wait.append((step.start - requests.times[rid]) * 1e3)
        length.append((step.end - step.start) * 1e3)
    ttft = (timeline.first - requests.times) * 1e3
    return np.array(kinds), ttft, np.array(wait), np.array(length)


def _p50(x: np.ndarray) -> float:
    return float(np.median(x)) if len(x) else math.nan


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
