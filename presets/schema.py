"""The preset value: a batcher with the load, model and SLO it was tuned for.

A ``Preset`` is built only by the validator (``batchtui.presets.validate``), so every one
that exists is valid. ``to_dict`` writes the canonical document: every parameter spelled
out, so a saved preset means the same thing even if a later batchtui changes a default.

Two format versions: ``batchtui.preset/1`` holds request-level scenarios; ``/2`` adds
generative ones (a model in GENERATIVE_KINDS, the ``continuous`` batcher, token lengths,
TTFT/TPOT targets). Each preset is written with the lowest version that holds it, so a
request-level preset stays readable by a batchtui that knows only ``/1``, and an older
batchtui given a generative one says it needs a newer version instead of misreading it.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchtui.engine.load import LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.spec import GENERATIVE_KINDS

PRESET_FORMAT = "batchtui.preset/1"
GEN_PRESET_FORMAT = "batchtui.preset/2"
"""Generative scenarios (``/1`` plus generative models, the continuous batcher, token SLOs)."""
FORMAT_PREFIX = "batchtui.preset/"
FORMAT_VERSION = 2
"""The newest version this batchtui reads (it reads every older one too)."""
REQUEST_SIZE_FIELDS = ("size", "size_cv")
"""Load settings generative presets leave out: their requests are sized in tokens."""

REQUIRED_KEYS = ("format", "name", "batcher", "load", "model")
TOP_LEVEL_KEYS = (
    "format", "name", "description", "batcher", "load", "model", "device", "slo", "measured",
)  # fmt: skip
"""Every key a preset document may have, in the order ``to_dict`` writes them."""


@dataclass(frozen=True)
class Preset:
    """A tuned batcher and what it was tuned for, as read from (or written to) a preset file.

    ``load`` and ``model`` are as written: a relative trace or profile path is relative to
    ``base_dir`` (the preset file's folder); ``run_load``/``run_model`` resolve it.
    ``batcher_params`` holds every parameter of ``batcher_kind``, defaults filled in.
    """

    name: str
    batcher_kind: str
    batcher_params: Mapping[str, int | float]
    load: LoadSpec
    model: ModelSpec
    description: str = ""
    device: str = "auto"
    slo_p99_ms: float | None = None
    measured: Mapping[str, Any] | None = None
    base_dir: Path | None = field(default=None, compare=False, repr=False)
    slo_ttft_ms: float | None = None
    slo_tpot_ms: float | None = None
    """Generative presets' targets (``slo.ttft_ms`` / ``slo.tpot_ms``), in place of p99."""

    @property
    def generative(self) -> bool:
        """Whether the model serves token by token (engine/gen), not batch by batch."""
        return self.model.kind in GENERATIVE_KINDS

    @property
    def format(self) -> str:
        """The version this preset is written as: the lowest that holds it."""
        return GEN_PRESET_FORMAT if self.generative else PRESET_FORMAT

    def slo_dict(self) -> dict[str, float]:
        """The ``slo`` object: the p99 target, or the TTFT/TPOT targets; empty if none."""
        targets = {
            "p99_ms": self.slo_p99_ms,
            "ttft_ms": self.slo_ttft_ms,
            "tpot_ms": self.slo_tpot_ms,
        }
        return {k: v for k, v in targets.items() if v is not None}

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON document of this preset (what ``save_preset`` writes)."""
        doc: dict[str, Any] = {
            "format": self.format,
            "name": self.name,
            "description": self.description,
            "batcher": {"kind": self.batcher_kind, **self.batcher_params},
            "load": load_dict(self.load, generative=self.generative),
            "model": {"kind": self.model.kind, **self.model.params},
            "device": self.device,
        }
        if self.slo_dict():
            doc["slo"] = self.slo_dict()
        if self.measured is not None:
            doc["measured"] = copy.deepcopy(dict(self.measured))
        return doc

    def run_load(self) -> LoadSpec:
        """The load with a relative trace path made relative to the preset's folder."""
        if self.load.trace is None:
            return self.load
        return dataclasses.replace(self.load, trace=str(self.resolve_path(self.load.trace)))

    def run_model(self) -> ModelSpec:
        """The model with a relative file path (profile, TorchScript, export) resolved likewise."""
        path = self.model.params.get("path")
        if not isinstance(path, str):
            return self.model
        params = {**self.model.params, "path": str(self.resolve_path(path))}
        return ModelSpec(self.model.kind, params)

    def relocated(self, folder: Path | None) -> Preset:
        """This preset as written into ``folder`` (None: anywhere): a relative trace or model
        path becomes absolute unless ``folder`` is the preset's own, so it names the same file."""
        if self.base_dir is None or (folder is not None and _same(folder, self.base_dir)):
            return self
        load, model = self.load, self.model
        if self.load.trace is not None and not _is_absolute(self.load.trace):
            load = self.run_load()
        path = self.model.params.get("path")
        if isinstance(path, str) and not _is_absolute(path):
            model = self.run_model()
        return dataclasses.replace(self, load=load, model=model, base_dir=folder)

    def resolve_path(self, path: str | os.PathLike[str]) -> Path:
        """``path`` as given when absolute (or ``~``), else relative to the preset's folder."""
        return resolve_relative(path, self.base_dir)


def load_dict(load: LoadSpec, *, generative: bool) -> dict[str, Any]:
    """A load as a preset writes it: what its pattern reads, less the request-size settings a
    generative model does not read (its prompt and output tokens size its requests)."""
    out = load.to_dict()
    if generative:
        for name in REQUEST_SIZE_FIELDS:
            out.pop(name, None)
    return out


def _is_absolute(path: str | os.PathLike[str]) -> bool:
    return Path(path).expanduser().is_absolute()


def _same(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def resolve_relative(path: str | os.PathLike[str], base_dir: Path | None) -> Path:
    """A path written in a preset: absolute (or ``~``) as is, else relative to ``base_dir``.

    Relative to the preset's folder, not the working directory, so a preset and the trace
    beside it can be moved together.
    """
    p = Path(path).expanduser()
    return p if p.is_absolute() or base_dir is None else base_dir / p
