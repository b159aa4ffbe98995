"""How many arrivals a load generates over a span: the figure a run is bounded by before it starts.

Counted as the generator will actually produce them (an on/off burst at its burst rate, a looped
trace pass by pass), so a bound on this number bounds the memory and time of a run.
"""

from __future__ import annotations

import math

from batchtui.engine.load.spec import LoadSpec


def expected_arrivals(spec: LoadSpec, duration_s: float) -> float:
    """The mean number of arrivals in ``[0, duration_s)`` (for a trace: at most this many)."""
    if spec.pattern == "trace":
        trace = spec.read_trace()
        if not spec.loop:
            return float(len(trace))
        passes = math.ceil(duration_s / (trace.loop_period / spec.speed))
        return float(len(trace)) * passes
    rate = spec.rate_rps
    if spec.pattern == "onoff":
        period = spec.on_s + spec.off_s
        windows, into = divmod(duration_s, period)
        return rate * period / spec.on_s * (windows * spec.on_s + min(into, spec.on_s))
    if spec.pattern == "ramp":
        ramping = min(duration_s, spec.ramp_s)
        slope = (spec.ramp_to_rps - rate) / spec.ramp_s
        held = max(duration_s - spec.ramp_s, 0.0) * spec.ramp_to_rps
        return rate * ramping + slope * ramping**2 / 2.0 + held
    if spec.pattern == "sine":
        omega = 2.0 * math.pi / spec.period_s
        swing = spec.amplitude * (1.0 - math.cos(omega * duration_s)) / omega
        return rate * (duration_s + swing)
    return rate * duration_s


def trace_span_s(spec: LoadSpec) -> float | None:
    """Seconds from the first arrival to the last of a trace replayed once; None otherwise."""
    if spec.pattern != "trace" or spec.loop:
        return None
    return spec.read_trace().span / spec.speed
