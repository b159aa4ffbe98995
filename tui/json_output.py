"""Writing reports: a whole JSON document or nothing, never half a file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from batchtui.engine.errors import ConfigError


def write_json_atomically(path: Path, document: dict[str, Any], flag: str = "--json") -> None:
    """Write ``document`` to ``path`` via a temporary file and a rename; errors name ``flag``."""
    text = json.dumps(document, indent=2, allow_nan=False) + "\n"
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise ConfigError(flag, f"cannot write {str(path)!r}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise ConfigError(flag, f"cannot write {str(path)!r}: {e.strerror or e}") from None
        raise
