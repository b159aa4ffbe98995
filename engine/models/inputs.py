"""What one request's input looks like: a fixed-shape tensor, or a token sequence of some length.

A spec says nothing about devices or buffers; ``batches.py`` turns it into batches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from batchtui.engine.errors import ConfigError

DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float64": torch.float64,
    "int64": torch.int64,
    "int32": torch.int32,
}
"""The input dtypes a user model may ask for, by the names people type."""


@dataclass(frozen=True)
class TensorInput:
    """Each request is one tensor of ``shape`` (no batch dimension); its size is not used."""

    shape: tuple[int, ...]
    dtype: torch.dtype = torch.float32
    int_high: int = 100  # integer inputs are drawn from [0, int_high), e.g. a vocabulary

    def summary(self, n: int) -> str:
        """The batch of ``n`` as people read it in an error, e.g. ``[2, 3, 32, 32] float32``."""
        return f"{[n, *self.shape]} {_dtype_name(self.dtype)}"


@dataclass(frozen=True)
class TokenInput:
    """Each request is a sequence of token ids, ``round(size * tokens_per_size)`` long (capped)."""

    vocab: int
    max_seq_len: int
    tokens_per_size: float

    def lengths(self, sizes: np.ndarray) -> np.ndarray:
        """Sequence lengths (int64, 1 .. max_seq_len) of requests of these sizes."""
        scaled = np.rint(np.asarray(sizes, dtype=np.float64) * self.tokens_per_size)
        return np.clip(scaled, 1, self.max_seq_len).astype(np.int64)

    def summary(self, n: int) -> str:
        """The batch of ``n`` as people read it in an error."""
        return f"[{n}, <= {self.max_seq_len}] token ids with a padding mask"


RequestInput = TensorInput | TokenInput
"""What one request of a model looks like."""


def parse_tensor_input(input_shape: str, dtype: str, int_high: int) -> TensorInput:
    """A TensorInput from the text people give (``"3,32,32"``, ``"int64"``); ConfigError if bad."""
    parts = [p.strip() for p in input_shape.replace("x", ",").split(",")]
    if not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ConfigError(
            "input_shape",
            f"expected positive sizes separated by commas, e.g. 64 or 3,32,32; got {input_shape!r}",
        )
    if dtype not in DTYPES:
        raise ConfigError("dtype", f"expected one of {', '.join(DTYPES)}; got {dtype!r}")
    return TensorInput(tuple(int(p) for p in parts), DTYPES[dtype], int_high)


def tensor_input_like(example: torch.Tensor) -> TensorInput:
    """The spec of requests like ``example`` (one request, no batch dimension)."""
    high = 100
    if not example.dtype.is_floating_point and example.numel() > 0:
        high = max(1, int(example.max()) + 1)  # stay inside the example's range (e.g. a vocab)
    return TensorInput(tuple(example.shape), example.dtype, high)


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")
