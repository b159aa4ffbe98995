"""Generative presets on the command line: ``run --preset``, ``run --save-preset`` and back,
the dashboard opening one (and its ``l`` dialog's refusal), and a generative run's
saturation warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen import GenScenario
from batchtui.presets import load_preset, resolve
from batchtui.presets.exporters import export
from batchtui.tui.cli import build_parser
from batchtui.tui.dashboard_command import dashboard_scenario_from_args
from batchtui.tui.dashboard_scenario import dashboard_scenario
from tests.cli.run import assert_refused, run_cli

GEN = ["run", "--model", "analytic-llm", "--rate", "4", "--duration", "20"]


@pytest.fixture(autouse=True)
def user_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "batchtui" / "presets"


def test_a_saved_continuous_lane_runs_again_from_its_preset_with_the_same_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, first, again = tmp_path / "chat.json", tmp_path / "1.json", tmp_path / "2.json"
    code, out, err = run_cli(
        capsys, *GEN, "--lanes", "continuous", "--prompt-tokens", "300", "--output-cv", "1",
        "--max-num-seqs", "16",
        "--slo-ttft-ms", "800", "--slo-tpot-ms", "60", "--json", str(first),
        "--save-preset", f"continuous={path}",
    )  # fmt: skip
    assert (code, err) == (0, "") and f"preset of lane continuous written to {path}" in out
    preset = load_preset(path)
    assert preset.to_dict()["format"] == "batchtui.preset/2" and preset.name == "chat"
    assert preset.batcher_params["max_num_seqs"] == 16
    assert (preset.slo_ttft_ms, preset.slo_tpot_ms) == (800.0, 60.0)
    assert preset.load.prompt_tokens == 300.0 and preset.load.output_tokens == 128.0
    lane = next(x for x in json.loads(first.read_text())["lanes"] if x["name"] == "continuous")
    measured = preset.measured
    assert measured["requests"] == lane["arrived"] > 50
    assert measured["ttft_ms"]["p99"] == pytest.approx(lane["ttft_ms"]["p99"], rel=1e-3)
    assert measured["tpot_ms"]["p50"] == pytest.approx(lane["tpot_ms"]["p50"], rel=1e-3)
    assert measured["goodput_rps"] == pytest.approx(lane["goodput_rps"], rel=1e-3)
    assert measured["kv_cache"]["capacity_tokens"] == 65536
    assert "--max-num-seqs 16 \\" in export(preset, "vllm").text

    code, _, err = run_cli(
        capsys, "run", "--preset", str(path), "--duration", "20", "--lanes", "continuous",
        "--quiet", "--json", str(again),
    )  # fmt: skip
    assert (code, err) == (0, "")
    (rerun,) = json.loads(again.read_text())["lanes"]
    assert rerun["batcher"] == lane["batcher"]
    assert rerun["ttft_ms"] == lane["ttft_ms"] and rerun["goodput_rps"] == lane["goodput_rps"]


def test_a_generative_preset_runs_every_default_lane_and_flags_override_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "r.json"
    code, out, err = run_cli(
        capsys, "run", "--preset", "chat-continuous", "--duration", "120", "--speed", "0.5",
        "--slo-tpot-ms", "50", "--max-num-seqs", "8", "--json", str(report),
    )  # fmt: skip
    assert code == 0, err
    assert "generative" in out.splitlines()[0] and "TTFT p50" in out
    doc = json.loads(report.read_text())
    assert doc["format"] == "batchtui.run/2"
    assert doc["load"]["speed"] == 0.5 and doc["load"]["trace"].endswith("_conv.csv")
    assert (doc["slo_ttft_ms"], doc["slo_tpot_ms"]) == (1000.0, 50.0)
    lanes = {lane["name"]: lane["batcher"] for lane in doc["lanes"]}
    assert list(lanes) == ["static", "dynamic", "predictive", "continuous"]
    assert lanes["continuous"]["max_num_batched_tokens"] == 8192  # the preset's
    assert lanes["continuous"]["max_num_seqs"] == 8  # the flag's


def test_the_dashboard_opens_a_generative_preset_on_its_generative_lanes() -> None:
    # This was refused before the generative dashboard landed; now it opens the preset.
    args = build_parser().parse_args(["--preset", "chat-continuous", "--max-num-seqs", "8"])
    scenario = dashboard_scenario_from_args(args)
    assert isinstance(scenario, GenScenario)
    preset = resolve("chat-continuous")
    assert scenario.load == preset.run_load()
    assert (scenario.slo_ttft_ms, scenario.slo_tpot_ms) == (preset.slo_ttft_ms, preset.slo_tpot_ms)
    continuous = {lane.name: lane for lane in scenario.lanes}["continuous"]
    assert continuous.params["max_num_batched_tokens"] == 8192  # the preset's
    assert continuous.params["max_num_seqs"] == 8  # the flag's


def test_a_request_level_model_refuses_a_generative_preset(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["run", "--preset", "chat-continuous", "--model", "mlp"]
    assert_refused(capsys, argv, "--preset: chat-continuous is a generative preset")


def test_save_preset_names_a_lane_of_the_generative_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.json"
    assert_refused(
        capsys, [*GEN, "--save-preset", f"fast={out}"],
        "--save-preset: no lane 'fast'; lanes are static, dynamic, predictive, continuous",
    )  # fmt: skip
    assert not out.exists()


def test_an_overloaded_lane_is_warned_about_and_a_light_load_is_not(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_cli(
        capsys, "run", "--model", "analytic-llm", "--rate", "30", "--duration", "60",
        "--lanes", "static,continuous", "--quiet",
    )  # fmt: skip
    assert code == 0
    lines = err.splitlines()
    assert len(lines) == 2 and all(line.startswith("warning: ") for line in lines)
    assert lines[0].startswith("warning: static is saturated: offered 29.70 req/s, it finished ")
    assert lines[1].startswith("warning: continuous is saturated: ")
    code, _, err = run_cli(
        capsys, "run", "--model", "analytic-llm", "--rate", "2", "--duration", "120",
        "--lanes", "static,continuous", "--quiet",
    )  # fmt: skip
    assert (code, err) == (0, "")


def test_the_dashboards_load_dialog_refuses_a_generative_preset_with_the_same_words() -> None:
    with pytest.raises(ConfigError) as err:
        dashboard_scenario(resolve("chat-continuous"))  # what the `l` dialog builds
    assert str(err.value).startswith(
        "preset: chat-continuous is a generative preset (model analytic-llm): run it with "
        "'batchtui run --preset chat-continuous'"
    )
