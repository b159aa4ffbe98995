"""Does a batch run slower after the device idled, by how much per idle, and does the
simulator, charging the profile's after-idle shift, agree with a live lane?

    python bench/idle_shift.py [--rounds 300] [--seeds 3] [--profiles 3]

On mlp 512x2 (CPU, 1 torch thread):

1. ``curve``: sizes 1, 4 and 32, each timed after an idle of 0.05-5 ms (each after an untimed
   batch, as a lane's batch follows the last), ``--rounds`` interleaved rounds; the excess of
   each idle's median over the back-to-back one.
2. ``live``: a static sub-ms winner (max 4, wait 0.036 ms) served live for 3 s at Poisson
   2,000 req/s, ``--seeds`` schedules, beside the simulator on the same arrivals on a fresh
   profile with and without its ``after_idle`` shift: latency p50/p99, and size-1 batch time
   by the idle before it.
3. ``fit``: ``--profiles`` profiles in a row, the smallest size's figures the fit sees: the
   curve's own back-to-back time and plateau, the after-sleep median, the profile's median;
   then per size how many after-sleep timings were above its median, the medians'
   difference, and the shift kept (0 unless they stood out: ``stands_out``'s sign test).
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from common import machine, poisson_arrivals

from batchtui.engine.live import WallClockLane
from batchtui.engine.live.clock import WallClock, tighten_timer_slack
from batchtui.engine.models import ModelSpec, profiler
from batchtui.engine.models.runner import ModelRunner
from batchtui.engine.policies import make_policy
from batchtui.engine.service.profile import load_profile
from batchtui.engine.service.real import RealService
from batchtui.engine.sim import idle_shift
from batchtui.engine.sim.lane import SimLane

MODEL = ModelSpec("mlp", {"width": 512, "depth": 2})
GAPS_MS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0)
WINNER = {"max_batch_size": 4, "max_wait_ms": 0.036}
BINS_MS = ((0, 0.2), (0.2, 0.3), (0.3, 1), (1, np.inf))


def curve(runner: ModelRunner, rounds: int) -> None:
    clock, rng, first = WallClock(), np.random.default_rng(0), 0
    for n in (1, 4, 32):
        batch = np.ones(n, dtype=np.int64)
        times: dict[float, list[float]] = {g: [] for g in GAPS_MS}
        for _ in range(rounds):
            for g in rng.permutation(GAPS_MS):
                runner.run(first, batch)
                if g:
                    clock.sleep_until(time.perf_counter() + g / 1000.0)
                times[g].append(runner.run(first + n, batch) * 1000.0)
                first += 2 * n
        base = statistics.median(times[0.0])
        shown = " ".join(f"{g:g}:{statistics.median(v) - base:+.4f}" for g, v in times.items() if g)
        print(f"size {n}: back to back {base:.4f} ms; excess after idle (ms): {shown}")


def latency_ms(lane: SimLane | WallClockLane) -> np.ndarray:
    log, times = lane.log.arrays(), np.array(lane.arrivals.times)
    finish = np.repeat(log.finish, log.size)
    return (finish - times[: len(finish)]) * 1000.0


def by_idle(lane: SimLane | WallClockLane) -> str:
    log = lane.log.arrays()
    idle = np.r_[np.inf, log.dispatch[1:] - log.finish[:-1]] * 1000.0
    took = (log.finish - log.dispatch) * 1000.0
    parts = []
    for lo, hi in BINS_MS:
        k = (log.size == 1) & (idle >= lo) & (idle < hi)
        parts.append(f"{lo:g}-{hi:g}: {np.median(took[k]) if k.any() else np.nan:.3f} ({k.sum()})")
    return " ".join(parts)


def live(runner: ModelRunner, seeds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        shifted = Path(folder) / "profile.json"
        doc = profiler.profile_runner(runner, 1024).to_json()
        shifted.write_text(json.dumps(doc))
        plain = Path(folder) / "no-shift.json"
        bare = copy.deepcopy(doc)
        bare["batch_time"].pop("after_idle", None)
        plain.write_text(json.dumps(bare))
        print(f"profile: {load_profile(shifted).batch_time.summary()}")  # type: ignore[union-attr]
        print("size-1 batch time (ms, median) by the idle before it (ms), and batches:")
        for seed in range(seeds):
            arrivals = poisson_arrivals(2000.0, 3.0, seed=seed)
            lanes: dict[str, SimLane | WallClockLane] = {}
            lanes["live"] = WallClockLane("static", make_policy("static", **WINNER),
                                          RealService(runner, arrivals), arrivals)  # fmt: skip
            lanes["live"].run()
            for label, path in (("sim+shift", shifted), ("sim", plain)):
                sim = SimLane("static", make_policy("static", **WINNER), load_profile(path),
                              poisson_arrivals(2000.0, 3.0, seed=seed))  # fmt: skip
                sim.advance(float("inf"))
                lanes[label] = sim
            for label, lane in lanes.items():
                p50, p99 = np.percentile(latency_ms(lane), [50, 99])
                print(f"  seed {seed} {label:<9} p50 {p50:.3f} p99 {p99:.3f} ms  {by_idle(lane)}")


def fit_inputs(runner: ModelRunner, profiles: int) -> None:
    original, descriptor = idle_shift.IdleShift.fit, idle_shift.IdleShift.__dict__["fit"]

    def showing(after_sleep, medians, curve_ms, spin_ms):  # type: ignore[no-untyped-def]
        base = statistics.median(curve_ms[0.0])
        plateau = [t for g, ts in curve_ms.items() if g >= idle_shift.PLATEAU_FROM_MS for t in ts]
        slept = statistics.median(after_sleep[min(after_sleep)])
        print(f"  curve: back to back {base:.4f}, plateau {statistics.median(plateau) - base:+.4f}"
              f"; after sleep {slept:.4f}; profile median {medians[min(medians)]:.4f}"
              f" -> shift {slept - medians[min(medians)]:+.4f} ms")  # fmt: skip
        fitted = original(after_sleep, medians, curve_ms, spin_ms)
        for n, kept in zip(fitted.sizes, fitted.shift_ms, strict=True):
            ts, m = after_sleep[n], medians[n]
            above = sum(t > m for t in ts)
            print(f"  size {n:>4}: {above:>3} of {len(ts):>3} after-sleep timings above the "
                  f"median {m:8.3f}, medians' difference {statistics.median(ts) - m:+8.3f}"
                  f" -> shift {kept:+.3f} ms")  # fmt: skip
        return fitted

    idle_shift.IdleShift.fit = showing  # type: ignore[method-assign,assignment]
    try:
        for _ in range(profiles):
            profiler.profile_runner(runner, 1024)
    finally:
        idle_shift.IdleShift.fit = descriptor  # type: ignore[method-assign]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--profiles", type=int, default=3)
    parser.add_argument("--parts", default="curve,live,fit")
    args = parser.parse_args()
    torch.set_num_threads(1)
    tighten_timer_slack()
    print(machine())
    runner = ModelRunner(MODEL, device="cpu", max_batch_size=1024)
    runner.warm_up(64)
    parts = args.parts.split(",")
    if "curve" in parts:
        curve(runner, args.rounds)
    if "live" in parts:
        live(runner, args.seeds)
    if "fit" in parts:
        fit_inputs(runner, args.profiles)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
