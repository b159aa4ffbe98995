"""Does a batched tiny-gpt step cost what its sequences cost alone? Unequal lengths, timed.

    python bench/gen_batch_work.py [--threads 1] [--repeats 41] [--layers 2] [--d-model 64]

Why: the analytic-llm prices a step by its tokens and contexts, summed. A model that pads a
step's chunks to the longest one (or a decode's keys to the longest context) costs more than
that for unequal lengths, and no fit of that shape can price it. Each case is timed alone, one
sequence at a time, and together in one call (medians of ``--repeats``), then lone prompts of
growing length (a prefill's attention grows with the square).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
from common import machine

from batchtui.engine.models.tiny_gpt import TinyGPT, TinyState, build_tiny_gpt


def median_ms(call: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=41)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--d-model", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    params = {"layers": args.layers, "d_model": args.d_model, "heads": 4}
    model = build_tiny_gpt({**params, "max_context": 4096, "vocab": 1000}, 0, torch.device("cpu"))
    print(f"{machine()}, torch {torch.__version__}, {args.threads} thread(s), tiny-gpt {params}")
    generator = torch.Generator().manual_seed(0)

    def tokens(n: int) -> torch.Tensor:
        return torch.randint(0, 1000, (n,), generator=generator)

    with torch.inference_mode():
        run(model, tokens, args.repeats)


def run(model: TinyGPT, tokens: Callable[[int], torch.Tensor], repeats: int) -> None:
    (cached,) = model.prefill([tokens(496)], [None])
    cases: list[tuple[str, list[torch.Tensor], list[TinyState | None]]] = [
        ("later 16-token chunk (496 cached) + 480-token prompt", [tokens(16), tokens(480)],
         [cached, None]),
        ("prompts of 200, 350, 512, 800 tokens", [tokens(n) for n in (200, 350, 512, 800)],
         [None] * 4),
    ]  # fmt: skip
    print(f"\n{'case':54} {'alone ms':>9} {'together':>9} {'ratio':>6}")
    for name, chunks, states in cases:
        alone = sum(
            median_ms(lambda c=c, s=s: model.prefill([c], [s]), repeats)
            for c, s in zip(chunks, states, strict=True)
        )
        together = median_ms(lambda c=chunks, s=states: model.prefill(c, s), repeats)
        print(f"{name:54} {alone:9.2f} {together:9.2f} {together / alone:6.2f}")
    unequal = model.prefill([tokens(n) for n in (16, 64, 256, 600)], [None] * 4)
    alone = sum(median_ms(lambda s=s: model.decode([s]), repeats) for s in unequal)
    together = median_ms(lambda: model.decode(unequal), repeats)
    name = "decode of contexts 16, 64, 256, 600"
    print(f"{name:54} {alone:9.2f} {together:9.2f} {together / alone:6.2f}")
    for context in (256, 600):
        seqs = model.prefill([tokens(context) for _ in range(16)], [None] * 16)
        ms = median_ms(lambda s=seqs: model.decode(s), repeats)
        print(f"decode of 16 at context {context}: {ms:.2f} ms back to back", end="")
        # As in a mixed step: right after a long prefill (caches hold its work, not the KV).
        prompt = tokens(500)
        after = []
        for _ in range(repeats):
            model.prefill([prompt], [None])
            after.append(median_ms(lambda s=seqs: model.decode(s), 1))
        print(f", {statistics.median(after):.2f} ms right after a 500-token prefill")
    print("\nlone prompt: tokens ms")
    for n in (64, 128, 256, 512, 1024, 2048):
        prompt = tokens(n)
        ms = median_ms(lambda p=prompt: model.prefill([p], [None]), max(5, repeats // 4))
        print(f"  {n:5d} {ms:8.2f}")


if __name__ == "__main__":
    main()
