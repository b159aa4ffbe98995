"""Building a batch of requests' inputs on the device: one gather from a pool, one copy.

Request ``i``'s input is pool slot ``i % pool_size``, so a batch of consecutive ids is a
slice of a precomputed index ring and one ``index_select`` into a preallocated host buffer
(pinned when the device is CUDA), then one non-blocking host→device copy. The pool lives in
host memory on purpose: a served request's payload arrives on the host, and its transfer is
part of what a batch costs on the device.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
import torch

from batchtui.engine.models.inputs import RequestInput, TensorInput, TokenInput

POOL_SLOTS = 128
"""Distinct inputs per model; enough that a batch's requests differ from one another."""
POOL_BYTES = 64 * 2**20
"""Upper bound on the pool's memory, for models with large inputs (fewer slots then)."""


class Batches(Protocol):
    """Turns request ids and sizes into the model's arguments, and its output back into requests."""

    max_batch_size: int

    def build(self, first_id: int, sizes: np.ndarray) -> tuple[torch.Tensor, ...]:
        """The model's arguments for requests ``first_id ..`` of these sizes, on the device."""
        ...

    def split(self, output: torch.Tensor, sizes: np.ndarray) -> list[torch.Tensor]:
        """Each request's part of the batch's output (padding stripped)."""
        ...

    def summary(self, n: int) -> str:
        """A batch of ``n`` as people read it in an error, e.g. ``[2, 64] float32``."""
        ...


def make_batches(
    spec: RequestInput, device: torch.device, seed: int, max_batch_size: int
) -> Batches:
    """The batch builder for requests of ``spec`` on ``device``."""
    if isinstance(spec, TokenInput):
        return TokenBatches(spec, device, seed, max_batch_size)
    return TensorBatches(spec, device, seed, max_batch_size)


class TensorBatches:
    """Batches of fixed-shape requests: ``[n, *shape]``."""

    def __init__(
        self, spec: TensorInput, device: torch.device, seed: int, max_batch_size: int
    ) -> None:
        self.max_batch_size = max_batch_size
        self.spec = spec
        generator = torch.Generator().manual_seed(seed)
        item_bytes = max(1, int(np.prod(spec.shape)) * spec.dtype.itemsize)
        slots = max(1, min(POOL_SLOTS, POOL_BYTES // item_bytes))
        shape = (slots, *spec.shape)
        if spec.dtype.is_floating_point:
            pool = torch.randn(shape, generator=generator).to(spec.dtype)
        else:
            high = min(spec.int_high, torch.iinfo(spec.dtype).max)
            pool = torch.randint(0, high, shape, generator=generator, dtype=spec.dtype)
        self._pinned = device.type == "cuda"
        self._pool = pool.pin_memory() if self._pinned else pool
        self._target = device
        self._allocate(max_batch_size)

    def _allocate(self, max_batch_size: int) -> None:
        """Buffers for batches of up to ``max_batch_size`` (made again, larger, on demand)."""
        self.max_batch_size = max_batch_size
        slots = len(self._pool)
        self._ring = torch.arange(slots + max_batch_size) % slots
        self._host = torch.empty(
            (max_batch_size, *self.spec.shape), dtype=self.spec.dtype, pin_memory=self._pinned
        )
        on_cpu = self._target.type == "cpu"
        self._device = None if on_cpu else torch.empty_like(self._host, device=self._target)

    def build(self, first_id: int, sizes: np.ndarray) -> tuple[torch.Tensor, ...]:
        """One gather into the host buffer, then (off the CPU) one non-blocking copy."""
        n = _check_count(len(sizes), self.max_batch_size, self._allocate)
        start = first_id % len(self._pool)
        host = self._host[:n]
        torch.index_select(self._pool, 0, self._ring[start : start + n], out=host)
        if self._device is None:
            return (host,)
        batch = self._device[:n]
        batch.copy_(host, non_blocking=True)
        return (batch,)

    def split(self, output: torch.Tensor, sizes: np.ndarray) -> list[torch.Tensor]:
        """Row ``k`` of the output belongs to request ``k``."""
        return list(output.unbind(0))

    def summary(self, n: int) -> str:
        """The batch of ``n`` as people read it in an error."""
        return self.spec.summary(n)


class TokenBatches:
    """Batches of token sequences padded to the longest, with a key padding mask (True = pad).

    Padding is computed, then masked out of attention, as in most serving stacks: a batch
    with one long request costs as much as if all its requests were that long.
    """

    def __init__(
        self, spec: TokenInput, device: torch.device, seed: int, max_batch_size: int
    ) -> None:
        self.max_batch_size = max_batch_size
        self.spec = spec
        generator = torch.Generator().manual_seed(seed)
        slots = max(1, min(POOL_SLOTS, POOL_BYTES // (8 * spec.max_seq_len)))
        pool = torch.randint(0, spec.vocab, (slots, spec.max_seq_len), generator=generator)
        self._pinned = device.type == "cuda"
        self._pool = pool.pin_memory() if self._pinned else pool
        self._target = device
        self._positions = torch.arange(spec.max_seq_len, device=device)
        self._allocate(max_batch_size)

    def _allocate(self, max_batch_size: int) -> None:
        """Buffers for batches of up to ``max_batch_size`` (made again, larger, on demand)."""
        self.max_batch_size = max_batch_size
        slots, pinned, device = len(self._pool), self._pinned, self._target
        self._ring = torch.arange(slots + max_batch_size) % slots
        self._host_tokens = torch.empty(
            max_batch_size * self.spec.max_seq_len, dtype=torch.int64, pin_memory=pinned
        )
        self._host_lengths = torch.empty(max_batch_size, dtype=torch.int64, pin_memory=pinned)
        self._lengths_view = self._host_lengths.numpy()
        on_cpu = device.type == "cpu"
        self._device_tokens = None if on_cpu else torch.empty_like(self._host_tokens, device=device)
        self._device_lengths = (
            None if on_cpu else torch.empty_like(self._host_lengths, device=device)
        )

    def build(self, first_id: int, sizes: np.ndarray) -> tuple[torch.Tensor, ...]:
        """Tokens ``[n, longest]`` gathered from the pool, and their padding mask."""
        n = _check_count(len(sizes), self.max_batch_size, self._allocate)
        lengths = self.spec.lengths(sizes)
        longest = int(lengths.max())
        start = first_id % len(self._pool)
        tokens = self._host_tokens[: n * longest].view(n, longest)
        torch.index_select(self._pool[:, :longest], 0, self._ring[start : start + n], out=tokens)
        self._lengths_view[:n] = lengths
        counts = self._host_lengths[:n]
        if self._device_tokens is not None and self._device_lengths is not None:
            tokens = (
                self._device_tokens[: n * longest].view(n, longest).copy_(tokens, non_blocking=True)
            )
            counts = self._device_lengths[:n].copy_(counts, non_blocking=True)
        padding = self._positions[:longest] >= counts[:, None]
        return tokens, padding

    def split(self, output: torch.Tensor, sizes: np.ndarray) -> list[torch.Tensor]:
        """Request ``k`` owns the first ``length_k`` positions of row ``k``."""
        lengths = self.spec.lengths(sizes).tolist()
        return [output[k, :length] for k, length in enumerate(lengths)]

    def summary(self, n: int) -> str:
        """The batch of ``n`` as people read it in an error."""
        return self.spec.summary(n)


def _check_count(n: int, max_batch_size: int, grow: Callable[[int], None]) -> int:
    """``n`` if it is a batch size; buffers grow first when a slider raised the limit past
    what the model was prepared for (those sizes were not warmed up: their first batch may
    run slower, and is measured as it ran)."""
    if n < 1:
        raise ValueError(f"a batch holds at least 1 request, got {n}")
    if n > max_batch_size:
        grow(max(n, 2 * max_batch_size))
    return n
