"""Load: the arrival times and sizes of requests, synthetic or replayed from real traces."""

from batchtui.engine.load.generator import LoadGenerator
from batchtui.engine.load.spec import PATTERNS, LoadSpec
from batchtui.engine.load.trace import Trace, load_trace
from batchtui.engine.load.trace_times import TIME_UNITS

__all__ = ["PATTERNS", "TIME_UNITS", "LoadGenerator", "LoadSpec", "Trace", "load_trace"]
