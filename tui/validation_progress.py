"""What ``batchtui tune --validate`` says while it serves winners live, for either kind of model:
each run as it starts, and what a Ctrl-C during the runs means."""

from __future__ import annotations

import sys
from typing import Any

VALIDATION_STOP = "stopping after the running validation run (Ctrl-C again to drop it)"
VALIDATION_STOPPED = (
    "interrupted: validation stopped; the figures above are of the live runs that finished"
)


def validating(lane: str, run: int, runs: int) -> str:
    """The progress line of a live validation run."""
    return f"validating {lane}: run {run} of {runs}"


def run_progress() -> Any:
    """Each live validation run as it starts, on one stderr line (terminals only)."""
    if not sys.stderr.isatty():
        return None

    def show(lane: str, run: int, runs: int) -> None:
        end = "\n" if run == runs else ""
        print(f"\r{validating(lane, run, runs)}   ", end=end, file=sys.stderr, flush=True)

    return show
