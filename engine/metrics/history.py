"""Bounded history: what the recent window no longer needs is folded into running totals,
then dropped, so a session's memory stays flat however long it runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from batchtui.engine.metrics.lane_stats import LaneLike
from batchtui.engine.metrics.totals import RunningTotals
from batchtui.engine.sim.arrivals import Arrivals


class ForgetfulLane(LaneLike, Protocol):
    """A lane that can drop its oldest batches and re-base its arrival indices."""

    head: int

    def forget(self, arrivals: int, batches: int) -> None: ...


def forget_before(
    arrivals: Arrivals,
    lanes: Sequence[tuple[ForgetfulLane, RunningTotals]],
    before: float,
    slo_ms: float | None = None,
) -> int:
    """Fold and drop every batch that finished before ``before`` (and every batch before
    it) in each lane sharing ``arrivals``, then the arrivals no lane holds any more; figures
    over windows starting at or after ``before`` are unchanged. Returns arrivals dropped.

    A window needs the batches that finish in it and the requests they carried, and the
    arrivals and rejections in it; all of those lie after the cut of every lane."""
    cuts = []
    for lane, totals in lanes:
        log = lane.log.arrays()
        finish_max = np.maximum.accumulate(log.finish) if len(log) else log.finish
        rows = int(np.searchsorted(finish_max, before, "left"))
        totals.fold(lane, rows, slo_ms)
        cuts.append((lane, rows, int(log.end[rows - 1]) if rows else lane.log.base_end))
    shift = min((min(end, lane.head) for lane, _, end in cuts), default=0)
    shift = max(shift, 0)
    arrivals.forget(shift)
    for lane, rows, _ in cuts:
        lane.forget(shift, rows)
    return shift
