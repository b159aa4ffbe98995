"""What a generative lane produced, per request and per step: the raw material of its figures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Timeline:
    """One lane's outcome. Per request (by arrival index): the times of its first and last
    token (NaN if it got none), tokens received, and whether it was rejected. ``itl`` holds
    every inter-token gap in seconds. Per step: its end time, sequences computed and KV-cache
    tokens held during it."""

    first: np.ndarray
    last: np.ndarray
    tokens: np.ndarray
    rejected: np.ndarray
    itl: np.ndarray
    step_end: np.ndarray
    step_seqs: np.ndarray
    step_kv: np.ndarray
    busy_s: float
    preemptions: int = 0
    kv_capacity: int | None = None
