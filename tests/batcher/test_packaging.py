"""What a service pays to import the batcher, and building one from a preset."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from batchtui.engine.batcher import Batcher
from batchtui.engine.errors import ConfigError
from batchtui.presets import resolve


def test_importing_the_batcher_needs_neither_torch_nor_textual() -> None:
    code = (
        "import sys, batchtui.engine.batcher\n"
        "heavy = [m for m in ('torch', 'textual', 'prometheus_client') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", ["low-latency", "balanced"])
def test_from_preset_runs_the_presets_batcher(name: str) -> None:
    batcher = Batcher.from_preset(name, lambda items: items)
    preset = resolve(name)
    assert batcher.policy.to_json() == {"kind": preset.batcher_kind, **preset.batcher_params}
    assert batcher.name == name


def test_from_preset_takes_a_path_and_batcher_options(tmp_path: Path) -> None:
    doc = resolve("balanced").to_dict()
    doc["name"] = "mine"
    doc["batcher"] = {"kind": "predictive", "max_batch_size": 24, "target_latency_ms": 15}
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(doc))

    async def double(items: list[int]) -> list[int]:
        return [2 * x for x in items]

    batcher = Batcher.from_preset(path, double, max_queue=10, name="svc", max_wait_ms=2)
    assert (batcher.policy.kind, batcher.policy.params["max_batch_size"]) == ("predictive", 24)
    assert batcher.policy.params["max_wait_ms"] == 2  # an option overrides the preset's value
    assert (batcher.name, batcher.max_queue) == ("svc", 10)
    assert asyncio.run(batcher(21)) == 42


def test_an_unknown_preset_is_a_config_error_listing_the_names() -> None:
    with pytest.raises(ConfigError, match="balanced"):
        Batcher.from_preset("no-such-preset", lambda items: items)


def test_a_continuous_batching_preset_says_which_servers_take_it() -> None:
    with pytest.raises(ConfigError) as caught:
        Batcher.from_preset("chat-continuous", lambda items: items)
    assert caught.value.where == "preset"
    assert "schedules token steps" in str(caught.value)
    assert "'batchtui export chat-continuous --format vllm' (or sglang, tgi)" in str(caught.value)
