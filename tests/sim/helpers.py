"""Small builders for simulator tests: arrivals from literal times, lanes, per-request views."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from batchtui.engine.errors import ConfigError
from batchtui.engine.policies import Policy
from batchtui.engine.service import AnalyticCost, load_profile
from batchtui.engine.service.base import ServiceTime
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.lane import SimLane


def arrivals_at(*times: float, closed: bool = True) -> Arrivals:
    arrivals = Arrivals()
    t = np.asarray(times, dtype=float)
    arrivals.extend(t, np.ones(len(t), dtype=np.int64), float(t[-1]) if len(t) else 0.0)
    if closed:
        arrivals.close()
    return arrivals


def run_lane(
    policy: Policy,
    arrivals: Arrivals,
    service: ServiceTime | None = None,
    max_queue: int | None = None,
    max_inflight: int = 1,
) -> SimLane:
    lane = SimLane(
        "lane",
        policy,
        service or AnalyticCost(1.0, 0.0),
        arrivals,
        max_queue=max_queue,
        max_inflight=max_inflight,
    )
    lane.advance(math.inf)
    return lane


def advance_in_chunks(lane: SimLane, chunk: float | None) -> SimLane:
    """Advance ``lane`` to each multiple of ``chunk`` up to its last arrival (None: at once),
    then to the end: a run in chunks must be the run in one go."""
    if chunk is not None:
        for k in range(1, int(lane.arrivals.times[-1] / chunk) + 1):
            lane.advance(k * chunk)
    lane.advance(math.inf)
    return lane


def batches(lane: SimLane) -> list[tuple[float, int, str]]:
    """(dispatch time, size, reason) of each batch, for literal comparisons."""
    a = lane.log.arrays()
    return [
        (round(float(d), 9), int(n), lane.log.reasons[r])
        for d, n, r in zip(a.dispatch, a.size, a.reason, strict=True)
    ]


def request_batches(lane: SimLane) -> np.ndarray:
    """For each arrival index: the batch that carried it, or -1 (rejected or never sent)."""
    a = lane.log.arrays()
    out = np.full(len(lane.arrivals), -1, dtype=np.int64)
    starts = np.concatenate(([0], a.end[:-1]))
    for b, (s, e) in enumerate(zip(starts, a.end, strict=True)):
        out[s:e] = b
    for s, e in lane.rejected:
        out[s:e] = -1
    return out


def assert_bad_profile_field(folder: Path, field: str, value: object, message: str) -> None:
    """A one-point profile whose ``field`` is ``value`` is refused with ``message``, naming
    the file and the field."""
    path = folder / "p.json"
    doc = {"format": "batchtui.profile/1", "points": [{"batch_size": 1, "median_ms": 1.0}]}
    path.write_text(json.dumps({**doc, field: value}))
    with pytest.raises(ConfigError, match=message) as e:
        load_profile(path)
    assert f"{path}: {field}" in str(e.value)
