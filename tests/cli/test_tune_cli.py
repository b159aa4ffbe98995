"""``batchtui tune``: the report, the preset it writes, infeasible SLOs, Ctrl-C, a shared study,
validation on a real model, and every bad input."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batchtui.presets import load_preset
from tests.cli.run import assert_refused, run_cli

QUICK = ("--trials", "6", "--seconds", "0.5")
STATIC = [sys.executable, "-m", "batchtui.tui", "tune", "--lanes", "static", "--slo-ms", "20"]
"""``batchtui tune`` of the static lane in a process of its own."""


def test_tune_reports_each_lane_and_writes_the_chosen_preset(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    preset, report = tmp_path / "tuned.json", tmp_path / "tune.json"
    code, out, err = run_cli(
        capsys, "tune", "--slo-ms", "20", *QUICK, "-o", str(preset), "--json", str(report)
    )
    assert code == 0, err
    doc = json.loads(report.read_text())
    assert doc["format"] == "batchtui.tune/1"
    assert [lane["name"] for lane in doc["lanes"]] == ["static", "dynamic", "predictive"]
    chosen = next(lane for lane in doc["lanes"] if lane["name"] == doc["chosen"])
    assert chosen["best"]["points"][0]["p99_ms"] <= 20.0
    assert chosen["front"]
    loaded = load_preset(preset)
    assert loaded.batcher_kind == chosen["kind"]
    assert dict(loaded.batcher_params) == pytest.approx(chosen["best"]["params"])
    assert loaded.slo_p99_ms == 20.0
    assert f"chosen: {doc['chosen']}" in out
    assert f"preset written to {preset}" in out


def test_an_infeasible_slo_says_so_with_the_closest_achievable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    preset = tmp_path / "tuned.json"
    code, out, err = run_cli(
        capsys,
        "tune",
        "--lanes",
        "static",
        "--slo-ms",
        "1",
        "--rate",
        "500",
        *QUICK,
        "-o",
        str(preset),
    )
    assert code == 1
    assert "infeasible: no setting tried meets p99 <= 1 ms at 500 req/s" in out
    closest = re.search(r"closest  p99 ([0-9.]+) ms with max_batch_size=", out)
    assert closest is not None, out
    assert 2.05 <= float(closest.group(1)) < 5.0  # one 2.05 ms batch is the least possible
    assert "no preset written: no lane met --slo-ms 1" in err
    assert not preset.exists()


def test_ctrl_c_prints_the_best_so_far(tmp_path: Path) -> None:
    journal = tmp_path / "study.journal"
    argv = [
        *STATIC,
        "--trials",
        "100000",
        "--seconds",
        "0.5",
        "--storage",
        f"journal:{journal}",
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not journal.exists() or journal.read_text().count('"state":1,') < 3:
            assert time.monotonic() < deadline, "three trials did not finish in a minute"
            time.sleep(0.2)  # the journal records each finished trial: wait for three
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, (out, err)
    assert "static (static):" in out and "interrupted" in out
    assert "  best     max_batch_size=" in out
    assert "interrupted: the results above are the best found so far" in err
    assert "Traceback" not in err


def test_two_processes_share_one_study_through_a_journal_file(tmp_path: Path) -> None:
    journal = tmp_path / "study.journal"
    argv = [
        *STATIC,
        *QUICK,
        "--storage",
        f"journal:{journal}",
        "--study",
        "shared",
    ]
    procs = [
        subprocess.Popen([*argv, "--json", str(tmp_path / f"{i}.json")], stderr=subprocess.PIPE)
        for i in range(2)
    ]
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read() if p.stderr else ""
    import optuna
    from optuna.storages.journal import JournalFileBackend

    storage = optuna.storages.JournalStorage(JournalFileBackend(str(journal)))
    study = optuna.load_study(study_name="shared:static", storage=storage)
    assert len(study.trials) == 2 * 6
    seen = [json.loads((tmp_path / f"{i}.json").read_text())["lanes"][0]["trials"] for i in (0, 1)]
    assert max(seen) == 2 * 6 + 6 // 4  # the later one: both processes' trials, its front pass


def test_a_shared_study_refuses_a_run_that_asks_another_question(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Trials at other --rates have other rate points: the regret could not compare them (it
    crashed with a traceback); the study says what it was started with instead."""
    storage = ["--storage", f"journal:{tmp_path / 'study.journal'}", "--study", "s"]
    code, _, err = run_cli(capsys, "tune", "--lanes", "static", "--slo-ms", "20", *QUICK, *storage)
    assert code == 0, err
    assert_refused(
        capsys,
        ["tune", "--lanes", "static", "--slo-ms", "20", *QUICK, *storage, "--rates", "500:2000"],
        "--study: study 's' in this storage was started with rates [None] (now [500.0, ",
    )


def test_validate_serves_the_winner_on_the_real_model(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    preset = tmp_path / "mlp.json"
    code, out, err = run_cli(
        capsys,
        "tune",
        "--model",
        "mlp",
        "--model-param",
        "width=64",
        "--model-param",
        "depth=1",
        "--lanes",
        "static",
        "--rate",
        "300",
        "--slo-ms",
        "50",
        "--max-batch-size",
        "64",
        "--trials",
        "4",
        "--seconds",
        "1",
        "--validate",
        "-o",
        str(preset),
    )
    assert code == 0, err
    assert "note: charging the profile's measured wake-up lateness (p50 " in err  # one line
    assert err.count("wake-up lateness") == 1
    assert "validation: predicted (simulator) vs measured (live, wall clock)" in out
    rows = [
        line.split()
        for line in out.split("validation:")[1].splitlines()
        if line.startswith("static ")
    ]
    assert [row[1] for row in rows] == ["p50_ms", "p99_ms", "throughput_rps"]
    assert all(row[4].endswith("%") for row in rows)  # the relative error
    measured = load_preset(preset).measured
    assert measured is not None
    assert measured["command"] == "batchtui tune --validate"
    assert measured["requests"] == measured["completed"] > 100
    assert measured["device"].startswith("cpu")


def test_without_optuna_tune_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['optuna'] = None; from batchtui.tui.cli import main; "
        "sys.exit(main(['tune', '--slo-ms', '20']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert (
        done.stderr.strip() == "batchtui: error: tune: needs Optuna: pip install 'batchtui[tune]'"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "--slo-ms: is required: the p99 latency target the tuner must keep"),
        (["--slo-ms", "20", "--rates", "5:1"], "--rates: HI (1) must be >= LO (5)"),
        (["--slo-ms", "20", "--rates", "1:2:3"], "--rates: expected LO:HI, e.g. 500:5000"),
        (["--slo-ms", "20", "--trials", "0"], "--trials: must be >= 1, got 0"),
        (["--slo-ms", "20", "--workers", "0"], "--workers: must be >= 1, got 0"),
        (["--slo-ms", "20", "--objective", "speed"], "argument --objective: invalid choice"),
        (["--slo-ms", "20", "--address", "ray://x:1"], "--address: is for --backend ray"),
        (["--slo-ms", "20", "--study", "a b"], "--study: must be 1-64 letters"),
        (
            ["--slo-ms", "20", "--objective", "throughput", "--trace", "azure-conv"],
            "--objective: a trace replays its own times",
        ),
        (["--slo-ms", "20", "--json", "/nonexistent/t.json"], "--json: cannot write"),
        (["--slo-ms", "-1"], "--slo-ms: must be >= 0.001, got -1"),
    ],
)
def test_bad_input_is_one_line_naming_the_flag(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert_refused(capsys, ["tune", *argv], message)


def test_an_existing_preset_is_never_overwritten(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    preset = tmp_path / "mine.json"
    preset.write_text("keep")
    code, _, err = run_cli(capsys, "tune", "--slo-ms", "20", "-o", str(preset))
    assert code == 2
    assert "-o: " in err and "exists; presets are never overwritten" in err
    assert preset.read_text() == "keep"
    assert os.listdir(tmp_path) == ["mine.json"]
