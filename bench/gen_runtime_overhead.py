"""The generative live runtime's own cost: each lane served live on a model that does no work.

    cd bench && python gen_runtime_overhead.py [--seconds 8]

Why: live TTFT and TPOT include what the runtime does beside the model (waking for an
arrival, admitting, scheduling, slicing the prompt, entering inference mode, logging tokens),
which the simulator does not price. With a model whose calls return at once (the bench's
``SleepModel`` at zero cost), live against the simulator on the same requests leaves exactly
that: each lane's TTFT excess (quantiles, ms) and its inter-token gap per step. Then the
cold path: one ``LiveModel.prefill`` of that model right after 100 ms of idle against back
to back (medians of 30), which is where the TTFT excess goes on a VM whose caches go cold.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch
from common import machine
from gen_live_vs_sim import LANES, SleepModel

from batchtui.engine.gen import StepCost, gen_requests
from batchtui.engine.gen.continuous import Continuous
from batchtui.engine.gen.continuous_lane import run_continuous
from batchtui.engine.gen.live_model import LiveModel
from batchtui.engine.gen.live_run import serve_live
from batchtui.engine.gen.request_lane import run_request_level
from batchtui.engine.gen.run import batcher
from batchtui.engine.live.clock import WallClock, tighten_timer_slack
from batchtui.engine.load import LoadSpec

ZERO = StepCost(step_ms=0.0, prefill_ms_per_token=0.0, decode_ms_per_seq=0.0,
                context_ms_per_token=0.0)  # fmt: skip
CPU = torch.device("cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    load = LoadSpec(rate_rps=4.0, prompt_tokens=64.0, output_tokens=32.0, prompt_cv=0.5,
                    output_cv=0.5)  # fmt: skip
    requests = gen_requests(load, args.seconds, 0)
    print(f"machine: {machine()}, load average {os.getloadavg()[0]:.2f}")
    print(f"{len(requests)} requests (Poisson 4 req/s, prompt 64 / output 32), a zero-work model")
    print(f"{'lane':<11} {'TTFT excess p10 / p50 / p90 ms':>32} {'gap a step p50 us':>18}")
    for lane in LANES:
        model = LiveModel(SleepModel(ZERO), CPU, requests, 0)
        _, live = serve_live(lane, model, requests)
        policy = batcher(lane)
        sim = (
            run_continuous(policy, ZERO, requests)
            if isinstance(policy, Continuous)
            else run_request_level(policy, ZERO, requests)
        )
        excess = (live.first - sim.first) * 1000.0
        q = np.nanpercentile(excess, [10, 50, 90])
        gap = np.median(live.itl) * 1e6
        print(f"{lane.name:<11} {q[0]:>14.3f} / {q[1]:.3f} / {q[2]:.3f} {gap:>18.1f}")
    cold_path(requests)


def cold_path(requests: object) -> None:
    """The runtime's model call for the zero-work model, after idle and back to back."""
    tighten_timer_slack()
    model = LiveModel(SleepModel(ZERO), CPU, requests, 0)  # type: ignore[arg-type]
    clock = WallClock()
    after, back = [], []
    for i in range(30):
        clock.sleep_until(clock.now() + 0.1)
        a = time.perf_counter()
        model.prefill([(i, 0, 16)], [None])
        b = time.perf_counter()
        model.prefill([(i, 0, 16)], [None])
        after.append((b - a) * 1e6)
        back.append((time.perf_counter() - b) * 1e6)
    idle, b2b = statistics.median(after), statistics.median(back)
    print(f"LiveModel.prefill of the zero-work model: p50 {idle:.1f} us after 100 ms idle, "
          f"{b2b:.1f} us back to back")  # fmt: skip


if __name__ == "__main__":
    main()
