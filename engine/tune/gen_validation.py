"""Proof of a generative pick: the winner served by the live generative runtime on the real
model (tiny-gpt, a gen-factory), beside what the simulator predicted on the model's fit, on
the same requests (one seed). It may be served several times (``tune --validate-runs``): a
lone request's TTFT on a shared CPU moves by a third between minutes, so the runs' own range
says how far to trust a gap."""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from batchtui.engine.gen.cost import StepCost
from batchtui.engine.gen.fit_drift import LonePrices, fit_drift
from batchtui.engine.gen.run import GenScenario, run_generative
from batchtui.engine.gen.workload import gen_requests
from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import LaneSpec
from batchtui.engine.tune.conditions import torch_threads
from batchtui.engine.tune.validation import Validation, median_known, middle_of, relative_error

GEN_FIGURES = ("ttft_p50_ms", "ttft_p99_ms", "tpot_p50_ms", "tpot_p99_ms")


@dataclass(frozen=True)
class Refit:
    """The winner predicted again on a fit measured right after its live runs, beside the
    fit the search ran on: when the two disagree, the machine moved between them, and a gap
    against the first prediction measures the minute as much as the simulator."""

    predicted: dict[str, float | None]  # the winner's figures simulated on the later fit
    before: LonePrices  # the search's fit
    after: LonePrices  # the fit after the live runs
    prompt_tokens: int  # the lone request priced: the served requests' median prompt
    context_tokens: int  # the decode priced: median prompt + half the median output

    @property
    def drift(self) -> float:
        """How far the two fits disagree (``fit_drift``)."""
        return fit_drift(self.before, self.after)

    def to_json(self) -> dict[str, Any]:
        return {
            "predicted": self.predicted,
            "drift": self.drift,
            "prompt_tokens": self.prompt_tokens,
            "context_tokens": self.context_tokens,
            "search_fit_ms": dataclasses.asdict(self.before),
            "refit_ms": dataclasses.asdict(self.after),
        }


@dataclass(frozen=True)
class GenValidation:
    """Predicted and measured TTFT/TPOT p50/p99 of one lane's winner, and their errors."""

    lane: str
    predicted: dict[str, float | None]
    measured: dict[str, float | None]
    live_lane: dict[str, Any]  # the live run's run/2 lane (a preset's ``measured``)
    device: str  # what served the live run, e.g. "cpu (8 threads)"
    duration_s: float
    # Every live run's run/2 lane. With several, ``measured`` holds each figure's median over
    # them and ``live_lane`` is the median-TTFT-p99 run's (the lower middle of an even count).
    runs: tuple[dict[str, Any], ...] = ()
    runs_asked: int = 1  # more than ``len(runs)`` when Ctrl-C stopped the validation
    refit: Refit | None = None  # the prediction on a fit after the live runs (None: not made)

    error = Validation.error  # (measured − predicted) / predicted, as for request-level lanes
    repeated = Validation.repeated
    predicted_within_range = Validation.predicted_within_range

    def measured_range(self, figure: str) -> tuple[float, float] | None:
        """The lowest and highest ``figure`` over the live runs; None with fewer than two."""
        values = [v for v in (token_figures(r)[figure] for r in self.runs) if v is not None]
        return (min(values), max(values)) if len(values) > 1 else None

    def refit_error(self, figure: str) -> float | None:
        """(measured − predicted on the later fit) / that prediction; None without a refit."""
        if self.refit is None:
            return None
        return relative_error(self.measured.get(figure), self.refit.predicted.get(figure))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "lane": self.lane,
            "device": self.device,
            "predicted": self.predicted,
            "measured": self.measured,
            "relative_error": {f: self.error(f) for f in GEN_FIGURES},
        }
        if self.repeated:  # additive, as for request-level lanes: one run's is as before
            out["runs_asked"] = self.runs_asked
            out["runs"] = [token_figures(r) for r in self.runs]
            spans = {f: self.measured_range(f) for f in GEN_FIGURES}
            out["measured_range"] = {f: list(s) if s else None for f, s in spans.items()}
            out["predicted_within_range"] = {f: self.predicted_within_range(f) for f in GEN_FIGURES}
        if self.refit is not None:  # additive too
            errors = {f: self.refit_error(f) for f in GEN_FIGURES}
            out["refit"] = {**self.refit.to_json(), "relative_error": errors}
        return out


def gen_winner(scenario: GenScenario, lane: LaneSpec, params: dict[str, Any]) -> GenScenario:
    """``scenario`` with only ``lane``, running ``params``."""
    spec = LaneSpec(lane.name, lane.kind, {**lane.params, **params})
    return dataclasses.replace(scenario, lanes=(spec,))


def token_figures(lane: dict[str, Any]) -> dict[str, float | None]:
    """The compared figures of a run/2 lane."""
    return {
        "ttft_p50_ms": lane["ttft_ms"]["p50"],
        "ttft_p99_ms": lane["ttft_ms"]["p99"],
        "tpot_p50_ms": lane["tpot_ms"]["p50"],
        "tpot_p99_ms": lane["tpot_ms"]["p99"],
    }


def predict_gen(predicted_on: GenScenario, seconds: float) -> dict[str, Any]:
    """The simulated run/2 lane of ``predicted_on``'s one lane over ``seconds`` of arrivals."""
    return run_generative(predicted_on, seconds)["lanes"][0]


def serve_gen_live(live: GenScenario, seconds: float, device_name: str) -> dict[str, Any]:
    """``live``'s one lane served on the real model on ``device_name`` for ``seconds`` of
    arrivals: its run/2 lane, with ``device`` (what served it, in words) added. On the CPU
    with the torch threads the profile ran with (``torch_threads``)."""
    from batchtui.engine.device import describe_device, resolve_device
    from batchtui.engine.gen.live_run import run_generative_live
    from batchtui.engine.models.generative import load_generative

    device = resolve_device(device_name)
    with torch_threads(str(device)):  # as the profile was measured (tui/gen_profile.py)
        module = load_generative(live.model, device, live.seed)
        lane = run_generative_live(live, seconds, module, device)["lanes"][0]
        return {**lane, "device": describe_device(device)}


def gen_from_runs(
    predicted: dict[str, Any],
    runs: Sequence[dict[str, Any]],
    seconds: float,
    runs_asked: int | None = None,
) -> GenValidation:
    """The validation from the prediction and the live runs (at least one): each figure the
    median over the runs; the run with the median TTFT p99 stands for the rest (a preset's
    ``measured`` when there is one run)."""
    middle = middle_of(runs, lambda r: token_figures(r)["ttft_p99_ms"])
    per_run = [token_figures(r) for r in runs]
    measured = {f: median_known([x[f] for x in per_run]) for f in GEN_FIGURES}
    return GenValidation(
        middle["name"],
        token_figures(predicted),
        measured,
        {k: v for k, v in middle.items() if k != "device"},
        " / ".join(sorted({r["device"] for r in runs})),
        seconds,
        runs=tuple(runs),
        runs_asked=len(runs) if runs_asked is None else runs_asked,
    )


def refit_of(fitted_winner: GenScenario, later: StepCost, seconds: float) -> Refit:
    """The ``Refit`` of a winner (simulated on the search's fit, ``fitted_winner``) on the
    ``later`` fit, over the same ``seconds`` of requests."""
    requests = gen_requests(fitted_winner.load, seconds, fitted_winner.seed)
    prompt = int(statistics.median(requests.prompt.tolist())) if len(requests) else 1
    output = int(statistics.median(requests.output.tolist())) if len(requests) else 1
    context = prompt + output // 2
    earlier = StepCost.from_spec(fitted_winner.model)
    on_later = dataclasses.replace(
        fitted_winner, model=ModelSpec("analytic-llm", dataclasses.asdict(later))
    )
    return Refit(
        token_figures(predict_gen(on_later, seconds)),
        LonePrices.of(earlier, prompt, context),
        LonePrices.of(later, prompt, context),
        prompt,
        context,
    )
