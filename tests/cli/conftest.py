"""The profile of a small tiny-gpt that several CLI test modules read (measured once)."""

from __future__ import annotations

from pathlib import Path

import pytest

TINY = ["--model", "tiny-gpt", "--model-param", "layers=1", "--model-param", "d_model=32",
        "--model-param", "max_context=128"]  # fmt: skip
BRIEF = ["--repeats", "1", "--max-tokens", "32", "--max-seqs", "4"]


@pytest.fixture(scope="module")
def fit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One profile of the small tiny-gpt, shared by the tests that read it."""
    from batchtui.tui.cli import main

    path = tmp_path_factory.mktemp("fit") / "fit.json"
    assert main(["profile", *TINY, *BRIEF, "--json", str(path)]) == 0
    return path
