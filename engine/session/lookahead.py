"""When the next request comes: a twin of a session's seeded load stream, run ahead of it.

A trace can go silent for many seconds (chat-continuous opens with a 12 s gap at its
speed), and a dashboard of empty lanes should say why. The load stream is seeded and
chunk-invariant, so a twin generator made from the same spec and seed yields the very
arrivals the session will see; it only runs ahead, and never feeds a lane.
"""

from __future__ import annotations

import math
from collections import deque

from batchtui.engine.load import LoadSpec
from batchtui.engine.session.gen_load import GenLoad

LOOKAHEAD_S = 120.0  # how far past now the twin looks for the next request
STEP_S = 10.0  # the twin's stride: a chunk per call at most, while the stream is silent


class NextArrival:
    """The next arrival after a time, for ``load`` from its start with ``seed``."""

    def __init__(self, load: LoadSpec, seed: int) -> None:
        self._twin = GenLoad(load, seed=seed)
        self._until = 0.0  # the twin has generated every arrival before this
        self._ahead: deque[float] = deque()

    def after(self, t: float) -> float:
        """When the first arrival at or after ``t`` comes (``inf``: none within LOOKAHEAD_S)."""
        ahead = self._ahead
        while True:
            while ahead and ahead[0] < t:
                ahead.popleft()
            if ahead:
                return ahead[0]
            if self._until >= t + LOOKAHEAD_S:
                return math.inf
            end = max(self._until, t) + STEP_S
            times, _ = self._twin.generate_until(end)
            ahead.extend(float(x) for x in times)
            self._until = end
