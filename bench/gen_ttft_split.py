"""Where does live TTFT part from the simulator's, request by request, on tiny-gpt?

    python bench/gen_ttft_split.py [--seconds 16] [--rounds 3]
        [--lanes dynamic,predictive,continuous]

The set-up of ``gen_live_vs_sim.py`` (same model, load, lanes and fits before and after each
live run). Each request is put in one of two classes by the simulator: *at once* when its
simulated TTFT is no more than a lone prefill of its prompt after idle (it started as it
arrived, on an idle device), *queued* otherwise. Per lane and class: how many, TTFT p50 live
and sim, and the median of each request's live - sim difference. A lone request's price is
then read apart from the queueing it may wait behind. ``--parts`` also times, for the live
lone prefills that started at once after more than 5 ms of idle, how late the model's
prefill call began after the scheduled arrival and how long the call took (medians).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import statistics
import time
from typing import Any

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
PARTS_IDLE_S = 0.005  # --parts: a lone prefill after this much idle
PARTS_LAG_S = 0.001  # --parts: that began within this of its arrival (it did not queue)


class PrefillCalls:
    """``LiveModel.prefill`` wrapped while entered: each call's start, end and requests."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, float, list[int]]] = []

    def __enter__(self) -> PrefillCalls:
        self._original = original = LiveModel.prefill
        calls = self.calls

        def prefill(model: LiveModel, chunks: Any, states: Any) -> Any:
            start = time.perf_counter()
            out = original(model, chunks, states)
            calls.append((start, time.perf_counter(), [c[0] for c in chunks]))
            return out

        LiveModel.prefill = prefill  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        LiveModel.prefill = self._original  # type: ignore[method-assign]

    def lone_after_idle(self, first: np.ndarray, arrived: np.ndarray) -> tuple[float, float]:
        """Median ms from arrival to the call, and of the call, over lone prefills that
        started at once after idle (``first``: each request's first-token time, which the
        lane takes right after the call, so it places the call on the schedule's clock)."""
        lags, calls, prev_end = [], [], -math.inf
        for start, end, rids in self.calls:
            if len(rids) == 1:
                origin = end - first[rids[0]]
                lag = start - origin - arrived[rids[0]]
                if start - prev_end > PARTS_IDLE_S and lag < PARTS_LAG_S:
                    lags.append(lag * 1000.0)
                    calls.append((end - start) * 1000.0)
            prev_end = end
        if not lags:  # a load with no lone request after idle
            return math.nan, math.nan
        return statistics.median(lags), statistics.median(calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=16.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lanes", default="dynamic,predictive,continuous")
    parser.add_argument("--parts", action="store_true", help="also time the live lone prefills")
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
            prefills = PrefillCalls()
            with prefills if args.parts else contextlib.nullcontext():
                _, live = serve_live(lane, model, requests)
            after = fit_cost(module, device, r)
            if args.parts:
                lag, call = prefills.lone_after_idle(live.first, requests.times)
                print(f"{r:>5} {lane.name:<11} lone prefills after idle: call {lag:.3f} ms "
                      f"after the arrival, the call {call:.3f} ms")  # fmt: skip
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
