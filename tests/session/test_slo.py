"""The SLO can change while the engine runs: goodput is then measured against the new one."""

from __future__ import annotations

import time

import pytest

from batchtui.engine.errors import ConfigError
from batchtui.engine.lab import Lab
from batchtui.engine.load import LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import Scenario
from batchtui.engine.session import CommandFailed, EngineClient, SetSlo, Snapshot
from batchtui.engine.session.paced import PacedLab


def scenario(slo_ms: float | None = 20.0) -> Scenario:
    return Scenario(load=LoadSpec(rate_rps=1000), model=ModelSpec("analytic"), slo_ms=slo_ms)


def test_set_slo_changes_what_goodput_is_computed_against() -> None:
    clock = [0.0]
    paced = PacedLab(Lab(scenario()), clock=lambda: clock[0])
    for _ in range(8):
        clock[0] += 0.25
        paced.step()
    before = paced.snapshot().recent[0]
    assert before.slo_ms == 20.0 and before.goodput_rps == pytest.approx(before.throughput_rps)
    tight = 0.5 * before.latency.p50  # half the lane's requests are slower than this
    paced.set_slo(tight)
    after = paced.snapshot().recent[0]
    assert after.slo_ms == tight
    assert 0 < after.goodput_rps < 0.75 * after.throughput_rps
    assert paced.lab.report()["slo_ms"] == tight


@pytest.mark.parametrize("bad", [0.0, -5.0, float("nan"), float("inf"), "20"])
def test_an_impossible_slo_is_refused_and_nothing_changes(bad: object) -> None:
    lab = Lab(scenario())
    with pytest.raises(ConfigError, match="slo_ms: must be"):
        lab.set_slo(bad)  # type: ignore[arg-type]
    assert lab.scenario.slo_ms == 20.0


def test_the_engine_process_obeys_set_slo_and_refuses_a_bad_one() -> None:
    client = EngineClient(scenario(slo_ms=None))
    try:
        deadline = time.monotonic() + 20
        client.send(SetSlo(7.5))
        seen: list[object] = []
        while time.monotonic() < deadline:
            seen += client.events(timeout=0.1)
            snaps = [e for e in seen if isinstance(e, Snapshot) and e.recent[0].slo_ms == 7.5]
            if snaps and snaps[-1].recent[0].goodput_rps is not None:
                break
        else:
            raise AssertionError("the SLO never reached the snapshots")
        client.send(SetSlo(-1.0))
        while time.monotonic() < deadline:
            refused = [e for e in client.events(timeout=0.1) if isinstance(e, CommandFailed)]
            if refused:
                assert "slo_ms: must be >= 0.001, got -1" in refused[0].message
                break
        else:
            raise AssertionError("a negative SLO was not refused")
    finally:
        client.close()
