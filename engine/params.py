"""Declared, validated parameters: one table per policy or model, checked at every change.

Sliders, preset files and CLI flags all reach a policy through ``validate``, so a bad
value is caught at the boundary with a message that names it and what would be valid.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from batchtui.engine.errors import ConfigError


@dataclass(frozen=True)
class Param:
    """One tunable knob: its name (the engine's, e.g. ``max_wait_ms``), type, range and meaning."""

    name: str
    kind: type  # int, float, or str (a file path or an import target)
    default: float | str | None
    minimum: float = 0.0
    maximum: float = math.inf
    help: str = ""

    def check(self, value: object) -> int | float | str:
        """The value as this knob's type, or a ConfigError saying what would be valid."""
        if self.kind is str:
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(self.name, f"must be a non-empty text, got {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(self.name, f"must be a number, got {value!r}")
        if self.kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise ConfigError(self.name, f"must be a whole number, got {value!r}")
            value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise ConfigError(self.name, f"must be a finite number, got {value!r}")
        if value < self.minimum:
            raise ConfigError(self.name, f"must be >= {_fmt(self.minimum)}, got {_fmt(value)}")
        if value > self.maximum:
            raise ConfigError(self.name, f"must be <= {_fmt(self.maximum)}, got {_fmt(value)}")
        return value


def validate(
    table: tuple[Param, ...], values: Mapping[str, object], base: Mapping[str, object] | None = None
) -> dict[str, int | float | str]:
    """Merge ``values`` over ``base`` (or the defaults), checking every name and value."""
    known = {p.name: p for p in table}
    for name in values:
        if name not in known:
            raise ConfigError(name, f"unknown parameter; expected one of {', '.join(known)}")
    merged: dict[str, int | float] = {}
    for p in table:
        if p.name in values:
            merged[p.name] = p.check(values[p.name])
        elif base is not None and p.name in base:
            merged[p.name] = base[p.name]  # type: ignore[assignment]
        elif p.default is None:
            raise ConfigError(p.name, "is required")
        else:
            merged[p.name] = p.kind(p.default)
    return merged


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
