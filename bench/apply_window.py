"""After a dashboard tune is applied: the lane's window p99 against the tune's prediction,
second by second, until the window holds only batches served with the applied settings.

usage (repository root, venv active): PYTHONPATH=. python bench/apply_window.py [LANE] [ROUNDS]
The default dashboard scenario (mlp 512x2 on the CPU, 1,000 req/s Poisson, SLO 20 ms), the
real engine process (every batch runs the model), and the tune the dashboard's `t` starts.
Each round: the lane back to its defaults for one window, tune, apply, then read the lane's
10 s window for two windows. It splits the gap in two: while the window still holds batches
from before the apply (0-10 s after), and once it holds only batches after it (>= 10 s).
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from typing import Any

from batchtui.engine.policies import make_policy
from batchtui.engine.session import EngineClient, SetLaneParams, Snapshot
from batchtui.engine.tune.job import TuneDone, TuneFailed, lane_tune_job
from batchtui.tui.dashboard_scenario import dashboard_scenario


def latest(engine: EngineClient, last: Snapshot | None, timeout: float = 0.2) -> Snapshot | None:
    """The newest snapshot that arrived (``last`` if none did); drains the pipe."""
    for event in engine.events(timeout):
        if isinstance(event, Snapshot):
            last = event
    return last


def running(snap: Snapshot, lane: str, params: dict[str, Any]) -> bool:
    batcher = next(s for s in snap.total if s.name == lane).batcher
    return all(math.isclose(float(batcher[k]), float(v), rel_tol=1e-9) for k, v in params.items())


def wait_clock(engine: EngineClient, snap: Snapshot, until: float) -> Snapshot:
    while snap.clock < until:
        snap = latest(engine, snap) or snap
    return snap


def one_round(engine: EngineClient, snap: Snapshot, lane: str, defaults: dict[str, Any]) -> Any:
    scenario = dashboard_scenario()
    engine.send(SetLaneParams(lane, defaults))
    snap = wait_clock(engine, snap, snap.clock + snap.window_s)
    job = lane_tune_job(scenario, lane, snap.load, scenario.slo_ms or 20.0)
    t0, done = time.perf_counter(), None
    while done is None:
        snap = latest(engine, snap) or snap
        for event in job.events():
            if isinstance(event, TuneFailed):
                raise SystemExit(event.message)
            if isinstance(event, TuneDone):
                done = event
    print(f"tune {time.perf_counter() - t0:.1f} s: {done.params} predicted p99 "
          f"{done.p99_ms:.2f} ms (feasible {done.feasible})", flush=True)  # fmt: skip
    engine.send(SetLaneParams(lane, done.params))
    while not running(snap, lane, done.params):
        snap = latest(engine, snap) or snap
    applied_at, rows = snap.clock, []
    next_row = applied_at + 1.0
    while snap.clock < applied_at + 2 * snap.window_s:
        snap = latest(engine, snap) or snap
        if snap.clock >= next_row:
            next_row += 1.0
            s = next(x for x in snap.recent if x.name == lane)
            after = snap.clock - applied_at
            rows.append((after, s.latency.p99))
            print(f"  +{after:4.1f} s: window p99 {s.latency.p99:6.2f} ms "
                  f"(queue {s.queue_wait.p99:5.2f}, batch p50 {s.service.p50:4.2f} "
                  f"p99 {s.service.p99:5.2f}, "
                  f"mean batch {s.batch_mean or 0:5.1f}, n {s.latency.count}) "
                  f"ratio {s.latency.p99 / done.p99_ms:4.2f} pace {snap.pace:4.2f} "
                  f"load {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
    mixed = [p for t, p in rows if t < snap.window_s]
    clean = [p for t, p in rows if t >= snap.window_s + 0.5]
    return snap, done.p99_ms, mixed, clean


def summary(p99s: list[float], predicted: float) -> str:
    """Median of the readings against the prediction, and their range."""
    mid = statistics.median(p99s)
    return f"median {mid:.2f} ms ({mid / predicted - 1:+.0%}), {min(p99s):.2f}-{max(p99s):.2f}"


def main(lane: str, rounds: int) -> None:
    scenario = dashboard_scenario()
    spec = next(s for s in scenario.lanes if s.name == lane)
    defaults = make_policy(spec.kind, **spec.params).params
    engine = EngineClient(scenario)
    try:
        snap = None
        while snap is None:
            snap = latest(engine, None, 1.0)
        snap = wait_clock(engine, snap, snap.window_s)
        out = []
        for _ in range(rounds):
            snap, predicted, mixed, clean = one_round(engine, snap, lane, defaults)
            out.append((predicted, mixed, clean))
        for predicted, mixed, clean in out:
            print(f"{lane}: predicted {predicted:.2f} ms; window p99 0-10 s after: "
                  f"{summary(mixed, predicted)}; >= 10.5 s after: "
                  f"{summary(clean, predicted)}")  # fmt: skip
    finally:
        engine.close()


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "static", int(sys.argv[2]) if len(sys.argv) > 2 else 2
    )
