"""``run --save-preset [LANE=]PATH``: which lane, which file; checked before the run starts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from batchtui.engine.errors import ConfigError
from batchtui.presets.validate import NAME_PATTERN
from batchtui.tui.output_path import check_output_path


def preset_target(text: str, lanes: Sequence[str]) -> tuple[str, Path]:
    """The lane and file ``--save-preset`` names, given the run's lane names."""
    lane, eq, path_text = text.partition("=")
    if not eq:
        if len(lanes) > 1:
            raise ConfigError(
                "--save-preset",
                f"name the lane, e.g. {lanes[0]}={text} (lanes: {', '.join(lanes)})",
            )
        lane, path_text = lanes[0], text
    if lane not in lanes:
        raise ConfigError("--save-preset", f"no lane {lane!r}; lanes are {', '.join(lanes)}")
    path = check_output_path("--save-preset", path_text)
    if path.exists():
        raise ConfigError(
            "--save-preset", f"{path_text} already exists (a preset is never overwritten)"
        )
    return lane, path


def preset_name(path: Path, lane: str) -> str:
    """The saved preset's name: the file's stem when it is a valid name, else the lane's."""
    return path.stem if NAME_PATTERN.fullmatch(path.stem) else lane
