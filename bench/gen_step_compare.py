"""One request-level lane live on tiny-gpt and simulated on the same requests, batch by batch.

    python bench/gen_step_compare.py [--lane dynamic] [--seconds 8] [--seed 0] [--threads 1]

Why: a p50 ratio says that live and sim differ, not which term. Both runtimes make the same
plans given the same times (tests/gen/test_live_runtime.py), so batch ``b`` live and batch
``b`` simulated can be read side by side: when it was dispatched, how many it took, how long
its prefill (dispatch to first token) and its whole generation took, and how long its first
request queued. The cost is fitted as ``gen_live_vs_sim.py`` fits it, just before the run.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import numpy as np
import torch
from common import machine
from gen_live_vs_sim import LANES, MODEL, fit_cost

from batchtui.engine.gen import gen_requests
from batchtui.engine.gen.live_model import LiveModel
from batchtui.engine.gen.live_request import serve_request_level_live
from batchtui.engine.gen.live_run import warm_up
from batchtui.engine.gen.request_lane import run_request_level
from batchtui.engine.gen.run import batcher
from batchtui.engine.load import LoadSpec
from batchtui.engine.models.generative import load_generative

IDLE_S = 0.001
"""A request dispatched within this of its arrival found the device idle (did not queue)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lane", default="dynamic", choices=("static", "dynamic", "predictive"))
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rate", type=float, default=4.0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device("cpu")
    module = load_generative(MODEL, device)
    load = LoadSpec(rate_rps=args.rate, prompt_tokens=64, output_tokens=32,
                    prompt_cv=0.5, output_cv=0.5)  # fmt: skip
    requests = gen_requests(load, args.seconds, seed=args.seed)
    model = LiveModel(module, device, requests, seed=args.seed)
    warm_up(model, requests)
    (spec,) = (lane for lane in LANES if lane.name == args.lane)
    cost = fit_cost(module, device, args.seed)
    print(f"machine: {machine()}, {args.threads} torch thread(s), load average {_load()}")
    print(f"lane {spec.name} {spec.params}, {len(requests)} requests, fit {cost}")
    logs: list[Any] = []
    live = serve_request_level_live(batcher(spec), model, requests, logs.append)
    sim = run_request_level(batcher(spec), cost, requests, logs.append)
    lv, sm = logs
    print(f"batches live {len(lv.size)}, sim {len(sm.size)}; same sizes: "
          f"{np.array_equal(lv.size, sm.size)}; load average {_load()}")  # fmt: skip
    print(" b  size l/s   dispatch ms l/s      prefill ms l/s   generation ms l/s  queued ms l/s")
    for b in range(min(len(lv.size), len(sm.size))):
        cells = []
        for log, timeline in ((lv, live), (sm, sim)):
            first = int(np.sum(log.size[:b]))
            cells.append((
                log.size[b], log.dispatch[b] * 1e3,
                (timeline.first[first] - log.dispatch[b]) * 1e3,
                (log.finish[b] - log.dispatch[b]) * 1e3,
                (log.dispatch[b] - requests.times[first]) * 1e3,
            ))  # fmt: skip
        (n, d, p, g, q), (n2, d2, p2, g2, q2) = cells
        print(f"{b:2d} {n:4d}/{n2:<4d} {d:8.1f}/{d2:<8.1f} {p:7.2f}/{p2:<7.2f} "
              f"{g:8.1f}/{g2:<8.1f} {q:6.1f}/{q2:<6.1f}")  # fmt: skip
    for name, log, timeline in (("live", lv, live), ("sim", sm, sim)):
        ttft = (timeline.first - requests.times) * 1e3
        waited = np.repeat(log.dispatch, log.size) - requests.times > IDLE_S
        alone = ttft[~waited]
        print(f"{name:<4} TTFT p50 {np.median(ttft):7.2f} ms; {len(alone)} of {len(ttft)} "
              f"requests dispatched on arrival, their TTFT p50 "
              f"{np.median(alone) if len(alone) else float('nan'):6.2f} ms")  # fmt: skip


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
