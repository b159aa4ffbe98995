"""A generative session kept in step with the wall clock: PacedLab's pacing, GenSnapshots.

The generative lanes are simulated only (the step cost is analytic), so switching a lane
to the wall clock or a live check is refused with a reason, and the SLOs are per token.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.run import GenScenario
from batchtui.engine.session.gen_messages import GenSnapshot
from batchtui.engine.session.gen_session import GenSession
from batchtui.engine.session.paced import PacedLab


class GenPacedLab(PacedLab):
    """Advances a GenSession as wall time passes, unless paused."""

    def __init__(
        self,
        session: GenSession,
        window_s: float = 10.0,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        super().__init__(session, window_s, clock)  # type: ignore[arg-type]  # duck-typed Lab
        self.session = session

    @classmethod
    def for_scenario(cls, scenario: GenScenario, window_s: float = 10.0) -> GenPacedLab:
        """A paced session for ``scenario`` (ConfigError naming a bad setting)."""
        return cls(GenSession(scenario), window_s)

    def set_live(self, lane: str | None) -> None:
        if lane is not None:
            raise ConfigError("lane", "generative lanes run in the simulator only here")

    def set_slo(self, slo_ms: float) -> None:
        raise ConfigError("slo_ms", "generative lanes take a TTFT and a TPOT SLO")

    def set_token_slo(self, ttft_ms: float | None, tpot_ms: float | None) -> None:
        """Goodput is measured against these SLOs from now on."""
        self.session.set_slos(ttft_ms, tpot_ms)

    def snapshot(self, with_total: bool = True) -> GenSnapshot:  # type: ignore[override]
        """The figures now: recent (the last ``window_s``) always, totals when asked."""
        s = self.session
        recent = s.snapshot(window_s=self.window_s)
        if with_total or self._total is None:
            self._total = s.snapshot()
        return GenSnapshot(
            clock=s.clock,
            pace=self.pace,
            paused=self.paused,
            load=s.load,
            model=s.model,
            window_s=self.window_s,
            recent=recent,
            total=self._total,
            slo_ttft_ms=s.slo_ttft_ms,
            slo_tpot_ms=s.slo_tpot_ms,
            arrival_rps=s.arrival_rps(self.window_s),
            series=s.series(),
            next_request_in_s=s.next_request_in(),
            arrived=s.arrived,
        )
