"""What every exporter returns, and the comment header each target's file starts with."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

from batchtui.engine.load.patterns import PATTERNS
from batchtui.presets.schema import Preset

COMMENT_WIDTH = 96
"""Comment lines are wrapped to this width, so exported files read well in any editor."""


@dataclass(frozen=True)
class Export:
    """A preset turned into one server's configuration text, with what did not carry over.

    ``notes`` are also written into ``text`` as comments (where the format has comments), so
    the caveats travel with the file; ``filename`` is the name the server expects.
    """

    format: str
    text: str
    notes: tuple[str, ...]
    filename: str


def describe_load(preset: Preset) -> str:
    """The load a preset was tuned for, in a few words (``poisson 2,000 req/s``), with the
    token lengths of a synthetic generative load."""
    load = preset.load
    words = PATTERNS[load.pattern].summary(load)
    if preset.generative and load.prompt_tokens is not None and load.output_tokens is not None:
        words += (
            f", prompts {load.prompt_tokens:g} tokens (cv {load.prompt_cv or 0:g}), "
            f"outputs {load.output_tokens:g} (cv {load.output_cv or 0:g})"
        )
    return words


def describe_model(preset: Preset) -> str:
    """The model a preset was tuned on, in a few words."""
    model = preset.model
    p = model.params
    if model.kind == "analytic":
        noise = f", noise cv {p['noise_cv']:g}" if p.get("noise_cv") else ""
        return f"analytic cost t(n) = {p['base_ms']:g} + {p['per_item_ms']:g}*n ms{noise}"
    if model.kind == "profile":
        return f"measured profile {p['path']}"
    if model.kind == "analytic-llm":
        return (
            f"analytic step cost {p['step_ms']:g} + {p['prefill_ms_per_token']:g}*prefill + "
            f"{p['decode_ms_per_seq']:g}*seqs + {p['context_ms_per_token']:g}*context"
            + (f" + {sq:g}*prefill²" if (sq := p.get("prefill_ms_per_token_sq")) else "")
            + " ms"
        )
    return f"{model.kind} model on device {preset.device}"


def comment_header(prefix: str, preset: Preset, target: str, notes: Iterable[str]) -> str:
    """Comment lines saying where the file came from, what it was tuned for, and the notes.

    Each line is wrapped (which also turns any newline in a path into a space), so nothing
    from the preset can escape the comment.
    """
    lines = [
        f"batchtui preset {preset.name!r} ({preset.batcher_kind} batcher) for {target}.",
        f"Tuned for: {describe_load(preset)}; {describe_model(preset)}{_targets(preset)}.",
    ]
    notes = list(notes)
    if notes:
        lines.append("Notes:")
    out: list[str] = []
    width = COMMENT_WIDTH - len(prefix) - 1
    for line in lines:  # never split at a hyphen: flags (--max-num-seqs) stay whole
        out += textwrap.wrap(line, width, break_on_hyphens=False) or [""]
    for note in notes:
        out += textwrap.wrap(
            note, width, initial_indent="- ", subsequent_indent="  ", break_on_hyphens=False
        )
    # ASCII only: some readers (Java .properties files) assume Latin-1.
    out = [line.encode("ascii", "backslashreplace").decode("ascii") for line in out]
    return "".join(f"{prefix} {line}".rstrip() + "\n" for line in out)


def _targets(preset: Preset) -> str:
    """``; p99 target 10 ms`` or ``; TTFT target 1000 ms, TPOT target 100 ms``; empty if none."""
    names = {"p99_ms": "p99", "ttft_ms": "TTFT", "tpot_ms": "TPOT"}
    parts = [f"{names[k]} target {v:g} ms" for k, v in preset.slo_dict().items()]
    return f"; {', '.join(parts)}" if parts else ""
