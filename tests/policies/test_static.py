"""Static batching, driven with literal timelines: full, timeout, bounded wait."""

import pytest

from batchtui.engine.errors import ConfigError
from batchtui.engine.policies import Dispatch, QueueView, Static, Wait


def queue(length: int, oldest: float) -> QueueView:
    return QueueView(length=length, oldest=oldest, arrived=length)


def test_waits_for_the_deadline_of_the_oldest_request_or_a_full_batch() -> None:
    policy = Static(max_batch_size=8, max_wait_ms=5.0)
    assert policy.decide(0.002, queue(2, oldest=0.000)) == Wait(until=0.005, size=8)


def test_dispatches_what_is_queued_when_the_oldest_has_waited_max_wait() -> None:
    policy = Static(max_batch_size=8, max_wait_ms=5.0)
    assert policy.decide(0.005, queue(2, oldest=0.000)) == Dispatch(2, "timeout")


def test_dispatches_a_full_batch_at_once() -> None:
    policy = Static(max_batch_size=4, max_wait_ms=5.0)
    assert policy.decide(0.001, queue(4, oldest=0.000)) == Dispatch(4, "full")
    assert policy.decide(0.001, queue(9, oldest=0.000)) == Dispatch(4, "full")


def test_deadline_follows_the_request_that_is_oldest_now() -> None:
    # After a batch left, the next deadline is the new oldest's, never a stale timer's.
    policy = Static(max_batch_size=4, max_wait_ms=5.0)
    assert policy.decide(0.0061, queue(1, oldest=0.006)) == Wait(until=0.006 + 0.005, size=4)


def test_zero_wait_dispatches_immediately() -> None:
    policy = Static(max_batch_size=4, max_wait_ms=0.0)
    assert policy.decide(0.3, queue(1, oldest=0.3)) == Dispatch(1, "timeout")


def test_live_update_changes_the_rule_and_rejects_bad_values_atomically() -> None:
    policy = Static(max_batch_size=8, max_wait_ms=5.0)
    policy.update(max_wait_ms=1.0)
    assert policy.decide(0.001, queue(1, oldest=0.0)) == Dispatch(1, "timeout")
    with pytest.raises(ConfigError, match=r"max_batch_size: must be >= 1, got 0"):
        policy.update(max_wait_ms=9.0, max_batch_size=0)
    assert policy.params == {"max_batch_size": 8, "max_wait_ms": 1.0}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"max_batch_size": 0}, "max_batch_size: must be >= 1, got 0"),
        ({"max_batch_size": 2.5}, "max_batch_size: must be a whole number, got 2.5"),
        ({"max_wait_ms": -3}, "max_wait_ms: must be >= 0, got -3"),
        ({"max_wait_ms": float("nan")}, "max_wait_ms: must be a finite number"),
        ({"max_wait_ms": "5"}, "max_wait_ms: must be a number, got '5'"),
        ({"max_wait_ms": True}, "max_wait_ms: must be a number, got True"),
        ({"max_wiat_ms": 5}, "max_wiat_ms: unknown parameter; expected one of max_batch_size"),
    ],
)
def test_invalid_parameters_are_named(params: dict, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        Static(**params)
    assert message in str(err.value)
