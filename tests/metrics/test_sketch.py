"""The quantile sketch: every percentile within 1% of the exact one, merging adds samples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.engine.metrics.sketch import RELATIVE_ERROR, LogHistogram
from batchtui.engine.metrics.summary import QUANTILES, summarize, summarize_sketch


def sketch_of(x: np.ndarray) -> LogHistogram:
    s = LogHistogram()
    s.add(x)
    return s


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.just(0.0), st.floats(1e-7, 100.0, allow_nan=False)),
        min_size=1,
        max_size=300,
    ),
    q=st.floats(0.0, 100.0),
)
def test_a_percentile_is_within_the_relative_error_of_the_exact_one(
    values: list[float], q: float
) -> None:
    x = np.asarray(values)
    (got,) = sketch_of(x).percentiles((q,))
    want = float(np.percentile(x, q))
    assert abs(got - want) <= RELATIVE_ERROR * want + 1e-12


def test_latencies_over_six_decades_keep_their_percentiles() -> None:
    x = np.random.default_rng(0).lognormal(np.log(0.005), 2.0, 200_000)
    s = summarize_sketch(sketch_of(x), float(x.sum()), float(x.max()))
    exact = summarize(x)
    assert (s.count, s.max) == (exact.count, exact.max)
    assert s.mean == pytest.approx(exact.mean)
    for q in ("p50", "p90", "p99", "p999"):
        assert getattr(s, q) == pytest.approx(getattr(exact, q), rel=RELATIVE_ERROR)


def test_merging_two_sketches_counts_both_samples() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.exponential(0.01, 1000), rng.exponential(0.1, 3000)
    merged = sketch_of(a).merged(sketch_of(b))
    assert np.array_equal(merged.counts, sketch_of(np.concatenate([a, b])).counts)
    assert merged.percentiles(QUANTILES) == sketch_of(np.concatenate([a, b])).percentiles(QUANTILES)


def test_an_empty_sketch_has_no_percentiles() -> None:
    with pytest.raises(ValueError, match="empty"):
        LogHistogram().percentiles((50.0,))
    assert summarize_sketch(LogHistogram(), 0.0, 0.0).p99 is None
