"""A generative preset on the command line: what ``run --preset`` starts from, and what
``run --save-preset`` writes after a generative run (through presets/, like request-level runs).

Flags override the preset, as in request-level runs: load flags its load, ``--model-param``
its model's parameters, ``--slo-ttft-ms``/``--slo-tpot-ms`` its targets; its batcher settles
every lane of its kind.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.run import GenScenario
from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import LaneSpec
from batchtui.engine.session.gen_messages import GenLaneStats
from batchtui.presets import Preset, save_preset
from batchtui.presets.from_lane import (
    device_label,
    fitted_label,
    gen_measured_figures,
    lane_preset,
)
from batchtui.tui.model_args import model_from_args
from batchtui.tui.preset_target import preset_name


def preset_model(args: argparse.Namespace, preset: Preset) -> ModelSpec:
    """The preset's model, with any ``--model-param`` over its parameters."""
    model = preset.run_model()
    if not args.model_param:
        return model
    given = {name: (f"--preset {args.preset}: model.{name}", v) for name, v in model.params.items()}
    return model_from_args(args, model.kind, given)


def preset_slos(preset: Preset | None) -> dict[str, float]:
    """The preset's TTFT/TPOT targets by GenScenario's names (the flags override them)."""
    if preset is None:
        return {}
    slos = {"slo_ttft_ms": preset.slo_ttft_ms, "slo_tpot_ms": preset.slo_tpot_ms}
    return {k: v for k, v in slos.items() if v is not None}


def with_preset_lane(
    lanes: list[LaneSpec], preset: Preset | None, lanes_given: bool
) -> list[LaneSpec]:
    """The lanes, plus one of the preset's batcher when none runs it and ``--lanes`` was left
    out; a ConfigError when ``--lanes`` leaves it out."""
    if preset is None or any(lane.kind == preset.batcher_kind for lane in lanes):
        return lanes
    if lanes_given:
        raise ConfigError(
            "--lanes",
            f"no lane runs the preset's batcher ({preset.batcher_kind}); add "
            f"{preset.batcher_kind} to --lanes, or leave --lanes out",
        )
    return [*lanes, LaneSpec(preset.batcher_kind, preset.batcher_kind, {})]


def preset_params(lane: LaneSpec, preset: Preset | None) -> dict[str, Any]:
    """The preset's batcher settings for a lane of its kind (flags go over them), else none."""
    if preset is None or lane.kind != preset.batcher_kind:
        return {}
    return dict(preset.batcher_params)


def save_gen_preset(
    report: dict[str, Any], scenario: GenScenario, lane: str, path: Path, duration_s: float
) -> None:
    """One lane of a generative run as a preset: its settings, the scenario, its figures."""
    figures = next(item for item in report["lanes"] if item["name"] == lane)
    kind = figures["batcher"]["kind"]
    fitted_from = report["model"].get("fitted_from")  # a torch model's fit: say where from
    on = "a generative model" if fitted_from is None else fitted_label(fitted_from)
    measured = gen_measured_figures(
        figures,
        duration_s=duration_s,
        device=device_label(report["model"]) if fitted_from is None else on,
    )
    if fitted_from is not None:
        measured["fitted_from"] = fitted_from
    preset = lane_preset(
        name=preset_name(path, lane),
        description=f"Saved by batchtui run: the {kind} lane {lane!r} on {on}.",
        batcher=figures["batcher"],
        load=scenario.load,
        model=scenario.model,
        device="auto",
        slo_ms=None,
        slo_ttft_ms=scenario.slo_ttft_ms,
        slo_tpot_ms=scenario.slo_tpot_ms,
        measured=measured,
    )
    try:
        save_preset(preset, path)
    except OSError as e:
        raise ConfigError("--save-preset", f"cannot write {path}: {e.strerror or e}") from None


def window_measured(recent: GenLaneStats, arrival_rps: float | None, device: str) -> dict[str, Any]:
    """The ``measured`` object of a preset exported from the dashboard: one lane's figures
    over the recent window (``arrival_rps``: the arrivals measured over it), in the shape
    ``run --save-preset`` writes; what the window does not hold (inter-token latencies, the
    sequences-per-step histogram, rejections within it) is left out or since the start."""

    def latency(summary: Any) -> dict[str, float | None]:
        return {k: getattr(summary, k) for k in ("p50", "p90", "p99", "max")}

    lane: dict[str, Any] = {
        "arrived": round((arrival_rps or 0.0) * recent.span_s),
        "completed": round(recent.requests_per_s * recent.span_s),
        "rejected": recent.rejected,
        "throughput_rps": recent.requests_per_s,
        "output_tokens_per_s": recent.output_tokens_per_s,
        "device_busy": None,
        "ttft_ms": latency(recent.ttft),
        "tpot_ms": latency(recent.tpot),
        "itl_ms": {"p50": None},
        "e2e_ms": latency(recent.e2e),
        "seqs_per_step": {"histogram": {}},
        "kv_cache": {
            "max_tokens": recent.kv_peak if recent.kv_capacity else None,
            "capacity_tokens": recent.kv_capacity,
            "mean_tokens": recent.kv_tokens,
        },
        "preemptions": recent.preemptions,
    }
    if recent.goodput_rps is not None:
        lane["goodput_rps"] = recent.goodput_rps
    return gen_measured_figures(lane, duration_s=recent.span_s, device=device)
