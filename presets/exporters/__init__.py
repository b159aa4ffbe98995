"""Exporters: a preset turned into what a real server reads, one module per server.

Each module declares which presets it ``SERVES``: ``request`` (servers that batch whole
requests), ``generative`` (LLM servers that schedule every step) or ``any`` (json).
"""

from __future__ import annotations

from collections.abc import Callable

from batchtui.engine.errors import ConfigError
from batchtui.presets.exporters import (
    litserve,
    preset_json,
    python,
    ray,
    sglang,
    tfserving,
    tgi,
    torchserve,
    triton,
    vllm,
)
from batchtui.presets.exporters.base import Export
from batchtui.presets.schema import Preset

_MODULES = (preset_json, triton, torchserve, ray, tfserving, litserve, python, vllm, sglang, tgi)
EXPORTERS: dict[str, Callable[[Preset], Export]] = {m.FORMAT: m.export for m in _MODULES}
"""Export format name -> exporter, in the order ``--format`` lists them."""
SERVES: dict[str, str] = {m.FORMAT: m.SERVES for m in _MODULES}
"""Export format name -> the presets it takes: ``request``, ``generative`` or ``any``."""


def formats_for(preset: Preset) -> list[str]:
    """The formats ``preset`` exports to (a generative one to the LLM servers, and json)."""
    wanted = "generative" if preset.generative else "request"
    return [fmt for fmt, serves in SERVES.items() if serves in (wanted, "any")]


def export(preset: Preset, fmt: str) -> Export:
    """``preset`` in format ``fmt`` (one of EXPORTERS), with notes on what does not carry over."""
    try:
        exporter = EXPORTERS[fmt]
    except KeyError:
        known = ", ".join(EXPORTERS)
        message = f"unknown export format {fmt!r}; expected one of {known}"
        raise ConfigError("format", message) from None
    if fmt not in formats_for(preset):
        raise ConfigError("--format", _mismatch(preset, fmt))
    return exporter(preset)


def _mismatch(preset: Preset, fmt: str) -> str:
    """Why ``fmt`` does not take ``preset``, and the formats that do."""
    others = ", ".join(formats_for(preset))
    if preset.generative:
        return (
            f"{fmt} batches whole requests, and {preset.name!r} is a generative preset (model "
            f"{preset.model.kind}, served token by token); it exports to {others}"
        )
    return (
        f"{fmt} serves generative models token by token, and {preset.name!r} is a "
        f"request-level preset (model {preset.model.kind}); it exports to {others}"
    )


__all__ = ["EXPORTERS", "SERVES", "Export", "export", "formats_for"]
