"""What a newcomer hit in generative runs (issue 14 follow-ups), each through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.cli.run import assert_refused, run_cli
from tests.presets.test_gen_exporters import fake_server

GEN = ["run", "--model", "analytic-llm", "--duration", "5", "--rate", "4", "--quiet"]


@pytest.mark.parametrize(("text", "value"), [("false", False), ("true", True), ("False", False)])
def test_set_turns_an_on_off_knob_with_true_or_false(
    text: str, value: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "gen.json"
    code, _, err = run_cli(
        capsys, *GEN, "--lanes", "continuous", "--set", f"continuous.chunked_prefill={text}",
        "--json", str(out_file),
    )  # fmt: skip
    assert (code, err) == (0, "")
    (lane,) = json.loads(out_file.read_text())["lanes"]
    assert lane["batcher"]["chunked_prefill"] is value


@pytest.mark.parametrize(
    ("setting", "line"),
    [
        ("continuous.chunked_prefill=0",
         "--set continuous.chunked_prefill: must be true or false, got 0"),
        ("continuous.max_num_seqs=lots",
         "--set continuous.max_num_seqs: must be a number (or true/false for an on/off knob), "
         "got 'lots'"),
    ],
)  # fmt: skip
def test_set_says_what_an_on_off_knob_takes(
    setting: str, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_refused(capsys, [*GEN, "--lanes", "continuous", "--set", setting], line)


def test_unchunked_prompts_over_the_token_budget_are_refused_up_front(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = [*GEN, "--no-chunked-prefill", "--max-num-batched-tokens", "256",
            "--prompt-tokens", "512", "--output-tokens", "64", "--output-cv", "0"]  # fmt: skip
    assert_refused(
        capsys, argv, "--max-num-batched-tokens: is 256 tokens, but without chunked prefill a "
        "request is prefilled in one step and every one here needs 575 (prompt + output - 1, "
        "what a recompute prefills); none could ever be scheduled: raise "
        "--max-num-batched-tokens to 575 or more, or drop --no-chunked-prefill",
    )  # fmt: skip


def test_unchunked_rejections_over_the_token_budget_say_so_not_the_kv_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "gen.json"
    code, _, err = run_cli(
        capsys, *GEN, "--lanes", "continuous", "--no-chunked-prefill",
        "--max-num-batched-tokens", "600", "--prompt-tokens", "512", "--prompt-cv", "0.5",
        "--json", str(out_file),
    )  # fmt: skip
    (lane,) = json.loads(out_file.read_text())["lanes"]
    assert code == 0 and 0 < lane["rejected"] == lane["rejected_over_budget"] < lane["arrived"]
    assert err == (
        f"warning: continuous rejected {lane['rejected']} of {lane['arrived']} requests: "
        "without chunked prefill a request is prefilled in one step, and theirs (prompt + "
        "output - 1, what a recompute prefills) is over the token budget (600 tokens); raise "
        "--max-num-batched-tokens or drop --no-chunked-prefill\n"
    )


def test_a_generative_run_without_rate_offers_a_few_requests_a_second(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "gen.json"
    argv = ["run", "--model", "analytic-llm", "--duration", "10", "--quiet"]
    code, _, err = run_cli(capsys, *argv, "--json", str(out_file))
    assert (code, err) == (0, "")
    report = json.loads(out_file.read_text())
    assert report["load"]["rate_rps"] == 4.0 and 20 <= report["requests"] <= 60
    assert not any(lane["saturated"] for lane in report["lanes"])
    with pytest.raises(SystemExit):
        run_cli(capsys, "run", "--help")
    help_text = " ".join(capsys.readouterr().out.split())
    assert "mean arrival rate (default: 2000 req/s; generative models: 4 req/s)" in help_text


def test_a_short_overloaded_run_warns_that_its_request_level_lanes_are_saturated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "gen.json"
    code, _, err = run_cli(
        capsys, "run", "--model", "analytic-llm", "--rate", "3", "--duration", "30",
        "--output-cv", "1", "--slo-ttft-ms", "1000", "--slo-tpot-ms", "50", "--quiet",
        "--json", str(out_file),
    )  # fmt: skip
    lanes = {lane["name"]: lane for lane in json.loads(out_file.read_text())["lanes"]}
    assert code == 0
    assert lanes["static"]["ttft_ms"]["p99"] > 30_000  # longer than the run: it fell behind
    saturated = [name for name, lane in lanes.items() if lane["saturated"]]
    assert saturated == ["static", "dynamic", "predictive"]
    warned = [line.split()[1] for line in err.splitlines() if "is saturated" in line]
    assert warned == saturated


def test_an_unchunked_vllm_export_sets_max_model_len_so_vllm_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved, script = tmp_path / "unchunked.json", tmp_path / "serve.sh"
    code, _, err = run_cli(
        capsys, *GEN, "--lanes", "continuous", "--no-chunked-prefill",
        "--max-num-batched-tokens", "1024", "--save-preset", f"continuous={saved}",
    )  # fmt: skip
    assert (code, err) == (0, "")
    code, _, _ = run_cli(capsys, "export", str(saved), "--format", "vllm", "-o", str(script))
    argv_file = fake_server(tmp_path / "bin", "vllm")
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "MODEL": "org/model"}  # fmt: skip
    subprocess.run(["sh", str(script)], env=env, check=True, timeout=30)
    argv = argv_file.read_text().splitlines()
    assert code == 0 and "--no-enable-chunked-prefill" in argv
    budget = argv[argv.index("--max-num-batched-tokens") + 1]
    assert budget == "1024" and argv[argv.index("--max-model-len") + 1] == budget


def test_the_export_refusal_suggests_the_preset_as_it_was_typed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, *GEN, "--lanes", "static", "--save-preset", "static=st.json")
    assert (code, err) == (0, "")
    assert_refused(
        capsys, ["export", "st.json", "--format", "vllm"], "--format: vllm schedules every step "
        "(continuous batching), and 'st' holds a static batcher, a request-level rule vllm has "
        "no setting for; save a continuous lane instead (batchtui run --preset st.json "
        "--save-preset continuous=PATH)",
    )  # fmt: skip


def test_run_help_names_continuous_and_reads_the_token_columns_plainly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        run_cli(capsys, "run", "--help")
    text = " ".join(capsys.readouterr().out.split())
    assert "plus a preset's kind; generative models also take continuous, default: " \
        "static,dynamic,predictive,continuous)" in text  # fmt: skip
    assert "--prompt-column NAME trace, generative models: the column" in text
    assert "trace: trace" not in text
