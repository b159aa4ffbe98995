"""The literal timelines of tests/gen/test_continuous.py, rerun on the compiled kernel.

``KernelContinuous`` offers Continuous's step interface over the kernel's memory: ``add``
and ``fits`` are the kernel's own, and each ``schedule`` runs exactly one step of the
kernel's whole-run loop (``advance`` with room for one step), whose plan and result it
reads back. The literal tests run unchanged with it in place of Continuous.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import pytest

from batchtui.engine.gen import Continuous, StepCost, StepPlan, StepResult
from batchtui.engine.gen import continuous_kernel as ck
from tests.gen import test_continuous as literal

CAPACITY = 64  # request ids the literal tests use are far below this


class KernelContinuous:
    """Continuous's interface, one kernel step per ``schedule`` (``complete`` reads its
    result back: the kernel completes the step in the same call)."""

    made: ClassVar[int] = 0

    def __init__(self, **params: Any) -> None:
        KernelContinuous.made += 1
        reference = Continuous(**params)  # the same validation and knobs
        self.total_blocks = reference.total_blocks
        self.mem = ck.new_memory(reference, CAPACITY)
        self._clock = np.array([0.0, 0.0, -np.inf])  # now, busy, the last step's end
        # Only the plan matters here: a fixed step cost.
        self._cost = ck.coefficients_of(StepCost(StepCost().step_ms, 0.0, 0.0, 0.0))
        self._per_request = [
            np.full(CAPACITY, np.nan), np.full(CAPACITY, np.nan),
            np.zeros(CAPACITY, dtype=np.int64), np.zeros(CAPACITY, dtype=bool),
            np.empty(CAPACITY),
        ]  # fmt: skip
        self._last: StepPlan | None = None

    @property
    def _header(self) -> np.ndarray:
        return self.mem[ck.R_HEADER]

    def fits(self, prompt: int, output: int) -> bool:
        return bool(ck.fits(self.mem, prompt, output))

    def add(self, rid: int, prompt: int, output: int) -> None:
        ck.add(self.mem, rid, prompt, output)

    @property
    def idle(self) -> bool:
        return self._header[ck.H_WAITING] == 0 and self._header[ck.H_RUNNING] == 0

    @property
    def used_blocks(self) -> int:
        return int(self.total_blocks - self._header[ck.H_FREE])

    @property
    def preemptions(self) -> int:
        return int(self._header[ck.H_PREEMPTIONS])

    @property
    def waiting(self) -> list[int]:
        h, cap = self._header, self.mem.shape[1]
        return [
            int(self.mem[ck.R_WAITING, (h[ck.H_HEAD] + k) % cap]) for k in range(h[ck.H_WAITING])
        ]

    def schedule(self) -> StepPlan:
        h = self._header
        h[ck.H_NEXT] = h[ck.H_ITL] = h[ck.H_STEPS] = 0  # no arrivals; one step of room
        empty = np.empty(0, dtype=np.int64)
        status = ck.advance(
            self.mem, self._clock, np.empty(0), empty, empty, self._cost, *self._per_request,
            np.empty(1), np.empty(1, np.int64), np.empty(1, np.int64),
        )  # fmt: skip
        assert status in (ck.OK, ck.FULL) and h[ck.H_STEPS] == 1
        row, n = self.mem, h[ck.H_ITEMS]
        items = [
            (int(rid), int(k))
            for rid, k in zip(row[ck.R_ITEM_ID, :n], row[ck.R_ITEM_TOKENS, :n], strict=True)
        ]
        self._last = StepPlan(
            items, int(h[ck.H_PREFILL]), int(h[ck.H_DECODES]), int(h[ck.H_CONTEXT]),
            [int(rid) for rid in row[ck.R_PREEMPTED, : h[ck.H_PREEMPTED]]], int(h[ck.H_SQUARE]),
        )  # fmt: skip
        return self._last

    def complete(self, plan: StepPlan) -> StepResult:
        assert plan is self._last, "complete the plan the last schedule returned"
        h = self._header
        return StepResult(
            [int(rid) for rid in self.mem[ck.R_SAMPLED, : h[ck.H_SAMPLED]]],
            [int(rid) for rid in self.mem[ck.R_FINISHED, : h[ck.H_FINISHED]]],
        )


LITERAL: list[Callable[[], None]] = [
    fn for name, fn in inspect.getmembers(literal, inspect.isfunction) if name.startswith("test_")
]


def test_every_literal_timeline_is_collected() -> None:
    assert len(LITERAL) >= 8


@pytest.mark.parametrize("case", LITERAL, ids=lambda fn: fn.__name__)
def test_the_literal_timeline_holds_on_the_kernel(
    case: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(literal, "Continuous", KernelContinuous)
    made = KernelContinuous.made
    case()
    assert KernelContinuous.made > made  # the case really ran on the kernel
