"""summarize: a trace's figures, checked against a computation done by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchtui.engine.load import load_trace
from batchtui.engine.load.trace_summary import SUMMARY_FORMAT, summarize
from tests.load.alibaba import write_alibaba

# 7 requests: three in the first second, a 57 s gap, two in the second minute.
HAND = "time,size\n0.0,10\n0.2,20\n0.9,30\n1.5,40\n4.0,50\n61.0,60\n61.5,70\n"


@pytest.fixture
def hand_trace(tmp_path: Path) -> Path:
    path = tmp_path / "hand.csv"
    path.write_text(HAND)
    return path


def test_the_figures_match_a_hand_computation(hand_trace: Path) -> None:
    s = summarize(load_trace(hand_trace))
    assert s.rows == 7
    assert s.span_s == 61.5
    assert s.mean_rps == pytest.approx(7 / 61.5)
    assert s.mean_rpm == pytest.approx(7 / 61.5 * 60)
    # Whole seconds from the first request: [0, 1) holds 0.0, 0.2 and 0.9.
    assert (s.peak_rps, s.peak_rps_at_s) == (3, 0.0)
    # Whole minutes: [0, 60) holds five, [60, 120) two.
    assert (s.peak_rpm, s.peak_rpm_at_s) == (5, 0.0)
    # Linear percentiles of 10..70: p90 at rank 5.4 -> 60 + 0.4 * 10; p99 at 5.94.
    assert s.sizes == pytest.approx({"mean": 40, "p50": 40, "p90": 64, "p99": 69.4, "max": 70})
    assert (s.longest_gap_s, s.longest_gap_at_s) == (57.0, 4.0)


def test_the_rate_series_counts_requests_per_bin(hand_trace: Path) -> None:
    fine = summarize(load_trace(hand_trace))
    assert fine.bin_s == 1.0 and len(fine.rate_rps) == 62
    assert {i: r for i, r in enumerate(fine.rate_rps) if r} == {0: 3.0, 1: 1.0, 4: 1.0, 61: 2.0}
    coarse = summarize(load_trace(hand_trace), max_bins=10)  # 61.5 s in 10 s bins: 7 bins
    assert coarse.bin_s == 10.0
    assert coarse.rate_rps == (0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.2)


def test_the_busiest_minute_is_found_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("time\n0\n70\n71\n72\n119.9\n120\n")
    s = summarize(load_trace(path))
    assert (s.peak_rpm, s.peak_rpm_at_s) == (4, 60.0)
    assert (s.peak_rps, s.peak_rps_at_s) == (1, 0.0)  # a tie: the first such second


def test_a_single_request_has_no_rate_and_no_gap(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("time,size\n5,12\n")
    s = summarize(load_trace(path))
    assert (s.rows, s.span_s, s.mean_rps, s.mean_rpm) == (1, 0.0, None, None)
    assert (s.longest_gap_s, s.peak_rps, s.rate_rps) == (None, 1, (1.0,))
    assert s.sizes["p99"] == 12.0


def test_a_trace_of_years_costs_no_more_than_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("time\n700000000\n700000000.5\n4000000000\n")  # 1992 .. 2096, epoch s
    s = summarize(load_trace(path), max_bins=120)
    assert (s.peak_rps, s.rows) == (2, 3)
    assert len(s.rate_rps) <= 121 and s.bin_s % 86400 == 0


def test_the_json_document_holds_the_same_figures(tmp_path: Path) -> None:
    s = summarize(load_trace(write_alibaba(tmp_path), "gmt_create", "prompt_length"))
    doc = json.loads(json.dumps(s.to_dict(), allow_nan=False))
    assert doc["format"] == SUMMARY_FORMAT == "batchtui.trace/1"
    assert (doc["time_column"], doc["size_column"], doc["time_unit"]) == (
        "gmt_create", "prompt_length", "iso",
    )  # fmt: skip
    assert doc["rows"] == 8 and doc["span_s"] == 72.0
    assert doc["rate"]["mean_per_s"] == pytest.approx(8 / 72)
    assert doc["rate"]["peak_per_min"] == 6 and doc["rate"]["peak_per_s"] == 2
    assert doc["sizes"]["max"] == 3999.0
    assert doc["longest_gap"] == {"s": 54.0, "at_s": 17.0}
    assert doc["series"]["bin_s"] == 1.0 and sum(doc["series"]["rate_per_s"]) == 8
