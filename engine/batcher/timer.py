"""Deadlines for the batcher, kept to a fraction of a millisecond.

asyncio's selector loop rounds every sleep up to whole milliseconds (epoll takes ms), so a
5 ms batching deadline set 4.3 ms ahead fires at 5 ms: up to 1 ms late on every batch that
leaves by timeout. ``ThreadTimer`` waits in a helper thread instead (a timed lock wait, ~50 us
precise on Linux) and runs the callback there (the batcher's state is behind its own lock);
``LoopTimer`` is the loop's own ``call_later``, for loops whose clock is not the wall clock
(tests' virtual time).
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Callable

from batchtui.engine.live.clock import tighten_timer_slack

TIMERS = ("auto", "thread", "loop")
"""``auto``: ``thread`` on a standard asyncio loop with its own clock, else ``loop``. With a
plain handler, ``thread`` means the idle worker thread itself keeps the deadline
(``ThreadWorkers``); with a coroutine handler, a ``ThreadTimer``."""
IDLE_EXIT_S = 5.0  # a timer thread with nothing to wait for exits after this; set() restarts it


def timer_kind(kind: str, loop: asyncio.AbstractEventLoop, clock_given: bool) -> str:
    """``thread`` or ``loop``: what ``kind`` (one of TIMERS) means for ``loop``."""
    if kind == "auto":
        wall = not clock_given and type(loop).time is asyncio.BaseEventLoop.time
        return "thread" if wall else "loop"
    return kind


def make_timer(
    kind: str, loop: asyncio.AbstractEventLoop, clock: Callable[[], float], clock_given: bool
) -> LoopTimer | ThreadTimer:
    """The timer ``kind`` names for ``loop`` (see TIMERS)."""
    if timer_kind(kind, loop, clock_given) == "thread":
        return ThreadTimer(loop, clock)
    return LoopTimer(loop, clock)


class LoopTimer:
    """One pending deadline on the loop's own timers."""

    def __init__(self, loop: asyncio.AbstractEventLoop, clock: Callable[[], float]) -> None:
        self._loop, self._clock = loop, clock
        self._handle: asyncio.TimerHandle | None = None

    def set(self, at: float, callback: Callable[[], None]) -> None:
        """Run ``callback`` on the loop at ``at`` (on ``clock``), replacing any pending one."""
        self.cancel()
        self._handle = self._loop.call_later(max(at - self._clock(), 0.0), callback)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def close(self) -> None:
        self.cancel()


class ThreadTimer:
    """One pending deadline, waited for in a daemon thread that runs its callback."""

    def __init__(self, loop: asyncio.AbstractEventLoop, clock: Callable[[], float]) -> None:
        self._loop, self._clock = loop, clock
        self._cond = threading.Condition()
        self._at = math.inf
        self._callback: Callable[[], None] | None = None
        self._closed = False
        self._thread: threading.Thread | None = None

    def set(self, at: float, callback: Callable[[], None]) -> None:
        """Run ``callback`` (in the timer's thread) at ``at``, replacing any pending one."""
        with self._cond:
            self._at, self._callback = at, callback
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="batchtui-timer", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def cancel(self) -> None:
        with self._cond:
            self._at, self._callback = math.inf, None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()

    def _run(self) -> None:
        tighten_timer_slack()
        cond = self._cond
        while True:
            with cond:
                while not self._closed:
                    remaining = self._at - self._clock()
                    if remaining <= 0:
                        break
                    if remaining == math.inf:
                        if not cond.wait(IDLE_EXIT_S) and self._at == math.inf:
                            self._thread = None  # idle: exit; the next set() starts one
                            return
                        continue
                    cond.wait(remaining)
                if self._closed:
                    self._thread = None
                    return
                callback, self._at, self._callback = self._callback, math.inf, None
            if callback is not None:
                try:
                    callback()
                except Exception as e:  # a policy bug: report it where asyncio reports errors
                    if not report_on_loop(self._loop, DEADLINE_FAILED, e):
                        return


DEADLINE_FAILED = "batchtui batcher: deciding at a deadline failed"


def report_on_loop(loop: asyncio.AbstractEventLoop, message: str, error: Exception) -> bool:
    """Hand ``error`` from a helper thread to the loop's exception handler; False if the loop
    is closed (nobody is left to tell)."""
    try:
        loop.call_soon_threadsafe(
            loop.call_exception_handler, {"message": message, "exception": error}
        )
    except RuntimeError:
        return False
    return True
