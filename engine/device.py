"""Which torch device serves the batches: names people type, checked before torch is loaded.

Importing this module never imports torch; the functions that need it import it when called,
so the dashboard and the preset tools can check a device name without loading torch.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from batchtui.engine.errors import ConfigError

if TYPE_CHECKING:
    import torch

DEVICE_NAMES = ("auto", "cpu", "cuda", "cuda:N", "mps")
_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


def check_device_name(name: object) -> str:
    """``name`` if it is a device name we understand (not whether it is present here)."""
    if not isinstance(name, str) or not _PATTERN.match(name):
        raise ConfigError("device", f"expected one of {', '.join(DEVICE_NAMES)}, got {name!r}")
    return name


def resolve_device(name: str) -> torch.device:
    """The torch device for ``name``: ``auto`` picks cuda, then mps, then cpu.

    An explicit name that is absent here is a ConfigError saying why, never a silent fallback.
    """
    import torch

    check_device_name(name)
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "mps":
        if not torch.backends.mps.is_built():
            raise ConfigError(
                "device",
                f"mps was asked for but this torch ({torch.__version__}) has no MPS support "
                "(MPS needs macOS on Apple silicon)",
            )
        if not _mps_available():
            raise ConfigError(
                "device", "mps was asked for but MPS is not available on this machine"
            )
        return torch.device("mps")
    return _cuda_device(name)


def _cuda_device(name: str) -> torch.device:
    import torch

    if torch.version.cuda is None and not torch.cuda.is_available():
        raise ConfigError(
            "device", f"{name} was asked for but this torch ({torch.__version__}) has no CUDA"
        )
    if not torch.cuda.is_available():
        raise ConfigError(
            "device",
            f"{name} was asked for but no CUDA device is visible (torch {torch.__version__} "
            f"is built for CUDA {torch.version.cuda}; check the driver and CUDA_VISIBLE_DEVICES)",
        )
    if name == "cuda":
        return torch.device("cuda", torch.cuda.current_device())
    index = int(name.partition(":")[2])
    count = torch.cuda.device_count()
    if index >= count:
        present = "1 CUDA device is" if count == 1 else f"{count} CUDA devices are"
        raise ConfigError("device", f"{name} was asked for but only {present} present")
    return torch.device("cuda", index)


def _mps_available() -> bool:
    import torch

    return bool(torch.backends.mps.is_available())


def synchronize(device: torch.device) -> None:
    """Wait until ``device`` has finished its queued work, so a timing covers all of it."""
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def free_memory(device: torch.device) -> int | None:
    """Bytes ``device`` can still give us, or None where we cannot tell (MPS, non-Linux CPUs)."""
    import torch

    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    if device.type != "cpu":
        return None
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def describe_device(device: torch.device) -> str:
    """A short human name for reports and the dashboard, e.g. ``cpu (2 threads)``."""
    import torch

    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    if device.type == "mps":
        return "mps (Apple GPU)"
    threads = torch.get_num_threads()
    return f"cpu ({threads} thread{'' if threads == 1 else 's'})"
