"""Does the live generative runtime agree with the simulator on tiny-gpt? Same requests.

    python bench/gen_live_vs_sim.py [--seconds 16] [--rounds 8] [--rate 4] [--threads 1] [--sleep]
        [--steady-within 0.15] [--quiet-steal SHARE]

1. Build tiny-gpt on the CPU (1 torch thread by default: 2 shared cores).
2. Each round: one seeded Poisson schedule of requests (lognormal lengths). Each lane is
   served live on the model, then simulated on the same requests with the analytic-llm
   coefficients that ``batchtui profile --model tiny-gpt`` fits (its code, a shorter
   measurement), fitted just before and just after that lane's live run and averaged: the
   CPU's speed drifts within a minute on this shared machine.
3. Print per lane TTFT p50 and TPOT p50 both ways and live/sim, medians over rounds (goal:
   within 15%). Both fits charge ``mixed_step_ms`` and the fitted idle restart.
4. A round of a lane is *steady* when its two fits agree: a lone 64-token request's price
   after idle and a one-sequence decode's price differ by at most ``--steady-within``
   (15%) between the fit before and the fit after. This VM's host has spells in which a
   step after idle costs 0.1-4 ms more and decodes up to 40% more, tens of seconds apart
   (bench/RESULTS.md); a round whose fits disagree measured two machines, and no one cost
   stands for both. Medians are printed over every round and over the steady ones. Beside
   it, the share of the machine's CPU time during the live run that its host gave to
   another tenant (``common.stolen``, vmstat's ``st``); ``--quiet-steal`` starts each round
   only once every core, spun for 1 s, loses at most that share of its time to them (up
   to 5 minutes).

Each round also fits the profile as it measured before each timed step followed three
untimed decodes (``lead_decodes=1``), on the same live run, printed beside ("before").
Until 2026-12-03 that A/B was ``idle_as_live``, before it ``after_decode``: bench/RESULTS.md
has all three. ``--sleep`` swaps in a model that only sleeps each call's analytic cost, so
what is left is the runtime's own overhead and the machine's wake-up latency. The load
average is printed per round: the CPU is shared.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
from dataclasses import astuple
from typing import Any

import torch
from common import add_quiet_steal, cpu_times, machine, steal_text, stolen, wait_for_quiet_host

from batchtui.engine.gen import GenRequests, StepCost, gen_requests
from batchtui.engine.gen.cost import attended
from batchtui.engine.gen.figures import lane_figures
from batchtui.engine.gen.fit_drift import LonePrices, fit_drift
from batchtui.engine.gen.live_model import LiveModel
from batchtui.engine.gen.live_run import serve_live, warm_up
from batchtui.engine.gen.run import serve
from batchtui.engine.live.clock import WallClock
from batchtui.engine.load import LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.gen_profiler import (
    GenMeasurement,
    profile_generative,
)
from batchtui.engine.models.generative import load_generative
from batchtui.engine.scenario import LaneSpec

MODEL = ModelSpec("tiny-gpt", {"layers": 2, "d_model": 64, "heads": 4, "max_context": 1024})
LANES = (
    LaneSpec("static", "static", {"max_batch_size": 8, "max_wait_ms": 20.0}),
    LaneSpec("dynamic", "dynamic", {"max_batch_size": 8, "max_wait_ms": 20.0}),
    LaneSpec("predictive", "predictive", {"max_batch_size": 8, "max_wait_ms": 20.0}),
    LaneSpec("continuous", "continuous", {"max_num_seqs": 16, "max_num_batched_tokens": 512}),
)
SLEEP_COST = StepCost(step_ms=2.0, prefill_ms_per_token=0.03, decode_ms_per_seq=0.3,
                      context_ms_per_token=0.001)  # fmt: skip
"""About tiny-gpt's fit here; the sleeping model holds the CPU for no work at all."""
MEASUREMENT = GenMeasurement(repeats=5, max_tokens=256, max_seqs=16)
BEFORE = dataclasses.replace(MEASUREMENT, lead_decodes=1)
"""The profiler before it led each timed step with three decodes (the A/B's other side)."""
STEADY_WITHIN = 0.15
"""How far the fits before and after a lane's live run may disagree for the round to count
as steady (the goal's own tolerance)."""


class SleepModel:
    """A generative module that computes nothing and sleeps each call's analytic cost: live
    against sim with it leaves only the runtime's own overhead (and the contract's two calls
    for a mixed step, each paying ``step_ms``, where the analytic model charges one)."""

    max_context = 1 << 20
    vocab = 2

    def __init__(self, cost: StepCost) -> None:
        self.cost = cost
        self.clock = WallClock()

    def prefill(self, tokens: list[torch.Tensor], states: list[int | None]) -> list[int]:
        new = [len(t) for t in tokens]
        square = sum(attended(n, s or 0) for n, s in zip(new, states, strict=True))
        self.clock.sleep_until(self.clock.now() + self.cost.step(sum(new), 0, 0, square))
        return [(s or 0) + n for s, n in zip(states, new, strict=True)]

    def decode(self, states: list[int]) -> list[int]:
        self.clock.sleep_until(self.clock.now() + self.cost.step(0, len(states), sum(states)))
        return [s + 1 for s in states]


def fit_cost(
    module: object, device: torch.device, seed: int, measurement: GenMeasurement = MEASUREMENT
) -> StepCost:
    """analytic-llm coefficients fitted by ``batchtui profile``'s own code (prefill, decode
    and mixed steps, non-negative least relative error), with a shorter measurement."""
    return profile_generative(MODEL, device, measurement, seed, model=module).cost  # type: ignore[arg-type]


def fit_costs(
    module: object, device: torch.device, seed: int, old_first: bool = False
) -> tuple[StepCost, StepCost]:
    """``fit_cost``, and the cost the profiler measured before (``BEFORE``; ``old_first``:
    that one measured first)."""
    order = (BEFORE, MEASUREMENT) if old_first else (MEASUREMENT, BEFORE)
    costs = {m: fit_cost(module, device, seed, m) for m in order}
    return costs[MEASUREMENT], costs[BEFORE]


def drift(before: StepCost, after: StepCost) -> float:
    """How far two fits disagree on the two prices the figures rest on: a lone 64-token
    request after idle (TTFT at this load) and one sequence's decode (TPOT)."""
    return fit_drift(LonePrices.of(before, 64, 96), LonePrices.of(after, 64, 96))


def _mean(a: StepCost, b: StepCost) -> StepCost:
    return StepCost(*((x + y) / 2.0 for x, y in zip(astuple(a), astuple(b), strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=16.0, help="per round: ~64 requests at 4 req/s"
    )
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument(
        "--steady-within",
        type=float,
        default=STEADY_WITHIN,
        help="a lane's round is steady when its fits before and after agree within this",
    )
    add_quiet_steal(parser)
    parser.add_argument("--rate", type=float, default=4.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--sleep", action="store_true", help="a sleeping model, not tiny-gpt")
    parser.add_argument("--prompt-tokens", type=float, default=64.0)
    parser.add_argument("--output-tokens", type=float, default=32.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device("cpu")
    module: object = SleepModel(SLEEP_COST) if args.sleep else load_generative(MODEL, device)
    load = LoadSpec(
        rate_rps=args.rate, prompt_tokens=args.prompt_tokens, output_tokens=args.output_tokens,
        prompt_cv=0.5, output_cv=0.5,
    )  # fmt: skip
    print(f"machine: {machine()}, torch {torch.__version__}, {args.threads} torch thread(s)")
    print(f"model: {SLEEP_COST if args.sleep else MODEL.to_dict()}")
    print(
        f"load: poisson {args.rate:g} req/s for {args.seconds:g} s, prompt {args.prompt_tokens:g}"
        f" / output {args.output_tokens:g} tokens (lognormal, CV 0.5), {args.rounds} rounds"
    )
    ratios: dict[tuple[str, str], list[tuple[float, float, bool]]] = {}
    for r in range(args.rounds):
        requests = gen_requests(load, args.seconds, seed=r)
        model = LiveModel(module, device, requests, seed=r)
        warm_up(model, requests)
        host = wait_for_quiet_host(args.quiet_steal)
        print(
            f"\nround {r}: {len(requests)} requests, load average {_load()}, "
            f"host steal {steal_text(host)}"
        )
        print(
            f"{'lane':<11} {'TTFT p50 sim':>12} {'live':>8} {'ratio':>6} {'before':>7} "
            f"{'TPOT p50 sim':>12} {'live':>8} {'ratio':>6} {'before':>7}  busy sim/live  drift "
            "steal  fit step/seq/idle/mixed ms"
        )
        for lane in LANES:
            # Fitted just before and just after the lane is served live, averaged: the CPU's
            # speed drifts within a minute on this shared machine. Both profiles each time,
            # in the opposite order after the run, so the drift falls on both alike.
            before, old_before = (
                (SLEEP_COST, SLEEP_COST) if args.sleep else fit_costs(module, device, r)
            )
            counters = cpu_times()
            described, timeline = serve_live(lane, model, requests)
            steal = stolen(counters)
            live = lane_figures(lane.name, described, requests, timeline)
            after, old_after = (
                (SLEEP_COST, SLEEP_COST)
                if args.sleep
                else fit_costs(module, device, r, old_first=True)
            )
            sim = _simulated(lane, _mean(before, after), requests)
            plain = _simulated(lane, _mean(old_before, old_after), requests)
            moved = drift(before, after)
            steady = moved <= args.steady_within
            row = [f"{lane.name:<11}"]
            for key in ("ttft_ms", "tpot_ms"):
                s, s0, v = sim[key]["p50"], plain[key]["p50"], live[key]["p50"]
                ratios.setdefault((lane.name, key), []).append((v / s, v / s0, steady))
                row.append(f"{s:12.2f} {v:8.2f} {v / s:6.2f} {v / s0:7.2f}")
            row.append(f" {sim['device_busy']:.2f}/{live['device_busy']:.2f}")
            row.append(f"    {moved:5.2f}{' ' if steady else '*'} {steal:5.0%}")
            row.append(
                f" {before.step_ms:.2f}/{before.decode_ms_per_seq:.2f}/"
                f"{before.idle_restart_ms:.2f}/{before.mixed_step_ms:.2f} -> {after.step_ms:.2f}/"
                f"{after.decode_ms_per_seq:.2f}/{after.idle_restart_ms:.2f}/"
                f"{after.mixed_step_ms:.2f}"
            )
            print(" ".join(row))
    print(f"\nload average at the end {_load()}")
    print(
        f"live / sim, medians over all {args.rounds} rounds (by the profile as it measured "
        f"before) [over the steady ones: the fits before and after within "
        f"{args.steady_within:.0%}, and how many; * above marks the others]:"
    )
    for lane in LANES:
        cells = []
        for key, label in (("ttft_ms", "TTFT p50"), ("tpot_ms", "TPOT p50")):
            every = ratios[(lane.name, key)]
            steady = [x for x, _, ok in every if ok]
            kept = f"{statistics.median(steady):5.2f}" if steady else "  -  "
            cells.append(
                f"{label} {statistics.median(x for x, _, _ in every):5.2f} "
                f"({statistics.median(y for _, y, _ in every):5.2f}) [{kept}, {len(steady)}]"
            )
        print(f"{lane.name:<11} " + "   ".join(cells))


def _simulated(lane: LaneSpec, cost: StepCost, requests: GenRequests) -> dict[str, Any]:
    described, timeline = serve(lane, cost, requests)
    return lane_figures(lane.name, described, requests, timeline)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
