"""A measured cost table ``t(n)``, interpolated: fast what-if runs from a real model's profile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from batchtui.engine.errors import ConfigError
from batchtui.engine.sim.batch_time import BatchTimes
from batchtui.engine.sim.wakeup import WakeupLateness

PROFILE_FORMAT = "batchtui.profile/1"


class ProfileCost:
    """Service time read off a table of (batch size, milliseconds), linear in between.

    Beyond the largest measured size the last segment's slope continues; below the
    smallest, its time is used. The table is expanded once per size on first use, so
    the hot path is a list lookup. ``wakeup``, when the profile measured it, is how late
    its machine wakes a sleeping lane; the simulator charges it (``seed`` its stream).
    ``batch_time``, when the profile kept it, is how each size's time spread around its
    median; the simulator draws each batch's time from it (``duration`` stays the median).
    """

    executes = False  # a cost model: it computes times, it runs nothing

    def __init__(
        self,
        points: dict[int, float],
        source: str = "",
        wakeup: WakeupLateness | None = None,
        seed: int = 0,
        batch_time: BatchTimes | None = None,
    ) -> None:
        if not points:
            raise ConfigError("profile", "has no measured points")
        for n, ms in points.items():
            if int(n) != n or n < 1:
                raise ConfigError("profile", f"batch size must be a whole number >= 1, got {n!r}")
            if not np.isfinite(ms) or ms <= 0:
                raise ConfigError("profile", f"time for batch size {n} must be > 0 ms, got {ms!r}")
        self.points = {int(n): float(ms) for n, ms in sorted(points.items())}
        self.source = source
        self.wakeup = wakeup
        self.seed = seed
        self.batch_time = batch_time
        self._sizes = np.array(list(self.points), dtype=float)
        self._ms = np.array(list(self.points.values()), dtype=float)
        self._table: list[float] = [0.0]

    def mean_ms(self, n: int) -> float:
        """Interpolated (or extrapolated) service time of a batch of ``n``, in milliseconds."""
        x, y = self._sizes, self._ms
        if n <= x[-1] or len(x) == 1:
            return float(np.interp(n, x, y))
        slope = (y[-1] - y[-2]) / (x[-1] - x[-2])
        return float(y[-1] + max(slope, 0.0) * (n - x[-1]))

    def duration(self, n: int, first: int = 0) -> float:
        table = self._table
        if n >= len(table):
            table.extend(self.mean_ms(k) / 1000.0 for k in range(len(table), n + 1))
        return table[n]

    def for_lane(self, arrivals: object = None) -> ProfileCost:
        return ProfileCost(self.points, self.source, self.wakeup, self.seed, self.batch_time)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "kind": "profile",
            "source": self.source,
            "points_ms": {str(n): ms for n, ms in self.points.items()},
        }
        if self.wakeup is not None:
            doc["wakeup"] = self.wakeup.to_json()
        if self.batch_time is not None:
            doc["batch_time"] = self.batch_time.to_json()
        return doc


def load_profile(path: str | Path, seed: int = 0) -> ProfileCost:
    """Read a profile file: ``{"format": "batchtui.profile/1", "points": [...]}``, each point
    ``{"batch_size": n, "median_ms": t}`` (the shape ``batchtui profile`` will write), and
    its machine's wake-up lateness if it was measured (``"wakeup"``; without it, none) and
    each size's batch-time quantiles if they were kept (``"batch_time"``; without, medians)."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text())
    except OSError as e:
        raise ConfigError("profile", f"cannot read {str(p)!r}: {e.strerror or e}") from None
    except json.JSONDecodeError as e:
        raise ConfigError("profile", f"{p}: not valid JSON (line {e.lineno}: {e.msg})") from None
    if not isinstance(doc, dict) or doc.get("format") != PROFILE_FORMAT:
        raise ConfigError("profile", f'{p}: expected "format": "{PROFILE_FORMAT}"')
    points = doc.get("points")
    if not isinstance(points, list):
        raise ConfigError("profile", f'{p}: "points" must be a list')
    table: dict[int, float] = {}
    for i, row in enumerate(points):
        if not isinstance(row, dict) or not {"batch_size", "median_ms"} <= row.keys():
            raise ConfigError("profile", f"{p}: points[{i}] needs batch_size and median_ms")
        n, ms = row["batch_size"], row["median_ms"]
        if not isinstance(n, int) or isinstance(n, bool) or not isinstance(ms, int | float):
            raise ConfigError("profile", f"{p}: points[{i}] has a non-numeric value")
        table[n] = float(ms)
    wakeup = doc.get("wakeup")
    if wakeup is not None:
        wakeup = WakeupLateness.from_json(wakeup, where=f"{p}: wakeup")
    spread = doc.get("batch_time")
    if spread is not None:
        spread = BatchTimes.from_json(spread, where=f"{p}: batch_time")
    return ProfileCost(table, source=str(p), wakeup=wakeup, seed=seed, batch_time=spread)
