"""The live runtime: one lane served on the wall clock, latencies measured end to end."""

from batchtui.engine.live.clock import WallClock
from batchtui.engine.live.lane import WallClockLane

__all__ = ["WallClock", "WallClockLane"]
