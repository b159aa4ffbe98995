"""Ctrl-C as a request: the first one asks long work to stop at its next safe point, a second
one interrupts at once. A search then never dies inside a storage write."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType, TracebackType


class StopRequest:
    """While entered (in the main thread), SIGINT sets ``requested`` instead of raising."""

    def __init__(self, note: str = "stopping after the running trials (Ctrl-C again to abort)"):
        self.requested = False
        self._note = note
        self._previous: object = None

    def __call__(self) -> bool:
        return self.requested

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        print(f"\n{self._note}", file=sys.stderr, flush=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)
