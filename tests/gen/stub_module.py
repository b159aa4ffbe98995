"""A small real torch module keeping the generative contract (engine/models/generative.py),
standing in for tiny-gpt in the live-runtime tests: a one-layer causal attention decoder
with a KV cache, greedy sampling, and a record of every call it served."""

from __future__ import annotations

from typing import Any, NamedTuple

import torch
from torch import nn


class State(NamedTuple):
    """One sequence: its cached keys and values (length x width) and its next token."""

    keys: torch.Tensor
    values: torch.Tensor
    next_token: torch.Tensor


class StubDecoder(nn.Module):
    """Embedding, one attention head over the cache, output projection; seeded weights."""

    def __init__(self, width: int = 16, vocab: int = 32, max_context: int = 256) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.vocab = vocab
        self.max_context = max_context
        self.embed = nn.Embedding(vocab, width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, vocab)
        self.calls: list[tuple[str, list[int]]] = []  # (prefill|decode, tokens per sequence)

    def _extend(self, tokens: torch.Tensor, state: State | None) -> State:
        q, k, v = self.qkv(self.embed(tokens)).chunk(3, dim=-1)
        if state is not None:
            k, v = torch.cat([state.keys, k]), torch.cat([state.values, v])
        if len(k) > self.max_context:
            raise ValueError(f"context of {len(k)} tokens exceeds {self.max_context}")
        attn = torch.softmax(q[-1:] @ k.T / k.shape[-1] ** 0.5, dim=-1) @ v
        return State(k, v, self.out(attn)[0].argmax())

    def prefill(self, tokens: list[torch.Tensor], states: list[Any | None]) -> list[Any]:
        self.calls.append(("prefill", [len(t) for t in tokens]))
        return [self._extend(t, s) for t, s in zip(tokens, states, strict=True)]

    def decode(self, states: list[Any]) -> list[Any]:
        self.calls.append(("decode", [1] * len(states)))
        return [self._extend(s.next_token.reshape(1), s) for s in states]


def make(max_context: int = 256) -> StubDecoder:
    """A factory, as a user's ``gen-factory`` target would be."""
    return StubDecoder(max_context=max_context)
