"""Fixtures for the preset tests: a valid document to break, and a private user folder."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

VALID: dict[str, Any] = {
    "format": "batchtui.preset/1",
    "name": "mine",
    "description": "A preset for tests.",
    "batcher": {"kind": "static", "max_batch_size": 8, "max_wait_ms": 2.0},
    "load": {"pattern": "poisson", "rate_rps": 1000.0},
    "model": {"kind": "analytic", "base_ms": 1.0, "per_item_ms": 0.1},
}


@pytest.fixture
def valid_doc() -> dict[str, Any]:
    """A fresh copy of a small valid preset document, to change one thing in."""
    return copy.deepcopy(VALID)


@pytest.fixture(autouse=True)
def user_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty XDG config home, so the real ~/.config is never read."""
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    return config / "batchtui" / "presets"


@pytest.fixture
def write_preset(tmp_path: Path) -> Callable[..., Path]:
    """Write a document (a dict, dumped as JSON, or text as is) to a file; return its path."""

    def write(
        doc: dict[str, Any] | str, name: str = "preset.json", folder: Path = tmp_path
    ) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
        return path

    return write
