"""A torch module ready on its device, with what its requests look like and whom to blame."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

    from batchtui.engine.models.inputs import RequestInput


@dataclass(frozen=True)
class LoadedModel:
    """What a loader hands the runner: the module (on the device, in eval mode) and its input.

    ``where`` and ``label`` name the setting and the thing at fault if it later fails on a
    sample batch: e.g. ``path`` and the file, ``target`` and ``pkg.mod:make``.
    """

    module: torch.nn.Module
    input: RequestInput
    where: str
    label: str
