"""Every ``batchtui …`` command in the README's code blocks runs as written and exits as the
README implies (0, or 2 where the README shows the error it prints)."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from batchtui.tui.cli import build_parser, main
from batchtui.tui.dashboard_command import dashboard_scenario_from_args
from tests.load.alibaba import write_alibaba

README = Path(__file__).resolve().parents[1] / "README.md"
SHORT_S = "0.5"  # run durations are shortened to this: the point is that each command works
BROKEN_PRESET = {  # the README's broken.json: the three problems it shows
    "format": "batchtui.preset/1",
    "name": "broken",
    "batcher": {"kind": "static", "max_wiat_ms": 2},
    "load": {"pattern": "poisson", "rate_rps": -5},
    "model": {"kind": "analytic"},
    "device": "gpu",
}


@dataclass(frozen=True)
class Example:
    argv: tuple[str, ...]
    exit_status: int
    line: int

    def __str__(self) -> str:
        return f"README:{self.line}: {shlex.join(self.argv)}"


def readme_examples() -> list[Example]:
    """The commands in the code blocks: ``batchtui …`` lines (a ``$ `` prompt allowed,
    backslash continuations joined, comments dropped); output lines are not commands."""
    text = README.read_text(encoding="utf-8")
    examples = []
    for block in re.finditer(r"```[a-z]*\n(.*?)```", text, re.S):
        first_line = text.count("\n", 0, block.start(1)) + 1
        lines = block.group(1).splitlines()
        i = 0
        while i < len(lines):
            start, line = i, lines[i].strip().removeprefix("$ ")
            while line.endswith("\\") and i + 1 < len(lines):
                i += 1
                line = line[:-1] + " " + lines[i].strip()
            i += 1
            words = shlex.split(line, comments=True)
            if not words or words[0] != "batchtui" or "·" in words:
                continue
            shows_error = i < len(lines) and lines[i].startswith("batchtui: error:")
            examples.append(Example(tuple(words[1:]), 2 if shows_error else 0, first_line + start))
    return examples


EXAMPLES = readme_examples()


def test_the_readme_has_the_examples_this_test_reads() -> None:
    commands = {example.argv[0] if example.argv else "" for example in EXAMPLES}
    assert {"", "run", "profile", "trace", "presets", "export"} <= commands
    assert len(EXAMPLES) >= 15


def shortened(argv: tuple[str, ...]) -> list[str]:
    """``run`` with a short duration: the same command, quicker."""
    out = list(argv)
    if out[:1] == ["run"]:
        if "--duration" in out:
            out[out.index("--duration") + 1] = SHORT_S
        else:
            out += ["--duration", SHORT_S]
    return out


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_a_readme_command_runs_as_written(
    example: Example,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    write_alibaba(tmp_path)
    (tmp_path / "broken.json").write_text(json.dumps(BROKEN_PRESET))
    if not example.argv or example.argv[0].startswith("-"):
        # The dashboard: its flags must build the scenario it opens on (opening it is the
        # real-terminal tests' job).
        args = build_parser().parse_args(list(example.argv))
        assert args.command is None
        dashboard_scenario_from_args(args)
        return
    code = main(shortened(example.argv))
    err = capsys.readouterr().err
    assert code == example.exit_status, err
    if code == 2:
        assert err.startswith("batchtui: error:") and "Traceback" not in err
