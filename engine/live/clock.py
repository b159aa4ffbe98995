"""The only place the live runtime reads time: a monotonic clock with precise sleeps."""

from __future__ import annotations

import contextlib
import ctypes
import sys
import time

SPIN_S = 0.0002  # sleep until this close to the target, then spin the rest
_PR_SET_TIMERSLACK = 29


class WallClock:
    """``perf_counter`` seconds, and sleeps that end within microseconds of their target.

    ``time.sleep`` on Linux wakes 50-130 us late (the timer slack); a serving loop that
    lost that much per batch would report the runtime's sleep error as batching latency.
    So sleeps stop short and spin the last fraction of a millisecond. The spinning thread
    holds the GIL only while the other runtime thread is parked on an event.
    """

    now = staticmethod(time.perf_counter)

    def sleep_until(self, t: float) -> None:
        """Return at time ``t`` (immediately if it has passed)."""
        remaining = t - time.perf_counter()
        if remaining > SPIN_S:
            time.sleep(remaining - SPIN_S)
        while time.perf_counter() < t:
            pass


def tighten_timer_slack() -> None:
    """Ask Linux to wake this thread within 1 us of its timers (best effort, per thread)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(_PR_SET_TIMERSLACK, 1000, 0, 0, 0)
