"""``@batch``: callers pass one item, the function sees lists; methods get one batcher each."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from batchtui.engine.batcher import batch
from batchtui.engine.errors import ConfigError


def test_a_decorated_function_is_called_with_one_item_and_batched() -> None:
    seen: list[list[int]] = []

    @batch("dynamic", max_batch_size=8, target_latency_ms=20)
    async def double(items: list[int]) -> list[int]:
        seen.append(items)
        return [2 * x for x in items]

    async def main() -> list[int]:
        return await asyncio.gather(*(double(i) for i in range(20)))

    assert asyncio.run(main()) == [2 * i for i in range(20)]
    assert max(len(b) for b in seen) <= 8 and len(seen) < 20
    assert double.batcher.name.endswith("double") and double.__name__ == "double"
    assert double.batcher.stats().completed == 20


def test_bare_batch_is_static_and_works_with_sync_functions() -> None:
    @batch
    def square(items: list[int]) -> list[int]:
        return [x * x for x in items]

    async def main() -> list[int]:
        return await asyncio.gather(*(square(i) for i in range(5)))

    assert asyncio.run(main()) == [0, 1, 4, 9, 16]
    assert square.batcher.policy.kind == "static"


def test_each_instance_of_a_class_gets_its_own_batcher() -> None:
    class Model:
        def __init__(self, offset: int) -> None:
            self.offset = offset

        @batch("static", max_batch_size=4, max_wait_ms=1)
        async def predict(self, items: list[int]) -> list[int]:
            return [x + self.offset for x in items]

    a, b = Model(100), Model(200)

    async def main() -> tuple[list[int], list[int]]:
        return (
            await asyncio.gather(*(a.predict(i) for i in range(3))),
            await asyncio.gather(*(b.predict(i) for i in range(3))),
        )

    assert asyncio.run(main()) == ([100, 101, 102], [200, 201, 202])
    assert a.predict.batcher is not b.predict.batcher
    assert a.predict.batcher is a.predict.batcher


def test_methods_of_unhashable_instances_are_batched_too() -> None:
    @dataclasses.dataclass  # eq=True: instances are unhashable
    class Model:
        scale: int

        @batch("static", max_batch_size=4, max_wait_ms=1)
        async def predict(self, items: list[int]) -> list[int]:
            return [x * self.scale for x in items]

    model = Model(3)

    async def main() -> list[int]:
        return await asyncio.gather(*(model.predict(i) for i in range(3)))

    assert asyncio.run(main()) == [0, 3, 6]
    assert model.predict.batcher is model.predict.batcher


def test_bad_settings_fail_where_the_decorator_is_written() -> None:
    with pytest.raises(ConfigError, match="max_batch_size"):

        @batch("static", max_batch_size=0)
        async def f(items: list[int]) -> list[int]:
            return items
