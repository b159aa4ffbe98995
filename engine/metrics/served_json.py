"""The figures a simulated lane and a service's batcher both report, under one set of names."""

from __future__ import annotations

from typing import Any, Protocol

from batchtui.engine.metrics.summary import Summary


class Served(Protocol):
    """What ``LaneStats`` and ``BatcherStats`` both hold about the batches they served."""

    throughput_rps: float
    offered_rps: float
    device_busy: float
    latency: Summary
    queue_wait: Summary
    service: Summary
    batch_mean: float | None
    batch_histogram: dict[int, int]


def served_json(stats: Served) -> dict[str, Any]:
    """Those figures as the ``batchtui.run/1`` lane object names them, in its order."""
    return {
        "throughput_rps": stats.throughput_rps,
        "offered_rps": stats.offered_rps,
        "device_busy": stats.device_busy,
        "latency_ms": stats.latency.to_json(),
        "queue_wait_ms": stats.queue_wait.to_json(),
        "service_ms": stats.service.to_json(),
        "batch_size": {
            "mean": stats.batch_mean,
            "histogram": {str(k): v for k, v in stats.batch_histogram.items()},
        },
    }
