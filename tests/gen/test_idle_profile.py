"""The idle restart in ``batchtui.gen-profile/1``: measured after idle, fitted, written in the
additive ``idle`` object, read back, and absent (so 0) in profiles from before it."""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

import pytest
import torch

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.cost import StepCost
from batchtui.engine.gen.step_profile import IdlePoint, load_gen_profile, price_ms
from batchtui.engine.models.gen_profiler import (
    IDLE_AFTER_DECODES,
    GenMeasurement,
    measure_idle_steps,
    profile_generative,
    with_idle_restart,
)
from batchtui.engine.models.spec import ModelSpec
from batchtui.tui.gen_profile import format_gen_profile

CPU = torch.device("cpu")
SMALL = ModelSpec("tiny-gpt", {"layers": 1, "d_model": 32, "max_context": 128})
BRIEF = GenMeasurement(repeats=2, max_tokens=32, max_seqs=4, idle_gap_ms=20.0, idle_repeats=3)


def idle_point(tokens: int, after_idle_ms: float, back_to_back_ms: float) -> IdlePoint:
    return IdlePoint("prefill", tokens, 1, 0, 0, after_idle_ms, after_idle_ms, after_idle_ms,
                     3, back_to_back_ms=back_to_back_ms)  # fmt: skip


def test_the_restart_is_the_median_excess_over_the_fitted_price_never_below_zero() -> None:
    cost = StepCost(1.0, 0.01, 0.1, 0.0)  # prices 16, 64, 128-token prefills 1.16, 1.64, 2.28
    # The back-to-back steps (9.0 ms for the first) do not count: on a shared CPU they were
    # as often the slow ones.
    idle = (idle_point(16, 2.5, 9.0), idle_point(64, 3.0, 1.2), idle_point(128, 9.0, 1.5))
    fitted = with_idle_restart(cost, idle, after_ms=1.0)
    assert fitted.idle_restart_ms == pytest.approx(1.36)  # of 1.34, 1.36 and 6.72
    assert fitted.idle_after_ms == 1.0 and fitted.step_ms == 1.0
    faster = with_idle_restart(cost, (idle_point(16, 1.1, 1.0),), after_ms=1.0)
    assert faster.idle_restart_ms == 0.0
    assert with_idle_restart(cost, (), after_ms=1.0) is cost  # not measured: unchanged


class SlowAfterIdle:
    """A generative module (the contract, no torch work) whose prefill spins 1 ms, and 3 ms
    more when it was last called over 10 ms ago: a device with a known idle restart."""

    max_context = 1 << 20
    vocab = 2

    def __init__(self) -> None:
        self.last = -1e9

    def prefill(self, tokens: list[torch.Tensor], states: list[Any]) -> list[int]:
        now = time.perf_counter()
        spin = 0.001 + (0.003 if now - self.last > 0.010 else 0.0)
        while time.perf_counter() - now < spin:
            pass
        self.last = time.perf_counter()
        return [len(t) for t in tokens]

    def decode(self, states: list[int]) -> list[int]:
        self.last = time.perf_counter()
        return [s + 1 for s in states]


def test_steps_after_idle_are_timed_beside_the_same_step_back_to_back() -> None:
    m = GenMeasurement(repeats=1, max_tokens=32, idle_gap_ms=20.0, idle_repeats=3)
    (point,) = measure_idle_steps(SlowAfterIdle(), CPU, m)  # type: ignore[arg-type]
    # idle_repeats, not --repeats; 64 tokens is past --max-tokens.
    assert (point.prefill_tokens, point.repeats) == (16, 3)
    # 4 ms of spinning after idle, 1 ms back to back (load only ever lengthens them).
    assert 3.9 < point.median_ms < 40.0 and 0.9 < point.back_to_back_ms < 10.0
    spins_1ms = StepCost(1.0, 0.0, 0.0, 0.0)  # the back-to-back price, as a fit would say
    assert with_idle_restart(spins_1ms, (point,), 1.0).idle_restart_ms > 2.0
    none = GenMeasurement(idle_gap_ms=0.0)
    assert measure_idle_steps(SlowAfterIdle(), CPU, none) == ()  # type: ignore[arg-type]


def test_a_profile_writes_the_restart_and_reads_it_back(tmp_path: Any) -> None:
    profile = profile_generative(SMALL, CPU, BRIEF, seed=1)
    (point,) = profile.idle_points  # max_tokens 32: the 16-token prefill only
    assert point.prefill_tokens == 16 and point.repeats == BRIEF.idle_repeats == 3
    assert profile.idle_gap_ms == 20.0 and profile.cost.idle_after_ms == BRIEF.idle_after_ms
    priced = with_idle_restart(dataclasses.replace(profile.cost, idle_restart_ms=0.0), (point,), 1)
    assert profile.cost.idle_restart_ms == priced.idle_restart_ms
    assert priced.idle_restart_ms == max(0.0, point.median_ms - price_ms(profile.cost, point))
    doc = profile.to_json()
    assert doc["idle"]["idle_restart_ms"] == profile.cost.idle_restart_ms
    assert "idle_restart_ms" not in doc["coefficients"]  # the five fitted terms only
    path = tmp_path / "fit.json"
    path.write_text(json.dumps(doc))
    assert load_gen_profile(path) == profile
    shown = format_gen_profile(profile)
    assert "idle_restart_ms" in shown and f"vs {price_ms(profile.cost, point):.3f} " in shown


def test_a_profile_from_before_the_restart_loads_without_one(tmp_path: Any) -> None:
    profile = profile_generative(SMALL, CPU, BRIEF, seed=1)
    doc = profile.to_json()
    del doc["idle"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(doc))
    old = load_gen_profile(path)
    assert (old.cost.idle_restart_ms, old.cost.idle_after_ms) == (0.0, 0.0)
    assert old.idle_points == () and old.idle_gap_ms == 0.0
    assert old.cost.step_ms == profile.cost.step_ms
    assert "idle_restart_ms" not in format_gen_profile(old)


@pytest.mark.parametrize(
    ("idle", "message"),
    [
        ([], "idle: must be an object"),
        ({"idle_restart_ms": -1}, "idle.idle_restart_ms: must be a number >= 0, got -1"),
        ({"idle_after_ms": "soon"}, "idle.idle_after_ms: must be a number >= 0, got 'soon'"),
        ({"points": [{"kind": "prefill"}]}, "idle.points[0]: is not a measured step"),
    ],
)
def test_a_bad_idle_object_is_one_message_naming_it(
    idle: object, message: str, tmp_path: Any
) -> None:
    doc = {"format": "batchtui.gen-profile/1", "model": {"kind": "tiny-gpt"},
           "coefficients": StepCost().to_json(), "idle": idle}  # fmt: skip
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError) as e:
        load_gen_profile(path)
    assert e.value.where == "path"
    assert e.value.message.startswith(f"{path}: {message}")


def test_the_progress_bar_is_full_only_once_the_idle_timings_ran(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The idle timings sleep before each step: the bar sat at 100% through them before.
    from batchtui.engine.models import gen_profiler

    slept: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(gen_profiler.time, "sleep", lambda s: (slept.append(s), real_sleep(s)))
    told: list[tuple[float, int]] = []
    profile_generative(SMALL, CPU, BRIEF, seed=1, progress=lambda f: told.append((f, len(slept))))
    fractions = [f for f, _ in told]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert len(slept) == BRIEF.idle_repeats  # one 16-token prefill after each idle gap
    assert all(n == len(slept) for f, n in told if f > 0.999)
    assert any(0.5 < f < 1.0 for f, _ in told)  # the idle part moves the bar


class Recorder(SlowAfterIdle):
    """SlowAfterIdle that notes each call, and each sleep (through ``note``)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def prefill(self, tokens: list[torch.Tensor], states: list[Any]) -> list[int]:
        self.calls.append("prefill")
        return super().prefill(tokens, states)

    def decode(self, states: list[int]) -> list[int]:
        self.calls.append("decode")
        return super().decode(states)


def test_each_idle_gap_follows_decodes_as_a_lanes_idle_follows_a_generation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # After decodes the prefill that follows idle was slower than after a lone prefill, and a
    # live lane idles after a generation: the profile measures that case.
    from batchtui.engine.models import gen_profiler

    module = Recorder()
    monkeypatch.setattr(gen_profiler.time, "sleep", lambda s: module.calls.append("idle"))
    m = GenMeasurement(max_tokens=16, idle_gap_ms=5.0, idle_repeats=3)
    measure_idle_steps(module, CPU, m)  # type: ignore[arg-type]
    pair = ["idle", "prefill", "prefill"]
    assert module.calls == pair + (["decode"] * IDLE_AFTER_DECODES + pair) * 2


class LateClock:
    """The live lanes' clock on a machine that wakes every sleep 5 ms late."""

    LATE_S = 0.005
    now = staticmethod(time.perf_counter)

    def sleep_until(self, t: float) -> None:
        time.sleep(max(0.0, t - time.perf_counter()) + self.LATE_S)


class ModeRecorder(SlowAfterIdle):
    """SlowAfterIdle that notes whether each prefill ran in inference mode."""

    def __init__(self) -> None:
        super().__init__()
        self.modes: list[bool] = []

    def prefill(self, tokens: list[torch.Tensor], states: list[Any]) -> list[int]:
        self.modes.append(torch.is_inference_mode_enabled())
        return super().prefill(tokens, states)


def test_the_step_after_idle_is_timed_as_a_live_lane_pays_it_from_its_wake() -> None:
    # A lone request at an idle lane pays a late wake and the runtime's own slice and
    # inference-mode entry (0.14 ms on the Xeon VM, bench/RESULTS.md): the profile did not
    # see either, and the simulator's TTFT after idle read low by it.
    m = GenMeasurement(repeats=1, max_tokens=16, idle_gap_ms=20.0, idle_repeats=3)
    module = ModeRecorder()
    (point,) = measure_idle_steps(module, CPU, m, clock=LateClock())  # type: ignore[arg-type]
    assert point.median_ms > 4.0 + LateClock.LATE_S * 1000.0  # the 4 ms step, the 5 ms late
    assert 0.9 < point.back_to_back_ms < 5.0  # the back-to-back one is timed as it runs
    assert module.modes[0::2] == [True] * 3  # after idle: inside inference mode, as LiveModel
    module_alone = dataclasses.replace(m, idle_as_live=False)
    (alone,) = measure_idle_steps(SlowAfterIdle(), CPU, module_alone, clock=LateClock())  # type: ignore[arg-type]
    assert 3.9 < alone.median_ms < 4.0 + LateClock.LATE_S * 1000.0  # the call alone
