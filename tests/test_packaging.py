"""What an install carries: the built-in presets as package data."""

import json

from batchtui.presets import PRESET_FORMAT, builtin_preset_files
from batchtui.presets.schema import GEN_PRESET_FORMAT


def test_builtin_presets_ship_as_package_data() -> None:
    presets = builtin_preset_files()
    assert "balanced.json" in [p.name for p in presets]
    for preset in presets:
        doc = json.loads(preset.read_text())
        assert doc["format"] in (PRESET_FORMAT, GEN_PRESET_FORMAT)
        assert doc["name"] == preset.name.removesuffix(".json")
        assert {"batcher", "load", "model"} <= doc.keys()


def test_every_source_package_is_listed_for_installation() -> None:
    # setuptools only installs the packages pyproject names; a new folder left out of the
    # list works in an editable checkout and breaks every real install.
    from pathlib import Path

    import tomllib

    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {
        "batchtui." + ".".join(init.parent.relative_to(root).parts)
        for top in config["package-dir"].values()
        for init in (root / top).rglob("__init__.py")
    }
    assert found == listed
