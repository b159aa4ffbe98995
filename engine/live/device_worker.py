"""The device worker: a thread that runs one batch at a time, as a model instance would."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from batchtui.engine.live.clock import WallClock, tighten_timer_slack
from batchtui.engine.service.base import BatchFailed, ServiceTime


@dataclass(frozen=True)
class BatchDone:
    """What the worker reports for a batch: when it finished, and why it failed if it did."""

    finish: float  # clock seconds
    failure: str | None


class DeviceWorker:
    """Runs batches handed over by the scheduler thread, one at a time.

    A cost model's time is spent here too (sleeping, which releases the GIL), so the
    live runtime pays its own handoff and wake-up costs exactly as it would with a model.
    """

    def __init__(self, service: ServiceTime, clock: WallClock) -> None:
        self._service = service
        self._clock = clock
        self._job: tuple[int, int] | None = None
        self._has_job = threading.Event()
        self.done = threading.Event()
        self.result: BatchDone | None = None
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="batchtui-device", daemon=True)
        self._thread.start()

    def submit(self, first: int, n: int) -> None:
        """Start a batch of ``n`` requests from arrival index ``first``; ``done`` is set after."""
        self.result = None
        self.done.clear()
        self._job = (first, n)
        self._has_job.set()

    def stop(self) -> None:
        """End the thread (after the batch in hand, if any)."""
        self._stopping = True
        self._has_job.set()
        self._thread.join()

    def _loop(self) -> None:
        tighten_timer_slack()
        clock, service = self._clock, self._service
        while True:
            self._has_job.wait()
            self._has_job.clear()
            if self._stopping:
                return
            assert self._job is not None
            first, n = self._job
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
            self.result = BatchDone(clock.now(), failure)
            self.done.set()
