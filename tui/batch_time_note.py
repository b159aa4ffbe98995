"""The one line ``run`` and ``tune`` print when a profile's batch-time tail is charged."""

from __future__ import annotations

import sys

from batchtui.engine.service.base import ServiceTime


def print_batch_time_note(service: ServiceTime) -> None:
    """Say on stderr that the simulator draws each batch's time from its size's measured
    distribution, and how wide it is, when ``service`` is a profile that kept one."""
    spread = getattr(service, "batch_time", None)
    if spread is not None:
        print(
            f"note: drawing each batch's time from the profile's measured distribution "
            f"({spread.summary()}), not its median",
            file=sys.stderr,
        )
