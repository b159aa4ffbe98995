"""``batchtui tune --model tiny-gpt --validate --validate-runs N``: the generative winner served
N times on the real model, the report's median and range, the JSON and preset that keep every
run, the fit measured again after the runs, the torch threads the runs and the profile share,
and Ctrl-C during the runs (the runs that finished are kept, the search printed)."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from batchtui.engine.gen import live_run
from batchtui.engine.gen.fit_drift import LonePrices, fit_drift
from batchtui.engine.tune.conditions import serving_threads, usable_cores
from batchtui.engine.tune.gen_validation import gen_from_runs
from batchtui.presets import load_preset
from tests.cli.run import run_cli

TUNE = ("tune", "--model", "tiny-gpt", "--model-param", "layers=1", "--model-param", "d_model=32",
        "--device", "cpu", "--lanes", "continuous", "--rate", "2", "--prompt-tokens", "16",
        "--output-tokens", "8", "--slo-ttft-ms", "2000", "--trials", "4", "--seconds", "1",
        "--validate")  # fmt: skip


def _lane(ttft_p99: float, tpot_p99: float, device: str = "cpu") -> dict[str, Any]:
    """The parts of a run/2 lane a validation reads."""
    return {
        "name": "continuous",
        "device": device,
        "ttft_ms": {"p50": ttft_p99 / 2, "p99": ttft_p99},
        "tpot_ms": {"p50": tpot_p99 / 2, "p99": tpot_p99},
    }


def test_the_median_is_each_figures_and_the_median_ttft_run_stands_for_the_rest() -> None:
    runs = [_lane(30.0, 5.0), _lane(10.0, 9.0), _lane(20.0, 1.0)]
    v = gen_from_runs(_lane(18.0, 4.0), runs, 1.0, runs_asked=4)
    assert v.measured == {"ttft_p50_ms": 10.0, "ttft_p99_ms": 20.0, "tpot_p50_ms": 2.5,
                          "tpot_p99_ms": 5.0}  # fmt: skip
    assert v.live_lane["ttft_ms"]["p99"] == 20.0 and "device" not in v.live_lane
    assert v.measured_range("tpot_p99_ms") == (1.0, 9.0)
    assert v.predicted_within_range("ttft_p99_ms") is True
    assert v.predicted_within_range("tpot_p99_ms") is True
    doc = v.to_json()
    assert (doc["runs_asked"], len(doc["runs"])) == (4, 3)
    assert doc["measured_range"]["ttft_p99_ms"] == [10.0, 30.0]
    assert v.error("ttft_p99_ms") == pytest.approx(20.0 / 18.0 - 1.0)


def test_one_run_keeps_the_document_as_before() -> None:
    v = gen_from_runs(_lane(18.0, 4.0), [_lane(20.0, 5.0)], 1.0)
    assert not v.repeated and v.measured_range("ttft_p99_ms") is None
    assert "runs" not in v.to_json() and "measured_range" not in v.to_json()


def test_validate_runs_serves_the_generative_winner_twice_on_the_real_model(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Before, a generative --validate refused --validate-runs 2 ("runs once").
    preset, report = tmp_path / "tiny.json", tmp_path / "tune.json"
    code, out, err = run_cli(
        capsys, *TUNE, "--validate-runs", "2", "-o", str(preset), "--json", str(report)
    )
    assert code == 0, err
    assert "(median of 2 runs, error against the median)" in out
    table = out.split("validation:")[1].splitlines()
    rows = {row[1]: row for row in (line.split() for line in table) if row[:1] == ["continuous"]}
    assert list(rows) == ["ttft_p50_ms", "ttft_p99_ms", "tpot_p50_ms", "tpot_p99_ms"]
    v = json.loads(report.read_text())["lanes"][0]["validation"]
    assert v["runs_asked"] == len(v["runs"]) == 2
    low, high = v["measured_range"]["ttft_p99_ms"]
    assert (low, high) == (min(r["ttft_p99_ms"] for r in v["runs"]),
                           max(r["ttft_p99_ms"] for r in v["runs"]))  # fmt: skip
    assert v["measured"]["ttft_p99_ms"] == pytest.approx((low + high) / 2)  # the median of two
    assert rows["ttft_p99_ms"][4] == f"{low:.4g}-{high:.4g}"  # the live range beside it
    within = v["predicted_within_range"]["ttft_p99_ms"]
    (line,) = [x for x in out.splitlines() if x.startswith("continuous: live TTFT p99 over 2")]
    assert f"over 2 runs {low:.4g}-{high:.4g} ms" in line
    assert ("lies within that range" in line) == within
    measured = load_preset(preset).measured
    assert measured is not None
    assert measured["command"] == "batchtui tune --validate --validate-runs 2"
    assert measured["runs"] == 2
    assert measured["requests"] == measured["completed"] > 0
    assert measured["range"]["ttft_ms"]["p99"] == [pytest.approx(low, rel=1e-3),
                                                    pytest.approx(high, rel=1e-3)]  # fmt: skip
    # After the runs the model was fitted again and the winner predicted on that fit.
    assert "refitting tiny-gpt after the live runs" in err
    refit = v["refit"]
    assert refit["prompt_tokens"] == 16 and refit["context_tokens"] == 16 + 8 // 2
    assert all(refit["predicted"][f] > 0 for f in ("ttft_p50_ms", "tpot_p50_ms"))
    before, after = refit["search_fit_ms"], refit["refit_ms"]
    assert refit["drift"] == pytest.approx(fit_drift(LonePrices(**before), LonePrices(**after)))
    gap = refit["relative_error"]["ttft_p50_ms"]
    assert gap == pytest.approx(
        v["measured"]["ttft_p50_ms"] / refit["predicted"]["ttft_p50_ms"] - 1
    )
    (said,) = [x for x in out.splitlines() if x.startswith("continuous: fitted again")]
    assert f"a lone 16-token prefill {after['prefill_ms']:.4g} ms" in said
    assert f"{refit['drift']:.0%} apart" in said
    # Both live runs had the torch threads the profile was measured with: all cores but one.
    threads = serving_threads(usable_cores())
    assert v["device"] == f"cpu ({threads} thread{'' if threads == 1 else 's'})"


def test_ctrl_c_during_a_generative_validation_keeps_the_finished_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before, Ctrl-C here raised out of the tune and the search's results were lost.
    started: list[int] = []
    serve = live_run.serve_continuous_live

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        started.append(len(started) + 1)
        timeline = serve(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the first run finishes
        return timeline

    monkeypatch.setattr(live_run, "serve_continuous_live", interrupted)
    report = tmp_path / "tune.json"
    code, out, err = run_cli(capsys, *TUNE, "--validate-runs", "3", "--json", str(report))
    assert code == 130, err
    assert started == [1]
    assert "stopping after the running validation run" in err
    assert "interrupted: validation stopped; the figures above are of the live runs" in err
    assert "(median of 1 of 3 runs, error against the median)" in out
    assert "chosen: continuous (continuous)" in out
    doc = json.loads(report.read_text())
    assert doc["validation_interrupted"] is True
    v = doc["lanes"][0]["validation"]
    assert (len(v["runs"]), v["runs_asked"]) == (1, 3)
    assert "refit" not in v and "refitting" not in err  # stopped: not measured again
