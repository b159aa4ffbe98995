"""tiny-gpt: a small decoder-only transformer with a KV cache, built from seeded random weights.

It follows the generative contract (engine/models/generative.py): a batched ``prefill`` of
unequal-length chunks and a batched ``decode`` of sequences with unequal contexts, greedy
sampling. Both are the same forward over the step's tokens packed in one row, as serving
engines' varlen attention runs them: new tokens attend to their sequence's cached keys and to
each other causally, and no padding is computed.
"""

from __future__ import annotations

import itertools
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
        # Packed: every sequence's new tokens in one row, [tokens, d_model], as varlen
        # attention serves them (vLLM, SGLang, TGI). No padding is computed, so a step costs
        # what its tokens cost, the analytic-llm's shape (padded, a 16-token later chunk
        # beside a 480-token prompt took 2x as long as the two alone: bench/gen_batch_work.py).
        flat = torch.cat([t.reshape(-1) for t in tokens]).to(device)
        new_t = torch.tensor(new, device=device)
        ends = torch.cumsum(new_t, 0)
        shift = torch.tensor(past, device=device) - (ends - new_t)  # position - packed index
        count = len(flat)  # given, so that CUDA need not wait to size the repeat
        positions = torch.arange(count, device=device)
        positions += shift.repeat_interleave(new_t, output_size=count)
        x = self.embed(flat) + self.position(positions)
        bounds = list(itertools.pairwise([0, *itertools.accumulate(new)]))
        masks = [_chunk_mask(n, p, device) for n, p in zip(new, past, strict=True)]
        keys: list[list[torch.Tensor]] = [[] for _ in tokens]
        values: list[list[torch.Tensor]] = [[] for _ in tokens]
        for layer, block in enumerate(self.blocks):
            x = x + self._attend(block, x, layer, states, bounds, masks, keys, values)
            x = x + block.mlp(block.norm2(x))
        sampled = self.head(self.norm(x[ends - 1])).argmax(dim=-1)
        return [
            TinyState(tuple(keys[i]), tuple(values[i]), sampled[i : i + 1])
            for i in range(len(tokens))
        ]

    def _attend(
        self,
        block: Block,
        x: torch.Tensor,
        layer: int,
        states: list[TinyState | None],
        bounds: list[tuple[int, int]],
        masks: list[tuple[torch.Tensor | None, bool]],
        keys: list[list[torch.Tensor]],
        values: list[list[torch.Tensor]],
    ) -> torch.Tensor:
        """Causal attention of each sequence's new tokens (``bounds`` in the packed ``x``,
        ``masks`` from _chunk_mask) over its cached keys and its own; fills each sequence's
        keys and values of ``layer`` (``keys``, ``values``) on the way."""
        count, d_model = x.shape
        head_dim = d_model // self.heads
        q, k, v = block.qkv(block.norm1(x)).split(d_model, dim=-1)
        q, k, v = (t.view(count, self.heads, head_dim).transpose(0, 1) for t in (q, k, v))
        out = []
        for i, ((start, end), state, (mask, causal)) in enumerate(
            zip(bounds, states, masks, strict=True)
        ):
            # Copies, not views: a view would keep the whole step's q, k and v alive.
            k_i, v_i = k[:, start:end], v[:, start:end]
            if state is None:
                k_i, v_i = k_i.clone(), v_i.clone()
            else:
                k_i = torch.cat((state.keys[layer], k_i), dim=1)
                v_i = torch.cat((state.values[layer], v_i), dim=1)
            keys[i].append(k_i)
            values[i].append(v_i)
            # Four dimensions (a batch of one): CPU builds' fused kernel needs them, and
            # without it a 1,024-token prompt's attention took 10x as long.
            y_i = F.scaled_dot_product_attention(
                q[None, :, start:end], k_i[None], v_i[None], attn_mask=mask, is_causal=causal
            )
            out.append(y_i[0])
        y = torch.cat(out, dim=1) if len(out) > 1 else out[0]
        return block.out(y.transpose(0, 1).reshape(count, d_model))


def _chunk_mask(new: int, past: int, device: torch.device) -> tuple[torch.Tensor | None, bool]:
    """How ``new`` tokens after ``past`` cached ones attend, as (attn_mask, is_causal): the
    same in every layer, so made once a step."""
    if new > 1 and past:  # a later chunk: row r sees the cache and its first r + 1
        mask = torch.ones(new, past + new, dtype=torch.bool, device=device)
        return mask.tril(past), False
    return None, new > 1  # a whole prompt is causal; a lone token sees all it has


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
