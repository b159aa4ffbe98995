"""Keep the dashboard on one core, so the engine process has the others to itself."""

from __future__ import annotations

import contextlib
import os

from batchtui.engine.session.process import ENGINE_CPUS_ENV


def keep_ui_on_first_core() -> None:
    """Pin this (UI) process to its first allowed core and tell the engine process (which
    inherits the environment, not our old mask) to use the rest. Without this, on a small
    machine the UI's drawing lands on the cores running the model and stretches the very
    batch times the dashboard reports."""
    if not hasattr(os, "sched_getaffinity"):
        return
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) > 1:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, cores[:1])
            os.environ[ENGINE_CPUS_ENV] = ",".join(str(c) for c in cores[1:])
