"""Exports: each target's syntax parses, carries the preset's numbers, and says what differs."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from typing import Any

import pytest

from batchtui.engine.errors import ConfigError
from batchtui.engine.load import LoadSpec
from batchtui.presets import Preset, builtin_dir, load_preset, preset_from_dict
from batchtui.presets.exporters import EXPORTERS, SERVES, export
from tests.presets import pbtxt

FORMATS = [f for f in EXPORTERS if SERVES[f] != "generative"]  # generative ones: test_gen_*
SERVERS = [f for f in FORMATS if f not in ("json", "python")]  # formats that approximate


def make(valid_doc: dict[str, Any], **changes: Any) -> Preset:
    return preset_from_dict({**valid_doc, **changes})


def properties(text: str) -> dict[str, str]:
    """A Java .properties file as TorchServe reads it (comments, key=value lines)."""
    out = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(("#", "!")):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"not a property: {line!r}"
        out[key.strip()] = value.strip()
    return out


def call_kwargs(source: str, name: str) -> dict[str, Any]:
    """The keyword arguments of the first call to ``name`` (e.g. ``serve.batch``) in source."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == name:
            return {k.arg: ast.literal_eval(k.value) for k in node.keywords}
    raise AssertionError(f"no call to {name}")


def test_every_format_is_offered() -> None:
    assert list(EXPORTERS) == [
        "json", "triton", "torchserve", "ray", "tfserving", "litserve", "python",
        "vllm", "sglang", "tgi",
    ]  # fmt: skip


def test_an_unknown_format_names_the_valid_ones(valid_doc: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="unknown export format 'onnx'; expected one of json"):
        export(make(valid_doc), "onnx")


def test_triton_config_is_valid_text_protobuf_with_the_batching_fields(
    valid_doc: dict[str, Any],
) -> None:
    result = export(make(valid_doc), "triton")
    config = pbtxt.parse(result.text)
    assert config["max_batch_size"] == [8]
    batching = config["dynamic_batching"][0]
    assert batching == {"preferred_batch_size": [8], "max_queue_delay_microseconds": [2000]}
    assert result.filename == "config.pbtxt"


def test_tf_serving_parameters_are_valid_text_protobuf(valid_doc: dict[str, Any]) -> None:
    config = pbtxt.parse(export(make(valid_doc), "tfserving").text)
    assert config == {
        "max_batch_size": [{"value": [8]}],
        "batch_timeout_micros": [{"value": [2000]}],
        "max_enqueued_batches": [{"value": [100]}],
        "num_batch_threads": [{"value": [1]}],
    }


def test_torchserve_properties_carry_batch_size_and_delay_in_milliseconds(
    valid_doc: dict[str, Any],
) -> None:
    props = properties(export(make(valid_doc), "torchserve").text)
    version = json.loads(props["models"])["model"]["1.0"]
    assert version["batchSize"] == 8 and version["maxBatchDelay"] == 2
    assert props["load_models"] == "model.mar"


def test_torchserve_rounds_the_delay_to_whole_milliseconds_and_says_so(
    valid_doc: dict[str, Any],
) -> None:
    valid_doc["batcher"] = {"kind": "static", "max_batch_size": 8, "max_wait_ms": 2.5}
    result = export(make(valid_doc), "torchserve")
    assert json.loads(properties(result.text)["models"])["model"]["1.0"]["maxBatchDelay"] == 3
    assert any("2.5 ms became 3" in note for note in result.notes)


@pytest.mark.parametrize(("fmt", "call"), [("ray", "serve.batch"), ("litserve", "BatchedAPI")])
def test_python_snippets_compile_and_pass_the_settings(
    fmt: str, call: str, valid_doc: dict[str, Any]
) -> None:
    text = export(make(valid_doc), fmt).text
    compile(text, f"<{fmt}>", "exec")
    kwargs = call_kwargs(text, call)
    timeout = "batch_wait_timeout_s" if fmt == "ray" else "batch_timeout"
    assert kwargs == {"max_batch_size": 8, timeout: 0.002}


def test_the_json_export_is_the_preset_itself(valid_doc: dict[str, Any]) -> None:
    preset = make(valid_doc)
    result = export(preset, "json")
    assert result.notes == ()
    assert preset_from_dict(json.loads(result.text)) == preset


def test_the_json_export_of_the_trace_preset_names_its_trace_absolutely() -> None:
    preset = load_preset(builtin_dir() / "azure-conv-trace.json")
    doc = json.loads(export(preset, "json").text)
    assert doc["load"]["trace"] == str(builtin_dir() / "traces" / "AzureLLMInferenceTrace_conv.csv")
    assert preset_from_dict(doc).run_load() == preset.run_load()


@pytest.mark.parametrize("fmt", FORMATS[1:])
def test_every_note_is_also_a_comment_in_the_file(fmt: str, valid_doc: dict[str, Any]) -> None:
    valid_doc["slo"] = {"p99_ms": 20}
    result = export(make(valid_doc), fmt)
    comments = " ".join(
        line.lstrip("# ").strip() for line in result.text.splitlines() if line.startswith("#")
    )
    assert result.notes
    for note in result.notes:
        assert " ".join(note.split()) in comments
    assert "Tuned for: poisson 1,000 req/s; analytic cost t(n) = 1 + 0.1*n ms; p99 target 20" in (
        comments
    )


@pytest.mark.parametrize("fmt", FORMATS[1:])
def test_server_files_are_ascii_and_a_path_cannot_break_out_of_a_comment(
    fmt: str, valid_doc: dict[str, Any]
) -> None:
    odd_trace = LoadSpec(pattern="trace", trace="/données/été\nmax_batch_size: 1.csv")
    text = export(dataclasses.replace(make(valid_doc), load=odd_trace), fmt).text
    assert text.isascii()
    mentions = [line for line in text.splitlines() if "1.csv" in line]
    assert mentions and all(line.startswith("#") for line in mentions)
    assert "/donn\\xe9es/" in text


def test_the_torchserve_and_litserve_notes_say_when_their_wait_clock_starts(
    valid_doc: dict[str, Any],
) -> None:
    for fmt in ("torchserve", "litserve"):
        notes = " ".join(export(make(valid_doc), fmt).notes)
        assert "not when each request arrives" in notes


@pytest.mark.parametrize("kind", ["dynamic", "predictive"])
def test_an_adaptive_batcher_without_measurements_exports_its_limits_and_says_so(
    kind: str, valid_doc: dict[str, Any]
) -> None:
    preset = make(valid_doc, batcher={"kind": kind, "max_batch_size": 64, "max_wait_ms": 4})
    for fmt in SERVERS:
        result = export(preset, fmt)
        assert f"batchtui's {kind} batcher has no server equivalent" in result.notes[0]
        assert "no measured batch sizes" in result.notes[0]
    triton = pbtxt.parse(export(preset, "triton").text)
    assert triton["max_batch_size"] == [64]
    assert triton["dynamic_batching"][0]["preferred_batch_size"] == [64]
    assert triton["dynamic_batching"][0]["max_queue_delay_microseconds"] == [4000]


@pytest.mark.parametrize("kind", ["dynamic", "predictive"])
def test_an_adaptive_batcher_with_measurements_exports_its_typical_batch(
    kind: str, valid_doc: dict[str, Any]
) -> None:
    preset = make(
        valid_doc,
        batcher={"kind": kind, "max_batch_size": 64, "max_wait_ms": 4},
        measured={"batch_size": {"mean": 7.2, "p90": 12.4, "max": 30}},
    )
    triton = pbtxt.parse(export(preset, "triton").text)
    assert triton["max_batch_size"] == [64]  # the hard limit stays the policy's
    assert triton["dynamic_batching"][0]["preferred_batch_size"] == [13, 64]
    tf = pbtxt.parse(export(preset, "tfserving").text)
    assert tf["max_batch_size"] == [{"value": [13]}]  # no preferred sizes there: send at 13
    ray = call_kwargs(export(preset, "ray").text, "serve.batch")
    assert ray == {"max_batch_size": 13, "batch_wait_timeout_s": 0.004}
    note = export(preset, "litserve").notes[0]
    assert "send at 13 requests (the 90th percentile" in note and "never more than 64" in note


def test_a_measured_mean_is_used_when_there_is_no_p90(valid_doc: dict[str, Any]) -> None:
    preset = make(
        valid_doc,
        batcher={"kind": "dynamic", "max_batch_size": 16},
        measured={"batch_size": {"mean": 40}},
    )
    props = properties(export(preset, "torchserve").text)
    assert json.loads(props["models"])["model"]["1.0"]["batchSize"] == 16  # capped at the limit


def test_a_static_preset_exports_exactly_with_no_approximation_note(
    valid_doc: dict[str, Any],
) -> None:
    for fmt in FORMATS[1:]:
        assert not any("no server equivalent" in n for n in export(make(valid_doc), fmt).notes)


@pytest.mark.parametrize(
    "name",
    sorted(
        p.stem for p in builtin_dir().glob("*.json") if not load_preset(p).generative
    ),  # generative built-ins: tests/presets/test_gen_exporters.py
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_builtin_exports_to_every_format(name: str, fmt: str) -> None:
    result = export(load_preset(builtin_dir() / f"{name}.json"), fmt)
    if fmt in ("triton", "tfserving"):
        pbtxt.parse(result.text)
    elif fmt in ("ray", "litserve", "python"):
        compile(result.text, fmt, "exec")
    elif fmt == "torchserve":
        json.loads(properties(result.text)["models"])
    else:
        json.loads(result.text)
    assert re.search(rf"\b{re.escape(name)}\b", result.text)
