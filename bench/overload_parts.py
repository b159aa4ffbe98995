"""Where capacity goes at overload: per batch, the device's idle gap, the batch sizes sent,
the handler's GIL wait after its sleep, and the event loop's own CPU per request.

    cd bench && python overload_parts.py [--rate 10000] [--seconds 3] [--rounds 2]

The harness of ``batcher_vs.py`` (Poisson arrivals, seed 0, one asyncio task per request, the
blocking model t(n) = 2 ms + 0.05 ms*n). ``overshoot`` is the handler's measured time minus
t(n): ``time.sleep`` returns only once its thread has the GIL back, so at overload it is the
worker waiting for a busy event loop (Python's switch interval: up to 5 ms). ``loop us/req``
is ``time.thread_time`` of the loop thread per request. (An A/B of a GIL-holding pipe wake-up
against ``call_soon_threadsafe`` ran here; it did not pay end to end and was reverted: RESULTS.md.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import numpy as np
from common import machine
from open_loop import WARM_UP_CALLS, drive
from vs_ray import BASE_MS, MAX_BATCH, MAX_WAIT_MS, PER_ITEM_MS, schedule

from batchtui.engine.batcher import Batcher

SPANS: list[tuple[float, float, int]] = []


def model(items: list[int]) -> list[int]:
    start = time.monotonic()
    time.sleep((BASE_MS + PER_ITEM_MS * len(items)) / 1000.0)
    SPANS.append((start, time.monotonic(), len(items)))
    return items


async def one_run(times: np.ndarray) -> dict[str, float]:
    cpu = time.thread_time()
    batcher = Batcher(model, "static", max_batch_size=MAX_BATCH, max_wait_ms=MAX_WAIT_MS)
    result = await drive(batcher, times)
    result["loop_us"] = (time.thread_time() - cpu) / len(times) * 1e6
    return result


def measured(times: np.ndarray) -> dict[str, float]:
    SPANS.clear()
    r = asyncio.run(one_run(times))
    spans = np.array(SPANS[WARM_UP_CALLS:])
    gaps = (spans[1:, 0] - spans[:-1, 1]) * 1e6
    sizes = spans[:, 2]
    over = (spans[:, 1] - spans[:, 0]) * 1e3 - (BASE_MS + PER_ITEM_MS * sizes)
    return {
        "tput": r["tput"], "loop_us": r["loop_us"], "late_p99": r["late_p99"],
        "gap_p50": float(np.median(gaps)), "gap_mean": float(gaps.mean()),
        "size_mean": float(sizes.mean()), "over_p50": float(np.median(over)),
        "over_mean": float(over.mean()), "over_p90": float(np.percentile(over, 90)),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=10000.0)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    times = schedule(args.rate, args.seconds)
    capacity = MAX_BATCH / ((BASE_MS + PER_ITEM_MS * MAX_BATCH) / 1000.0)
    runs: dict[str, list[dict[str, float]]] = {"batchtui Batcher": []}
    print(f"{machine()}; {args.rate:g} req/s, {args.seconds:g} s; medians of {args.rounds}")
    for _ in range(args.rounds):
        print(f"# round at load average {os.getloadavg()[0]:.2f}", flush=True)
        runs["batchtui Batcher"].append(measured(times))
    print(f"{'runtime':<20} {'tput/cap':>8} {'gap p50':>7} {'gap mean':>8} {'size':>5} "
          f"{'over p50':>8} {'over mean':>9} {'over p90':>8} {'loop us/req':>11} "
          f"{'late p99':>8}")  # fmt: skip
    for name, rows in runs.items():
        m = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        print(f"{name:<20} {m['tput'] / min(args.rate, capacity):>8.3f} {m['gap_p50']:>7.0f} "
              f"{m['gap_mean']:>8.0f} {m['size_mean']:>5.1f} {m['over_p50']:>8.3f} "
              f"{m['over_mean']:>9.3f} {m['over_p90']:>8.3f} {m['loop_us']:>11.1f} "
              f"{m['late_p99']:>8.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
