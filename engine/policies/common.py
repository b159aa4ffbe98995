"""Knobs several policies share, declared once so their names and limits agree everywhere."""

from __future__ import annotations

from batchtui.engine.params import Param, SliderRange

MAX_BATCH_SIZE = Param(
    "max_batch_size",
    int,
    32,
    1,
    65536,
    "largest batch sent to the device (Triton: max_batch_size)",
    label="max",
    slider=SliderRange(1, 65536, ladder="pow2", rank=1),
)
MAX_WAIT_MS = Param(
    "max_wait_ms",
    float,
    5.0,
    0.0,
    60_000.0,
    "longest a request waits in the queue for a batch to fill, from its arrival "
    "(Triton: max_queue_delay_microseconds)",
    unit="ms",
    label="wait",
    slider=SliderRange(0.01, 60_000.0, zero=True, rank=0),
)
TARGET_LATENCY_MS = Param(
    "target_latency_ms",
    float,
    20.0,
    0.001,
    600_000.0,
    "end-to-end latency the policy aims to stay under (queue wait + batch service)",
    unit="ms",
    label="target",
    slider=SliderRange(0.001, 600_000.0, rank=3),
)
MIN_BATCH_SIZE = Param(
    "min_batch_size",
    int,
    1,
    1,
    65536,
    "a smaller batch is held back while the oldest request's wait budget allows",
    label="min",
    slider=SliderRange(1, 65536, ladder="pow2", rank=2),
)
