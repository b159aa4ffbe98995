"""How numbers read on the dashboard: short, aligned, never 'nan'."""

from __future__ import annotations


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


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"
