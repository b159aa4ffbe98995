"""The ``batchtui`` command: version, help, ``run`` output and JSON, and one-line errors."""

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from batchtui.tui.cli import main
from tests.cli.run import run_cli


def test_version_is_the_installed_one(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"batchtui {version('batchtui')}"


def test_console_script_is_installed_and_runs() -> None:
    exe = Path(sys.executable).with_name("batchtui")
    done = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "run" in done.stdout and "compare the batchers" in done.stdout


def test_help_lists_only_commands_that_exist(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    listed = out.split("  COMMAND\n", 1)[1].split("\n\n", 1)[0]
    names = [line.split()[0] for line in listed.splitlines() if line[4:5].strip()]
    assert set(names) == {"run", "profile", "presets", "export", "trace", "sweep", "tune"}
    for name in names:  # each one listed is a command that answers
        with pytest.raises(SystemExit) as exit_:
            main([name, "--help"])
        assert exit_.value.code == 0


def test_run_prints_one_row_per_lane(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "run", "--duration", "1", "--rate", "1500")
    assert code == 0, err
    lines = out.splitlines()
    assert "poisson 1,500 req/s for 1 s" in lines[0]
    assert "p50 ms" in lines[2] and "p99 ms" in lines[2] and "rejected" in lines[2]
    rows = [line.split()[0] for line in lines[4:7]]
    assert rows == ["static", "dynamic", "predictive"]


def test_run_writes_the_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "report.json"
    code, _, err = run_cli(
        capsys, "run", "--duration", "1", "--lanes", "static,fast=dynamic", "--max-wait-ms", "2",
        "--set", "fast.target_latency_ms=8", "--seed", "3", "--json", str(path), "--quiet",
    )  # fmt: skip
    assert code == 0, err
    report = json.loads(path.read_text())
    assert report["seed"] == 3 and report["duration_s"] == 1.0
    assert [lane["name"] for lane in report["lanes"]] == ["static", "fast"]
    assert report["lanes"][0]["batcher"] == {
        "kind": "static",
        "max_batch_size": 32,
        "max_wait_ms": 2.0,
    }
    assert report["lanes"][1]["batcher"]["target_latency_ms"] == 8.0
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary left


def test_run_replays_a_trace_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = tmp_path / "t.csv"
    rows = [f"2023-11-16 18:17:{i // 100:02d}.{i % 100:02d}00000,100,10" for i in range(500)]
    trace.write_text("TIMESTAMP,ContextTokens,GeneratedTokens\n" + "\n".join(rows) + "\n")
    path = tmp_path / "r.json"
    code, _, err = run_cli(
        capsys, "run", "--pattern", "trace", "--trace", str(trace), "--speed", "2",
        "--duration", "10", "--json", str(path), "--quiet",
    )  # fmt: skip
    assert code == 0, err
    lane = json.loads(path.read_text())["lanes"][0]
    assert lane["arrived"] == 500  # 5 s of trace at 2x fits in 10 s
    assert lane["offered_rps"] == pytest.approx(500 / 2.5, rel=0.01)


def test_analytic_model_flags_shape_the_service_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "r.json"
    code, _, _ = run_cli(
        capsys, "run", "--lanes", "static", "--max-batch-size", "1", "--base-ms", "0.5",
        "--per-item-ms", "0", "--rate", "100", "--duration", "2", "--json", str(path), "--quiet",
    )  # fmt: skip
    assert code == 0
    lane = json.loads(path.read_text())["lanes"][0]
    assert lane["service_ms"]["p50"] == pytest.approx(0.5)


@pytest.mark.parametrize("command", [["presets"], ["trace", "azure-conv"]])
def test_output_piped_into_a_reader_that_stops_is_no_traceback(
    tmp_path: Path, command: list[str]
) -> None:
    """The walk's ``batchtui presets | head -3`` ended in a BrokenPipeError traceback: a
    reader that has had enough is no error of ours, so the exit is quiet (128 + SIGPIPE)."""
    exe = Path(sys.executable).with_name("batchtui")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [exe, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141, err
    assert err == ""


def test_a_broken_pipe_that_is_not_stdout_still_fails_loudly() -> None:
    """Only a reader gone from stdout is quiet; a pipe to an engine or a worker breaking is
    a real failure and keeps its traceback."""
    code = (
        "import sys; from batchtui.tui import presets_command; from batchtui.tui.cli import main\n"
        "def broken(args): raise BrokenPipeError(32, 'the engine pipe')\n"
        "presets_command.run = broken; sys.exit(main(['presets']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "BrokenPipeError: [Errno 32] the engine pipe" in done.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rate", "-5"], "--rate: must be > 0, got -5"),
        (["--max-batch-size", "0"], "--max-batch-size: must be >= 1, got 0"),
        (["--max-wait-ms", "-3"], "--max-wait-ms: must be >= 0, got -3"),
        (["--pattern", "zigzag"], "argument --pattern: invalid choice: 'zigzag'"),
        (["--pattern", "trace"], "--trace: a trace file is needed"),
        (["--pattern", "trace", "--trace", "/no/such.csv"], "--trace: /no/such.csv"),
        (["--pattern", "gamma", "--burstiness", "0"], "--burstiness: must be > 0, got 0"),
        (["--lanes", "static,fifo"], "--lanes: unknown batcher 'fifo'"),
        (["--lanes", "static", "--min-batch-size", "2"], "--min-batch-size: no lane in --lanes"),
        (["--min-batch-size", "40"], "--min-batch-size: must be <= max_batch_size (32), got 40"),
        (["--set", "static.max_wiat_ms=3"], "--set static.max_wiat_ms: unknown parameter"),
        (["--set", "nolane.max_wait_ms=3"], "--set: no lane 'nolane'"),
        (["--set", "static.max_wait_ms=abc"], "--set static.max_wait_ms: must be a number"),
        (["--max-queue", "0"], "--max-queue: must be >= 1, got 0"),
        (["--duration", "0"], "--duration: must be > 0"),
        (["--base-ms", "-1"], "--base-ms: must be >= 0, got -1"),
        (["--profile", "/no/profile.json"], "--profile: cannot read '/no/profile.json'"),
        (["--rate", "abc"], "argument --rate: invalid float value: 'abc'"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["--rate", "9000000", "--duration", "10"], "--duration: with this load it would"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "run", "--duration", "0.1", *argv)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("batchtui: error: ")
    assert message in err
    assert out == ""


def test_malformed_trace_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = tmp_path / "bad.csv"
    trace.write_text("TIMESTAMP,ContextTokens\n2023-11-16 18:17:03.1,5\nyesterday,7\n")
    code, _, err = run_cli(capsys, "run", "--pattern", "trace", "--trace", str(trace))
    assert code == 2
    assert "bad.csv" in err and "line 3" in err and "Traceback" not in err


def test_real_process_exits_2_without_traceback() -> None:
    exe = Path(sys.executable).with_name("batchtui")
    done = subprocess.run([exe, "run", "--rate", "-1"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == "batchtui: error: --rate: must be > 0, got -1\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--preset", "no-such-preset"], "no-such-preset"),
        (["--model", "resnet"], "--model: unknown model 'resnet'"),
        (["--device", "gpu"], "--device: expected one of auto, cpu"),
    ],
)
def test_the_dashboard_refuses_bad_flags_before_opening(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert err.startswith("batchtui: error: ") and message in err
    assert out == ""
