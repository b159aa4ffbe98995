"""What a newcomer hit with tiny-gpt and gen-factory runs (issue 14 follow-ups), through the
real CLI: the simulator keeps the model's limits, and the one-line errors say what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    code, out, err = run_cli(capsys, *RUN, *STUB, "--prompt-tokens", "300")
    assert (code, out) == (2, "")  # after the note that it profiles the module first
    line = f"batchtui: error: --model: {TOO_LONG} 256; raise max_context"
    assert err.splitlines()[-1].startswith(line), err
