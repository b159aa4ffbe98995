"""How well the fitted analytic-llm coefficients price tiny-gpt's real steps, held out.

    python bench/gen_fit.py [--threads N] [--layers 2 --d-model 64] [--held-out 24]
        [--max-tokens 512] [--max-chunk 512]

Profiles tiny-gpt as ``batchtui profile`` does (default measurement; ``--max-tokens`` its
largest prefill), then times steps of seeded random shapes the fit never saw (a prefill chunk
of 1-``--max-chunk`` tokens and/or 1-32 decoding sequences of 16-1024 context, run as the live
runtime runs a step: a prefill call, then a decode call) and reports the fit's R² and worst
error on its own points, and the median and p90 relative error on the held-out steps, for the
fit and for the same points fitted without the prefill's square term (the fit before it).
Then lone prefills of 256-2,048 tokens (within the model's context) beside both fits' prices.
Paste the output into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import torch
from common import machine

from batchtui.engine.gen.cost import StepCost, attended
from batchtui.engine.gen.step_fit import fit_step_cost
from batchtui.engine.models.gen_profiler import GenMeasurement, profile_generative, synchronize
from batchtui.engine.models.generative import load_generative
from batchtui.engine.models.spec import ModelSpec


@torch.inference_mode()
def held_out(
    model: object,
    costs: list[StepCost],
    device: torch.device,
    shapes: int,
    repeats: int,
    max_chunk: int,
) -> list[list[float]]:
    """Per cost, the relative errors (fitted / measured - 1) of ``shapes`` random mixed,
    prefill or decode steps, each the median of ``repeats`` timings."""
    rng = random.Random(1)
    g = torch.Generator().manual_seed(1)
    out: list[list[float]] = [[] for _ in costs]
    for _ in range(shapes):
        chunk = rng.choice([0, rng.randint(1, max_chunk)])
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
        for cost, errors in zip(costs, out, strict=True):
            fitted = cost.step(chunk, seqs, seqs * (context + repeats // 2), attended(chunk))
            errors.append(fitted * 1000.0 / measured - 1)
    return out


@torch.inference_mode()
def lone_prefills(model: object, device: torch.device, lengths: list[int]) -> list[float]:
    """The median of 7 timings of a lone prefill of each length (ms), each after a decode."""
    g = torch.Generator().manual_seed(2)
    medians = []
    for n in lengths:
        times = []
        for _ in range(8):
            model.decode(model.prefill([torch.randint(0, 1000, (8,), generator=g)], [None]))  # type: ignore[attr-defined]
            tokens = torch.randint(0, 1000, (n,), generator=g)
            synchronize(device)
            started = time.perf_counter()
            model.prefill([tokens], [None])  # type: ignore[attr-defined]
            synchronize(device)
            times.append((time.perf_counter() - started) * 1000.0)
        medians.append(statistics.median(times[1:]))
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's own)")
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--d-model", type=int, default=64)
    parser.add_argument("--held-out", type=int, default=24)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--max-tokens", type=int, default=512, help="the profile's largest prefill")
    parser.add_argument("--max-chunk", type=int, default=512, help="held-out prefills up to this")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    spec = ModelSpec("tiny-gpt", {"layers": args.layers, "d_model": args.d_model})
    model = load_generative(spec, device, 0)
    started = time.perf_counter()
    measurement = GenMeasurement(max_tokens=args.max_tokens)
    profile = profile_generative(spec, device, measurement, 0, None, model)
    took = time.perf_counter() - started
    line = fit_step_cost(profile.points, square=False)
    costs = {"fit": profile.cost, "no square": line.cost}
    errors = held_out(model, list(costs.values()), device, args.held_out, 5, args.max_chunk)
    print(machine(), f"torch {torch.__version__}, {torch.get_num_threads()} threads, {device}")
    print(f"tiny-gpt layers={args.layers} d_model={args.d_model}; profile took {took:.1f} s")
    for (name, c), fit, held in zip(costs.items(), (profile, line), errors, strict=True):
        held = sorted(abs(e) for e in held)
        print(
            f"{name:<9}: step {c.step_ms:.4g} ms, prefill {c.prefill_ms_per_token:.4g} ms/token, "
            f"square {c.prefill_ms_per_token_sq:.3g} ms/token², decode {c.decode_ms_per_seq:.4g} "
            f"ms/seq, context {c.context_ms_per_token:.4g} ms/token"
        )
        print(
            f"           on its {len(profile.points)} points R² {fit.r2:.3f}, worst "
            f"{fit.worst_relative_error:.0%}; {len(held)} held-out steps: median |error| "
            f"{statistics.median(held):.0%}, p90 {held[int(0.9 * (len(held) - 1))]:.0%}, worst "
            f"{held[-1]:.0%}"
        )
    context = int(spec.validate()["max_context"])
    lengths = [n for n in (256, 512, 1024, 2048) if n <= context]
    print("lone prefill (ms): tokens, measured, fit, no square")
    for n, ms in zip(lengths, lone_prefills(model, device, lengths), strict=True):
        prices = [c.step(n, 0, 0, attended(n)) * 1000.0 for c in costs.values()]
        print(f"  {n:5d} {ms:8.2f} {prices[0]:8.2f} {prices[1]:8.2f}")


if __name__ == "__main__":
    main()
