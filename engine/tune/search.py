"""The search: Optuna asks for settings, a backend runs them as trials, the best is picked.

TPE for the objective (a grid when one knob, or two small integer knobs, make it cheaper),
then a shorter NSGA-II pass on (p99, throughput) to fill in the Pareto front. Trials are
asked and told in fixed batches of ``workers``, so a seed gives the same pick however the
batch is run. Ctrl-C stops the search and keeps what was done.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.tune.backends import Backend
from batchtui.engine.tune.objectives import is_feasible
from batchtui.engine.tune.pareto import pareto_front
from batchtui.engine.tune.space import Knob, repaired
from batchtui.engine.tune.trial import RatePoint, TrialResult, TrialSetup

OPTUNA_MISSING = "needs Optuna: pip install 'batchtui[tune]'"
PARETO_SHARE = 4
"""The NSGA-II pass adds a quarter of the budget."""
OnTrial = Callable[[str, int, int, TrialResult | None], None]  # lane, done, budget, best so far
ShouldStop = Callable[[], bool]  # asked between batches: True ends the search like Ctrl-C
Repair = Callable[[str, dict[str, Any], dict[str, Any]], dict[str, Any]]  # kind, sampled, fixed


@dataclass(frozen=True)
class SearchConfig:
    """How hard and where to search; ``storage`` and ``study`` share a study across processes."""

    trials: int = 40
    seed: int = 0
    storage: str | None = None
    study: str = "batchtui-tune"
    pareto: bool = True


@dataclass
class LaneTune:
    """One lane's search: the pick (None when the SLO was never met), the closest, the front."""

    lane: str
    kind: str
    setup: TrialSetup
    sampler: str
    results: list[TrialResult] = field(default_factory=list)
    best: TrialResult | None = None
    closest: TrialResult | None = None
    front: list[TrialResult] = field(default_factory=list)
    interrupted: bool = False
    trials_in_study: int = 0
    front_trials: int = 0  # of the results, how many the NSGA-II pass added


def optuna_module() -> Any:
    """Optuna, quiet; a one-line ConfigError saying how to install it when it is missing."""
    try:
        import optuna
    except ImportError:
        raise ConfigError("tune", OPTUNA_MISSING) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def open_storage(url: str | None) -> Any:
    """An Optuna storage: ``journal:PATH`` (or a ``.journal``/``.log`` file) is a journal
    file several processes can share; anything else is a database URL (sqlite:///x.db)."""
    if url is None:
        return None
    optuna = optuna_module()
    path = url[len("journal:") :] if url.startswith("journal:") else None
    if path is None and url.endswith((".journal", ".log")) and "://" not in url:
        path = url
    if path is not None:
        from optuna.storages.journal import JournalFileBackend

        return optuna.storages.JournalStorage(JournalFileBackend(path))
    try:
        return optuna.storages.RDBStorage(url)
    except ImportError as e:
        raise ConfigError("--storage", f"needs a database driver: {e}") from None
    except Exception as e:  # SQLAlchemy's URL and connection errors have no common base here
        raise ConfigError("--storage", f"cannot open {url!r}: {e}") from None


def grid_for(space: tuple[Knob, ...], trials: int) -> dict[str, list[Any]] | None:
    """A grid when it is cheaper than sampling: one knob (at the budget's resolution), or two
    integer knobs whose every combination fits in the budget. None: sample with TPE."""
    if len(space) == 1:
        (knob,) = space
        return {knob.name: knob.grid(int(min(trials, knob.size())))}
    if len(space) == 2 and math.prod(k.size() for k in space) <= trials:
        return {k.name: k.grid(int(k.size())) for k in space}
    return None


def tune_lane(
    setup: TrialSetup,
    space: tuple[Knob, ...],
    fixed: dict[str, Any],
    config: SearchConfig,
    backend: Backend,
    on_trial: OnTrial | None = None,
    should_stop: ShouldStop | None = None,
    repair: Repair = repaired,
) -> LaneTune:
    """Search ``space`` for ``setup``'s lane; stops early on Ctrl-C (or when ``should_stop``
    says so between batches) with the best so far. ``repair`` makes each sampled point a
    valid setting of the lane's batcher."""
    optuna = optuna_module()
    lane = setup.scenario.lanes[0]
    dists = _distributions(optuna, space)
    grid = grid_for(space, config.trials)
    startup = max(4, min(10, config.trials // 4))
    sampler = optuna.samplers.TPESampler(
        seed=config.seed, n_startup_trials=startup, multivariate=True
    )
    budget = config.trials
    study = optuna.create_study(
        direction="minimize",
        sampler=sampler,
        storage=open_storage(config.storage),
        study_name=f"{config.study}:{lane.name}" if config.storage else None,
        load_if_exists=True,
    )
    if config.storage:
        _check_same_question(study, setup, config.study)
    if grid is not None:  # every point, in order, as enqueued trials (a shared study: once)
        points = [
            dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())
        ]
        budget = min(budget, len(points))
        if not study.trials:
            for params in points[:budget]:
                study.enqueue_trial(params)
    out = LaneTune(lane.name, lane.kind, setup, "grid" if grid is not None else "tpe")
    total = budget + (budget // PARETO_SHARE if config.pareto and space else 0)

    def told(result: TrialResult) -> None:
        out.results.append(result)
        if on_trial is not None:
            on_trial(lane.name, len(out.results), total, _pick(out.setup, out.results))

    searched: int | None = None  # results before the front pass, once it started
    try:
        run = functools.partial(
            _run,
            kind=lane.kind,
            fixed=fixed,
            setup=setup,
            backend=backend,
            told=told,
            space=space,
            should_stop=should_stop,
            repair=repair,
        )
        run(study, dists, budget)
        if config.pareto and space and total > budget:
            front_sampler = optuna.samplers.NSGAIISampler(
                population_size=max(4, (total - budget) // 3), seed=config.seed
            )
            front_study = optuna.create_study(
                directions=["minimize", "maximize"], sampler=front_sampler
            )
            searched = len(out.results)
            run(front_study, dists, total - budget)
    except KeyboardInterrupt:
        out.interrupted = True
    if searched is not None:
        out.front_trials = len(out.results) - searched
    if config.storage:  # every process's trials of the shared study, and this one's front pass
        front = out.results[len(out.results) - out.front_trials :]
        mine = out.results[: len(out.results) - out.front_trials]
        out.results = (_stored_results(study) or mine) + front
    out.trials_in_study = len(out.results)
    out.best = _pick(setup, out.results)
    out.closest = min(out.results, key=lambda r: r.score, default=None)
    out.front = pareto_front(out.results)
    return out


def _run(
    study: Any,
    dists: dict[str, Any],
    budget: int,
    *,
    kind: str,
    fixed: dict[str, Any],
    setup: TrialSetup,
    backend: Backend,
    told: Callable[[TrialResult], None],
    space: tuple[Knob, ...],
    should_stop: ShouldStop | None,
    repair: Repair,
) -> None:
    """Ask, run and tell ``budget`` trials in batches of the backend's width."""
    multi = len(study.directions) > 1
    done = 0
    while done < budget:
        if should_stop is not None and should_stop():
            raise KeyboardInterrupt
        trials = [study.ask(dists) for _ in range(min(backend.workers, budget - done))]
        try:
            batch = [repair(kind, t.params, fixed) for t in trials]
            results = backend.map(setup, batch) if space else backend.map(setup, batch[:1])
        except KeyboardInterrupt:
            for t in trials:
                study.tell(t, state=study_fail_state())
            raise
        for t, r in zip(trials, results, strict=False):
            t.set_user_attr("result", result_to_json(r))
            if multi:
                study.tell(t, [_finite(r.first.p99_ms), r.front_rps or 0.0])
            else:
                study.tell(t, r.score)
            told(r)
        done += len(trials)
        if not space:
            return


STUDY_ATTR = "batchtui_question"  # what a shared study's scores measure, set by its first run


def _question(setup: Any) -> dict[str, Any]:
    """What a trial's score means: trials of one study must agree on it to be compared."""
    slos = {k: getattr(setup, k) for k in ("slo_ttft_ms", "slo_tpot_ms") if hasattr(setup, k)}
    return {
        "objective": setup.objective,
        "rates": list(setup.rates),
        **(slos or {"slo_ms": setup.slo_ms}),
    }


def _check_same_question(study: Any, setup: Any, name: str) -> None:
    """A shared study carries on only with the objective, rates and SLOs it was started with
    (another --rates gives trials with other rate points, which no regret can compare)."""
    asked = _question(setup)
    stored = study.user_attrs.get(STUDY_ATTR)
    if stored is None:
        study.set_user_attr(STUDY_ATTR, asked)
        return
    if stored != asked:
        diff = ", ".join(
            f"{k} {stored.get(k)!r} (now {asked.get(k)!r})"
            for k in sorted(set(stored) | set(asked))
            if stored.get(k) != asked.get(k)
        )
        raise ConfigError(
            "--study",
            f"study {name!r} in this storage was started with {diff}; "
            "give the same --objective, --rates and SLOs, or another --study",
        )


def study_fail_state() -> Any:
    """Optuna's FAIL state (a trial stopped by Ctrl-C)."""
    return optuna_module().trial.TrialState.FAIL


def _pick(setup: TrialSetup, results: list[TrialResult]) -> TrialResult | None:
    """The best feasible trial: lowest score, or, across several rates, least worst regret;
    of equal scores, the one with more capacity (it dominates)."""
    feasible = [r for r in results if is_feasible(r.score)]
    if not feasible:
        return None
    if len(setup.rates) == 1 or setup.objective == "throughput":
        return min(feasible, key=lambda r: (r.score, -(r.capacity_rps or 0.0)))
    return min(feasible, key=lambda r: (worst_regret(setup, r, feasible), r.score))


def worst_regret(setup: TrialSetup, r: TrialResult, feasible: list[TrialResult]) -> float:
    """The largest relative gap, over the rates, between ``r`` and the best any trial did there.

    A feasible trial met the SLO at every rate (its score is its worst rate's), so each one
    counts at each rate; a generative trial's feasibility is its goodput share, not its p99.
    """

    def value(p: RatePoint) -> float:
        return p.p99_ms if setup.objective == "latency" else p.device_busy

    worst = 0.0
    for i, p in enumerate(r.points):
        best = min(value(o.points[i]) for o in feasible)
        worst = max(worst, (value(p) - best) / best if best > 0 else 0.0)
    return worst


def _distributions(optuna: Any, space: tuple[Knob, ...]) -> dict[str, Any]:
    d = optuna.distributions

    def one(k: Knob) -> Any:
        if k.choices:
            return d.CategoricalDistribution(k.choices)
        if k.integer:
            return d.IntDistribution(int(k.low), int(k.high), log=k.log)
        return d.FloatDistribution(k.low, k.high, log=k.log)

    return {k.name: one(k) for k in space}


def _finite(x: float) -> float:
    return x if math.isfinite(x) else 1.0e9


def result_to_json(r: TrialResult) -> dict[str, Any]:
    """A trial result as JSON (what a shared study stores, and what reports print)."""
    out: dict[str, Any] = {
        "params": r.params,
        "score": r.score,
        "points": [p.to_json() for p in r.points],
        "sustained_rps": r.sustained_rps,
        "capacity_rps": r.capacity_rps,
        "front_rps": r.front_rps,
    }
    if r.extra:  # a generative lane's token figures (engine/tune/gen_trial.py)
        out["extra"] = r.extra
    return out


def result_from_json(d: dict[str, Any]) -> TrialResult:
    """The inverse of ``result_to_json``."""
    points = tuple(
        RatePoint(
            rate_rps=p["rate_rps"],
            p50_ms=p["p50_ms"],
            p99_ms=math.inf if p["p99_ms"] is None else p["p99_ms"],
            throughput_rps=p["throughput_rps"],
            device_busy=p["device_busy"],
            arrived=0,
        )
        for p in d["points"]
    )
    return TrialResult(
        d["params"],
        d["score"],
        points,
        d["sustained_rps"],
        d["capacity_rps"],
        d["front_rps"],
        d.get("extra", {}),
    )


def _stored_results(study: Any) -> list[TrialResult]:
    """Every finished trial of a shared study, this process's and the others'."""
    optuna = optuna_module()
    done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    return [result_from_json(t.user_attrs["result"]) for t in done if "result" in t.user_attrs]
