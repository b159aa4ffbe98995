"""Writing reports: a whole JSON document or nothing, never half a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.presets.storage import write_text_atomically


def write_json_atomically(path: Path, document: dict[str, Any], flag: str = "--json") -> None:
    """Write ``document`` to ``path`` (replacing it) through the one atomic writer; errors
    name ``flag``."""
    text = json.dumps(document, indent=2, allow_nan=False) + "\n"
    try:
        write_text_atomically(path, text, overwrite=True)
    except OSError as e:
        raise ConfigError(flag, f"cannot write {str(path)!r}: {e.strerror or e}") from None
