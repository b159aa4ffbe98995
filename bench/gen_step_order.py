"""Does a tiny-gpt step take longer right after a different kind of step? Paired, on one CPU.

    python bench/gen_step_order.py [--blocks 40] [--threads 1]

Why: ``batchtui profile --model tiny-gpt`` interleaves its shapes round by round, so each
timed step used to follow the previous shape (the first decode of a round followed a
256-token prefill), while a live runtime's decode follows the running sequences' decode. Each
block times the same steps right after each kind of predecessor, three times each, so the
machine's drift (about 15% within seconds on a shared VM) falls on every row alike; the
medians over all blocks are printed, and the share of blocks where a lone decode after a
large prefill was slower than after a decode. The last three rows are what the profile's
interleaving does to a lone decode: the larger shapes (a 16-sequence decode at 600+ context and
a 256-token prefill), then the untimed decodes the profile runs before it: one of another
sequence (``lead_decodes=1``, as until 2026-12-03), one of the timed step's own sequence, or
three of another (``lead_decodes=3``, as now).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import torch
from common import machine
from gen_live_vs_sim import MODEL

from batchtui.engine.models.generative import load_generative

PAIRS = ("decode 1 | prefill 256", "decode 1 | decode 4", "decode 1 | decode 1",
         "prefill 64 | decode 1", "prefill 64 | prefill 64", "prefill 64 | prefill 256",
         "decode 4 | decode 4", "decode 4 | prefill 256",
         "decode 1 | large, another's decode", "decode 1 | large, its own decode",
         "decode 1 | large, another's 3 decodes")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=40)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cpu = torch.device("cpu")
    model = load_generative(MODEL, cpu)
    g = torch.Generator().manual_seed(0)

    def prompt(n: int) -> torch.Tensor:
        return torch.randint(0, model.vocab, (n,), generator=g)

    def timed(step: Callable[..., Any], *args: Any) -> tuple[Any, float]:
        started = time.perf_counter()
        out = step(*args)
        return out, (time.perf_counter() - started) * 1000.0

    print(f"machine: {machine()}, torch {torch.__version__}, {args.threads} torch thread(s)")
    print(f"model: {MODEL.to_dict()}; load average {os.getloadavg()[0]:.2f}")
    ms: dict[str, list[float]] = {p: [] for p in PAIRS}
    slower = 0
    large: list[Any] = []

    def after_large(lead: list[Any], decodes: int) -> list[Any]:
        """The profile's larger shapes (a 16-sequence decode at 600+ context, prefilled again
        before it passes the limit, and a 256-token prefill), then ``decodes`` of ``lead``."""
        nonlocal large
        if not large or large[0].length >= model.max_context - 1:
            large = model.prefill([prompt(600) for _ in range(16)], [None] * 16)
        large = model.decode(large)
        model.prefill([prompt(256)], [None])
        for _ in range(decodes):
            lead = model.decode(lead)
        return lead

    with torch.inference_mode():
        for _ in range(args.blocks):
            one = model.prefill([prompt(73)], [None])  # contexts as a live 64-token prompt's
            other = model.prefill([prompt(73)], [None])
            four = model.prefill([prompt(73) for _ in range(4)], [None] * 4)
            block: dict[str, list[float]] = {p: [] for p in PAIRS}
            for _ in range(3):
                model.prefill([prompt(256)], [None])
                one, t = timed(model.decode, one)
                block["decode 1 | prefill 256"].append(t)
                four = model.decode(four)
                one, t = timed(model.decode, one)
                block["decode 1 | decode 4"].append(t)
                one = model.decode(one)
                one, t = timed(model.decode, one)
                block["decode 1 | decode 1"].append(t)
                one = model.decode(one)
                _, t = timed(model.prefill, [prompt(64)], [None])
                block["prefill 64 | decode 1"].append(t)
                model.prefill([prompt(64)], [None])
                _, t = timed(model.prefill, [prompt(64)], [None])
                block["prefill 64 | prefill 64"].append(t)
                model.prefill([prompt(256)], [None])
                _, t = timed(model.prefill, [prompt(64)], [None])
                block["prefill 64 | prefill 256"].append(t)
                four = model.decode(four)
                four, t = timed(model.decode, four)
                block["decode 4 | decode 4"].append(t)
                model.prefill([prompt(256)], [None])
                four, t = timed(model.decode, four)
                block["decode 4 | prefill 256"].append(t)
                other = after_large(other, 1)
                one, t = timed(model.decode, one)
                block["decode 1 | large, another's decode"].append(t)
                one = after_large(one, 1)
                one, t = timed(model.decode, one)
                block["decode 1 | large, its own decode"].append(t)
                other = after_large(other, 3)
                one, t = timed(model.decode, one)
                block["decode 1 | large, another's 3 decodes"].append(t)
            for p in PAIRS:
                ms[p] += block[p]
            slower += statistics.median(block["decode 1 | prefill 256"]) > statistics.median(
                block["decode 1 | decode 1"]
            )
            time.sleep(0.05)
    print(f"{'step | the step before it':<36} {'median ms':>9}")
    for p in PAIRS:
        print(f"{p:<36} {statistics.median(ms[p]):>9.3f}")
    print(f"a lone decode slower after a 256-token prefill than after a decode in {slower} "
          f"of {args.blocks} blocks; load average {os.getloadavg()[0]:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
