"""Model files made on the spot: a TorchScript and torch.exports of the same small MLP."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch
from torch import nn


def _small_mlp() -> nn.Module:
    # 8 features in, 4 out; seeded so the files are the same in every run.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4)).eval()


def _export(path: Path, dynamic_batch: bool) -> Path:
    shapes = ({0: torch.export.Dim("batch")},) if dynamic_batch else None
    program = torch.export.export(_small_mlp(), (torch.randn(3, 8),), dynamic_shapes=shapes)
    torch.export.save(program, str(path))
    return path


@pytest.fixture
def torchscript_file(tmp_path: Path) -> Path:
    """A TorchScript MLP taking requests of 8 float32 features."""
    path = tmp_path / "mlp.pt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TorchScript is deprecated upstream
        torch.jit.script(_small_mlp()).save(str(path))
    return path


@pytest.fixture
def export_file(tmp_path: Path) -> Path:
    """A torch.export MLP with a dynamic batch dimension."""
    return _export(tmp_path / "mlp.pt2", dynamic_batch=True)


@pytest.fixture
def static_export_file(tmp_path: Path) -> Path:
    """The same program exported for batches of exactly 3."""
    return _export(tmp_path / "static.pt2", dynamic_batch=False)
