"""The live runtime on the wall clock: agrees with the simulator, accounts for every request.

Schedules are short (a fraction of a second) so the suite stays fast; tolerances leave
room for a loaded CI machine while still catching a runtime that adds milliseconds.
"""

import math

import numpy as np
import pytest

from batchtui.engine.lab import Lab
from batchtui.engine.live import WallClockLane
from batchtui.engine.live import lane as live_lane
from batchtui.engine.live.lane import PROGRESS_S
from batchtui.engine.load import LoadSpec
from batchtui.engine.metrics import lane_stats
from batchtui.engine.models import ModelSpec
from batchtui.engine.policies import Dynamic, Static
from batchtui.engine.scenario import LaneSpec, Scenario
from batchtui.engine.service import AnalyticCost, BatchFailed
from batchtui.engine.sim.lane import SimLane
from tests.live.measured import Charged, RecordingClock
from tests.sim.helpers import arrivals_at


def poisson(rate: float, seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.exponential(1.0 / rate, int(rate * seconds * 1.2)))
    return times[times < seconds]


# Wall-clock measurements: the comparisons charge the simulator what each run measured of its
# machine (tests/live/measured.py), so ordinary load moves both sides. A box so starved that
# the lane falls behind (a niced run beside two busy loops on 2 cores) still breaks them:
# these run again (at most twice) before they fail.
WALL_CLOCK = pytest.mark.flaky(reruns=2)


@WALL_CLOCK
@pytest.mark.parametrize("worker", ["inline", "thread"])
def test_live_agrees_with_the_simulator_on_the_same_arrivals(worker: str) -> None:
    arrivals = arrivals_at(*poisson(2000, 0.6, seed=1))
    clock = RecordingClock()
    live = WallClockLane(
        "live",
        Static(max_batch_size=16, max_wait_ms=4),
        AnalyticCost(2, 0.05),
        arrivals,
        worker=worker,
        clock=clock,
    )
    live.run()
    ideal = SimLane("ideal", Static(max_batch_size=16, max_wait_ms=4), AnalyticCost(2, 0.05),
                    arrivals)  # fmt: skip
    ideal.advance(math.inf)
    # The simulator charged what this run measured of its machine (its sleeps' lateness, its
    # waits for a CPU): microseconds on a quiet box, on a loaded one what the load did here.
    sim = SimLane(
        "sim",
        Static(max_batch_size=16, max_wait_ms=4),
        Charged(AnalyticCost(2, 0.05), clock),
        arrivals,
    )
    sim.advance(math.inf)
    s, w = lane_stats(sim), lane_stats(live)
    assert w.completed == w.arrived == s.arrived
    assert w.latency.p50 == pytest.approx(s.latency.p50, rel=0.15)
    assert w.batch_mean == pytest.approx(s.batch_mean, rel=0.15)
    # The live figure can only be slower than the zero-overhead one, never faster.
    assert w.latency.mean >= lane_stats(ideal).latency.mean * 0.99


@WALL_CLOCK
def test_latency_counts_from_the_scheduled_arrival_under_overload() -> None:
    # 10 ms batches of one, a request every 2 ms: the queue grows, and the 20th request
    # waits for the 19 before it. A runtime that timed from when it got round to a
    # request (coordinated omission) would report about 10 ms for everyone.
    times = np.arange(20) * 0.002
    clock = RecordingClock()
    live = WallClockLane(
        "l", Static(max_batch_size=1, max_wait_ms=0), AnalyticCost(10, 0), arrivals_at(*times),
        clock=clock,
    )  # fmt: skip
    live.run()
    latency = lane_stats(live).latency
    ideal = 20 * 10.0 - 19 * 2.0  # ms, the last request, on a machine that sleeps on time
    # Back to back, every batch's overshoot adds up: the bound is this run's own total.
    assert ideal * 0.95 <= latency.max <= (ideal + 1000 * clock.total_late_s()) * 1.05
    assert latency.p50 > 50.0


def test_bounded_queue_rejects_and_accounts_for_every_request() -> None:
    arrivals = arrivals_at(*poisson(20000, 0.2, seed=2))
    live = WallClockLane(
        "l", Dynamic(max_batch_size=8), AnalyticCost(2, 0.05), arrivals, max_queue=30
    )
    live.run()
    s = lane_stats(live)
    assert s.rejected > 0
    assert s.arrived == s.completed + s.failed + s.rejected == len(arrivals)
    assert s.queued == 0 and s.in_flight == 0
    assert s.queue_depth_max <= 30


class FailsAbove:
    """A device that runs out of memory above a batch size."""

    executes = False

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def duration(self, n: int, first: int = 0) -> float:
        if n > self.limit:
            raise BatchFailed(f"out of memory at batch size {n}", 0.0)
        return 0.001

    def for_lane(self, arrivals: object = None) -> "FailsAbove":
        return self

    def to_json(self) -> dict:
        return {"kind": "test"}


def test_a_failing_batch_fails_its_requests_and_serving_goes_on() -> None:
    times = [0.0] * 8 + [0.05, 0.06]
    live = WallClockLane(
        "l", Static(max_batch_size=8, max_wait_ms=1), FailsAbove(4), arrivals_at(*times)
    )
    live.run()
    s = lane_stats(live)
    assert (s.failed, s.completed) == (8, 2)
    assert s.failure_reasons == {"out of memory at batch size 8": 1}


@WALL_CLOCK
def test_lab_runs_lanes_live_one_after_another_with_the_same_report_shape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = Scenario(
        load=LoadSpec(rate_rps=1000),
        model=ModelSpec("analytic", {"base_ms": 1.0, "per_item_ms": 0.05}),
        lanes=(LaneSpec("static", "static"), LaneSpec("dynamic", "dynamic")),
        seed=4,
    )
    clock = RecordingClock()  # every live lane's clock: what the run measured of the machine
    monkeypatch.setattr(live_lane, "WallClock", lambda: clock)
    live = Lab(scenario, mode="live").run(0.3)
    build = Scenario.build_service  # the simulator, charged that same lateness
    monkeypatch.setattr(Scenario, "build_service", lambda sc, *a: Charged(build(sc, *a), clock))
    sim = Lab(scenario).run(0.3)
    assert live["mode"] == "live" and sim["mode"] == "sim"
    assert [lane["arrived"] for lane in live["lanes"]] == [lane["arrived"] for lane in sim["lanes"]]
    assert live["lanes"][0].keys() == sim["lanes"][0].keys()
    for lv, sm in zip(live["lanes"], sim["lanes"], strict=True):
        assert lv["completed"] == lv["arrived"]
        assert lv["latency_ms"]["p50"] == pytest.approx(sm["latency_ms"]["p50"], rel=0.2)


def test_live_mode_refuses_several_batches_in_flight() -> None:
    with pytest.raises(Exception, match="max_inflight: the live runtime runs one batch at a time"):
        Lab(Scenario(max_inflight=2), mode="live")


FAILING_MODEL = ModelSpec("factory", {"target": "tests.models.sample_factory:fails_on_big_batches"})


@pytest.mark.parametrize("runtime", ["sim", "live"])
def test_a_real_model_that_raises_fails_those_batches_and_serving_goes_on(runtime: str) -> None:
    # The model raises RuntimeError for batches above 4, as a GPU out of memory would.
    from batchtui.engine.models.runner import ModelRunner
    from batchtui.engine.service.real import RealService

    arrivals = arrivals_at(*([0.0] * 8 + [0.05, 0.05]))
    runner = ModelRunner(FAILING_MODEL, device="cpu", max_batch_size=8)
    policy = Static(max_batch_size=8, max_wait_ms=3)
    if runtime == "sim":
        lane = SimLane("l", policy, RealService(runner, arrivals), arrivals)
        lane.advance(math.inf)
    else:
        lane = WallClockLane("l", policy, RealService(runner, arrivals), arrivals)
        lane.run()
    s = lane_stats(lane)
    assert (s.failed, s.completed, s.arrived) == (8, 2, 10)
    assert s.failure_reasons == {"RuntimeError: out of memory (simulated)": 1}


def test_warm_up_stops_at_the_first_batch_size_that_fails() -> None:
    from batchtui.engine.models.runner import ModelRunner

    runner = ModelRunner(FAILING_MODEL, device="cpu", max_batch_size=8)
    runner.warm_up(8)
    assert runner.warm_up_failure == (5, "RuntimeError: out of memory (simulated)")
    # The Lab still builds and serves: batches that large fail as they come.
    scenario = Scenario(
        load=LoadSpec(pattern="constant", rate_rps=500),
        model=FAILING_MODEL,
        lanes=(LaneSpec("dynamic", "dynamic", {"max_batch_size": 8}),),
        device="cpu",
    )
    lane = Lab(scenario).run(0.2)["lanes"][0]
    assert lane["arrived"] == lane["completed"] + lane["failed"] > 0


class StepClock:
    """A clock that jumps to wherever it is asked to sleep, and moves 1 us per read (as a
    real one does: the lane trusts time to pass): no real time passes."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        self.t += 1e-6
        return self.t

    def sleep_until(self, t: float) -> None:
        self.t = max(self.t, t)


def test_progress_keeps_coming_while_the_lane_waits_for_a_far_arrival() -> None:
    # The dashboard listens for "quit" in on_progress; a lane asleep until an arrival
    # two seconds away must still call it every PROGRESS_S (it slept through, before).

    clock = StepClock()
    told: list[float] = []
    live = WallClockLane(
        "live", Static(max_batch_size=4, max_wait_ms=1), AnalyticCost(1, 0.0),
        arrivals_at(0.0, 2.0), clock=clock,
    )  # fmt: skip
    live.run(on_progress=lambda _f: told.append(clock.now()))
    gaps = np.diff(told)
    assert told[-1] >= 2.0 + 0.05  # it went on to the end of the schedule
    assert len(told) > 2.0 / PROGRESS_S
    assert gaps.max() <= PROGRESS_S + 0.002
    assert lane_stats(live).completed == 2  # waking early changed nothing served
