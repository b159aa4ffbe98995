"""Which torch device serves the batches: names people type, checked before torch is loaded."""

from __future__ import annotations

import re

from batchtui.engine.errors import ConfigError

DEVICE_NAMES = ("auto", "cpu", "cuda", "cuda:N", "mps")
_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


def check_device_name(name: object) -> str:
    """``name`` if it is a device name we understand (not whether it is present here)."""
    if not isinstance(name, str) or not _PATTERN.match(name):
        raise ConfigError("device", f"expected one of {', '.join(DEVICE_NAMES)}, got {name!r}")
    return name
