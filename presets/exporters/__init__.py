"""Exporters: a preset turned into what a real server reads, one module per server."""

from __future__ import annotations

from collections.abc import Callable

from batchtui.engine.errors import ConfigError
from batchtui.presets.exporters import (
    litserve,
    preset_json,
    python,
    ray,
    tfserving,
    torchserve,
    triton,
)
from batchtui.presets.exporters.base import Export
from batchtui.presets.schema import Preset

EXPORTERS: dict[str, Callable[[Preset], Export]] = {
    m.FORMAT: m.export for m in (preset_json, triton, torchserve, ray, tfserving, litserve, python)
}
"""Export format name -> exporter, in the order ``--format`` lists them."""


def export(preset: Preset, fmt: str) -> Export:
    """``preset`` in format ``fmt`` (one of EXPORTERS), with notes on what does not carry over."""
    try:
        exporter = EXPORTERS[fmt]
    except KeyError:
        known = ", ".join(EXPORTERS)
        message = f"unknown export format {fmt!r}; expected one of {known}"
        raise ConfigError("format", message) from None
    return exporter(preset)


__all__ = ["EXPORTERS", "Export", "export"]
