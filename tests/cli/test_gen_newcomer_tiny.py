"""What a newcomer hit with tiny-gpt and gen-factory runs (issue 14 follow-ups), through the
real CLI: the simulator keeps the model's limits, and the one-line errors say what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchtui.engine.gen.step_profile import load_gen_profile
from batchtui.presets import builtin_dir
from batchtui.tui.gen_profile import format_gen_profile, poor_fit_warning
from tests.cli.conftest import TINY
from tests.cli.run import assert_refused, run_cli

RUN = ["run", "--duration", "5", "--rate", "2", "--prompt-tokens", "24", "--output-tokens", "8",
       "--prompt-cv", "0", "--output-cv", "0", "--quiet"]  # fmt: skip
STUB = ["--model", "gen-factory", "--model-param", "target=tests.gen.stub_module:make"]
TOO_LONG = "request 0 needs 300 prompt + 8 output tokens, more than the model's max_context of"


def test_the_simulator_refuses_a_prompt_longer_than_tiny_gpts_max_context(
    fit: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*RUN, *TINY, "--prompt-tokens", "300", "--profile", str(fit)]
    assert_refused(capsys, argv, f"--model-param max_context: {TOO_LONG} 128; raise max_context")


def test_the_simulator_refuses_a_prompt_longer_than_a_factorys_max_context(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = [*RUN, *STUB, "--prompt-tokens", "300"]  # refused before it is profiled
    assert_refused(capsys, argv, f"--model: {TOO_LONG} 256; raise max_context")


def poor(fit: Path, tmp_path: Path, mixed_off: bool) -> Path:
    """The fit made a poor one (R² -2.2, 98.8% worst error), written as a real profile file:
    with ``mixed_off`` its mixed steps hold the error (fitted at ~0 ms, the others within 1%),
    else every step is fitted 50% high."""
    doc = json.loads(fit.read_text())
    doc["fit"] = {"r2": -2.2, "worst_relative_error": 0.988}
    for point in doc["points"]:
        off = mixed_off and point["kind"] == "mixed"
        point["fitted_ms"] = 0.01 if off else point["median_ms"] * (1.01 if mixed_off else 1.5)
    path = tmp_path / "poor.json"
    path.write_text(json.dumps(doc))
    return path


def test_run_with_a_poorly_fitted_profile_warns_and_names_the_mixed_steps(
    fit: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = poor(fit, tmp_path, mixed_off=True)
    code, _, err = run_cli(capsys, *RUN, *TINY, "--profile", str(path))
    assert code == 0
    assert err.startswith(
        f"warning: --profile {path} fits its measured steps poorly (R² -2.20, below 0.5; worst "
        "relative error 98.8%), so times simulated from it can be far off; profile again "
        "(more --repeats, a quieter machine); mixed steps run as two calls (a prefill, then a "
        "decode), whose second call one constant (mixed_step_ms) prices only roughly, so most "
        "of the fit's error is theirs\n"
    ), err
    profile = load_gen_profile(path)
    assert "note: mixed steps run as two calls" in format_gen_profile(profile)


def test_a_good_fit_says_nothing_and_a_poor_one_elsewhere_names_no_mixed_steps(
    fit: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, *RUN, *TINY, "--profile", str(fit))
    good = load_gen_profile(fit)
    assert (code, err) == (0, "") and good.r2 >= 0.5 and poor_fit_warning(good, "x") is None
    profile = load_gen_profile(poor(fit, tmp_path, mixed_off=False))
    warning = poor_fit_warning(profile, "the fit")
    assert warning is not None and warning.startswith("warning: the fit fits its measured")
    assert "mixed" not in warning and "mixed steps run" not in format_gen_profile(profile)


@pytest.fixture
def tiny_preset(tmp_path: Path) -> Path:
    """A generative preset of the small tiny-gpt (the built-in chat preset, its model swapped)."""
    doc = json.loads((builtin_dir() / "chat-continuous.json").read_text())
    doc["name"] = "tiny-chat"
    doc["model"] = {"kind": "tiny-gpt", "layers": 1, "d_model": 32, "max_context": 128}
    doc["load"] = {"pattern": "poisson", "rate_rps": 2.0, "prompt_tokens": 24.0,
                   "output_tokens": 8.0}  # fmt: skip
    path = tmp_path / "tiny-chat.json"
    path.write_text(json.dumps(doc))
    return path


def test_the_dashboard_given_tiny_gpt_names_the_flag_and_says_to_use_run(
    tiny_preset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_refused(
        capsys, ["--model", "tiny-gpt"], "--model: the dashboard simulates analytic-llm, not "
        "tiny-gpt; use 'batchtui run --model tiny-gpt' for the real decoder",
    )  # fmt: skip
    assert_refused(
        capsys, ["--preset", str(tiny_preset)], f"--preset {tiny_preset}: model.kind: the "
        "dashboard simulates analytic-llm, not tiny-gpt; use 'batchtui run --preset "
        f"{tiny_preset}' for the real decoder",
    )  # fmt: skip


def test_run_with_a_tiny_gpt_preset_simulates_it_from_its_profile(
    tiny_preset: Path, fit: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "run.json"
    code, _, err = run_cli(
        capsys, "run", "--preset", str(tiny_preset), "--profile", str(fit), "--duration", "5",
        "--quiet", "--json", str(out_file),
    )  # fmt: skip
    assert (code, err) == (0, "")
    model = json.loads(out_file.read_text())["model"]
    assert model["kind"] == "analytic-llm" and model["fitted_from"]["kind"] == "tiny-gpt"


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        (["--mode", "live"], "--profile: is not read by live runs (they time the model itself); "
         "leave out --mode live to simulate from the profile"),
        ([], "--profile: was measured with layers=1, not 2 (add --model-param layers=1 "
         "--model-param d_model=32 --model-param max_context=128 to run that model, or profile "
         "this one)"),
        (["--model-param", "layers=3", "--model-param", "d_model=32", "--model-param",
          "max_context=128"],
         "--profile: was measured with layers=1, not 3 (use --model-param layers=1 to run that "
         "model, or profile this one)"),
    ],
)  # fmt: skip
def test_a_profile_that_does_not_apply_says_what_would(
    extra: list[str], line: str, fit: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_refused(capsys, [*RUN, "--model", "tiny-gpt", *extra, "--profile", str(fit)], line)


def test_a_preset_saved_from_a_tiny_gpt_run_keeps_where_its_costs_came_from(
    fit: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved, script = tmp_path / "tuned.json", tmp_path / "serve.sh"
    code, _, err = run_cli(
        capsys, *RUN, *TINY, "--profile", str(fit), "--lanes", "continuous",
        "--save-preset", f"continuous={saved}",
    )  # fmt: skip
    assert (code, err) == (0, "")
    doc = json.loads(saved.read_text())
    assert doc["model"]["kind"] == "analytic-llm"  # what the run simulated, so it reruns alike
    assert doc["measured"]["device"] == "analytic-llm fitted to tiny-gpt on cpu"
    fitted = doc["measured"]["fitted_from"]
    assert (fitted["kind"], fitted["layers"], fitted["profile"]) == ("tiny-gpt", 1, str(fit))
    assert "fitted to tiny-gpt on cpu" in doc["description"]
    code, _, _ = run_cli(capsys, "export", str(saved), "--format", "vllm", "-o", str(script))
    assert code == 0
    header = " ".join(line.lstrip("# ") for line in script.read_text().splitlines())
    assert "tuned on analytic step costs fitted to tiny-gpt (layers=1, d_model=32" in header
