"""A winner predicted again on a profile measured right after its live runs.

A shared machine's speed moves between minutes (bench/RESULTS.md: a size-1 batch's p99 and the
wake-up lateness several-fold between profiles), so a prediction on the profile the search ran
on can be off by the machine's move alone. Measured once more after the live runs, the same
profile says how far it moved: when the two predictions agree, a gap is the simulator's (or
the live runs' own minute); when they do not, it measures the minute as much as the simulator.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from batchtui.engine.metrics import LaneStats
from batchtui.engine.scenario import Scenario
from batchtui.engine.tune.cost_model import profiled
from batchtui.engine.tune.validation import predict


def reprofiled_prediction(live: Scenario, reach: int, seconds: float) -> LaneStats:
    """``live`` (one lane, the winner, on the real model) profiled again up to batch size
    ``reach``, as the search's profile was, and simulated on it for ``seconds`` of arrivals.
    It runs where it is called: a Ray task's own device, say; only figures come back."""
    print(
        f"profiling {live.model.kind} again after the live runs of {live.lanes[0].name}, to see "
        "whether the machine's speed moved",
        file=sys.stderr,
    )
    with tempfile.TemporaryDirectory(prefix="batchtui-refit-") as folder:
        return predict(profiled(live, reach, Path(folder), None), seconds)
