"""A live check: one lane's settings served on the wall clock and simulated, same arrivals.

The dashboard's lanes run in the simulator; this is how a user verifies what it shows.
The same fresh schedule of the current load is simulated (zero runtime overhead) and
then served live with the device to itself, and both figures come back side by side.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from batchtui.engine.live.lane import LiveLane
from batchtui.engine.load import LoadGenerator, LoadSpec
from batchtui.engine.metrics import LaneStats, lane_stats
from batchtui.engine.policies import make_policy
from batchtui.engine.service.base import ServiceTime
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.lane import SimLane


@dataclass(frozen=True)
class LiveCheck:
    """The same lane, the same arrivals: simulated and served live."""

    lane: str
    seconds: float
    sim: LaneStats
    live: LaneStats


def check_live(
    lane: str,
    batcher: dict[str, Any],
    load: LoadSpec,
    service: ServiceTime,
    seconds: float,
    seed: int = 0,
    max_queue: int | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> LiveCheck:
    """Serve ``seconds`` of ``load`` with ``batcher`` (kind and parameters) both ways."""
    params = {k: v for k, v in batcher.items() if k != "kind"}
    times, sizes = LoadGenerator(load, seed=seed).generate_until(seconds)
    arrivals = Arrivals()
    arrivals.extend(times, sizes, seconds)
    arrivals.close()
    sim = SimLane(
        lane, make_policy(batcher["kind"], **params), service.for_lane(arrivals), arrivals,
        max_queue=max_queue,
    )  # fmt: skip
    sim.advance(math.inf)
    live = LiveLane(
        lane, make_policy(batcher["kind"], **params), service.for_lane(arrivals), arrivals,
        max_queue=max_queue,
    )  # fmt: skip
    live.run(on_progress=on_progress)
    return LiveCheck(
        lane,
        seconds,
        lane_stats(sim, arrivals_end=seconds),
        lane_stats(live, arrivals_end=seconds),
    )
