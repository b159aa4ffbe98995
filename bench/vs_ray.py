"""Our live runtime against Ray Serve's ``@serve.batch``, on the same workload and cost.

    pip install "ray[serve]"      # optional benchmark dependency (extra: batchtui[bench])
    python bench/vs_ray.py [--seconds 10] [--rates 2000,5000,10000]

Workload: Poisson arrivals (seed 0) at each rate; device cost t(n) = 2 ms + 0.05 ms*n
(capacity 8,889 req/s at n = 32); static batching with max batch 32 and max wait 5 ms.
Three measurements on identical arrival times:

- zero-overhead: our simulator (virtual time): the latencies the policy alone implies;
- batchtui live: our wall-clock runtime, the batch run in the scheduler's thread (the
  default; the device time t(n) is slept, releasing the GIL);
- batchtui thread: the same with a separate device-worker thread (one handoff each way);
- Ray Serve: ``@serve.batch(max_batch_size=32, batch_wait_timeout_s=0.005)`` on an async
  handler that holds the "device" for t(n), driven by an asyncio generator that submits
  each request at its scheduled time. Two ways to hold it: ``ray (async)`` awaits
  ``asyncio.sleep(t(n))`` (asyncio timers overshoot by ~0.65 ms here, measured: median of
  200 ``asyncio.sleep(0.0036)``), ``ray (blocking)`` waits precisely with our WallClock
  inside the handler, as a synchronous model call would (blocking the event loop).
  Latency runs from the *scheduled* arrival to the request's result, for every runtime
  (generator lag counts). The driver is ``open_loop.drive``, shared with ``batcher_vs.py``.

What we stub: outside a Serve deployment, ``_BatchQueue.__init__`` calls
``_warn_if_max_batch_size_exceeds_max_ongoing_requests``, which asks
``serve.get_replica_context()`` for the deployment's ``max_ongoing_requests`` and raises
because there is no replica. We replace that one method with a no-op; nothing else of
Ray is touched, and the batching loop itself runs unmodified.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os

import numpy as np
from open_loop import drive

from batchtui.engine.live import WallClock, WallClockLane
from batchtui.engine.metrics import lane_stats
from batchtui.engine.policies import Static
from batchtui.engine.service import AnalyticCost
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.lane import SimLane

BASE_MS, PER_ITEM_MS, MAX_BATCH, MAX_WAIT_MS = 2.0, 0.05, 32, 5.0


def schedule(rate: float, seconds: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    times = np.cumsum(rng.exponential(1.0 / rate, int(rate * seconds * 1.2) + 10))
    return times[times < seconds]


def arrivals_of(times: np.ndarray) -> Arrivals:
    arrivals = Arrivals()
    arrivals.extend(times, np.ones(len(times), dtype=np.int64), float(times[-1]))
    arrivals.close()
    return arrivals


def ours(times: np.ndarray, worker: str | None) -> dict[str, float]:
    """Our simulator (``worker`` None) or live runtime with that device worker."""
    policy = Static(max_batch_size=MAX_BATCH, max_wait_ms=MAX_WAIT_MS)
    cost = AnalyticCost(BASE_MS, PER_ITEM_MS)
    if worker is not None:
        lane = WallClockLane("live", policy, cost, arrivals_of(times), worker=worker)
        lane.run()
    else:
        lane = SimLane("sim", policy, cost, arrivals_of(times))
        lane.advance(math.inf)
    s = lane_stats(lane)
    return {"p50": s.latency.p50, "p99": s.latency.p99, "tput": s.throughput_rps}


def ray_serve(times: np.ndarray, blocking: bool) -> dict[str, float]:
    """Ray Serve's batcher; the device is ``asyncio.sleep(t(n))`` (non-blocking, with the
    event loop's timer resolution) or, with ``blocking``, a precise wait that holds the
    event loop the way a synchronous model call inside the handler would."""
    from ray import serve
    from ray.serve import batching

    clock = WallClock()
    batching._BatchQueue._warn_if_max_batch_size_exceeds_max_ongoing_requests = (  # the stub
        lambda self: None
    )

    @serve.batch(max_batch_size=MAX_BATCH, batch_wait_timeout_s=MAX_WAIT_MS / 1000.0)
    async def handle(items: list[int]) -> list[int]:
        seconds = (BASE_MS + PER_ITEM_MS * len(items)) / 1000.0
        if blocking:
            clock.sleep_until(clock.now() + seconds)
        else:
            await asyncio.sleep(seconds)
        return items

    return asyncio.run(drive(handle, times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rates", default="2000,5000,10000")
    args = parser.parse_args()
    import ray

    print(f"ray {ray.__version__}; {os.cpu_count()} cores; {args.seconds:g} s of arrivals per run")
    print(
        f"{'rate':>6} {'runtime':<14} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} "
        f"{'p99 / zero':>10} {'req/s / capacity':>16}"
    )
    capacity = MAX_BATCH / ((BASE_MS + PER_ITEM_MS * MAX_BATCH) / 1000.0)
    for rate in (float(r) for r in args.rates.split(",")):
        times = schedule(rate, args.seconds)
        zero = ours(times, worker=None)
        results = {
            "zero-overhead": zero,
            "batchtui live": ours(times, worker="inline"),
            "batchtui thread": ours(times, worker="thread"),
        }
        results["ray (async)"] = ray_serve(times, blocking=False)
        results["ray (blocking)"] = ray_serve(times, blocking=True)
        for name, r in results.items():
            print(
                f"{rate:>6.0f} {name:<14} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['tput']:>8.0f} "
                f"{r['p99'] / zero['p99']:>10.3f} {r['tput'] / min(rate, capacity):>16.3f}"
            )


if __name__ == "__main__":
    main()
