"""A one-lane tune in the background: a spawned process searches while the engine serves.

The dashboard starts one with ``t``; progress and the result come back over a pipe as small
values, read without blocking. The search itself is a module-level function of the child
(a request-level lane's here, a generative lane's in engine/tune/gen_job.py). Importing this
module imports neither torch nor Optuna.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.load import LoadSpec
from batchtui.engine.scenario import Scenario


@dataclass(frozen=True)
class TuneProgress:
    """Trials done of the budget, and the best p99 so far (None: the SLO not met yet);
    ``figure`` names that p99 (``p99``, or ``p99 TTFT`` for a generative lane)."""

    lane: str
    done: int
    budget: int
    best_p99_ms: float | None
    figure: str = "p99"


@dataclass(frozen=True)
class TuneStage:
    """What the search does before its first trial, and how far (0..1): measuring a torch
    model takes seconds to minutes, and the lane must say so."""

    lane: str
    what: str
    fraction: float


@dataclass(frozen=True)
class TuneDone:
    """The search's answer: the pick (``feasible``) or the closest achievable; ``slo``
    says the targets it was tuned for (``20 ms``, ``TTFT 500 ms, TPOT 50 ms``)."""

    lane: str
    params: dict[str, Any]
    p99_ms: float | None
    feasible: bool
    trials: int
    figure: str = "p99"
    slo: str = ""


@dataclass(frozen=True)
class TuneFailed:
    """Why the search could not run."""

    lane: str
    message: str


TuneEvent = TuneProgress | TuneStage | TuneDone | TuneFailed
Progress = Callable[[str, int, int, Any], None]  # the search's OnTrial (engine/tune/search.py)
Search = Callable[..., TuneDone]  # search(progress, *args) -> the answer, run in the child


class TuneJob:
    """Runs ``search(progress, *args)`` for ``lane`` in a spawned process (``search``: a
    module-level function, so the child can import it); ``figure`` names the p99 its
    progress reports."""

    def __init__(self, lane: str, figure: str, search: Search, *args: Any) -> None:
        self.lane = lane
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(
            target=_child, args=(child, lane, figure, search, args), daemon=True
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
                self.finished = not isinstance(event, (TuneProgress, TuneStage))
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


def lane_tune_job(
    scenario: Scenario,
    lane: str,
    load: LoadSpec,
    slo_ms: float,
    trials: int = 40,
    seconds: float = 2.0,
) -> TuneJob:
    """Tunes request-level ``lane`` of ``scenario`` at ``load`` for the latency objective
    within ``slo_ms``, every knob searched afresh."""
    spec = next(s for s in scenario.lanes if s.name == lane)
    one = dataclasses.replace(scenario, load=load, lanes=(dataclasses.replace(spec, params={}),))
    return TuneJob(lane, "p99", _search, one, slo_ms, trials, seconds)


def _child(conn: Any, lane: str, figure: str, search: Search, args: tuple[Any, ...]) -> None:
    """The child: run the search, sending its progress and its answer (or why it failed)."""

    try:
        conn.send(search(_Reporter(conn, lane, figure), *args))
    except Exception as e:  # the dashboard shows one line; the child must not die silently
        conn.send(TuneFailed(lane, str(e) or type(e).__name__))
    finally:
        conn.close()


class _Reporter:
    """The child's progress: each trial (the search's OnTrial), and ``stage`` for the work
    before the first one (a factory's ``on_progress``), sent at most once a percent."""

    def __init__(self, conn: Any, lane: str, figure: str) -> None:
        self._conn, self._lane, self._figure = conn, lane, figure
        self._said: tuple[str, int] | None = None

    def __call__(self, name: str, done: int, budget: int, best: Any) -> None:
        p99 = best.first.p99_ms if best else None
        self._conn.send(TuneProgress(name, done, budget, p99, self._figure))

    def stage(self, what: str, fraction: float) -> None:
        said = (what, int(fraction * 100))
        if said != self._said:
            self._said = said
            self._conn.send(TuneStage(self._lane, what, fraction))


def answer(lane: str, result: Any, figure: str, slo: str) -> TuneDone:
    """A finished search (a ``LaneTune``) as the dashboard's answer: the pick, else the
    closest; ConfigError when no trial finished."""
    pick = result.best or result.closest
    if pick is None:
        raise ConfigError("tune", "no trial finished")
    p99 = pick.first.p99_ms
    finite = p99 if p99 != float("inf") else None
    feasible = result.best is not None
    return TuneDone(lane, dict(pick.params), finite, feasible, len(result.results), figure, slo)


def _search(
    progress: Progress, scenario: Scenario, slo_ms: float, trials: int, seconds: float
) -> TuneDone:
    """Profile a torch model if need be, then search the lane's knobs."""
    from batchtui.engine.tune.backends import Inline
    from batchtui.engine.tune.cost_model import profiled
    from batchtui.engine.tune.search import SearchConfig, tune_lane
    from batchtui.engine.tune.space import largest_batch
    from batchtui.engine.tune.tuner import TuneRequest, lane_setup

    lane = scenario.lanes[0]
    request = TuneRequest("latency", slo_ms, seconds)
    with tempfile.TemporaryDirectory(prefix="batchtui-tune-") as folder:
        stage = getattr(progress, "stage", None)  # the child's reporter says what it measures
        cost = profiled(scenario, largest_batch(lane.kind, {}, slo_ms), Path(folder), stage)
        setup, space = lane_setup(cost, cost.lanes[0], {}, request)
        result = tune_lane(setup, space, {}, SearchConfig(trials=trials), Inline(), progress)
    return answer(lane.name, result, "p99", f"{slo_ms:g} ms")
