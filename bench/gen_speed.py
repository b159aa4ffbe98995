"""Token-level simulator speed: simulated output tokens per second of wall time, per lane,
over the whole Mooncake conversation trace (12,031 requests, 4.1M output tokens).

    python bench/gen_speed.py [--trace PATH] [--repeats 3] [--no-first-call]

The requests are read once (not timed); each lane's run over all of them is timed, drain
and per-request figures included (wall = run + figures, each a median). Default knobs and
the default analytic-llm step cost.
The continuous lane is timed on both loops: the compiled kernel (what headless runs use
when numba is installed; warmed first, so JIT compilation is not in its figure) and the
pure-Python reference. Then the kernel's one-off cost in a fresh process: numba's import
and the first call, compiling from scratch and loading the compiled cache.
Reports the median wall time over repeats; paste the output into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial

from common import machine

from batchtui.engine.gen import Continuous, GenRequests, StepCost, gen_requests
from batchtui.engine.gen.continuous_lane import kernel_name, run_continuous, run_continuous_fast
from batchtui.engine.gen.figures import lane_figures
from batchtui.engine.gen.run import DEFAULT_GEN_LANES, serve
from batchtui.engine.gen.timeline import Timeline
from batchtui.engine.load import LoadSpec
from batchtui.engine.scenario import LaneSpec

MOONCAKE = "/work/shared/traces/conversation_trace.jsonl"
FIRST_CALL = """
import time
import numpy as np
from batchtui.engine.gen import Continuous, GenRequests, StepCost
from batchtui.engine.gen.continuous_lane import run_continuous_fast
one = GenRequests(np.zeros(1), np.ones(1, np.int64), np.ones(1, np.int64))
started = time.perf_counter()
run_continuous_fast(Continuous(), StepCost(), one)  # imports numba, compiles or loads
print(time.perf_counter() - started)
"""


def timed(run: Callable[[], tuple[dict, Timeline]], kind: str, requests: GenRequests,
          repeats: int) -> tuple[float, float, dict, Timeline]:  # fmt: skip
    """Median wall seconds of ``run`` and of the lane's figures after it; the last figures."""
    runs, figure_walls = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        described, tl = run()
        ran = time.perf_counter()
        figures = lane_figures(kind, described, requests, tl)
        runs.append(ran - started)
        figure_walls.append(time.perf_counter() - ran)
    return statistics.median(runs), statistics.median(figure_walls), figures, tl


def python_reference(requests: GenRequests) -> tuple[dict, Timeline]:
    """The continuous lane on the pure-Python reference loop."""
    policy = Continuous()
    return policy.to_json(), run_continuous(policy, StepCost(), requests)


def first_call_s(cache_dir: str) -> float:
    """Seconds a fresh process takes to import numba and make its first kernel call."""
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    out = subprocess.run([sys.executable, "-c", FIRST_CALL], env=env, check=True,
                         capture_output=True, text=True)  # fmt: skip
    return float(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trace", default=MOONCAKE)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-first-call", action="store_true", help="skip the JIT cost runs")
    args = parser.parse_args()
    requests = gen_requests(LoadSpec(pattern="trace", trace=args.trace), 1e12, seed=0)
    print(machine(), f"· continuous kernel: {kernel_name()}")
    print(
        f"{args.trace}: {len(requests):,} requests, {int(requests.output.sum()):,} output "
        f"tokens; median of {args.repeats}"
    )
    print(
        f"{'lane':<11} {'loop':<7} {'wall s':>8} {'(run':>7} {'figures)':>8} "
        f"{'sim out tok/s per wall s':>25} {'steps':>9} {'preempt':>8}"
    )
    run_continuous_fast(Continuous(), StepCost(), requests)  # compile (or load) the kernel
    for kind in DEFAULT_GEN_LANES:
        loops: dict[str, Callable[[], tuple[dict, Timeline]]] = {
            kernel_name() if kind == "continuous" else "numpy":
                partial(serve, LaneSpec(kind, kind), StepCost(), requests),
        }  # fmt: skip
        if kind == "continuous":
            loops["python"] = partial(python_reference, requests)
        for loop, run in loops.items():
            ran, figured, figures, tl = timed(run, kind, requests, args.repeats)
            wall = ran + figured
            rate = figures["output_tokens"] / wall
            print(
                f"{kind:<11} {loop:<7} {wall:>8.3f} {ran:>7.3f} {figured:>8.3f} {rate:>25,.0f} "
                f"{figures['steps']:>9,} {tl.preemptions:>8,}"
            )
    if not args.no_first_call and kernel_name() == "numba":
        with tempfile.TemporaryDirectory() as cache:
            compile_s = first_call_s(cache)
            cached_s = first_call_s(cache)
        print(
            f"kernel one-off cost in a fresh process (numba import + first call): "
            f"{compile_s:.1f} s compiling, {cached_s:.2f} s from the cache"
        )


if __name__ == "__main__":
    main()
