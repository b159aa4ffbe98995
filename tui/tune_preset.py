"""``batchtui tune -o PRESET.json``: the chosen lane's settings written as a preset through
presets/ (request-level or generative), never over an existing file, with what ``--validate``
measured."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.scenario import LaneSpec
from batchtui.engine.tune.validation import Validation
from batchtui.presets import save_preset
from batchtui.presets.from_lane import FIGURE_DIGITS, lane_preset, measured_figures

VALIDATED_BY = "batchtui tune --validate"


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


def validated_figures(v: Validation) -> dict[str, Any]:
    """A preset's ``measured`` from a validation: the live run's figures; over several runs
    each figure's median (a count or batch size: the lower middle, a value that occurred),
    with ``runs`` (how many finished) and ``range`` (each figure's [min, max]) added."""
    if not v.repeated:
        return measured_figures(v.stats, device=v.device, command=VALIDATED_BY)
    command = f"{VALIDATED_BY} --validate-runs {v.runs_asked}"
    each = [measured_figures(r.stats, device=v.device, command=command) for r in v.runs]
    return repeated_figures(each)


def repeated_figures(each: list[dict[str, Any]]) -> dict[str, Any]:
    """A preset's ``measured`` from several live runs' (each a ``measured`` document of one
    shape): each figure's median, with ``runs`` (how many) and ``range`` ([min, max])."""
    return {**_median_of(each), "runs": len(each), "range": _range_of(each)}


def _median_of(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """Leaf by leaf, the median of documents of one shape; texts (date, device) from the first."""
    return _leafwise(docs, _median, texts=True)


def _range_of(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """Leaf by leaf, [min, max] of each number in documents of one shape."""
    return _leafwise(docs, lambda values: [min(values), max(values)], texts=False)


def _median(values: list[Any]) -> float | int:
    if all(isinstance(x, int) for x in values):
        return statistics.median_low(values)
    return float(f"{statistics.median(values):.{FIGURE_DIGITS}g}")


def _leafwise(
    docs: list[dict[str, Any]], numbers: Callable[[list[Any]], Any], texts: bool
) -> dict[str, Any]:
    """``numbers`` of each numeric leaf's values over ``docs``; other leaves from the first
    document when ``texts``, else left out."""
    out: dict[str, Any] = {}
    for key, first in docs[0].items():
        values = [d[key] for d in docs if key in d]
        if isinstance(first, dict):
            out[key] = _leafwise(values, numbers, texts)
        elif all(_is_number(x) for x in values):
            out[key] = numbers(values)
        elif texts:
            out[key] = first
    return out


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)
