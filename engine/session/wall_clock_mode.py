"""One dashboard lane switched to the live runtime: wall clock, device to itself, open-ended.

While a lane is live, the simulated lanes' clock stops (the device is this lane's alone),
arrivals of the current load are generated as wall time passes, and the lane's figures
come from the live runtime, so the panel shows what a real serving loop measures.
"""

from __future__ import annotations

from typing import Any

from batchtui.engine.lab import Lab
from batchtui.engine.live import WallClockLane
from batchtui.engine.load import LoadGenerator, LoadSpec
from batchtui.engine.metrics import LaneStats, lane_stats
from batchtui.engine.metrics.history import forget_before
from batchtui.engine.metrics.totals import RunningTotals
from batchtui.engine.policies import make_policy
from batchtui.engine.sim.arrivals import Arrivals

LOOKAHEAD_S = 0.05  # arrivals are generated this far ahead of the wall clock
FORGET_EVERY_S = 1.0  # history older than the window is dropped about this often


class WallClockMode:
    """Serves ``lane``'s current settings live, in slices of wall time (``serve_for``).

    Open-ended, so its history is bounded like the simulated lanes': only the last
    ``window_s`` is kept, and totals since it went live (or was reset) are running sums.
    """

    def __init__(self, lab: Lab, lane: str, seed: int, window_s: float = 10.0) -> None:
        batcher = lab.lanes[lane].batcher_json()
        self.lane = lane
        self._generator = LoadGenerator(lab.load, seed=seed)
        self.arrivals = Arrivals()
        self._since = 0.0
        self._window_s = window_s
        self._slo_ms = lab.scenario.slo_ms
        self.live = WallClockLane(
            lane,
            make_policy(str(batcher["kind"]), **{k: v for k, v in batcher.items() if k != "kind"}),
            lab.service.for_lane(self.arrivals),
            self.arrivals,
            max_queue=lab.scenario.max_queue,
            feed=self._feed,
        )
        self.live.start()
        self._totals = RunningTotals(self.live, 0.0)
        self._next_forget = FORGET_EVERY_S

    def _feed(self, now: float) -> None:
        end = max(now + LOOKAHEAD_S, self._generator.cursor)
        times, sizes = self._generator.generate_until(end)
        self.arrivals.extend(times, sizes, end)

    def serve_for(self, seconds: float) -> None:
        """Serve for about ``seconds`` of wall time (a batch under way is finished first)."""
        self.live.serve(until=self.live.now + seconds)
        if self.live.clock >= self._next_forget:
            before = self.live.clock - self._window_s
            forget_before(self.arrivals, [(self.live, self._totals)], before, self._slo_ms)
            self._next_forget = self.live.clock + FORGET_EVERY_S

    def set_params(self, params: dict[str, Any]) -> None:
        self.live.policy.update(**params)

    def set_load(self, load: LoadSpec) -> None:
        self._generator.set_spec(load, at=self._generator.cursor)

    def reset_stats(self) -> None:
        self._since = self.live.now
        self._totals = RunningTotals(self.live, self._since)

    def stats(self, window_s: float | None, slo_ms: float | None = None) -> LaneStats:
        """The live lane's figures (over the window, or since it went live / was reset)."""
        if slo_ms is not None:
            self._slo_ms = slo_ms  # the SLO in force now (the dashboard can change it)
        if window_s is None:
            return self._totals.stats(self.live, self._slo_ms)
        return lane_stats(self.live, since=self._since, window_s=window_s, slo_ms=self._slo_ms)

    def stop(self) -> None:
        self.live.stop()
