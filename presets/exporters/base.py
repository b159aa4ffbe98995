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
    """The load a preset was tuned for, in a few words (``poisson 2,000 req/s``)."""
    return PATTERNS[preset.load.pattern].summary(preset.load)


def describe_model(preset: Preset) -> str:
    """The model a preset was tuned on, in a few words."""
    model = preset.model
    p = model.params
    if model.kind == "analytic":
        noise = f", noise cv {p['noise_cv']:g}" if p.get("noise_cv") else ""
        return f"analytic cost t(n) = {p['base_ms']:g} + {p['per_item_ms']:g}*n ms{noise}"
    if model.kind == "profile":
        return f"measured profile {p['path']}"
    return f"{model.kind} model on device {preset.device}"


def comment_header(prefix: str, preset: Preset, target: str, notes: Iterable[str]) -> str:
    """Comment lines saying where the file came from, what it was tuned for, and the notes.

    Each line is wrapped (which also turns any newline in a path into a space), so nothing
    from the preset can escape the comment.
    """
    lines = [
        f"batchtui preset {preset.name!r} ({preset.batcher_kind} batcher) for {target}.",
        f"Tuned for: {describe_load(preset)}; {describe_model(preset)}"
        + (f"; p99 target {preset.slo_p99_ms:g} ms." if preset.slo_p99_ms else "."),
    ]
    notes = list(notes)
    if notes:
        lines.append("Notes:")
    out: list[str] = []
    for line in lines:
        out += textwrap.wrap(line, COMMENT_WIDTH - len(prefix) - 1) or [""]
    for note in notes:
        out += textwrap.wrap(
            note, COMMENT_WIDTH - len(prefix) - 1, initial_indent="- ", subsequent_indent="  "
        )
    # ASCII only: some readers (Java .properties files) assume Latin-1.
    out = [line.encode("ascii", "backslashreplace").decode("ascii") for line in out]
    return "".join(f"{prefix} {line}".rstrip() + "\n" for line in out)
