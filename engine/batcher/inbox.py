"""Results from worker threads to the event loop, without the worker giving up the GIL.

``loop.call_soon_threadsafe`` wakes the loop with a socket ``send``, and CPython releases the
GIL around it: the loop thread, just woken, takes the GIL, and the worker that was about to
start the next batch waits for the loop's whole busy stretch (measured at 10,000 req/s: the
device idle a median 160 us between back-to-back batches). ``LoopInbox`` queues the callback
in a deque and wakes the loop through its own pipe with a libc ``write`` called through
``ctypes.PyDLL``, which keeps the GIL; one byte per drain, however many batches finish
before the loop reads it. Loops without ``add_reader`` (Windows' proactor) fall back to
``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

_WAKE = b"\0"


def _gil_holding_write() -> Callable[[int, bytes, int], int] | None:
    """libc ``write`` called with the GIL held (a pipe write never blocks here: O_NONBLOCK)."""
    try:
        write = ctypes.PyDLL(None).write
    except (OSError, AttributeError, TypeError):
        return None
    write.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t)
    write.restype = ctypes.c_ssize_t
    return write  # type: ignore[no-any-return]


_WRITE = _gil_holding_write()


class LoopInbox:
    """Callbacks posted from any thread, run on ``loop`` in the order posted."""

    __slots__ = ("__weakref__", "_closer", "_fds", "_loop", "_pending", "_signalled")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._pending: deque[tuple[Callable[..., None], tuple[Any, ...]]] = deque()
        self._signalled = False  # a wake byte is in the pipe, not yet drained
        self._fds: tuple[int, int] | None = None
        self._closer: weakref.finalize[Any, LoopInbox] | None = None
        if _WRITE is None or not hasattr(os, "pipe2"):
            return
        r, w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            loop.add_reader(r, self._drain)
        except (NotImplementedError, AttributeError):
            os.close(r)
            os.close(w)
            return
        self._fds = (r, w)
        self._closer = weakref.finalize(self, _close_fds, r, w)  # a batcher never closed

    def post(self, callback: Callable[..., None], *args: Any) -> None:
        """Run ``callback(*args)`` on the loop soon; from any thread. A closed loop drops it."""
        if self._fds is None:
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody is left to answer
                self._loop.call_soon_threadsafe(callback, *args)
            return
        self._pending.append((callback, args))
        if not self._signalled:
            self._signalled = True
            _WRITE(self._fds[1], _WAKE, 1)  # type: ignore[misc]  # EAGAIN: a byte is there

    def close(self) -> None:
        """Stop reading (on the loop's thread, or once the loop is closed)."""
        if self._fds is None:
            return
        r = self._fds[0]
        self._fds = None
        with contextlib.suppress(RuntimeError, ValueError, OSError):  # the loop may be closed
            self._loop.remove_reader(r)
        assert self._closer is not None
        self._closer()

    def _drain(self) -> None:
        # Read, then clear the flag, then run: a post before the clear finds the flag set and
        # writes nothing, but its callback is already queued for the loop below; a post after
        # it writes a fresh byte (at worst a spare, empty drain). Clearing before the read
        # would let the read swallow a byte whose flag stays set: a lost wake-up.
        assert self._fds is not None
        with contextlib.suppress(BlockingIOError):
            os.read(self._fds[0], 4096)
        self._signalled = False
        pending = self._pending
        while pending:
            callback, args = pending.popleft()
            try:
                callback(*args)
            except Exception as e:  # as the loop reports a failed callback; the rest still run
                self._loop.call_exception_handler(
                    {"message": "batchtui batcher: delivering results failed", "exception": e}
                )


def _close_fds(*fds: int) -> None:
    for fd in fds:
        os.close(fd)
