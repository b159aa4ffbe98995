"""Presets: batcher settings with the load and model they were tuned for, as JSON files.

Read one with ``resolve`` (a name or a path) or ``load_preset``; write one with
``save_preset``; turn one into a server's configuration with ``exporters.export``.
Dependency direction: the TUI uses presets, presets use the engine, never the reverse.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

from batchtui.presets.catalog import (
    CatalogEntry,
    builtin_dir,
    find,
    list_presets,
    resolve,
    user_dir,
)
from batchtui.presets.errors import PresetError, Problem
from batchtui.presets.schema import PRESET_FORMAT, Preset
from batchtui.presets.storage import load_preset, preset_text, save_preset
from batchtui.presets.validate import parse_preset, preset_from_dict


def builtin_preset_files() -> list[Traversable]:
    """The built-in preset files installed with the package, sorted by name."""
    folder = files("batchtui.presets") / "builtin"
    return sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)


__all__ = [
    "PRESET_FORMAT",
    "CatalogEntry",
    "Preset",
    "PresetError",
    "Problem",
    "builtin_dir",
    "builtin_preset_files",
    "find",
    "list_presets",
    "load_preset",
    "parse_preset",
    "preset_from_dict",
    "preset_text",
    "resolve",
    "save_preset",
    "user_dir",
]
