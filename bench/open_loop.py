"""The asyncio side of the Ray Serve comparison: open-loop arrivals, one task per request.

Each request is submitted at its scheduled time as a task awaiting one call; latency runs
from the *scheduled* arrival to the result, so a late driver counts against the runtime.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import numpy as np

WARM_UP_CALLS = 3  # Ray builds its batch queue on the first call; everyone gets the same


async def drive(call: Callable[[int], Awaitable[object]], times: np.ndarray) -> dict[str, float]:
    """Send request ``i`` at ``times[i]`` through ``call``; p50/p99 ms, req/s, CPU us/request."""
    loop = asyncio.get_running_loop()
    done = np.full(len(times), np.nan)
    for _ in range(WARM_UP_CALLS):
        await call(-1)

    async def one(i: int) -> None:
        await call(i)
        done[i] = loop.time() - origin

    cpu = time.process_time()
    origin = loop.time() + 0.05
    tasks = []
    for i, t in enumerate(times):
        delay = origin + t - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    cpu = time.process_time() - cpu
    latency_ms = (done - times) * 1000.0
    return {
        "p50": float(np.percentile(latency_ms, 50)),
        "p99": float(np.percentile(latency_ms, 99)),
        "tput": len(times) / (float(np.nanmax(done)) - times[0]),
        "cpu_us": cpu / len(times) * 1e6,
    }
