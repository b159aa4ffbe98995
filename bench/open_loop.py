"""The asyncio side of the Ray Serve comparison: open-loop arrivals, one task per request.

Each request is submitted at its scheduled time as a task awaiting one call; latency runs
from the *scheduled* arrival to the result, so a late driver counts against the runtime.
The driver's own lateness (scheduled arrival -> the call made) is reported as ``late p50``
and ``late p99``, so that part of the figure is shown, not hidden; ``switches`` counts the
process's voluntary context switches per request (thread handoffs; load-independent).

Three drivers: ``loop`` sleeps on the event loop between arrivals (asyncio's default epoll
selector rounds every sleep up to a whole millisecond, so arrivals come in bursts up to ~1 ms
late); ``select`` is the same driver on an event loop whose selector is ``select()``, which
takes its timeout in microseconds (the loop's timers are then as punctual as the machine
wakes a thread); ``thread`` paces them in a helper thread (``time.sleep`` to each arrival,
~0.1 ms precise) that hands every arrival due to the loop in one ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import resource
import selectors
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import numpy as np

from batchtui.engine.live.clock import tighten_timer_slack

DRIVERS = ("loop", "select", "thread")
WARM_UP_CALLS = 3  # Ray builds its batch queue on the first call; everyone gets the same


def run(main: Coroutine[Any, Any, Any], driver: str = "loop") -> Any:
    """``asyncio.run(main)``, on a ``select()`` event loop for the ``select`` driver."""
    if driver != "select":
        return asyncio.run(main)
    with asyncio.Runner(
        loop_factory=lambda: asyncio.SelectorEventLoop(selectors.SelectSelector())
    ) as runner:
        return runner.run(main)


class Trace:
    """Per-request loop times of one drive: when each call was made and when it returned."""

    def __init__(self, n: int) -> None:
        self.origin = 0.0  # loop time of schedule time 0
        self.submitted = np.full(n, np.nan)
        self.resumed = np.full(n, np.nan)


async def drive(
    call: Callable[[int], Awaitable[object]],
    times: np.ndarray,
    trace: Trace | None = None,
    driver: str = "loop",
) -> dict[str, float]:
    """Send request ``i`` at ``times[i]`` through ``call``; p50/p99 ms, req/s, CPU us/request,
    and the driver's lateness (p50/p99 ms). ``trace`` receives each request's times."""
    loop = asyncio.get_running_loop()
    trace = trace or Trace(len(times))
    submitted, resumed = trace.submitted, trace.resumed
    for _ in range(WARM_UP_CALLS):
        await call(-1)

    async def one(i: int) -> None:
        submitted[i] = loop.time()
        await call(i)
        resumed[i] = loop.time()

    cpu, switches = time.process_time(), _voluntary_switches()
    origin = trace.origin = loop.time() + 0.05
    # Only the requests in flight are held: a finished task is freed at once, as in a
    # service. (Holding every task to the end, as before, left tens of thousands of objects
    # for the cyclic collector: full collections of 35-85 ms inside a 3 s run, charged to
    # every runtime's p99.)
    pending: set[asyncio.Task[None]] = set()
    errors: list[BaseException] = []

    def finished(task: asyncio.Task[None]) -> None:
        pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            errors.append(task.exception())  # type: ignore[arg-type]

    def spawn(i: int) -> None:
        task = loop.create_task(one(i))
        pending.add(task)
        task.add_done_callback(finished)

    if driver == "thread":
        await _paced(loop, times, origin, spawn)
    else:
        for i, t in enumerate(times):
            delay = origin + t - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            spawn(i)
    while pending:
        await asyncio.wait(set(pending))
    if errors:
        raise errors[0]
    cpu = time.process_time() - cpu
    switches = _voluntary_switches() - switches
    done = resumed - origin
    latency_ms = (done - times) * 1000.0
    late_ms = (submitted - origin - times) * 1000.0
    return {
        "p50": float(np.percentile(latency_ms, 50)),
        "p99": float(np.percentile(latency_ms, 99)),
        "tput": len(times) / (float(np.nanmax(done)) - times[0]),
        "cpu_us": cpu / len(times) * 1e6,
        "late_p50": float(np.percentile(late_ms, 50)),
        "late_p99": float(np.percentile(late_ms, 99)),
        "switches": switches / len(times),
    }


def _voluntary_switches() -> int:
    """The process's voluntary context switches so far, every thread's (each is a thread
    that blocked and had to be woken: the handoffs on a request's path, and the driver's)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw


async def _paced(
    loop: asyncio.AbstractEventLoop,
    times: np.ndarray,
    origin: float,
    submit: Callable[[int], None],
) -> None:
    """``submit(i)`` on the loop at ``origin + times[i]``, paced by a helper thread."""
    finished = asyncio.Event()

    def submit_range(lo: int, hi: int) -> None:
        for i in range(lo, hi):
            submit(i)

    def pace() -> None:
        tighten_timer_slack()
        i, n = 0, len(times)
        while i < n:
            delay = origin + times[i] - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            due = int(np.searchsorted(times, time.monotonic() - origin, "right"))
            hi = max(due, i + 1)
            loop.call_soon_threadsafe(submit_range, i, hi)
            i = hi
        loop.call_soon_threadsafe(finished.set)

    threading.Thread(target=pace, name="paced-driver", daemon=True).start()
    await finished.wait()
