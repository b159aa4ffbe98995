"""A Lab kept in step with the wall clock, for the dashboard: the façade's live face.

Pure logic with an injected clock, so tests drive it with explicit times. Virtual time
follows the wall clock one for one while the engine keeps up; when the lanes' batches
need more device time than real time allows (a real model serving three lanes), virtual
time runs slower and ``pace`` says by how much, never hidden.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.lab import Lab
from batchtui.engine.load import LoadSpec
from batchtui.engine.metrics import LaneStats
from batchtui.engine.session.messages import Snapshot
from batchtui.engine.session.wall_clock_mode import WallClockMode

LIVE_SLICE_S = 0.02  # a live lane is served in slices this long, between commands
MAX_STEP_S = 0.25  # never simulate more than this much virtual time in one step
PACE_TAU_S = 2.0  # the pace figure is a moving average over about this long


class PacedLab:
    """Advances ``lab`` as wall time passes, unless paused."""

    def __init__(
        self,
        lab: Lab,
        window_s: float = 10.0,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.lab = lab
        self.window_s = window_s
        lab.bound_history(window_s)  # an open-ended session: memory must not grow with time
        self._clock = clock
        self._last = clock()
        self.paused = False
        self.pace = 1.0
        self._total: tuple[Any, ...] | None = None
        self.live: WallClockMode | None = None
        self._live_lane: str | None = None  # the lane to serve live (kept across a pause)
        self._live_starts = 0
        self._settings_since: dict[str, float] = {}  # lane -> virtual time its settings changed

    def step(self) -> None:
        """Simulate the virtual time that corresponds to the wall time since the last step;
        with a lane live, serve it on the wall clock instead (the simulation waits)."""
        if self.live is not None and not self.paused:
            self.live.serve_for(LIVE_SLICE_S)
            self._last = self._clock()  # the simulated lanes do not owe this time
            return
        now = self._clock()
        elapsed, self._last = now - self._last, now
        if self.paused or elapsed <= 0:
            return
        advance = min(elapsed, MAX_STEP_S)
        self.lab.advance_to(self.lab.clock + advance)
        # Virtual seconds gained per wall second. The time a step takes shows up in the next
        # step's `elapsed`; once that exceeds MAX_STEP_S, the simulation falls behind.
        weight = min(1.0, elapsed / PACE_TAU_S)
        self.pace += weight * (advance / elapsed - self.pace)

    def pause(self) -> None:
        self.paused = True
        self._stop_live()  # arrivals must not pile up behind a paused live lane

    def resume(self) -> None:
        self.paused = False
        self._last = self._clock()  # the pause is not owed to the simulation
        if self._live_lane is not None:
            self._start_live(self._live_lane)

    def set_live(self, lane: str | None) -> None:
        """Serve ``lane`` live from now on (None: back to simulating every lane)."""
        if lane is not None and lane not in self.lab.lanes:
            raise ConfigError("lane", f"no lane {lane!r}; lanes are {', '.join(self.lab.lanes)}")
        self._stop_live()
        self._live_lane = lane
        self._last = self._clock()
        if lane is not None and not self.paused:
            self._start_live(lane)

    def _start_live(self, lane: str) -> None:
        self._live_starts += 1
        seed = self.lab.scenario.seed + 7919 * self._live_starts
        self.live = WallClockMode(self.lab, lane, seed=seed, window_s=self.window_s)

    def _stop_live(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

    def reset_stats(self) -> None:
        self.lab.reset_stats()
        self._total = None
        if self.live is not None:
            self.live.reset_stats()

    def set_load(self, load: LoadSpec) -> None:
        self.lab.set_load(load)
        if self.live is not None:
            self.live.set_load(load)

    def set_lane_params(self, lane: str, params: dict[str, Any]) -> None:
        self.lab.set_lane_params(lane, **params)
        self._settings_since[lane] = self.lab.clock
        if self.live is not None and self.live.lane == lane:
            self.live.set_params(params)

    def set_slo(self, slo_ms: float) -> None:
        """Goodput is measured against this SLO from now on (the live lane's too)."""
        self.lab.set_slo(slo_ms)

    def snapshot(self, with_total: bool = True) -> Snapshot:
        """The figures now: recent (the last ``window_s``) always, totals when asked (running
        sums plus the history still held, which the lab keeps to about the window)."""
        recent = self.lab.snapshot(window_s=self.window_s).lanes
        if with_total or self._total is None:
            self._total = self.lab.snapshot().lanes
        total = self._total
        if self.live is not None:  # the live lane's figures come from the live runtime
            lane = self.live.lane
            slo_ms = self.lab.scenario.slo_ms
            recent = _replace(recent, lane, self.live.stats(self.window_s, slo_ms))
            total = _replace(total, lane, self.live.stats(None, slo_ms))
        return Snapshot(
            clock=self.lab.clock,
            pace=self.pace,
            paused=self.paused,
            load=self.lab.load,
            model=self.lab.model,
            window_s=self.window_s,
            recent=recent,
            total=total,
            live_lane=self._live_lane,
            settings_since=dict(self._settings_since),
        )


def _replace(lanes: tuple[LaneStats, ...], name: str, stats: LaneStats) -> tuple[LaneStats, ...]:
    return tuple(stats if lane.name == name else lane for lane in lanes)
