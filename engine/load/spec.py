"""What load to generate: one frozen value that the UI, presets and the generator share."""

from __future__ import annotations

import dataclasses
import difflib
import math
import numbers
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.load.trace import check_trace_options, load_trace

PATTERNS = ("constant", "poisson", "gamma", "onoff", "ramp", "sine", "trace")
MAX_RATE_RPS = 10_000_000.0
"""Far beyond any one device, and small enough that a run's arrivals fit in memory."""

_SIZES = ("size", "size_cv")
_TRACE_CHOICES = ("time_column", "size_column", "time_unit")

USED_FIELDS: dict[str, tuple[str, ...]] = {
    "constant": ("rate_rps", *_SIZES),
    "poisson": ("rate_rps", *_SIZES),
    "gamma": ("rate_rps", "burstiness", *_SIZES),
    "onoff": ("rate_rps", "on_s", "off_s", *_SIZES),
    "ramp": ("rate_rps", "ramp_to_rps", "ramp_s", *_SIZES),
    "sine": ("rate_rps", "amplitude", "period_s", *_SIZES),
    "trace": ("trace", "speed", "loop", *_TRACE_CHOICES),
}
"""The settings each pattern reads besides ``pattern``, so a UI shows only the knobs that matter."""


@dataclass(frozen=True)
class LoadSpec:
    """An arrival pattern and its knobs; building one never fails, validate() says what is wrong."""

    pattern: str = "poisson"
    rate_rps: float = 2000.0
    burstiness: float = 1.0
    on_s: float = 1.0
    off_s: float = 1.0
    ramp_to_rps: float = 4000.0
    ramp_s: float = 10.0
    amplitude: float = 0.5
    period_s: float = 10.0
    trace: str | None = None
    speed: float = 1.0
    loop: bool = False
    size: float = 1.0
    size_cv: float = 0.0
    time_column: str | None = None
    size_column: str | None = None
    time_unit: str | None = None
    """Trace columns (CSV) or keys (JSONL), and the time format: s, ms, us or iso; None detects."""

    def validate(self) -> None:
        """Raise ConfigError naming the first bad field, so no invalid load reaches the engine.

        Every field is checked (not only the ones the pattern reads), so a later switch of
        pattern cannot expose a bad value set long before. For ``trace`` the file is loaded
        (cached), so a malformed trace is reported here rather than mid-run.
        """
        if self.pattern not in PATTERNS:
            raise ConfigError(
                "pattern",
                f"unknown pattern {self.pattern!r}; expected one of {', '.join(PATTERNS)}",
            )
        _at_least("rate_rps", self.rate_rps, 0.0, inclusive=False)
        _at_most("rate_rps", self.rate_rps, MAX_RATE_RPS)
        _at_least("burstiness", self.burstiness, 0.0, inclusive=False)
        _at_least("on_s", self.on_s, 0.0, inclusive=False)
        _at_least("off_s", self.off_s, 0.0, inclusive=True)
        _at_least("ramp_to_rps", self.ramp_to_rps, 0.0, inclusive=True)
        _at_most("ramp_to_rps", self.ramp_to_rps, MAX_RATE_RPS)
        _at_least("ramp_s", self.ramp_s, 0.0, inclusive=False)
        amplitude = _finite("amplitude", self.amplitude)
        if not 0.0 <= amplitude <= 1.0:
            raise ConfigError("amplitude", f"must be between 0 and 1, got {_show(amplitude)}")
        _at_least("period_s", self.period_s, 0.0, inclusive=False)
        if self.trace is not None and not isinstance(self.trace, (str, os.PathLike)):
            raise ConfigError("trace", f"must be a file path, got {self.trace!r}")
        _at_least("speed", self.speed, 0.0, inclusive=False)
        if not isinstance(self.loop, bool):
            raise ConfigError("loop", f"must be true or false, got {self.loop!r}")
        _at_least("size", self.size, 1.0, inclusive=True)
        _at_least("size_cv", self.size_cv, 0.0, inclusive=True)
        check_trace_options(self.time_column, self.size_column, self.time_unit)
        if self.pattern == "trace":
            self._validate_trace()

    def _validate_trace(self) -> None:
        """Check the trace file can be read and, when looping, that it has a length to repeat."""
        if self.trace is None or not os.fspath(self.trace).strip():
            raise ConfigError("trace", "a trace file is needed when the pattern is 'trace'")
        trace = load_trace(self.trace, self.time_column, self.size_column, self.time_unit)
        if self.loop and trace.loop_period == 0.0:
            raise ConfigError(
                "loop",
                f"{trace.source} has all its requests at one instant, so it cannot be repeated",
            )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict of the pattern and only the settings it reads, for presets.

        A trace column or time unit left to detection (None) is left out, as in a preset.
        """
        out: dict[str, Any] = {"pattern": self.pattern}
        for name in USED_FIELDS.get(self.pattern, ()):
            value = getattr(self, name)
            if value is None and name in _TRACE_CHOICES:
                continue
            out[name] = os.fspath(value) if isinstance(value, os.PathLike) else value
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LoadSpec:
        """Build and validate a spec from to_dict()'s output; missing settings take defaults."""
        if not isinstance(d, Mapping):
            raise ConfigError("load", f"must be an object of settings, got {type(d).__name__}")
        names = [f.name for f in dataclasses.fields(cls)]
        floats = {f.name for f in dataclasses.fields(cls) if f.type == "float"}
        changes: dict[str, Any] = {}
        for key, value in d.items():
            if key not in names:
                raise _unknown_setting(key, names)
            is_int = isinstance(value, int) and not isinstance(value, bool)
            changes[key] = float(value) if key in floats and is_int else value
        spec = cls(**changes)
        spec.validate()
        return spec

    def replace(self, **changes: Any) -> LoadSpec:
        """A copy with some settings changed, validated, for live edits from sliders and keys."""
        names = [f.name for f in dataclasses.fields(self)]
        for key in changes:
            if key not in names:
                raise _unknown_setting(key, names)
        spec = dataclasses.replace(self, **changes)
        spec.validate()
        return spec


def _unknown_setting(key: object, names: list[str]) -> ConfigError:
    """The error for a setting LoadSpec does not have, with the closest name as a hint."""
    hint = difflib.get_close_matches(str(key), names, n=1)
    suggestion = f"did you mean {hint[0]!r}? " if hint else ""
    return ConfigError(str(key), f"unknown setting; {suggestion}expected one of {', '.join(names)}")


def _finite(name: str, value: object) -> float:
    """The value as a float, or ConfigError if it is not a finite real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(name, f"must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ConfigError(name, f"must be a finite number, got {number}")
    return number


def _at_least(name: str, value: object, low: float, *, inclusive: bool) -> None:
    """ConfigError unless value is a finite number above `low` (or equal, when inclusive)."""
    number = _finite(name, value)
    if number < low or (number == low and not inclusive):
        raise ConfigError(
            name, f"must be {'>=' if inclusive else '>'} {_show(low)}, got {_show(number)}"
        )


def _at_most(name: str, value: float, high: float) -> None:
    """ConfigError if value is above `high` (value already checked to be a finite number)."""
    if float(value) > high:
        raise ConfigError(name, f"must be <= {_show(high)}, got {_show(float(value))}")


def _show(number: float) -> str:
    """A number as a person would write it: -5 rather than -5.0."""
    return f"{number:.15g}"
