"""Reading a preset: every problem is reported at once, at its JSON path, and nothing else."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtui.presets import PRESET_FORMAT, PresetError, parse_preset, preset_from_dict
from tests.presets.conftest import VALID


def problems_of(doc: dict[str, Any] | str) -> list[str]:
    """The problems parse_preset reports for ``doc`` (a dict is dumped as JSON first)."""
    text = doc if isinstance(doc, str) else json.dumps(doc)
    with pytest.raises(PresetError) as err:
        parse_preset(text, source="test.json")
    assert str(err.value).startswith("test.json: not a valid preset")
    return [str(p) for p in err.value.problems]


def changed(**sections: Any) -> Callable[[dict[str, Any]], None]:
    """An edit: set top-level keys, or ``section__key`` to set a key inside a section."""

    def edit(doc: dict[str, Any]) -> None:
        for key, value in sections.items():
            section, _, inner = key.partition("__")
            if inner:
                doc[section][inner] = value
            else:
                doc[section] = value

    return edit


def removed(*keys: str) -> Callable[[dict[str, Any]], None]:
    """An edit: delete keys, ``section__key`` for a key inside a section."""

    def edit(doc: dict[str, Any]) -> None:
        for key in keys:
            section, _, inner = key.partition("__")
            del (doc[section] if inner else doc)[inner or section]

    return edit


BROKEN_DOCUMENTS = [
    # wrong types
    ("batcher size is text", changed(batcher__max_batch_size="8"),
     "batcher.max_batch_size: must be a number, got '8'"),
    ("wait is a boolean", changed(batcher__max_wait_ms=True),
     "batcher.max_wait_ms: must be a number, got True"),
    ("batch size is fractional", changed(batcher__max_batch_size=2.5),
     "batcher.max_batch_size: must be a whole number, got 2.5"),
    ("rate is null", changed(load__rate_rps=None), "load.rate_rps: must be a number, got None"),
    ("loop is text", changed(load={"pattern": "trace", "trace": "t.csv", "loop": "yes"}),
     "load.loop: must be true or false, got 'yes'"),
    ("batcher is a list", changed(batcher=[1, 2]), "batcher: must be an object, got an array"),
    ("load is text", changed(load="poisson"), "load: must be an object, got 'poisson' (a string)"),
    ("name is a number", changed(name=7), "name: must be 1-64 letters"),
    ("name is a path", changed(name="../etc/passwd"), "name: must be 1-64 letters"),
    ("description is a list", changed(description=["a"]), "description: must be text"),
    ("device is unknown", changed(device="gpu"), "device: expected one of auto, cpu, cuda"),
    ("device is a number", changed(device=0), "device: expected one of auto"),
    ("profile path is a number", changed(model={"kind": "profile", "path": 5}),
     "model.path: must be a non-empty text, got 5"),
    ("measured is a list", changed(measured=[1]), "measured: must be an object, got an array"),
    ("measured batch size is text", changed(measured={"batch_size": {"p90": "big"}}),
     "measured.batch_size.p90: must be a number >= 1, got 'big'"),
    # negative or zero values
    ("negative wait", changed(batcher__max_wait_ms=-3),
     "batcher.max_wait_ms: must be >= 0, got -3"),
    ("zero batch size", changed(batcher__max_batch_size=0),
     "batcher.max_batch_size: must be >= 1, got 0"),
    ("zero rate", changed(load__rate_rps=0), "load.rate_rps: must be > 0, got 0"),
    ("negative cost", changed(model__base_ms=-1), "model.base_ms: must be >= 0, got -1"),
    ("zero slo", changed(slo={"p99_ms": 0}), "slo.p99_ms: must be >= 0.001, got 0"),
    ("zero target", changed(batcher={"kind": "dynamic", "target_latency_ms": 0}),
     "batcher.target_latency_ms: must be >= 0.001, got 0"),
    ("min above max", changed(batcher={"kind": "dynamic", "min_batch_size": 40}),
     "batcher.min_batch_size: must be <= max_batch_size (32), got 40"),
    ("zero measured batch", changed(measured={"batch_size": {"mean": 0}}),
     "measured.batch_size.mean: must be a number >= 1, got 0"),
    # unknown keys, with the closest name
    ("unknown top-level key", changed(batchr={}),
     "batchr: unknown key; did you mean 'batcher'? expected one of format, name"),
    ("unknown batcher parameter", changed(batcher__max_wiat_ms=3),
     "batcher.max_wiat_ms: unknown static batcher parameter; did you mean 'max_wait_ms'?"),
    ("a dynamic knob on a static batcher", changed(batcher__min_batch_size=2),
     "batcher.min_batch_size: is a parameter of the dynamic batcher, not of static; static has "
     "max_batch_size, max_wait_ms"),
    ("a torch knob on the analytic model", changed(model__width=64),
     "model.width: is a parameter of the "),
    ("unknown load setting", changed(load__rate=5), "load.rate: unknown setting; did you mean"),
    ("setting the pattern ignores", changed(load__burstiness=0.5),
     "load.burstiness: is not used by the 'poisson' pattern, which reads rate_rps, size, size_cv"),
    ("unknown model parameter", changed(model__base=1),
     "model.base: unknown analytic model parameter; did you mean 'base_ms'?"),
    ("unknown slo key", changed(slo={"p99": 5}), "slo.p99: unknown key; did you mean 'p99_ms'?"),
    # unknown kinds
    ("unknown batcher kind", changed(batcher={"kind": "fifo"}),
     "batcher.kind: unknown batcher 'fifo'; expected one of static, dynamic, predictive"),
    ("misspelt batcher kind", changed(batcher={"kind": "statc"}),
     "batcher.kind: unknown batcher 'statc'; did you mean 'static'?"),
    ("unknown model kind", changed(model={"kind": "gpt"}), "model.kind: unknown model 'gpt'"),
    ("misspelt pattern", changed(load={"pattern": "poison"}),
     "load.pattern: unknown pattern 'poison'; did you mean 'poisson'?"),
    # missing required keys
    ("no format", removed("format"), "format: is required: 'batchtui.preset/1'"),
    ("no name", removed("name"), "name: is required"),
    ("no batcher", removed("batcher"), "batcher: is required"),
    ("no load", removed("load"), "load: is required"),
    ("no model", removed("model"), "model: is required"),
    ("no batcher kind", removed("batcher__kind"), "batcher.kind: is required; expected one of"),
    ("no pattern", removed("load__pattern"), "load.pattern: is required"),
    ("no model kind", removed("model__kind"), "model.kind: is required"),
    ("no profile path", changed(model={"kind": "profile"}), "model.path: is required"),
    ("no slo target", changed(slo={}), "slo.p99_ms: is required"),
    ("trace without a file", changed(load={"pattern": "trace"}),
     "load.trace: a trace file is needed when the pattern is 'trace'"),
    # other format versions
    ("newer version", changed(format="batchtui.preset/3"),
     "format: this file was written by a newer batchtui (format batchtui.preset/3); "
     "this version reads batchtui.preset/1 and batchtui.preset/2"),
    ("a run report", changed(format="batchtui.run/1"),
     "format: this is a batchtui.run/1 document, not a preset"),
    ("someone else's format", changed(format="acme/1"),
     "format: expected 'batchtui.preset/1' or 'batchtui.preset/2' (generative), got 'acme/1'"),
    # huge numbers
    ("batch size 10**30", changed(batcher__max_batch_size=10**30),
     "batcher.max_batch_size: must be <= 65536"),
    ("wait 10**400", changed(batcher__max_wait_ms=10**400),
     "batcher.max_wait_ms: a number is too large"),
    ("rate 10**400", changed(load__rate_rps=10**400), "load.rate_rps: a number is too large"),
    ("measured 10**400", changed(measured={"requests": 10**400}),
     "measured.requests: a number is too large"),
    ("slo 1e30", changed(slo={"p99_ms": 1e30}), "slo.p99_ms: must be <= 3600000"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("edit", "message"),
    [pytest.param(edit, message, id=name) for name, edit, message in BROKEN_DOCUMENTS],
)
def test_a_broken_document_names_the_path_and_what_is_valid(
    edit: Callable[[dict[str, Any]], None], message: str, valid_doc: dict[str, Any]
) -> None:
    edit(valid_doc)
    problems = problems_of(valid_doc)
    assert any(message in p for p in problems), problems


BROKEN_TEXTS = [
    ("invalid JSON", '{"format": "batchtui.preset/1",\n "name": "x" "batcher": {}}',
     "not valid JSON at line 2, column 14: Expecting ',' delimiter"),
    ("trailing comma", '{"name": "x",}', "not valid JSON at line 1, column 14"),
    ("single quotes", "{'name': 'x'}", "not valid JSON at line 1, column 2"),
    ("empty file", "", "the file is empty"),
    ("only whitespace", " \n\t\n", "the file is empty"),
    ("an array", "[1, 2]", "must be a JSON object, got an array"),
    ("a number", "42", "must be a JSON object, got 42 (a number)"),
    ("NaN", json.dumps(VALID).replace("2.0", "NaN"), "not valid JSON: NaN is not a JSON number"),
    ("Infinity", json.dumps(VALID).replace("2.0", "-Infinity"),
     "not valid JSON: -Infinity is not a JSON number"),
    ("1e400", json.dumps(VALID).replace("2.0", "1e400"),
     "batcher.max_wait_ms: must be a finite number, got inf"),
    ("a 5000-digit number", json.dumps(VALID).replace("2.0", "9" * 5000),
     "a number has thousands of digits"),
    ("deep nesting", '{"measured": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
    ("a duplicated key", json.dumps(VALID)[:-1] + ', "name": "other"}',
     "the key 'name' appears twice in one object; JSON keeps only the last"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"), [pytest.param(t, m, id=name) for name, t, m in BROKEN_TEXTS]
)
def test_a_broken_file_says_what_is_wrong(text: str, message: str) -> None:
    problems = problems_of(text)
    assert any(message in p for p in problems), problems


def test_every_problem_is_reported_at_once(valid_doc: dict[str, Any]) -> None:
    valid_doc["batcher"]["max_wait_ms"] = -3
    valid_doc["batcher"]["max_batch_size"] = 0
    valid_doc["load"]["rate_rps"] = -1
    valid_doc["model"]["kind"] = "gpt"
    valid_doc["device"] = "tpu"
    valid_doc["colour"] = "blue"
    problems = problems_of(valid_doc)
    assert problems == [
        "colour: unknown key; expected one of format, name, description, batcher, load, "
        "model, device, slo, measured",
        "batcher.max_batch_size: must be >= 1, got 0",
        "batcher.max_wait_ms: must be >= 0, got -3",
        "load.rate_rps: must be > 0, got -1",
        "model.kind: unknown model 'gpt'; expected one of " + _model_kinds(),
        "device: expected one of auto, cpu, cuda, cuda:N, mps, got 'tpu'",
    ]


def _model_kinds() -> str:
    from batchtui.engine.models import MODEL_KINDS

    return ", ".join(MODEL_KINDS)


def test_the_error_message_is_a_heading_then_one_problem_per_line(
    valid_doc: dict[str, Any],
) -> None:
    valid_doc["batcher"]["max_wait_ms"] = -3
    valid_doc["load"]["rate_rps"] = 0
    with pytest.raises(PresetError) as err:
        parse_preset(json.dumps(valid_doc), source="/tmp/x.json")
    assert str(err.value).splitlines() == [
        "/tmp/x.json: not a valid preset (2 problems)",
        "  batcher.max_wait_ms: must be >= 0, got -3",
        "  load.rate_rps: must be > 0, got 0",
    ]


def test_a_newer_format_is_not_read_further(valid_doc: dict[str, Any]) -> None:
    valid_doc["format"] = "batchtui.preset/7"
    valid_doc["batcher"] = {"kind": "something-new"}
    assert len(problems_of(valid_doc)) == 1


def test_missing_optional_keys_take_defaults(valid_doc: dict[str, Any]) -> None:
    del valid_doc["description"]
    preset = preset_from_dict(valid_doc)
    assert preset.device == "auto"
    assert preset.description == ""
    assert preset.slo_p99_ms is None and preset.measured is None


def test_parameters_left_out_are_filled_with_the_engines_defaults(
    valid_doc: dict[str, Any],
) -> None:
    valid_doc["batcher"] = {"kind": "dynamic"}
    valid_doc["model"] = {"kind": "analytic"}
    preset = preset_from_dict(valid_doc)
    assert dict(preset.batcher_params) == {
        "min_batch_size": 1,
        "max_batch_size": 32,
        "max_wait_ms": 5.0,
        "target_latency_ms": 20.0,
    }
    assert dict(preset.model.params) == {"base_ms": 2.0, "per_item_ms": 0.05, "noise_cv": 0.0}


def test_whole_numbers_are_read_as_the_parameter_type(valid_doc: dict[str, Any]) -> None:
    valid_doc["batcher"] = {"kind": "static", "max_batch_size": 16.0, "max_wait_ms": 3}
    valid_doc["load"]["rate_rps"] = 500
    preset = preset_from_dict(valid_doc)
    assert preset.batcher_params["max_batch_size"] == 16
    assert isinstance(preset.batcher_params["max_batch_size"], int)
    assert isinstance(preset.batcher_params["max_wait_ms"], float)
    assert isinstance(preset.load.rate_rps, float)


@pytest.mark.parametrize("device", ["auto", "cpu", "cuda", "cuda:1", "mps"])
def test_every_device_name_is_accepted(device: str, valid_doc: dict[str, Any]) -> None:
    valid_doc["device"] = device
    assert preset_from_dict(valid_doc).device == device


def test_the_format_constant_is_what_documents_carry() -> None:
    assert PRESET_FORMAT == VALID["format"] == "batchtui.preset/1"


# Anything a person might type where a value goes: the loader must answer with a Preset or a
# PresetError, never another exception (which the CLI would show as a traceback).
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
PATHS = [
    (), ("format",), ("name",), ("description",), ("device",), ("batcher",), ("batcher", "kind"),
    ("batcher", "max_batch_size"), ("batcher", "max_wait_ms"), ("batcher", "min_batch_size"),
    ("load",), ("load", "pattern"), ("load", "rate_rps"), ("load", "trace"), ("load", "loop"),
    ("model",), ("model", "kind"), ("model", "base_ms"), ("model", "path"), ("slo",),
    ("slo", "p99_ms"), ("measured",), ("measured", "batch_size"), ("extra",),
]  # fmt: skip


@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(path=st.sampled_from(PATHS), value=json_values)
def test_any_value_anywhere_gives_a_preset_or_a_preset_error(
    path: tuple[str, ...], value: Any
) -> None:
    doc: Any = copy.deepcopy(VALID)
    if not path:
        doc = value
    else:
        target = doc
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value
    try:
        preset = preset_from_dict(doc)
    except PresetError as e:
        assert e.problems and all(str(p) for p in e.problems)
    else:  # whatever was accepted reads back the same
        assert preset_from_dict(preset.to_dict()) == preset
