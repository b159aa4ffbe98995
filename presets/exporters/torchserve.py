"""TorchServe: ``batchSize`` and ``maxBatchDelay`` in ``config.properties``."""

from __future__ import annotations

import json
import math

from batchtui.presets.exporters.approximation import server_settings
from batchtui.presets.exporters.base import Export, comment_header
from batchtui.presets.schema import Preset

FORMAT = "torchserve"
SERVES = "request"
MODEL_NAME = "model"
"""A placeholder for the model's name; the notes ask the user to rename it."""


def export(preset: Preset) -> Export:
    """A ``models=`` line for config.properties, and the same keys for a model-config.yaml."""
    s = server_settings(preset)
    delay_ms = math.floor(s.max_wait_ms + 0.5)  # whole milliseconds, halves rounded up
    notes = [
        *s.notes,
        "TorchServe starts maxBatchDelay when a worker starts collecting a batch, not when "
        "each request arrives: requests that queued while the worker was busy can wait longer "
        "than batchtui's bound, which counts from arrival.",
        f"Rename {MODEL_NAME!r} and {MODEL_NAME}.mar to your model's; one worker matches "
        "batchtui's one batch on the device at a time.",
    ]
    if delay_ms != s.max_wait_ms:
        notes.append(f"maxBatchDelay is whole milliseconds: {s.max_wait_ms:g} ms became {delay_ms}")
    version = {
        "defaultVersion": True,
        "marName": f"{MODEL_NAME}.mar",
        "minWorkers": 1,
        "maxWorkers": 1,
        "batchSize": s.batch_size,
        "maxBatchDelay": delay_ms,
    }
    models = json.dumps({MODEL_NAME: {"1.0": version}})
    yaml = (
        "# The same settings in a model-config.yaml (torch-model-archiver --config-file):\n"
        f"#   minWorkers: 1\n#   maxWorkers: 1\n#   batchSize: {s.batch_size}\n"
        f"#   maxBatchDelay: {delay_ms}\n"
    )
    header = comment_header("#", preset, "TorchServe (config.properties)", notes)
    text = header + yaml + f"load_models={MODEL_NAME}.mar\nmodels={models}\n"
    return Export(FORMAT, text, tuple(notes), "config.properties")
