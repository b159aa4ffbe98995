"""``run --save-preset``: a lane's settings and figures as a preset, through presets/."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchtui.presets import load_preset
from batchtui.presets.exporters import export
from tests.cli.run import run_cli
from tests.presets import pbtxt


def test_a_saved_dynamic_lane_exports_its_measured_batch_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tuned.json"
    code, out, err = run_cli(
        capsys, "run", "--rate", "3000", "--duration", "3", "--slo-ms", "20",
        "--save-preset", f"dynamic={path}",
    )  # fmt: skip
    assert code == 0, err
    assert f"preset of lane dynamic written to {path}" in out
    preset = load_preset(path)
    assert preset.name == "tuned" and preset.batcher_kind == "dynamic"
    assert preset.slo_p99_ms == 20.0 and preset.load.rate_rps == 3000.0
    measured = preset.measured
    assert measured["requests"] == measured["completed"] > 8000
    assert 0 < measured["latency_ms"]["p50"] <= measured["latency_ms"]["p99"]
    sizes = measured["batch_size"]
    assert 1 < sizes["mean"] <= sizes["p90"] <= sizes["max"]
    batching = pbtxt.parse(export(preset, "triton").text)["dynamic_batching"][0]
    assert batching["preferred_batch_size"][0] == sizes["p90"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("out.json", "--save-preset: name the lane, e.g. static=out.json"),
        ("fast=out.json", "--save-preset: no lane 'fast'; lanes are static, dynamic, predictive"),
        ("static=taken.json", "--save-preset: taken.json already exists"),
        ("static=nowhere/out.json", "--save-preset: cannot write nowhere/out.json"),
    ],
)
def test_a_bad_save_preset_is_refused_before_the_run(
    value: str,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken.json").write_text("{}")
    code, out, err = run_cli(capsys, "run", "--duration", "100000", "--save-preset", value)
    assert code == 2
    assert err.startswith(f"batchtui: error: {message}") and out == ""
    assert (tmp_path / "taken.json").read_text() == "{}"


def test_a_saved_preset_finds_a_trace_given_relative_to_the_working_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "t.csv").write_text("TIMESTAMP\n0.0\n0.001\n0.002\n0.5\n")
    (tmp_path / "presets").mkdir()
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(
        capsys, "run", "--trace", "data/t.csv", "--lanes", "static", "--quiet",
        "--save-preset", "presets/traced.json",
    )  # fmt: skip
    assert code == 0, err
    monkeypatch.chdir(tmp_path / "presets")  # read from elsewhere: the trace is still found
    preset = load_preset("traced.json")
    assert Path(preset.run_load().trace or "") == tmp_path / "data" / "t.csv"
