"""Is this machine the same machine from one half-minute to the next? A sentinel for the VM.

    python bench/host_spells.py [--blocks 20] [--pause 3]

Why: live-against-sim goals of 15% need the machine that was profiled to be the machine that
served. On a VM, the host's other tenants come and go: some spells wake a sleeping thread
milliseconds late and run the first step after an idle 1.5-2x slower, tens of seconds at a
time, with the load average near 0 (only the steal counter shows them). Each block (16 repeats, then
``--pause`` seconds) does what a lone request at an idle tiny-gpt lane does: 8 decodes, a
100 ms sleep (``WallClock.sleep_until``, timer slack tightened, as the live lanes), then a
64-token prefill timed from the wake (cold) and the same prefill back to back (warm). It
prints the wake's lateness (p50, max), both prefills' medians and the cold step's median
excess, and the share of the machine's CPU time the host gave to another tenant
(``common.stolen``, vmstat's ``st``), one line per block, with the wall time, so spells
show as runs of lines.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch
from common import cpu_times, machine, stolen
from gen_live_vs_sim import MODEL

from batchtui.engine.live.clock import WallClock, tighten_timer_slack
from batchtui.engine.models.generative import load_generative

IDLE_S = 0.1
REPEATS = 16


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=20)
    parser.add_argument("--pause", type=float, default=3.0, help="seconds between blocks")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = load_generative(MODEL, torch.device("cpu"))
    clock = WallClock()
    tighten_timer_slack()
    tokens = torch.randint(0, model.vocab, (64,), generator=torch.Generator().manual_seed(0))
    print(f"machine: {machine()}, torch {torch.__version__}, 1 torch thread")
    print(f"model: {MODEL.to_dict()}; load average {os.getloadavg()[0]:.2f}")
    print("time      late p50 ms  late max  cold ms  warm ms  excess ms  steal")
    with torch.inference_mode():
        model.prefill([tokens], [None])
        for _ in range(args.blocks):
            late, cold, warm = [], [], []
            counters = cpu_times()
            for _ in range(REPEATS):
                states = model.prefill([tokens], [None])
                for _ in range(8):
                    states = model.decode(states)
                wake = time.perf_counter() + IDLE_S
                clock.sleep_until(wake)
                woke = time.perf_counter()
                model.prefill([tokens], [None])
                first = time.perf_counter()
                model.prefill([tokens], [None])
                second = time.perf_counter()
                late.append((woke - wake) * 1000.0)
                cold.append((first - woke) * 1000.0)
                warm.append((second - first) * 1000.0)
            excess = statistics.median(c - w for c, w in zip(cold, warm, strict=True))
            print(
                f"{time.strftime('%H:%M:%S')}  {statistics.median(late):11.3f} {max(late):9.2f}"
                f" {statistics.median(cold):8.3f} {statistics.median(warm):8.3f} {excess:10.3f}"
                f" {stolen(counters):6.0%}",
                flush=True,
            )
            time.sleep(args.pause)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
