"""A preset carries how its trace is read, so a tuned preset replays the same trace the same way."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from batchtui.engine.load import LoadGenerator
from batchtui.presets import PresetError, load_preset, save_preset
from tests.cli.run import run_cli
from tests.load.alibaba import ALIBABA_SIZES, ALIBABA_TIMES, write_alibaba

COLUMNS = {"time_column": "gmt_create", "size_column": "prompt_length", "time_unit": "iso"}


@pytest.fixture
def trace_doc(valid_doc: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """A valid preset replaying the Alibaba-shaped trace beside it, with its columns."""
    write_alibaba(tmp_path, "genai.csv")
    valid_doc["load"] = {"pattern": "trace", "trace": "genai.csv", "speed": 1.0, **COLUMNS}
    return valid_doc


def test_the_column_choices_reach_the_replay(
    trace_doc: dict[str, Any], write_preset: Callable[..., Path]
) -> None:
    load = load_preset(write_preset(trace_doc)).run_load()
    assert (load.time_column, load.size_column, load.time_unit) == tuple(COLUMNS.values())
    times, sizes = LoadGenerator(load).generate_until(100.0)
    np.testing.assert_array_equal(times, ALIBABA_TIMES)
    np.testing.assert_array_equal(sizes, ALIBABA_SIZES)


def test_a_saved_preset_keeps_its_column_choices(
    trace_doc: dict[str, Any], write_preset: Callable[..., Path], tmp_path: Path
) -> None:
    preset = load_preset(write_preset(trace_doc))
    saved = save_preset(preset, tmp_path / "again.json")
    assert {k: json.loads(saved.read_text())["load"][k] for k in COLUMNS} == COLUMNS
    assert load_preset(saved) == preset


def test_run_with_the_preset_replays_its_trace(
    trace_doc: dict[str, Any],
    write_preset: Callable[..., Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = tmp_path / "r.json"
    code, _, err = run_cli(
        capsys, "run", "--preset", str(write_preset(trace_doc)), "--lanes", "static",
        "--duration", "100", "--json", str(report), "--quiet",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(report.read_text())
    assert doc["lanes"][0]["arrived"] == 8
    assert doc["load"]["size_column"] == "prompt_length"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"time_unit": "hours"},
         "load.time_unit: must be one of s, ms, us, iso (or left out to detect it), got 'hours'"),
        ({"time_column": 5}, "load.time_column: must be a column name (or key), got 5"),
        ({"size_column": ""}, "load.size_column: must be a column name (or key), got ''"),
        ({"time_column": "created"}, "load.time_column: {trace} line 1: no column 'created'"),
        ({"size_column": "tokens"}, "load.size_column: {trace} line 1: no column 'tokens'"),
        ({"time_unit": "ms"},
         "load.time_unit: {trace} line 2: gmt_create '2024-11-15 16:57:50' is a date-time"),
    ],
)  # fmt: skip
def test_a_bad_choice_is_reported_at_its_json_path(
    trace_doc: dict[str, Any],
    write_preset: Callable[..., Path],
    tmp_path: Path,
    change: dict[str, Any],
    problem: str,
) -> None:
    trace_doc["load"].update(change)
    with pytest.raises(PresetError) as err:
        load_preset(write_preset(trace_doc))
    problems = [str(p) for p in err.value.problems]
    assert len(problems) == 1
    assert problems[0].startswith(problem.format(trace=(tmp_path / "genai.csv").resolve()))


def test_column_choices_belong_to_the_trace_pattern(
    valid_doc: dict[str, Any], write_preset: Callable[..., Path]
) -> None:
    valid_doc["load"]["time_column"] = "gmt_create"
    with pytest.raises(PresetError) as err:
        load_preset(write_preset(valid_doc))
    assert [str(p) for p in err.value.problems] == [
        "load.time_column: is not used by the 'poisson' pattern, which reads rate_rps, size, "
        "size_cv, prompt_tokens, output_tokens, prompt_cv, output_cv"
    ]
