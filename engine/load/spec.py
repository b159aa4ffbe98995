"""What load to generate: one frozen value that the UI, presets and the generator share."""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.load.patterns import (
    MAX_RATE_RPS,
    PATTERNS,
    TRACE_CHOICES,
    own_params,
    pattern_of,
)
from batchtui.engine.load.trace import TIME_UNITS, Trace, check_trace_options, load_trace
from batchtui.engine.params import Param, SliderRange, fmt

MAX_SECONDS = 1_000_000.0
"""Longest burst, silence, ramp or period: 11.6 days, far beyond any run."""


def _column(name: str, help: str) -> Param:
    """A trace's column (CSV) or key (JSONL) setting: a name, None to detect it."""
    return Param(name, str, None, help=help, metavar="NAME")


LOAD_PARAMS: tuple[Param, ...] = (
    Param("pattern", str, "poisson", help="arrival pattern", choices=tuple(PATTERNS)),
    Param(
        "rate_rps", float, 2000.0, 0.0, MAX_RATE_RPS, "mean arrival rate",
        above=True, unit="req/s", flag="--rate", label="rate", slider=SliderRange(10, 200_000),
    ),
    Param(
        "burstiness", float, 1.0, 0.0, 10_000.0,
        "shape of inter-arrival gaps; 1 = Poisson, < 1 burstier",
        above=True, label="burst", slider=SliderRange(0.05, 20.0),
    ),
    Param("on_s", float, 1.0, 0.0, MAX_SECONDS, "burst length", above=True, unit="s"),
    Param("off_s", float, 1.0, 0.0, MAX_SECONDS, "silence between bursts", unit="s"),
    Param(
        "ramp_to_rps", float, 4000.0, 0.0, MAX_RATE_RPS, "final rate",
        unit="req/s", flag="--ramp-to", label="to",
    ),
    Param("ramp_s", float, 10.0, 0.0, MAX_SECONDS, "seconds to reach it", above=True, unit="s"),
    Param("amplitude", float, 0.5, 0.0, 1.0, "relative swing of the rate, 0..1"),
    Param("period_s", float, 10.0, 0.0, MAX_SECONDS, "period", above=True, unit="s"),
    Param("trace", str, None, help="CSV (Azure LLM, TIMESTAMP) or JSONL (Mooncake, ms timestamps)"),
    Param("speed", float, 1.0, 0.0, 1_000_000.0, "replay speed factor", above=True),
    Param("loop", bool, False, help="repeat at the end"),
    Param("size", float, 1.0, 1.0, 1e9, "mean request size, e.g. tokens"),
    Param("size_cv", float, 0.0, 0.0, 100.0, "variation of request sizes"),
    Param(
        "prompt_tokens", float, None, 1.0, 1e7,
        "generative models: mean prompt tokens per request (default 512)", metavar="MEAN",
    ),
    Param(
        "output_tokens", float, None, 1.0, 1e7,
        "generative models: mean output tokens per request (default 128)", metavar="MEAN",
    ),
    Param("prompt_cv", float, None, 0.0, 100.0, "variation of prompt lengths (lognormal)"),
    Param("output_cv", float, None, 0.0, 100.0, "variation of output lengths (lognormal)"),
    _column("prompt_column", "trace, generative models: the column or key of prompt tokens "
            "(default: ContextTokens, input_length, ...)"),
    _column("output_column", "trace, generative models: the column or key of output tokens "
            "(default: GeneratedTokens, output_length, output_tokens, ...)"),
    _column("time_column", "trace: the CSV column or JSONL key of arrival times (default: "
            "TIMESTAMP, time, arrival or arrival_time; JSONL also timestamp, in ms)"),
    _column("size_column", "trace: the CSV column or JSONL key of request sizes in tokens "
            "(default: ContextTokens, input_length, input_tokens, prompt_tokens, prompt_length, "
            "size, tokens)"),
    Param(
        "time_unit", str, None, choices=TIME_UNITS,
        help="trace: force the time format: numbers in s, ms or us, or iso date-times "
        "(default: detected per file)",
    ),
)  # fmt: skip
"""Every LoadSpec setting, in field order: limits, help and flags are declared here only."""


def load_params() -> tuple[Param, ...]:
    """Every load setting now: LOAD_PARAMS, with the patterns registered now (a plugin's too) as
    ``pattern``'s choices, then the knobs those patterns declare themselves."""
    shared = tuple(
        dataclasses.replace(p, choices=tuple(PATTERNS)) if p.name == "pattern" else p
        for p in LOAD_PARAMS
    )
    return shared + own_params()


_DEFAULTS: dict[str, Any] = {p.name: p.default for p in LOAD_PARAMS}
GEN_FIELDS = (
    "prompt_tokens", "output_tokens", "prompt_cv", "output_cv", "prompt_column", "output_column"
)  # fmt: skip
"""Read by generative models only; None (the default) is left out of presets and reports."""


@dataclass(frozen=True)
class LoadSpec:
    """An arrival pattern and its knobs; building one never fails, validate() says what is wrong."""

    pattern: str = _DEFAULTS["pattern"]
    rate_rps: float = _DEFAULTS["rate_rps"]
    burstiness: float = _DEFAULTS["burstiness"]
    on_s: float = _DEFAULTS["on_s"]
    off_s: float = _DEFAULTS["off_s"]
    ramp_to_rps: float = _DEFAULTS["ramp_to_rps"]
    ramp_s: float = _DEFAULTS["ramp_s"]
    amplitude: float = _DEFAULTS["amplitude"]
    period_s: float = _DEFAULTS["period_s"]
    trace: str | None = _DEFAULTS["trace"]
    speed: float = _DEFAULTS["speed"]
    loop: bool = _DEFAULTS["loop"]
    size: float = _DEFAULTS["size"]
    size_cv: float = _DEFAULTS["size_cv"]
    prompt_tokens: float | None = _DEFAULTS["prompt_tokens"]
    output_tokens: float | None = _DEFAULTS["output_tokens"]
    prompt_cv: float | None = _DEFAULTS["prompt_cv"]
    output_cv: float | None = _DEFAULTS["output_cv"]
    prompt_column: str | None = _DEFAULTS["prompt_column"]
    output_column: str | None = _DEFAULTS["output_column"]
    """Generative requests: token lengths (synthetic) or trace columns; None takes defaults."""
    time_column: str | None = _DEFAULTS["time_column"]
    size_column: str | None = _DEFAULTS["size_column"]
    time_unit: str | None = _DEFAULTS["time_unit"]
    """Trace columns (CSV) or keys (JSONL), and the time format: s, ms, us or iso; None detects."""
    extra: tuple[tuple[str, Any], ...] = ()
    """Settings of knobs a pattern declares itself (``Pattern.params``), as sorted (name, value)
    pairs, defaults left out; read them with ``setting(name)``, set them with ``changed``."""

    def __post_init__(self) -> None:
        own = {p.name: p.default for p in own_params()}
        kept = {k: v for k, v in self.extra if k not in own or v != own[k]}
        object.__setattr__(self, "extra", tuple(sorted(kept.items())))

    def setting(self, name: str) -> Any:
        """The value of any load setting by name: a field, or a pattern's own knob."""
        if name in _FIELDS:
            return getattr(self, name)
        own = {p.name: p.default for p in own_params()}
        if name not in own:
            raise _unknown_setting(name, settings())
        return dict(self.extra).get(name, own[name])

    def changed(self, **changes: Any) -> LoadSpec:
        """A copy with some settings changed (fields or patterns' own knobs), not validated."""
        known = settings()
        for key in changes:
            if key not in known:
                raise _unknown_setting(key, known)
        fields = {k: v for k, v in changes.items() if k in _FIELDS}
        extra = {**dict(self.extra), **{k: v for k, v in changes.items() if k not in _FIELDS}}
        return dataclasses.replace(self, **fields, extra=tuple(extra.items()))

    def validate(self) -> None:
        """Raise ConfigError naming the first bad field, so no invalid load reaches the engine.

        Every field is checked (not only the ones the pattern reads), so a later switch of
        pattern cannot expose a bad value set long before. For ``trace`` the file is loaded
        (cached), so a malformed trace is reported here rather than mid-run.
        """
        # The trace choices first: their own messages say that None means "detect".
        check_trace_options(self.time_column, self.size_column, self.time_unit)
        pattern = pattern_of(self.pattern)  # the registry now, plugins included
        for name, _ in self.extra:
            self.setting(name)  # a knob of no registered pattern is refused by its name
        for param in load_params():
            value = self.setting(param.name)
            if value is None and param.default is None:
                continue  # an optional setting left out
            if param.name == "pattern":
                continue
            if param.name == "trace":
                if not isinstance(value, (str, os.PathLike)):
                    raise ConfigError("trace", f"must be a file path, got {value!r}")
            else:
                param.check(value)
        pattern.check(self)

    def read_trace(self) -> Trace:
        """The trace this spec replays, read with its column and time-unit choices (cached)."""
        assert self.trace is not None  # only asked of a trace pattern
        return load_trace(self.trace, self.time_column, self.size_column, self.time_unit)

    def check_trace(self) -> None:
        """Check the trace file can be read and, when looping, that it has a length to repeat."""
        if self.trace is None or not os.fspath(self.trace).strip():
            raise ConfigError("trace", "a trace file is needed when the pattern is 'trace'")
        trace = self.read_trace()
        if self.loop and trace.loop_period == 0.0:
            raise ConfigError(
                "loop",
                f"{trace.source} has all its requests at one instant, so it cannot be repeated",
            )
        looped_rps = len(trace) * self.speed / trace.loop_period if self.loop else 0.0
        if looped_rps > MAX_RATE_RPS:
            raise ConfigError(
                "speed",
                f"the looped trace would arrive at {fmt(looped_rps)} req/s; keep that under "
                f"{MAX_RATE_RPS:,.0f} (lower the speed)",
            )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict of the pattern and only the settings it reads, for presets.

        A trace column or time unit left to detection (None) is left out, as in a preset.
        """
        out: dict[str, Any] = {"pattern": self.pattern}
        for name in PATTERNS[self.pattern].reads if self.pattern in PATTERNS else ():
            value = self.setting(name)
            if value is None and (name in TRACE_CHOICES or name in GEN_FIELDS):
                continue
            out[name] = os.fspath(value) if isinstance(value, os.PathLike) else value
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LoadSpec:
        """Build and validate a spec from to_dict()'s output; missing settings take defaults."""
        if not isinstance(d, Mapping):
            raise ConfigError("load", f"must be an object of settings, got {type(d).__name__}")
        # A whole number where a float is declared reads as that float (optional ones stay).
        floats = {p.name for p in load_params() if p.kind is float and p.default is not None}
        changes: dict[str, Any] = {}
        for key, value in d.items():
            is_int = isinstance(value, int) and not isinstance(value, bool)
            changes[str(key)] = float(value) if key in floats and is_int else value
        spec = cls().changed(**changes)
        spec.validate()
        return spec

    def replace(self, **changes: Any) -> LoadSpec:
        """A copy with some settings changed, validated, for live edits from sliders and keys."""
        spec = self.changed(**changes)
        spec.validate()
        return spec


_FIELDS = frozenset(f.name for f in dataclasses.fields(LoadSpec)) - {"extra"}


def settings() -> list[str]:
    """Every load setting's name now: LoadSpec's fields, then registered patterns' own knobs."""
    return [p.name for p in load_params()]


def _unknown_setting(key: object, names: list[str]) -> ConfigError:
    """The error for a setting LoadSpec does not have, with the closest name as a hint."""
    hint = difflib.get_close_matches(str(key), names, n=1)
    suggestion = f"did you mean {hint[0]!r}? " if hint else ""
    return ConfigError(str(key), f"unknown setting; {suggestion}expected one of {', '.join(names)}")
