"""Progress on long work, printed to stderr only when a person is watching a terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable


def stderr_progress(label: str = "", delay_s: float = 0.5) -> Callable[[float], None] | None:
    """A callback taking the fraction done; None when stderr is not a terminal.

    It stays silent for the first ``delay_s`` so quick work prints nothing.
    """
    if not sys.stderr.isatty():
        return None
    started = time.perf_counter()

    def show(fraction: float, what: str = label) -> None:
        if time.perf_counter() - started < delay_s and fraction < 1.0:
            return
        width = 30
        filled = int(width * min(max(fraction, 0.0), 1.0))
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if fraction >= 1.0 else ""
        print(f"\r{what:<28} [{bar}] {fraction:4.0%}", end=end, file=sys.stderr, flush=True)

    return show


def stage_progress() -> Callable[[str, float], None] | None:
    """A callback taking (stage, fraction), e.g. model warm-up then profiling."""
    bar = stderr_progress()
    if bar is None:
        return None
    return lambda what, fraction: bar(fraction, what)  # type: ignore[call-arg]
