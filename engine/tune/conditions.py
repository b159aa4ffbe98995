"""The conditions a validation compares under: the profile the prediction is made on and the
live run it is checked against must see the same device, or the gap measures the difference.

On the CPU both run with the same torch thread count, one core fewer than the process may
use (the scheduler's Python loop and the machine's other work keep a core, as in the
dashboard's engine). The garbage collector is left alone: no collection ran inside a live
validation run in bench/validation_conditions.py.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

CORES_LEFT = 1  # cores kept off torch's intra-op pool on the CPU


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def serving_threads(cores: int) -> int:
    """Torch threads for a timed CPU window on ``cores`` cores: all but one, at least one."""
    return max(1, cores - CORES_LEFT)


def on_cpu(device: str) -> bool:
    """Whether ``device`` (a scenario's device name) resolves to the CPU here."""
    from batchtui.engine.device import resolve_device

    return resolve_device(device).type == "cpu"


@contextlib.contextmanager
def torch_threads(device: str, threads: int | None = None) -> Iterator[int | None]:
    """Run the block with ``threads`` (default: ``serving_threads``) torch intra-op threads
    when ``device`` is the CPU, and restore the count after; yields the count (None off the
    CPU, where the device, not these threads, does the work)."""
    import torch

    if not on_cpu(device):
        yield None
        return
    before = torch.get_num_threads()
    chosen = threads if threads is not None else serving_threads(usable_cores())
    torch.set_num_threads(chosen)
    try:
        yield chosen
    finally:
        torch.set_num_threads(before)
