"""Output tokens/s of each lane at the same p99 TTFT, on the Azure conversation trace.

    python bench/gen_azure.py [--requests 4000] [--targets-ms 2000,10000,30000,60000]

The trace's first N requests are replayed at speed factors 1/256 ... 2 in steps of sqrt(2)
(the same arrivals compressed). For each lane and each p99 TTFT target, the lane's figure is its
output tokens/s at the highest speed whose p99 TTFT stays within the target; the continuous
lane's advantage is its figure over the best request-level lane's. Default knobs and the
default analytic-llm step cost (DistServe's OPT-13B / A100 fit).
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from common import machine

from batchtui.engine.gen import GenRequests, StepCost, gen_requests
from batchtui.engine.gen.figures import lane_figures
from batchtui.engine.gen.run import DEFAULT_GEN_LANES, serve
from batchtui.engine.load import LoadSpec
from batchtui.engine.scenario import LaneSpec
from batchtui.presets import builtin_dir

AZURE = builtin_dir() / "traces" / "AzureLLMInferenceTrace_conv.csv"


def at_speed(requests: GenRequests, speed: float) -> GenRequests:
    """The same requests arriving ``speed`` times faster."""
    return GenRequests(requests.times / speed, requests.prompt, requests.output)


def figures(kind: str, requests: GenRequests) -> dict[str, float]:
    described, tl = serve(LaneSpec(kind, kind), StepCost(), requests)
    lane = lane_figures(kind, described, requests, tl)
    return {"p99": lane["ttft_ms"]["p99"] or math.inf, "tok_s": lane["output_tokens_per_s"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--targets-ms", default="2000,10000,30000,60000")
    args = parser.parse_args()
    targets = [float(t) for t in args.targets_ms.split(",")]
    whole = gen_requests(LoadSpec(pattern="trace", trace=str(AZURE)), 1e12, seed=0)
    n = min(args.requests, len(whole))
    requests = GenRequests(whole.times[:n], whole.prompt[:n], whole.output[:n])
    base_rps = n / requests.times[-1]
    print(machine())
    print(
        f"Azure conv trace, first {n:,} requests ({base_rps:.2f} req/s at 1x; prompt mean "
        f"{np.mean(requests.prompt):,.0f}, output mean {np.mean(requests.output):,.0f} tokens)"
    )
    speeds = [2.0 ** (k / 2) for k in range(-16, 3)]  # 1/256 .. 2, in steps of sqrt(2)
    curves = {kind: [(s, figures(kind, at_speed(requests, s))) for s in speeds]
              for kind in DEFAULT_GEN_LANES}  # fmt: skip
    print("p99 TTFT ms by speed (req/s):")
    print("  " + " ".join(f"{s * base_rps:>9.3f}" for s in speeds))
    for kind, curve in curves.items():
        print(f"  {kind:<11}" + " ".join(f"{got['p99']:>9,.0f}" for _, got in curve))
    print("output tokens/s at the highest load within each p99 TTFT target:")
    print(f"  {'target ms':>9} " + " ".join(f"{k:>11}" for k in DEFAULT_GEN_LANES) + "  advantage")
    for target in targets:
        best = {
            kind: max((got["tok_s"] for _, got in curve if got["p99"] <= target), default=0.0)
            for kind, curve in curves.items()
        }
        request_level = max(v for k, v in best.items() if k != "continuous")
        factor = f"{best['continuous'] / request_level:.2f}x" if request_level else "-"
        row = " ".join(f"{best[k]:>11,.0f}" for k in DEFAULT_GEN_LANES)
        print(f"  {target:>9,.0f} {row}  {factor:>9}")


if __name__ == "__main__":
    main()
