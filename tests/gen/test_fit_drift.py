"""How far two generative fits disagree, and what ``tune`` says of it: prices by hand."""

from __future__ import annotations

import pytest

from batchtui.engine.gen.cost import StepCost
from batchtui.engine.gen.fit_drift import LonePrices, fit_drift
from batchtui.engine.tune.gen_validation import GenValidation, Refit
from batchtui.tui.gen_tune_report import refit_lines

COST = StepCost(step_ms=1.0, prefill_ms_per_token=0.01, decode_ms_per_seq=0.5,
                context_ms_per_token=0.001, idle_restart_ms=2.0, idle_after_ms=1.0)  # fmt: skip


def test_a_lone_prefill_pays_the_idle_restart_and_a_decode_its_context() -> None:
    prices = LonePrices.of(COST, 100, 200)
    assert prices.prefill_ms == pytest.approx(1.0 + 100 * 0.01 + 2.0)
    assert prices.decode_ms == pytest.approx(1.0 + 0.5 + 200 * 0.001)


def test_the_drift_is_the_larger_move_against_the_mean() -> None:
    assert fit_drift(LonePrices(4.0, 1.0), LonePrices(4.0, 1.0)) == 0.0
    assert fit_drift(LonePrices(4.0, 1.0), LonePrices(6.0, 1.1)) == pytest.approx(2.0 / 5.0)
    assert fit_drift(LonePrices(4.0, 1.0), LonePrices(4.2, 2.0)) == pytest.approx(1.0 / 1.5)


def _validation(after: LonePrices) -> GenValidation:
    figures = {"ttft_p50_ms": 10.0, "ttft_p99_ms": 20.0, "tpot_p50_ms": 2.0, "tpot_p99_ms": 4.0}
    refit = Refit({**figures, "ttft_p50_ms": 8.0}, LonePrices(5.0, 1.0), after, 64, 80)
    return GenValidation("continuous", figures, figures, {}, "cpu (1 thread)", 1.0, refit=refit)


def test_the_report_says_whether_the_machine_moved_between_the_fits() -> None:
    moved = _validation(LonePrices(7.0, 1.0))
    assert moved.refit_error("ttft_p50_ms") == pytest.approx(10.0 / 8.0 - 1)
    first, second = refit_lines(moved)
    assert "a lone 64-token prefill 7 ms (the search's fit 5)" in first
    assert "33% apart, more than the 15% goal: the machine's speed moved" in first
    assert "TTFT p50 8 ms (+25%), TPOT p50 2 ms (+0%)" in second
    held = refit_lines(_validation(LonePrices(5.5, 1.05)))[0]
    assert "10% apart, within the 15% goal: the machine held its speed" in held
    doc = moved.to_json()["refit"]
    assert doc["drift"] == pytest.approx(2.0 / 6.0)
    assert doc["search_fit_ms"] == {"prefill_ms": 5.0, "decode_ms": 1.0}
    assert doc["relative_error"]["ttft_p50_ms"] == pytest.approx(0.25)


def test_no_refit_no_lines() -> None:
    figures = {"ttft_p50_ms": 1.0}
    v = GenValidation("continuous", figures, figures, {}, "cpu", 1.0)
    assert refit_lines(v) == [] and "refit" not in v.to_json()
