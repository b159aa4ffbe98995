"""What an install carries: the built-in presets as package data."""

import json

from batchtui.presets import PRESET_FORMAT, builtin_preset_files


def test_builtin_presets_ship_as_package_data() -> None:
    presets = builtin_preset_files()
    assert "balanced.json" in [p.name for p in presets]
    for preset in presets:
        doc = json.loads(preset.read_text())
        assert doc["format"] == PRESET_FORMAT
        assert doc["name"] == preset.name.removesuffix(".json")
        assert {"batcher", "load", "model"} <= doc.keys()
