"""Generative presets (``batchtui.preset/2``): what they hold, what is refused and where."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from batchtui.engine.gen.continuous import PARAMS as CONTINUOUS_PARAMS
from batchtui.presets import PresetError, builtin_preset_files, load_preset, preset_from_dict
from batchtui.presets.schema import GEN_PRESET_FORMAT, PRESET_FORMAT
from batchtui.presets.storage import preset_text
from tests.presets.conftest import VALID

GEN: dict[str, Any] = {
    "format": "batchtui.preset/2",
    "name": "chat",
    "description": "A generative preset for tests.",
    "batcher": {"kind": "continuous", "max_num_seqs": 64, "max_num_batched_tokens": 4096},
    "load": {"pattern": "poisson", "rate_rps": 2.0, "prompt_tokens": 300.0, "output_cv": 1.0},
    "model": {"kind": "analytic-llm"},
    "slo": {"ttft_ms": 1000, "tpot_ms": 100},
}


def gen_doc(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(GEN), **changes}


def problems_of(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(PresetError) as err:
        preset_from_dict(doc)
    return [str(p) for p in err.value.problems]


def test_a_generative_preset_spells_out_every_knob_and_token_length() -> None:
    preset = preset_from_dict(gen_doc())
    assert preset.generative and preset.format == GEN_PRESET_FORMAT
    assert set(preset.batcher_params) == {p.name for p in CONTINUOUS_PARAMS}
    assert preset.batcher_params["chunked_prefill"] is True  # the default, written out
    assert (preset.slo_ttft_ms, preset.slo_tpot_ms, preset.slo_p99_ms) == (1000.0, 100.0, None)
    doc = preset.to_dict()
    assert doc["format"] == "batchtui.preset/2"
    assert doc["load"] == {
        "pattern": "poisson", "rate_rps": 2.0, "prompt_tokens": 300.0, "output_tokens": 128.0,
        "prompt_cv": 0.0, "output_cv": 1.0,
    }  # fmt: skip
    assert doc["slo"] == {"ttft_ms": 1000.0, "tpot_ms": 100.0}
    assert doc["model"]["step_ms"] == 19.88  # the analytic-llm defaults, written out


def test_a_saved_generative_preset_reads_back_the_same(
    write_preset: Callable[..., Path],
) -> None:
    first = preset_text(preset_from_dict(gen_doc()))
    path = write_preset(first, "chat.json")
    assert preset_text(load_preset(path)) == first


def test_a_request_level_batcher_on_a_generative_model_is_a_generative_preset() -> None:
    preset = preset_from_dict(gen_doc(batcher={"kind": "static", "max_batch_size": 8}))
    assert preset.generative and preset.batcher_kind == "static"
    assert preset.to_dict()["format"] == GEN_PRESET_FORMAT


def test_request_level_presets_are_still_written_as_version_1() -> None:
    preset = preset_from_dict(copy.deepcopy(VALID))
    assert not preset.generative and preset.to_dict()["format"] == PRESET_FORMAT
    assert "prompt_tokens" not in preset.to_dict()["load"]


def test_a_generative_trace_preset_finds_its_token_columns(tmp_path: Path) -> None:
    trace = tmp_path / "t.csv"
    trace.write_text("TIMESTAMP,ContextTokens,GeneratedTokens\n0.0,10,5\n1.0,20,6\n")
    load = {"pattern": "trace", "trace": "t.csv", "speed": 1.0}
    preset = preset_from_dict(gen_doc(load=load), base_dir=tmp_path)
    assert preset.to_dict()["load"] == {**load, "loop": False}
    trace.write_text("TIMESTAMP,ContextTokens\n0.0,10\n")
    with pytest.raises(PresetError) as err:
        preset_from_dict(gen_doc(load={**load, "trace": "t.csv"}), base_dir=tmp_path)
    assert str(err.value.problems[0]).startswith("load.output_column: ")


GEN_BROKEN = [
    ("continuous on a request-level model", {**VALID, "batcher": {"kind": "continuous"}},
     "batcher.kind: continuous schedules generated tokens, so it needs a generative model "
     "(model.kind analytic-llm"),
    ("token lengths on a request-level model",
     {**VALID, "load": {"pattern": "poisson", "prompt_tokens": 5}},
     "load.prompt_tokens: is read by generative models only (model.kind analytic-llm"),
    ("request sizes on a generative model",
     gen_doc(load={"pattern": "poisson", "size": 4.0}),
     "load.size: is not read by generative models: prompt_tokens and prompt_cv size them"),
    ("p99 target on a generative model", gen_doc(slo={"p99_ms": 10}),
     "slo.p99_ms: is a target of request-level presets; this one's are ttft_ms and tpot_ms"),
    ("token targets on a request-level model", {**VALID, "slo": {"ttft_ms": 10}},
     "slo.ttft_ms: is a target of generative (model.kind analytic-llm, gen-factory, tiny-gpt) "
     "presets; this one's are p99_ms"),
    ("no generative target", gen_doc(slo={}), "slo.ttft_ms: is required, or tpot_ms, or both"),
    ("a zero TPOT target", gen_doc(slo={"tpot_ms": 0}), "slo.tpot_ms: must be >= 0.001, got 0"),
    ("generative content in version 1", gen_doc(format="batchtui.preset/1"),
     "format: a generative preset (model analytic-llm) is 'batchtui.preset/2'"),
    ("a continuous knob out of range",
     gen_doc(batcher={"kind": "continuous", "max_num_seqs": 0}),
     "batcher.max_num_seqs: must be >= 1, got 0"),
    ("a KV cache smaller than one block",
     gen_doc(batcher={"kind": "continuous", "kv_cache_tokens": 8, "block_size": 16}),
     "batcher.kv_cache_tokens: must hold at least one block of 16 tokens"),
    ("a request-level knob on continuous",
     gen_doc(batcher={"kind": "continuous", "max_wait_ms": 5}),
     "batcher.max_wait_ms: is a parameter of the static and dynamic and predictive batcher, "
     "not of continuous"),
    ("chunked prefill not a boolean", gen_doc(batcher={"kind": "continuous", "chunked_prefill": 1}),
     "batcher.chunked_prefill: "),
]  # fmt: skip


@pytest.mark.parametrize(
    ("doc", "message"), [pytest.param(d, m, id=name) for name, d, m in GEN_BROKEN]
)
def test_a_broken_generative_document_names_the_path(doc: dict[str, Any], message: str) -> None:
    problems = problems_of(copy.deepcopy(doc))
    assert any(p.startswith(message) for p in problems), problems


def test_every_problem_of_a_generative_document_is_reported_at_once() -> None:
    doc = gen_doc(
        batcher={"kind": "continuous", "max_num_seqs": 0},
        load={"pattern": "poisson", "size_cv": 1.0},
        slo={"p99_ms": 5},
    )
    paths = [p.split(":")[0] for p in problems_of(doc)]
    assert paths == ["batcher.max_num_seqs", "load.size_cv", "slo.p99_ms", "slo.ttft_ms"]


@pytest.mark.parametrize(
    "path",
    [p for p in builtin_preset_files() if json.loads(p.read_text())["format"].endswith("/2")],
)
def test_every_generative_builtin_loads_and_saves_back_byte_for_byte(path: Any) -> None:
    preset = load_preset(Path(str(path)))
    assert preset.generative and preset.batcher_kind == "continuous"
    assert preset.slo_ttft_ms is not None and preset.slo_tpot_ms is not None
    assert preset_text(preset) == path.read_text()
    assert preset.measured is not None and preset.measured["ttft_ms"]["p99"] > 0
