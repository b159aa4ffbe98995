"""Proof of a generative pick: the winner served by the live generative runtime on the real
model (tiny-gpt, a gen-factory), beside what the simulator predicted on the model's fit, on
the same requests (one seed)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from batchtui.engine.gen.run import GenScenario, run_generative
from batchtui.engine.scenario import LaneSpec
from batchtui.engine.tune.validation import Validation

GEN_FIGURES = ("ttft_p50_ms", "ttft_p99_ms", "tpot_p50_ms", "tpot_p99_ms")


@dataclass(frozen=True)
class GenValidation:
    """Predicted and measured TTFT/TPOT p50/p99 of one lane's winner, and their errors."""

    lane: str
    predicted: dict[str, float | None]
    measured: dict[str, float | None]
    live_lane: dict[str, Any]  # the live run's run/2 lane (a preset's ``measured``)
    device: str  # what served the live run, e.g. "cpu (8 threads)"
    duration_s: float

    error = Validation.error  # (measured − predicted) / predicted, as for request-level lanes

    def to_json(self) -> dict[str, Any]:
        return {
            "lane": self.lane,
            "device": self.device,
            "predicted": self.predicted,
            "measured": self.measured,
            "relative_error": {f: self.error(f) for f in GEN_FIGURES},
        }


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


def validate_gen_winner(
    live: GenScenario, predicted_on: GenScenario, seconds: float, device_name: str
) -> GenValidation:
    """Serve ``live`` (one lane, the real model on ``device_name``) for ``seconds`` of
    arrivals on the wall clock, and simulate ``predicted_on`` (the same lane and seed on
    the fitted analytic-llm cost) over the same requests."""
    from batchtui.engine.device import describe_device, resolve_device
    from batchtui.engine.gen.live_run import run_generative_live
    from batchtui.engine.models.generative import load_generative

    predicted = run_generative(predicted_on, seconds)["lanes"][0]
    device = resolve_device(device_name)
    module = load_generative(live.model, device, live.seed)
    measured = run_generative_live(live, seconds, module, device)["lanes"][0]
    return GenValidation(
        live.lanes[0].name,
        token_figures(predicted),
        token_figures(measured),
        measured,
        describe_device(device),
        seconds,
    )
