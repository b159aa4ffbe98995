"""Token-level simulator speed: simulated output tokens per second of wall time, per lane,
over the whole Mooncake conversation trace (12,031 requests, 4.1M output tokens).

    python bench/gen_speed.py [--trace PATH] [--repeats 3]

The requests are read once (not timed); each lane's run over all of them is timed, drain
and per-request figures included. Default knobs and the default analytic-llm step cost.
Reports the median wall time over repeats; paste the output into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import machine

from batchtui.engine.gen import StepCost, gen_requests
from batchtui.engine.gen.figures import lane_figures
from batchtui.engine.gen.run import DEFAULT_GEN_LANES, serve
from batchtui.engine.load import LoadSpec
from batchtui.engine.scenario import LaneSpec

MOONCAKE = "/work/shared/traces/conversation_trace.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trace", default=MOONCAKE)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    requests = gen_requests(LoadSpec(pattern="trace", trace=args.trace), 1e12, seed=0)
    print(machine())
    print(
        f"{args.trace}: {len(requests):,} requests, {int(requests.output.sum()):,} output "
        f"tokens; median of {args.repeats}"
    )
    print(
        f"{'lane':<11} {'wall s':>8} {'sim out tok/s per wall s':>25} {'steps':>9} {'preempt':>8}"
    )
    for kind in DEFAULT_GEN_LANES:
        walls = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            described, tl = serve(LaneSpec(kind, kind), StepCost(), requests)
            figures = lane_figures(kind, described, requests, tl)
            walls.append(time.perf_counter() - started)
        wall = statistics.median(walls)
        rate = figures["output_tokens"] / wall
        print(f"{kind:<11} {wall:>8.3f} {rate:>25,.0f} {figures['steps']:>9,} {tl.preemptions:>8,}")


if __name__ == "__main__":
    main()
