"""Simulator speed, paired: this checkout's SimLane against an older lane.py, alternated.

    git show REV:engine/sim/lane.py > /tmp/old_lane.py
    python bench/sim_speed_ab.py /tmp/old_lane.py [--requests 200000] [--pairs 21]

On a shared machine two runs of ``sim_speed.py`` minutes apart differ by more than the
change being measured. Here both lanes run in one process over the same arrivals, one
after the other in alternating order, and the figure is the median of the per-pair speed
ratios (new/old), with each side's median speed. Time is the process's CPU time, so
the stretches when another process has the core do not count. The old file is loaded
against this checkout's other modules, so it must still fit their interfaces.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import statistics
import time

from common import machine
from sim_speed import CASES, KINDS, arrivals

from batchtui.engine.policies import make_policy
from batchtui.engine.service import AnalyticCost
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.lane import SimLane


def load_lane(path: str) -> type:
    spec = importlib.util.spec_from_file_location("old_lane", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SimLane


def seconds(cls: type, kind: str, params: dict, shared: Arrivals) -> float:
    lane = cls(kind, make_policy(kind, **params), AnalyticCost(2.0, 0.05), shared)
    started = time.process_time()
    lane.advance(math.inf)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", help="an older engine/sim/lane.py")
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--pairs", type=int, default=21)
    args = parser.parse_args()
    old = load_lane(args.old)
    print(f"machine: {machine()}")
    print(f"requests per lane: {args.requests:,}; {args.pairs} alternating pairs\n")
    print(f"{'case':42} {'lane':11} {'old Mreq/s':>10} {'new Mreq/s':>10} {'new/old':>8}")
    for case, (rate, params) in CASES.items():
        shared = arrivals(rate, args.requests)
        for kind in KINDS:
            runs: dict[type, list[float]] = {old: [], SimLane: []}
            for i in range(args.pairs):
                for cls in (old, SimLane) if i % 2 else (SimLane, old):
                    runs[cls].append(seconds(cls, kind, params, shared))
            ratio = statistics.median(o / n for o, n in zip(runs[old], runs[SimLane], strict=True))
            speed = {cls: args.requests / statistics.median(r) / 1e6 for cls, r in runs.items()}
            print(f"{case:42} {kind:11} {speed[old]:10.2f} {speed[SimLane]:10.2f} {ratio:8.3f}")


if __name__ == "__main__":
    main()
