"""The paced lab follows an explicit clock: virtual time tracks it, pauses, reports its pace."""

import time

import pytest

from batchtui.engine.errors import ConfigError
from batchtui.engine.lab import Lab
from batchtui.engine.load import LoadSpec
from batchtui.engine.scenario import Scenario
from batchtui.engine.session import wall_clock_mode
from batchtui.engine.session.paced import PacedLab


class FakeClock:
    """A clock the test moves by hand; each read can also cost time, like real work."""

    def __init__(self) -> None:
        self.now = 100.0
        self.cost_per_read = 0.0

    def __call__(self) -> float:
        self.now += self.cost_per_read
        return self.now


def paced(clock: FakeClock) -> PacedLab:
    return PacedLab(Lab(Scenario(load=LoadSpec(pattern="constant", rate_rps=1000))), clock=clock)


def test_virtual_time_follows_the_wall_clock() -> None:
    clock = FakeClock()
    p = paced(clock)
    for _ in range(10):
        clock.now += 0.1
        p.step()
    assert p.lab.clock == pytest.approx(1.0)
    assert p.snapshot().recent[0].arrived == pytest.approx(1000, abs=2)


def test_pause_stops_the_clock_and_the_pause_is_not_owed() -> None:
    clock = FakeClock()
    p = paced(clock)
    clock.now += 0.2
    p.step()
    p.pause()
    clock.now += 5.0
    p.step()
    assert p.lab.clock == pytest.approx(0.2)
    p.resume()
    clock.now += 0.1
    p.step()
    assert p.lab.clock == pytest.approx(0.3)
    assert p.snapshot().paused is False


def test_pace_drops_when_the_engine_cannot_keep_up() -> None:
    clock = FakeClock()
    p = paced(clock)
    clock.cost_per_read = 0.5  # each step takes 0.5 s of wall time, for 0.25 s of virtual time
    for _ in range(40):
        p.step()
    assert p.pace == pytest.approx(0.5, abs=0.02)


def test_a_long_stall_is_not_simulated_in_one_gulp() -> None:
    clock = FakeClock()
    p = paced(clock)
    clock.now += 30.0  # e.g. the machine was suspended
    p.step()
    assert p.lab.clock == pytest.approx(0.25)


def test_reset_and_live_changes_reach_the_lab() -> None:
    clock = FakeClock()
    p = paced(clock)
    clock.now += 0.5
    p.step()
    p.set_lane_params("static", {"max_wait_ms": 1.0})
    p.reset_stats()
    snap = p.snapshot()
    assert snap.total[0].arrived == 0
    assert snap.total[0].batcher["max_wait_ms"] == 1.0
    p.set_load(LoadSpec(pattern="constant", rate_rps=100))
    assert p.snapshot().load.rate_rps == 100


def test_a_snapshot_says_when_each_lanes_settings_last_changed() -> None:
    # The dashboard compares an applied tune with the window only once the window starts
    # after this clock; lanes never changed are absent (they run as started).
    clock = FakeClock()
    p = paced(clock)
    assert p.snapshot().settings_since == {}
    clock.now += 0.2
    p.step()
    p.set_lane_params("static", {"max_wait_ms": 1.0})
    clock.now += 0.1
    p.step()
    snap = p.snapshot()
    assert snap.settings_since == {"static": pytest.approx(0.2)}
    assert snap.clock == pytest.approx(0.3)
    p.set_lane_params("static", {"max_wait_ms": 2.0})
    assert p.snapshot().settings_since["static"] == pytest.approx(0.3)
    p.reset_stats()  # statistics, not settings
    assert p.snapshot().settings_since["static"] == pytest.approx(0.3)


def test_a_live_lane_is_served_on_the_wall_clock_while_the_others_wait() -> None:
    p = PacedLab(Lab(Scenario(load=LoadSpec(pattern="constant", rate_rps=1000))))
    p.step()
    sim_clock = p.lab.clock
    p.set_live("dynamic")
    p.set_lane_params("dynamic", {"max_batch_size": 4})
    deadline = time.perf_counter() + 0.6
    while time.perf_counter() < deadline:
        p.step()
    snap = p.snapshot()
    assert snap.live_lane == "dynamic"
    assert p.lab.clock == sim_clock  # the simulated lanes waited
    live = next(lane for lane in snap.total if lane.name == "dynamic")
    assert 400 <= live.arrived <= 700  # about 0.55 s of 1000 req/s, on the wall clock
    assert live.completed > 0.9 * live.arrived
    assert max(live.batch_histogram) <= 4  # the parameter change reached the live policy
    static = next(lane for lane in snap.total if lane.name == "static")
    assert static.arrived < 50  # the simulated lanes hold what they had
    p.set_live(None)
    assert p.live is None and p.snapshot().live_lane is None
    with pytest.raises(ConfigError, match="no lane 'x'"):
        p.set_live("x")


def test_a_long_session_holds_only_its_window_of_history() -> None:
    clock = FakeClock()
    p = PacedLab(Lab(Scenario(load=LoadSpec(rate_rps=2000))), window_s=1.0, clock=clock)
    for _ in range(200):  # 50 s of virtual time
        clock.now += 0.25
        p.step()
    snap = p.snapshot()
    held = len(p.lab.arrivals)
    assert held < 2.5 * 2000 < p.lab.arrivals.offset  # about window + one trim interval
    for total in snap.total:
        assert total.arrived == p.lab.arrivals.offset + held
        assert total.arrived == (
            total.completed + total.failed + total.rejected + total.queued + total.in_flight
        )
    p.reset_stats()
    clock.now += 0.25
    p.step()
    assert 0 < p.snapshot().total[0].arrived < 0.3 * 2000


def test_the_live_lane_holds_only_its_window_of_history(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wall_clock_mode, "FORGET_EVERY_S", 0.1)
    p = PacedLab(Lab(Scenario(load=LoadSpec(pattern="constant", rate_rps=1000))), window_s=0.2)
    p.set_live("static")
    deadline = time.perf_counter() + 0.8
    while time.perf_counter() < deadline:
        p.step()
    assert p.live is not None
    arrivals = p.live.arrivals
    assert arrivals.offset > 300 and len(arrivals) < 500  # 0.2 s window + 0.1 s + lookahead
    total = next(lane for lane in p.snapshot().total if lane.name == "static")
    assert total.arrived >= arrivals.offset
    assert total.arrived == (
        total.completed + total.failed + total.rejected + total.queued + total.in_flight
    )
