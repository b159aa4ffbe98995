"""The order a generative profile times its steps in: each after one-sequence decodes."""

from __future__ import annotations

import time
from typing import Any

import pytest
import torch

from batchtui.engine.models import gen_profiler
from batchtui.engine.models.gen_profiler import GenMeasurement, measure_steps

CPU = torch.device("cpu")


class Recorder:
    """A generative module (the contract, no torch work) that notes each call and its
    sequences, and refuses a context past its limit."""

    max_context = 30
    vocab = 2

    def __init__(self) -> None:
        self.events: list[str] = []

    def prefill(self, tokens: list[torch.Tensor], states: list[Any]) -> list[int]:
        self.events.append(f"prefill:{len(tokens)}x{len(tokens[0])}")
        assert all(len(t) <= self.max_context for t in tokens)
        return [len(t) for t in tokens]

    def decode(self, states: list[int]) -> list[int]:
        self.events.append(f"decode:{len(states)}")
        assert all(s + 1 <= self.max_context for s in states), states
        return [s + 1 for s in states]


def timed_steps(module: Recorder, m: GenMeasurement, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = time.perf_counter
    monkeypatch.setattr(
        gen_profiler.time, "perf_counter", lambda: (module.events.append("clock"), clock())[1]
    )
    measure_steps(module, CPU, m)  # type: ignore[arg-type]


def starts(events: list[str]) -> list[int]:
    """Where each timing starts (the clock is read twice a step: start, end)."""
    return [i for i, e in enumerate(events) if e == "clock"][::2]


def test_each_timed_step_follows_three_untimed_one_sequence_decodes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Timed right after a 256-token prefill, a lone decode read 13-17% slower than live,
    # where a decode follows decodes; after the larger shapes and one decode, still 12%
    # slower; after three, as live (bench/gen_step_order.py).
    module = Recorder()
    m = GenMeasurement(repeats=3, max_tokens=16, max_seqs=4)
    assert m.lead_decodes == 3
    timed_steps(module, m, monkeypatch)
    events = module.events
    shapes = 5  # prefill 16 x1 and 4 x4, decode 1 and 4, mixed 16 + 4
    assert len(starts(events)) == (m.repeats + 1) * shapes
    for i in starts(events):
        # Three decodes before it, or fewer since the leading sequence was prefilled again.
        lead = events[i - 3 : i]
        assert lead == ["decode:1"] * 3 or ("prefill:1x15" in lead and lead[-1] == "decode:1")
    # The leading sequence (15 tokens: half the limit) reaches the 30-token limit after 14
    # decodes and is prefilled again, untimed: 60 decodes need five prefills.
    assert events.count("prefill:1x15") == 5


def test_one_lead_decode_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    module = Recorder()
    m = GenMeasurement(repeats=3, max_tokens=16, max_seqs=4, lead_decodes=1)
    timed_steps(module, m, monkeypatch)
    events = module.events
    assert all(events[i - 1] == "decode:1" and events[i - 2] != "decode:1" for i in starts(events))
    assert events.count("prefill:1x15") == 2  # 20 decodes: two prefills


def test_the_old_order_times_each_step_right_after_the_previous_shape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = Recorder()
    m = GenMeasurement(repeats=3, max_tokens=16, max_seqs=4, after_decode=False)
    timed_steps(module, m, monkeypatch)
    events = module.events
    assert all(events[i - 1] == "clock" for i in starts(events)[1:])
