"""Trace replay through LoadGenerator: starts at the start time, honours speed, loops or ends."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from batchtui.engine.load import LoadGenerator, LoadSpec, load_trace


def small_trace(tmp_path: Path) -> str:
    path = tmp_path / "small.csv"
    path.write_text("time,size\n100,1\n101,2\n101,3\n104,4\n", encoding="utf-8")
    return str(path)


def replay(path: str, start: float = 0.0, **knobs: object) -> LoadGenerator:
    return LoadGenerator(LoadSpec(pattern="trace", trace=path, **knobs), start=start)  # type: ignore[arg-type]


def test_replay_puts_the_first_request_at_the_start_time(tmp_path: Path) -> None:
    times, sizes = replay(small_trace(tmp_path), start=50.0).generate_until(100.0)
    np.testing.assert_array_equal(times, [50.0, 51.0, 51.0, 54.0])
    np.testing.assert_array_equal(sizes, [1, 2, 3, 4])


def test_speed_divides_the_times(tmp_path: Path) -> None:
    times, _ = replay(small_trace(tmp_path), speed=4.0).generate_until(100.0)
    np.testing.assert_array_equal(times, [0.0, 0.25, 0.25, 1.0])


def test_without_loop_the_stream_ends(tmp_path: Path) -> None:
    gen = replay(small_trace(tmp_path))
    assert len(gen.generate_until(3.999)[0]) == 3
    assert len(gen.generate_until(4.0001)[0]) == 1
    times, sizes = gen.generate_until(1e6)
    assert (len(times), len(sizes)) == (0, 0)
    assert gen.cursor == 1e6


def test_loop_repeats_after_the_span_plus_the_mean_gap(tmp_path: Path) -> None:
    gen = replay(small_trace(tmp_path), loop=True, speed=2.0)
    times, sizes = gen.generate_until(3 * 16 / 3 / 2)  # three periods of (4 + 4/3) / 2 s
    period = (4.0 + 4.0 / 3.0) / 2.0
    one_pass = np.array([0.0, 0.5, 0.5, 2.0])
    expected = np.concatenate([one_pass, one_pass + period, one_pass + 2 * period])
    np.testing.assert_allclose(times, expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(sizes, [1, 2, 3, 4] * 3)


def test_chunked_replay_of_a_real_trace_equals_one_call(traces_dir: Path) -> None:
    spec = LoadSpec(pattern="trace", trace=str(traces_dir / "conversation_trace.jsonl"), loop=True)
    whole, whole_sizes = LoadGenerator(spec).generate_until(8000.0)
    gen = LoadGenerator(spec)
    parts = [gen.generate_until(end) for end in np.arange(1.0, 8001.0, 2.999)]
    gen_rest = gen.generate_until(8000.0)
    chunks = np.concatenate([p[0] for p in parts] + [gen_rest[0]])
    np.testing.assert_array_equal(chunks, whole)
    np.testing.assert_array_equal(
        np.concatenate([p[1] for p in parts] + [gen_rest[1]]), whole_sizes
    )
    trace = load_trace(traces_dir / "conversation_trace.jsonl")
    assert len(whole) == 2 * len(trace) + int(
        np.count_nonzero(trace.times < 8000 - 2 * trace.loop_period)
    )


def test_replayed_rate_is_the_trace_rate_times_speed(traces_dir: Path) -> None:
    path = str(traces_dir / "AzureLLMInferenceTrace_conv.csv")
    times, _ = LoadGenerator(LoadSpec(pattern="trace", trace=path, speed=10.0)).generate_until(1e4)
    assert len(times) == 19366
    assert (len(times) - 1) / times[-1] == pytest.approx(5.5301 * 10, rel=1e-4)
