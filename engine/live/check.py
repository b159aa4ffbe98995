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

from batchtui.engine.live.lane import WallClockLane
from batchtui.engine.load import LoadGenerator, LoadSpec
from batchtui.engine.metrics import LaneStats, lane_stats
from batchtui.engine.policies import make_policy
from batchtui.engine.service.base import ServiceTime
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.lane import SimLane

COMPLETED_APART = 0.05  # sides that completed more than 5% apart served different requests
DEPTH_APART = 2.0  # ...or whose mean queues differ more than 2x (and by more than a batch)


@dataclass(frozen=True)
class SideBySideCheck:
    """The same lane, the same arrivals: simulated and served live.

    ``comparable`` is False when the two sides' medians mean different things: either side
    is saturated (its latencies measure how long the backlog grew, not the policy), or the
    two served markedly different requests or held markedly different queues; ``why_not``
    then says which, in one line. Both follow from the figures, so no check can claim more.
    """

    lane: str
    seconds: float
    sim: LaneStats
    live: LaneStats

    @property
    def why_not(self) -> str | None:
        return why_not_comparable(self.sim, self.live)

    @property
    def comparable(self) -> bool:
        return self.why_not is None


def why_not_comparable(sim: LaneStats, live: LaneStats) -> str | None:
    """The reason the two sides of a check cannot be compared, or None if they can."""
    for side, s in (("simulated", sim), ("live", live)):
        if s.saturated:
            return (
                f"the {side} lane is saturated: offered {s.offered_rps:,.0f} req/s, "
                f"served {s.throughput_rps:,.0f} req/s"
            )
    if abs(sim.completed - live.completed) > COMPLETED_APART * max(sim.completed, live.completed):
        return (
            f"they served different requests: {sim.completed:,} simulated, {live.completed:,} live"
        )
    low, high = sorted((sim.queue_depth_mean, live.queue_depth_mean))
    batch = max(sim.batch_mean or 1.0, live.batch_mean or 1.0)
    if high > DEPTH_APART * low and high - low > batch:
        return (
            f"their queues differ: mean depth {sim.queue_depth_mean:.1f} simulated, "
            f"{live.queue_depth_mean:.1f} live"
        )
    return None


def check_live(
    lane: str,
    batcher: dict[str, Any],
    load: LoadSpec,
    service: ServiceTime,
    seconds: float,
    seed: int = 0,
    max_queue: int | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> SideBySideCheck:
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
    live = WallClockLane(
        lane, make_policy(batcher["kind"], **params), service.for_lane(arrivals), arrivals,
        max_queue=max_queue,
    )  # fmt: skip
    live.run(on_progress=on_progress)
    sim_stats = lane_stats(sim, arrivals_end=seconds)
    live_stats = lane_stats(live, arrivals_end=seconds)
    return SideBySideCheck(lane, seconds, sim_stats, live_stats)
