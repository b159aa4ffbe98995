"""Is tiny-gpt's step after idle a constant surcharge, whatever the prompt? Timed by size.

    python bench/gen_idle_sizes.py [--threads 1] [--sizes 16,64,256,512] [--passes 2]

Why: the profile fits ``idle_restart_ms`` from 16- and 64-token prefills after idle, and the
simulator adds it to any step after idle. A lone 512-token prompt after idle cost 0.7 ms more
live than priced (bench/RESULTS.md): either the surcharge grows with the prompt, or the fit
prices the long prefill itself low. This profiles tiny-gpt as ``batchtui profile`` does (up
to the largest size), then times one-sequence prefills of each size after 100 ms of idle and
back to back (the profiler's own ``measure_idle_steps``), and prints both beside the fit.
"""

from __future__ import annotations

import argparse

import torch
from common import machine

from batchtui.engine.gen.step_profile import price_ms
from batchtui.engine.models import gen_profiler
from batchtui.engine.models.generative import load_generative
from batchtui.engine.models.spec import ModelSpec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--sizes", default="16,64,256,512")
    parser.add_argument("--passes", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    sizes = tuple(int(s) for s in args.sizes.split(","))
    spec, device = ModelSpec("tiny-gpt", {"max_context": 4096}), torch.device("cpu")
    model = load_generative(spec, device, 0)
    measurement = gen_profiler.GenMeasurement(repeats=5, max_tokens=max(sizes), max_seqs=16)
    profile = gen_profiler.profile_generative(spec, device, measurement, model=model)
    cost = profile.cost
    print(f"{machine()}, torch {torch.__version__}, {args.threads} thread(s)")
    fitted_at = " and ".join(str(t) for t in gen_profiler.IDLE_PREFILL_TOKENS)
    print(f"fit: idle_restart_ms {cost.idle_restart_ms:.3f} (from {fitted_at}-token prefills)")
    print(f"{'tokens':>6} {'after idle':>10} {'back to back':>12} {'fit':>6} "
          f"{'idle - b2b':>10} {'idle - fit':>10} {'b2b / fit':>9}")  # fmt: skip
    for _ in range(args.passes):
        for p in gen_profiler.measure_idle_steps(model, device, measurement, sizes=sizes):
            fit = price_ms(cost, p)
            print(
                f"{p.prefill_tokens:6d} {p.median_ms:10.2f} {p.back_to_back_ms:12.2f} "
                f"{fit:6.2f} {p.median_ms - p.back_to_back_ms:+10.2f} "
                f"{p.median_ms - fit:+10.2f} {p.back_to_back_ms / fit:9.2f}"
            )


if __name__ == "__main__":
    main()
