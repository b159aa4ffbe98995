"""Where the live lanes note each token and step as it happens, until it becomes a Timeline.

One recorder for both live lanes, so they cannot count tokens differently. (The simulator's
continuous lane keeps the same few lines inlined in its hot loop, for speed.)
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from batchtui.engine.gen.timeline import Timeline


class TokenLog:
    """Per request: first and last token times and tokens so far; every inter-token gap; per
    step: its end, sequences and KV-cache tokens held. Times in seconds from the origin."""

    def __init__(self, count: int) -> None:
        self.first = [math.nan] * count
        self.last = [math.nan] * count
        self.tokens = [0] * count
        self.rejected = [False] * count
        self.itl: list[float] = []
        self.step_end: list[float] = []
        self.step_seqs: list[int] = []
        self.step_kv: list[int] = []

    def land(self, rids: Iterable[int], t: float) -> None:
        """Each of ``rids`` received one token at ``t``."""
        first, last, tokens, itl = self.first, self.last, self.tokens, self.itl
        for rid in rids:
            if tokens[rid]:
                itl.append(t - last[rid])
            else:
                first[rid] = t
            last[rid] = t
            tokens[rid] += 1

    def step(self, t: float, seqs: int, kv: int) -> None:
        """A step of ``seqs`` sequences holding ``kv`` KV-cache tokens ended at ``t``."""
        self.step_end.append(t)
        self.step_seqs.append(seqs)
        self.step_kv.append(kv)

    def timeline(
        self, busy_s: float, preemptions: int = 0, kv_capacity: int | None = None
    ) -> Timeline:
        """What was noted, as the Timeline the figures read."""
        return Timeline(
            first=np.array(self.first),
            last=np.array(self.last),
            tokens=np.array(self.tokens, dtype=np.int64),
            rejected=np.array(self.rejected, dtype=bool),
            itl=np.array(self.itl),
            step_end=np.array(self.step_end),
            step_seqs=np.array(self.step_seqs, dtype=np.int64),
            step_kv=np.array(self.step_kv, dtype=np.int64),
            busy_s=busy_s,
            preemptions=preemptions,
            kv_capacity=kv_capacity,
        )
