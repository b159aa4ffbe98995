"""tiny-gpt: a small decoder-only transformer with a KV cache, built from seeded random weights.

It follows the generative contract (engine/models/generative.py): a batched ``prefill`` of
unequal-length chunks (padded, masked) and a batched ``decode`` of sequences with unequal
contexts, greedy sampling. Both are the same forward: new tokens attend to their sequence's
cached keys and to each other causally. The padding is computed, so its cost shows in timings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from batchtui.engine.errors import ConfigError
from batchtui.engine.models.reasons import reason


@dataclass(frozen=True)
class TinyState:
    """One sequence: its per-layer keys and values ``[heads, length, head_dim]`` and the greedy
    next token (a 1-element tensor on the device, so sampling never waits for the device)."""

    keys: tuple[torch.Tensor, ...]
    values: tuple[torch.Tensor, ...]
    next_token: torch.Tensor

    @property
    def length(self) -> int:
        """Tokens in the KV cache (prompt so far plus generated tokens fed back)."""
        return int(self.keys[0].shape[1])

    @property
    def token(self) -> int:
        """The sampled next token as an int (synchronises with the device)."""
        return int(self.next_token.item())


class Block(nn.Module):
    """Pre-norm attention and MLP, as in GPT-2."""

    def __init__(self, d_model: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model)
        )


class TinyGPT(nn.Module):
    """A decoder-only transformer that serves token by token (the generative contract)."""

    def __init__(self, layers: int, d_model: int, heads: int, max_context: int, vocab: int) -> None:
        super().__init__()
        self.max_context = max_context
        self.vocab = vocab
        self.heads = heads
        self.embed = nn.Embedding(vocab, d_model)
        self.position = nn.Embedding(max_context, d_model)
        self.blocks = nn.ModuleList(Block(d_model, heads) for _ in range(layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab, bias=False)

    @torch.inference_mode()
    def prefill(
        self, tokens: Sequence[torch.Tensor], states: Sequence[TinyState | None]
    ) -> list[TinyState]:
        """Each sequence's new prompt tokens (or next chunk) in one batched forward."""
        if len(tokens) != len(states):
            raise ValueError(f"{len(tokens)} token chunks for {len(states)} states")
        return self._step(list(tokens), list(states))

    @torch.inference_mode()
    def decode(self, states: Sequence[TinyState]) -> list[TinyState]:
        """One batched step: every state's next token fed, the following one sampled."""
        return self._step([s.next_token for s in states], list(states))

    def _step(self, tokens: list[torch.Tensor], states: list[TinyState | None]) -> list[TinyState]:
        if not tokens:
            return []
        device = self.embed.weight.device
        new = [int(t.numel()) for t in tokens]
        past = [0 if s is None else s.length for s in states]
        for n, p in zip(new, past, strict=True):
            if n < 1:
                raise ValueError("every sequence needs at least one new token")
            if p + n > self.max_context:
                raise ValueError(
                    f"a sequence would reach {p + n} tokens; this model's max_context is "
                    f"{self.max_context}"
                )
        batch, width = len(tokens), max(new)
        padded = torch.zeros(batch, width, dtype=torch.int64, device=device)
        for i, t in enumerate(tokens):
            padded[i, : new[i]] = t.reshape(-1)
        past_t = torch.tensor(past, device=device)
        new_t = torch.tensor(new, device=device)
        # Padded query rows repeat their sequence's last real position: they see only real
        # keys (no all-masked row, so no NaN), and their outputs are never read.
        offsets = torch.arange(width, device=device)
        query_pos = past_t[:, None] + torch.minimum(offsets[None, :], new_t[:, None] - 1)
        total = [p + n for p, n in zip(past, new, strict=True)]
        key_pos = torch.arange(max(total), device=device)
        mask = (key_pos[None, None, :] <= query_pos[:, :, None])[:, None]  # [b, 1, q, k]
        x = self.embed(padded) + self.position(query_pos)
        keys: list[list[torch.Tensor]] = [[] for _ in range(batch)]
        values: list[list[torch.Tensor]] = [[] for _ in range(batch)]
        for layer, block in enumerate(self.blocks):
            x = x + self._attend(block, x, layer, states, new, total, mask, keys, values)
            x = x + block.mlp(block.norm2(x))
        last = self.norm(x[torch.arange(batch, device=device), new_t - 1])
        sampled = self.head(last).argmax(dim=-1)
        return [
            TinyState(tuple(keys[i]), tuple(values[i]), sampled[i : i + 1]) for i in range(batch)
        ]

    def _attend(
        self,
        block: Block,
        x: torch.Tensor,
        layer: int,
        states: list[TinyState | None],
        new: list[int],
        total: list[int],
        mask: torch.Tensor,
        keys: list[list[torch.Tensor]],
        values: list[list[torch.Tensor]],
    ) -> torch.Tensor:
        """Causal attention of the new tokens over cached plus new keys; fills each
        sequence's keys and values of ``layer`` (``keys``, ``values``) on the way."""
        batch, width, d_model = x.shape
        head_dim = d_model // self.heads
        q, k, v = block.qkv(block.norm1(x)).split(d_model, dim=-1)
        q, k, v = (t.view(batch, width, self.heads, head_dim).transpose(1, 2) for t in (q, k, v))
        all_k = x.new_zeros(batch, self.heads, max(total), head_dim)
        all_v = torch.zeros_like(all_k)
        for i, state in enumerate(states):
            # Copies, not views: a view would keep the whole batch's q, k and v alive.
            k_i, v_i = k[i, :, : new[i]].clone(), v[i, :, : new[i]].clone()
            if state is not None:
                k_i = torch.cat((state.keys[layer], k_i), dim=1)
                v_i = torch.cat((state.values[layer], v_i), dim=1)
            all_k[i, :, : total[i]] = k_i
            all_v[i, :, : total[i]] = v_i
            keys[i].append(k_i)
            values[i].append(v_i)
        y = F.scaled_dot_product_attention(q, all_k, all_v, attn_mask=mask)
        return block.out(y.transpose(1, 2).reshape(batch, width, d_model))


def build_tiny_gpt(params: Mapping[str, Any], seed: int, device: torch.device) -> TinyGPT:
    """tiny-gpt with validated ``params``, its weights drawn from ``seed``, on ``device``."""
    if params["d_model"] % params["heads"]:
        raise ConfigError(
            "heads", f"must divide d_model ({params['d_model']}); got {params['heads']}"
        )
    try:
        # fork_rng keeps the caller's global random state untouched by our seeded initialisation.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            module = TinyGPT(**params)
            for name, p in module.named_parameters():
                if name.endswith("weight") and p.dim() == 2 and "embed" not in name:
                    nn.init.normal_(p, std=1.0 / math.sqrt(p.shape[1]))
        return module.to(device).eval()
    except Exception as e:  # e.g. out of memory for a very wide model
        raise ConfigError(
            "model", f"tiny-gpt: could not build it on {device} ({reason(e)})"
        ) from None
