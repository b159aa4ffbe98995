"""Output paths checked before the work: a run never ends in 'cannot write' after minutes."""

from __future__ import annotations

import os
from pathlib import Path

from batchtui.engine.errors import ConfigError


def check_output_path(flag: str, text: str) -> Path:
    """The file ``flag`` names, or a ConfigError if nothing could be written there."""
    if not text.strip():
        raise ConfigError(flag, "needs a file path, got ''")
    path = Path(text).expanduser()
    if path.is_dir():
        raise ConfigError(flag, f"{text} is a folder; name a file in it, e.g. {path / 'out.json'}")
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ConfigError(flag, f"cannot write {text}: {folder} {what}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(flag, f"cannot write {text}: no permission to write in {folder}")
    return path
