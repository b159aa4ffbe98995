"""Fixtures for the load tests: where the real traces live, and small files to break."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The repository sits next to the shared folder: <root>/main/tests/load -> <root>/shared/traces.
_DEFAULT_TRACES = Path(__file__).resolve().parents[3] / "shared" / "traces"


@pytest.fixture(scope="session")
def traces_dir() -> Path:
    """The folder of real traces (BATCHTUI_TRACES overrides); tests needing it skip without it."""
    folder = Path(os.environ.get("BATCHTUI_TRACES", _DEFAULT_TRACES))
    if not (folder / "AzureLLMInferenceTrace_code.csv").is_file():
        pytest.skip(f"real traces not found in {folder}")
    return folder
