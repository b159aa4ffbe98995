"""How numbers and short texts read on the dashboard: short, aligned, never 'nan', never cut."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text


def ms(value: float | None) -> str:
    """Milliseconds with sensible precision: 0.42, 4.21, 42.1, 421, 4.2k."""
    if value is None:
        return "-"
    if value < 10:
        return f"{value:.2f}"
    if value < 100:
        return f"{value:.1f}"
    if value < 10_000:
        return f"{value:.0f}"
    return f"{value / 1000:.1f}k"


def rate(value: float | None) -> str:
    """Requests per second: 950, 9.5k, 95k."""
    if value is None:
        return "-"
    if value < 1000:
        return f"{value:.0f}"
    if value < 100_000:
        return f"{value / 1000:.1f}k"
    return f"{value / 1000:.0f}k"


def rate_column(values: Sequence[float | None]) -> list[str]:
    """Requests per second for one column, all in one unit: once any reaches 1,000 every
    figure is in thousands, so 999 beside 1,200 reads 1.0k beside 1.2k, not 999 and 1.2k; a
    true zero stays 0 (no drops), which 0.0k would blur with a few."""
    known = [v for v in values if v is not None]
    if not known or max(known) < 1000:
        return [rate(v) for v in values]
    digits = 1 if max(known) < 100_000 else 0
    return ["-" if v is None else "0" if v == 0 else f"{v / 1000:.{digits}f}k" for v in values]


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def clip(text: str, cells: int) -> str:
    """``text`` in at most ``cells`` characters, an ellipsis where it was cut."""
    return text if len(text) <= cells else text[: max(cells - 1, 0)] + "…"


def flow(parts: Sequence[Text], width: int, sep: str = " · ") -> list[Text]:
    """`parts` joined by `sep` into lines of at most `width` cells, broken only between parts,
    so a figure is never split (a part wider than `width` gets a line of its own)."""
    lines: list[Text] = []
    line: Text | None = None
    for part in parts:
        if line is not None and line.cell_len + len(sep) + part.cell_len <= width:
            line.append(sep, style="dim")
            line.append_text(part)
            continue
        if line is not None:
            lines.append(line)
        line = Text()
        line.append_text(part)  # a part's own style stays on that part
    if line is not None:
        lines.append(line)
    return lines


def fitting(candidates: Sequence[tuple[int, int]], budget: int) -> set[int]:
    """Which `(rank, width)` candidates (by index) fit in `budget` cells, taken in rank order
    (lower first, ties in order); one that does not fit is skipped, a later smaller one may."""
    kept: set[int] = set()
    used = 0
    for i in sorted(range(len(candidates)), key=lambda i: (candidates[i][0], i)):
        width = candidates[i][1]
        if used + width <= budget:
            kept.add(i)
            used += width
    return kept
