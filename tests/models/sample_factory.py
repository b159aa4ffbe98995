"""Factories the loader tests import as ``tests.models.sample_factory:<name>``."""

from __future__ import annotations

import torch
from torch import nn


def make() -> nn.Module:
    """A small MLP over 8 features, with no input spec: the test gives ``input_shape``."""
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))


def make_with_example() -> tuple[nn.Module, torch.Tensor]:
    """The same MLP with one request's example input, so no ``input_shape`` is needed."""
    return make(), torch.zeros(8)


def make_bag_of_ids() -> tuple[nn.Module, torch.Tensor]:
    """A model of integer ids below 50: inputs must be drawn inside the example's range."""
    return nn.EmbeddingBag(50, 4, mode="mean"), torch.tensor([49, 0, 1, 2, 3])


class _FailsOnBigBatches(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[0] > 4:
            raise RuntimeError("out of memory (simulated)")
        return x * 2


def fails_on_big_batches() -> tuple[nn.Module, torch.Tensor]:
    """Serves batches of up to 4, like a model that runs out of device memory beyond."""
    return _FailsOnBigBatches(), torch.zeros(3)


class _Scalar(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.sum()


def returns_scalar() -> tuple[nn.Module, torch.Tensor]:
    """A model whose output has no batch dimension, so no request can get its share."""
    return _Scalar(), torch.zeros(3)


def broken() -> nn.Module:
    """A factory that fails, like one whose weights are missing."""
    raise FileNotFoundError("weights.bin not found")


def returns_text() -> str:
    """A factory that returns something that is not a model."""
    return "a model"


not_callable = 42
