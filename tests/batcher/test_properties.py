"""Invariants over random traffic, cancellations and failures, as for the simulator's lanes."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.engine.batcher import Batcher, QueueFull
from batchtui.engine.policies import Policy
from tests.batcher.helpers import Device
from tests.batcher.virtual_time import at, run_virtual
from tests.sim.test_properties import policies  # the lanes' strategy: the same policies

gaps = st.lists(
    st.one_of(st.just(0.0), st.floats(1e-6, 0.003), st.floats(0.003, 0.05)),
    min_size=1,
    max_size=120,
)


class Recorder(Device):
    """Logs each batch's finish too, and fails the batches whose first item is in ``bad``."""

    def __init__(self, bad: set[int]) -> None:
        super().__init__(base_ms=1.0, per_item_ms=0.2)
        self.bad = bad
        self.finished: list[float] = []

    def fail_when(self, items: list[Any]) -> None:
        self.finished.append(asyncio.get_running_loop().time())
        if items[0] in self.bad:
            raise RuntimeError("bad batch")


@settings(max_examples=120, deadline=None)
@given(
    gaps=gaps,
    policy=policies(),
    max_queue=st.one_of(st.none(), st.integers(1, 20)),
    inflight=st.integers(1, 3),
    cancel=st.lists(st.tuples(st.integers(0, 119), st.floats(1e-5, 0.01)), max_size=20),
    bad=st.sets(st.integers(0, 119), max_size=10),
)
def test_every_request_ends_exactly_once_in_order_within_its_bounds(
    gaps: list[float],
    policy: Policy,
    max_queue: int | None,
    inflight: int,
    cancel: list[tuple[int, float]],
    bad: set[int],
) -> None:
    times = np.cumsum(gaps).tolist()
    cancel_after = {i: d for i, d in cancel if i < len(times)}
    device = Recorder(bad)
    max_batch = policy.params["max_batch_size"]
    max_wait = policy.params["max_wait_ms"] / 1000.0

    order: list[int] = []  # the order requests reached the batcher (ties in time: any)

    async def main() -> tuple[list[Any], Batcher, int]:
        batcher = Batcher(device, policy, max_queue=max_queue, max_inflight=inflight)
        checks = 0

        def call(i: int) -> Any:
            order.append(i)
            return batcher(i)

        def check() -> None:
            nonlocal checks
            c = batcher.counts()
            parts = c.completed + c.failed + c.rejected + c.cancelled + c.queued + c.in_flight
            assert c.arrived == parts
            checks += 1

        async def one(i: int) -> Any:
            task = asyncio.ensure_future(at(times[i], lambda: call(i)))
            if i in cancel_after:
                await asyncio.sleep(times[i] + cancel_after[i] - asyncio.get_running_loop().time())
                task.cancel()
            try:
                return await task
            except asyncio.CancelledError:
                return "cancelled"
            except (QueueFull, RuntimeError) as e:
                return e
            finally:
                check()

        results = await asyncio.gather(*(one(i) for i in range(len(times))))
        await batcher.aclose()
        check()
        return results, batcher, checks

    results, batcher, checks = run_virtual(main)
    assert checks == len(times) + 1
    c = batcher.counts()
    assert (c.queued, c.in_flight) == (0, 0)

    sent = [i for _, items in device.batches for i in items]
    assert sent == [i for i in order if i in set(sent)]  # FIFO, each at most once
    assert all(1 <= len(items) <= max_batch for _, items in device.batches)
    failed = {i for _, items in device.batches if items[0] in bad for i in items}
    for i, r in enumerate(results):
        if i in failed:
            assert isinstance(r, RuntimeError) or r == "cancelled"
        elif i in sent:
            assert r in (("done", i), "cancelled")  # cancelled after dispatch: still served
        else:
            assert r == "cancelled" or isinstance(r, QueueFull)
    assert c.completed + c.failed == len(sent)
    assert c.failed == len(failed)
    assert c.rejected == sum(isinstance(r, QueueFull) for r in results)
    assert c.cancelled == sum(r == "cancelled" for i, r in enumerate(results) if i not in sent)

    # Bounded wait: a batch leaves by its oldest request's deadline, or as soon as a slot
    # frees up if that deadline had passed while every slot was busy.
    slots = [0.0] * inflight
    for (start, items), finish in zip(device.batches, device.finished, strict=True):
        slots.sort()
        oldest = times[items[0]]
        assert start <= max(oldest + max_wait, slots[0]) + 1e-9
        slots[0] = finish
