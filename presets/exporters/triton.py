"""Triton Inference Server: the batching part of a model's ``config.pbtxt``."""

from __future__ import annotations

from batchtui.presets.exporters.approximation import server_settings
from batchtui.presets.exporters.base import Export, comment_header
from batchtui.presets.schema import Preset

FORMAT = "triton"
SERVES = "request"


def export(preset: Preset) -> Export:
    """``max_batch_size`` and ``dynamic_batching { preferred_batch_size, max_queue_delay }``."""
    s = server_settings(preset)
    delay_us = round(s.max_wait_ms * 1000)
    notes = [
        *s.notes,
        "Only the batching part of config.pbtxt: add the model's name, backend, inputs, "
        "outputs and instance_group (one instance matches batchtui's one batch at a time).",
    ]
    if delay_us != s.max_wait_ms * 1000:
        notes.append(f"max_queue_delay_microseconds is whole microseconds: {delay_us}.")
    sizes = ", ".join(str(n) for n in s.preferred_batch_sizes)
    body = (
        f"max_batch_size: {s.max_batch_size}\n"
        "dynamic_batching {\n"
        f"  preferred_batch_size: [ {sizes} ]\n"
        f"  max_queue_delay_microseconds: {delay_us}\n"
        "}\n"
    )
    header = comment_header("#", preset, "Triton Inference Server (config.pbtxt)", notes)
    return Export(FORMAT, header + body, tuple(notes), "config.pbtxt")
