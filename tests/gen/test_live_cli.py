"""``batchtui run --model tiny-gpt --mode live`` through the real CLI: a small tiny-gpt at a low
rate for a second or two, the run/2 report, and one-line errors that leave no file behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchtui.engine.gen.live_run import check_accounted
from batchtui.engine.tune.conditions import serving_threads, usable_cores
from tests.cli.run import assert_refused, run_cli

TINY = [
    "run", "--model", "tiny-gpt", "--model-param", "layers=1", "--model-param", "d_model=32",
    "--model-param", "max_context=128", "--mode", "live", "--device", "cpu",
]  # fmt: skip
STUB = ["run", "--model", "gen-factory", "--model-param", "target=tests.gen.stub_module:make",
        "--mode", "live"]  # fmt: skip


@pytest.mark.flaky(reruns=2)
def test_a_live_tiny_gpt_run_serves_every_lane_and_writes_run_2_live(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "live.json"
    code, out, err = run_cli(
        capsys, *TINY, "--duration", "1.5", "--rate", "4", "--prompt-tokens", "24",
        "--output-tokens", "6", "--output-cv", "0.5", "--slo-ttft-ms", "2000",
        "--lanes", "static,continuous", "--max-num-seqs", "8", "--json", str(out_file),
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "served live: tiny-gpt on cpu" in out and "continuous" in out
    report = json.loads(out_file.read_text())
    assert (report["format"], report["mode"]) == ("batchtui.run/2", "live")
    assert report["model"]["kind"] == "tiny-gpt" and report["model"]["d_model"] == 32
    threads = serving_threads(usable_cores())  # as 'batchtui profile' measures it
    assert report["model"]["device_name"] == f"cpu ({threads} thread{'' if threads == 1 else 's'})"
    assert [lane["name"] for lane in report["lanes"]] == ["static", "continuous"]
    assert report["lanes"][1]["batcher"]["max_num_seqs"] == 8
    for lane in report["lanes"]:
        assert lane["completed"] == lane["arrived"] == report["requests"] > 0
        # A 1-layer, 32-wide model at 4 req/s on 2 shared cores: well under 2 s each.
        assert 0 < lane["ttft_ms"]["p50"] < 2000 and 0 < lane["tpot_ms"]["p50"] < 2000
        assert lane["output_tokens"] == report["lanes"][0]["output_tokens"]
        assert lane["steps"] > 0 and 0 < lane["device_busy"] <= 1.0


@pytest.mark.flaky(reruns=2)
def test_a_user_gen_factory_is_served_live(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "live.json"
    code, _, err = run_cli(
        capsys, *STUB, "--duration", "1", "--rate", "3", "--prompt-tokens", "12",
        "--output-tokens", "4", "--lanes", "c=continuous", "--quiet", "--json", str(out_file),
    )  # fmt: skip
    assert (code, err) == (0, "")
    (lane,) = json.loads(out_file.read_text())["lanes"]
    assert lane["completed"] == lane["arrived"] > 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            [*TINY, "--prompt-tokens", "125", "--output-tokens", "4"],
            "--model-param max_context: request 0 needs 125 prompt + 4 output tokens, more "
            "than the model's max_context of 128",
        ),
        (
            [*STUB, "--prompt-tokens", "300"],
            "--model: request 0 needs 300 prompt + 128 output tokens, more than the model's "
            "max_context of 256",
        ),
        (
            ["run", "--model", "analytic-llm", "--mode", "live"],
            "--mode: live runs need a torch model (gen-factory, tiny-gpt), not analytic-llm",
        ),
        (
            ["run", "--model", "tiny-gpt", "--model-param", "heads=5", "--mode", "live"],
            "--model-param heads: must divide d_model (64)",
        ),
    ],
)
def test_bad_live_input_is_one_line_naming_the_flag_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    out_file = tmp_path / "live.json"
    assert_refused(capsys, [*argv, "--duration", "1", "--json", str(out_file)], message)
    assert not out_file.exists()


def test_a_lane_that_lost_a_request_is_a_bug_not_a_report() -> None:
    check_accounted({"name": "c", "arrived": 3, "completed": 2, "rejected": 1})
    with pytest.raises(RuntimeError, match="c: 3 arrived but 2 completed and 0 rejected"):
        check_accounted({"name": "c", "arrived": 3, "completed": 2, "rejected": 0})
