"""``--rates LO:HI[:STEPS]``: an offered-load range for sweep and tune, checked at the flag."""

from __future__ import annotations

import math

from batchtui.engine.errors import ConfigError
from batchtui.engine.load.spec import MAX_RATE_RPS
from batchtui.engine.params import fmt

MAX_STEPS = 1000


def parse_rates(text: str, with_steps: bool, flag: str = "--rates") -> tuple[float, float, int]:
    """``(low, high, steps)`` from ``LO:HI:STEPS`` (or ``LO:HI`` with steps 0), both > 0."""
    shape = "LO:HI:STEPS, e.g. 500:5000:10" if with_steps else "LO:HI, e.g. 500:5000"
    parts = text.split(":")
    if len(parts) != (3 if with_steps else 2):
        raise ConfigError(flag, f"expected {shape}, got {text!r}")
    try:
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        raise ConfigError(flag, f"rates must be numbers in req/s ({shape}), got {text!r}") from None
    for value in (low, high):
        if not (math.isfinite(value) and 0 < value <= MAX_RATE_RPS):
            raise ConfigError(
                flag, f"rates must be > 0 and <= {fmt(MAX_RATE_RPS)} req/s, got {fmt(value)}"
            )
    if high < low:
        raise ConfigError(flag, f"HI ({fmt(high)}) must be >= LO ({fmt(low)})")
    steps = 0
    if with_steps:
        try:
            steps = int(parts[2])
        except ValueError:
            raise ConfigError(flag, f"STEPS must be a whole number, got {parts[2]!r}") from None
        if not 1 <= steps <= MAX_STEPS:
            raise ConfigError(flag, f"STEPS must be between 1 and {MAX_STEPS}, got {steps}")
        if steps > 1 and high == low:
            raise ConfigError(flag, "LO equals HI: use STEPS 1, or widen the range")
    return low, high, steps
