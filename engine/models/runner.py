"""A torch model on a device, serving batches of requests and timing each one truthfully.

A batch's time covers building its input (host→device copies included), the forward pass
under ``torch.inference_mode`` and, off the CPU, waiting for the device to finish: the time
the device is really held, which is what a lane's virtual clock must advance by.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from batchtui.engine.device import describe_device, resolve_device, synchronize
from batchtui.engine.errors import ConfigError
from batchtui.engine.models.batches import make_batches
from batchtui.engine.models.builtin import BUILTIN_KINDS, build_builtin
from batchtui.engine.models.loaded import LoadedModel
from batchtui.engine.models.reasons import reason
from batchtui.engine.models.spec import ModelSpec
from batchtui.engine.models.user import load_user_model

MAX_BATCH_SIZE = 65536
"""The policies' own limit; buffers for this many requests are allocated up front."""
WARM_UP_REPEATS = 2
"""Runs per batch size in warm-up: the first pays one-time costs (oneDNN primitives, ...)."""


class ModelRunner:
    """A torch model ready to serve batches on a device; one owner (thread) at a time.

    Request ``i``'s input is derived deterministically from ``seed`` and ``i``, so the same
    request gets the same input in every lane and every run.
    """

    def __init__(
        self,
        spec: ModelSpec,
        device: str = "auto",
        seed: int = 0,
        max_batch_size: int = 256,
        compile: bool = False,
    ) -> None:
        if not spec.is_torch:
            raise ConfigError("model", f"{spec.kind!r} is a cost model, not a torch model")
        if not 1 <= max_batch_size <= MAX_BATCH_SIZE:
            raise ConfigError(
                "max_batch_size", f"must be 1 to {MAX_BATCH_SIZE}, got {max_batch_size}"
            )
        self.spec = spec
        self.params = spec.validate()
        self.max_batch_size = max_batch_size
        self.device = resolve_device(device)
        loaded = _load(spec.kind, self.params, seed, self.device, max_batch_size)
        self.module = loaded.module
        try:
            self._batches = make_batches(loaded.input, self.device, seed, max_batch_size)
        except Exception as e:  # e.g. no memory for buffers of max_batch_size requests
            raise ConfigError(
                "max_batch_size",
                f"{loaded.label}: could not prepare inputs for batches of {max_batch_size} "
                f"({reason(e)})",
            ) from None
        self._parameters = sum(p.numel() for p in self.module.parameters())
        self._forward: Callable[..., torch.Tensor] = self.module
        if compile:
            # One compiled graph per input shape; on CUDA, "reduce-overhead" also replays each
            # as a CUDA graph. Shapes seen first in warm_up are compiled there, not in a timing.
            mode = "reduce-overhead" if self.device.type == "cuda" else "default"
            self._forward = torch.compile(self.module, mode=mode)
        self._cpu = self.device.type == "cpu"
        self.warm_up_failure: tuple[int, str] | None = None  # (batch size, why) if warm-up failed
        self._check_sample(loaded)

    def to_json(self) -> dict[str, Any]:
        """This model as JSON for reports: kind, parameters, device and weight count."""
        return {
            "kind": self.spec.kind,
            **self.params,
            "device": str(self.device),
            "device_name": describe_device(self.device),
            "parameters": self._parameters,
        }

    def run(self, first_id: int, sizes: np.ndarray) -> float:
        """Run one batch (requests ``first_id`` .. ``first_id + len(sizes) - 1``); its seconds.

        Errors of the forward pass (out of memory, …) propagate: the caller fails the batch.
        """
        start = time.perf_counter()
        args = self._batches.build(first_id, sizes)
        with torch.inference_mode():
            self._forward(*args)
        if not self._cpu:
            synchronize(self.device)
        return time.perf_counter() - start

    def outputs(self, first_id: int, sizes: np.ndarray) -> list[torch.Tensor]:
        """Each request's output from one batch (on the CPU, padding stripped)."""
        with torch.inference_mode():
            output = self._forward(*self._batches.build(first_id, sizes))
        # A copy: the batch buffers (and CUDA graphs' outputs) are reused by the next batch.
        return self._batches.split(output.to("cpu", copy=True), sizes)

    def single_output(self, request_id: int, size: int) -> torch.Tensor:
        """The output for this request served alone, the reference its batched output must match."""
        return self.outputs(request_id, np.array([size]))[0]

    def warm_up(
        self,
        max_batch_size: int,
        progress: Callable[[float], None] | None = None,
        size: float = 1.0,
        repeats: int = WARM_UP_REPEATS,
        sizes: Sequence[int] | None = None,
    ) -> None:
        """Run each batch size 1..max_batch_size ``repeats`` times (allocator, kernels, compile),
        or only ``sizes`` (a profile times a few sizes: warming every one up to 1,024 took a
        dashboard tune over a minute before its first trial).

        ``progress`` is told the fraction done (by work: a batch of n counts n) after each size.
        A size that fails (out of memory, say) ends the warm-up there, recorded in
        ``warm_up_failure``: serving goes on, and batches that large fail as they come.
        """
        if not 1 <= max_batch_size <= self.max_batch_size:
            raise ValueError(f"warm-up needs 1 <= max_batch_size <= {self.max_batch_size}")
        order = range(1, max_batch_size + 1) if sizes is None else sorted(set(sizes))
        if any(not 1 <= n <= max_batch_size for n in order):
            raise ValueError(f"warm-up sizes must lie in 1..{max_batch_size}")
        total = sum(order)
        done = 0
        for n in order:
            sizes = np.full(n, size)
            try:
                for _ in range(repeats):
                    self.run(0, sizes)
            except Exception as e:
                self.warm_up_failure = (n, reason(e))
                break
            done += n
            if progress is not None:
                progress(done / total)

    def _check_sample(self, loaded: LoadedModel) -> None:
        # Fail early, in words: a model that cannot serve a batch of one and of two requests
        # (one short, one as long as allowed) is reported now, not mid-run.
        for n in range(1, min(2, self.max_batch_size) + 1):
            sizes = np.array([1.0, 1e12][:n])
            what = f"{loaded.label}: failed on a sample batch {self._batches.summary(n)}"
            try:
                with torch.inference_mode():
                    output = self._forward(*self._batches.build(0, sizes))
                if not self._cpu:
                    synchronize(self.device)
            except Exception as e:
                raise ConfigError(loaded.where, f"{what} ({reason(e)})") from None
            if not isinstance(output, torch.Tensor):
                raise ConfigError(
                    loaded.where, f"{what}: it returned a {type(output).__name__}, not a tensor"
                )
            if output.dim() == 0 or output.shape[0] != n:
                raise ConfigError(
                    loaded.where,
                    f"{what}: its output {list(output.shape)} does not start with the batch ({n})",
                )


def _load(
    kind: str, params: dict[str, Any], seed: int, device: torch.device, max_batch_size: int
) -> LoadedModel:
    if kind in BUILTIN_KINDS:
        return build_builtin(kind, params, seed, device)
    return load_user_model(kind, params, device, max_batch_size)
