"""Every numeric flag of every command, given nan, inf, -inf, -1, 0, 1e300 and text: one
readable line, exit 2, in under a second, and no output file left behind.

The flags are read from the real parser, so a numeric flag added later joins the battery.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batchtui.engine.load.patterns import readers
from batchtui.tui.cli import build_parser
from batchtui.tui.gen_args import GEN_FLAGS
from tests.cli.run import run_cli
from tests.cli.test_scenario_flags import dashboard_answer

BAD_VALUES = ("nan", "inf", "-inf", "-1", "0", "1e300", "text")
VALID = {
    ("--max-wait-ms", "0"),
    ("--off-s", "0"),
    ("--ramp-to", "0"),
    ("--amplitude", "0"),
    ("--size-cv", "0"),
    ("--noise-cv", "0"),
    ("--base-ms", "0"),
    ("--per-item-ms", "0"),
    ("--seed", "0"),
    ("--idle-ms", "0"),
    ("--long-prefill-token-threshold", "0"),
}
"""(flag, value) pairs that are valid input: a run, not an error (not part of the battery)."""
CONTEXT = {
    "--speed": ["--trace", "azure-conv"],
    "--trace": [],
    **{flag: ["--model", "analytic-llm"] for flag in GEN_FLAGS.values()},
}
"""Flags a pattern reads are tried with that pattern, so the value itself is what is judged."""


def _numeric_flags(parser: argparse.ArgumentParser) -> list[tuple[str, str]]:
    return [
        (action.dest, action.option_strings[-1])
        for action in parser._actions
        if action.option_strings and action.type in (int, float)
    ]


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {"": parser, **sub.choices}


def _context(dest: str, flag: str) -> list[str]:
    if flag in CONTEXT:
        return CONTEXT[flag]
    reading = readers(dest)
    return [] if "poisson" in reading or not reading else ["--pattern", reading[0]]


CASES = [
    pytest.param(
        command, [*_context(dest, flag), flag, value], id=f"{command or '-'} {flag} {value}"
    )
    for command, parser in _commands().items()
    for dest, flag in _numeric_flags(parser)
    for value in BAD_VALUES
    if (flag, value) not in VALID
]


def test_the_battery_covers_every_command_with_numeric_flags() -> None:
    covered = {case.values[0] for case in CASES}
    assert covered == {"", "run", "profile", "sweep", "tune"}  # export, presets: no numbers
    assert len(CASES) > 200


@pytest.mark.parametrize(("command", "argv"), CASES)
def test_a_bad_number_is_one_line_and_exit_2(
    command: str, argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.process_time()  # CPU, not wall: a loaded machine must not fail it
    if command == "":
        code, err = dashboard_answer(*argv)
        err += "\n"
    else:
        out_file = ["--json", str(tmp_path / "out.json")]
        extra = ["--duration", "0.1"] if command == "run" and "--duration" not in argv else []
        extra += ["--rates", "100:200:2"] if command == "sweep" else []
        code, out, err = run_cli(capsys, command, *extra, *argv, *out_file)
        assert out == ""
    assert time.process_time() - started < 1.0  # refused before any work
    assert code == 2
    assert err.startswith("batchtui: error: ") and err.count("\n") == 1
    assert argv[-2] in err  # the flag at fault is named
    assert len(err) < 200 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["run", "--size", "1e300"], "--size: must be <= 1000000000, got 1e+300"),
        (["profile", "--idle-ms", "nan"], "--idle-ms: must be a finite number, got nan"),
        (["--slo-ms", "inf"], "--slo-ms: must be a finite number, got inf"),
    ],
)  # fmt: skip
def test_a_real_process_gives_the_same_one_line(argv: list[str], line: str) -> None:
    exe = Path(sys.executable).with_name("batchtui")
    done = subprocess.run([exe, *argv], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr, done.stdout) == (2, f"batchtui: error: {line}\n", "")
