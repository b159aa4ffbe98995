"""What the dashboard runs when it starts: the default scenario, or one from a preset."""

from __future__ import annotations

from batchtui.engine.errors import ConfigError
from batchtui.engine.load import LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import DEFAULT_LANES, LaneSpec, Scenario
from batchtui.presets import Preset
from batchtui.tui.scenario_args import generative_preset_refusal

DEFAULT_RATE_RPS = 1000.0  # moderate for the default model on a small CPU; slide it up
DEFAULT_SLO_MS = 20.0
DEFAULT_MAX_QUEUE = 20_000  # bounded: an overloaded lane drops and says so, memory stays flat


def dashboard_scenario(
    preset: Preset | None = None, model: ModelSpec | None = None, device: str | None = None
) -> Scenario:
    """Three lanes on a moderate Poisson load and the default local model (the mlp), or a
    preset's load, model, device and SLO with its batcher settings on the lane of its kind."""
    lanes = tuple(
        LaneSpec(
            kind,
            kind,
            dict(preset.batcher_params) if preset and preset.batcher_kind == kind else {},
        )
        for kind in DEFAULT_LANES
    )
    if preset is not None and preset.generative:
        raise ConfigError("preset", generative_preset_refusal(preset, preset.name))
    if preset is not None:
        return Scenario(
            load=preset.run_load(),
            model=model or preset.run_model(),
            lanes=lanes,
            max_queue=DEFAULT_MAX_QUEUE,
            slo_ms=preset.slo_p99_ms or DEFAULT_SLO_MS,
            device=device or preset.device,
        )
    return Scenario(
        load=LoadSpec(rate_rps=DEFAULT_RATE_RPS),
        model=model or ModelSpec("mlp"),
        lanes=lanes,
        max_queue=DEFAULT_MAX_QUEUE,
        slo_ms=DEFAULT_SLO_MS,
        device=device or "auto",
    )
