"""Predictive batching: learns t(n) and the arrival rate, waits for the batch that pays."""

import pytest

from batchtui.engine.policies import Dispatch, Predictive, QueueView, Wait
from batchtui.engine.policies.cost_fit import CostFit
from batchtui.engine.policies.rate_estimate import RateEstimate


def test_without_history_it_sends_what_is_queued() -> None:
    policy = Predictive(max_batch_size=32, max_wait_ms=5)
    assert policy.decide(0.0, QueueView(length=1, oldest=0.0, arrived=1)) == Dispatch(
        1, "predicted"
    )


def test_cost_fit_recovers_a_linear_cost() -> None:
    fit = CostFit()
    for n in (1, 4, 8, 16, 32, 2, 24):
        fit.add(n, 0.002 + 0.00005 * n)
    assert fit.a == pytest.approx(0.002)
    assert fit.b == pytest.approx(0.00005)


def test_cost_fit_with_one_size_treats_the_cost_as_overhead() -> None:
    fit = CostFit()
    fit.add(4, 0.004)
    fit.add(4, 0.004)
    assert (fit.a, fit.b) == (pytest.approx(0.004), 0.0)


def test_rate_estimate_follows_counts_over_time() -> None:
    rate = RateEstimate(tau_s=0.5)
    rate.update(0.0, 0)
    for i in range(1, 200):
        rate.update(i * 0.01, i * 10)  # 1000 req/s
    assert rate.rate == pytest.approx(1000.0)
    for i in range(200, 400):
        rate.update(i * 0.01, 1990 + (i - 199) * 20)  # now 2000 req/s for 2 s (4 tau)
    assert rate.rate == pytest.approx(2000.0, rel=0.03)


def trained(rate_rps: float) -> Predictive:
    """A policy that has seen t(n) = 2 ms + 0.05 ms*n and `rate_rps` arrivals."""
    policy = Predictive(max_batch_size=32, max_wait_ms=5, target_latency_ms=20)
    for n in (1, 8, 16, 32):
        policy.observe(0.0, n, 0.002 + 0.00005 * n)
    for i in range(100):
        policy.rate.update(i * 0.01, int(i * 0.01 * rate_rps))
    return policy


def test_target_size_is_the_smallest_sustainable_batch() -> None:
    # lambda*t(n)/n <= 0.8  <=>  n >= lambda*a / (0.8 - lambda*b)
    policy = trained(2000.0)
    assert policy.target_size(2000.0) == 6  # 2000*0.002 / (0.8 - 0.1) = 5.71
    assert policy.target_size(100.0) == 1
    assert policy.target_size(20000.0) == 32  # beyond capacity: the largest batch


def test_waits_for_the_target_size_but_not_past_max_wait() -> None:
    policy = trained(2000.0)
    decision = policy.decide(1.0, QueueView(length=2, oldest=0.999, arrived=1990))
    assert decision == Wait(until=pytest.approx(0.999 + 0.005), size=6)
    assert policy.decide(1.004, QueueView(length=3, oldest=0.999, arrived=1998)) == Dispatch(
        3, "timeout"
    )


def test_dispatches_as_predicted_once_the_target_is_queued() -> None:
    policy = trained(2000.0)
    decision = policy.decide(1.0, QueueView(length=7, oldest=0.998, arrived=1990))
    assert decision == Dispatch(7, "predicted")


def test_budget_cuts_the_wait_when_the_target_latency_is_tight() -> None:
    policy = Predictive(max_batch_size=32, max_wait_ms=50, target_latency_ms=4)
    for n in (1, 8, 16, 32):
        policy.observe(0.0, n, 0.002 + 0.00005 * n)
    for i in range(100):
        policy.rate.update(i * 0.01, i * 20)  # 2000 req/s -> target 6, t(6) = 2.3 ms
    decision = policy.decide(1.0, QueueView(length=1, oldest=1.0, arrived=1990))
    assert decision == Wait(until=pytest.approx(1.0 + 0.004 - 0.0023), size=6)
