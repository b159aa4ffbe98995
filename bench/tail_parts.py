"""Where the batcher's latency tail goes: each request's time split at every handoff.

    cd bench && python tail_parts.py [--seconds 3] [--rate 5000] [--rounds 3]
        [--runtimes NAME,...] [--switch-ms 5,0.5] [--gc on,freeze,off] [--driver loop|select|thread]

The harness of ``batcher_vs.py`` (Poisson arrivals, seed 0; one asyncio task per request;
a blocking model of 2 ms + 0.05 ms*n in a worker thread; max batch 32, max wait 5 ms).
Every request's latency (from its *scheduled* arrival) is cut into:

- driver: scheduled arrival -> the call actually made (the driver's own lateness);
- queue: call -> the batch's dispatch (the policy's wait, and queueing behind the device);
- deadline: for a batch sent by timeout while the device was free, dispatch minus the
  policy's deadline (how late the deadline fired);
- pickup: dispatch -> the handler started (the worker thread getting the batch, and the GIL;
  ``batchtui timer thread`` is the Batcher with the separate timer thread it had before);
- overshoot: the handler's duration minus t(n) (``time.sleep``'s own lateness);
- delivery: handler end -> the caller's task resumed with its result.

``sim@submit`` is the zero-overhead simulation fed with the *actual* call times (the driver's
lateness added back): what a perfect batcher would score behind this driver. Each GIL switch
interval in ``--switch-ms`` is a separate set of rounds (``sys.setswitchinterval``), and gc
pauses (``gc.callbacks``) are summed per run. Medians over rounds of each per-run figure.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from batcher_vs import TimerThreadBatcher
from common import machine
from open_loop import DRIVERS, Trace, drive, run
from plain_batcher import PlainBatcher
from vs_ray import BASE_MS, MAX_BATCH, MAX_WAIT_MS, PER_ITEM_MS, arrivals_of, schedule

from batchtui.engine.batcher import Batcher
from batchtui.engine.metrics.lane_stats import request_rows
from batchtui.engine.policies import make_policy
from batchtui.engine.service import AnalyticCost
from batchtui.engine.sim.lane import SimLane

POLICY = {"max_batch_size": MAX_BATCH, "max_wait_ms": MAX_WAIT_MS}
PARTS = ("driver", "queue", "deadline", "pickup", "overshoot", "delivery")


class Device:
    """The blocking model, logging each batch: (start, end, items)."""

    def __init__(self) -> None:
        self.spans: list[tuple[float, float, list[int]]] = []

    def __call__(self, items: list[int]) -> list[int]:
        start = time.monotonic()
        time.sleep((BASE_MS + PER_ITEM_MS * len(items)) / 1000.0)
        self.spans.append((start, time.monotonic(), items))
        return items


class GcPauses:
    """Total and longest gc pause while installed, and how many full (gen 2) collections."""

    def __init__(self) -> None:
        self.total = self.longest = 0.0
        self.full = 0
        self._t = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._t = time.perf_counter()
        else:
            d = time.perf_counter() - self._t
            self.total += d
            self.longest = max(self.longest, d)
            self.full += info["generation"] == 2


GC_MODES = ("on", "freeze", "off")
"""``on``: as is; ``freeze``: ``gc.freeze()`` before the run (startup objects are never
scanned again, as a service would do once after importing); ``off``: no collection."""


def sim_at(times: np.ndarray) -> np.ndarray:
    """Per-request zero-overhead latency, s, for arrivals at ``times`` (in order)."""
    lane = SimLane("sim", make_policy("static", **POLICY), AnalyticCost(BASE_MS, PER_ITEM_MS),
                   arrivals_of(times))  # fmt: skip
    lane.advance(math.inf)
    rows = request_rows(lane, lane.log.arrays(), 0)
    return np.asarray(rows.finish - rows.arrival)


def one_run(name: str, times: np.ndarray, gc_mode: str, driver: str) -> dict[str, float]:
    device = Device()
    call: Callable[[int], Any]
    batcher = None
    if name == "plain asyncio":
        call = PlainBatcher(device, MAX_BATCH, MAX_WAIT_MS / 1000.0)
    else:
        kind = TimerThreadBatcher if name == "batchtui timer thread" else Batcher
        batcher = kind(device, "static", name="static", **POLICY)
        call = batcher
    pauses = GcPauses()
    gc.collect()
    if gc_mode == "freeze":
        gc.freeze()
    elif gc_mode == "off":
        gc.disable()
    gc.callbacks.append(pauses)
    trace = Trace(len(times))
    try:
        result = run(drive(call, times, trace, driver), driver)
    finally:
        gc.callbacks.remove(pauses)
        gc.enable()
        gc.unfreeze()
    sched = trace.origin + times
    parts = {p: np.full(len(times), np.nan) for p in PARTS}
    parts["driver"] = trace.submitted - sched
    dispatch = np.full(len(times), np.nan)
    if batcher is not None:
        rows = batcher._history.since(-math.inf)[-len(device.spans) :]  # a bench: the rows
        spans = device.spans[-len(rows) :]
        prev_finish = -math.inf
        for row, (start, _, items) in zip(rows, spans, strict=True):
            idx = [i for i in items if i >= 0]
            if not idx:  # the warm-up calls
                continue
            dispatch[idx] = row.dispatch
            # sent by timeout, the device free: how late after oldest arrival + max wait
            if row.reason == "timeout" and row.dispatch != prev_finish:
                parts["deadline"][idx[0]] = row.waits[0] - MAX_WAIT_MS / 1000.0
            parts["pickup"][idx] = start - row.dispatch
            prev_finish = row.finish
    for start, end, items in device.spans:
        idx = [i for i in items if i >= 0]
        parts["overshoot"][idx] = end - start - (BASE_MS + PER_ITEM_MS * len(items)) / 1000.0
        parts["delivery"][idx] = trace.resumed[idx] - end
    parts["queue"] = dispatch - trace.submitted
    zero = sim_at(times) * 1000.0
    behind = (sim_at(trace.submitted - trace.origin) + parts["driver"]) * 1000.0
    out = {
        "p99": result["p99"],
        "p99/zero": result["p99"] / float(np.percentile(zero, 99)),
        "sim@submit": float(np.percentile(behind, 99)),
        "gc ms": pauses.total * 1000.0,
        "gc max": pauses.longest * 1000.0,
        "gc full": pauses.full,
    }
    for p, v in parts.items():
        v = v[~np.isnan(v)] * 1000.0
        out[f"{p} p50"] = float(np.percentile(v, 50)) if len(v) else math.nan
        out[f"{p} p99"] = float(np.percentile(v, 99)) if len(v) else math.nan
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rate", type=float, default=5000.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--runtimes", default="batchtui Batcher,batchtui timer thread,plain asyncio"
    )
    parser.add_argument("--driver", choices=DRIVERS, default="loop")
    parser.add_argument("--switch-ms", default="5", help="GIL switch intervals to try, ms")
    parser.add_argument("--gc", default="on", help=f"gc modes to try: {', '.join(GC_MODES)}")
    args = parser.parse_args()
    names = [n.strip() for n in args.runtimes.split(",") if n.strip()]
    times = schedule(args.rate, args.seconds)
    print(f"{machine()}; {args.rate:g} req/s for {args.seconds:g} s; medians of {args.rounds}; "
          f"{args.driver} driver")  # fmt: skip
    print(f"zero-overhead p99 {np.percentile(sim_at(times), 99) * 1000.0:.2f} ms; all in ms")
    keys = ["p99", "p99/zero", "sim@submit", "gc ms", "gc max", "gc full"]
    keys += [f"{p} {q}" for p in PARTS for q in ("p50", "p99")]
    default = sys.getswitchinterval()
    results: dict[tuple[str, float, str], list[dict[str, float]]] = {}
    modes = [m.strip() for m in args.gc.split(",") if m.strip()]
    try:
        for _ in range(args.rounds):
            print(f"# round at load average {os.getloadavg()[0]:.2f}", flush=True)
            for switch in (float(s) for s in args.switch_ms.split(",")):
                sys.setswitchinterval(switch / 1000.0)
                for mode in modes:
                    for name in names:
                        run = one_run(name, times, mode, args.driver)
                        results.setdefault((name, switch, mode), []).append(run)
    finally:
        sys.setswitchinterval(default)
    print(f"{'runtime':<21} {'switch':>6} {'gc':>6} " + " ".join(f"{k:>9}" for k in keys))
    for (name, switch, mode), runs in results.items():
        med = [statistics.median(r[k] for r in runs) for k in keys]
        print(f"{name:<21} {switch:>6g} {mode:>6} " + " ".join(f"{v:>9.2f}" for v in med))


if __name__ == "__main__":
    main()
