"""The simulator against queueing theory, where theory has closed forms.

Tolerances are a few standard errors of the estimates for the sample sizes used
(200k requests, fixed seeds), so a correct simulator passes with margin and an
off-by-a-service-time bug fails by far.
"""

import math

import numpy as np
import pytest

from batchtui.engine.metrics import lane_stats
from batchtui.engine.policies import Dynamic, Static
from batchtui.engine.service import AnalyticCost
from tests.sim.helpers import arrivals_at, run_lane

N = 200_000


def poisson(rate: float, n: int, seed: int) -> np.ndarray:
    return np.cumsum(np.random.default_rng(seed).exponential(1.0 / rate, n))


def test_batch_size_one_with_fixed_service_is_md1() -> None:
    # M/D/1 (Pollaczek-Khinchine): Wq = rho*D / (2*(1 - rho)).
    lam, service_ms = 5000.0, 0.14
    rho = lam * service_ms / 1000
    lane = run_lane(
        Static(max_batch_size=1, max_wait_ms=0),
        arrivals_at(*poisson(lam, N, seed=1)),
        AnalyticCost(service_ms, 0.0),
    )
    s = lane_stats(lane)
    wq = rho * service_ms / (2 * (1 - rho))
    assert s.queue_wait.mean == pytest.approx(wq, rel=0.05)
    assert s.latency.mean == pytest.approx(wq + service_ms, rel=0.02)
    assert s.device_busy == pytest.approx(rho, rel=0.01)
    # Little's law: mean number waiting = arrival rate * mean wait.
    assert s.queue_depth_mean == pytest.approx(lam * s.queue_wait.mean / 1000, rel=0.01)


def test_batch_size_one_with_exponential_service_is_mm1() -> None:
    # M/M/1: sojourn time is exponential with rate mu - lambda, so p50 = ln 2 / (mu - lambda),
    # p99 = ln 100 / (mu - lambda); mean wait in queue = rho / (mu - lambda).
    lam, mu = 3000.0, 5000.0
    lane = run_lane(
        Static(max_batch_size=1, max_wait_ms=0),
        arrivals_at(*poisson(lam, N, seed=2)),
        AnalyticCost(1000.0 / mu, 0.0, noise_cv=1.0, seed=3),
    )
    s = lane_stats(lane)
    scale_ms = 1000.0 / (mu - lam)
    assert s.latency.mean == pytest.approx(scale_ms, rel=0.04)
    assert s.latency.p50 == pytest.approx(math.log(2) * scale_ms, rel=0.04)
    assert s.latency.p99 == pytest.approx(math.log(100) * scale_ms, rel=0.06)
    assert s.queue_wait.mean == pytest.approx(lam / mu * scale_ms, rel=0.05)


def test_constant_arrivals_into_full_static_batches_have_exact_latencies() -> None:
    # Requests every 1 ms, batches of 4 that take 2 ms: the i-th request of a batch
    # (0-based) waits (3 - i) ms for the batch to fill, then 2 ms on the device.
    times = np.arange(4000) * 0.001
    lane = run_lane(
        Static(max_batch_size=4, max_wait_ms=100), arrivals_at(*times), AnalyticCost(2.0, 0.0)
    )
    s = lane_stats(lane)
    assert s.batch_histogram == {4: 1000}
    assert s.dispatch_reasons == {"full": 1000}
    assert s.latency.mean == pytest.approx(1.5 + 2.0)
    assert s.latency.max == pytest.approx(5.0)
    assert s.queue_wait.p50 == pytest.approx(1.5)
    assert s.device_busy == pytest.approx(2000 * 0.001 / (3.999 + 0.002 - 0.0), rel=1e-3)


def test_throughput_matches_capacity_under_overload() -> None:
    # Capacity at batch 32 with t(n) = 2 + 0.05n ms is 32 / 3.6 ms = 8889 req/s.
    lane = run_lane(
        Dynamic(max_batch_size=32),
        arrivals_at(*poisson(12000.0, 60_000, seed=4)),
        AnalyticCost(2.0, 0.05),
    )
    s = lane_stats(lane)
    assert s.batch_mean == pytest.approx(32, rel=0.01)
    assert s.throughput_rps == pytest.approx(32 / 0.0036, rel=0.01)
    assert s.device_busy > 0.99
