"""Where does live TTFT part from the simulator's, request by request, on tiny-gpt?

    python bench/gen_ttft_split.py [--seconds 16] [--rounds 3]
        [--lanes dynamic,predictive,continuous]

The set-up of ``gen_live_vs_sim.py`` (same model, load, lanes and fits before and after each
live run). Each request is put in one of two classes by the simulator: *at once* when its
simulated TTFT is no more than a lone prefill of its prompt after idle (it started as it
arrived, on an idle device), *queued* otherwise. Per lane and class: how many, TTFT p50 live
and sim, and the median of each request's live - sim difference. A lone request's price is
then read apart from the queueing it may wait behind.
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
import torch
from common import machine
from gen_live_vs_sim import LANES, MODEL, _mean, fit_cost

from batchtui.engine.gen import gen_requests
from batchtui.engine.gen.live_model import LiveModel
from batchtui.engine.gen.live_run import serve_live, warm_up
from batchtui.engine.gen.run import serve
from batchtui.engine.load import LoadSpec
from batchtui.engine.models.generative import load_generative

AT_ONCE_SLACK_S = 50e-6  # a simulated TTFT this close to the lone price started at once


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=16.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lanes", default="dynamic,predictive,continuous")
    args = parser.parse_args()
    torch.set_num_threads(1)
    device = torch.device("cpu")
    module = load_generative(MODEL, device)
    lanes = [lane for lane in LANES if lane.name in args.lanes.split(",")]
    load = LoadSpec(rate_rps=4.0, prompt_tokens=64.0, output_tokens=32.0, prompt_cv=0.5,
                    output_cv=0.5)  # fmt: skip
    print(f"machine: {machine()}, torch {torch.__version__}, 1 torch thread; {MODEL.to_dict()}")
    print(f"{'round':>5} {'lane':<11} {'class':<8} {'n':>3} {'TTFT p50 sim':>12} {'live':>7} "
          f"{'live-sim p50 ms':>15}   fit restart ms")  # fmt: skip
    pooled: dict[tuple[str, str], list[float]] = {}
    for r in range(args.rounds):
        requests = gen_requests(load, args.seconds, seed=r)
        model = LiveModel(module, device, requests, seed=r)
        warm_up(model, requests)
        for lane in lanes:
            before = fit_cost(module, device, r)
            _, live = serve_live(lane, model, requests)
            after = fit_cost(module, device, r)
            cost = _mean(before, after)
            _, sim = serve(lane, cost, requests)
            arrived = requests.times
            ttft_live, ttft_sim = live.first - arrived, sim.first - arrived
            lone = np.array([cost.step(int(p), 0, 0) for p in requests.prompt])
            lone += cost.restart_s(float("inf"))
            at_once = ttft_sim <= lone + AT_ONCE_SLACK_S
            for name, mask in (("at once", at_once), ("queued", ~at_once)):
                if not mask.any():
                    continue
                diff = (ttft_live[mask] - ttft_sim[mask]) * 1000.0
                pooled.setdefault((lane.name, name), []).extend(diff.tolist())
                print(
                    f"{r:>5} {lane.name:<11} {name:<8} {int(mask.sum()):>3} "
                    f"{np.median(ttft_sim[mask]) * 1000:12.2f} "
                    f"{np.median(ttft_live[mask]) * 1000:7.2f} {np.median(diff):15.2f}   "
                    f"{before.idle_restart_ms:.2f} -> {after.idle_restart_ms:.2f}"
                )
    print("\npooled over rounds, live - sim TTFT per request (ms): median [p25, p75], n")
    for (lane, name), diffs in pooled.items():
        q = statistics.quantiles(diffs, n=4) if len(diffs) > 1 else [diffs[0]] * 3
        print(f"{lane:<11} {name:<8} {q[1]:6.2f} [{q[0]:6.2f}, {q[2]:6.2f}]  {len(diffs)}")


if __name__ == "__main__":
    main()
