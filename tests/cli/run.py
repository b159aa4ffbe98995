"""Running the real ``batchtui`` entry point in-process, as the CLI tests do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from batchtui.tui.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``batchtui ARGV``."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    """``batchtui ARGV`` exits 2 with one line, ``batchtui: error: MESSAGE…``, and no output."""
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"batchtui: error: {message}"), err
    assert out == ""


def profile_small_mlp(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[dict[str, Any], str]:
    """``batchtui profile`` of a 64-wide mlp up to batches of 8, written to ``path``: the
    document and what it printed (the tests that reuse a real profile start here)."""
    code, out, err = run_cli(
        capsys, "profile", "--model", "mlp", "--model-param", "width=64", "--max-batch-size", "8",
        "--repeats", "2", "--json", str(path),
    )  # fmt: skip
    assert code == 0, err
    return json.loads(path.read_text()), out
