"""How late a batching deadline fires: the batcher's timer thread against asyncio's own timers.

    cd bench && python timer_precision.py [--samples 200]

One request at a time, 10 ms apart, static batching with a max wait drawn from 5-6 ms (so
deadlines fall between whole milliseconds, as they do when a wait is decided at a batch's
end): every batch leaves by timeout, so its start minus (arrival + wait) is the lateness.
Handlers return at once: a plain one (run in a worker thread) and a coroutine one (on the
loop). Times are the loop's clock (``time.monotonic``).
"""

from __future__ import annotations

import argparse
import asyncio
import time

import numpy as np
from common import machine

from batchtui.engine.batcher import Batcher

WAIT_MS = 5.0  # plus a random fraction of a millisecond per sample


async def lateness(timer: str, coroutine: bool, samples: int) -> np.ndarray:
    starts: list[float] = []

    def plain(items: list[int]) -> list[int]:
        starts.append(time.monotonic())
        return items

    async def handler(items: list[int]) -> list[int]:
        return plain(items)

    rng = np.random.default_rng(0)
    batcher = Batcher(handler if coroutine else plain, "static", max_batch_size=8, timer=timer)
    late = []
    for i in range(samples):
        wait_ms = WAIT_MS + float(rng.random())
        batcher.update(max_wait_ms=wait_ms)
        arrival = time.monotonic()
        await batcher(i)
        late.append(starts[-1] - arrival - wait_ms / 1000.0)
        await asyncio.sleep(0.01)
    await batcher.aclose()
    return np.array(late) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    print(f"{machine()}; {args.samples} timeouts each; lateness in microseconds")
    print(f"{'handler':<10} {'timer':<8} {'p50':>7} {'p90':>7} {'p99':>7}")
    for coroutine in (False, True):
        for timer in ("thread", "loop"):
            late = asyncio.run(lateness(timer, coroutine, args.samples))
            p50, p90, p99 = np.percentile(late, [50, 90, 99])
            kind = "coroutine" if coroutine else "plain"
            print(f"{kind:<10} {timer:<8} {p50:>7.0f} {p90:>7.0f} {p99:>7.0f}")


if __name__ == "__main__":
    main()
