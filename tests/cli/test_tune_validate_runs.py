"""``batchtui tune --validate --validate-runs N``: each winner served N times on the real model,
the report's median and range, the JSON and preset that keep every run, the profile measured
again after the runs, bad N, and Ctrl-C during validation (the runs that finished are kept,
the search's results printed)."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from batchtui.engine.live import WallClockLane
from batchtui.presets import load_preset
from tests.cli.run import assert_refused, run_cli

TUNE = ("tune", "--lanes", "static", "--slo-ms", "20", "--trials", "4")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--validate", "--validate-runs", "0"], "--validate-runs: must be >= 1, got 0"),
        (["--validate", "--validate-runs", "-2"], "--validate-runs: must be >= 1, got -2"),
        (["--validate", "--validate-runs", "x"], "argument --validate-runs: invalid int value"),
        (["--validate", "--validate-runs", "2.5"], "argument --validate-runs: invalid int value"),
        (["--validate-runs", "3"], "--validate-runs: is for --validate (add --validate)"),
    ],
)
def test_bad_validate_runs_is_one_line_naming_the_flag(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert_refused(capsys, [*TUNE, *argv], message)


def test_validate_runs_serves_the_winner_twice_on_the_real_model(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    preset, report = tmp_path / "mlp.json", tmp_path / "tune.json"
    code, out, err = run_cli(
        capsys, "tune", "--model", "mlp", "--model-param", "width=64", "--model-param", "depth=1",
        "--lanes", "static", "--rate", "300", "--slo-ms", "50", "--max-batch-size", "64",
        "--trials", "4", "--seconds", "0.5", "--validate", "--validate-runs", "2",
        "-o", str(preset), "--json", str(report),
    )  # fmt: skip
    assert code == 0, err
    assert "(median of 2 runs, error against the median)" in out
    table = out.split("validation:")[1].splitlines()
    rows = {row[1]: row for row in (line.split() for line in table) if row[:1] == ["static"]}
    assert list(rows) == ["p50_ms", "p99_ms", "throughput_rps"]
    doc = json.loads(report.read_text())
    (lane,) = doc["lanes"]
    v = lane["validation"]
    assert v["runs_asked"] == len(v["runs"]) == 2
    low, high = v["measured_range"]["p99_ms"]
    assert low == min(r["p99_ms"] for r in v["runs"]) and high == max(
        r["p99_ms"] for r in v["runs"]
    )
    assert v["measured"]["p99_ms"] == pytest.approx((low + high) / 2)  # the median of two
    assert rows["p99_ms"][4] == f"{low:.4g}-{high:.4g}"  # the live range beside the median
    within = v["predicted_within_range"]["p99_ms"]
    assert ("lies within that range" in out) == within
    assert "validation_interrupted" not in doc
    # After the runs the model was profiled again and the winner predicted on that profile.
    assert "profiling mlp again after the live runs of static" in err
    refit, predicted = v["refit"], v["predicted"]["p99_ms"]
    again = refit["predicted"]["p99_ms"]
    assert again > 0 and refit["drift"] == pytest.approx(
        abs(again - predicted) / ((again + predicted) / 2)
    )
    assert refit["relative_error"]["p99_ms"] == pytest.approx(v["measured"]["p99_ms"] / again - 1)
    (said,) = [x for x in out.splitlines() if x.startswith("static: profiled again")]
    assert f"it predicts p99 {again:.4g} ms (the search's profile {predicted:.4g} ms" in said
    assert f"{refit['drift']:.0%} apart" in said
    measured = load_preset(preset).measured
    assert measured is not None
    assert measured["command"] == "batchtui tune --validate --validate-runs 2"
    assert measured["runs"] == 2
    assert measured["requests"] == measured["completed"] > 100
    assert measured["range"]["latency_ms"]["p99"] == [pytest.approx(low, rel=1e-3),
                                                       pytest.approx(high, rel=1e-3)]  # fmt: skip


def _interrupting(monkeypatch: pytest.MonkeyPatch, signals: int, during_run: int) -> list[int]:
    """Live lane runs (one per validation run), with ``signals`` real SIGINTs sent to this
    process during run ``during_run``: one as it finishes, or two before it does."""
    started: list[int] = []
    serve = WallClockLane.run

    def run(self: WallClockLane, *args: Any, **kwargs: Any) -> None:
        started.append(len(started) + 1)
        if len(started) != during_run:
            return serve(self, *args, **kwargs)
        if signals == 1:
            serve(self, *args, **kwargs)
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the run finishes
            return None
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)  # a second Ctrl-C: drop the run under way
        return serve(self, *args, **kwargs)

    monkeypatch.setattr(WallClockLane, "run", run)
    return started


def test_ctrl_c_during_validation_stops_after_the_running_run_and_keeps_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _interrupting(monkeypatch, signals=1, during_run=1)
    report = tmp_path / "tune.json"
    argv = [*TUNE, "--seconds", "0.3", "--validate", "--validate-runs", "3", "--json", str(report)]
    code, out, err = run_cli(capsys, *argv)
    assert code == 130, err
    assert started == [1]
    assert "stopping after the running validation run" in err
    assert "interrupted: validation stopped; the figures above are of the live runs" in err
    assert "  best     max_batch_size=" in out
    assert "(median of 1 of 3 runs, error against the median)" in out
    doc = json.loads(report.read_text())
    assert doc["validation_interrupted"] is True
    v = doc["lanes"][0]["validation"]
    assert (len(v["runs"]), v["runs_asked"]) == (1, 3)
    assert "refit" not in v and "again after the live runs" not in err  # stopped: no refit


def test_a_second_ctrl_c_drops_the_run_and_still_prints_the_search(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before --validate-runs, Ctrl-C during validation lost the search's results: "interrupted".
    _interrupting(monkeypatch, signals=2, during_run=1)
    code, out, err = run_cli(capsys, *TUNE, "--seconds", "0.3", "--validate")
    assert code == 130, err
    assert "  best     max_batch_size=" in out
    assert "validation:" not in out  # the only run was dropped
    assert "chosen: static (static)" in out
    assert "interrupted: validation stopped" in err
    assert "Traceback" not in err
