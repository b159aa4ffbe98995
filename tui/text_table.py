"""Plain-text tables for the sweep and tune commands: a header, a rule, aligned columns."""

from __future__ import annotations

from collections.abc import Sequence


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]) -> str:
    """``rows`` under ``headers``; columns whose ``right`` is True are right-aligned (numbers)."""
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def num(x: float | None, digits: int = 4) -> str:
    """A figure with about ``digits`` significant digits, thousands separated; '-' for None."""
    if x is None:
        return "-"
    if x != x or x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"
