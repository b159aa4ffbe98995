"""An exception from torch, told in one line a person can act on."""

from __future__ import annotations

import re

_NAMED = re.compile(r"^[A-Za-z_.]*(Error|Exception)\b:")


def reason(error: BaseException) -> str:
    """The exception as one line: its last line, which names the actual failure.

    TorchScript errors carry a traceback of the scripted code first; the cause comes last.
    """
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if _NAMED.match(last):
        return last
    return f"{type(error).__name__}: {last}" if last else type(error).__name__
