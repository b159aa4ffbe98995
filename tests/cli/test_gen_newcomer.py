"""What a newcomer hit in generative runs (issue 14 follow-ups), each through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.run import assert_refused, run_cli

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
