"""When a generative lane counts as saturated, and how the table shows KV use."""

from __future__ import annotations

import numpy as np
import pytest

from batchtui.engine.gen.saturation import latency_growth, saturation
from batchtui.tui.gen_report import COLUMNS


def test_a_lane_that_keeps_up_is_not_saturated_though_it_drains_after_the_last_arrival() -> None:
    arrivals = np.arange(0.0, 100.0, 0.25)  # 4 req/s for 100 s
    finished = arrivals + 8.0  # every request takes 8 s: the run ends 8 s after its arrivals
    share, saturated = saturation(arrivals, finished)
    assert share == 1.0 and saturated is False


def test_a_lane_that_finishes_at_half_the_arrival_rate_is_saturated() -> None:
    arrivals = np.arange(0.0, 100.0, 0.25)
    finished = 1.0 + 0.5 * np.arange(len(arrivals))  # one every 0.5 s: its backlog grows
    share, saturated = saturation(arrivals, finished)
    assert share == 0.5 and saturated is True


def test_requests_never_finished_count_as_backlog() -> None:
    arrivals = np.arange(0.0, 100.0, 0.25)
    finished = np.where(np.arange(len(arrivals)) % 2 == 0, arrivals + 1.0, np.nan)
    assert saturation(arrivals, finished) == (0.5, True)


def test_a_small_dip_within_chance_is_not_saturation() -> None:
    arrivals = np.arange(0.0, 40.0, 0.5)  # 80 requests, 40 in the middle half
    finished = arrivals + 3.0
    finished[40:44] = 60.0  # four requests late: a backlog of 4 at most, within chance
    share, saturated = saturation(arrivals, finished)
    assert share is not None and share < 0.95 and saturated is False


def test_too_few_arrivals_say_nothing() -> None:
    assert saturation(np.array([0.0, 1.0, 2.0]), np.array([5.0, 6.0, 7.0])) == (None, False)
    assert saturation(np.array([]), np.array([])) == (None, False)


def test_the_kv_peak_column_is_in_tokens_for_every_lane() -> None:
    kv_column = next(get for name, _, get in COLUMNS if name == "KV peak")
    continuous = {"kv_cache": {"capacity_tokens": 65536, "max_tokens": 32768}}
    request_level = {"kv_cache": {"capacity_tokens": None, "max_tokens": 18752}}
    idle = {"kv_cache": {"capacity_tokens": 65536, "max_tokens": None}}
    assert [kv_column(x) for x in (continuous, request_level, idle)] == ["32,768", "18,752", "-"]


def test_a_large_backlog_whose_latency_grows_with_arrival_time_is_saturated() -> None:
    arrivals = np.arange(0.0, 30.0, 1 / 3)  # 3 req/s for 30 s, 90 requests
    # Served at 2.1 req/s after a 10 s generation: a backlog of tens, so its change over the
    # middle half stays within the Poisson noise, but each later request waits longer.
    finished = 10.0 + np.arange(len(arrivals)) / 2.1
    share, saturated = saturation(arrivals, finished)
    assert share is not None and share < 0.9 and saturated is True
    assert latency_growth(arrivals, finished) > 0.25


def test_a_long_latency_that_stays_level_is_not_saturation() -> None:
    arrivals = np.arange(0.0, 30.0, 1 / 3)
    finished = arrivals + 12.0  # every request takes 12 s, early or late: it keeps up
    share, saturated = saturation(arrivals, finished)
    assert share is not None and share < 0.9 and saturated is False
    assert latency_growth(arrivals, finished) == pytest.approx(0.0)
