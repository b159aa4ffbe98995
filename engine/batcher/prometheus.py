"""Prometheus metrics for batchers (the optional ``prometheus`` extra: prometheus_client).

One collector per registry reads every batcher exported to it at scrape time, so the
request path never touches prometheus_client; series are labelled ``batcher=<name>``.
Names follow Prometheus conventions; README maps them to Triton's and Ray Serve's.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from batchtui.engine.batcher.batcher import Batcher

try:
    import prometheus_client
    from prometheus_client.core import (
        CounterMetricFamily,
        GaugeMetricFamily,
        HistogramMetricFamily,
    )
    from prometheus_client.utils import floatToGoString
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "batcher.metrics needs prometheus_client: pip install 'batchtui[prometheus]'"
    ) from e

OUTCOMES = ("completed", "failed", "rejected", "cancelled")
"""The ``outcome`` label of ``batchtui_requests_total``: how each finished request ended."""

_collectors: weakref.WeakKeyDictionary[Any, _Collector] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


class BatcherMetrics:
    """A batcher's series in ``registry`` (default: prometheus_client's global one).

    ``text()`` is the exposition a ``/metrics`` endpoint returns, with ``content_type``.
    """

    content_type = prometheus_client.CONTENT_TYPE_LATEST

    def __init__(self, batcher: Batcher, registry: Any = None) -> None:
        self.registry = prometheus_client.REGISTRY if registry is None else registry
        with _lock:
            collector = _collectors.get(self.registry)
            if collector is None:
                collector = _collectors[self.registry] = _Collector()
                self.registry.register(collector)
            collector.add(batcher)

    def text(self) -> bytes:
        """Every metric of the registry in Prometheus' text format."""
        return prometheus_client.generate_latest(self.registry)


class _Collector:
    """Yields the batchtui metric families for the batchers exported to one registry."""

    def __init__(self) -> None:
        self._batchers: weakref.WeakValueDictionary[str, Batcher] = weakref.WeakValueDictionary()

    def add(self, batcher: Batcher) -> None:
        other = self._batchers.get(batcher.name)
        if other is not None and other is not batcher:
            raise ValueError(
                f"another batcher named {batcher.name!r} already exports to this registry; "
                "give each batcher its own name="
            )
        self._batchers[batcher.name] = batcher

    def describe(self) -> list[Any]:
        return []  # families are named at collect time; nothing to reserve up front

    def collect(self) -> Iterator[Any]:
        requests = CounterMetricFamily(
            "batchtui_requests", "Requests by how they ended.", labels=["batcher", "outcome"]
        )
        depth = GaugeMetricFamily(
            "batchtui_queue_depth", "Requests waiting for a batch now.", labels=["batcher"]
        )
        histograms = {
            "batch_sizes": HistogramMetricFamily(
                "batchtui_batch_size", "Requests per batch sent.", labels=["batcher"]
            ),
            "queue_waits": HistogramMetricFamily(
                "batchtui_queue_wait_seconds",
                "Time each completed request waited in the queue, from arrival to dispatch.",
                labels=["batcher"],
            ),
            "service_times": HistogramMetricFamily(
                "batchtui_service_seconds",
                "Time each completed request's batch took in the handler.",
                labels=["batcher"],
            ),
        }
        for name in sorted(self._batchers.keys()):
            batcher = self._batchers.get(name)
            if batcher is None:
                continue
            counts, buckets = _read(batcher)
            for outcome in OUTCOMES:
                requests.add_metric([name, outcome], getattr(counts, outcome))
            depth.add_metric([name], counts.queued)
            for attr, family in histograms.items():
                cumulative, total = buckets[attr]
                le = [(floatToGoString(bound), count) for bound, count in cumulative]
                family.add_metric([name], le, total)
        yield requests
        yield from histograms.values()
        yield depth


def _read(batcher: Batcher) -> tuple[Any, dict[str, tuple[list[tuple[float, int]], float]]]:
    """One consistent reading of a batcher (under its lock)."""
    with batcher.lock:
        batcher._record_finished()
        buckets = {
            attr: (getattr(batcher, attr).cumulative(), getattr(batcher, attr).sum)
            for attr in ("batch_sizes", "queue_waits", "service_times")
        }
        return batcher._counts(), buckets
