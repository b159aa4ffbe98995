"""An asyncio event loop on a virtual clock: timers fire in order, instantly, at exact times.

When nothing is ready the loop would sleep until its next timer; here it jumps there instead.
Real I/O is still polled (without blocking), so futures resolved by threads still arrive, but
a test that wants exact times keeps its handlers async (``asyncio.sleep`` is virtual too).
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class _JumpingSelector(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    def __init__(self, loop: VirtualTimeLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[Any]:
        events = super().select(0)
        if events or timeout == 0:
            return events
        if timeout is None:  # no timer at all: only a thread can wake us; wait for real
            return super().select(None)
        self._loop.now += timeout
        return events


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """``time()`` starts at 0 and moves only when every task is waiting on a timer."""

    def __init__(self) -> None:
        self.now = 0.0
        super().__init__(_JumpingSelector(self))

    def time(self) -> float:
        return self.now


def run_virtual(main: Callable[[], Awaitable[T]]) -> T:
    """Run ``main()`` to completion on a fresh virtual-time loop."""
    loop = VirtualTimeLoop()
    try:
        return loop.run_until_complete(main())
    finally:
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


async def at(t: float, call: Callable[[], Awaitable[T]]) -> T:
    """Wait until virtual time ``t``, then await ``call()``."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(t - loop.time(), 0.0))
    return await call()
