"""How close does the live runtime get to the device's limit under sustained overload?

    python bench/device_limit.py [--model mlp] [--seconds 5] [--overload 1.5]

1. Profile the model up to batch 32; its offline peak is max over n of n / t(n).
2. Serve a Poisson schedule at ``--overload`` x that peak live, with a bounded queue
   (max_queue 2000, so memory stays flat and the excess is rejected), static and dynamic
   batching at max batch 32.
3. Live throughput = completed requests / (last completion - first arrival); goal: at
   least 95% of the offline peak.
"""

from __future__ import annotations

import argparse
import resource

from common import machine, poisson_arrivals

from batchtui.engine.live import LiveLane
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
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--overload", type=float, default=1.5)
    args = parser.parse_args()

    runner = ModelRunner(ModelSpec(args.model), device=args.device, max_batch_size=32)
    runner.warm_up(32)
    table = profile_runner(runner, 32, repeats=9)
    at_32 = next(p for p in table.points if p.batch_size == 32)
    peak = table.peak
    print(f"machine: {machine()}")
    print(f"model: {runner.describe()}")
    print(
        f"offline peak: {peak.throughput_rps:,.0f} req/s at batch {peak.batch_size}; "
        f"at 32: {at_32.throughput_rps:,.0f} req/s ({at_32.median_ms:.3f} ms)"
    )
    rate = args.overload * peak.throughput_rps
    arrivals = poisson_arrivals(rate, args.seconds, seed=0)
    print(f"offered: {rate:,.0f} req/s for {args.seconds:g} s ({len(arrivals):,} requests)\n")
    print(
        f"{'lane':<10} {'completed':>9} {'rejected':>9} {'req/s':>8} {'/ peak':>7} "
        f"{'mean batch':>10} {'busy':>5}  max RSS"
    )
    for kind in ("static", "dynamic"):
        policy = make_policy(kind, max_batch_size=32, max_wait_ms=5.0)
        lane = LiveLane(kind, policy, RealService(runner, arrivals), arrivals, max_queue=2000)
        lane.run()
        s = lane_stats(lane)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{kind:<10} {s.completed:>9,} {s.rejected:>9,} {s.throughput_rps:>8,.0f} "
            f"{s.throughput_rps / peak.throughput_rps:>7.3f} {s.batch_mean:>10.1f} "
            f"{s.device_busy:>5.0%}  {rss_mb:,.0f} MB"
        )


if __name__ == "__main__":
    main()
