"""Where capacity goes at overload: per batch, the device's idle gap, the batch sizes sent,
the handler's GIL wait after its sleep, and the event loop's own CPU per request.

    cd bench && python overload_parts.py [--rate 10000] [--seconds 3] [--rounds 2]
        [--baseline FILE] [--switch-ms MS]

The harness of ``batcher_vs.py`` (Poisson arrivals, seed 0, one asyncio task per request, the
blocking model t(n) = 2 ms + 0.05 ms*n). ``overshoot`` is the handler's measured time minus
t(n): ``time.sleep`` returns only once its thread has the GIL back, so at overload it is the
worker waiting for a busy event loop (Python's switch interval: up to 5 ms). ``loop us/req``
is ``time.thread_time`` of the loop thread per request. ``gc ms`` is the time spent in garbage
collections in the run (``gc.callbacks``), ``on worker`` the part run on the batcher's worker
threads (the thread whose allocation reaches the threshold runs the collection, holding the
GIL: on a worker, while the device waits). The last line is the machine's own floor: a lone
thread's ``time.sleep`` overshoot with no loop running. ``--baseline FILE`` runs a second
Batcher, from a copy of ``batcher.py`` (e.g. ``git show main:engine/batcher/batcher.py >
/tmp/base.py``), alternating with this one round by round, for an A/B in one run. (An A/B
of a GIL-holding pipe wake-up against ``call_soon_threadsafe`` ran here; it did not pay end
to end and was reverted: RESULTS.md.)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import os
import statistics
import sys
import threading
import time
from typing import Any

import numpy as np
from common import machine
from open_loop import WARM_UP_CALLS, drive
from vs_ray import BASE_MS, MAX_BATCH, MAX_WAIT_MS, PER_ITEM_MS, schedule

from batchtui.engine.batcher import Batcher
from batchtui.engine.live.clock import tighten_timer_slack

SPANS: list[tuple[float, float, int]] = []
COLLECTIONS: list[tuple[bool, float]] = []  # (on the main thread, ms) of every collection
_started: list[float] = []


def _timed_collection(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[:] = [time.perf_counter()]
    elif _started:
        main = threading.get_ident() == threading.main_thread().ident
        COLLECTIONS.append((main, (time.perf_counter() - _started[0]) * 1e3))


def model(items: list[int]) -> list[int]:
    start = time.monotonic()
    time.sleep((BASE_MS + PER_ITEM_MS * len(items)) / 1000.0)
    SPANS.append((start, time.monotonic(), len(items)))
    return items


async def one_run(times: np.ndarray, kind: type[Batcher] = Batcher) -> dict[str, float]:
    cpu = time.thread_time()
    batcher = kind(model, "static", max_batch_size=MAX_BATCH, max_wait_ms=MAX_WAIT_MS)
    result = await drive(batcher, times)
    result["loop_us"] = (time.thread_time() - cpu) / len(times) * 1e6
    return result


def measured(times: np.ndarray, kind: type[Batcher] = Batcher) -> dict[str, float]:
    SPANS.clear()
    COLLECTIONS.clear()
    gc.callbacks.append(_timed_collection)
    try:
        r = asyncio.run(one_run(times, kind))
    finally:
        gc.callbacks.remove(_timed_collection)
    pauses = np.array(COLLECTIONS or [(True, 0.0)])
    spans = np.array(SPANS[WARM_UP_CALLS:])
    gaps = (spans[1:, 0] - spans[:-1, 1]) * 1e6
    sizes = spans[:, 2]
    over = (spans[:, 1] - spans[:, 0]) * 1e3 - (BASE_MS + PER_ITEM_MS * sizes)
    return {
        "tput": r["tput"], "loop_us": r["loop_us"], "late_p99": r["late_p99"],
        "gap_p50": float(np.median(gaps)), "gap_mean": float(gaps.mean()),
        "size_mean": float(sizes.mean()), "over_p50": float(np.median(over)),
        "over_mean": float(over.mean()), "over_p90": float(np.percentile(over, 90)),
        "gc_ms": float(pauses[:, 1].sum()), "gc_max_ms": float(pauses[:, 1].max()),
        "gc_worker_ms": float(pauses[pauses[:, 0] == 0, 1].sum()),
    }  # fmt: skip


def sleep_floor(sleeps: int = 400) -> np.ndarray:
    """Overshoot (ms) of ``time.sleep(t(32))`` in a lone thread, no event loop running: the
    part of the handler's overshoot the machine's own load sets (no GIL to wait for)."""
    seconds = (BASE_MS + PER_ITEM_MS * MAX_BATCH) / 1000.0
    over: list[float] = []

    def sleeper() -> None:
        tighten_timer_slack()
        for _ in range(sleeps):
            start = time.monotonic()
            time.sleep(seconds)
            over.append((time.monotonic() - start - seconds) * 1e3)

    thread = threading.Thread(target=sleeper)
    thread.start()
    thread.join()
    return np.array(over)


def baseline(path: str) -> type[Batcher]:
    """The ``Batcher`` of another copy of ``batcher.py`` (its imports are the package's)."""
    spec = importlib.util.spec_from_file_location("baseline_batcher", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Batcher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=10000.0)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--baseline", metavar="FILE", help="a copy of batcher.py to A/B against")
    parser.add_argument("--switch-ms", type=float, default=None, metavar="MS",
                        help="sys.setswitchinterval(MS/1000) for the whole run")  # fmt: skip
    args = parser.parse_args()
    if args.switch_ms is not None:
        sys.setswitchinterval(args.switch_ms / 1000.0)
    times = schedule(args.rate, args.seconds)
    capacity = MAX_BATCH / ((BASE_MS + PER_ITEM_MS * MAX_BATCH) / 1000.0)
    kinds = {"batchtui Batcher": Batcher}
    if args.baseline:
        kinds["baseline"] = baseline(args.baseline)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in kinds}
    print(f"{machine()}; {args.rate:g} req/s, {args.seconds:g} s; medians of {args.rounds}; "
          f"GIL switch interval {sys.getswitchinterval() * 1e3:g} ms")  # fmt: skip
    for i in range(args.rounds):
        print(f"# round at load average {os.getloadavg()[0]:.2f}", flush=True)
        order = list(kinds.items()) if i % 2 == 0 else list(reversed(kinds.items()))
        for name, kind in order:
            runs[name].append(measured(times, kind))
    print(f"{'runtime':<20} {'tput/cap':>8} {'gap p50':>7} {'gap mean':>8} {'size':>5} "
          f"{'over p50':>8} {'over mean':>9} {'over p90':>8} {'loop us/req':>11} "
          f"{'late p99':>8} {'gc ms':>6} {'on worker':>9} {'gc max':>6}")  # fmt: skip
    for name, rows in runs.items():
        m = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        print(f"{name:<20} {m['tput'] / min(args.rate, capacity):>8.3f} {m['gap_p50']:>7.0f} "
              f"{m['gap_mean']:>8.0f} {m['size_mean']:>5.1f} {m['over_p50']:>8.3f} "
              f"{m['over_mean']:>9.3f} {m['over_p90']:>8.3f} {m['loop_us']:>11.1f} "
              f"{m['late_p99']:>8.1f} {m['gc_ms']:>6.0f} {m['gc_worker_ms']:>9.1f} "
              f"{m['gc_max_ms']:>6.1f}")  # fmt: skip
    floor = sleep_floor()
    print(f"lone-thread sleep overshoot (the machine's floor, no loop): mean "
          f"{floor.mean():.3f} p50 {np.median(floor):.3f} p90 {np.percentile(floor, 90):.3f} ms "
          f"at load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    if args.baseline:
        pairs = zip(runs["batchtui Batcher"], runs["baseline"], strict=True)
        ratios = [a["tput"] / b["tput"] for a, b in pairs]
        print(
            f"throughput, this Batcher / baseline, round by round: "
            f"{' '.join(f'{r:.3f}' for r in ratios)}; median {statistics.median(ratios):.3f}"
        )


if __name__ == "__main__":
    main()
