"""A generative module on its device, fed synthetic tokens: how the live lanes run a step.

Both live lanes run their steps through this one object, so they feed and time the model the
same way. Prompts are seeded random token ids (timing depends on lengths, not on ids), laid
out once on the device; a recompute after preemption re-feeds the prompt and then stand-ins
for the tokens already generated (forced lengths: the ids do not matter, the count does).
A step ends with a device synchronize, so the clock read after it covers the step's work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from batchtui.engine.device import synchronize
from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.run import check_fits_context as check_fits_context  # torch-free
from batchtui.engine.gen.workload import GenRequests
from batchtui.engine.models.generative import check_generative
from batchtui.engine.models.reasons import reason


class LiveModel:
    """The module, its device and every request's token ids; steps run and synchronised."""

    def __init__(
        self, module: Any, device: torch.device, requests: GenRequests, seed: int = 0
    ) -> None:
        self.module = module
        self.device = device
        check_generative(module, type(module).__name__)
        self.max_context: int = module.max_context
        vocab: int = module.vocab
        lengths = requests.prompt + requests.output - 1  # the last token is never fed
        self._start = np.concatenate([[0], np.cumsum(lengths)]).tolist()
        rng = torch.Generator().manual_seed(seed)
        flat = torch.randint(0, vocab, (int(lengths.sum()),), generator=rng, dtype=torch.int64)
        self._tokens = flat.to(device)
        self._cpu = device.type == "cpu"

    def tokens(self, rid: int, start: int, n: int) -> torch.Tensor:
        """Tokens ``start .. start + n - 1`` of request ``rid``'s sequence (a device view)."""
        at = self._start[rid] + start
        return self._tokens[at : at + n]

    def prefill(self, chunks: Sequence[tuple[int, int, int]], states: list[Any]) -> list[Any]:
        """One batched prefill of (request, first token, count) chunks; the new states."""
        tokens = [self.tokens(rid, start, n) for rid, start, n in chunks]
        return self._call("prefill", tokens, states)

    def decode(self, states: list[Any]) -> list[Any]:
        """One batched decode step over ``states``; the new states."""
        return self._call("decode", states)

    def sync(self) -> None:
        """Wait for the device (a no-op on the CPU, where calls return when done)."""
        if not self._cpu:
            synchronize(self.device)

    def _call(self, name: str, *args: Any) -> list[Any]:
        count = len(args[-1])
        try:
            with torch.inference_mode():
                out = getattr(self.module, name)(*args)
        except Exception as e:
            raise ConfigError("model", f"{name} of {count} sequences failed: {reason(e)}") from None
        if not isinstance(out, list) or len(out) != count:
            got = f"{len(out)} states" if isinstance(out, list) else type(out).__name__
            raise ConfigError(
                "model", f"{name} of {count} sequences must return a list of {count}, got {got}"
            )
        return out
