"""``batchtui tune -o PRESET.json``: the chosen lane's settings written as a preset through
presets/ (request-level or generative), never over an existing file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.scenario import LaneSpec
from batchtui.presets import save_preset
from batchtui.presets.from_lane import lane_preset


def save_tuned(
    path: Path, lane: LaneSpec, params: dict[str, Any], objective: str, within: str, **fields: Any
) -> None:
    """``lane`` running ``params`` as a preset at ``path``; ``within`` says the SLO it was
    tuned to ("p99 20 ms"), ``fields`` are the rest of ``lane_preset``'s (load, model...)."""
    name = re.sub(r"[^A-Za-z0-9._-]", "-", path.stem)[:64].lstrip("._-") or "tuned"
    preset = lane_preset(
        name=name,
        description=f"Tuned by batchtui tune for {objective} within {within}: the {lane.kind} "
        f"lane {lane.name!r}.",
        batcher={"kind": lane.kind, **{**lane.params, **params}},
        **fields,
    )
    try:
        save_preset(preset, path)
    except FileExistsError:
        raise ConfigError("-o", f"{path} appeared meanwhile; not overwritten") from None
