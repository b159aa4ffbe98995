"""Does the live runtime agree with the simulator? Same seed, same model profile, same load.

    python bench/live_vs_sim.py [--model mlp] [--seconds 5] [--load 0.4]

1. Load the model on the device, warm it up and profile t(n) up to batch 32.
2. Build one Poisson schedule at ``--load`` x the model's peak throughput (moderate load).
3. For each policy: simulate it with the profile as its cost (zero runtime overhead), then
   serve the same schedule live on the wall clock with the real model running every batch.
4. Print p50/p99 of both and their ratio (goal: live p50 within 15% of sim p50), and the
   same comparison with the analytic cost t(n) = 2 + 0.05 n ms, where the only difference
   left is the runtime's own overhead.
"""

from __future__ import annotations

import argparse
import math

from common import machine, poisson_arrivals

from batchtui.engine.live import LiveLane
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
PARAMS = {"max_batch_size": 32, "max_wait_ms": 5.0}


def compare(label: str, arrivals: Arrivals, sim_cost: ServiceTime, live_cost: ServiceTime) -> None:
    for kind in KINDS:
        sim = SimLane(kind, make_policy(kind, **PARAMS), sim_cost.for_lane(arrivals), arrivals)
        sim.advance(math.inf)
        live = LiveLane(kind, make_policy(kind, **PARAMS), live_cost.for_lane(arrivals), arrivals)
        live.run()
        s, w = lane_stats(sim), lane_stats(live)
        print(
            f"{label:<26} {kind:<11} {s.latency.p50:8.3f} {w.latency.p50:8.3f} "
            f"{w.latency.p50 / s.latency.p50:7.3f}   {s.latency.p99:8.3f} {w.latency.p99:8.3f} "
            f"{w.latency.p99 / s.latency.p99:7.3f}   {s.batch_mean:5.1f} {w.batch_mean:5.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mlp")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--load", type=float, default=0.4, help="fraction of peak throughput")
    args = parser.parse_args()

    runner = ModelRunner(ModelSpec(args.model), device=args.device, max_batch_size=32)
    runner.warm_up(32)
    table = profile_runner(runner, 32, repeats=9)
    peak = table.peak
    rate = args.load * peak.throughput_rps
    print(f"machine: {machine()}")
    print(f"model: {runner.describe()}")
    print(
        f"profile peak: {peak.throughput_rps:,.0f} req/s at batch {peak.batch_size} "
        f"({peak.median_ms:.3f} ms); load: {rate:,.0f} req/s for {args.seconds:g} s\n"
    )
    print(
        f"{'cost':<26} {'lane':<11} {'sim p50':>8} {'live p50':>8} {'ratio':>7}   "
        f"{'sim p99':>8} {'live p99':>8} {'ratio':>7}   {'batch':>5} {'live':>5}"
    )
    arrivals = poisson_arrivals(rate, args.seconds, seed=0)
    compare(
        f"{args.model} profile vs real",
        arrivals,
        ProfileCost(table.medians_ms(), "profile"),
        RealService(runner),
    )
    analytic = AnalyticCost(2.0, 0.05)
    compare(
        "analytic 2+0.05n ms",
        poisson_arrivals(0.4 * 32 / 0.0036, args.seconds, seed=0),
        analytic,
        analytic,
    )


if __name__ == "__main__":
    main()
