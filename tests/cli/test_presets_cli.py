"""``batchtui presets``, ``batchtui export`` and ``batchtui run --preset``, end to end."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from batchtui.presets import builtin_dir, load_preset
from batchtui.presets.exporters import export
from tests.cli.run import run_cli
from tests.presets.conftest import VALID
from tests.presets.test_validation import BROKEN_DOCUMENTS, BROKEN_TEXTS


@pytest.fixture(autouse=True)
def user_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty private XDG config home for each test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "batchtui" / "presets"


def write(path: Path, doc: dict[str, Any] | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def run_report(capsys: pytest.CaptureFixture[str], tmp_path: Path, *argv: str) -> dict[str, Any]:
    path = tmp_path / "report.json"
    code, _, err = run_cli(capsys, "run", *argv, "--json", str(path), "--quiet")
    assert code == 0, err
    return json.loads(path.read_text())


# --- batchtui presets ---------------------------------------------------------------------


def test_presets_lists_the_builtins_with_kind_origin_and_a_one_line_description(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(capsys, "presets")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["name", "batcher", "scenario", "origin", "description"]
    rows = {line.split()[0]: line for line in lines[2:] if line and line[0] != " "}
    for name in ("balanced", "low-latency", "max-throughput", "bursty", "azure-conv-trace"):
        assert name in rows
        assert rows[name].split()[1:4] == ["static", "request", "builtin"]
    assert rows["chat-continuous"].split()[1:4] == ["continuous", "generative", "builtin"]
    assert (
        "The default settings as a preset: a starting point, not a tuned…"  # cut to fit
        in (rows["balanced"])
    )
    assert all(len(line) <= 120 for line in lines)


def test_presets_shows_user_presets_first_and_marks_broken_and_hidden_ones(
    capsys: pytest.CaptureFixture[str], user_folder: Path, tmp_path: Path
) -> None:
    mine = copy.deepcopy(VALID) | {"name": "balanced"}
    write(user_folder / "balanced.json", mine)
    write(user_folder / "typo.json", copy.deepcopy(VALID) | {"batchr": {}})
    extra = write(tmp_path / "extra.json", VALID)
    code, out, _ = run_cli(capsys, "presets", str(extra))
    assert code == 0
    rows = [line.split(None, 4) for line in out.splitlines()[2:] if line.strip()]
    assert rows[0][:4] == ["balanced", "static", "request", "user"]
    assert rows[1][:4] == ["typo", "?", "?", "user"]
    assert rows[1][4].startswith("INVALID: batchr: unknown key; did you mean 'batcher'?")
    hidden = next(row for row in rows if row[0] == "balanced" and row[3] == "builtin")
    assert hidden[4].startswith("(hidden by user)")
    assert rows[-2][:4] == ["extra", "static", "request", "path"]
    assert out.rstrip().endswith(f"your presets folder: {user_folder}")


# --- batchtui export -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "triton", "torchserve", "ray", "tfserving", "litserve"])
def test_export_prints_the_exporters_text(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "export", "balanced", "--format", fmt)
    assert code == 0 and err == ""
    assert out == export(load_preset(builtin_dir() / "balanced.json"), fmt).text


def test_export_defaults_to_the_preset_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "export", "low-latency")
    assert code == 0 and json.loads(out)["name"] == "low-latency"


def test_export_to_a_file_refuses_to_overwrite_without_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "config.pbtxt"
    code, out, err = run_cli(capsys, "export", "balanced", "--format", "triton", "-o", str(target))
    assert code == 0 and out == ""
    assert err.startswith(f"wrote {target} (triton; the server reads it as config.pbtxt)\n")
    assert "  note: These settings were tuned on an analytic cost model" in err
    first = target.read_text()
    assert "max_queue_delay_microseconds: 5000" in first

    code, _, err = run_cli(capsys, "export", "low-latency", "--format", "triton", "-o", str(target))
    assert code == 2
    assert err == f"batchtui: error: -o: {target} already exists; add --force to replace it\n"
    assert target.read_text() == first

    code, *_ = run_cli(
        capsys, "export", "low-latency", "--format", "triton", "-o", str(target), "--force"
    )
    assert code == 0 and "max_queue_delay_microseconds: 1000" in target.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name != "config"] == ["config.pbtxt"]


def test_export_into_a_missing_folder_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "nope" / "x.json"
    code, _, err = run_cli(capsys, "export", "balanced", "-o", str(target))
    assert code == 2 and err.startswith(f"batchtui: error: -o: cannot write {target}: ")
    assert err.count("\n") == 1


def test_export_of_an_unknown_name_lists_the_presets(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "export", "fastest")
    assert code == 2 and out == ""
    assert err.startswith("batchtui: error: fastest: no preset of that name")
    assert "available: azure-conv-trace, balanced, bursty" in err


def test_export_of_an_unknown_format_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "export", "balanced", "--format", "onnx")
    assert code == 2 and "argument --format: invalid choice: 'onnx'" in err


def test_a_user_preset_can_be_exported_by_name(
    capsys: pytest.CaptureFixture[str], user_folder: Path
) -> None:
    write(user_folder / "mine.json", VALID)
    code, out, _ = run_cli(capsys, "export", "mine", "--format", "ray")
    assert code == 0 and "@serve.batch(max_batch_size=8, batch_wait_timeout_s=0.002)" in out


# --- broken presets through the command line -----------------------------------------------


def _broken_files() -> list[Any]:
    cases = []
    for name, edit, message in BROKEN_DOCUMENTS:
        doc = copy.deepcopy(VALID)
        edit(doc)
        cases.append(pytest.param(json.dumps(doc), message, id=name))
    cases += [pytest.param(text, message, id=name) for name, text, message in BROKEN_TEXTS]
    return cases


@pytest.mark.parametrize(("text", "message"), _broken_files())
def test_a_broken_preset_prints_all_its_problems_and_exits_2(
    text: str, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path / "bad.json", text)
    code, out, err = run_cli(capsys, "export", str(path), "--format", "triton")
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[0].startswith(f"batchtui: error: {path}: not a valid preset")
    assert all(line.startswith("  ") for line in lines[1:]) and len(lines) >= 2
    assert any(message in line for line in lines[1:]), err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", [["run", "--duration", "0.1", "--preset"], ["export"]])
def test_every_command_reports_a_broken_preset_the_same_way(
    command: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = copy.deepcopy(VALID)
    doc["batcher"]["max_wait_ms"] = -3
    doc["load"]["rat_rps"] = 5
    path = write(tmp_path / "bad.json", doc)
    code, out, err = run_cli(capsys, *command, str(path))
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"batchtui: error: {path}: not a valid preset (2 problems)",
        "  batcher.max_wait_ms: must be >= 0, got -3",
        "  load.rat_rps: unknown setting; did you mean 'rate_rps'? expected one of pattern, "
        "rate_rps, burstiness, on_s, off_s, ramp_to_rps, ramp_s, amplitude, period_s, trace, "
        "speed, loop, size, size_cv, prompt_tokens, output_tokens, prompt_cv, output_cv, "
        "prompt_column, output_column, time_column, size_column, time_unit",
    ]


def test_a_real_process_reports_a_broken_preset_without_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.json", '{"format": "batchtui.preset/3"}')
    exe = Path(sys.executable).with_name("batchtui")
    done = subprocess.run(
        [exe, "run", "--preset", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        f"batchtui: error: {path}: not a valid preset\n"
        "  format: this file was written by a newer batchtui (format batchtui.preset/3); "
        "this version reads batchtui.preset/1 and batchtui.preset/2\n"
    )


# --- batchtui run --preset -------------------------------------------------------------------


def test_run_with_a_preset_uses_its_load_model_slo_and_batcher(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = run_report(capsys, tmp_path, "--preset", "low-latency", "--duration", "1")
    preset = load_preset(builtin_dir() / "low-latency.json")
    assert report["load"] == preset.load.to_dict()
    assert report["model"]["base_ms"] == 2.0 and report["model"]["per_item_ms"] == 0.05
    assert report["slo_ms"] == 10.0
    lanes = {lane["name"]: lane["batcher"] for lane in report["lanes"]}
    assert lanes["static"] == {"kind": "static", "max_batch_size": 32, "max_wait_ms": 1.0}
    assert lanes["dynamic"]["max_wait_ms"] == 5.0  # other lanes keep their defaults


def test_flags_override_the_presets_values(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = run_report(
        capsys, tmp_path, "--preset", "low-latency", "--duration", "1", "--lanes", "static",
        "--rate", "500", "--max-wait-ms", "3", "--slo-ms", "7", "--base-ms", "1.5",
    )  # fmt: skip
    assert report["load"]["rate_rps"] == 500.0
    assert report["lanes"][0]["batcher"] == {
        "kind": "static",
        "max_batch_size": 32,
        "max_wait_ms": 3.0,
    }
    assert report["slo_ms"] == 7.0
    assert report["model"]["base_ms"] == 1.5 and report["model"]["per_item_ms"] == 0.05


def test_set_overrides_one_preset_parameter_of_one_lane(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = run_report(
        capsys, tmp_path, "--preset", "bursty", "--duration", "1", "--lanes", "a=static,b=static",
        "--set", "b.max_batch_size=64",
    )  # fmt: skip
    batchers = [lane["batcher"] for lane in report["lanes"]]
    assert [b["max_batch_size"] for b in batchers] == [256, 64]
    assert report["load"]["pattern"] == "onoff" and report["load"]["on_s"] == 0.5


def test_run_replays_the_trace_preset_from_its_package_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    report = run_report(
        capsys, tmp_path, "--preset", "azure-conv-trace", "--lanes", "static", "--duration", "10"
    )
    assert report["lanes"][0]["arrived"] == 19366  # the whole trace, 400x faster
    measured = load_preset(builtin_dir() / "azure-conv-trace.json").measured
    assert measured is not None
    assert report["lanes"][0]["latency_ms"]["p99"] == pytest.approx(
        measured["latency_ms"]["p99"], abs=0.01
    )


def test_run_finds_a_user_preset_by_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, user_folder: Path
) -> None:
    write(user_folder / "mine.json", VALID)
    report = run_report(capsys, tmp_path, "--preset", "mine", "--duration", "0.5")
    assert report["load"]["rate_rps"] == 1000.0
    assert report["lanes"][0]["batcher"]["max_batch_size"] == 8


def test_a_flag_that_clashes_with_the_preset_names_the_preset(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = copy.deepcopy(VALID)
    doc["batcher"] = {"kind": "dynamic", "min_batch_size": 8, "max_batch_size": 16}
    path = write(tmp_path / "p.json", doc)
    code, _, err = run_cli(
        capsys, "run", "--preset", str(path), "--lanes", "dynamic", "--max-batch-size", "4"
    )
    assert code == 2
    assert err == (
        f"batchtui: error: --preset {path}: batcher.min_batch_size: must be <= max_batch_size "
        "(4), got 8\n"
    )


def test_run_with_an_unknown_preset_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "run", "--preset", "nosuch")
    assert code == 2 and out == ""
    assert (
        err.startswith("batchtui: error: nosuch: no preset of that name") and err.count("\n") == 1
    )
