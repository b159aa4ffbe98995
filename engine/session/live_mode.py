"""One dashboard lane switched to the live runtime: wall clock, device to itself, open-ended.

While a lane is live, the simulated lanes' clock stops (the device is this lane's alone),
arrivals of the current load are generated as wall time passes, and the lane's figures
come from the live runtime, so the panel shows what a real serving loop measures.
"""

from __future__ import annotations

from typing import Any

from batchtui.engine.lab import Lab
from batchtui.engine.live import LiveLane
from batchtui.engine.load import LoadGenerator, LoadSpec
from batchtui.engine.metrics import LaneStats, lane_stats
from batchtui.engine.policies import make_policy
from batchtui.engine.sim.arrivals import Arrivals

LOOKAHEAD_S = 0.05  # arrivals are generated this far ahead of the wall clock


class LiveMode:
    """Serves ``lane``'s current settings live, in slices of wall time (``serve_for``)."""

    def __init__(self, lab: Lab, lane: str, seed: int) -> None:
        batcher = lab.lanes[lane].describe_batcher()
        self.lane = lane
        self._generator = LoadGenerator(lab.load, seed=seed)
        self.arrivals = Arrivals()
        self._since = 0.0
        self.live = LiveLane(
            lane,
            make_policy(str(batcher["kind"]), **{k: v for k, v in batcher.items() if k != "kind"}),
            lab.service.for_lane(self.arrivals),
            self.arrivals,
            max_queue=lab.scenario.max_queue,
            feed=self._feed,
        )
        self.live.start()

    def _feed(self, now: float) -> None:
        end = max(now + LOOKAHEAD_S, self._generator.cursor)
        times, sizes = self._generator.generate_until(end)
        self.arrivals.extend(times, sizes, end)

    def serve_for(self, seconds: float) -> None:
        """Serve for about ``seconds`` of wall time (a batch under way is finished first)."""
        self.live.serve(until=self.live.now + seconds)

    def set_params(self, params: dict[str, Any]) -> None:
        self.live.policy.update(**params)

    def set_load(self, load: LoadSpec) -> None:
        self._generator.set_spec(load, at=self._generator.cursor)

    def reset_stats(self) -> None:
        self._since = self.live.now

    def stats(self, window_s: float | None, slo_ms: float | None = None) -> LaneStats:
        """The live lane's figures (over the window, or since it went live / was reset)."""
        return lane_stats(self.live, since=self._since, window_s=window_s, slo_ms=slo_ms)

    def stop(self) -> None:
        self.live.stop()
