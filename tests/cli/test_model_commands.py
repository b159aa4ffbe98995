"""``batchtui profile`` and ``batchtui run`` with real torch models, live mode, and their errors."""

import json
from pathlib import Path

import pytest

from tests.cli.run import assert_refused, profile_small_mlp, run_cli


def test_profile_measures_each_batch_size_and_writes_a_reusable_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mlp.json"
    doc, out = profile_small_mlp(capsys, path)
    assert doc["format"] == "batchtui.profile/1"
    assert doc["model"]["kind"] == "mlp" and doc["model"]["width"] == 64
    assert [p["batch_size"] for p in doc["points"]] == [1, 2, 3, 4, 6, 8]
    assert all(0 < p["min_ms"] <= p["median_ms"] <= p["max_ms"] for p in doc["points"])
    assert "* peak" in out
    # The machine's wake-up lateness, measured after the batches (batchtui.engine.live.wakeup).
    wakeup = doc["wakeup"]
    assert wakeup["probabilities"][0] == 0 and wakeup["probabilities"][-1] == 1
    assert len(wakeup["quantiles_ms"]) == len(wakeup["probabilities"])
    assert 0 <= wakeup["quantiles_ms"][0] <= wakeup["quantiles_ms"][-1]

    report = tmp_path / "r.json"
    code, _, err = run_cli(
        capsys, "run", "--profile", str(path), "--rate", "500", "--duration", "1",
        "--lanes", "static", "--max-batch-size", "8", "--json", str(report), "--quiet",
    )  # fmt: skip
    assert code == 0, err
    assert "note: charging the profile's measured wake-up lateness (p50 " in err
    lane = json.loads(report.read_text())["lanes"][0]
    # Every batch costs a time the profile measured (or interpolates) for its size: drawn
    # from the size's batch-time distribution, which the profile kept.
    rows = doc["batch_time"]["quantiles_ms"].values()
    low, high = min(row[0] for row in rows), max(row[-1] for row in rows)
    assert low - 1e-9 <= lane["service_ms"]["p50"] <= lane["service_ms"]["max"]
    assert lane["service_ms"]["max"] <= high + 1e-9
    assert lane["batch_size"]["histogram"].keys() <= {str(n) for n in range(1, 9)}

    # The walk's 'run --model mlp --profile mlp.json' was told "needs --model profile", a
    # model neither --help nor the README names: the profile stands in for the model.
    assert_refused(
        capsys, ["run", "--model", "mlp", "--profile", str(path)],
        "--profile: stands in for the model (the table is its measured cost): leave out "
        "--model mlp, or keep it and add --service profile to measure it first",
    )  # fmt: skip


def test_run_with_a_real_model_runs_every_batch_on_the_device(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "r.json"
    code, _, err = run_cli(
        capsys, "run", "--model", "mlp", "--model-param", "width=64", "--model-param", "depth=2",
        "--device", "cpu", "--rate", "300", "--duration", "0.5", "--max-batch-size", "8",
        "--json", str(path), "--quiet",
    )  # fmt: skip
    assert code == 0, err
    report = json.loads(path.read_text())
    assert report["model"]["kind"] == "mlp" and report["model"]["device"] == "cpu"
    assert report["device"] == "cpu"
    for lane in report["lanes"]:
        assert lane["completed"] == lane["arrived"] > 0
        assert lane["service_ms"]["p50"] > 0
    # Real timings vary from batch to batch, unlike a cost model's.
    static = report["lanes"][0]["service_ms"]
    assert static["max"] > static["p50"]


def test_live_mode_reports_the_same_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "r.json"
    code, out, err = run_cli(
        capsys, "run", "--mode", "live", "--lanes", "static,dynamic", "--rate", "1000",
        "--duration", "0.3", "--json", str(path),
    )  # fmt: skip
    assert code == 0, err
    assert "· live ·" in out.splitlines()[0]
    report = json.loads(path.read_text())
    assert report["mode"] == "live"
    assert all(lane["completed"] == lane["arrived"] for lane in report["lanes"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--model", "resnet"], "--model: unknown model 'resnet'"),
        (["--model", "/no/such/model.pt"], "--model: /no/such/model.pt: no such file"),
        (["--model", "mlp", "--device", "cuda"], "--device: cuda was asked for"),
        (["--model", "mlp", "--device", "gpu"], "--device: expected one of auto, cpu"),
        (["--model", "mlp", "--model-param", "width=0"], "--model-param width: must be >= 1"),
        (["--model", "mlp", "--model-param", "colour=red"], "--model-param colour: unknown"),
        (["--model", "mlp", "--base-ms", "3"], "--base-ms: belongs to the analytic model"),
        (["--service", "profile"], "--service: applies to torch models"),
        (["--mode", "live", "--max-inflight", "2"], "--max-inflight: the live runtime runs one"),
        (["--model", "profile"], "--profile: is required with --model profile"),
    ],
)
def test_model_mistakes_are_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, "run", "--duration", "0.1", *argv)
    assert code == 2, err
    assert err.startswith("batchtui: error: ") and err.count("\n") == 1
    assert message in err


def test_profile_refuses_a_cost_model(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "profile", "--model", "analytic")
    assert code == 2
    assert "--model: profile measures torch models" in err


@pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")
def test_run_serves_a_users_torchscript_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import torch

    model = torch.jit.script(torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.ReLU()))
    file = tmp_path / "tiny.pt"
    torch.jit.save(model, str(file))
    report = tmp_path / "r.json"
    code, _, err = run_cli(
        capsys, "run", "--model", str(file), "--model-param", "input_shape=8", "--lanes",
        "dynamic", "--rate", "200", "--duration", "0.3", "--json", str(report), "--quiet",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(report.read_text())
    assert doc["model"]["kind"] == "torchscript" and doc["model"]["path"] == str(file)
    assert doc["lanes"][0]["completed"] == doc["lanes"][0]["arrived"] > 0


@pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")
def test_a_model_file_that_does_not_fit_its_input_spec_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import torch

    file = tmp_path / "wrong.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(8, 4)), str(file))
    code, _, err = run_cli(
        capsys, "run", "--model", str(file), "--model-param", "input_shape=9", "--duration", "0.1"
    )
    assert code == 2
    assert err.count("\n") == 1 and "wrong.pt" in err and "sample batch" in err


def test_profile_can_idle_the_device_before_each_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.json"
    code, out, err = run_cli(
        capsys, "profile", "--model-param", "width=32", "--max-batch-size", "2", "--repeats",
        "1", "--idle-ms", "1", "--json", str(path),
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(path.read_text())["idle_ms"] == 1.0
    assert "1 ms idle before each" in out.splitlines()[0]
    code, _, err = run_cli(capsys, "profile", "--idle-ms", "-1")
    assert code == 2 and "--idle-ms: must be >= 0, got -1" in err
