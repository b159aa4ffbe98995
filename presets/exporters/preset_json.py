"""The preset itself, as the canonical JSON document batchtui reads back."""

from __future__ import annotations

from batchtui.presets.exporters.base import Export
from batchtui.presets.schema import Preset
from batchtui.presets.storage import preset_text

FORMAT = "json"
SERVES = "any"


def export(preset: Preset) -> Export:
    """The canonical preset document: everything carries over, so there are no notes.

    Relative trace and model paths are made absolute, since the text may be saved anywhere.
    """
    return Export(FORMAT, preset_text(preset.relocated(None)), (), f"{preset.name}.json")
