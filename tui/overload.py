"""Whether a lane keeps up with its load, and whether a live check's two sides can be compared.

The engine is gaining `LaneStats.saturated` and `LiveCheck.comparable` / `why_not`; until
then both are derived here from fields that exist, and these two functions are the only
places that change when the engine's own answers arrive (they are preferred when present).
"""

from __future__ import annotations

from batchtui.engine.live.check import LiveCheck
from batchtui.engine.metrics import LaneStats

SERVED_SHARE = 0.95  # served less than this share of the offered load...
BACKLOG_BATCHES = 2.0  # ...with more than this many batches queued: it cannot keep up


def saturated(s: LaneStats) -> bool:
    """Offered load above what the lane served: its queue grows or it turns requests away."""
    own = getattr(s, "saturated", None)
    if isinstance(own, bool):
        return own
    if s.rejected > 0:
        return True  # the bounded queue is full
    backlog = s.queued > BACKLOG_BATCHES * max(s.batch_mean or 1.0, 1.0)
    return backlog and s.throughput_rps < SERVED_SHARE * s.offered_rps


def not_comparable(check: LiveCheck) -> str | None:
    """Why the live and simulated figures of a check must not be read side by side (None:
    they may). A saturated side's latency measures how long its queue grew, not the batcher."""
    own = getattr(check, "comparable", None)
    if isinstance(own, bool):
        return None if own else (getattr(check, "why_not", None) or "not comparable")
    sides = [name for name, s in (("live", check.live), ("sim", check.sim)) if saturated(s)]
    if sides:
        return f"{' and '.join(sides)} saturated"
    dropped = [name for name, s in (("live", check.live), ("sim", check.sim)) if s.failed]
    if dropped:
        return f"{' and '.join(dropped)} failed requests"
    return None
