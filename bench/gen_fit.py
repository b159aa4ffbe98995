"""How well the fitted analytic-llm coefficients price tiny-gpt's real steps, held out.

    python bench/gen_fit.py [--threads N] [--layers 2 --d-model 64] [--held-out 24]

Profiles tiny-gpt as ``batchtui profile`` does (default measurement), then times steps of
seeded random shapes the fit never saw (a prefill chunk of 1-512 tokens and/or 1-32 decoding
sequences of 16-1024 context, run as the live runtime runs a step: a prefill call, then a
decode call) and reports the fit's R² and worst error on its own points, and the median and
p90 relative error on the held-out steps. Paste the output into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import torch
from common import machine

from batchtui.engine.gen.cost import StepCost
from batchtui.engine.models.gen_profiler import GenMeasurement, profile_generative, synchronize
from batchtui.engine.models.generative import load_generative
from batchtui.engine.models.spec import ModelSpec


@torch.inference_mode()
def held_out(
    model: object, cost: StepCost, device: torch.device, shapes: int, repeats: int
) -> list[float]:
    """Relative errors (fitted / measured - 1) of ``shapes`` random mixed, prefill or decode
    steps, each the median of ``repeats`` timings."""
    rng = random.Random(1)
    g = torch.Generator().manual_seed(1)
    errors = []
    for _ in range(shapes):
        chunk = rng.choice([0, rng.randint(1, 512)])
        seqs = rng.randint(1, 32) if chunk == 0 else rng.choice([0, rng.randint(1, 32)])
        context = rng.randint(16, 1024)
        states = model.prefill(  # type: ignore[attr-defined]
            [torch.randint(0, 1000, (context,), generator=g) for _ in range(seqs)], [None] * seqs
        ) if seqs else []  # fmt: skip
        times = []
        for _ in range(repeats + 1):
            tokens = [torch.randint(0, 1000, (chunk,), generator=g)] if chunk else []
            synchronize(device)
            started = time.perf_counter()
            if tokens:
                model.prefill(tokens, [None])  # type: ignore[attr-defined]
            if states:
                states = model.decode(states)  # type: ignore[attr-defined]
            synchronize(device)
            times.append((time.perf_counter() - started) * 1000.0)
        measured = statistics.median(times[1:])
        fitted = cost.step(chunk, seqs, seqs * (context + repeats // 2)) * 1000.0
        errors.append(fitted / measured - 1)
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's own)")
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--d-model", type=int, default=64)
    parser.add_argument("--held-out", type=int, default=24)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    spec = ModelSpec("tiny-gpt", {"layers": args.layers, "d_model": args.d_model})
    model = load_generative(spec, device, 0)
    started = time.perf_counter()
    profile = profile_generative(spec, device, GenMeasurement(), 0, None, model)
    took = time.perf_counter() - started
    errors = sorted(abs(e) for e in held_out(model, profile.cost, device, args.held_out, 5))
    print(machine(), f"torch {torch.__version__}, {torch.get_num_threads()} threads, {device}")
    print(f"tiny-gpt layers={args.layers} d_model={args.d_model}; profile took {took:.1f} s")
    c = profile.cost
    print(
        f"coefficients: step {c.step_ms:.4g} ms, prefill {c.prefill_ms_per_token:.4g} ms/token, "
        f"decode {c.decode_ms_per_seq:.4g} ms/seq, context {c.context_ms_per_token:.4g} ms/token"
    )
    worst = profile.worst_relative_error
    print(f"fit on its {len(profile.points)} points: R² {profile.r2:.3f}, worst {worst:.0%}")
    print(
        f"{len(errors)} held-out steps: median |error| {statistics.median(errors):.0%}, "
        f"p90 {errors[int(0.9 * (len(errors) - 1))]:.0%}, worst {errors[-1]:.0%}"
    )


if __name__ == "__main__":
    main()
