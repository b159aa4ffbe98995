"""A failing or misbehaving handler fails its own batch, in every caller, and nothing else."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from batchtui.engine.batcher import Batcher, BatchResultError
from tests.batcher.helpers import Device, send_at
from tests.batcher.virtual_time import run_virtual


class FailsSecondBatch(Device):
    def fail_when(self, items: list[Any]) -> None:
        if len(self.batches) == 2:
            raise ValueError("CUDA out of memory\n(more detail)")


def test_a_handler_error_reaches_every_caller_of_that_batch_and_serving_goes_on() -> None:
    device = FailsSecondBatch()

    async def main() -> tuple[list[Any], Batcher]:
        batcher = Batcher(device, "static", max_batch_size=2, max_wait_ms=1)
        return await send_at(batcher, [0.0, 0.0, 0.01, 0.01, 0.02, 0.02]), batcher

    results, batcher = run_virtual(main)
    assert results[:2] == [("done", 0), ("done", 1)]
    assert all(isinstance(r, ValueError) for r in results[2:4])
    assert results[4:] == [("done", 4), ("done", 5)]
    stats = batcher.stats()
    assert (stats.completed, stats.failed) == (4, 2)
    assert stats.failure_reasons == {"ValueError: (more detail)": 1}


class WrongLength(Device):
    def __init__(self, answer: Any) -> None:
        super().__init__()
        self.answer = answer

    async def __call__(self, items: list[Any]) -> Any:
        await super().__call__(items)
        return self.answer(items)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda items: items[:-1], "handler returned 2 results for a batch of 3"),
        (lambda items: [*items, 0], "handler returned 4 results for a batch of 3"),
        (lambda items: None, "handler returned NoneType, not a list of results"),
    ],
)
def test_a_wrong_number_of_results_fails_the_batch_with_a_clear_error(
    answer: Any, message: str
) -> None:
    async def main() -> list[Any]:
        batcher = Batcher(WrongLength(answer), "static", max_batch_size=3, max_wait_ms=1)
        return await send_at(batcher, [0.0, 0.0, 0.0])

    results = run_virtual(main)
    assert all(isinstance(r, BatchResultError) for r in results)
    assert message in str(results[0])


def test_a_sync_handler_runs_in_a_worker_thread_off_the_event_loop() -> None:
    threads: list[int] = []

    def handler(items: list[int]) -> list[int]:
        threads.append(threading.get_ident())
        return [x + 1 for x in items]

    async def main() -> list[int]:
        batcher = Batcher(handler, "static", max_batch_size=4, max_wait_ms=1)
        out = await asyncio.gather(*(batcher(i) for i in range(10)))
        await batcher.aclose()
        return out

    assert asyncio.run(main()) == list(range(1, 11))
    assert threads and threading.get_ident() not in threads


def test_a_sync_handler_error_is_raised_in_its_callers() -> None:
    def handler(items: list[int]) -> list[int]:
        raise RuntimeError("model exploded")

    async def main() -> list[Any]:
        batcher = Batcher(handler, "static", max_batch_size=2, max_wait_ms=1)
        return await asyncio.gather(batcher(1), batcher(2), return_exceptions=True)

    results = asyncio.run(main())
    assert [str(r) for r in results] == ["model exploded"] * 2
