"""Where does a latency winner's live p99 go: queue wait or batch time, and is the batch-time
tail one the profile could carry?

    python bench/batch_tail.py [--seconds 3] [--rate 2000] [--policies static,dynamic,predictive]

For each policy's latency winner on mlp 512x2 (tuned on this machine's profile, as
``bench/tune.py`` does: Poisson ``--rate``, SLO 20 ms), one live run on the wall clock beside
the simulator on the same arrivals, twice: on the profile as measured (``sim``), and on the
same profile without its batch-time distribution (``median``: each size priced by its
median, as profiles were before). Prints, per run:

- latency, queue-wait and batch-time p99, live and simulated;
- the latency tail split: the requests at or above the p99 latency, their mean queue wait
  and mean batch time (live and simulated);
- the live batch times' excess over the profile's median for their size (p50/p90/p99/max,
  ms, and the share over 1 ms), against draws from the profile's distribution at the same
  sizes.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from common import machine, poisson_arrivals, profile_without

from batchtui.engine.live import WallClockLane
from batchtui.engine.load import LoadSpec
from batchtui.engine.metrics import lane_stats
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.runner import ModelRunner
from batchtui.engine.policies import make_policy
from batchtui.engine.scenario import LaneSpec, Scenario
from batchtui.engine.service.real import RealService
from batchtui.engine.sim.lane import SimLane
from batchtui.engine.tune import SearchConfig, TuneRequest, tune_scenario
from batchtui.engine.tune.backends import Inline
from batchtui.engine.tune.conditions import torch_threads
from batchtui.engine.tune.cost_model import profiled

PROFILE_MAX_BATCH = 1024
MODEL = ModelSpec("mlp", {"width": 512, "depth": 2})


def request_split(lane: SimLane | WallClockLane) -> tuple[np.ndarray, np.ndarray]:
    """Each served request's queue wait and its batch's time, in seconds."""
    log = lane.log
    ends, size = np.array(log.end), np.array(log.size)
    dispatch, finish = np.array(log.dispatch), np.array(log.finish)
    times = np.array(lane.arrivals.times)
    batch_of = np.repeat(np.arange(len(size)), size)
    req = np.concatenate([np.arange(a - n, a) for a, n in zip(ends, size, strict=True)])
    return dispatch[batch_of] - times[req], (finish - dispatch)[batch_of]


def tail_split(lane: SimLane | WallClockLane) -> str:
    """p99s, then the mean wait and batch time of the requests at or above the p99 latency."""
    wait, service = request_split(lane)
    latency = wait + service
    cut = np.quantile(latency, 0.99)
    top = latency >= cut
    q = lambda x: np.quantile(x, 0.99) * 1e3  # noqa: E731
    return (
        f"p99 latency {q(latency):7.3f} wait {q(wait):7.3f} batch {q(service):7.3f} | "
        f"tail ({top.sum()}) wait {wait[top].mean() * 1e3:7.3f} "
        f"batch {service[top].mean() * 1e3:7.3f} ms"
    )


def excess_row(label: str, excess_ms: np.ndarray) -> str:
    q = np.quantile(excess_ms, [0.5, 0.9, 0.99])
    return (
        f"  {label:<28} p50 {q[0]:7.3f} p90 {q[1]:7.3f} p99 {q[2]:7.3f} "
        f"max {excess_ms.max():7.3f} ms, > 1 ms {np.mean(excess_ms > 1.0):6.2%}"
    )


def run(policies: list[str], seconds: float, rate: float) -> None:
    base = Scenario(load=LoadSpec(rate_rps=rate), model=MODEL, device="cpu")
    with tempfile.TemporaryDirectory() as folder:
        search = profiled(base, PROFILE_MAX_BATCH, Path(folder), None)
        median = profile_without(search, Path(folder), "batch_time")
        cost, plain = search.build_service(), median.build_service()
        wakeup = getattr(cost, "wakeup", None)
        tail = getattr(cost, "batch_time", None)
        print(f"wake-up lateness: {'none' if wakeup is None else wakeup.summary()}")
        print(f"batch-time tail: {'none' if tail is None else tail.summary()}", flush=True)
        with torch_threads("cpu"):
            runner = ModelRunner(MODEL, device="cpu", max_batch_size=PROFILE_MAX_BATCH)
            runner.warm_up(64)
            for policy in policies:
                lane = LaneSpec(policy, policy)
                s = dataclasses.replace(search, lanes=(lane,))
                (r,) = tune_scenario(s, TuneRequest("latency", 20.0), {}, SearchConfig(), Inline())
                pick = r.best or r.closest
                assert pick is not None
                params = pick.params
                print(f"\n# {policy} latency winner {params}, {rate:g} req/s, {seconds:g} s")
                arrivals = poisson_arrivals(rate, seconds, seed=1)
                live = WallClockLane(
                    policy, make_policy(policy, **params), RealService(runner, arrivals), arrivals
                )
                live.run()
                rows = [("live", live)]
                for label, c in (("sim", cost), ("median", plain)):
                    sim = SimLane(policy, make_policy(policy, **params), c.for_lane(arrivals),
                                  arrivals)  # fmt: skip
                    sim.advance(math.inf)
                    rows.append((label, sim))
                for label, lane_ in rows:
                    print(f"  {label:<7} {tail_split(lane_)}")
                size = np.array(live.log.size)
                took = np.array(live.log.finish) - np.array(live.log.dispatch)
                profiled_ms = np.array([plain.mean_ms(int(n)) for n in size])
                print(excess_row("live batch time - median", took * 1e3 - profiled_ms))
                if tail is not None:
                    rng = np.random.default_rng(0)
                    draws = np.array([tail.draw_ms(int(n), u) for n, u in
                                      zip(size, rng.random(len(size)), strict=True)])  # fmt: skip
                    print(excess_row("profile's tail - median", draws - profiled_ms))
                st = lane_stats(live)
                print(
                    f"  live: {len(size)} batches, mean size {size.mean():.1f}, "
                    f"device busy {took.sum() / seconds:.0%}, p50 {st.latency.p50:.3f} ms; "
                    f"load average {os.getloadavg()[0]:.2f}",
                    flush=True,
                )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rate", type=float, default=2000.0)
    parser.add_argument("--policies", default="static,dynamic,predictive")
    args = parser.parse_args()
    print(machine(), f"torch {torch.__version__}, load average {os.getloadavg()}")
    run(args.policies.split(","), args.seconds, args.rate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
