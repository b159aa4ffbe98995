"""Which conditions make a tuned winner's live p99 differ from its prediction?

    python bench/validation_conditions.py [--rounds 3] [--seconds 3] [--rate 2000]

mlp 512x2 on the CPU, Poisson ``--rate``. Each round tunes the three policies (latency
objective, SLO 20 ms) on a profile measured as ``batchtui tune`` does, then serves each
winner live on the same arrivals under several conditions, each beside the simulator's
prediction on a profile measured under the condition's own torch thread count:

- ``threads=T``: torch's intra-op threads for the profile and the live run (T = all cores,
  cores-1, 1); ``profile@all`` keeps today's profile (all cores) for a live run at T;
- ``gc=frozen``: ``gc.collect()``, ``gc.freeze()``, ``gc.disable()`` before the live run (at
  1 thread); every row counts the collections during its live run and the longest.

Prints per round and condition the predicted and measured p50/p99 and the p99 gap, the
garbage collections during the live run and the longest, then medians over rounds, and
the load average before and after.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from common import machine, poisson_arrivals

from batchtui.engine.live import WallClockLane
from batchtui.engine.load import LoadSpec
from batchtui.engine.metrics import lane_stats
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.profiler import profile_runner
from batchtui.engine.models.runner import ModelRunner
from batchtui.engine.policies import make_policy
from batchtui.engine.scenario import LaneSpec, Scenario
from batchtui.engine.service import ProfileCost
from batchtui.engine.service.profile import PROFILE_FORMAT
from batchtui.engine.service.real import RealService
from batchtui.engine.sim.lane import SimLane
from batchtui.engine.tune import SearchConfig, TuneRequest, tune_scenario
from batchtui.engine.tune.backends import Inline

KINDS = ("static", "dynamic", "predictive")
PROFILE_MAX_BATCH = 1024


class GcWatch:
    """Counts collections and the longest pause while installed (gc.callbacks)."""

    def __init__(self) -> None:
        self.count, self.longest_ms, self._t = 0, 0.0, 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t = time.perf_counter()
        else:
            self.count += 1
            self.longest_ms = max(self.longest_ms, (time.perf_counter() - self._t) * 1000)


def tune_winners(table_ms: dict[int, float], rate: float, folder: Path) -> dict[str, dict]:
    """Each policy's latency winner on ``table_ms``."""
    path = folder / "profile.json"
    points = [{"batch_size": n, "median_ms": ms} for n, ms in table_ms.items()]
    path.write_text(json.dumps({"format": PROFILE_FORMAT, "model": "mlp", "points": points}))
    out = {}
    for kind in KINDS:
        scenario = Scenario(
            load=LoadSpec(rate_rps=rate),
            model=ModelSpec("profile", {"path": str(path)}),
            lanes=(LaneSpec(kind, kind),),
        )
        (r,) = tune_scenario(scenario, TuneRequest("latency", 20.0), {}, SearchConfig(), Inline())
        pick = r.best or r.closest  # a slow spell of the machine may put the SLO out of reach
        assert pick is not None
        out[kind] = pick.params
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rate", type=float, default=2000.0)
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    print(machine(), f"torch {torch.__version__}, load average {os.getloadavg()}")
    model = ModelSpec("mlp", {"width": 512, "depth": 2})
    runner = ModelRunner(model, device="cpu", max_batch_size=PROFILE_MAX_BATCH)
    runner.warm_up(64)  # larger sizes warm in the profile's first repeats (it keeps medians)
    thread_counts = sorted({cores, max(1, cores - 1), 1}, reverse=True)
    # (label, live threads, profile threads, gc frozen)
    conditions = [(f"threads={t}", t, t, False) for t in thread_counts]
    conditions += [(f"threads={t} profile@{cores}", t, cores, False) for t in thread_counts[1:]]
    conditions += [(f"threads={t} gc=frozen", t, t, True) for t in thread_counts[-1:]]
    gaps: dict[tuple[str, str], list[float]] = {}
    print(f"{'round':<6} {'condition':<26} {'policy':<11} {'pred p50':>9} {'meas p50':>9} "
          f"{'pred p99':>9} {'meas p99':>9} {'p99 gap':>8} {'gcs':>4} {'gc max':>7}")  # fmt: skip
    for i in range(args.rounds):
        profiles = {}
        for t in thread_counts:
            torch.set_num_threads(t)
            profiles[t] = profile_runner(runner, PROFILE_MAX_BATCH).medians_ms()
        with tempfile.TemporaryDirectory() as folder:
            winners = tune_winners(profiles[cores], args.rate, Path(folder))
        arrivals = poisson_arrivals(args.rate, args.seconds, seed=i + 1)
        for label, threads, profile_threads, frozen in conditions:
            torch.set_num_threads(threads)
            cost = ProfileCost(profiles[profile_threads], "profile")
            for kind in KINDS:
                params = winners[kind]
                sim = SimLane(kind, make_policy(kind, **params), cost.for_lane(arrivals), arrivals)
                sim.advance(math.inf)
                live = WallClockLane(
                    kind, make_policy(kind, **params), RealService(runner, arrivals), arrivals
                )
                if frozen:
                    gc.collect()
                    gc.freeze()
                    gc.disable()
                watch = GcWatch()  # collections during the live run only
                gc.callbacks.append(watch)
                try:
                    live.run()
                finally:
                    gc.enable()
                    gc.unfreeze()
                    gc.callbacks.remove(watch)
                s, w = lane_stats(sim), lane_stats(live)
                gap = (w.latency.p99 - s.latency.p99) / s.latency.p99
                gaps.setdefault((label, kind), []).append(gap)
                print(
                    f"{i + 1:<6} {label:<26} {kind:<11} {s.latency.p50:9.3f} {w.latency.p50:9.3f}"
                    f" {s.latency.p99:9.3f} {w.latency.p99:9.3f} {gap:+8.1%} {watch.count:4d}"
                    f" {watch.longest_ms:7.2f}",
                    flush=True,
                )
    print(f"\nmedian p99 gap over {args.rounds} rounds; winners' settings last round:")
    for kind in KINDS:
        print(f"  {kind}: {winners[kind]}")
    for (label, kind), values in gaps.items():
        print(f"  {label:<26} {kind:<11} {statistics.median(values):+8.1%}")
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
