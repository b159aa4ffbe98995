"""Policy speed, paired: older policy files against this checkout's, in the same SimLane.

    git show REV:engine/policies/dynamic.py > /tmp/old/dynamic.py   (likewise predictive.py)
    python bench/policy_ab.py /tmp/old [--requests 100000] [--pairs 15]

The companion of ``sim_speed_ab.py`` (which swaps the lane) for a change inside ``decide``:
both policies run over the same arrivals in one process, in alternating order, timed by
process CPU time; the figure is the median of the per-pair ratios (new/old).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import statistics
import time
from pathlib import Path

from common import machine
from sim_speed import CASES, arrivals

from batchtui.engine.policies import POLICIES, Policy
from batchtui.engine.service import AnalyticCost
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.lane import SimLane


def old_policy(folder: Path, kind: str) -> type[Policy]:
    spec = importlib.util.spec_from_file_location(f"old_{kind}", folder / f"{kind}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, POLICIES[kind].__name__)


def cpu_seconds(policy: Policy, shared: Arrivals) -> float:
    lane = SimLane(policy.kind, policy, AnalyticCost(2.0, 0.05), shared)
    started = time.process_time()
    lane.advance(math.inf)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="a folder of older <kind>.py policy files")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=15)
    args = parser.parse_args()
    kinds = [kind for kind in POLICIES if (args.old / f"{kind}.py").exists()]
    print(f"machine: {machine()}")
    print(f"requests per lane: {args.requests:,}; {args.pairs} alternating pairs\n")
    print(f"{'case':42} {'lane':11} {'old Mreq/s':>10} {'new Mreq/s':>10} {'new/old':>8}")
    for case, (rate, params) in CASES.items():
        shared = arrivals(rate, args.requests)
        for kind in kinds:
            sides = {"old": old_policy(args.old, kind), "new": POLICIES[kind]}
            runs: dict[str, list[float]] = {"old": [], "new": []}
            for i in range(args.pairs):
                for side in ("old", "new") if i % 2 else ("new", "old"):
                    runs[side].append(cpu_seconds(sides[side](**params), shared))
            ratio = statistics.median(o / n for o, n in zip(runs["old"], runs["new"], strict=True))
            speed = {side: args.requests / statistics.median(r) / 1e6 for side, r in runs.items()}
            print(f"{case:42} {kind:11} {speed['old']:10.2f} {speed['new']:10.2f} {ratio:8.3f}")


if __name__ == "__main__":
    main()
