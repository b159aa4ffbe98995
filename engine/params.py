"""Declared, validated parameters: one table per policy, load pattern or model, checked always.

A knob is declared once, as a ``Param``; sliders, preset files and CLI flags all reach the
engine through ``check``/``validate``, so a bad value is caught at the boundary with a message
that names it and what would be valid. The CLI builds its flags from the same declarations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass

from batchtui.engine.errors import ConfigError


@dataclass(frozen=True)
class SliderRange:
    """Where a knob's slider runs: a comfortable span inside the knob's hard limits."""

    low: float
    high: float
    scale: str = "log"  # "log" or "linear"
    zero: bool = False  # a log slider whose left end is 0 (e.g. "no wait")
    ladder: str = "auto"  # the values keys stop at: auto, 1-2-5, pow2 or round
    rank: int = 10  # sliders of one lane sort by this, then by declaration (the wait first)


@dataclass(frozen=True)
class Param:
    """One tunable knob: its engine name (e.g. ``max_wait_ms``), type, limits and meaning,
    and how each surface shows it (CLI flag, report label, slider)."""

    name: str
    kind: type  # int, float, bool, or str (a file path, an import target, or one of choices)
    default: float | str | bool | None
    minimum: float = 0.0
    maximum: float = math.inf
    help: str = ""
    _: KW_ONLY
    above: bool = False  # the minimum itself is not allowed (e.g. a rate must be > 0)
    unit: str = ""  # "ms", "s", "req/s", ... for help texts, sliders and reports
    flag: str = ""  # the CLI flag; empty: "--" + the name with dashes
    label: str = ""  # short report and slider label; empty: the name
    slider: SliderRange | None = None
    choices: tuple[str, ...] = ()  # for a str knob that is one of a fixed set
    metavar: str = ""  # the CLI's placeholder for the value; empty: derived from kind and unit

    @property
    def cli_flag(self) -> str:
        """The command-line flag that sets this knob."""
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def short(self) -> str:
        """The label a table or slider shows for this knob."""
        return self.label or self.name

    @property
    def slider_range(self) -> SliderRange | None:
        """The declared slider, else a log one over the limits; None for a knob with no slider
        (not a number, or unbounded)."""
        if self.slider is not None:
            return self.slider
        if self.kind not in (int, float) or not math.isfinite(self.maximum):
            return None
        zero = self.minimum <= 0
        floor = 0.01 if zero else self.minimum
        return SliderRange(floor, self.maximum, zero=zero and self.kind is float)

    def check(self, value: object) -> int | float | str | bool:
        """The value as this knob's type, or a ConfigError saying what would be valid."""
        if self.choices:
            if value not in self.choices:
                known = ", ".join(self.choices)
                raise ConfigError(
                    self.name, f"unknown {self.name} {value!r}; expected one of {known}"
                )
            return str(value)
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ConfigError(self.name, f"must be true or false, got {value!r}")
            return value
        if self.kind is str:
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(self.name, f"must be a non-empty text, got {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(self.name, f"must be a number, got {value!r}")
        if self.kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise ConfigError(self.name, f"must be a whole number, got {value!r}")
            number: int | float = int(value)
        else:
            number = float(value)  # an int beyond any float raises OverflowError: "too large"
            if not math.isfinite(number):
                raise ConfigError(self.name, f"must be a finite number, got {number}")
        if number < self.minimum or (self.above and number == self.minimum):
            sign = ">" if self.above else ">="
            raise ConfigError(self.name, f"must be {sign} {fmt(self.minimum)}, got {fmt(number)}")
        if number > self.maximum:
            raise ConfigError(self.name, f"must be <= {fmt(self.maximum)}, got {fmt(number)}")
        return number


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


def fmt(x: float) -> str:
    """A number as a person writes it: 5 not 5.0, 1e+300 not three hundred digits."""
    try:
        return f"{float(x):.15g}"
    except OverflowError:  # a whole number beyond any float
        return f"a {len(str(abs(int(x))))}-digit number"
