"""``batchtui run`` and ``profile``: every input a clear answer, before any work starts.

Runaway loads are refused up front, output paths are checked before the run, flags a pattern
does not read are refused, errors name the user's flag, and shipped traces go by name.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.cli.run import run_cli


def answer(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, float]:
    """Exit status, stderr and seconds taken by ``batchtui ARGV``."""
    started = time.perf_counter()
    code, _, err = run_cli(capsys, *argv)
    return code, err, time.perf_counter() - started


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--pattern", "onoff", "--rate", "2000", "--on-s", "1", "--off-s", "99999",
          "--duration", "1"], "--off-s: bursts would arrive at 200000000 req/s"),
        (["--pattern", "onoff", "--off-s", "1e300"], "--off-s: must be <= 1000000, got 1e+300"),
        (["--trace", "azure-conv", "--loop", "--speed", "1000000", "--duration", "60"],
         "--duration: with this load it would generate about 331,"),
        (["--trace", "azure-conv", "--loop", "--speed", "1000000", "--duration", "10",
          "--mode", "live"], "--duration: with this load it would generate about 55,"),
        (["--duration", "1e9", "--rate", "0.01"], "--duration: must be <= 1000000, got 1000000000"),
        (["--mode", "live", "--duration", "1e6", "--rate", "1"],
         "--duration: live mode serves the 3 lanes one after another on the wall clock, 34.7 "
         "days in all; keep it under 24 h"),
        (["--rate", "20000", "--duration", "300", "--json", "/tmp"], "--json: /tmp is a folder"),
        (["--json", ""], "--json: needs a file path, got ''"),
        (["--lanes", "=static"], "--lanes: '=static' has no lane name"),
        (["--burstiness", "0.5"], "--burstiness: --pattern poisson does not read it; it is for "
         "--pattern gamma"),
        (["--pattern", "poisson", "--trace", "azure-conv"],
         "--trace: only --pattern trace replays a trace, not --pattern poisson"),
        (["--trace", "azure-conv", "--size", "4"], "--size: --pattern trace does not read it"),
        (["--trace", "azure-cnv"],
         "--trace: no file or shipped trace named 'azure-cnv'; shipped traces: azure-conv"),
        (["--trace", "/no/such.csv"], "(shipped traces: azure-conv)"),
        (["--seed", "-1"], "--seed: must be >= 0, got -1"),
        (["--size", "1e19"], "--size: must be <= 1000000000, got 1e+19"),
        (["--size-cv", "1e300"], "--size-cv: must be <= 100, got 1e+300"),
        (["--slo-ms", "inf"], "--slo-ms: must be a finite number, got inf"),
        (["--max-wait-ms", "1e300"], "--max-wait-ms: must be <= 60000, got 1e+300"),
        (["--mode", "live", "--max-inflight", "2"],
         "--max-inflight: the live runtime runs one batch at a time"),
        (["--set", "static.max_batch_size=1e300"],
         "--set static.max_batch_size: must be <= 65536, got 1e+300"),
    ],
)  # fmt: skip
def test_a_run_that_cannot_work_is_refused_before_it_starts(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err, seconds = answer(capsys, "run", *argv)
    assert code == 2 and err.count("\n") == 1
    assert message in err
    assert seconds < 1.0
    assert len(err) < 240  # numbers are printed readably, never hundreds of digits


def test_profile_checks_its_output_path_before_loading_the_model(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, err, seconds = answer(capsys, "profile", "--json", "/nonexistent/x.json")
    assert code == 2
    assert "--json: cannot write /nonexistent/x.json: /nonexistent does not exist" in err
    assert seconds < 1.0


def test_export_checks_its_output_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err, _ = answer(capsys, "export", "low-latency", "-o", str(tmp_path))
    assert code == 2 and f"-o: {tmp_path} is a folder" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["run", "profile"])
def test_model_errors_name_the_users_flag(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "x.pt"
    text.write_text("not a model\n")
    folder = tmp_path / "dir.pt"
    folder.mkdir()
    shape = ["--model-param", "input_shape=4"]
    code, err, _ = answer(capsys, command, "--model", str(text), *shape)
    assert code == 2 and f"--model: {text}: not a TorchScript archive" in err
    code, err, _ = answer(capsys, command, "--model", str(folder), *shape)
    assert code == 2 and f"--model: {folder}: is a folder, not a model file" in err
    heads = ["--model", "transformer", "--model-param", "heads=3", "--max-batch-size", "2"]
    code, err, _ = answer(capsys, command, *heads)
    assert code == 2 and "--model-param heads: must divide d_model (64); got 3" in err


def test_a_trace_goes_by_name_and_a_short_one_reports_its_real_span(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "r.json"
    code, out, err = run_cli(
        capsys, "run", "--trace", "azure-conv", "--speed", "400", "--duration", "60",
        "--lanes", "static", "--json", str(path),
    )  # fmt: skip
    assert code == 0, err
    report = json.loads(path.read_text())
    assert report["load"]["pattern"] == "trace"  # --trace implies it
    assert report["lanes"][0]["arrived"] == 19_366
    assert report["duration_s"] == pytest.approx(3501.72 / 400, abs=1e-3)
    assert "note: the trace ends after 8.754 s at --speed 400" in err and "--loop" in err
    assert "for 8.7543 s" in out.splitlines()[0]
    assert "· trace azure-conv at 400x for" in out.splitlines()[0]  # not its path in the package


def test_a_trace_file_without_a_pattern_replays_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = tmp_path / "t.csv"
    trace.write_text("TIMESTAMP,ContextTokens\n" + "".join(f"{i / 10},5\n" for i in range(30)))
    path = tmp_path / "r.json"
    code, _, err = run_cli(
        capsys, "run", "--trace", str(trace), "--duration", "5", "--json", str(path), "--quiet"
    )
    assert code == 0, err
    assert json.loads(path.read_text())["lanes"][0]["arrived"] == 30


def test_the_help_lists_the_shipped_traces(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run_cli(capsys, "run", "--help")
    assert "a shipped trace: azure-conv" in " ".join(capsys.readouterr().out.split())


def test_a_ramp_never_ramps_down_unasked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "r.json"
    argv = ["run", "--pattern", "ramp", "--rate", "5000", "--duration", "0.5", "--lanes", "static"]
    code, _, err = run_cli(capsys, *argv, "--json", str(path), "--quiet")
    assert code == 0, err
    assert json.loads(path.read_text())["load"]["ramp_to_rps"] == 10_000.0  # twice the start
    code, _, err = run_cli(capsys, *argv, "--ramp-to", "100", "--json", str(path), "--quiet")
    assert code == 0, err
    assert json.loads(path.read_text())["load"]["ramp_to_rps"] == 100.0  # down only when asked
