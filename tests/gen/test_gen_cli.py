"""``batchtui run --model analytic-llm``: the table, the run/2 report, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchtui.presets import builtin_dir
from tests.cli.run import run_cli
from tests.cli.test_scenario_flags import dashboard_answer

AZURE = builtin_dir() / "traces" / "AzureLLMInferenceTrace_conv.csv"
GEN = ["run", "--model", "analytic-llm", "--duration", "20", "--rate", "4"]


def test_a_generative_run_prints_every_lane_and_writes_run_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "gen.json"
    code, out, err = run_cli(
        capsys, *GEN, "--prompt-tokens", "256", "--output-tokens", "64", "--output-cv", "1",
        "--slo-ttft-ms", "500", "--slo-tpot-ms", "60", "--max-num-seqs", "64",
        "--set", "static.max_batch_size=8", "--json", str(out_file),
    )  # fmt: skip
    # Batches of 8 that run to their longest output fall behind 4 req/s (TTFT p99 > the run).
    assert code == 0 and err.startswith("warning: static is saturated") and err.count("\n") == 1
    assert "TTFT p50" in out and "continuous" in out
    report = json.loads(out_file.read_text())
    assert report["format"] == "batchtui.run/2"
    lanes = {lane["name"]: lane for lane in report["lanes"]}
    assert list(lanes) == ["static", "dynamic", "predictive", "continuous"]
    assert lanes["continuous"]["batcher"]["max_num_seqs"] == 64
    assert lanes["static"]["batcher"]["max_batch_size"] == 8
    for lane in lanes.values():
        assert lane["completed"] + lane["rejected"] == lane["arrived"] == report["requests"]
        assert lane["ttft_ms"]["p50"] > 0 and lane["tpot_ms"]["p99"] >= lane["tpot_ms"]["p50"]
        assert 0 <= lane["goodput_rps"] <= lane["throughput_rps"]
        assert lane["output_tokens"] > 0 and lane["kv_cache"]["series"]
    assert report["load"]["prompt_tokens"] == 256.0


def test_the_continuous_lane_reads_its_knobs_from_flags_and_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "gen.json"
    code, _, err = run_cli(
        capsys, *GEN, "--lanes", "c=continuous", "--no-chunked-prefill",
        "--set", "c.kv_cache_tokens=16384", "--quiet", "--json", str(out_file),
    )  # fmt: skip
    assert (code, err) == (0, "")
    (lane,) = json.loads(out_file.read_text())["lanes"]
    assert lane["batcher"]["chunked_prefill"] is False
    assert lane["batcher"]["kv_cache_tokens"] == 16384
    assert lane["kv_cache"]["capacity_tokens"] == 16384


def test_a_request_that_can_never_fit_the_kv_cache_is_counted_as_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "gen.json"
    code, _, err = run_cli(
        capsys, *GEN, "--lanes", "continuous", "--kv-cache-tokens", "256", "--quiet",
        "--json", str(out_file),
    )  # fmt: skip
    (lane,) = json.loads(out_file.read_text())["lanes"]
    assert lane["completed"] == 0 and lane["rejected"] == lane["arrived"] > 0
    assert code == 0
    assert err == (
        f"warning: continuous rejected {lane['arrived']} of {lane['arrived']} requests: "
        "prompt + output can never fit its KV cache (256 tokens)\n"
    )


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["run", "--max-num-seqs", "8"],
         "--max-num-seqs: is read by generative runs only (add --model analytic-llm)"),
        (["run", "--prompt-tokens", "8"],
         "--prompt-tokens: is read by generative models (analytic-llm) only"),
        ([*GEN, "--max-num-seqs", "0"], "--max-num-seqs: must be >= 1, got 0"),
        ([*GEN, "--max-queue", "5"],
         "--max-queue: is not read by generative runs (--model analytic-llm)"),
        ([*GEN, "--lanes", "static,vllm"], "--lanes: unknown batcher 'vllm'; expected one of "
         "static, dynamic, predictive, continuous"),
        ([*GEN, "--set", "continuous.block_size=0"],
         "--set continuous.block_size: must be >= 1, got 0"),
        ([*GEN, "--lanes", "static", "--kv-cache-tokens", "100"],
         "--kv-cache-tokens: no lane in --lanes (static) has this parameter"),
        ([*GEN, "--mode", "live"],
         "--mode: live runs need a torch model (gen-factory, tiny-gpt), not analytic-llm"),
        ([*GEN, "--model-param", "step_ms=-1"], "--model-param step_ms: must be >= 0, got -1"),
        (["run", "--model", "analytic-llm", "--trace", "azure-conv", "--output-column", "Nope"],
         "--output-column: {azure} line 1: no column 'Nope'; found TIMESTAMP, ContextTokens, "
         "GeneratedTokens"),
    ],
)  # fmt: skip
def test_bad_generative_input_is_one_line_and_exit_2(
    argv: list[str], line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, *argv)
    assert (code, out) == (2, "")
    assert err == f"batchtui: error: {line.format(azure=AZURE)}\n"


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["--prompt-cv", "0"], "--prompt-cv: is read by generative models (analytic-llm) only"),
        (["--max-num-seqs", "8"],
         "--max-num-seqs: is read by generative runs only (add --model analytic-llm)"),
        (["--model", "analytic-llm", "--max-num-seqs", "0"], "--max-num-seqs: must be >= 1, got 0"),
    ],
)  # fmt: skip
def test_the_dashboard_refuses_generative_input_in_one_line(argv: list[str], line: str) -> None:
    assert dashboard_answer(*argv) == (2, f"batchtui: error: {line}")


def test_a_request_level_lane_that_outgrew_the_continuous_kv_cache_is_flagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Request-level lanes hold KV without a limit: at 16 req/s static batches of up to 32
    # sequences of 256 + 64 tokens hold far more than the continuous lane's 2,048.
    out_file = tmp_path / "gen.json"
    code, _, err = run_cli(
        capsys, *GEN[:-1], "16", "--lanes", "static,continuous", "--prompt-tokens", "256",
        "--output-tokens", "64", "--kv-cache-tokens", "2048", "--quiet", "--json", str(out_file),
    )  # fmt: skip
    lanes = {lane["name"]: lane for lane in json.loads(out_file.read_text())["lanes"]}
    peak = lanes["static"]["kv_cache"]["max_tokens"]
    assert code == 0 and peak > 2048
    assert (
        f"warning: static held up to {peak:,} KV-cache tokens, {peak / 2048:.1f}x the 2,048 the "
        "continuous lane may hold: request-level lanes are simulated without a KV limit"
    ) in err
    assert "continuous held" not in err
