"""Finding presets: user folder first, then built-ins; paths as paths; clear errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from batchtui.engine.errors import ConfigError
from batchtui.presets import PresetError, builtin_dir, find, list_presets, resolve, user_dir


def test_the_user_folder_follows_xdg_config_home(user_folder: Path) -> None:
    assert user_dir() == user_folder  # the fixture set XDG_CONFIG_HOME


def test_without_xdg_config_home_the_user_folder_is_under_dot_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert user_dir() == tmp_path / ".config" / "batchtui" / "presets"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/path")  # ignored, as the spec says
    assert user_dir() == tmp_path / ".config" / "batchtui" / "presets"


def test_a_builtin_is_found_by_name() -> None:
    assert find("balanced") == (builtin_dir() / "balanced.json", "builtin")
    assert resolve("balanced").name == "balanced"


def test_a_user_preset_shadows_the_builtin_of_the_same_name(
    user_folder: Path, valid_doc: dict[str, Any], write_preset: Callable[..., Path]
) -> None:
    valid_doc["name"] = "balanced"
    valid_doc["batcher"]["max_batch_size"] = 3
    write_preset(valid_doc, "balanced.json", folder=user_folder)
    assert find("balanced") == (user_folder / "balanced.json", "user")
    assert resolve("balanced").batcher_params["max_batch_size"] == 3
    entries = {(e.name, e.origin): e for e in list_presets()}
    assert not entries[("balanced", "user")].shadowed
    assert entries[("balanced", "builtin")].shadowed


def test_an_argument_ending_in_json_or_naming_a_file_is_a_path(
    valid_doc: dict[str, Any], write_preset: Callable[..., Path], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    path = write_preset(valid_doc, "mine")  # no .json: found because the file exists
    monkeypatch.chdir(tmp_path)
    assert find("mine") == (Path("mine"), "path")
    assert resolve(str(path)).name == "mine"
    with pytest.raises(ConfigError, match=r"balanced\.json: no such preset file"):
        find("balanced.json")  # a path, not the built-in's name


def test_an_unknown_name_lists_the_available_ones(
    user_folder: Path, valid_doc: dict[str, Any], write_preset: Callable[..., Path]
) -> None:
    write_preset(valid_doc, "mine.json", folder=user_folder)
    with pytest.raises(ConfigError) as err:
        resolve("fastest")
    message = str(err.value)
    assert message.startswith("fastest: no preset of that name")
    assert str(user_folder) in message
    available = "azure-conv-trace, balanced, bursty, chat-continuous, low-latency, max-throughput"
    assert f"available: {available}, mine" in message


def test_listing_shows_user_presets_builtins_and_extra_paths_in_that_order(
    user_folder: Path, valid_doc: dict[str, Any], write_preset: Callable[..., Path], tmp_path: Path
) -> None:
    write_preset(valid_doc, "mine.json", folder=user_folder)
    extra = write_preset(valid_doc, "extra.json")
    entries = list_presets((extra,))
    origins = [(e.name, e.origin) for e in entries]
    assert origins[0] == ("mine", "user")
    assert origins[-1] == ("extra", "path")
    builtin = [e.name for e in entries if e.origin == "builtin"]
    assert builtin == sorted(p.stem for p in builtin_dir().glob("*.json"))


def test_a_broken_user_preset_is_listed_with_its_problems_not_hidden(
    user_folder: Path, valid_doc: dict[str, Any], write_preset: Callable[..., Path]
) -> None:
    valid_doc["batcher"]["max_wait_ms"] = -1
    write_preset(valid_doc, "broken.json", folder=user_folder)
    write_preset("{", "worse.json", folder=user_folder)
    write_preset(valid_doc, ".mine.json.x1y2.tmp", folder=user_folder)  # a temporary: skipped
    write_preset(valid_doc, ".hidden.json", folder=user_folder)  # hidden: skipped
    entries = {e.name: e for e in list_presets() if e.origin == "user"}
    assert sorted(entries) == ["broken", "worse"]
    assert entries["broken"].preset is None
    assert isinstance(entries["broken"].error, PresetError)
    assert "batcher.max_wait_ms: must be >= 0, got -1" in str(entries["broken"].error)
    assert "not valid JSON" in str(entries["worse"].error)


def test_resolving_a_broken_preset_raises_every_problem(
    user_folder: Path, write_preset: Callable[..., Path]
) -> None:
    write_preset(json.dumps({"format": "batchtui.preset/1", "name": "x"}), "x.json", user_folder)
    with pytest.raises(PresetError) as err:
        resolve("x")
    assert [str(p) for p in err.value.problems] == [
        "batcher: is required",
        "load: is required",
        "model: is required",
    ]
