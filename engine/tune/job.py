"""A one-lane tune in the background: a spawned process searches while the engine serves.

The dashboard starts one with ``t``; progress and the result come back over a pipe as small
values, read without blocking. Importing this module imports neither torch nor Optuna.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.load import LoadSpec
from batchtui.engine.scenario import Scenario


@dataclass(frozen=True)
class TuneProgress:
    """Trials done of the budget, and the best p99 so far (None: the SLO not met yet)."""

    lane: str
    done: int
    budget: int
    best_p99_ms: float | None


@dataclass(frozen=True)
class TuneDone:
    """The search's answer: the pick (``feasible``) or the closest achievable."""

    lane: str
    params: dict[str, Any]
    p99_ms: float | None
    feasible: bool
    trials: int


@dataclass(frozen=True)
class TuneFailed:
    """Why the search could not run."""

    lane: str
    message: str


TuneEvent = TuneProgress | TuneDone | TuneFailed


class TuneJob:
    """Tunes ``lane`` of ``scenario`` at ``load`` for the latency objective within ``slo_ms``."""

    def __init__(
        self,
        scenario: Scenario,
        lane: str,
        load: LoadSpec,
        slo_ms: float,
        trials: int = 40,
        seconds: float = 2.0,
    ) -> None:
        spec = next(s for s in scenario.lanes if s.name == lane)
        one = dataclasses.replace(
            scenario, load=load, lanes=(dataclasses.replace(spec, params={}),)
        )
        self.lane = lane
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(
            target=_search, args=(child, one, slo_ms, trials, seconds), daemon=True
        )
        self._proc.start()
        child.close()
        self.finished = False

    def events(self) -> list[TuneEvent]:
        """What arrived since the last call (never blocks); a dead child says so once."""
        out: list[TuneEvent] = []
        try:
            while not self.finished and self._conn.poll():
                event = self._conn.recv()
                out.append(event)
                self.finished = not isinstance(event, TuneProgress)
        except (EOFError, OSError):
            if not self.finished:
                out.append(TuneFailed(self.lane, "the tuning process stopped"))
                self.finished = True
        return out

    def cancel(self) -> None:
        """Stop the search now (nothing is applied)."""
        self.finished = True
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join(timeout=2)
        self._conn.close()


def _search(conn: Any, scenario: Scenario, slo_ms: float, trials: int, seconds: float) -> None:
    """The child: profile a torch model if need be, search, send progress and the answer."""
    from batchtui.engine.tune.backends import Inline
    from batchtui.engine.tune.cost_model import profiled
    from batchtui.engine.tune.search import SearchConfig, tune_lane
    from batchtui.engine.tune.space import largest_batch
    from batchtui.engine.tune.tuner import TuneRequest, lane_setup

    lane = scenario.lanes[0]
    try:
        request = TuneRequest("latency", slo_ms, seconds)
        with tempfile.TemporaryDirectory(prefix="batchtui-tune-") as folder:
            cost = profiled(scenario, largest_batch(lane.kind, {}, slo_ms), Path(folder), None)
            setup, space = lane_setup(cost, cost.lanes[0], {}, request)

            def progress(name: str, done: int, budget: int, best: Any) -> None:
                conn.send(TuneProgress(name, done, budget, best.first.p99_ms if best else None))

            result = tune_lane(setup, space, {}, SearchConfig(trials=trials), Inline(), progress)
        pick = result.best or result.closest
        if pick is None:
            raise ConfigError("tune", "no trial finished")
        p99 = pick.first.p99_ms
        conn.send(
            TuneDone(
                lane.name,
                dict(pick.params),
                p99 if p99 != float("inf") else None,
                result.best is not None,
                len(result.results),
            )
        )
    except Exception as e:  # the dashboard shows one line; the child must not die silently
        conn.send(TuneFailed(lane.name, str(e) or type(e).__name__))
    finally:
        conn.close()
