"""Simulator speed: simulated requests per second of wall time, per lane, 1M requests.

    python bench/sim_speed.py [--requests 1000000] [--repeats 5]

Each case generates one Poisson arrival sequence (not timed), then times each lane's
``advance`` over all of it, drain included. Reports the median over repeats and the
spread, with the machine it ran on; paste the output into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np
from common import machine

from batchtui.engine.lab import Lab
from batchtui.engine.load import LoadSpec
from batchtui.engine.policies import make_policy
from batchtui.engine.scenario import Scenario
from batchtui.engine.service import AnalyticCost
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.lane import SimLane

CASES = {
    # name: (rate, policy params); t(n) = 2 ms + 0.05 ms*n, capacity 8,889 req/s at 32
    "batched (rate 6000/s, max batch 32)": (6000.0, {"max_batch_size": 32}),
    "batch size 1 (rate 300/s, max batch 1)": (300.0, {"max_batch_size": 1}),
}
KINDS = ("static", "dynamic", "predictive")


def arrivals(rate: float, n: int) -> Arrivals:
    times = np.cumsum(np.random.default_rng(0).exponential(1.0 / rate, n))
    out = Arrivals()
    out.extend(times, np.ones(n, dtype=np.int64), float(times[-1]))
    out.close()
    return out


def time_lane(kind: str, params: dict, shared: Arrivals) -> tuple[float, float]:
    lane = SimLane(kind, make_policy(kind, **params), AnalyticCost(2.0, 0.05), shared)
    started = time.perf_counter()
    lane.advance(math.inf)
    elapsed = time.perf_counter() - started
    return elapsed, float(np.mean(lane.log.arrays().size))


def time_lab(rate: float, requests: int) -> tuple[float, int]:
    """The whole headless path: arrivals generated in chunks, three lanes, drain, report."""
    lab = Lab(Scenario(load=LoadSpec(rate_rps=rate)))
    started = time.perf_counter()
    report = lab.run(requests / rate)
    elapsed = time.perf_counter() - started
    return elapsed, sum(lane["arrived"] for lane in report["lanes"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"requests per lane: {args.requests:,}; median of {args.repeats} repeats\n")
    print(f"{'case':42} {'lane':11} {'mean batch':>10} {'Mreq/s':>8} {'min..max':>13}")
    for case, (rate, params) in CASES.items():
        shared = arrivals(rate, args.requests)
        for kind in KINDS:
            runs = [time_lane(kind, params, shared) for _ in range(args.repeats)]
            speeds = [args.requests / elapsed / 1e6 for elapsed, _ in runs]
            batch = runs[0][1]
            print(
                f"{case:42} {kind:11} {batch:10.1f} {statistics.median(speeds):8.2f} "
                f"{min(speeds):6.2f}..{max(speeds):<6.2f}"
            )
    print("\nend to end: Lab.run (arrival generation, 3 lanes, drain, metrics), rate 6000/s")
    runs = [time_lab(6000.0, args.requests) for _ in range(args.repeats)]
    speeds = [total / elapsed / 1e6 for elapsed, total in runs]
    print(
        f"{'Lab.run, all 3 lanes together':42} {'(sum)':11} {'':10} "
        f"{statistics.median(speeds):8.2f} {min(speeds):6.2f}..{max(speeds):<6.2f}"
    )


if __name__ == "__main__":
    main()
