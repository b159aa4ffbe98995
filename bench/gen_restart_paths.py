"""Does the profile's after-idle step cost what a live lane's first step after idle costs?

    cd bench && python gen_restart_paths.py [--rounds 6] [--threads 1]

Why: the simulator charges a step after idle ``idle_restart_ms`` (the profile's after-idle
prefills over the fit's price); live, a request that arrives at an idle lane also pays the
lane's wake-up and the runtime's own cold path (its token slicing and inference-mode entry:
0.27 ms after 100 ms idle against 0.06 ms back to back for a model that does no work on the
2-core AMD VM: ``gen_runtime_overhead.py``). Each round, interleaved on tiny-gpt (the
bench's model): the profile's after-idle timings (``measure_idle_steps``, as ``profile``
takes them) and a real live lane (static, one request a batch, so each is dispatched on
arrival) serving lone requests 100 ms apart with the same prompt sizes. Prints the medians
of each prompt size: the live lane's TTFT, the profile's after-idle step, and its paired
back-to-back step.
"""

from __future__ import annotations

import argparse
import os
import statistics

import numpy as np
import torch
from common import machine
from gen_live_vs_sim import MODEL

from batchtui.engine.gen import GenRequests
from batchtui.engine.gen.live_model import LiveModel
from batchtui.engine.gen.live_request import serve_request_level_live
from batchtui.engine.gen.live_run import warm_up
from batchtui.engine.models.gen_profiler import (
    IDLE_AFTER_DECODES,
    IDLE_PREFILL_TOKENS,
    GenMeasurement,
    measure_idle_steps,
)
from batchtui.engine.models.generative import load_generative
from batchtui.engine.policies import make_policy

GAP_S = 0.1
"""Between two lone requests, as the profile's idle_gap_ms."""
PER_ROUND = 4
"""Timings of each prompt size per round, on the live lane and in the profile alike."""


def live_ttft(module: object, device: torch.device, seed: int) -> dict[int, list[float]]:
    """TTFT (ms) of lone requests served by a live static lane, by prompt size."""
    sizes = [t for _ in range(PER_ROUND) for t in IDLE_PREFILL_TOKENS]
    n = len(sizes)
    requests = GenRequests(
        np.arange(n) * GAP_S, np.array(sizes), np.full(n, IDLE_AFTER_DECODES + 1)
    )
    model = LiveModel(module, device, requests, seed)
    warm_up(model, requests)
    policy = make_policy("static", max_batch_size=1, max_wait_ms=0.0)
    timeline = serve_request_level_live(policy, model, requests)
    ttft = (timeline.first - requests.times) * 1000.0
    return {
        t: [float(x) for x, s in zip(ttft, sizes, strict=True) if s == t]
        for t in IDLE_PREFILL_TOKENS
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device("cpu")
    module = load_generative(MODEL, device)
    print(f"machine: {machine()}, {args.threads} torch thread(s)")
    measurement = GenMeasurement(idle_gap_ms=GAP_S * 1000.0, idle_repeats=PER_ROUND)
    ways: dict[str, dict[int, list[float]]] = {
        k: {t: [] for t in IDLE_PREFILL_TOKENS}
        for k in ("live lane TTFT", "profile after idle", "back to back")
    }
    for r in range(args.rounds):
        live = live_ttft(module, device, r)
        for p in measure_idle_steps(module, device, measurement, seed=r):  # type: ignore[arg-type]
            ways["profile after idle"][p.prefill_tokens].append(p.median_ms)
            ways["back to back"][p.prefill_tokens].append(p.back_to_back_ms)
        for t, ms in live.items():
            ways["live lane TTFT"][t].append(statistics.median(ms))
        print(f"# round {r} at load average {os.getloadavg()[0]:.2f}")
    print(f"medians over {args.rounds} rounds of each round's median, ms")
    print(f"{'prompt':>7} " + " ".join(f"{k:>18}" for k in ways))
    for t in IDLE_PREFILL_TOKENS:
        print(f"{t:>7} " + " ".join(f"{statistics.median(v[t]):>18.3f}" for v in ways.values()))


if __name__ == "__main__":
    main()
