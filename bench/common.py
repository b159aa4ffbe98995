"""Shared bits of the benchmarks: the machine line, Poisson schedules, closed arrivals."""

from __future__ import annotations

import os
import platform

import numpy as np

from batchtui.engine.sim.arrivals import Arrivals


def machine() -> str:
    """CPU model, cores, Python and numpy versions: printed at the top of every result."""
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{name}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}"
    )


def poisson_arrivals(rate: float, seconds: float, seed: int = 0) -> Arrivals:
    """A closed Poisson schedule of ``seconds`` at ``rate`` req/s (sizes 1)."""
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.exponential(1.0 / rate, int(rate * seconds * 1.2) + 10))
    times = times[times < seconds]
    arrivals = Arrivals()
    arrivals.extend(times, np.ones(len(times), dtype=np.int64), seconds)
    arrivals.close()
    return arrivals
