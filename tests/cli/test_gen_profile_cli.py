"""``batchtui profile --model tiny-gpt`` writes a fit that ``run --model tiny-gpt --profile``
simulates with; without ``--profile``, ``run`` profiles first. All through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchtui.engine.tune.conditions import serving_threads, usable_cores
from tests.cli.conftest import BRIEF, TINY
from tests.cli.run import assert_refused, run_cli

RUN = ["run", *TINY, "--duration", "5", "--rate", "2", "--prompt-tokens", "24",
       "--output-tokens", "8", "--prompt-cv", "0", "--output-cv", "0", "--quiet"]  # fmt: skip
COEFFICIENTS = ("step_ms", "prefill_ms_per_token", "decode_ms_per_seq", "context_ms_per_token",
                "mixed_step_ms", "prefill_ms_per_token_sq")  # fmt: skip


def test_profile_writes_the_fit_with_its_points_and_quality(
    fit: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = json.loads(fit.read_text())
    assert doc["format"] == "batchtui.gen-profile/1"
    assert doc["model"] == {"kind": "tiny-gpt", "layers": 1, "d_model": 32, "heads": 4,
                            "max_context": 128, "vocab": 1000}  # fmt: skip
    assert doc["device"] == "cpu"
    # Measured with the torch threads a live run serves with (before: torch's default).
    assert doc["torch_threads"] == serving_threads(usable_cores())
    assert set(doc["coefficients"]) == set(COEFFICIENTS)
    assert all(v >= 0 for v in doc["coefficients"].values())
    assert doc["fit"]["r2"] <= 1.0 and doc["fit"]["worst_relative_error"] >= 0
    assert {p["kind"] for p in doc["points"]} == {"prefill", "decode", "mixed"}
    assert all(p["median_ms"] > 0 and p["fitted_ms"] >= 0 for p in doc["points"])
    # A mixed step (two calls live) is priced with the fitted mixed_step_ms, the rest without.
    c = doc["coefficients"]
    for p in doc["points"]:
        base = (c["step_ms"] + c["prefill_ms_per_token"] * p["prefill_tokens"]
                + c["decode_ms_per_seq"] * p["decode_seqs"]
                + c["context_ms_per_token"] * p["context_tokens"]
                + c["prefill_ms_per_token_sq"] * p["prefill_sq"])  # fmt: skip
        extra = c["mixed_step_ms"] if p["kind"] == "mixed" else 0.0
        assert p["fitted_ms"] == pytest.approx(base + extra, rel=1e-9, abs=1e-12)
    # The printed table says the same, through the real CLI.
    code, out, err = run_cli(capsys, "profile", *TINY, *BRIEF)
    poorly = "warning: the fit fits its measured steps poorly"  # a noisy measurement may be
    assert code == 0 and (err == "" or (err.startswith(poorly) and err.count("\n") == 1))
    assert "batchtui.gen-profile/1" in out and "R²" in out and "worst relative error" in out
    assert out.count("\nmixed ") == 1


def test_run_with_the_profile_simulates_exactly_the_fitted_coefficients(
    fit: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_cli(capsys, *RUN, "--profile", str(fit), "--json", str(tmp_path / "a.json"))
    assert (code, err) == (0, "")
    report = json.loads((tmp_path / "a.json").read_text())
    doc = json.loads(fit.read_text())
    coefficients = doc["coefficients"]
    model = report["model"]
    assert model["kind"] == "analytic-llm"
    # (mixed_step_ms, like the idle restart, is said only when charged.)
    assert {k: model.get(k, 0.0) for k in COEFFICIENTS} == coefficients
    # The idle restart fitted is simulated too (the model says it only when it is charged).
    idle = {k: doc["idle"][k] for k in ("idle_restart_ms", "idle_after_ms")}
    assert model.get("idle_restart_ms", 0.0) == idle["idle_restart_ms"]
    coefficients = {**coefficients, **idle}
    assert model["fitted_from"]["kind"] == "tiny-gpt" and model["fitted_from"]["layers"] == 1
    assert model["fitted_from"]["profile"] == str(fit)
    # The same run with those coefficients given by hand: the very same lanes.
    by_hand = [a for k, v in coefficients.items() for a in ("--model-param", f"{k}={v!r}")]
    argv = ["run", "--model", "analytic-llm", *by_hand, *RUN[len(TINY) + 1 :]]
    code, _, _ = run_cli(capsys, *argv, "--json", str(tmp_path / "b.json"))
    assert code == 0
    assert json.loads((tmp_path / "b.json").read_text())["lanes"] == report["lanes"]


def test_run_without_a_profile_profiles_first_and_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_cli(capsys, *RUN, "--json", str(tmp_path / "r.json"))
    assert code == 0
    assert err.startswith("note: no --profile given, so tiny-gpt is profiled first")
    # The command it suggests profiles the same model: the user's own params go with it.
    assert (
        "'batchtui profile --model tiny-gpt --model-param layers=1 --model-param d_model=32 "
        "--model-param max_context=128 --json FIT.json'"
    ) in " ".join(err.split())
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["model"]["fitted_from"]["profile"] is None
    assert report["model"]["fitted_from"]["device"] == "cpu"
    assert all(lane["completed"] == lane["arrived"] > 0 for lane in report["lanes"])


def test_the_table_heading_says_where_the_cost_came_from(
    fit: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, *[a for a in RUN if a != "--quiet"], "--profile", str(fit))
    assert code == 0
    assert "(fitted to tiny-gpt on cpu)" in out.splitlines()[0]


def test_a_profile_of_another_model_is_refused(
    fit: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = [*RUN, "--model-param", "d_model=64", "--profile", str(fit)]
    assert_refused(capsys, argv, "--profile: was measured with d_model=32, not 64")
    table = tmp_path / "table.json"
    table.write_text(json.dumps({"format": "batchtui.profile/1", "points": []}))
    assert_refused(
        capsys,
        [*RUN, "--profile", str(table)],
        f"--profile: {table}: format: expected batchtui.gen-profile/1",
    )
    assert_refused(capsys, [*RUN, "--profile", "nowhere.json"], "--profile: nowhere.json: no such")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["profile", *TINY, "--idle-ms", "5"],
         "--idle-ms: is not read for tiny-gpt (it reads --max-tokens, --max-seqs, --repeats)"),
        (["profile", *TINY, "--max-batch-size", "8"], "--max-batch-size: is not read for tiny-gpt"),
        (["profile", "--model", "mlp", "--max-tokens", "8"],
         "--max-tokens: is read by generative models only (tiny-gpt)"),
        (["profile", *TINY, "--max-seqs", "0"], "--max-seqs: must be >= 1, got 0"),
        (["profile", *TINY, "--model-param", "max_context=8"],
         "--model-param max_context: 8 is too short to profile with 7 repeats"),
        (["run", "--model", "analytic-llm", "--profile", "fit.json"],
         "--profile: is not read by generative runs"),
        (["run", *TINY, "--model-param", "heads=5"], "--model-param heads: must divide d_model"),
    ],
)  # fmt: skip
def test_bad_profile_flags_are_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_refused(capsys, argv, message)


def test_a_quick_profile_times_prompts_as_long_as_the_loads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Before, the quick profile stopped at 256-token prefills whatever the load, and a line
    # through them priced a long prompt at about half of what it took (its attention).
    argv = ["run", "--model", "tiny-gpt", "--model-param", "layers=1", "--model-param",
            "d_model=32", "--model-param", "max_context=1024", "--duration", "2", "--rate",
            "1", "--prompt-tokens", "600", "--output-tokens", "4", "--prompt-cv", "0",
            "--output-cv", "0", "--quiet", "--json", str(tmp_path / "r.json")]  # fmt: skip
    code, _, err = run_cli(capsys, *argv)
    assert code == 0, err
    assert "profiled first (3 repeats, prompts up to 600 tokens)" in err
    assert "--max-tokens 600 --json FIT.json" in " ".join(err.split())


def test_the_quick_profile_says_the_longest_prompt_the_model_takes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_cli(capsys, *RUN)
    assert code == 0, err
    assert "(3 repeats, prompts up to 128 tokens)" in err  # the model's max_context


def test_a_profile_that_timed_only_shorter_prompts_is_said(
    fit: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long = [a if a != "24" else "100" for a in RUN]  # --prompt-tokens 100
    code, _, err = run_cli(capsys, *long, "--profile", str(fit))
    assert code == 0
    assert err.strip() == (
        f"warning: --profile {fit} timed prefills up to 32 tokens and this load's prompts "
        "reach 100: longer ones are priced by extrapolating its fit (profile again with "
        "--max-tokens 100)"
    )
    code, _, err = run_cli(capsys, *RUN, "--profile", str(fit))  # 24-token prompts: silent
    assert (code, err) == (0, "")
