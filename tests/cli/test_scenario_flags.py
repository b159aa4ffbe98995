"""One scenario-flag definition for ``batchtui run`` and the dashboard: same flags, same errors."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from batchtui.engine.errors import ConfigError
from batchtui.engine.models import ModelSpec
from batchtui.presets import builtin_dir, resolve
from batchtui.tui.cli import CliError, build_parser
from batchtui.tui.dashboard_command import dashboard_scenario_from_args
from batchtui.tui.dashboard_scenario import dashboard_scenario
from tests.cli.run import run_cli

RUN_ONLY = {
    "--duration",
    "--mode",
    "--json",
    "--quiet",
    "--save-preset",
}
DASHBOARD_ONLY = {"--paused", "--version"}


def _flags(parser: argparse.ArgumentParser) -> set[str]:
    return {s for a in parser._actions for s in a.option_strings if s.startswith("--")} - {"--help"}


def _run_parser() -> argparse.ArgumentParser:
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return commands.choices["run"]


def dashboard_answer(*argv: str) -> tuple[int, str]:
    """Exit status and error line the dashboard gives ``argv``, without opening it."""
    try:
        dashboard_scenario_from_args(build_parser().parse_args(list(argv)))
    except (CliError, ConfigError) as e:
        return 2, f"batchtui: error: {e}"
    return 0, ""


def _without_hint(line: str) -> str:
    """The error without argparse's "(see 'batchtui run --help')", which names the command."""
    return line.split(" (see '")[0].strip()


def test_run_and_the_dashboard_take_the_same_scenario_flags() -> None:
    run_flags = _flags(_run_parser()) - RUN_ONLY
    dashboard_flags = _flags(build_parser()) - DASHBOARD_ONLY
    assert run_flags == dashboard_flags
    wanted = (
        "--rate --pattern --trace --speed --loop --size --size-cv --slo-ms --max-queue "
        "--max-inflight --model --model-param --device --compile --service --base-ms --profile "
        "--lanes --max-wait-ms --set --seed --preset --burstiness --ramp-to"
    )
    for flag in wanted.split():
        assert flag in dashboard_flags


BAD_FLAGS = [
    ["--rate", "-1"],
    ["--rate", "nan"],
    ["--rate", "abc"],
    ["--pattern", "zigzag"],
    ["--pattern", "gamma", "--burstiness", "0"],
    ["--burstiness", "0.5"],
    ["--pattern", "onoff", "--rate", "2000", "--on-s", "1", "--off-s", "99999"],
    ["--trace", "no-such-trace"],
    ["--trace", "/no/such.csv"],
    ["--pattern", "poisson", "--trace", "azure-conv"],
    ["--trace", "azure-conv", "--rate", "5"],
    ["--size", "1e19"],
    ["--size-cv", "1e300"],
    ["--slo-ms", "inf"],
    ["--seed", "-1"],
    ["--max-queue", "0"],
    ["--max-inflight", "65"],
    ["--lanes", "=static"],
    ["--lanes", "static,fifo"],
    ["--lanes", "static", "--min-batch-size", "2"],
    ["--max-wait-ms", "1e300"],
    ["--min-batch-size", "40"],
    ["--set", "static.max_wiat_ms=3"],
    ["--set", "nolane.max_wait_ms=3"],
    ["--model", "resnet"],
    ["--model", "mlp", "--model-param", "width=0"],
    ["--model", "mlp", "--base-ms", "1"],
    ["--device", "gpu"],
    ["--profile", "/no/profile.json"],
    ["--preset", "no-such-preset"],
    ["--preset", "low-latency", "--set", "static.max_wait_ms=-1"],
    ["--frobnicate"],
]


@pytest.mark.parametrize("argv", BAD_FLAGS, ids=" ".join)
def test_a_bad_flag_gets_the_same_line_from_run_and_the_dashboard(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "run", "--duration", "0.1", *argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("batchtui: error: ")
    dashboard_code, line = dashboard_answer(*argv)
    assert dashboard_code == 2
    assert _without_hint(line) == _without_hint(err)


def test_a_dashboard_flag_before_a_command_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "--rate", "5", "run", "--duration", "0.1")
    assert code == 2
    assert "--rate: dashboard flags go without a command" in err and "batchtui run --rate" in err


def test_the_dashboard_defaults_are_its_own(tmp_path: Path) -> None:
    scenario = dashboard_scenario_from_args(build_parser().parse_args([]))
    assert scenario == dashboard_scenario(None, ModelSpec("mlp"))
    assert (scenario.load.rate_rps, scenario.slo_ms, scenario.max_queue) == (1000.0, 20.0, 20_000)
    from_preset = dashboard_scenario_from_args(build_parser().parse_args(["--preset", "bursty"]))
    assert from_preset == dashboard_scenario(resolve("bursty"))


def test_the_dashboard_takes_model_params() -> None:
    argv = ["--model", "mlp", "--model-param", "width=2048", "--rate", "300", "--slo-ms", "8"]
    scenario = dashboard_scenario_from_args(build_parser().parse_args(argv))
    assert scenario.model == ModelSpec("mlp", {"width": 2048})
    assert (scenario.load.rate_rps, scenario.slo_ms) == (300.0, 8.0)


@pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")
def test_the_dashboard_takes_a_torchscript_file_with_its_input_shape(tmp_path: Path) -> None:
    import torch

    path = tmp_path / "real.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(64, 4)), str(path))
    argv = ["--model", str(path), "--model-param", "input_shape=64"]
    scenario = dashboard_scenario_from_args(build_parser().parse_args(argv))
    assert scenario.model == ModelSpec("torchscript", {"path": str(path), "input_shape": "64"})
    assert dashboard_answer("--model", str(path)) == (
        2,
        "batchtui: error: --model-param input_shape: is required",
    )


def test_the_dashboard_refuses_a_bad_rate_before_opening() -> None:
    exe = Path(sys.executable).with_name("batchtui")
    done = subprocess.run([exe, "--rate", "-1"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == "batchtui: error: --rate: must be > 0, got -1\n"
    assert done.stdout == ""  # no alternate screen was ever switched on


def test_a_preset_batcher_goes_to_every_lane_of_its_kind() -> None:
    argv = ["--preset", "low-latency", "--lanes", "a=static,b=static,dynamic"]
    lanes = dashboard_scenario_from_args(build_parser().parse_args(argv)).lanes
    assert [lane.params for lane in lanes] == [{"max_batch_size": 32, "max_wait_ms": 1.0}] * 2 + [
        {}
    ]


def _greedy_preset(tmp_path: Path) -> Path:
    doc = json.loads((builtin_dir() / "low-latency.json").read_text())
    doc.update(name="g", batcher={"kind": "greedy", "max_batch_size": 7})
    path = tmp_path / "g.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.usefixtures("greedy_policy")
def test_a_preset_of_a_kind_in_no_default_lane_gets_a_lane_of_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    preset, report = _greedy_preset(tmp_path), tmp_path / "r.json"
    code, _, err = run_cli(
        capsys,
        "run",
        "--preset",
        str(preset),
        "--duration",
        "0.2",
        "--json",
        str(report),
        "--quiet",
    )
    assert code == 0, err
    lanes = json.loads(report.read_text())["lanes"]
    assert [lane["name"] for lane in lanes] == ["static", "dynamic", "predictive", "greedy"]
    assert lanes[3]["batcher"] == {"kind": "greedy", "max_batch_size": 7, "hold_ms": 0.5}
    assert lanes[3]["completed"] == lanes[3]["arrived"] > 0


@pytest.mark.usefixtures("greedy_policy")
def test_a_preset_of_a_kind_that_no_given_lane_runs_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--preset", str(_greedy_preset(tmp_path)), "--lanes", "static"]
    code, _, err = run_cli(capsys, "run", *argv)
    assert code == 2
    assert "--lanes: no lane runs the preset's batcher (greedy); add greedy to --lanes" in err
    assert dashboard_answer(*argv)[1] == err.strip()
