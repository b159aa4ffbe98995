"""A generative model's measured steps and fitted coefficients: the ``batchtui.gen-profile/1``
file that ``batchtui profile`` writes and ``run --profile`` reads (no torch needed to read it).

The idle restart (StepCost.idle_restart_ms / idle_after_ms) is an additive ``idle`` object:
the surcharge, its threshold, the idle gap measured and the steps timed after it. A profile
written before it existed has none and loads with both at 0 (no restart charged). Likewise
``coefficients.mixed_step_ms`` (a mixed step's second call) and
``coefficients.prefill_ms_per_token_sq`` (a prefill's attention), absent before them: 0, and a
point's ``prefill_sq``, absent before it: that of its equal-length prompts, as measured.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.cost import StepCost

GEN_PROFILE_FORMAT = "batchtui.gen-profile/1"
STEP_KINDS = ("prefill", "decode", "mixed")
"""A measured step prefills only, decodes only, or does both (a prefill call then a decode
call, as the live runtime runs a mixed step)."""
IDLE_TERMS = ("idle_restart_ms", "idle_after_ms")
"""StepCost's idle restart: in the profile's ``idle`` object, not its ``coefficients``."""
LATER_COEFFICIENTS = ("mixed_step_ms", "prefill_ms_per_token_sq")
"""Coefficients added after profiles were written: absent, they are 0 (what was charged)."""


@dataclass(frozen=True)
class StepPoint:
    """Repeated timings (ms) of one step shape: what it prefilled and what it decoded."""

    kind: str
    prefill_tokens: int
    prefill_seqs: int
    decode_seqs: int
    context_tokens: int
    """Tokens in the KV caches of the decoding sequences (mean over the repeats, rounded)."""
    median_ms: float
    min_ms: float
    max_ms: float
    repeats: int
    prefill_sq: int = 0
    """Its prefill chunks' tokens times the tokens each attends to, summed (``attended``)."""


@dataclass(frozen=True)
class IdlePoint(StepPoint):
    """A step shape timed right after the device idled, beside its back-to-back median."""

    back_to_back_ms: float = 0.0

    @property
    def surcharge_ms(self) -> float:
        """How much longer the step took after idle than back to back (medians)."""
        return self.median_ms - self.back_to_back_ms


def price_ms(cost: StepCost, point: StepPoint) -> float:
    """What ``cost`` charges for ``point``'s step, in ms (without any idle restart)."""
    return 1000.0 * cost.step(
        point.prefill_tokens, point.decode_seqs, point.context_tokens, point.prefill_sq
    )


@dataclass(frozen=True)
class GenProfile:
    """What was measured, on which model and device, and the coefficients fitted to it."""

    model: dict[str, Any]
    device: str
    points: tuple[StepPoint, ...]
    cost: StepCost
    r2: float
    worst_relative_error: float
    measured_at: str
    seed: int = 0
    fitted_ms: tuple[float, ...] = ()
    """The fitted time of each point, in the points' order (empty if not known)."""
    idle_points: tuple[IdlePoint, ...] = ()
    """Steps timed right after ``idle_gap_ms`` of idle device (empty: not measured)."""
    idle_gap_ms: float = 0.0
    torch_threads: int | None = None
    """torch's intra-op threads the CPU steps ran with (None: not on the CPU, or not known):
    a live run compares with this profile only at the same count."""

    def source_json(self, path: str | None = None) -> dict[str, Any]:
        """Where fitted coefficients came from: the ``fitted_from`` of a run/2 ``model``."""
        return {
            **self.model,
            "device": self.device,
            "profile": path,
            "r2": self.r2,
            "worst_relative_error": self.worst_relative_error,
        }

    def to_json(self) -> dict[str, Any]:
        """The ``batchtui.gen-profile/1`` document (``run --profile`` reads it back)."""
        points = [dataclasses.asdict(p) for p in self.points]
        for point, fitted in zip(points, self.fitted_ms, strict=False):
            point["fitted_ms"] = fitted
        coefficients = dataclasses.asdict(self.cost)
        for name in IDLE_TERMS:
            del coefficients[name]
        return {
            "format": GEN_PROFILE_FORMAT,
            "model": self.model,
            "device": self.device,
            "seed": self.seed,
            "measured_at": self.measured_at,
            "torch_threads": self.torch_threads,
            "coefficients": coefficients,
            "fit": {"r2": self.r2, "worst_relative_error": self.worst_relative_error},
            "points": points,
            "idle": {
                "idle_restart_ms": self.cost.idle_restart_ms,
                "idle_after_ms": self.cost.idle_after_ms,
                "gap_ms": self.idle_gap_ms,
                "points": [dataclasses.asdict(p) for p in self.idle_points],
            },
        }


def load_gen_profile(path: str | Path) -> GenProfile:
    """A ``batchtui.gen-profile/1`` file, checked; a ConfigError (at ``path``) says what is off."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("path", f"{path}: no such file") from None
    except IsADirectoryError:
        raise ConfigError("path", f"{path}: is a directory, not a profile") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError("path", f"{path}: not a JSON file ({e})") from None
    try:
        return _from_json(doc)
    except ConfigError as e:
        raise ConfigError("path", f"{path}: {e.where}: {e.message}") from None


def _from_json(doc: object) -> GenProfile:
    if not isinstance(doc, Mapping) or doc.get("format") != GEN_PROFILE_FORMAT:
        found = doc.get("format") if isinstance(doc, Mapping) else type(doc).__name__
        raise ConfigError(
            "format", f"expected {GEN_PROFILE_FORMAT} (from 'batchtui profile'), got {found!r}"
        )
    model = doc.get("model")
    if not isinstance(model, Mapping) or not isinstance(model.get("kind"), str):
        raise ConfigError("model", "must be an object with a kind")
    coefficients = doc.get("coefficients")
    if not isinstance(coefficients, Mapping):
        raise ConfigError("coefficients", "must be an object")
    values = {}
    for name in (f.name for f in dataclasses.fields(StepCost)):
        if name in IDLE_TERMS:
            continue
        value = coefficients.get(name, 0.0 if name in LATER_COEFFICIENTS else None)
        if not _number(value) or value < 0:
            raise ConfigError(f"coefficients.{name}", f"must be a number >= 0, got {value!r}")
        values[name] = float(value)
    idle = doc.get("idle", {})  # absent in profiles from before it: no restart
    if not isinstance(idle, Mapping):
        raise ConfigError("idle", "must be an object")
    for name in (*IDLE_TERMS, "gap_ms"):
        value = idle.get(name, 0.0)
        if not _number(value) or value < 0:
            raise ConfigError(f"idle.{name}", f"must be a number >= 0, got {value!r}")
    raw_idle = idle.get("points", [])
    if not isinstance(raw_idle, list):
        raise ConfigError("idle.points", "must be a list")
    fit = doc.get("fit") if isinstance(doc.get("fit"), Mapping) else {}
    raw_points = doc.get("points", [])
    if not isinstance(raw_points, list):
        raise ConfigError("points", "must be a list")
    points = tuple(_point(i, p) for i, p in enumerate(raw_points))
    fitted = [p.get("fitted_ms") for p in raw_points]
    return GenProfile(
        model=dict(model),
        device=str(doc.get("device", "?")),
        points=points,
        cost=StepCost(**values, **{name: float(idle.get(name, 0.0)) for name in IDLE_TERMS}),
        r2=float(fit.get("r2", math.nan)) if _number(fit.get("r2")) else math.nan,
        worst_relative_error=(
            float(fit["worst_relative_error"])
            if _number(fit.get("worst_relative_error"))
            else math.nan
        ),
        measured_at=str(doc.get("measured_at", "")),
        seed=int(doc["seed"]) if isinstance(doc.get("seed"), int) else 0,
        fitted_ms=tuple(float(f) for f in fitted) if all(map(_number, fitted)) else (),
        idle_points=tuple(_point(i, p, IdlePoint, "idle.points") for i, p in enumerate(raw_idle)),
        idle_gap_ms=float(idle.get("gap_ms", 0.0)),
        torch_threads=threads if isinstance(threads := doc.get("torch_threads"), int) else None,
    )


_CASTS: dict[str, type] = {"str": str, "int": int, "float": float}


def _point(index: int, raw: object, cls: type[StepPoint] = StepPoint, where: str = "points") -> Any:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}[{index}]", "must be an object")
    try:
        given = {
            f.name: _CASTS[str(f.type)](raw[f.name])
            for f in dataclasses.fields(cls)
            if f.name in raw or f.default is dataclasses.MISSING
        }
        if "prefill_sq" not in given:  # a profile from before it: equal-length prompts
            given["prefill_sq"] = given["prefill_tokens"] ** 2 // max(1, given["prefill_seqs"])
        return cls(**given)
    except (KeyError, TypeError, ValueError) as e:
        raise ConfigError(f"{where}[{index}]", f"is not a measured step ({e})") from None


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
