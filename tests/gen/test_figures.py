"""A lane's figures from a timeline: vLLM's TPOT and goodput conventions, every request counted."""

from __future__ import annotations

import numpy as np
import pytest

from batchtui.engine.gen import GenRequests
from batchtui.engine.gen.figures import lane_figures
from batchtui.engine.gen.timeline import Timeline


def test_ttft_tpot_goodput_and_accounting_follow_vllms_conventions() -> None:
    reqs = GenRequests(
        times=np.array([0.0, 1.0, 2.0]),
        prompt=np.array([10, 10, 10_000]),
        output=np.array([3, 1, 5]),
    )
    tl = Timeline(
        first=np.array([0.1, 1.5, np.nan]),
        last=np.array([0.3, 1.5, np.nan]),
        tokens=np.array([3, 1, 0]),
        rejected=np.array([False, False, True]),  # never fits the KV cache
        itl=np.array([0.1, 0.1]),
        step_end=np.array([0.1, 0.2, 0.3, 1.5]),
        step_seqs=np.array([1, 1, 1, 2]),
        step_kv=np.array([10, 11, 12, 10]),
        busy_s=0.75,
        kv_capacity=64,
    )
    lane = lane_figures("c", {"kind": "continuous"}, reqs, tl, slo_ttft_ms=200.0, slo_tpot_ms=50.0)
    assert (lane["arrived"], lane["completed"], lane["rejected"]) == (3, 2, 1)
    assert lane["ttft_ms"]["max"] == pytest.approx(500.0)  # request 1: 1.5 - 1.0 s
    assert lane["tpot_ms"]["p50"] == pytest.approx(100.0)  # only request 0 has a TPOT
    assert lane["e2e_ms"]["p50"] == pytest.approx(400.0)
    # Request 0 meets the TTFT SLO but not the TPOT one; request 1 misses TTFT.
    assert lane["slo_met"] == 0 and lane["goodput_rps"] == 0.0
    assert lane["output_tokens"] == 4 and lane["output_tokens_per_s"] == pytest.approx(4 / 1.5)
    assert lane["throughput_rps"] == pytest.approx(2 / 1.5)
    assert lane["device_busy"] == pytest.approx(0.5)
    assert lane["seqs_per_step"] == {"mean": 1.25, "histogram": {"1": 3, "2": 1}}
    assert lane["kv_cache"]["max_tokens"] == 12 and lane["kv_cache"]["capacity_tokens"] == 64
    loose = lane_figures("c", {}, reqs, tl, slo_ttft_ms=600.0, slo_tpot_ms=150.0)
    assert loose["slo_met"] == 2 and loose["goodput_rps"] == pytest.approx(2 / 1.5)
