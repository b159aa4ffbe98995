"""TensorFlow Serving: the ``--batching_parameters_file`` text protobuf."""

from __future__ import annotations

from batchtui.presets.exporters.approximation import server_settings
from batchtui.presets.exporters.base import Export, comment_header
from batchtui.presets.schema import Preset

FORMAT = "tfserving"
SERVES = "request"
MAX_ENQUEUED_BATCHES = 100
"""A generous queue bound: presets have no queue limit, and the notes say so."""


def export(preset: Preset) -> Export:
    """``max_batch_size``, ``batch_timeout_micros``, ``max_enqueued_batches``, threads."""
    s = server_settings(preset)
    timeout_us = round(s.max_wait_ms * 1000)
    notes = [
        *s.notes,
        "batchtui's preset sets no queue limit; TF Serving fails requests fast once "
        f"max_enqueued_batches ({MAX_ENQUEUED_BATCHES}) batches wait: size it to your memory "
        "and latency budget.",
        "num_batch_threads 1 runs one batch at a time, as batchtui simulated; start "
        "tensorflow_model_server with --enable_batching.",
    ]
    if timeout_us != s.max_wait_ms * 1000:
        notes.append(f"batch_timeout_micros is whole microseconds: {timeout_us}.")
    body = (
        f"max_batch_size {{ value: {s.batch_size} }}\n"
        f"batch_timeout_micros {{ value: {timeout_us} }}\n"
        f"max_enqueued_batches {{ value: {MAX_ENQUEUED_BATCHES} }}\n"
        "num_batch_threads { value: 1 }\n"
    )
    header = comment_header("#", preset, "TensorFlow Serving (batching_parameters.txt)", notes)
    return Export(FORMAT, header + body, tuple(notes), "batching_parameters.txt")
