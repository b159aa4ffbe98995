"""Running the real ``batchtui`` entry point in-process, as the CLI tests do."""

from __future__ import annotations

import pytest

from batchtui.tui.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``batchtui ARGV``."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
