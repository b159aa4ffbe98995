"""What ``batchtui tune`` prints and writes for generative lanes: the pick per lane with its
TTFT/TPOT, the closest when the SLOs cannot be met, the Pareto front (p99 TTFT against output
tokens/s), and the live validation beside the prediction."""

from __future__ import annotations

from typing import Any

from batchtui.engine.gen.run import GenScenario
from batchtui.engine.params import fmt
from batchtui.engine.tune.gen_trial import GOOD_SHARE
from batchtui.engine.tune.gen_tuner import GenTuneRequest
from batchtui.engine.tune.gen_validation import GEN_FIGURES, GenValidation
from batchtui.engine.tune.search import LaneTune
from batchtui.engine.tune.trial import TrialResult
from batchtui.presets.from_lane import fitted_label
from batchtui.tui.text_table import num
from batchtui.tui.tune_report import (
    TUNE_FORMAT,
    front_block,
    headroom,
    lane_heading,
    lanes_json,
    moved_verdict,
    repeatability,
    runs_text,
    settings,
    signed_percent,
    validation_table,
)


def slo_text(request: GenTuneRequest) -> str:
    """The targets, e.g. "p99 TTFT <= 200 ms and TPOT <= 50 ms"."""
    parts = [
        f"{what} <= {fmt(v)} ms"
        for what, v in (("TTFT", request.slo_ttft_ms), ("TPOT", request.slo_tpot_ms))
        if v is not None
    ]
    return "p99 " + " and ".join(parts)


def _load(scenario: GenScenario, request: GenTuneRequest, results: list[LaneTune]) -> str:
    if request.objective == "throughput":
        return "the highest load it sustains"
    if request.rates is not None:
        return f"{num(request.rates[0])}-{num(request.rates[1])} req/s"
    trace = results[0].setup.trace if results else None  # type: ignore[attr-defined]
    if trace is not None:
        return f"the trace's load (x{scenario.load.speed:g}, {len(trace):,} requests)"
    return f"{num(scenario.load.rate_rps)} req/s"


def _figure(request: GenTuneRequest, r: TrialResult) -> str:
    x = r.extra
    line = (
        f"TTFT p50 {num(x['ttft_p50_ms'])} / p99 {num(x['ttft_p99_ms'])} ms, "
        f"TPOT p50 {num(x['tpot_p50_ms'])} / p99 {num(x['tpot_p99_ms'])} ms"
    )
    if request.objective == "throughput":
        return (
            f"sustains {num(r.sustained_rps)} req/s = {num(x['output_tokens_per_s'])} output "
            f"tokens/s ({line} there)"
        )
    if len(r.points) > 1:  # a load range: the figures where the setting did worst
        line = (
            f"worst over the range: TTFT p99 {num(max(q['ttft_p99_ms'] for q in x['rates']))}"
            f" ms, TPOT p99 {num(max(q['tpot_p99_ms'] or 0.0 for q in x['rates']))} ms"
        )
    return line + (headroom(r) if request.objective == "cost" else "")


def format_gen_tune(
    scenario: GenScenario,
    request: GenTuneRequest,
    results: list[LaneTune],
    validations: dict[str, GenValidation],
    pick: LaneTune | None,
    fitted_from: dict[str, Any] | None = None,
) -> str:
    """The report: a heading, a block per lane, the validation table, the chosen lane."""
    on = f" · on {fitted_label(fitted_from)}" if fitted_from else ""
    out = [
        f"batchtui tune · {request.objective} within {slo_text(request)} at "
        f"{_load(scenario, request, results)} · seed {scenario.seed}{on}"
    ]
    for r in results:
        out.append(lane_heading(r))
        if r.best is not None:
            out.append(f"  best     {settings(r.best.params)}")
            out.append(f"           {_figure(request, r.best)}")
        elif r.closest is not None:
            c = r.closest
            out.append(
                f"  infeasible: no setting tried meets {slo_text(request)} at "
                f"{_load(scenario, request, results)}"
            )
            worst = c.extra.get("worst_rate_rps")
            at = "" if worst is None else f"at {num(worst)} req/s, its worst: "
            out.append(
                f"  closest  {at}{c.extra['good_share']:.1%} of requests within the SLOs "
                f"({GOOD_SHARE:.0%} needed): TTFT p99 {num(c.extra['ttft_p99_ms'])} ms, TPOT "
                f"p99 {num(c.extra['tpot_p99_ms'])} ms with {settings(c.params)}"
            )
        if r.front:
            if request.objective == "throughput":
                what = "output tokens/s sustained against p99 TTFT there"
                columns = ("TTFT p99 ms", "tok/s")
            else:
                at = (
                    "the offered load"
                    if request.rates is None
                    else f"{num(request.rates[0])} req/s"
                )
                what = f"p99 TTFT at {at} against capacity"
                columns = ("TTFT p99 ms", "capacity tok/s")
            out += front_block(r, what, columns)
    if validations:
        repeated = any(v.repeated for v in validations.values())
        how = f" (median of {runs_text(validations)}, error against the median)"
        out.append(
            "\nvalidation: predicted (simulator, on the fit) vs measured (live, wall clock)"
            + (how if repeated else "")
        )
        out += validation_table(validations, GEN_FIGURES, ranges=repeated)
        for v in validations.values():
            for figure, label in (("ttft_p99_ms", "TTFT p99"), ("tpot_p99_ms", "TPOT p99")):
                if line := repeatability(v, figure, label):
                    out.append(line)
        for v in validations.values():
            out += refit_lines(v)
    if pick is not None:
        out.append(f"\nchosen: {pick.lane} ({pick.kind})")
    else:
        out.append(f"\nno lane meets {slo_text(request)}; see 'closest' above")
    return "\n".join(out)


def refit_lines(v: GenValidation) -> list[str]:
    """What the fit after a lane's live runs says: the two prices against the search's fit,
    how far apart, and the gaps of the prediction made on it; nothing without a refit."""
    if (r := v.refit) is None:
        return []
    verdict = moved_verdict(r.drift)
    gaps = ", ".join(
        f"{label} {num(r.predicted[f])} ms ({signed_percent(v.refit_error(f))})"
        for f, label in (("ttft_p50_ms", "TTFT p50"), ("tpot_p50_ms", "TPOT p50"))
    )
    return [
        f"{v.lane}: fitted again after the live runs: a lone {r.prompt_tokens}-token prefill "
        f"{num(r.after.prefill_ms)} ms (the search's fit {num(r.before.prefill_ms)}), a decode "
        f"step {num(r.after.decode_ms)} ms ({num(r.before.decode_ms)}); {r.drift:.0%} apart, "
        f"{verdict}",
        f"{' ' * len(v.lane)}  predicted on the later fit: {gaps} against the measured",
    ]


def gen_tune_json(
    scenario: GenScenario,
    request: GenTuneRequest,
    results: list[LaneTune],
    validations: dict[str, GenValidation],
    pick: LaneTune | None,
    fitted_from: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``batchtui.tune/1`` document for generative lanes: the request-level shape with
    ``generative``, the token SLOs, and each result's token figures in ``extra``
    (``front_rps`` is output tokens/s here)."""
    return {
        "format": TUNE_FORMAT,
        "generative": True,
        "objective": request.objective,
        "slo_ms": None,
        "slo_ttft_ms": request.slo_ttft_ms,
        "slo_tpot_ms": request.slo_tpot_ms,
        "rates": list(request.rates) if request.rates else None,
        "seconds": request.seconds,
        "seed": scenario.seed,
        "load": scenario.load.to_dict(),
        "model": {
            **scenario.model.to_dict(),
            **({"fitted_from": fitted_from} if fitted_from else {}),
        },
        "chosen": pick.lane if pick else None,
        "lanes": lanes_json(results, validations),
    }
