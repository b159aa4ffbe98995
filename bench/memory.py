"""Engine memory over a long session: RSS of the dashboard's engine loop at full speed.

    python bench/memory.py [--minutes 30] [--rate 5000] [--sample-every 60]

Builds the engine the dashboard runs (a PacedLab over a Lab: three lanes, the analytic
model, a 10 s window) and drives it as ``engine/session/process.py`` ``serve`` does, in
virtual time: a step every TICK_S, a snapshot (recent window) every SNAPSHOT_S, totals
since reset every TOTALS_S at most every TOTALS_SHARE times what they took, each snapshot
pickled as if sent over the pipe. The PacedLab's clock is injected and moves TICK_S per
step, so the simulation runs as fast as the machine allows. Prints the engine's resident
memory every ``--sample-every`` seconds of virtual time, then how far it moved after the
first minute (the window fills in the first 10 s). Goal (issue 9 item 4): flat within 10%.
"""

from __future__ import annotations

import argparse
import os
import pickle
import time

from common import machine

from batchtui.engine.lab import Lab
from batchtui.engine.load import LoadSpec
from batchtui.engine.scenario import Scenario
from batchtui.engine.session.paced import PacedLab
from batchtui.engine.session.process import SNAPSHOT_S, TICK_S, TOTALS_S, TOTALS_SHARE

WINDOW_S = 10.0  # the dashboard's recent window (tui/app.py)


def rss_mb() -> float:
    """Resident set size of this process, MiB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class VirtualClock:
    """The PacedLab's wall clock, moved by hand: one tick per step."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="virtual time to simulate")
    parser.add_argument("--rate", type=float, default=5000.0, help="arrivals per second")
    parser.add_argument("--sample-every", type=float, default=60.0, help="virtual seconds")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(
        f"{args.rate:,.0f} req/s Poisson, 3 lanes (static, dynamic, predictive), analytic "
        f"model, {args.minutes:g} min of virtual time, window {WINDOW_S:g} s"
    )
    clock = VirtualClock()
    paced = PacedLab(Lab(Scenario(load=LoadSpec(rate_rps=args.rate))), WINDOW_S, clock=clock)
    print(f"{'virtual min':>11} {'RSS MiB':>8} {'arrivals held':>14} {'wall s':>7}")
    print(f"{0.0:11.1f} {rss_mb():8.1f} {len(paced.lab.arrivals):14,} {0.0:7.1f}")
    started = time.perf_counter()
    end = args.minutes * 60.0
    next_snapshot = next_totals = 0.0
    next_sample = args.sample_every
    samples: list[tuple[float, float]] = []
    while clock.now < end:
        clock.now += TICK_S
        paced.step()
        if clock.now >= next_snapshot:
            with_total = clock.now >= next_totals
            spent = time.perf_counter()
            pickle.dumps(paced.snapshot(with_total=with_total))
            spent = time.perf_counter() - spent
            next_snapshot = clock.now + SNAPSHOT_S
            if with_total:
                next_totals = clock.now + max(TOTALS_S, TOTALS_SHARE * spent)
        if clock.now >= next_sample:
            rss = rss_mb()
            samples.append((clock.now, rss))
            wall = time.perf_counter() - started
            held = len(paced.lab.arrivals)
            print(f"{clock.now / 60:11.1f} {rss:8.1f} {held:14,} {wall:7.1f}", flush=True)
            next_sample += args.sample_every
    after = [rss for t, rss in samples if t >= 60.0]
    if after:
        first, top = after[0], max(after)
        print(
            f"\nafter the first minute: first {first:.1f} MiB, max {top:.1f} MiB, last "
            f"{after[-1]:.1f} MiB: max/first {top / first:.3f} (goal <= 1.10)"
        )
    arrived = sum(s.arrived for s in paced.snapshot().total)
    wall = time.perf_counter() - started
    print(f"requests simulated (all lanes): {arrived:,}; wall {wall:.0f} s")


if __name__ == "__main__":
    main()
