"""How close does the live runtime get to the device's limit under sustained overload?

    python bench/device_limit.py [--model mlp] [--seconds 4] [--overload 1.5] [--rounds 3]

Each round:
1. profile the model up to batch 32: the offline peak is max over n of n / t(n) (medians);
2. serve a Poisson schedule at ``--overload`` x that peak live, with a bounded queue
   (max_queue 2000: memory stays flat, the excess is rejected), static batching at 32;
3. live throughput = completed / (last completion - first arrival); ratio to the peak.

This machine's speed drifts by 10-20% over minutes (shared cores), so the profile is taken
again right before each live run and the median ratio over rounds is the figure. The
runtime's own cost is also shown directly: the mean idle gap between one batch's end and
the next batch's start, against the mean batch time.
"""

from __future__ import annotations

import argparse
import resource
import statistics

from common import machine, poisson_arrivals

from batchtui.engine.live import WallClockLane
from batchtui.engine.metrics import lane_stats
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.profiler import profile_runner
from batchtui.engine.models.runner import ModelRunner
from batchtui.engine.policies import make_policy
from batchtui.engine.service.real import RealService


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mlp")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--overload", type=float, default=1.5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", choices=("inline", "thread"), default="inline")
    args = parser.parse_args()

    runner = ModelRunner(ModelSpec(args.model), device=args.device, max_batch_size=32)
    runner.warm_up(32)
    print(f"machine: {machine()}")
    print(f"model: {runner.to_json()}; worker: {args.worker}")
    print(f"{args.seconds:g} s at {args.overload:g}x the peak per round, max_queue 2000\n")
    print(
        f"{'round':>5} {'peak req/s':>10} {'at n':>5} {'live req/s':>10} {'/ peak':>7} "
        f"{'rejected':>9} {'batch ms':>8} {'gap us':>7} {'max RSS':>8}"
    )
    ratios = []
    for round_ in range(1, args.rounds + 1):
        peak = profile_runner(runner, 32, repeats=9).peak
        rate = args.overload * peak.throughput_rps
        arrivals = poisson_arrivals(rate, args.seconds, seed=round_)
        policy = make_policy("static", max_batch_size=32, max_wait_ms=5.0)
        lane = WallClockLane(
            "static", policy, RealService(runner, arrivals), arrivals, max_queue=2000,
            worker=args.worker,
        )  # fmt: skip
        lane.run()
        s = lane_stats(lane)
        log = lane.log.arrays()
        batch_ms = float((log.finish - log.dispatch).mean() * 1000)
        gap_us = float((log.dispatch[1:] - log.finish[:-1]).mean() * 1e6)
        ratio = s.throughput_rps / peak.throughput_rps
        ratios.append(ratio)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{round_:>5} {peak.throughput_rps:>10,.0f} {peak.batch_size:>5} "
            f"{s.throughput_rps:>10,.0f} {ratio:>7.3f} {s.rejected:>9,} {batch_ms:>8.3f} "
            f"{gap_us:>7.1f} {rss_mb:>5,.0f} MB"
        )
    print(f"\nmedian live / offline peak: {statistics.median(ratios):.3f} (goal >= 0.95)")


if __name__ == "__main__":
    main()
