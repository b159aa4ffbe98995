"""Shared bits of the benchmarks: the machine line, Poisson schedules, closed arrivals."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import multiprocessing
import os
import platform
import time
from pathlib import Path

import numpy as np

from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import Scenario
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


def cpu_times() -> tuple[int, ...]:
    """The whole machine's CPU time counters (/proc/stat's ``cpu`` line; empty elsewhere)."""
    try:
        with open("/proc/stat") as f:
            return tuple(int(x) for x in f.readline().split()[1:9])
    except (OSError, ValueError):
        return ()


def _since(since: tuple[int, ...]) -> tuple[int, ...]:
    """Each counter's growth since ``since`` (empty where the counters are missing)."""
    now = cpu_times()
    if len(now) < 8 or len(since) < 8:
        return ()
    return tuple(b - a for a, b in zip(since, now, strict=True))


def stolen(since: tuple[int, ...]) -> float:
    """The share of the machine's CPU time since ``since`` (every core, idle included: vmstat's
    ``st``) that the VM's host gave to another tenant; NaN where the counters are missing.
    A slow minute with the load average near 0: this says whether it was the host."""
    grown = _since(since)
    if not grown:
        return math.nan
    return grown[7] / sum(grown) if sum(grown) > 0 else 0.0


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def host_steal(seconds: float = 1.0) -> float:
    """Spin every core for ``seconds``: the share of the time they were ready to run that
    the host gave to another tenant (steal / (busy + steal); NaN without the counters).
    Steal only accrues while the VM wants the CPU, so an idle machine cannot tell; and a
    host may spare one core but not two (one spinning core read 0-4% while the benchmarks'
    two-core runs read 16-24%), so every core asks. The helper processes are spawned anew
    each time (they re-import the benchmark's modules: a second or more)."""
    others = (os.cpu_count() or 1) - 1
    with multiprocessing.get_context("spawn").Pool(max(others, 1)) as pool:
        pool.map(time.sleep, [0.0] * max(others, 1))  # started, so they spin together
        spinning = pool.map_async(_spin, [seconds] * others)
        since = cpu_times()
        _spin(seconds)
        spinning.get()
        grown = _since(since)
    if not grown:
        return math.nan
    user, nice, system, _idle, _iowait, irq, softirq, steal = grown
    ready = user + nice + system + irq + softirq + steal
    return steal / ready if ready > 0 else 0.0


def wait_for_quiet_host(max_steal: float, patience_s: float = 300.0) -> float:
    """``host_steal()`` once it reads at most ``max_steal`` (0: no wait, no probe: NaN), or
    its last reading after ``patience_s``: benchmarks start their rounds in quiet minutes."""
    if max_steal <= 0:
        return math.nan
    deadline = time.monotonic() + patience_s
    while True:
        steal = host_steal()
        if not steal > max_steal or time.monotonic() > deadline:
            return steal
        time.sleep(4.0)


def steal_text(share: float) -> str:
    """A ``wait_for_quiet_host`` reading for a round's header: "not probed" without the gate."""
    return "not probed" if math.isnan(share) else f"{share:.0%}"


def add_quiet_steal(parser: argparse.ArgumentParser) -> None:
    """``--quiet-steal SHARE``, for ``wait_for_quiet_host`` before each round."""
    parser.add_argument(
        "--quiet-steal",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="before each round wait (up to 5 minutes) until every core, spun for 1 s, loses at "
        "most this share of its time to the VM host's other tenants (e.g. 0.03; 0: no wait)",
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


def profile_without(scenario: Scenario, folder: Path, field: str) -> Scenario:
    """``scenario``'s profile with ``field`` left out (as profiles were before it), written
    into ``folder``: the A/B side that prices without what the field adds. A dotted
    ``field`` names one inside another (``batch_time.after_idle``)."""
    doc = json.loads(Path(scenario.model.params["path"]).read_text())
    *outer, last = field.split(".")
    inner = doc
    for key in outer:
        inner = inner.get(key, {})
    inner.pop(last, None)
    path = folder / f"profile-no-{field}.json"
    path.write_text(json.dumps(doc))
    return dataclasses.replace(scenario, model=ModelSpec("profile", {"path": str(path)}))
