"""Prometheus metrics: the names, labels and values a dashboard reads."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from batchtui.engine.batcher import Batcher, QueueFull
from tests.batcher.helpers import Device, send_at
from tests.batcher.virtual_time import run_virtual


def samples(text: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text.decode())
        for s in family.samples
    }


def test_metrics_count_every_outcome_and_histogram_the_batches() -> None:
    registry = CollectorRegistry()

    async def main() -> Batcher:
        batcher = Batcher(
            Device(10.0, 0.0), "static", name="mlp", max_batch_size=2, max_wait_ms=0, max_queue=2
        )
        batcher.export_metrics(registry)
        results = await send_at(batcher, [0.0, 0.001, 0.002, 0.003])
        assert isinstance(results[3], QueueFull)
        return batcher

    batcher = run_virtual(main)
    got = samples(batcher.metrics.text())
    mlp = (("batcher", "mlp"),)
    assert got[("batchtui_requests_total", (("batcher", "mlp"), ("outcome", "completed")))] == 3
    assert got[("batchtui_requests_total", (("batcher", "mlp"), ("outcome", "rejected")))] == 1
    assert got[("batchtui_requests_total", (("batcher", "mlp"), ("outcome", "failed")))] == 0
    assert got[("batchtui_batch_size_count", mlp)] == 2  # [0] at once, then [1, 2]
    assert got[("batchtui_batch_size_sum", mlp)] == 3
    assert got[("batchtui_batch_size_bucket", (("batcher", "mlp"), ("le", "1.0")))] == 1
    assert got[("batchtui_queue_wait_seconds_count", mlp)] == 3
    assert got[("batchtui_service_seconds_sum", mlp)] == pytest.approx(0.03)
    assert got[("batchtui_queue_depth", mlp)] == 0


def test_two_batchers_share_a_registry_under_their_own_names() -> None:
    registry = CollectorRegistry()
    a = Batcher(Device(), name="a")
    a.export_metrics(registry)
    b = Batcher(Device(), name="b")
    b.export_metrics(registry)
    text = b.metrics.text().decode()
    assert 'batcher="a"' in text and 'batcher="b"' in text
    with pytest.raises(ValueError, match="name="):
        Batcher(Device(), name="a").export_metrics(registry)


def test_the_default_metrics_go_to_prometheus_default_registry() -> None:
    from prometheus_client import REGISTRY

    batcher = Batcher(Device(), name="default-registry-test")
    assert batcher.metrics.registry is REGISTRY

    async def main() -> None:
        await batcher(1)

    asyncio.run(main())
    value = REGISTRY.get_sample_value(
        "batchtui_requests_total", {"batcher": "default-registry-test", "outcome": "completed"}
    )
    assert value == 1
