"""Each arrival pattern has the rate, variability and shape over time that its knobs promise.

Counts are checked against their expectation within 4 standard deviations (seeded, so a
pass is repeatable; a wrong rate or shape is off by many more).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from batchtui.engine.load import LoadGenerator, LoadSpec


def arrivals(spec: LoadSpec, until: float, seed: int = 0, start: float = 0.0) -> np.ndarray:
    times, _ = LoadGenerator(spec, seed=seed, start=start).generate_until(until)
    return times


def assert_count_near(count: int, expected: float, variance: float | None = None) -> None:
    sigma = math.sqrt(expected if variance is None else variance)
    assert abs(count - expected) <= 4 * sigma, (
        f"{count} arrivals, expected {expected:.0f} ± {4 * sigma:.0f}"
    )


def gap_cv(times: np.ndarray) -> float:
    gaps = np.diff(times)
    return float(gaps.std() / gaps.mean())


def count_in(times: np.ndarray, low: float, high: float) -> int:
    return int(np.count_nonzero((times >= low) & (times < high)))


@pytest.mark.parametrize(
    ("spec", "count_variance_per_arrival"),
    [
        (LoadSpec(pattern="poisson", rate_rps=1500.0), 1.0),
        (LoadSpec(pattern="gamma", rate_rps=1500.0, burstiness=0.25), 4.0),  # CV² = 1/shape
        (LoadSpec(pattern="gamma", rate_rps=1500.0, burstiness=4.0), 0.25),
        (LoadSpec(pattern="onoff", rate_rps=1500.0, on_s=0.5, off_s=1.5), 1.0),
        (LoadSpec(pattern="sine", rate_rps=1500.0, amplitude=0.9, period_s=2.0), 1.0),
    ],
    ids=["poisson", "gamma-bursty", "gamma-smooth", "onoff", "sine"],
)
def test_mean_rate_matches_rate_rps(spec: LoadSpec, count_variance_per_arrival: float) -> None:
    duration = 20.0  # a whole number of on/off and sine periods
    expected = spec.rate_rps * duration
    count = len(arrivals(spec, duration, seed=11))
    assert_count_near(count, expected, expected * count_variance_per_arrival)


def test_constant_arrivals_are_exactly_evenly_spaced_from_the_start() -> None:
    times = arrivals(LoadSpec(pattern="constant", rate_rps=1000.0), 15.0, start=5.0)
    assert len(times) == 10_000
    assert times[0] == 5.0
    np.testing.assert_allclose(np.diff(times), 0.001, rtol=0, atol=1e-12)


def test_poisson_gaps_have_cv_one() -> None:
    times = arrivals(LoadSpec(pattern="poisson", rate_rps=1000.0), 100.0, seed=2)
    assert gap_cv(times) == pytest.approx(1.0, abs=0.02)


@pytest.mark.parametrize(("burstiness", "cv"), [(0.25, 2.0), (1.0, 1.0), (4.0, 0.5)])
def test_gamma_gap_cv_is_one_over_root_burstiness(burstiness: float, cv: float) -> None:
    spec = LoadSpec(pattern="gamma", rate_rps=1000.0, burstiness=burstiness)
    assert gap_cv(arrivals(spec, 100.0, seed=3)) == pytest.approx(cv, rel=0.025)


def test_onoff_has_no_arrivals_between_bursts() -> None:
    spec = LoadSpec(pattern="onoff", rate_rps=1000.0, on_s=0.5, off_s=1.5)
    times = arrivals(spec, 20.0, seed=4, start=3.0)
    phase = np.mod(times - 3.0, 2.0)
    assert np.all(phase < 0.5 + 1e-9)
    # Inside a burst the rate is rate_rps * (on + off) / on, so the mean stays rate_rps.
    assert_count_near(count_in(times, 3.0, 3.5), 4000 * 0.5)
    assert count_in(times, 3.5, 5.0) == 0


def test_ramp_rate_rises_from_start_to_target_then_holds() -> None:
    spec = LoadSpec(pattern="ramp", rate_rps=1000.0, ramp_to_rps=3000.0, ramp_s=10.0)
    times = arrivals(spec, 12.0, seed=5)
    # rate(t) = 1000 + 200 t, so the first second averages 1100 and the tenth 2900.
    assert_count_near(count_in(times, 0.0, 1.0), 1100)
    assert_count_near(count_in(times, 9.0, 10.0), 2900)
    assert_count_near(count_in(times, 10.0, 12.0), 6000)


def test_ramp_can_fall_as_well_as_rise() -> None:
    spec = LoadSpec(pattern="ramp", rate_rps=3000.0, ramp_to_rps=0.0, ramp_s=2.0)
    times = arrivals(spec, 4.0, seed=6)
    assert_count_near(count_in(times, 0.0, 1.0), 2250)
    assert count_in(times, 2.0, 4.0) == 0


def sine_count(rate: float, amplitude: float, period: float, low: float, high: float) -> float:
    """The integral of rate * (1 + amplitude * sin(2 pi t / period)) over [low, high)."""
    w = 2 * math.pi / period
    return rate * ((high - low) + amplitude / w * (math.cos(w * low) - math.cos(w * high)))


def test_sine_rate_peaks_at_a_quarter_period_and_dips_at_three_quarters() -> None:
    rate, amplitude, period, cycles = 1000.0, 0.8, 4.0, 25
    spec = LoadSpec(pattern="sine", rate_rps=rate, amplitude=amplitude, period_s=period)
    times = arrivals(spec, cycles * period, seed=7)
    phase = np.mod(times, period)
    peak = int(np.count_nonzero((phase >= 0.75) & (phase < 1.25)))
    trough = int(np.count_nonzero((phase >= 2.75) & (phase < 3.25)))
    assert_count_near(peak, cycles * sine_count(rate, amplitude, period, 0.75, 1.25))
    assert_count_near(trough, cycles * sine_count(rate, amplitude, period, 2.75, 3.25))
    assert peak > 5 * trough


@pytest.mark.parametrize("pattern", ["ramp", "sine", "onoff"])
def test_time_varying_patterns_start_their_phase_at_the_start_time(pattern: str) -> None:
    spec = LoadSpec(
        pattern=pattern, rate_rps=1000.0, ramp_to_rps=5000.0, ramp_s=4.0, period_s=4.0,
        amplitude=1.0, on_s=1.0, off_s=3.0,
    )  # fmt: skip
    from_zero = arrivals(spec, 1.0, seed=8)
    from_later = arrivals(spec, 1001.0, seed=8, start=1000.0)
    np.testing.assert_allclose(from_later - 1000.0, from_zero, atol=1e-9)


def test_sizes_are_all_the_rounded_mean_without_spread() -> None:
    _, sizes = LoadGenerator(LoadSpec(size=37.6)).generate_until(1.0)
    assert sizes.dtype == np.int64
    assert set(sizes.tolist()) == {38}


def test_sizes_spread_as_a_gamma_with_the_requested_cv() -> None:
    spec = LoadSpec(rate_rps=10_000.0, size=200.0, size_cv=0.5)
    _, sizes = LoadGenerator(spec, seed=9).generate_until(10.0)
    standard_error = 200.0 * 0.5 / math.sqrt(len(sizes))
    assert abs(sizes.mean() - 200.0) <= 4 * standard_error
    assert sizes.std() / sizes.mean() == pytest.approx(0.5, abs=0.01)
    assert sizes.min() >= 1


def test_sizes_never_fall_below_one_even_when_very_spread() -> None:
    spec = LoadSpec(rate_rps=10_000.0, size=1.0, size_cv=3.0)
    _, sizes = LoadGenerator(spec, seed=10).generate_until(1.0)
    assert sizes.min() == 1
