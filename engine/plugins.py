"""Policies and load patterns from outside batchtui, imported in every process that needs them.

A plugin is an importable module that registers its entries on import (``register_policy``).
It is named in the ``BATCHTUI_PLUGINS`` environment variable (modules, comma-separated) or by
a package's ``batchtui.plugins`` entry point. Both reach the engine's spawned process too,
since it inherits the environment and the installed packages.
"""

from __future__ import annotations

import importlib
import os
from importlib.metadata import entry_points

from batchtui.engine.errors import ConfigError

ENV = "BATCHTUI_PLUGINS"
GROUP = "batchtui.plugins"
_loaded: set[str] = set()
_failed: dict[str, str] = {}


def load_plugins() -> None:
    """Import every plugin not imported yet. Runs while the registries are imported, so a
    failure is kept for ``check_plugins`` (a command's one-line error), not raised here."""
    for name in _named():
        if name in _loaded:
            continue
        _loaded.add(name)
        try:
            importlib.import_module(name)
        except Exception as e:  # a plugin's own bug must not hide behind a traceback
            _failed[name] = f"{type(e).__name__}: {e}"


def check_plugins() -> None:
    """Raise ConfigError for the first plugin that could not be imported."""
    load_plugins()
    for name in _named():
        if name in _failed:
            raise ConfigError(ENV, f"cannot import plugin {name!r} ({_failed[name]})")


def _named() -> list[str]:
    """The plugins named now: in the environment variable, then by entry points."""
    names = [n.strip() for n in os.environ.get(ENV, "").split(",") if n.strip()]
    return names + [ep.value for ep in entry_points(group=GROUP)]
