"""The line ``run`` and ``tune`` print when a profile's wake-up lateness is charged (and the
one for its batch-time tail, from its sibling ``batch_time_note``)."""

from __future__ import annotations

import sys

from batchtui.engine.service.base import ServiceTime
from batchtui.tui.batch_time_note import print_batch_time_note


def print_wakeup_note(service: ServiceTime) -> None:
    """Say on stderr that the simulator delays every wake of a sleeping lane, and by how much,
    when ``service`` is a profile that measured its machine's wake-up lateness; then the
    batch-time tail's line, when it kept one."""
    wakeup = getattr(service, "wakeup", None)
    if wakeup is not None:
        print(
            f"note: charging the profile's measured wake-up lateness ({wakeup.summary()}) "
            "at every wake of a sleeping lane",
            file=sys.stderr,
        )
    print_batch_time_note(service)
