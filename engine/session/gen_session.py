"""A generative scenario as an open-ended session: every lane served token by token on the
same arrivals, advanced in slices of virtual time, its history bounded to the window.

It offers what ``PacedLab`` drives (``advance_to``, ``clock``, ``bound_history``, load and
knob changes, ``reset_stats``), so the dashboard paces it like a request-level Lab.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.continuous import Continuous
from batchtui.engine.gen.cost import StepCost
from batchtui.engine.gen.run import GenScenario, batcher
from batchtui.engine.load import LoadSpec
from batchtui.engine.session.gen_lanes import ContinuousLane, RequestLevelLane
from batchtui.engine.session.gen_load import GenLoad
from batchtui.engine.session.gen_messages import GenLaneSeries, GenLaneStats
from batchtui.engine.session.gen_series import SERIES_STEP_S, LaneHistory, backlog_grows
from batchtui.engine.session.lookahead import NextArrival

DEFAULT_GEN_MAX_QUEUE = 20_000  # as the request-level dashboard: overload drops, memory stays flat
FORGET_EVERY_S = 1.0  # a bounded session drops old records once per second of virtual time
ARRIVALS_KEPT_S = 60.0  # the arrival counts kept for the measured arrival rate


class GenSession:
    """Owns the load, the step cost and the lanes of a GenScenario; time moves when asked."""

    def __init__(self, scenario: GenScenario, max_queue: int = DEFAULT_GEN_MAX_QUEUE) -> None:
        scenario.validate()
        if max_queue < 1:
            raise ConfigError("max_queue", f"must be >= 1, got {max_queue!r}")
        self.scenario = scenario
        self.cost = StepCost.from_spec(scenario.model)
        self._load = GenLoad(scenario.load, seed=scenario.seed)
        self.max_queue = max_queue
        self.lanes: dict[str, RequestLevelLane | ContinuousLane] = {}
        for spec in scenario.lanes:
            policy = batcher(spec)
            if isinstance(policy, Continuous):
                self.lanes[spec.name] = ContinuousLane(spec.name, policy, self.cost, max_queue)
            else:
                self.lanes[spec.name] = RequestLevelLane(spec.name, policy, self.cost, max_queue)
        self.clock = 0.0
        self.arrived = 0  # arrivals generated so far
        self._arrived_at: deque[tuple[float, int]] = deque([(0.0, 0)])  # (time, arrived)
        self._since = 0.0
        self._keep_s: float | None = None
        self._next_forget = FORGET_EVERY_S
        self.slo_ttft_ms = scenario.slo_ttft_ms
        self.slo_tpot_ms = scenario.slo_tpot_ms
        self._history = {name: LaneHistory(name) for name in self.lanes}
        self._point_at = 0.0  # where the last point of the series closed
        self._next: NextArrival | None = NextArrival(scenario.load, scenario.seed)

    @property
    def load(self) -> LoadSpec:
        return self._load.spec

    @property
    def model(self) -> dict[str, Any]:
        """The step cost as JSON (the ``model`` of generative reports)."""
        return self.cost.to_json()

    def advance_to(self, t: float) -> None:
        """Generate the arrivals before ``t`` and serve every lane up to it."""
        if t <= self.clock:
            return
        times, tokens = self._load.generate_until(t)
        prompt, output = tokens[:, 0], tokens[:, 1]
        for lane in self.lanes.values():
            lane.feed(times, prompt, output, t)
            lane.advance(t)
        self.clock = t
        self.arrived += len(times)
        self._arrived_at.append((t, self.arrived))
        while len(self._arrived_at) > 2 and self._arrived_at[1][0] <= t - ARRIVALS_KEPT_S:
            self._arrived_at.popleft()
        if t >= self._point_at + SERIES_STEP_S:
            self._add_points(t)
        if self._keep_s is not None and t >= self._next_forget:
            self._forget(t - self._keep_s)
            self._next_forget = t + FORGET_EVERY_S

    def _add_points(self, t: float) -> None:
        """Close a point of every lane's series: its figures since the last one."""
        for lane, stats in zip(self.lanes, self._stats(self._point_at, t), strict=True):
            self._history[lane].add(stats)
        self._point_at = t

    def series(self) -> tuple[GenLaneSeries, ...]:
        """Every lane's figures per second since the start or the last reset (bounded)."""
        return tuple(history.series() for history in self._history.values())

    def arrival_rps(self, window_s: float) -> float | None:
        """Arrivals per second over the last ``window_s`` (at most ARRIVALS_KEPT_S): what a
        trace brings, measured; None before any time has passed."""
        now = self.clock
        since = now - min(window_s, ARRIVALS_KEPT_S)
        then, count = self._arrived_at[0]
        for t, n in self._arrived_at:
            if t > since:
                break
            then, count = t, n
        return (self.arrived - count) / (now - then) if now > then else None

    def bound_history(self, window_s: float) -> None:
        """Keep only what the last ``window_s`` and the since-reset totals need."""
        if not window_s > 0:
            raise ConfigError("window", f"must be > 0 seconds, got {window_s!r}")
        self._keep_s = window_s

    def _forget(self, cut: float) -> None:
        for lane in self.lanes.values():
            lane.records.forget_before(cut, self._since)
            if isinstance(lane, RequestLevelLane):
                lane.forget()

    def held(self) -> dict[str, int]:
        """Per lane, what it holds in memory: request and step records kept for the window,
        and its arrivals (waiting, or not let go of yet)."""
        return {name: lane.records.held + lane.held for name, lane in self.lanes.items()}

    def set_load(self, spec: LoadSpec) -> None:
        """Arrivals follow ``spec`` from now on."""
        self._load.set_spec(spec)
        self._next = None  # the new stream's next request is not looked ahead for

    def next_request_in(self) -> float | None:
        """Seconds until the next request (``inf``: none within the look-ahead); None once
        the load has been changed (the look-ahead follows the scenario's own load)."""
        if self._next is None:
            return None
        return self._next.after(self.clock) - self.clock

    def set_lane_params(self, lane: str, **params: Any) -> None:
        """Change one lane's knobs from its next decision (all checked before any applies)."""
        if lane not in self.lanes:
            raise ConfigError("lane", f"no lane {lane!r}; lanes are {', '.join(self.lanes)}")
        self.lanes[lane].update(**params)

    def set_slos(self, ttft_ms: float | None, tpot_ms: float | None) -> None:
        """Goodput counts the requests within these SLOs from the next snapshot on."""
        for name, value in (("slo_ttft_ms", ttft_ms), ("slo_tpot_ms", tpot_ms)):
            if value is not None and not value > 0:
                raise ConfigError(name, f"must be > 0 ms, got {value!r}")
        self.slo_ttft_ms, self.slo_tpot_ms = ttft_ms, tpot_ms

    def reset_stats(self) -> None:
        """Figures start afresh from now (the lanes carry on)."""
        self._since = self._point_at = self.clock
        for lane in self.lanes.values():
            lane.records.reset()
        for history in self._history.values():
            history.clear()

    def check_live(self, lane: str, *args: Any, **kwargs: Any) -> Any:
        """Generative lanes have no live check in the dashboard (yet): refused."""
        raise ConfigError("lane", "generative lanes run in the simulator only here")

    def snapshot(self, window_s: float | None = None) -> tuple[GenLaneStats, ...]:
        """Every lane's figures now: over the last ``window_s`` (marked saturated when its
        backlog grows, see ``backlog_grows``), or since the last reset."""
        now = self.clock
        if window_s is None:
            return self._stats(self._since, now, with_folded=True)
        recent = self._stats(max(self._since, now - window_s), now)
        return tuple(
            dataclasses.replace(s, saturated=backlog_grows(h.series()))
            for s, h in zip(recent, self._history.values(), strict=True)
        )

    def _stats(
        self, start: float, now: float, with_folded: bool = False
    ) -> tuple[GenLaneStats, ...]:
        return tuple(
            lane.records.stats(
                lane.facts(),
                lane.accounting(now),
                now,
                start,
                with_folded=with_folded,
                slo_ttft_ms=self.slo_ttft_ms,
                slo_tpot_ms=self.slo_tpot_ms,
            )
            for lane in self.lanes.values()
        )
