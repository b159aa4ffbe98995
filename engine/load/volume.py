"""How many arrivals a load generates over a span: the figure a run is bounded by before it starts.

Counted as the generator will actually produce them (an on/off burst at its burst rate, a looped
trace pass by pass), so a bound on this number bounds the memory and time of a run.
"""

from __future__ import annotations

from batchtui.engine.load.patterns import PATTERNS
from batchtui.engine.load.spec import LoadSpec


def expected_arrivals(spec: LoadSpec, duration_s: float) -> float:
    """The mean number of arrivals in ``[0, duration_s)`` (for a trace: at most this many)."""
    return PATTERNS[spec.pattern].expected(spec, duration_s)


def trace_span_s(spec: LoadSpec) -> float | None:
    """Seconds from the first arrival to the last of a trace replayed once; None otherwise."""
    if spec.pattern != "trace" or spec.loop:
        return None
    return spec.read_trace().span / spec.speed
