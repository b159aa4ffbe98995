"""Proof of a pick: the winner served live on the real model, beside what the simulator said.

Predicted figures come from the simulator on the tuner's cost (the model's measured profile),
the median of ``PREDICTION_SEEDS`` seeds (the search's own figure, on one seed, is biased low by
the pick); measured ones from the live runtime on the wall clock, on the search seed's arrival
schedule, under the profile's conditions (``conditions.py``). A gap beyond ``GAP_GOAL`` comes
with its likely cause. A winner may be served several times (``validate_runs``): on a shared
machine one live run's tail can move several-fold between minutes, so the runs' own spread says
how far to trust a gap.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from batchtui.engine.gen.fit_drift import apart
from batchtui.engine.lab import Lab
from batchtui.engine.metrics import LaneStats
from batchtui.engine.scenario import LaneSpec, Scenario
from batchtui.engine.tune.conditions import torch_threads, usable_cores

FIGURES = ("p50_ms", "p99_ms", "throughput_rps")
GAP_GOAL = 0.15  # issue 12: the validated p99 within 15% of the prediction
BEHIND = 0.05  # a live lane that served 5% less than it was offered fell behind
PREDICTION_SEEDS = 5
"""Seeds a validation's prediction is the median of. The search scores every trial on one
seed's arrivals and cost draws (batch-time spread, wake-up lateness), and the best of many
trials on one draw is a lucky one: a static winner read p99 9.9 ms on the search's seed and
10.5-12.5 ms on seven others (bench/RESULTS.md)."""

T = TypeVar("T")
Call = Callable[..., Any]
"""Runs ``fn(*args)`` somewhere and returns its result: here, or as a task with a GPU of its own."""
OnRun = Callable[[str, int, int], None]
"""Told (lane, run, runs) as each live run starts: progress."""


@dataclass(frozen=True)
class LiveRun:
    """One live run of a winner: its figures, what served it, and the machine's load after."""

    stats: LaneStats
    device: str
    load_average: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {**figures(self.stats), "load_average": self.load_average}


@dataclass(frozen=True)
class Validation:
    """Predicted and measured figures of one lane's winner, and their relative errors."""

    lane: str
    predicted: dict[str, float | None]
    measured: dict[str, float | None]
    stats: LaneStats  # the live run's figures (a preset's ``measured``)
    device: str  # what served the live run, e.g. "cpu (8 threads)"
    predicted_stats: LaneStats | None = None  # the simulated run's figures
    load_average: float | None = None  # the machine's 1-minute load after the live run
    cores: int | None = None  # cores this process could use
    # The live runs. With several, ``measured`` holds each figure's median over them, and
    # ``stats`` and ``load_average`` are the median-p99 run's (the lower middle one of an even
    # count). Built by hand without runs, ``stats`` is the one run.
    runs: tuple[LiveRun, ...] = ()
    runs_asked: int = 1  # more than ``len(runs)`` when Ctrl-C stopped the validation
    # The winner simulated again on a profile measured right after its live runs (None: not
    # made): when the two predictions disagree, the machine moved between the profiles.
    refit: LaneStats | None = None

    @property
    def repeated(self) -> bool:
        """Whether several live runs were asked for: the report then shows their range."""
        return self.runs_asked > 1

    def measured_range(self, figure: str) -> tuple[float, float] | None:
        """The lowest and highest ``figure`` over the live runs; None with fewer than two."""
        values = [v for v in (figures(r.stats)[figure] for r in self.runs) if v is not None]
        return (min(values), max(values)) if len(values) > 1 else None

    def predicted_within_range(self, figure: str) -> bool | None:
        """Whether the prediction lies within the live runs' own range (then the gap is no
        bigger than the machine's run-to-run spread); None without a range or prediction."""
        span, p = self.measured_range(figure), self.predicted.get(figure)
        return None if span is None or p is None else span[0] <= p <= span[1]

    @property
    def likely_cause(self) -> str | None:
        """Why the p99 gap is beyond ``GAP_GOAL``, in one line; None when within it."""
        return gap_cause(self)

    def error(self, figure: str) -> float | None:
        """(measured − predicted) / predicted; None when either is missing."""
        return relative_error(self.measured.get(figure), self.predicted.get(figure))

    def refit_error(self, figure: str) -> float | None:
        """(measured − predicted on the later profile) / that prediction; None without one."""
        if self.refit is None:
            return None
        return relative_error(self.measured.get(figure), figures(self.refit)[figure])

    @property
    def refit_drift(self) -> float | None:
        """How far the two profiles' p99 predictions are apart, against their mean (0: the
        same); None without a refit."""
        if self.refit is None:
            return None
        a, b = self.predicted.get("p99_ms"), self.refit.latency.p99
        return None if a is None or b is None else apart(a, b)

    def to_json(self) -> dict[str, Any]:
        out = {
            "lane": self.lane,
            "predicted": self.predicted,
            "measured": self.measured,
            "relative_error": {f: self.error(f) for f in FIGURES},
            "device": self.device,
            "load_average": self.load_average,
            "likely_cause": self.likely_cause,
        }
        if self.repeated:  # additive: a single run's document is as before
            out["runs_asked"] = self.runs_asked
            out["runs"] = [r.to_json() for r in self.runs]
            out["measured_range"] = {f: _listed(self.measured_range(f)) for f in FIGURES}
            out["predicted_within_range"] = {f: self.predicted_within_range(f) for f in FIGURES}
        if self.refit is not None:  # additive too
            out["refit"] = {
                "predicted": figures(self.refit),
                "relative_error": {f: self.refit_error(f) for f in FIGURES},
                "drift": self.refit_drift,
            }
        return out


def _listed(span: tuple[float, float] | None) -> list[float] | None:
    return None if span is None else list(span)


def gap_cause(v: Validation) -> str | None:
    """The likeliest reason the live p99 is off its prediction, read from the two runs: the
    live lane fell behind, or the part of latency (batch time or queue wait) whose tail grew;
    and whether other work held the machine's cores meanwhile."""
    gap = v.error("p99_ms")
    if gap is None or abs(gap) <= GAP_GOAL or v.predicted_stats is None:
        return None
    live, sim = v.stats, v.predicted_stats
    busy = ""
    if v.load_average is not None and v.cores and v.load_average > v.cores:
        busy = f"; the machine was busy (load average {v.load_average:.1f} on {v.cores} cores)"
    if live.offered_rps > 0 and live.throughput_rps < (1 - BEHIND) * live.offered_rps:
        return (
            f"the live lane fell behind (served {live.throughput_rps:,.0f} of "
            f"{live.offered_rps:,.0f} req/s offered): the device ran slower than its profile{busy}"
        )
    service = f"batch time p99 {live.service.p99:.3g} ms, profiled {sim.service.p99:.3g} ms"
    grew_service = (live.service.p99 or 0.0) - (sim.service.p99 or 0.0)
    grew_wait = (live.queue_wait.p99 or 0.0) - (sim.queue_wait.p99 or 0.0)
    if gap < 0 and grew_wait < grew_service:  # the wait shrank the more: a charged lateness
        return (
            f"requests waited less live (queue wait p99 {live.queue_wait.p99:.3g} ms, simulated "
            f"{sim.queue_wait.p99:.3g} ms): the profile's wake-up lateness or batch-time tail "
            "was measured in a slower spell"
        )
    if gap < 0:
        return f"live batches ran faster ({service}): the profile was measured in a slower spell"
    if grew_service >= grew_wait:
        return (
            f"batches ran longer live ({service}): the profile's batch times (a median per "
            f"size, or the spread it kept) missed this tail, the CPU taken from the lane{busy}"
        )
    return (
        f"requests waited longer live (queue wait p99 {live.queue_wait.p99:.3g} ms, simulated "
        f"{sim.queue_wait.p99:.3g} ms): late wake-ups, or requests queued behind a slow "
        f"batch{busy}"
    )


def winner_scenario(scenario: Scenario, lane: LaneSpec, params: dict[str, Any]) -> Scenario:
    """``scenario`` with only ``lane``, running ``params``."""
    spec = LaneSpec(lane.name, lane.kind, {**lane.params, **params})
    return dataclasses.replace(scenario, lanes=(spec,))


def figures(s: LaneStats) -> dict[str, float | None]:
    """The compared figures of a lane's run."""
    return {"p50_ms": s.latency.p50, "p99_ms": s.latency.p99, "throughput_rps": s.throughput_rps}


def validate_winner(live: Scenario, predicted_on: Scenario, seconds: float) -> Validation:
    """Serve ``live`` (one lane, the real model) for ``seconds`` on the wall clock, and simulate
    ``predicted_on`` (the same lane and seed on the tuner's cost) for the same arrivals."""
    predicted = predict(predicted_on, seconds)
    return from_runs(live.lanes[0].name, predicted, [serve_live(live, seconds)])


def validate_runs(
    live: Scenario,
    predicted_on: Scenario,
    seconds: float,
    runs: int,
    *,
    call: Call | None = None,
    on_run: OnRun | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Validation | None:
    """``validate_winner`` with ``runs`` live runs of the same arrivals, each through ``call``
    (a Ray task asking for its GPU, say). A stop request or Ctrl-C ends it with the runs that
    finished (``runs_asked`` says how many were asked); None when none had."""
    lane = live.lanes[0].name
    try:
        predicted = predict(predicted_on, seconds)
    except KeyboardInterrupt:
        return None
    done = repeated_runs(
        lane, runs, serve_live, (live, seconds), call=call, on_run=on_run, should_stop=should_stop
    )
    return from_runs(lane, predicted, done, runs_asked=runs) if done else None


def repeated_runs(
    lane: str,
    runs: int,
    serve: Callable[..., Any],
    args: tuple[Any, ...],
    *,
    call: Call | None = None,
    on_run: OnRun | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[Any]:
    """Up to ``runs`` results of ``serve(*args)``, each through ``call``, ``on_run`` told
    each as it starts. A stop request ends it after the run under way, Ctrl-C drops that
    run; the runs that finished are returned (for request-level and generative lanes)."""
    done: list[Any] = []
    try:
        for i in range(runs):
            if should_stop is not None and should_stop():
                break
            if on_run is not None:
                on_run(lane, i + 1, runs)
            done.append((call or _here)(serve, *args))
    except KeyboardInterrupt:
        pass  # the run under way is dropped; those before it stand
    return done


def _here(fn: Callable[..., Any], *args: Any) -> Any:
    return fn(*args)


def predict(predicted_on: Scenario, seconds: float, seeds: int = PREDICTION_SEEDS) -> LaneStats:
    """The simulated figures of ``predicted_on``'s one lane over ``seconds`` of arrivals: of
    its runs on ``seeds`` seeds from its own on, the one with the median p99 (the lower
    middle of an even count)."""
    runs = []
    for k in range(seeds):
        sim = Lab(dataclasses.replace(predicted_on, seed=predicted_on.seed + k))
        sim.run(seconds)
        runs.append(sim.snapshot().lanes[0])
    return middle_of(runs, lambda s: s.latency.p99)


def serve_live(live: Scenario, seconds: float) -> LiveRun:
    """``live``'s one lane served on the wall clock for ``seconds`` of arrivals. A torch model
    on the CPU runs with the thread count it was profiled with (``torch_threads``)."""
    threads = torch_threads(live.device) if live.model.is_torch else contextlib.nullcontext()
    with threads:
        lab = Lab(live, mode="live")
        lab.run(seconds)
        device = str(lab.model.get("device_name") or lab.model.get("device") or live.device)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return LiveRun(lab.snapshot().lanes[0], device, load)


def from_runs(
    lane: str, predicted: LaneStats, runs: Sequence[LiveRun], runs_asked: int | None = None
) -> Validation:
    """The validation of ``lane`` from its prediction and its live runs (at least one): each
    figure the median over the runs; the run with the median p99 stands for the rest in the
    likely cause."""
    asked = len(runs) if runs_asked is None else runs_asked
    middle = middle_of(runs, lambda r: r.stats.latency.p99)
    per_run = [figures(r.stats) for r in runs]
    devices = sorted({r.device for r in runs})
    return Validation(
        lane,
        figures(predicted),
        {f: median_known([x[f] for x in per_run]) for f in FIGURES},
        middle.stats,
        " / ".join(devices),
        predicted_stats=predicted,
        load_average=middle.load_average,
        cores=usable_cores(),
        runs=tuple(runs),
        runs_asked=asked,
    )


def middle_of(items: Sequence[T], figure: Callable[[T], float | None]) -> T:
    """The item whose ``figure`` is the median (the lower middle of an even count; an unknown
    figure sorts last): the run that stands for several."""
    ranked = sorted(items, key=lambda item: or_inf(figure(item)))
    return ranked[(len(ranked) - 1) // 2]


def relative_error(measured: float | None, predicted: float | None) -> float | None:
    """(measured − predicted) / predicted; None when either is missing or the prediction 0."""
    if measured is None or predicted is None or predicted == 0:
        return None
    return (measured - predicted) / predicted


def median_known(values: list[float | None]) -> float | None:
    """The median of the values that are known (None: a figure a run could not give)."""
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def or_inf(x: float | None) -> float:
    """``x``, or infinity for an unknown figure (it sorts last)."""
    return float("inf") if x is None else x
