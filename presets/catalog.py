"""Where presets are found: built-ins shipped with batchtui, the user's folder, explicit paths.

A name is looked up in the user's folder first, so a user can adapt a built-in under its
own name; an argument that is a file (or ends in ``.json``) is read as a path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from batchtui.engine.errors import ConfigError
from batchtui.presets.schema import Preset
from batchtui.presets.storage import load_preset


@dataclass(frozen=True)
class CatalogEntry:
    """One preset file found by ``list_presets``: the preset, or why it cannot be read.

    ``name`` is the file name without ``.json`` (what ``resolve`` looks up); ``origin`` is
    ``user``, ``builtin`` or ``path``; ``shadowed`` marks a built-in hidden by a user preset
    of the same name.
    """

    name: str
    origin: str
    path: Path
    preset: Preset | None
    error: ConfigError | None = None
    shadowed: bool = False


def builtin_dir() -> Path:
    """The folder of the built-in presets, installed as package data."""
    return Path(str(files("batchtui.presets") / "builtin"))


def user_dir() -> Path:
    """The user's preset folder: ``$XDG_CONFIG_HOME/batchtui/presets`` (``~/.config`` default).

    A relative XDG_CONFIG_HOME is ignored, as the XDG base-directory specification asks.
    """
    config = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(config) if config and Path(config).is_absolute() else Path.home() / ".config"
    return base / "batchtui" / "presets"


def list_presets(paths: tuple[str | os.PathLike[str], ...] = ()) -> list[CatalogEntry]:
    """Every preset the user can name: user ones, then built-ins, then ``paths``; broken ones too.

    A broken file is listed with its error rather than hiding the rest.
    """
    user = _entries(user_dir(), "user")
    taken = {e.name for e in user}
    builtin = [
        CatalogEntry(e.name, e.origin, e.path, e.preset, e.error, shadowed=e.name in taken)
        for e in _entries(builtin_dir(), "builtin")
    ]
    extra = [_entry(Path(p).expanduser(), "path") for p in paths]
    return [*user, *builtin, *extra]


def find(name_or_path: str) -> tuple[Path, str]:
    """The file ``name_or_path`` means and its origin; ConfigError listing names if none."""
    candidate = Path(name_or_path).expanduser()
    if _looks_like_path(name_or_path) or candidate.is_file():
        if not candidate.exists():
            raise ConfigError(name_or_path, "no such preset file")
        return candidate, "path"
    for origin, folder in (("user", user_dir()), ("builtin", builtin_dir())):
        path = folder / f"{name_or_path}.json"
        if path.is_file():
            return path, origin
    names = sorted({p.stem for folder in (user_dir(), builtin_dir()) for p in _files(folder)})
    available = ", ".join(names) if names else "none"
    raise ConfigError(
        name_or_path,
        f"no preset of that name (looked in {user_dir()} and the built-ins); available: "
        f"{available}",
    )


def resolve(name_or_path: str) -> Preset:
    """The preset ``name_or_path`` names: a path if it is a file or ends in ``.json``, else a
    name, found in the user's folder first, then among the built-ins."""
    path, _ = find(name_or_path)
    return load_preset(path)


def _looks_like_path(text: str) -> bool:
    return text.endswith(".json") or os.sep in text or (os.altsep or os.sep) in text


def _files(folder: Path) -> list[Path]:
    """The preset files in ``folder``, by name; none if it does not exist (the usual case)."""
    try:
        found = [p for p in folder.iterdir() if p.suffix == ".json" and p.is_file()]
    except OSError:
        return []
    return sorted(p for p in found if not p.name.startswith("."))  # skip our temporary files


def _entries(folder: Path, origin: str) -> list[CatalogEntry]:
    return [_entry(p, origin) for p in _files(folder)]


def _entry(path: Path, origin: str) -> CatalogEntry:
    name = path.name.removesuffix(".json")
    try:
        return CatalogEntry(name, origin, path, load_preset(path))
    except ConfigError as e:  # a PresetError (its problems), or a file that cannot be read
        return CatalogEntry(name, origin, path, None, e)
