"""Dynamic batching: follows the load, holds small batches within budget, AIMD ceiling."""

import pytest

from batchtui.engine.errors import ConfigError
from batchtui.engine.policies import Dispatch, Dynamic, QueueView, Wait


def queue(length: int, oldest: float) -> QueueView:
    return QueueView(length=length, oldest=oldest, arrived=length)


def test_sends_what_is_queued_when_the_device_is_free() -> None:
    policy = Dynamic(min_batch_size=1, max_batch_size=32)
    assert policy.decide(0.010, queue(5, oldest=0.009)) == Dispatch(5, "idle-device")


def test_never_sends_more_than_its_ceiling() -> None:
    policy = Dynamic(min_batch_size=1, max_batch_size=8)
    assert policy.decide(0.010, queue(50, oldest=0.0)) == Dispatch(8, "full")


def test_holds_an_undersized_batch_until_max_wait() -> None:
    policy = Dynamic(min_batch_size=4, max_batch_size=32, max_wait_ms=5.0, target_latency_ms=50)
    assert policy.decide(0.001, queue(2, oldest=0.000)) == Wait(until=0.005, size=4)
    assert policy.decide(0.005, queue(2, oldest=0.000)) == Dispatch(2, "timeout")


def test_hold_is_cut_short_by_the_latency_budget() -> None:
    policy = Dynamic(min_batch_size=4, max_batch_size=32, max_wait_ms=5.0, target_latency_ms=10)
    policy.observe(0.0, 4, 0.008)  # batches take 8 ms: only 2 ms of the 10 ms target is left
    assert policy.decide(0.001, queue(1, oldest=0.000)) == Wait(until=pytest.approx(0.002), size=4)
    assert policy.decide(0.002, queue(1, oldest=0.000)) == Dispatch(1, "budget")


def test_aimd_shrinks_by_ten_percent_on_a_miss_and_grows_by_one_on_a_hit() -> None:
    policy = Dynamic(min_batch_size=1, max_batch_size=20, target_latency_ms=10)
    assert policy.ceiling == 20
    policy.observe(0.0, 20, 0.015)  # missed the target
    assert policy.ceiling == 18
    policy.observe(0.0, 18, 0.015)
    assert policy.ceiling == 16  # 16.2
    policy.observe(0.0, 16, 0.005)  # met it
    assert policy.ceiling == 17
    for _ in range(10):
        policy.observe(0.0, 17, 0.005)
    assert policy.ceiling == 20  # never above max_batch_size


def test_ceiling_never_falls_below_min_batch_size() -> None:
    policy = Dynamic(min_batch_size=3, max_batch_size=8, target_latency_ms=1)
    for _ in range(50):
        policy.observe(0.0, 3, 0.5)
    assert policy.ceiling == 3


def test_min_above_max_is_rejected_naming_min() -> None:
    with pytest.raises(ConfigError, match="min_batch_size: must be <= max_batch_size"):
        Dynamic(min_batch_size=9, max_batch_size=8)


def test_shrinking_max_batch_size_live_clamps_the_ceiling() -> None:
    policy = Dynamic(max_batch_size=32)
    policy.update(max_batch_size=4)
    assert policy.decide(0.0, queue(10, oldest=0.0)) == Dispatch(4, "full")
