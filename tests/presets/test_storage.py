"""Preset files: every built-in round-trips exactly; saving is atomic and never clobbers."""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from batchtui.engine.errors import ConfigError
from batchtui.presets import (
    PresetError,
    builtin_dir,
    builtin_preset_files,
    load_preset,
    preset_from_dict,
    preset_text,
    save_preset,
    storage,
)
from batchtui.presets.storage import write_text_atomically

BUILTINS = sorted(p.name for p in builtin_preset_files())


def test_the_builtins_include_the_advertised_presets() -> None:
    names = {name.removesuffix(".json") for name in BUILTINS}
    assert {"balanced", "low-latency", "max-throughput", "bursty", "azure-conv-trace"} <= names


@pytest.fixture(scope="module")
def builtin_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built-in folder (with its trace), to save beside the originals."""
    folder = tmp_path_factory.mktemp("builtin")
    shutil.copytree(builtin_dir(), folder, dirs_exist_ok=True)
    return folder


@pytest.mark.parametrize("name", BUILTINS)
def test_saving_a_builtin_reproduces_its_file_byte_for_byte(name: str, builtin_copy: Path) -> None:
    original = builtin_copy / name
    preset = load_preset(original)
    saved = save_preset(preset, builtin_copy / f"copy-of-{name}")
    assert saved.read_bytes() == original.read_bytes()
    assert load_preset(saved) == preset


@pytest.mark.parametrize("name", BUILTINS)
def test_a_builtin_saved_elsewhere_still_finds_its_files(name: str, tmp_path: Path) -> None:
    preset = load_preset(builtin_dir() / name)
    copy = load_preset(save_preset(preset, tmp_path / name))
    assert copy.run_load() == preset.run_load()
    assert copy.to_dict() | {"load": None} == preset.to_dict() | {"load": None}


@pytest.mark.parametrize("name", BUILTINS)
def test_each_builtin_is_measured_on_the_analytic_model_and_described(name: str) -> None:
    preset = load_preset(builtin_dir() / name)
    assert preset.name == name.removesuffix(".json")
    assert len(preset.description) > 80
    measured = preset.measured
    assert measured is not None
    assert measured["date"] and measured["command"].startswith(
        f"batchtui run --preset {preset.name}"
    )
    if preset.generative:  # most requests within both token targets
        assert preset.model.kind == "analytic-llm" and measured["device"] == "analytic-llm model"
        assert measured["goodput_rps"] >= 0.9 * measured["throughput_rps"]
        return
    assert preset.slo_p99_ms is not None and preset.model.kind == "analytic"
    assert measured["device"] == "analytic model"
    assert measured["latency_ms"]["p99"] <= preset.slo_p99_ms  # tuned within its SLO


def test_the_trace_preset_finds_its_trace_beside_it() -> None:
    preset = load_preset(builtin_dir() / "azure-conv-trace.json")
    assert preset.load.trace == "traces/AzureLLMInferenceTrace_conv.csv"  # as written
    trace = Path(preset.run_load().trace or "")
    assert trace == builtin_dir() / "traces" / "AzureLLMInferenceTrace_conv.csv"
    assert trace.is_file()
    notice = (trace.parent / "README.md").read_text()
    assert "CC-BY 4.0" in notice and "Splitwise" in notice


def test_a_relative_trace_path_is_relative_to_the_preset_not_the_working_directory(
    tmp_path: Path,
    valid_doc: dict[str, Any],
    write_preset: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "presets"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "t.csv").write_text("time\n0.0\n0.5\n1.0\n")
    valid_doc["load"] = {"pattern": "trace", "trace": "data/t.csv", "speed": 2.0}
    path = write_preset(valid_doc, folder=folder)
    monkeypatch.chdir(tmp_path)  # data/t.csv does not exist from here
    preset = load_preset(path)
    assert preset.load.trace == "data/t.csv"
    assert preset.run_load().trace == str(folder.resolve() / "data" / "t.csv")
    assert preset.to_dict()["load"]["trace"] == "data/t.csv"


def test_a_missing_relative_trace_is_reported_with_where_it_was_looked_for(
    valid_doc: dict[str, Any], write_preset: Callable[..., Path], tmp_path: Path
) -> None:
    valid_doc["load"] = {"pattern": "trace", "trace": "gone.csv"}
    with pytest.raises(PresetError) as err:
        load_preset(write_preset(valid_doc))
    assert [str(p) for p in err.value.problems] == [
        f"load.trace: {tmp_path.resolve() / 'gone.csv'}: no such file"
    ]


def test_a_hand_written_preset_is_saved_with_every_parameter_spelled_out(
    valid_doc: dict[str, Any], tmp_path: Path
) -> None:
    del valid_doc["description"]
    saved = json.loads((save_preset(preset_from_dict(valid_doc), tmp_path / "p.json")).read_text())
    assert saved["description"] == "" and saved["device"] == "auto"
    assert saved["load"] == {"pattern": "poisson", "rate_rps": 1000.0, "size": 1.0, "size_cv": 0.0}
    assert saved["model"]["noise_cv"] == 0.0
    assert list(saved) == ["format", "name", "description", "batcher", "load", "model", "device"]


def test_save_refuses_to_overwrite_unless_asked(valid_doc: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text("precious")
    preset = preset_from_dict(valid_doc)
    with pytest.raises(FileExistsError):
        save_preset(preset, path)
    assert path.read_text() == "precious"
    save_preset(preset, path, overwrite=True)
    assert load_preset(path) == preset
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json"]


def test_save_does_not_follow_a_dangling_symlink(valid_doc: dict[str, Any], tmp_path: Path) -> None:
    link = tmp_path / "p.json"
    link.symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(FileExistsError):
        save_preset(preset_from_dict(valid_doc), link)
    assert not (tmp_path / "elsewhere.json").exists()


def test_a_failed_write_leaves_no_temporary_file(
    valid_doc: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_link(src: object, dst: object) -> None:
        raise FileExistsError(17, "File exists")  # someone created it while we wrote

    monkeypatch.setattr(storage.os, "link", broken_link)
    with pytest.raises(FileExistsError):
        save_preset(preset_from_dict(valid_doc), tmp_path / "p.json")
    assert list(tmp_path.iterdir()) == []


def test_a_write_interrupted_midway_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_text_atomically(tmp_path / "p.json", "{}\n", overwrite=True)
    assert list(tmp_path.iterdir()) == []


def test_save_into_a_missing_folder_fails_cleanly(
    valid_doc: dict[str, Any], tmp_path: Path
) -> None:
    with pytest.raises(FileNotFoundError):
        save_preset(preset_from_dict(valid_doc), tmp_path / "no" / "p.json")
    assert list(tmp_path.iterdir()) == []


def test_saved_files_are_readable_by_others_and_keep_a_replaced_files_mode(
    valid_doc: dict[str, Any], tmp_path: Path
) -> None:
    preset = preset_from_dict(valid_doc)
    fresh = save_preset(preset, tmp_path / "new.json")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
    private = tmp_path / "private.json"
    private.write_text("{}")
    os.chmod(private, 0o600)
    save_preset(preset, private, overwrite=True)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


def test_preset_text_is_indented_json_ending_in_a_newline(valid_doc: dict[str, Any]) -> None:
    text = preset_text(preset_from_dict(valid_doc))
    assert text.endswith("}\n") and text.startswith('{\n  "format": "batchtui.preset/1",')


def test_loading_names_the_file_in_every_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"name": "caf\xe9"}')
    with pytest.raises(PresetError, match=r"bad\.json: not a valid preset\n  not UTF-8 text"):
        load_preset(bad)
    with pytest.raises(ConfigError, match=r"nothing\.json: cannot read the preset"):
        load_preset(tmp_path / "nothing.json")
    with pytest.raises(ConfigError, match="is a folder, not a preset file"):
        load_preset(tmp_path)


def test_a_huge_file_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage, "MAX_PRESET_BYTES", 100)
    big = tmp_path / "big.json"
    big.write_text("{" + " " * 200 + "}")
    with pytest.raises(PresetError, match="larger than"):
        load_preset(big)
