"""What ``batchtui tune`` prints and writes: the pick per lane, the closest when the SLO cannot
be met, the Pareto front, and the validation beside the prediction (with several live runs,
their median and range, and whether the prediction lies within that range)."""

from __future__ import annotations

from typing import Any

from batchtui.engine.params import fmt
from batchtui.engine.scenario import Scenario
from batchtui.engine.tune import TuneRequest
from batchtui.engine.tune.search import LaneTune, result_to_json
from batchtui.engine.tune.trial import TrialResult
from batchtui.engine.tune.validation import FIGURES, GAP_GOAL, Validation
from batchtui.tui.text_table import num, text_table

TUNE_FORMAT = "batchtui.tune/1"
FRONT_ROWS = 8  # the front printed per lane; the JSON has all of it


def settings(params: dict[str, Any]) -> str:
    """Knob settings as flags a user can paste: max_batch_size=64 max_wait_ms=1.25."""
    return " ".join(
        f"{k}={fmt(round(v, 3)) if isinstance(v, float) else v}" for k, v in params.items()
    )


def _load(scenario: Scenario, request: TuneRequest) -> str:
    if request.objective == "throughput":
        return "the highest load it sustains"
    if request.rates is not None:
        return f"{num(request.rates[0])}-{num(request.rates[1])} req/s"
    if scenario.load.pattern == "trace":
        return f"the trace's load (x{scenario.load.speed:g})"
    return f"{num(scenario.load.rate_rps)} req/s"


def _figure(request: TuneRequest, r: TrialResult) -> str:
    p = r.first
    if request.objective == "throughput":
        return f"sustains {num(r.sustained_rps)} req/s (p99 {num(p.p99_ms)} ms there)"
    line = f"p50 {num(p.p50_ms)} ms, p99 {num(p.p99_ms)} ms"
    if len(r.points) > 1:
        line = "worst p99 over the range " + num(max(q.p99_ms for q in r.points)) + " ms"
    return line + (headroom(r) if request.objective == "cost" else "")


def headroom(r: TrialResult) -> str:
    """The cost objective's figure: the busiest the device was over the rates, and what is left."""
    busy = max(q.device_busy for q in r.points)
    return f", device busy {busy:.0%} (headroom {1 - busy:.0%})"


def format_tune(
    scenario: Scenario,
    request: TuneRequest,
    results: list[LaneTune],
    validations: dict[str, Validation],
    pick: LaneTune | None,
) -> str:
    """The report: a heading, a block per lane, the validation table, the chosen lane."""
    out = [
        f"batchtui tune · {request.objective} within p99 {fmt(request.slo_ms)} ms at "
        f"{_load(scenario, request)} · seed {scenario.seed}"
    ]
    for r in results:
        out.append(lane_heading(r))
        if r.best is not None:
            out.append(f"  best     {settings(r.best.params)}")
            out.append(f"           {_figure(request, r.best)}")
        elif r.closest is not None:
            out.append(
                f"  infeasible: no setting tried meets p99 <= {fmt(request.slo_ms)} ms at "
                f"{_load(scenario, request)}"
            )
            c = r.closest
            closest = (
                "lost requests (over capacity)"
                if not _finite(c)
                else (f"p99 {num(max(q.p99_ms for q in c.points))} ms")
            )
            out.append(f"  closest  {closest} with {settings(c.params)}")
        if r.front:
            if request.objective == "throughput":
                what, column = "rate sustained against the p99 there", "sustained"
            else:
                what = f"p99 at {num(r.front[0].first.rate_rps)} req/s against capacity"
                column = "capacity"
            out += front_block(r, what, ("p99 ms", column))
    if validations:
        devices = ", ".join(sorted({v.device for v in validations.values()}))
        repeated = any(v.repeated for v in validations.values())
        how = f"median of {runs_text(validations)}, " if repeated else ""
        out.append(
            f"\nvalidation: predicted (simulator) vs measured (live, wall clock) on {devices}"
            + (f" ({how}error against the median)" if repeated else "")
        )
        out += validation_table(validations, FIGURES, ranges=repeated)
        out += [line for v in validations.values() if (line := repeatability(v))]
        out += _causes(validations)
        out += [line for v in validations.values() if (line := refit_line(v))]
    if pick is not None:
        out.append(f"\nchosen: {pick.lane} ({pick.kind})")
    else:
        out.append(f"\nno lane meets p99 <= {fmt(request.slo_ms)} ms; see 'closest' above")
    return "\n".join(out)


def runs_text(validations: dict[str, Any]) -> str:
    """How many live runs each figure is the median of: "3 runs", or "2 of 3 runs" when
    Ctrl-C stopped the validation."""
    asked = max(v.runs_asked for v in validations.values())
    done = {len(v.runs) for v in validations.values()}
    if done == {asked}:
        return f"{asked} runs"
    return f"{'/'.join(map(str, sorted(done)))} of {asked} runs"


def repeatability(v: Any, figure: str = "p99_ms", label: str = "p99") -> str | None:
    """Whether the gap in ``figure`` (``label`` in words) is beyond the machine's own
    run-to-run spread: the live runs' range, how far apart its ends are, and where the
    prediction lies; None for one run. ``v``: a request-level or generative validation."""
    span, predicted = v.measured_range(figure), v.predicted.get(figure)
    if span is None or predicted is None:
        return None
    low, high = span
    spread = f"{high / low:.1f}x" if low > 0 else "-"
    inside = v.predicted_within_range(figure)
    where = "within" if inside else "below" if predicted < low else "above"
    if inside:
        verdict = "the gap is within this machine's run-to-run spread"
    elif abs(v.error(figure) or 0.0) <= GAP_GOAL:  # a tight range, a small gap
        verdict = f"the gap is beyond the runs' spread but within the {GAP_GOAL:.0%} goal"
    else:
        verdict = "the gap is beyond this machine's run-to-run spread"
    return (
        f"{v.lane}: live {label} over {len(v.runs)} runs {num(low)}-{num(high)} ms (spread "
        f"{spread}); the prediction {num(predicted)} ms lies {where} that range: {verdict}"
    )


def moved_verdict(drift: float) -> str:
    """What a refit's drift says: whether the machine moved between the two measurements."""
    if drift > GAP_GOAL:
        return (
            f"more than the {GAP_GOAL:.0%} goal: the machine's speed moved between the "
            "profiles, so the gaps above measure the minute as much as the simulator"
        )
    return f"within the {GAP_GOAL:.0%} goal: the machine held its speed between the profiles"


def refit_line(v: Validation) -> str | None:
    """What the profile measured after a lane's live runs predicts, against the search's
    profile and the measured; None without a refit."""
    drift = v.refit_drift
    if v.refit is None or drift is None:
        return None
    return (
        f"{v.lane}: profiled again after the live runs, it predicts p99 "
        f"{num(v.refit.latency.p99)} ms (the search's profile {num(v.predicted.get('p99_ms'))} "
        f"ms; {drift:.0%} apart, {moved_verdict(drift)}); the measured p99 is "
        f"{signed_percent(v.refit_error('p99_ms'))} off it"
    )


def signed_percent(x: float | None) -> str:
    """A relative error as "+12%" ("-" when unknown)."""
    return "-" if x is None else f"{x:+.0%}"


def _causes(validations: dict[str, Validation]) -> list[str]:
    """One line per lane whose p99 is beyond the goal, saying what likely made the gap."""
    out = []
    for lane, v in validations.items():
        if v.likely_cause is not None:
            gap = v.error("p99_ms") or 0.0
            out.append(f"{lane}: p99 {gap:+.0%} off the prediction; likely cause: {v.likely_cause}")
    return out


def lane_heading(r: LaneTune) -> str:
    """A lane block's first line: its trials, the samplers, whether Ctrl-C cut it short."""
    sampler = "grid" if r.sampler == "grid" else "TPE"
    if r.front_trials:
        sampler += ", then NSGA-II for the front"
    head = f"\n{r.lane} ({r.kind}): {r.trials_in_study} trials ({sampler})"
    return head + (", interrupted" if r.interrupted else "")


def front_block(r: LaneTune, what: str, columns: tuple[str, str]) -> list[str]:
    """The lane's Pareto front (its first FRONT_ROWS), ``columns``: the p99 and throughput
    headers."""
    rows = [(num(t.first.p99_ms), num(t.front_rps), settings(t.params)) for t in r.front]
    more = f" (first {FRONT_ROWS} of {len(r.front)})" if len(r.front) > FRONT_ROWS else ""
    table = text_table((*columns, "settings"), rows[:FRONT_ROWS], (True, True, False))
    return [f"  Pareto front, {what}{more}:", *("    " + line for line in table.splitlines())]


def validation_table(
    validations: dict[str, Any], figures: tuple[str, ...], ranges: bool = False
) -> list[str]:
    """Predicted, measured and their relative error, a row per lane and figure
    (``validations``: request-level or generative, with ``predicted``/``measured``/``error``);
    with ``ranges``, the live runs' min-max beside the measured median."""
    rows = []
    for lane, v in validations.items():
        for f in figures:
            err = v.error(f)
            row: tuple[str, ...] = (lane, f, num(v.predicted[f]), num(v.measured[f]))
            if ranges:
                span = v.measured_range(f)
                row += ("-" if span is None else f"{num(span[0])}-{num(span[1])}",)
            rows.append((*row, "-" if err is None else f"{err:+.1%}"))
    heads = ("lane", "figure", "predicted", "measured", *(("live range",) if ranges else ()))
    right = (False, False, *(True,) * (len(heads) - 1))
    return text_table((*heads, "error"), rows, right).splitlines()


def _finite(r: TrialResult) -> bool:
    return all(q.p99_ms != float("inf") for q in r.points)


def tune_json(
    scenario: Scenario,
    request: TuneRequest,
    results: list[LaneTune],
    validations: dict[str, Validation],
    pick: LaneTune | None,
) -> dict[str, Any]:
    """The ``batchtui.tune/1`` document."""
    return {
        "format": TUNE_FORMAT,
        "objective": request.objective,
        "slo_ms": request.slo_ms,
        "rates": list(request.rates) if request.rates else None,
        "seconds": request.seconds,
        "seed": scenario.seed,
        "load": scenario.load.to_dict(),
        "model": scenario.model.to_dict(),
        "chosen": pick.lane if pick else None,
        "lanes": lanes_json(results, validations),
    }


def stopped_json(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` marked as holding only the live runs that finished before Ctrl-C (additive)."""
    return {**doc, "validation_interrupted": True}


def lanes_json(results: list[LaneTune], validations: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``lanes`` of a ``batchtui.tune/1`` document (``validations``: lane -> a
    validation with ``to_json``, request-level or generative)."""
    return [
        {
            "name": r.lane,
            "kind": r.kind,
            "sampler": r.sampler,
            "trials": r.trials_in_study,
            "interrupted": r.interrupted,
            "feasible": r.best is not None,
            "best": result_to_json(r.best) if r.best else None,
            "closest": result_to_json(r.closest) if r.closest and r.best is None else None,
            "front": [result_to_json(t) for t in r.front],
            "validation": validations[r.lane].to_json() if r.lane in validations else None,
        }
        for r in results
    ]
