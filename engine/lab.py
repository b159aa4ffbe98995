"""The façade: one object owning load, service model and lanes, shared by CLI, TUI and tests."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.live import WallClockLane
from batchtui.engine.live.check import SideBySideCheck, check_live
from batchtui.engine.load import LoadGenerator, LoadSpec
from batchtui.engine.metrics import LaneStats, lane_stats
from batchtui.engine.metrics.history import forget_before
from batchtui.engine.metrics.totals import RunningTotals
from batchtui.engine.policies import make_policy
from batchtui.engine.scenario import SLO_MS, Scenario
from batchtui.engine.service import ServiceTime
from batchtui.engine.service.factory import Progress
from batchtui.engine.sim.arrivals import Arrivals
from batchtui.engine.sim.lane import SimLane

RUN_FORMAT = "batchtui.run/1"
MODES = ("sim", "live")
CHUNK_S = 1.0  # headless runs generate arrivals a second of virtual time at a time
MAX_CHUNK_S = 4096.0  # ...doubling up to this over stretches without arrivals
FORGET_EVERY_S = 1.0  # a bounded lab drops old history once per second of virtual time


@dataclass(frozen=True)
class LabSnapshot:
    """Everything the dashboard shows at one instant: an immutable value."""

    clock: float
    load: LoadSpec
    lanes: tuple[LaneStats, ...]
    finished: bool


class Lab:
    """Runs a Scenario: every lane sees the same arrivals and has the device to itself.

    In ``sim`` mode time is virtual and only moves when asked (``advance_to``), so the
    caller decides the pace: as fast as possible for a headless run, the wall clock for
    the dashboard. In ``live`` mode ``run`` serves the lanes one after another on the
    wall clock, each with the device to itself, on the very same arrival schedule.
    """

    def __init__(
        self, scenario: Scenario, mode: str = "sim", on_progress: Progress | None = None
    ) -> None:
        scenario.validate()
        if mode not in MODES:
            raise ConfigError("mode", f"expected one of {', '.join(MODES)}, got {mode!r}")
        if mode == "live" and scenario.max_inflight != 1:
            raise ConfigError("max_inflight", "the live runtime runs one batch at a time")
        self.scenario = scenario
        self.mode = mode
        self._service = scenario.build_service(on_progress)
        self._load = LoadGenerator(scenario.load, seed=scenario.seed)
        self.arrivals = Arrivals()
        self.lanes: dict[str, SimLane | WallClockLane] = {}
        for spec in scenario.lanes:
            policy = make_policy(spec.kind, **spec.params)
            service = self._service.for_lane(self.arrivals)
            if mode == "sim":
                self.lanes[spec.name] = SimLane(
                    spec.name,
                    policy,
                    service,
                    self.arrivals,
                    max_queue=scenario.max_queue,
                    max_inflight=scenario.max_inflight,
                )
            else:
                self.lanes[spec.name] = WallClockLane(
                    spec.name, policy, service, self.arrivals, max_queue=scenario.max_queue
                )
        self.clock = 0.0
        self._since = 0.0
        self._arrivals_end: float | None = None
        self._offered_end: float | None = None
        self._checks = 0
        self._keep_s: float | None = None  # bounded history: the window kept, if any
        self._totals: dict[str, RunningTotals] = {}
        self._next_forget = 0.0

    @property
    def load(self) -> LoadSpec:
        return self._load.spec

    @property
    def service(self) -> ServiceTime:
        """The service-time source the lanes share (one model on one device)."""
        return self._service

    @property
    def model(self) -> dict[str, Any]:
        """The model serving the batches, as JSON (kind, parameters, device)."""
        return self._service.to_json()

    @property
    def finished(self) -> bool:
        """True once arrivals stopped and every lane drained."""
        return self.arrivals.closed

    def advance_to(self, t: float) -> None:
        """Generate arrivals up to ``t`` and simulate every lane up to it."""
        if self.mode != "sim":
            raise RuntimeError("only a simulated lab advances in steps")
        if self.arrivals.closed:
            raise RuntimeError("this lab has finished; start a new one")
        if t <= self.clock:
            return
        times, sizes = self._load.generate_until(t)
        self.arrivals.extend(times, sizes, t)
        for lane in self.lanes.values():
            lane.advance(t)
        self.clock = t
        if self._keep_s is not None and t >= self._next_forget:
            self._forget()
            self._next_forget = t + FORGET_EVERY_S

    def bound_history(self, window_s: float) -> None:
        """Keep only what figures over the last ``window_s`` and the since-reset totals need,
        so memory stays flat in a session of any length. Totals are then kept incrementally,
        their percentiles within 1% (see ``metrics/totals.py``); windows stay exact.
        A headless run never asks: its report is exact."""
        if not window_s > 0:
            raise ConfigError("window", f"must be > 0 seconds, got {window_s!r}")
        self._keep_s = window_s
        self._totals = {name: RunningTotals(lane, self._since) for name, lane in self.lanes.items()}

    def _forget(self) -> None:
        assert self._keep_s is not None
        lanes = [(lane, self._totals[name]) for name, lane in self.lanes.items()]
        forget_before(self.arrivals, lanes, self.clock - self._keep_s, self.scenario.slo_ms)

    def finish(self, on_drain: Callable[[float], None] | None = None) -> None:
        """Stop arrivals now and let every lane drain its queue.

        ``on_drain`` is told the fraction of the backlog (queued and in flight, all lanes)
        served so far, after each chunk of virtual time: a saturated lane can take far
        longer to drain than its arrivals lasted."""
        if self.arrivals.closed:
            return
        self._arrivals_end = self.clock
        self._offered_end = self._end_of_arrivals()
        self.arrivals.close()
        if on_drain is not None:
            self._drain_in_chunks(on_drain)
        for lane in self.lanes.values():
            lane.advance(math.inf)
        self.clock = max(lane.clock for lane in self.lanes.values())

    def _drain_in_chunks(self, on_drain: Callable[[float], None]) -> None:
        def backlog() -> int:
            return sum(lane.queued + lane.in_flight for lane in self.lanes.values())

        t, start = self.clock, backlog()
        left = start
        while left:
            t += CHUNK_S
            for lane in self.lanes.values():
                lane.advance(t)
            left = backlog()
            on_drain(1.0 - left / start)

    def run(
        self,
        duration_s: float,
        on_progress: Callable[[float], None] | None = None,
        on_drain: Callable[[float], None] | None = None,
    ) -> dict[str, Any]:
        """Arrivals for ``duration_s`` of virtual time, then drain; the ``batchtui.run/1`` report.

        ``on_progress`` is told the fraction of the arrivals' time done after each chunk of
        virtual time; ``on_drain`` the fraction of the backlog served after the arrivals end.
        """
        if not duration_s > 0:
            raise ConfigError("duration", f"must be > 0 seconds, got {duration_s!r}")
        if self.mode == "live":
            return self._run_live(duration_s, on_progress)
        t, step = self.clock, CHUNK_S
        while t < duration_s:
            t = min(duration_s, t + step)
            seen = len(self.arrivals)
            self.advance_to(t)
            if on_progress is not None:
                on_progress(t / duration_s)
            # A stretch without arrivals (a trace's end, a long silence, a low rate) costs
            # a step per chunk: double the chunk while nothing arrives, back to a second after.
            step = CHUNK_S if len(self.arrivals) > seen else min(2 * step, MAX_CHUNK_S)
        self.finish(on_drain)
        return self.report()

    def _run_live(
        self, duration_s: float, on_progress: Callable[[float], None] | None
    ) -> dict[str, Any]:
        """The whole schedule first (the same one the simulator would see), then each lane
        on the wall clock in turn."""
        times, sizes = self._load.generate_until(duration_s)
        self.arrivals.extend(times, sizes, duration_s)
        self.arrivals.close()
        self._arrivals_end = duration_s
        self._offered_end = self._end_of_arrivals()
        lanes = list(self.lanes.values())
        for i, lane in enumerate(lanes):
            progress = None
            if on_progress is not None:
                progress = lambda f, i=i: on_progress((i + f) / len(lanes))  # noqa: E731
            assert isinstance(lane, WallClockLane)
            lane.run(on_progress=progress)
        self.clock = max(lane.clock for lane in lanes)
        return self.report()

    def _end_of_arrivals(self) -> float:
        """When arrivals stopped: the end of the run, or a trace's last request if a
        trace that does not loop ran out before it (offered load is over this window)."""
        assert self._arrivals_end is not None
        load = self._load.spec
        if load.pattern == "trace" and not load.loop and len(self.arrivals):
            return min(self._arrivals_end, self.arrivals.times[-1])
        return self._arrivals_end

    def set_load(self, spec: LoadSpec) -> None:
        """Change the arrival pattern or rate from now on."""
        spec.validate()
        self._load.set_spec(spec, at=self.clock)

    def set_lane_params(self, lane: str, **params: Any) -> None:
        """Change one lane's policy parameters now (all checked before any applies)."""
        if lane not in self.lanes:
            raise ConfigError("lane", f"no lane {lane!r}; lanes are {', '.join(self.lanes)}")
        self.lanes[lane].update_policy(**params)

    def check_live(
        self, lane: str, seconds: float, on_progress: Callable[[float], None] | None = None
    ) -> SideBySideCheck:
        """Serve ``seconds`` of the current load with this lane's current settings on the
        wall clock, and simulate the same arrivals, for a side-by-side check."""
        if lane not in self.lanes:
            raise ConfigError("lane", f"no lane {lane!r}; lanes are {', '.join(self.lanes)}")
        if not 0 < seconds <= 60:
            raise ConfigError("seconds", f"must be between 0 and 60, got {seconds!r}")
        self._checks += 1
        return check_live(
            lane,
            self.lanes[lane].batcher_json(),
            self.load,
            self._service,
            seconds,
            seed=self.scenario.seed + 1000 * self._checks,
            max_queue=self.scenario.max_queue,
            on_progress=on_progress,
        )

    def set_slo(self, slo_ms: float) -> None:
        """Measure goodput against this p99 SLO (ms) from the next snapshot on."""
        slo = SLO_MS.check(slo_ms)
        self.scenario = dataclasses.replace(self.scenario, slo_ms=float(slo))

    def reset_stats(self) -> None:
        """Start the statistics afresh from now (the simulation itself carries on)."""
        self._since = self.clock
        if self._keep_s is not None:
            self.bound_history(self._keep_s)

    def snapshot(self, window_s: float | None = None) -> LabSnapshot:
        """Every lane's figures now: cumulative since the last reset, or over a window."""
        if self._keep_s is not None and window_s is not None and window_s > self._keep_s:
            raise ValueError(f"this lab keeps {self._keep_s:g} s of history, not {window_s:g}")
        slo_ms, offered_end = self.scenario.slo_ms, self._offered_end
        stats = tuple(
            self._totals[name].stats(lane, slo_ms, offered_end)
            if self._keep_s is not None and window_s is None
            else lane_stats(
                lane, since=self._since, window_s=window_s, slo_ms=slo_ms, arrivals_end=offered_end
            )
            for name, lane in self.lanes.items()
        )
        return LabSnapshot(self.clock, self._load.spec, stats, self.finished)

    def report(self) -> dict[str, Any]:
        """The JSON report of the run so far (``batchtui.run/1``)."""
        snap = self.snapshot()
        s = self.scenario
        return {
            "format": RUN_FORMAT,
            "mode": self.mode,
            "duration_s": self._arrivals_end if self._arrivals_end is not None else self.clock,
            "seed": s.seed,
            "load": self._load.spec.to_dict(),
            "model": self._service.to_json(),
            "device": self.scenario.device,
            "max_queue": s.max_queue,
            "max_inflight": s.max_inflight,
            "slo_ms": s.slo_ms,
            "lanes": [lane.to_json() for lane in snap.lanes],
        }
