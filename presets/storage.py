"""Reading and writing preset files: validated on the way in, atomic on the way out.

Writes go to a temporary file in the target's folder, then take the target's name in one
step, so a reader never sees half a file and a failed write leaves nothing behind. An
existing file is replaced only when asked (``overwrite=True``).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from batchtui.engine.errors import ConfigError
from batchtui.presets.errors import PresetError, Problem
from batchtui.presets.schema import Preset
from batchtui.presets.validate import parse_preset

MAX_PRESET_BYTES = 4 * 1024 * 1024
"""Larger files are refused unread: a preset is a few kilobytes, so this is a wrong file."""


def load_preset(path: str | os.PathLike[str]) -> Preset:
    """The preset in the file at ``path``; relative trace/profile paths are from its folder.

    Raises PresetError naming the file and listing every problem, or ConfigError when the
    file cannot be read at all.
    """
    p = Path(path).expanduser()
    source = str(p)
    try:
        if p.is_dir():
            raise ConfigError(source, "is a folder, not a preset file")
        with p.open("rb") as f:
            data = f.read(MAX_PRESET_BYTES + 1)
    except OSError as e:
        raise ConfigError(source, f"cannot read the preset ({e.strerror or e})") from None
    if len(data) > MAX_PRESET_BYTES:
        limit = MAX_PRESET_BYTES // (1024 * 1024)
        raise PresetError(source, [Problem("", f"larger than {limit} MiB; not a preset file")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise PresetError(source, [Problem("", f"not UTF-8 text (line {line})")]) from None
    return parse_preset(text, source=source, base_dir=p.resolve().parent)


def preset_text(preset: Preset) -> str:
    """The file contents for ``preset``: its canonical document, indented, ending in a newline."""
    return json.dumps(preset.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def save_preset(
    preset: Preset,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    make_folder: bool = False,
) -> Path:
    """Write ``preset`` to ``path`` atomically; FileExistsError if it exists and not ``overwrite``.

    ``make_folder`` creates the folder first (the presets folder does not exist on a fresh
    home until the first preset is saved).

    A relative trace or profile path stays as written when saving into the preset's own
    folder (so a loaded preset saves back byte for byte), and becomes absolute elsewhere.
    """
    path = Path(path).expanduser()
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    text = preset_text(preset.relocated(path.parent))
    return write_text_atomically(path, text, overwrite=overwrite)


def write_text_atomically(path: Path, text: str, *, overwrite: bool = False) -> Path:
    """Write ``text`` (UTF-8, newlines as written) to ``path``, as ``write_bytes_atomically``."""
    return write_bytes_atomically(path, text.encode("utf-8"), overwrite=overwrite)


def write_bytes_atomically(path: Path, data: bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder; never a partial file.

    Without ``overwrite`` an existing ``path`` raises FileExistsError and is left untouched,
    even if it appears while we write (the final step is a hard link, which refuses to
    replace). Other failures raise OSError; in every case no temporary file is left.
    """
    path = path.expanduser()
    folder = path.parent
    if not overwrite and (path.exists() or path.is_symlink()):
        raise FileExistsError(f"{path} already exists")
    mode = path.stat().st_mode & 0o777 if overwrite and path.exists() else 0o644
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):  # mkstemp makes 0600; a preset is meant to be shared
                os.fchmod(f.fileno(), mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            _link_without_replacing(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _link_without_replacing(tmp: Path, path: Path) -> None:
    """Give ``tmp``'s contents the name ``path`` unless ``path`` exists (atomically if we can)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(f"{path} already exists") from None
    except OSError:  # no hard links here (some network and FAT file systems): check, then rename
        if path.exists():
            raise FileExistsError(f"{path} already exists") from None
        os.replace(tmp, path)
