"""Presets: batcher settings with the load and model they were tuned for, as JSON files.

The loader, validator and exporters arrive with the Presets work; this package already
ships the built-in preset files as package data, so installs carry them from the start.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

PRESET_FORMAT = "batchtui.preset/1"


def builtin_preset_files() -> list[Traversable]:
    """The built-in preset files installed with the package, sorted by name."""
    folder = files("batchtui.presets") / "builtin"
    return sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)
