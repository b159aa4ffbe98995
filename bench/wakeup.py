"""Does the live lane wake late, and is that what sets the live queue-wait tail?

    python bench/wakeup.py [--samples 3000] [--seconds 3] [--rate 2000] [--policy dynamic]
                           [--skip-decomposition] [--calibrations 3]

1. Lateness of ``WallClock.sleep_until`` on this machine (after ``tighten_timer_slack``, as the
   live lane does): sleeps drawn log-uniform in 0.1-10 ms (seeded order), ``--samples`` each,
   alone and with 1 and 2 busy threads beside it (torch matmuls at one intra-op thread, which
   release the GIL like the serving thread's batches). Prints p50/p99/p99.9, the fraction
   later than 1 ms and the largest, in ms.
2. For the latency winner of ``--policy`` on mlp 512x2 (tuned on this machine's profile, as
   ``bench/tune.py`` does), one live run on the wall clock with a clock that records every
   sleep (what the lane meant to wake at, when it woke), beside the simulator on the profile.
   Each request in the live queue-wait tail (waits at or above the p99) has its wait split
   into: the lane waking late (sleeps' lateness inside the wait), batch time beyond the
   profile (slow batches), batch time as profiled (queued behind a batch), and the rest (the
   policy's own hold and the loop's work). Prints the mean of each part over the tail.
3. Which calibration sees what the live lane sees (``--calibrations`` rounds, each back to
   back): ``WakeupMeter`` sleeping alone for 1 s, ``WakeupMeter`` with a batch of mlp 512x2
   before each sleep (what ``batchtui profile`` does) for 1 s, and a live static lane (max
   batch 8, wait 0.3 ms) at ``--rate`` for 2 s, its sleeps longer than the spin (the others
   never wait). Same columns as 1.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import torch
from common import machine, poisson_arrivals

from batchtui.engine.live import WallClockLane
from batchtui.engine.live.clock import SPIN_S, WallClock, tighten_timer_slack
from batchtui.engine.live.wakeup import WakeupMeter
from batchtui.engine.load import LoadSpec
from batchtui.engine.metrics import lane_stats
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.profiler import batch_sizes, wakeup_work
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


class RecordingClock(WallClock):
    """A ``WallClock`` that keeps (called, target, woke) of every sleep, in perf_counter s."""

    def __init__(self) -> None:
        self.sleeps: list[tuple[float, float, float]] = []

    def sleep_until(self, t: float) -> None:
        called = time.perf_counter()
        super().sleep_until(t)
        self.sleeps.append((called, t, time.perf_counter()))


def busy(stop: threading.Event) -> None:
    """Keep one core busy with torch matmuls until ``stop``."""
    a = torch.randn(256, 256)
    while not stop.is_set():
        torch.mm(a, a)


def lateness_ms(samples: int, busy_threads: int, seed: int = 0) -> np.ndarray:
    """How late ``WallClock.sleep_until`` returns, for ``samples`` sleeps of 0.1-10 ms."""
    rng = np.random.default_rng(seed)
    lengths = np.exp(rng.uniform(math.log(1e-4), math.log(1e-2), samples))
    stop = threading.Event()
    workers = [threading.Thread(target=busy, args=(stop,)) for _ in range(busy_threads)]
    for w in workers:
        w.start()
    time.sleep(0.05)
    clock, late = WallClock(), np.empty(samples)
    tighten_timer_slack()
    try:
        for i, length in enumerate(lengths):
            target = time.perf_counter() + length
            clock.sleep_until(target)
            late[i] = time.perf_counter() - target
    finally:
        stop.set()
        for w in workers:
            w.join()
    return late * 1000.0


HEADS = ("p50", "p90", "p99", "p99.9", "max", ">1 ms")


def row(label: str, late_ms: np.ndarray) -> str:
    """One line of lateness figures (ms), with the load average now."""
    q = np.quantile(late_ms, [0.5, 0.9, 0.99, 0.999])
    return (
        f"{label} {q[0]:7.3f} {q[1]:7.3f} {q[2]:7.3f} {q[3]:7.3f} {late_ms.max():7.2f} "
        f"{np.mean(late_ms > 1.0):7.2%}  {os.getloadavg()[0]:.2f}"
    )


def show_lateness(samples: int) -> None:
    print(f"\n# WallClock.sleep_until lateness, {samples} sleeps of 0.1-10 ms (log-uniform), ms")
    print(f"{'busy':>4} " + " ".join(f"{h:>7}" for h in HEADS) + "  load")
    torch.set_num_threads(1)
    for k in (0, 1, 2):
        print(row(f"{k:>4}", lateness_ms(samples, k)), flush=True)


def compare_calibrations(rounds: int, rate: float) -> None:
    """The profile's calibration, alone and with batches, against a live lane's sleeps."""
    print("\n# calibration against the live lane's wake-ups (sleeps > spin), ms")
    print(f"{'round':<6} {'what':<18} {'sleeps':>6} " + " ".join(f"{h:>7}" for h in HEADS))
    with torch_threads("cpu"):
        runner = ModelRunner(ModelSpec("mlp", {"width": 512, "depth": 2}), device="cpu",
                             max_batch_size=64)  # fmt: skip
        runner.warm_up(64)
        work = wakeup_work(runner, batch_sizes(64), 1)
        for i in range(rounds):
            for label, meter in (("alone", WakeupMeter()), ("with batches", WakeupMeter(work))):
                meter.measure(1.0)
                late = meter.samples_ms()
                print(row(f"{i + 1:<6} {label:<18} {len(late):6d}", late), flush=True)
            arrivals = poisson_arrivals(rate, 2.0, seed=i + 1)
            clock = RecordingClock()
            policy = make_policy("static", max_batch_size=8, max_wait_ms=0.3)
            WallClockLane("live", policy, RealService(runner, arrivals), arrivals,
                          clock=clock).run()  # fmt: skip
            s = np.array(clock.sleeps)
            late = (s[:, 2] - s[:, 1])[s[:, 1] - s[:, 0] > SPIN_S] * 1000.0
            print(row(f"{i + 1:<6} {'live lane':<18} {len(late):6d}", late), flush=True)


def overlap(a0: float, a1: float, b0: np.ndarray, b1: np.ndarray) -> np.ndarray:
    """Length of [a0, a1] ∩ [b0, b1] for each interval b."""
    return np.clip(np.minimum(a1, b1) - np.maximum(a0, b0), 0.0, None)


def decompose(policy: str, seconds: float, rate: float) -> None:
    model = ModelSpec("mlp", {"width": 512, "depth": 2})
    base = Scenario(load=LoadSpec(rate_rps=rate), model=model, device="cpu")
    lane = LaneSpec(policy, policy)
    with tempfile.TemporaryDirectory() as folder:
        search = profiled(base, PROFILE_MAX_BATCH, Path(folder), None)
        search = Scenario(load=search.load, model=search.model, lanes=(lane,))
        (r,) = tune_scenario(search, TuneRequest("latency", 20.0), {}, SearchConfig(), Inline())
        pick = r.best or r.closest
        assert pick is not None
        cost = search.build_service()
    params = pick.params
    print(f"\n# {policy} latency winner {params}, mlp 512x2, Poisson {rate:g} req/s, {seconds:g} s")
    arrivals = poisson_arrivals(rate, seconds, seed=1)
    sim = SimLane(policy, make_policy(policy, **params), cost.for_lane(arrivals), arrivals)
    sim.advance(math.inf)
    clock = RecordingClock()
    with torch_threads("cpu"):
        runner = ModelRunner(model, device="cpu", max_batch_size=PROFILE_MAX_BATCH)
        runner.warm_up(64)
        live = WallClockLane(
            policy, make_policy(policy, **params), RealService(runner, arrivals), arrivals,
            clock=clock,
        )  # fmt: skip
        live.run()
    origin = live._origin
    s, w = lane_stats(sim), lane_stats(live)
    print(
        f"p99 latency sim {s.latency.p99:.3f} live {w.latency.p99:.3f} ms; queue wait p99 sim "
        f"{s.queue_wait.p99:.3f} live {w.queue_wait.p99:.3f}; batch time p99 sim "
        f"{s.service.p99:.3f} live {w.service.p99:.3f}"
    )
    calls = np.array([c for c, _, _ in clock.sleeps]) - origin
    targets = np.array([t for _, t, _ in clock.sleeps]) - origin
    woke = np.array([x for _, _, x in clock.sleeps]) - origin
    real = targets > calls  # a sleep that had to wait (not a target already passed)
    late = (woke - targets)[real]
    print(
        f"{real.sum()} wake-ups: late p50 {np.median(late) * 1e3:.3f} p99 "
        f"{np.quantile(late, 0.99) * 1e3:.3f} max {late.max() * 1e3:.2f} ms, "
        f"{np.mean(late > 1e-3):.2%} over 1 ms"
    )
    t0, t1 = targets[real], woke[real]
    log = live.log
    ends = np.array(log.end)
    dispatch, finish, size = np.array(log.dispatch), np.array(log.finish), np.array(log.size)
    starts = ends - size
    times = np.array(arrivals.times)
    batch_of = np.repeat(np.arange(len(size)), size)
    req = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])
    wait = np.empty(len(times))
    wait[req] = dispatch[batch_of] - times[req]
    profiled_s = np.array([cost.duration(int(n)) for n in size])
    slow = np.clip((finish - dispatch) - profiled_s, 0.0, None)
    cut = np.quantile(wait, 0.99)
    parts = {"woke late": [], "slow batch": [], "behind batch": [], "rest": []}
    for i in np.flatnonzero(wait >= cut):
        a, d = times[i], dispatch[batch_of[i]]
        lateness = overlap(a, d, t0, t1).sum()
        busy_k = overlap(a, d, dispatch, finish)
        slow_k = np.minimum(busy_k, slow).sum()
        parts["woke late"].append(lateness)
        parts["slow batch"].append(slow_k)
        parts["behind batch"].append(busy_k.sum() - slow_k)
        parts["rest"].append(wait[i] - lateness - busy_k.sum())
    tail = float(np.mean(wait[wait >= cut]))
    print(f"queue-wait tail: {int(np.sum(wait >= cut))} requests, mean wait {tail * 1e3:.3f} ms")
    for name, values in parts.items():
        m = statistics.fmean(values)
        print(f"  {name:<13} {m * 1e3:7.3f} ms  {m / tail:6.1%}")
    print(f"load average {os.getloadavg()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rate", type=float, default=2000.0)
    parser.add_argument("--policy", default="dynamic")
    parser.add_argument("--skip-decomposition", action="store_true")
    parser.add_argument("--calibrations", type=int, default=3)
    args = parser.parse_args()
    print(machine(), f"torch {torch.__version__}, load average {os.getloadavg()}")
    show_lateness(args.samples)
    if not args.skip_decomposition:
        decompose(args.policy, args.seconds, args.rate)
    if args.calibrations > 0:
        compare_calibrations(args.calibrations, args.rate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
