"""A lane that ran, as a preset: its settings, what it ran on, and what was measured.

The one place a preset document is built from figures, so the dashboard's export and the
command line write the same ``measured`` shape, the one the exporters read
(``measured.batch_size.p90`` / ``.mean``). A generative lane's figures (a ``batchtui.run/2``
lane) are kept by ``gen_measured_figures``: TTFT, TPOT, tokens/s, sequences per step, KV use.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from batchtui.engine.load import LoadSpec
from batchtui.engine.metrics import LaneStats
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.spec import GENERATIVE_KINDS
from batchtui.presets.schema import GEN_PRESET_FORMAT, PRESET_FORMAT, Preset, load_dict
from batchtui.presets.validate import preset_from_dict

FIGURE_DIGITS = 4  # significant digits kept in ``measured``: enough to compare, easy to read


def measured_figures(
    stats: LaneStats,
    *,
    device: str,
    command: str | None = None,
    date: datetime | None = None,
) -> dict[str, Any]:
    """The ``measured`` object of a preset: one lane's figures over ``stats``' span."""
    out = _provenance(device, command, date)
    out["window_s"] = _round(stats.span_s)
    out["requests"] = stats.arrived
    out["completed"] = stats.completed
    out["rejected"] = stats.rejected
    out["failed"] = stats.failed
    out["offered_rps"] = _round(stats.offered_rps)
    out["throughput_rps"] = _round(stats.throughput_rps)
    if stats.goodput_rps is not None:
        out["goodput_rps"] = _round(stats.goodput_rps)
    out["device_busy"] = _round(stats.device_busy)
    latency = stats.latency
    if latency.count:
        out["latency_ms"] = {k: _round(getattr(latency, k)) for k in ("p50", "p90", "p99", "max")}
    wait = stats.queue_wait
    if wait.count:
        out["queue_wait_ms"] = {k: _round(getattr(wait, k)) for k in ("p50", "p99")}
    sizes = batch_size_figures(stats.batch_histogram)
    if sizes:
        out["batch_size"] = sizes
    return out


GEN_LATENCIES = ("ttft_ms", "tpot_ms", "itl_ms", "e2e_ms")
"""A generative lane's latency figures kept in ``measured``, each as p50/p90/p99/max."""


def gen_measured_figures(
    lane: Mapping[str, Any],
    *,
    duration_s: float,
    device: str,
    command: str | None = None,
    date: datetime | None = None,
) -> dict[str, Any]:
    """The ``measured`` object of a generative preset, from one lane of a ``batchtui.run/2``
    report whose arrivals spanned ``duration_s``."""
    out = _provenance(device, command, date)
    out["window_s"] = _round(duration_s)
    for key in ("arrived", "completed", "rejected"):
        out["requests" if key == "arrived" else key] = lane[key]
    out["offered_rps"] = _round(lane["arrived"] / duration_s) if duration_s > 0 else None
    out["throughput_rps"] = _round(lane["throughput_rps"])
    if "goodput_rps" in lane:
        out["goodput_rps"] = _round(lane["goodput_rps"])
    out["output_tokens_per_s"] = _round(lane["output_tokens_per_s"])
    out["device_busy"] = _round(lane["device_busy"])
    for key in GEN_LATENCIES:
        if lane[key]["p50"] is not None:
            out[key] = {k: _round(lane[key][k]) for k in ("p50", "p90", "p99", "max")}
    seqs = {int(size): count for size, count in lane["seqs_per_step"]["histogram"].items()}
    if seqs:
        out["seqs_per_step"] = batch_size_figures(seqs)
    kv = lane["kv_cache"]
    if kv["max_tokens"] is not None:
        out["kv_cache"] = {
            "capacity_tokens": kv["capacity_tokens"],
            "peak_tokens": kv["max_tokens"],
            "mean_tokens": _round(kv["mean_tokens"]),
        }
    out["preemptions"] = lane["preemptions"]
    return out


def _provenance(device: str, command: str | None, date: datetime | None) -> dict[str, Any]:
    """When, on what and by which command the figures were measured."""
    when = (date or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    out: dict[str, Any] = {"date": when, "device": device}
    if command:
        out["command"] = command
    return out


def device_label(model: Mapping[str, Any]) -> str:
    """What the figures were measured on, from a model's JSON: the device's name when a torch
    model ran (``Intel Xeon …``, ``NVIDIA H100``), else the model kind (``analytic``)."""
    return str(model.get("device_name") or model.get("device") or model.get("kind") or "unknown")


def fitted_label(fitted_from: Mapping[str, Any]) -> str:
    """What a fitted analytic-llm stands for, from run/2's ``model.fitted_from``:
    ``analytic-llm fitted to tiny-gpt on cpu``."""
    kind, device = fitted_from.get("kind", "a torch model"), fitted_from.get("device", "?")
    return f"analytic-llm fitted to {kind} on {device}"


def batch_size_figures(histogram: Mapping[int, int]) -> dict[str, float | int]:
    """Mean, 90th percentile (nearest rank: a size that really occurred) and max of batch
    sizes from their histogram; empty when no batch ran."""
    total = sum(histogram.values())
    if total == 0:
        return {}
    sizes = sorted(histogram)
    mean = sum(size * count for size, count in histogram.items()) / total
    rank, seen, p90 = 0.9 * total, 0, sizes[-1]
    for size in sizes:
        seen += histogram[size]
        if seen >= rank:
            p90 = size
            break
    return {"mean": _round(mean), "p90": p90, "max": sizes[-1]}


def lane_preset(
    *,
    name: str,
    description: str,
    batcher: Mapping[str, Any],
    load: LoadSpec,
    model: ModelSpec,
    device: str,
    slo_ms: float | None,
    measured: Mapping[str, Any] | None,
    slo_ttft_ms: float | None = None,
    slo_tpot_ms: float | None = None,
) -> Preset:
    """A validated Preset from a lane's settings (``batcher`` holds ``kind`` and its
    parameters); PresetError if anything would not load back. Relative paths in ``load``
    and ``model`` are taken from the working directory (saved elsewhere, they become absolute).
    A generative model's lane takes ``slo_ttft_ms``/``slo_tpot_ms`` instead of ``slo_ms``."""
    generative = model.kind in GENERATIVE_KINDS
    doc: dict[str, Any] = {
        "format": GEN_PRESET_FORMAT if generative else PRESET_FORMAT,
        "name": name,
        "description": description,
        "batcher": dict(batcher),
        "load": load_dict(load, generative=generative),
        "model": model.to_dict(),
        "device": device,
    }
    targets = {"p99_ms": slo_ms, "ttft_ms": slo_ttft_ms, "tpot_ms": slo_tpot_ms}
    if any(v is not None for v in targets.values()):
        doc["slo"] = {k: v for k, v in targets.items() if v is not None}
    if measured is not None:
        doc["measured"] = dict(measured)
    # Relative trace and model paths were typed relative to the working directory.
    return preset_from_dict(doc, source=f"preset {name!r}", base_dir=Path.cwd())


def _round(x: float | None) -> float | None:
    """``x`` to FIGURE_DIGITS significant digits (a figure, not a setting)."""
    return None if x is None else float(f"{x:.{FIGURE_DIGITS}g}")
