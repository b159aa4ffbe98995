"""Every arrival pattern, declared once: the knobs it reads, its process, its volume, its words.

A new pattern is one file with its process and a ``Pattern`` entry, plus one line: its name in
``PATTERNS`` below, or ``register_pattern`` in a plugin (see engine/plugins.py). It reads shared
``LoadSpec`` settings (``LOAD_PARAMS``) and may declare knobs of its own (``Pattern.params``);
the CLI, the load bar, presets, reports, exports and the run's size check all read this table.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from batchtui.engine.errors import ConfigError
from batchtui.engine.load import synthetic as s
from batchtui.engine.params import Param, fmt
from batchtui.engine.plugins import load_plugins

if TYPE_CHECKING:
    from batchtui.engine.load.spec import LoadSpec

Rng = np.random.Generator
MAX_RATE_RPS = 10_000_000.0
"""Far beyond any one device, and small enough that a run's arrivals fit in memory."""
SIZES = ("size", "size_cv", "prompt_tokens", "output_tokens", "prompt_cv", "output_cv")
"""Request-size knobs every synthetic pattern reads."""
TRACE_CHOICES = ("time_column", "size_column", "time_unit")


def _rate_words(extra: Callable[[LoadSpec], str]) -> Callable[[LoadSpec], str]:
    """A synthetic pattern said as ``poisson 2,000 req/s`` followed by its own words."""
    return lambda spec: f"{spec.pattern} {spec.rate_rps:,.0f} req/s{extra(spec)}"


_RATE_ONLY = _rate_words(lambda spec: "")


def _no_check(spec: LoadSpec) -> None:
    """A pattern whose knobs are each checked alone (by their Params) needs nothing more."""


@dataclass(frozen=True)
class Pattern:
    """One arrival pattern: ``arrivals`` (None: replayed by the trace reader), the mean number
    of arrivals in a span (``expected``), its one-line summary, and checks between its knobs."""

    name: str
    reads: tuple[str, ...]
    """The LoadSpec settings it reads besides ``pattern``, so a UI shows only those knobs
    (its own ``params`` are added here when not listed)."""
    arrivals: Callable[[LoadSpec, float, Rng, Rng], s.ArrivalTimes] | None
    expected: Callable[[LoadSpec, float], float]
    summary: Callable[[LoadSpec], str] = _RATE_ONLY
    check: Callable[[LoadSpec], None] = _no_check
    params: tuple[Param, ...] = ()
    """Knobs of its own, declared once: each becomes a LoadSpec setting (``spec.setting(name)``),
    a CLI flag, a preset key and a report field; one with a ``slider`` gets one on the load bar."""

    def __post_init__(self) -> None:
        own = tuple(p.name for p in self.params if p.name not in self.reads)
        object.__setattr__(self, "reads", (*self.reads, *own))


def _onoff_arrivals(spec: LoadSpec, duration_s: float) -> float:
    period = spec.on_s + spec.off_s
    windows, into = divmod(duration_s, period)
    return spec.rate_rps * period / spec.on_s * (windows * spec.on_s + min(into, spec.on_s))


def _onoff_check(spec: LoadSpec) -> None:
    burst_rps = spec.rate_rps * (spec.on_s + spec.off_s) / spec.on_s
    if burst_rps > MAX_RATE_RPS:
        raise ConfigError(
            "off_s",
            f"bursts would arrive at {fmt(burst_rps)} req/s (rate_rps x (on_s + off_s) "
            f"/ on_s); keep that under {MAX_RATE_RPS:,.0f}",
        )


def _ramp_arrivals(spec: LoadSpec, duration_s: float) -> float:
    ramping = min(duration_s, spec.ramp_s)
    slope = (spec.ramp_to_rps - spec.rate_rps) / spec.ramp_s
    held = max(duration_s - spec.ramp_s, 0.0) * spec.ramp_to_rps
    return spec.rate_rps * ramping + slope * ramping**2 / 2.0 + held


def _sine_arrivals(spec: LoadSpec, duration_s: float) -> float:
    omega = 2.0 * math.pi / spec.period_s
    swing = spec.amplitude * (1.0 - math.cos(omega * duration_s)) / omega
    return spec.rate_rps * (duration_s + swing)


def _steady(spec: LoadSpec, duration_s: float) -> float:
    return spec.rate_rps * duration_s


def _trace_arrivals(spec: LoadSpec, duration_s: float) -> float:
    """At most this many: a trace once, or pass by pass when looped."""
    trace = spec.read_trace()
    if not spec.loop:
        return float(len(trace))
    return float(len(trace)) * math.ceil(duration_s / (trace.loop_period / spec.speed))


def _trace_words(spec: LoadSpec) -> str:
    loop = ", looped" if spec.loop else ""
    return f"trace {spec.trace} at {spec.speed:g}x speed{loop}"


PATTERNS: dict[str, Pattern] = {
    p.name: p
    for p in (
        Pattern("constant", ("rate_rps", *SIZES), lambda sp, o, a, b: s.Constant(sp.rate_rps, o),
                _steady),
        Pattern("poisson", ("rate_rps", *SIZES), lambda sp, o, a, b: s.poisson(sp.rate_rps, o, a),
                _steady),
        Pattern("gamma", ("rate_rps", "burstiness", *SIZES),
                lambda sp, o, a, b: s.gamma(sp.rate_rps, sp.burstiness, o, a), _steady,
                _rate_words(lambda sp: f", burstiness {sp.burstiness:g}")),
        Pattern("onoff", ("rate_rps", "on_s", "off_s", *SIZES),
                lambda sp, o, a, b: s.OnOff(sp.rate_rps, sp.on_s, sp.off_s, o, a), _onoff_arrivals,
                _rate_words(lambda sp: f", {sp.on_s:g} s on / {sp.off_s:g} s off"), _onoff_check),
        Pattern("ramp", ("rate_rps", "ramp_to_rps", "ramp_s", *SIZES),
                lambda sp, o, a, b: s.ramp(sp.rate_rps, sp.ramp_to_rps, sp.ramp_s, o, a, b),
                _ramp_arrivals,
                _rate_words(lambda sp: f", ramping to {sp.ramp_to_rps:,.0f} req/s over "
                            f"{sp.ramp_s:g} s")),
        Pattern("sine", ("rate_rps", "amplitude", "period_s", *SIZES),
                lambda sp, o, a, b: s.sine(sp.rate_rps, sp.amplitude, sp.period_s, o, a, b),
                _sine_arrivals,
                _rate_words(lambda sp: f", +/-{sp.amplitude:.0%} over {sp.period_s:g} s")),
        Pattern("trace", ("trace", "speed", "loop", *TRACE_CHOICES, "prompt_column",
                          "output_column"), None, _trace_arrivals, _trace_words,
                lambda sp: sp.check_trace()),
    )
}  # fmt: skip
"""Every arrival pattern by name, in the order the CLI and the load bar list them."""


def register_pattern(pattern: Pattern) -> Pattern:
    """Add a pattern to PATTERNS (a plugin's one registry line); its name must be new, and so
    must each knob of its own (or be the very Param another pattern owns, to share it)."""
    if PATTERNS.get(pattern.name, pattern) is not pattern:
        raise ConfigError("pattern", f"a pattern {pattern.name!r} is already registered")
    owned = {p.name: p for p in own_params()}
    shared = {name for p in PATTERNS.values() for name in p.reads} - owned.keys()
    for param in pattern.params:
        taken = param.name in shared or param.name == "pattern"
        if taken or owned.get(param.name, param) != param:
            raise ConfigError(
                f"pattern {pattern.name}",
                f"its knob {param.name!r} is already a load setting; give it a name of its own",
            )
    PATTERNS[pattern.name] = pattern
    return pattern


def own_params() -> tuple[Param, ...]:
    """The knobs registered patterns declare themselves (``Pattern.params``), once each."""
    seen: dict[str, Param] = {}
    for pattern in PATTERNS.values():
        for param in pattern.params:
            seen.setdefault(param.name, param)
    return tuple(seen.values())


def pattern_of(name: object) -> Pattern:
    """The registered pattern ``name``, or a ConfigError listing the known ones."""
    if isinstance(name, str) and name in PATTERNS:
        return PATTERNS[name]
    known = ", ".join(PATTERNS)
    raise ConfigError("pattern", f"unknown pattern {name!r}; expected one of {known}")


def readers(setting: str) -> list[str]:
    """The patterns that read ``setting``."""
    return [name for name, p in PATTERNS.items() if setting in p.reads]


def synthetic_patterns() -> list[str]:
    """The patterns that generate arrivals (all but trace replay)."""
    return [name for name, p in PATTERNS.items() if p.arrivals is not None]


def arrival_times(spec: LoadSpec, origin: float, seed: np.random.SeedSequence) -> s.ArrivalTimes:
    """The arrival process a synthetic spec describes, starting at `origin`."""
    first, second = (np.random.default_rng(q) for q in seed.spawn(2))
    make = pattern_of(spec.pattern).arrivals
    if make is None:
        raise ValueError(f"{spec.pattern!r} is not a synthetic pattern")
    return make(spec, origin, first, second)


load_plugins()  # last: a plugin imports this module to register its patterns
