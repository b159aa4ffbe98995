"""A generative model of your own, served by batchtui: a small GRU language model.

It follows batchtui's generative contract (batchtui.engine.models.generative): ``prefill``
and ``decode`` run one batched forward over many sequences, and each sequence's state (here
the GRU's hidden vector instead of a KV cache) is opaque to batchtui. Try it from this folder:

    batchtui profile --model gen-factory --model-param target=gru_lm:make --json gru.json
    batchtui run --model gen-factory --model-param target=gru_lm:make --profile gru.json
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence


@dataclass(frozen=True)
class GruState:
    """One sequence: the GRU's hidden vector after its tokens so far, and the next token."""

    hidden: torch.Tensor  # [layers, width]
    next_token: torch.Tensor  # [1], int64
    length: int


class GruLM(nn.Module):
    """Embedding, GRU, and a linear head; greedy sampling."""

    def __init__(self, vocab: int = 1000, width: int = 128, layers: int = 2) -> None:
        super().__init__()
        self.vocab = vocab  # the contract: prompt token ids are drawn from [0, vocab)
        self.max_context = 1 << 20  # the contract: a GRU has no context limit of its own
        self.embed = nn.Embedding(vocab, width)
        self.gru = nn.GRU(width, width, layers, batch_first=True)
        self.head = nn.Linear(width, vocab)

    @torch.inference_mode()
    def prefill(self, tokens: list[torch.Tensor], states: list[GruState | None]) -> list[GruState]:
        """Each sequence's new tokens (unequal lengths) in one packed, batched GRU pass."""
        lengths = torch.tensor([len(t) for t in tokens])
        x = self.embed(pad_sequence(tokens, batch_first=True))
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        width = self.gru.hidden_size
        h0 = torch.stack(
            [
                s.hidden if s is not None else x.new_zeros(self.gru.num_layers, width)
                for s in states
            ],
            dim=1,
        )
        _, h = self.gru(packed, h0)  # h: [layers, batch, width], each at its last real token
        nexts = self.head(h[-1]).argmax(dim=-1)
        return [
            GruState(h[:, i], nexts[i : i + 1], (s.length if s else 0) + len(t))
            for i, (t, s) in enumerate(zip(tokens, states, strict=True))
        ]

    def decode(self, states: list[GruState]) -> list[GruState]:
        """One step for every sequence: its next token fed, the following one sampled."""
        return self.prefill([s.next_token for s in states], list(states))


def make() -> GruLM:
    """The factory batchtui calls: seeded, so every run gets the same weights."""
    with torch.random.fork_rng(devices=[]):  # leave the caller's random state alone
        torch.manual_seed(0)
        return GruLM()
