"""How late a batching deadline fires: the batcher's timer thread against asyncio's own timers.

    cd bench && python timer_precision.py [--samples 200]

One request at a time, 10 ms apart, static batching with a max wait drawn from 5-6 ms (so
deadlines fall between whole milliseconds, as they do when a wait is decided at a batch's
end): every batch leaves by timeout, so its start minus (arrival + wait) is the lateness.
Handlers return at once: a plain one (run in a worker thread, whose idle worker keeps the
deadline itself; ``thread (before)``: a separate timer thread decides and wakes the worker,
as before) and a coroutine one (on the loop). Times are the loop's clock (``time.monotonic``).
``csw/batch``: the process's voluntary context switches per batch (threads woken, 10 ms
sleeps of the loop included), which the load of a shared machine does not change.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time

import numpy as np
from batcher_vs import TimerThreadBatcher
from common import machine

from batchtui.engine.batcher import Batcher

WAIT_MS = 5.0  # plus a random fraction of a millisecond per sample
BEFORE = "thread (before)"  # a plain handler's batch decided in a timer thread, run by a worker


async def lateness(timer: str, coroutine: bool, samples: int) -> tuple[np.ndarray, float]:
    """Each timeout's lateness, us, and the process's voluntary context switches per batch."""
    starts: list[float] = []

    def plain(items: list[int]) -> list[int]:
        starts.append(time.monotonic())
        return items

    async def handler(items: list[int]) -> list[int]:
        return plain(items)

    rng = np.random.default_rng(0)
    kind = TimerThreadBatcher if timer == BEFORE else Batcher
    timer = "thread" if timer == BEFORE else timer
    batcher = kind(handler if coroutine else plain, "static", max_batch_size=8, timer=timer)
    late = []
    switches = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw
    for i in range(samples):
        wait_ms = WAIT_MS + float(rng.random())
        batcher.update(max_wait_ms=wait_ms)
        arrival = time.monotonic()
        await batcher(i)
        late.append(starts[-1] - arrival - wait_ms / 1000.0)
        await asyncio.sleep(0.01)
    switches = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw - switches
    await batcher.aclose()
    return np.array(late) * 1e6, switches / samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    print(f"{machine()}; {args.samples} timeouts each; lateness in microseconds")
    print(f"{'handler':<10} {'timer':<16} {'p50':>7} {'p90':>7} {'p99':>7} {'csw/batch':>9}")
    for coroutine in (False, True):
        for timer in ("thread", BEFORE, "loop") if not coroutine else ("thread", "loop"):
            late, switches = asyncio.run(lateness(timer, coroutine, args.samples))
            p50, p90, p99 = np.percentile(late, [50, 90, 99])
            kind = "coroutine" if coroutine else "plain"
            print(f"{kind:<10} {timer:<16} {p50:>7.0f} {p90:>7.0f} {p99:>7.0f} {switches:>9.2f}")


if __name__ == "__main__":
    main()
