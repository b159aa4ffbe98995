"""LoadGenerator: a seeded stream pulled in chunks, whose load can change mid-run."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.engine.errors import ConfigError
from batchtui.engine.load import PATTERNS, LoadGenerator, LoadSpec

SYNTHETIC = [p for p in PATTERNS if p != "trace"]


def spec_for(pattern: str, rate: float = 1000.0) -> LoadSpec:
    return LoadSpec(
        pattern=pattern, rate_rps=rate, burstiness=0.5, on_s=0.3, off_s=0.2,
        ramp_to_rps=2 * rate, ramp_s=3.0, amplitude=0.7, period_s=1.5, size=50.0, size_cv=0.4,
    )  # fmt: skip


def in_chunks(gen: LoadGenerator, ends: list[float]) -> tuple[np.ndarray, np.ndarray]:
    parts = [gen.generate_until(end) for end in ends]
    return np.concatenate([t for t, _ in parts]), np.concatenate([s for _, s in parts])


@pytest.mark.parametrize("pattern", SYNTHETIC)
def test_chunked_generation_equals_one_call(pattern: str) -> None:
    whole_times, whole_sizes = LoadGenerator(spec_for(pattern), seed=1).generate_until(10.0)
    ends = [0.1 * (i + 1) for i in range(100)]
    chunk_times, chunk_sizes = in_chunks(LoadGenerator(spec_for(pattern), seed=1), ends)
    np.testing.assert_array_equal(chunk_times, whole_times)
    np.testing.assert_array_equal(chunk_sizes, whole_sizes)


@pytest.mark.parametrize("pattern", SYNTHETIC)
def test_same_seed_same_arrivals_other_seed_other_arrivals(pattern: str) -> None:
    first, _ = LoadGenerator(spec_for(pattern), seed=5).generate_until(2.0)
    again, _ = LoadGenerator(spec_for(pattern), seed=5).generate_until(2.0)
    other, _ = LoadGenerator(spec_for(pattern), seed=6).generate_until(2.0)
    np.testing.assert_array_equal(first, again)
    if pattern != "constant":
        assert len(first) != len(other) or not np.array_equal(first, other)


@settings(max_examples=40, deadline=None)
@given(
    pattern=st.sampled_from(SYNTHETIC),
    seed=st.integers(0, 2**32),
    steps=st.lists(st.floats(0.0, 0.7, allow_nan=False), min_size=1, max_size=25),
)
def test_any_chunking_returns_every_arrival_once_in_order(
    pattern: str, seed: int, steps: list[float]
) -> None:
    ends = list(np.cumsum(steps) + 2.0)
    gen = LoadGenerator(spec_for(pattern, rate=300.0), seed=seed, start=2.0)
    cursor = gen.cursor
    pieces = []
    for end in ends:
        times, sizes = gen.generate_until(float(end))
        assert len(times) == len(sizes)
        assert np.all((times >= cursor) & (times < end))
        assert gen.cursor == end
        cursor = end
        pieces.append(times)
    whole, _ = LoadGenerator(spec_for(pattern, rate=300.0), seed=seed, start=2.0).generate_until(
        float(ends[-1])
    )
    np.testing.assert_array_equal(np.concatenate(pieces), whole)
    assert np.all(np.diff(whole) >= 0)


def test_output_types_are_float64_times_and_int64_sizes() -> None:
    times, sizes = LoadGenerator(LoadSpec()).generate_until(1.0)
    assert times.dtype == np.float64
    assert sizes.dtype == np.int64
    empty_times, empty_sizes = LoadGenerator(LoadSpec()).generate_until(0.0)
    assert (empty_times.dtype, empty_sizes.dtype, len(empty_times)) == (np.float64, np.int64, 0)


def test_a_million_poisson_arrivals_come_in_one_sorted_call() -> None:
    gen = LoadGenerator(LoadSpec(pattern="poisson", rate_rps=100_000.0), seed=0)
    times, _ = gen.generate_until(10.0)
    assert abs(len(times) - 1_000_000) < 4 * 1000
    assert (np.diff(times) >= 0).all() and times[0] >= 0.0 and times[-1] < 10.0


def test_set_spec_changes_the_rate_from_that_time() -> None:
    gen = LoadGenerator(LoadSpec(pattern="poisson", rate_rps=1000.0), seed=3)
    before, _ = gen.generate_until(10.0)
    gen.set_spec(LoadSpec(pattern="poisson", rate_rps=4000.0))
    after, _ = gen.generate_until(20.0)
    assert abs(len(before) - 10_000) <= 4 * math.sqrt(10_000)
    assert abs(len(after) - 40_000) <= 4 * math.sqrt(40_000)
    assert after.min() >= 10.0
    assert gen.spec.rate_rps == 4000.0


def test_a_change_scheduled_ahead_applies_inside_a_later_chunk() -> None:
    gen = LoadGenerator(LoadSpec(pattern="constant", rate_rps=10.0), seed=0)
    gen.set_spec(LoadSpec(pattern="constant", rate_rps=100.0), at=2.0)
    assert gen.spec.rate_rps == 10.0  # not yet in effect at the cursor
    times, _ = gen.generate_until(3.0)
    assert np.count_nonzero(times < 2.0) == 20
    assert np.count_nonzero(times >= 2.0) == 100
    assert times[20] == 2.0  # the new phase starts at `at`
    assert gen.spec.rate_rps == 100.0


def test_a_new_change_replaces_changes_scheduled_after_it() -> None:
    gen = LoadGenerator(LoadSpec(pattern="constant", rate_rps=10.0))
    gen.set_spec(LoadSpec(pattern="constant", rate_rps=1000.0), at=5.0)
    gen.set_spec(LoadSpec(pattern="constant", rate_rps=1.0), at=1.0)
    times, _ = gen.generate_until(10.0)
    assert len(times) == 10 + 9


def test_set_spec_restarts_the_phase_of_a_ramp() -> None:
    gen = LoadGenerator(LoadSpec(pattern="poisson", rate_rps=100.0), seed=4)
    gen.generate_until(50.0)
    gen.set_spec(LoadSpec(pattern="ramp", rate_rps=1000.0, ramp_to_rps=5000.0, ramp_s=10.0))
    times, _ = gen.generate_until(51.0)
    assert abs(len(times) - 1200) <= 4 * math.sqrt(1200)  # the first second of the ramp


def test_chunked_runs_with_the_same_changes_are_identical() -> None:
    def run(ends: list[float]) -> np.ndarray:
        gen = LoadGenerator(spec_for("gamma"), seed=9)
        gen.set_spec(spec_for("sine"), at=1.25)
        return in_chunks(gen, ends)[0]

    np.testing.assert_array_equal(run([3.0]), run([0.5, 1.0, 1.25, 1.3, 2.0, 3.0]))


def test_set_spec_cannot_change_the_past() -> None:
    gen = LoadGenerator(LoadSpec())
    gen.generate_until(1.0)
    with pytest.raises(ValueError, match="cursor"):
        gen.set_spec(LoadSpec(rate_rps=5.0), at=0.5)


def test_generate_until_cannot_go_back() -> None:
    gen = LoadGenerator(LoadSpec())
    gen.generate_until(1.0)
    with pytest.raises(ValueError, match="cursor"):
        gen.generate_until(0.5)


def test_invalid_specs_are_refused_at_construction_and_change() -> None:
    with pytest.raises(ConfigError) as caught:
        LoadGenerator(LoadSpec(rate_rps=0.0))
    assert caught.value.where == "rate_rps"
    gen = LoadGenerator(LoadSpec())
    with pytest.raises(ConfigError):
        gen.set_spec(LoadSpec(pattern="zigzag"))
    assert gen.spec == LoadSpec()


def test_a_negative_seed_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        LoadGenerator(LoadSpec(), seed=-1)
    assert caught.value.where == "seed"


def test_switching_to_a_trace_starts_it_at_the_change(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("time,size\n10.0,5\n10.5,6\n12.0,7\n", encoding="utf-8")
    gen = LoadGenerator(LoadSpec(pattern="constant", rate_rps=1.0))
    gen.generate_until(3.0)
    gen.set_spec(LoadSpec(pattern="trace", trace=str(path)))
    times, sizes = gen.generate_until(100.0)
    np.testing.assert_array_equal(times, [3.0, 3.5, 5.0])
    np.testing.assert_array_equal(sizes, [5, 6, 7])
