"""Does the live runtime agree with the simulator? Same seed, same model profile, same load.

    python bench/live_vs_sim.py [--model mlp] [--seconds 5] [--load 0.4]

1. Load the model on the device, warm it up and profile t(n) up to batch 32.
2. Build one Poisson schedule at ``--load`` x the model's peak throughput (moderate load).
3. For each policy: simulate it with the profile as its cost (zero runtime overhead), then
   serve the same schedule live on the wall clock with the real model running every batch.
4. Print p50/p99 of both and their ratio (goal: live p50 within 15% of sim p50), and the
   same comparison with the analytic cost t(n) = 2 + 0.05 n ms, where the only difference
   left is the runtime's own overhead.

The model is profiled twice: back to back (the offline peak) and with 2 ms of idle before
each batch, about the gap between batches at this load. A CPU that idles between batches
restarts slower (thread pools sleep, caches cool), so only the second predicts latency at
moderate load; the first shows how far off a back-to-back profile is.
"""

from __future__ import annotations

import argparse
import math
import statistics

from common import machine, poisson_arrivals

from batchtui.engine.live import WallClockLane
from batchtui.engine.metrics import lane_stats
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.profiler import profile_runner
from batchtui.engine.models.runner import ModelRunner
from batchtui.engine.policies import make_policy
from batchtui.engine.service import AnalyticCost, ProfileCost, ServiceTime
from batchtui.engine.service.real import RealService
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.lane import SimLane

KINDS = ("static", "dynamic", "predictive")
IDLE_MS = 2.0  # about the idle gap between batches at this load
PARAMS = {"max_batch_size": 32, "max_wait_ms": 5.0}


def compare(
    label: str,
    arrivals: Arrivals,
    sim_cost: ServiceTime,
    live_cost: ServiceTime,
    ratios: dict[tuple[str, str], list[float]],
) -> None:
    """Simulate and serve live each policy on ``arrivals``; print a row, keep the p50 ratio."""
    for kind in KINDS:
        sim = SimLane(kind, make_policy(kind, **PARAMS), sim_cost.for_lane(arrivals), arrivals)
        sim.advance(math.inf)
        live = WallClockLane(
            kind, make_policy(kind, **PARAMS), live_cost.for_lane(arrivals), arrivals
        )
        live.run()
        s, w = lane_stats(sim), lane_stats(live)
        ratios.setdefault((label, kind), []).append(w.latency.p50 / s.latency.p50)
        print(
            f"{label:<26} {kind:<11} {s.latency.p50:8.3f} {w.latency.p50:8.3f} "
            f"{w.latency.p50 / s.latency.p50:7.3f}   {s.latency.p99:8.3f} {w.latency.p99:8.3f} "
            f"{w.latency.p99 / s.latency.p99:7.3f}   {s.batch_mean:5.1f} {w.batch_mean:5.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mlp")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--load", type=float, default=0.4, help="fraction of peak throughput")
    args = parser.parse_args()

    runner = ModelRunner(ModelSpec(args.model), device=args.device, max_batch_size=32)
    runner.warm_up(32)
    print(f"machine: {machine()}")
    print(f"model: {runner.to_json()}")
    ratios: dict[tuple[str, str], list[float]] = {}
    for round_ in range(1, args.rounds + 1):
        table = profile_runner(runner, 32, repeats=9)
        idle_table = profile_runner(runner, 32, repeats=9, idle_ms=IDLE_MS)
        peak = table.peak
        rate = args.load * peak.throughput_rps
        print(
            f"\nround {round_}: profile peak {peak.throughput_rps:,.0f} req/s at batch "
            f"{peak.batch_size} ({peak.median_ms:.3f} ms); load {rate:,.0f} req/s for "
            f"{args.seconds:g} s"
        )
        print(
            f"{'cost':<26} {'lane':<11} {'sim p50':>8} {'live p50':>8} {'ratio':>7}   "
            f"{'sim p99':>8} {'live p99':>8} {'ratio':>7}   {'batch':>5} {'live':>5}"
        )
        arrivals = poisson_arrivals(rate, args.seconds, seed=round_)
        compare(
            f"{args.model} back-to-back profile",
            arrivals,
            ProfileCost(table.medians_ms(), "profile"),
            RealService(runner),
            ratios,
        )
        compare(
            f"{args.model} {IDLE_MS:g} ms-idle profile",
            arrivals,
            ProfileCost(idle_table.medians_ms(), "profile"),
            RealService(runner),
            ratios,
        )
        analytic = AnalyticCost(2.0, 0.05)
        compare(
            "analytic 2+0.05n ms",
            poisson_arrivals(0.4 * 32 / 0.0036, args.seconds, seed=round_),
            analytic,
            analytic,
            ratios,
        )
    print(f"\nmedian live p50 / sim p50 over {args.rounds} rounds (goal: within 15%)")
    for (label, kind), values in ratios.items():
        print(f"{label:<26} {kind:<11} {statistics.median(values):7.3f}")


if __name__ == "__main__":
    main()
