"""The figures a simulated lane and a service's batcher both report, under one set of names."""

from __future__ import annotations

from typing import Any


def counts_json(stats: Any) -> dict[str, int]:
    """Where every request of a ``LaneStats`` or ``BatcherStats`` went, as reports name it."""
    return {
        "arrived": stats.arrived,
        "completed": stats.completed,
        "failed": stats.failed,
        "rejected": stats.rejected,
    }


def served_json(stats: Any) -> dict[str, Any]:
    """Those figures of a ``LaneStats`` or ``BatcherStats`` (same field names), as the
    ``batchtui.run/1`` lane object names them, in its order."""
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
