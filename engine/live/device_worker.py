"""Who runs a batch in the live runtime: the scheduler's own thread, or a device thread.

With one batch on the device at a time the scheduler has nothing to decide until that
batch completes (arrivals are admitted by their scheduled times whenever it looks), so
running the batch inline costs nothing in fidelity and saves two thread wake-ups per
batch. The threaded worker is kept to measure what such a handoff costs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from batchtui.engine.live.clock import WallClock, tighten_timer_slack
from batchtui.engine.service.base import BatchFailed, ServiceTime

WORKERS = ("inline", "thread")


@dataclass(frozen=True)
class BatchDone:
    """What the worker reports for a batch: when it finished, and why it failed if it did."""

    finish: float  # clock seconds
    failure: str | None


def execute(service: ServiceTime, clock: WallClock, first: int, n: int) -> BatchDone:
    """Hold the device for one batch: run it, or for a cost model sleep its time (releasing
    the GIL); a batch that raises becomes a failure with its reason."""
    start = clock.now()
    failure = None
    try:
        seconds = service.duration(n, first)
        if not service.executes:
            clock.sleep_until(start + seconds)
    except BatchFailed as e:
        failure = e.reason
    except Exception as e:  # a broken batch must not stall the lane
        failure = f"{type(e).__name__}: {e}"
    return BatchDone(clock.now(), failure)


class InlineWorker:
    """Runs each batch in the calling (scheduler) thread: ``wait`` returns at once."""

    def __init__(self, service: ServiceTime, clock: WallClock) -> None:
        self._service, self._clock = service, clock
        self._result: BatchDone | None = None

    def submit(self, first: int, n: int) -> None:
        self._result = execute(self._service, self._clock, first, n)

    def wait(self) -> BatchDone:
        assert self._result is not None
        return self._result

    def stop(self) -> None:
        """Nothing to stop."""


class ThreadWorker:
    """Runs batches on a thread of its own, handed over through events, one at a time."""

    def __init__(self, service: ServiceTime, clock: WallClock) -> None:
        self._service = service
        self._clock = clock
        self._job: tuple[int, int] | None = None
        self._has_job = threading.Event()
        self._done = threading.Event()
        self._result: BatchDone | None = None
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="batchtui-device", daemon=True)
        self._thread.start()

    def submit(self, first: int, n: int) -> None:
        """Start a batch of ``n`` requests from arrival index ``first``."""
        self._done.clear()
        self._job = (first, n)
        self._has_job.set()

    def wait(self) -> BatchDone:
        """Block until the batch in hand completes."""
        self._done.wait()
        assert self._result is not None
        return self._result

    def stop(self) -> None:
        """End the thread (after the batch in hand, if any)."""
        self._stopping = True
        self._has_job.set()
        self._thread.join()

    def _loop(self) -> None:
        tighten_timer_slack()
        while True:
            self._has_job.wait()
            self._has_job.clear()
            if self._stopping:
                return
            assert self._job is not None
            self._result = execute(self._service, self._clock, *self._job)
            self._done.set()
