"""``gen-factory``: a person's own generative module, loaded and checked against the contract.

The factories below are imported by target (``tests.gen.test_tiny_gpt_factory:<name>``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from batchtui.engine.errors import ConfigError
from batchtui.engine.models.generative import GenerativeModel, load_generative
from batchtui.engine.models.spec import ModelSpec
from tests.cli.run import assert_refused, run_cli

HERE = "tests.gen.test_tiny_gpt_factory"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "gen_factory"
CPU = torch.device("cpu")


class NoDecode(nn.Module):
    max_context, vocab = 16, 10

    def prefill(self, tokens: list[torch.Tensor], states: list[object]) -> list[object]:
        return list(tokens)


class BadContext(NoDecode):
    max_context = 0

    def decode(self, states: list[object]) -> list[object]:
        return states


class WrongCount(BadContext):
    max_context = 512

    def prefill(self, tokens: list[torch.Tensor], states: list[object]) -> list[object]:
        return []


def no_decode() -> nn.Module:
    return NoDecode()


def bad_context() -> nn.Module:
    return BadContext()


def wrong_count() -> nn.Module:
    return WrongCount()


def not_a_module() -> object:
    return {"prefill": None}


def gru() -> nn.Module:
    """The example under examples/gen_factory, imported as the README says to."""
    sys.path.insert(0, str(EXAMPLE))
    try:
        from gru_lm import make  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(EXAMPLE))
    return make()


def load(name: str) -> GenerativeModel:
    return load_generative(ModelSpec("gen-factory", {"target": f"{HERE}:{name}"}), CPU)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no_decode", "its module lacks decode; a generative model needs prefill(tokens, states), "
                      "decode(states), max_context and vocab"),
        ("bad_context", "its max_context is 0; expected a positive int"),
        ("not_a_module", "returned a dict; expected a torch.nn.Module"),
    ],
)  # fmt: skip
def test_a_module_outside_the_contract_is_named_with_what_it_lacks(name: str, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        load(name)
    assert e.value.where == "target"
    assert e.value.message.startswith(f"{HERE}:{name}: {message}")


def test_the_example_gru_follows_the_contract_batched_as_one_by_one() -> None:
    model = load("gru")
    assert isinstance(model, GenerativeModel)
    g = torch.Generator().manual_seed(0)
    chunks = [torch.randint(0, model.vocab, (n,), generator=g) for n in (3, 8, 1)]
    batched = model.decode(model.prefill(chunks, [None] * 3))
    alone = [model.decode(model.prefill([c], [None]))[0] for c in chunks]
    assert [int(s.next_token) for s in batched] == [int(s.next_token) for s in alone]
    assert [s.length for s in batched] == [4, 9, 2]


def test_profile_names_the_target_flag_of_a_bad_factory(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["profile", "--model", "gen-factory", "--model-param", f"target={HERE}:no_decode"]
    assert_refused(capsys, argv, f"--model-param target: {HERE}:no_decode: its module lacks decode")
    assert_refused(
        capsys, ["profile", "--model", "gen-factory"], "--model-param target: is required"
    )
    argv = ["run", "--model", "gen-factory", "--model-param", "target=nowhere:make"]
    assert_refused(capsys, argv, "--model-param target: nowhere:make: cannot import nowhere")


def test_a_step_that_breaks_the_contract_while_measured_is_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["profile", "--model", "gen-factory", "--model-param", f"target={HERE}:wrong_count"]
    assert_refused(
        capsys,
        argv,
        f"--model-param target: {HERE}:wrong_count: a measured step failed (ValueError: prefill "
        "returned 0 states for 8 sequences; expected a list of 8)",
    )


def test_the_example_gru_profiles_and_runs_through_the_cli(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fit = tmp_path / "gru.json"
    target = ["--model", "gen-factory", "--model-param", f"target={HERE}:gru"]
    code, out, _ = run_cli(
        capsys, "profile", *target, "--repeats", "1", "--max-tokens", "16", "--max-seqs", "2",
        "--json", str(fit),
    )  # fmt: skip
    assert code == 0 and "gen-factory" in out and fit.exists()
    report = tmp_path / "run.json"
    code, _, err = run_cli(
        capsys, "run", *target, "--profile", str(fit), "--duration", "2", "--rate", "2",
        "--prompt-tokens", "16", "--output-tokens", "4", "--quiet", "--json", str(report),
    )  # fmt: skip
    # One repeat of a GRU's steps often fits poorly on a busy machine: only that may be said.
    poorly = f"warning: --profile {fit} fits its measured steps poorly"
    assert code == 0 and (err == "" or (err.startswith(poorly) and err.count("\n") == 1))
    assert '"target": "tests.gen.test_tiny_gpt_factory:gru"' in report.read_text()
