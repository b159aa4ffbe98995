"""What a wall-clock run measured of its own machine, for tests that compare it with the simulator.

A live lane on a loaded machine sleeps and wakes late: that lateness is the machine's, not the
runtime's. These tests record it on the run itself (every ``sleep_until``'s overshoot) and
charge exactly that to the simulator they compare with, so a loaded CI box moves both sides,
while time the runtime adds outside its sleeps (a slow loop, a wrong deadline) still shows.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import Any

import numpy as np

from batchtui.engine.live.clock import WallClock
from batchtui.engine.service.base import ServiceTime
from batchtui.engine.sim.wakeup import WakeupLateness


class RecordingClock(WallClock):
    """The live lane's own clock, keeping how late each sleep returned, and how long its
    thread waited for a CPU on the way from one sleep to the next (seconds)."""

    def __init__(self) -> None:
        self.late_s: list[float] = []
        self.stalled_s: list[float] = []
        self._threads = threading.local()

    def sleep_until(self, t: float) -> None:
        waited = run_queue_wait_s(self._threads)
        if waited is not None:  # since the last sleep returned: the code path, held up
            self.stalled_s.append(waited - getattr(self._threads, "mark", waited))
        super().sleep_until(t)
        self.late_s.append(time.perf_counter() - t)
        self._threads.mark = run_queue_wait_s(self._threads)

    def lateness(self) -> WakeupLateness:
        """The distribution of this run's sleep lateness, as a profile would carry it."""
        return WakeupLateness.from_samples(np.asarray(self.late_s) * 1000.0)

    def stalls(self) -> WakeupLateness:
        """The distribution of this run's code-path stalls (none where they cannot be read)."""
        return WakeupLateness.from_samples(np.asarray(self.stalled_s or [0.0]) * 1000.0)

    def total_late_s(self) -> float:
        """All the time this run's sleeps overshot or its code waited for a CPU: what
        back-to-back batches add up."""
        return float(np.clip(self.late_s, 0.0, None).sum() + np.sum(self.stalled_s))


def run_queue_wait_s(threads: threading.local) -> float | None:
    """How long the calling thread has waited, runnable, for a CPU (Linux's schedstat);
    None where that is not published."""
    fd = getattr(threads, "fd", None)
    if fd is None:
        try:
            fd = os.open(f"/proc/self/task/{threading.get_native_id()}/schedstat", os.O_RDONLY)
        except OSError:
            fd = -1
        threads.fd = fd
    if fd < 0:
        return None
    return int(os.pread(fd, 128, 0).split()[1]) / 1e9


class Charged:
    """``service`` as the simulator should see the machine a live run measured: each wake-up
    late by a draw from the run's sleep lateness (SimLane charges a service's ``wakeup``),
    and each batch, which the live device also ends by sleeping, late by another draw and
    held up by a draw of the run's code-path stalls."""

    executes = False

    def __init__(self, service: ServiceTime, clock: RecordingClock, seed: int = 0) -> None:
        self.service, self.clock, self.seed = service, clock, seed
        self.wakeup = clock.lateness()
        self._late = self.wakeup.stream(seed + 1)  # not the wake-ups' stream
        self._stall = clock.stalls().stream(seed + 2)

    def duration(self, n: int, first: int = 0) -> float:
        return self.service.duration(n, first) + self._late() + self._stall()

    def for_lane(self, arrivals: object = None) -> Charged:
        return Charged(self.service.for_lane(arrivals), self.clock, self.seed)

    def to_json(self) -> dict[str, Any]:
        return self.service.to_json()


def process_run_queue_wait_s(pid: int) -> float:
    """How long all of process ``pid``'s threads have waited, runnable, for a CPU (Linux's
    schedstat; 0 where that is not published): what a loaded machine took from it."""
    total = 0
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[1])
    return total / 1e9
