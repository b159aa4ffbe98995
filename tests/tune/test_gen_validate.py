"""``batchtui tune --model tiny-gpt --validate``: searched on the model's fit, the winner served
live by the generative runtime, predicted beside measured, and kept in the -o preset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.run import run_cli

TINY = ["--model", "tiny-gpt", "--model-param", "layers=1", "--model-param", "d_model=32",
        "--device", "cpu"]  # fmt: skip


def test_tiny_gpt_is_tuned_on_its_fit_and_the_winner_is_served_live(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    preset, out_json = tmp_path / "tiny.json", tmp_path / "tune.json"
    code, out, err = run_cli(
        capsys, "tune", *TINY, "--lanes", "continuous", "--rate", "2", "--prompt-tokens", "16",
        "--output-tokens", "8", "--slo-ttft-ms", "2000", "--trials", "4", "--seconds", "1",
        "--validate", "-o", str(preset), "--json", str(out_json),
    )  # fmt: skip
    assert code == 0, err
    assert "on analytic-llm fitted to tiny-gpt on cpu" in out.splitlines()[0]
    assert "validation: predicted (simulator, on the fit) vs measured (live, wall clock)" in out
    for figure in ("ttft_p50_ms", "ttft_p99_ms", "tpot_p50_ms", "tpot_p99_ms"):
        assert f"continuous  {figure}" in out
    check = json.loads(out_json.read_text())["lanes"][0]["validation"]
    assert check["measured"]["ttft_p50_ms"] > 0 and check["predicted"]["ttft_p50_ms"] > 0
    doc = json.loads(preset.read_text())
    assert doc["model"]["kind"] == "tiny-gpt" and doc["model"]["d_model"] == 32
    assert doc["measured"]["command"] == "batchtui tune --validate"
    assert doc["measured"]["requests"] == doc["measured"]["completed"] > 0
