"""From JSON text to a Preset, reporting every problem at once, each at its JSON path.

The checks are the engine's own (policy parameter tables, ``LoadSpec``, ``ModelSpec``,
device names); this module only walks the document, applies them one setting at a time so
that all problems are found, and names each by its path (``batcher.max_wait_ms``).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from batchtui.engine.device import check_device_name
from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.run import GEN_POLICIES
from batchtui.engine.gen.workload import (
    DEFAULT_OUTPUT_TOKENS,
    DEFAULT_PROMPT_TOKENS,
    check_token_columns,
)
from batchtui.engine.load import PATTERNS, LoadSpec
from batchtui.engine.load.spec import GEN_FIELDS
from batchtui.engine.models import MODEL_KINDS, ModelSpec
from batchtui.engine.models.spec import GENERATIVE_KINDS
from batchtui.engine.params import Param
from batchtui.engine.policies import POLICIES, make_policy
from batchtui.engine.scenario import SLO_MS
from batchtui.engine.service.profile import load_profile
from batchtui.presets.errors import PresetError, Problem
from batchtui.presets.schema import (
    FORMAT_PREFIX,
    FORMAT_VERSION,
    GEN_PRESET_FORMAT,
    PRESET_FORMAT,
    REQUEST_SIZE_FIELDS,
    REQUIRED_KEYS,
    TOP_LEVEL_KEYS,
    Preset,
    resolve_relative,
)

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""Preset names double as file names (``NAME.json``) and command-line words."""

SLO_P99_MS = dataclasses.replace(SLO_MS, name="p99_ms", help="p99 latency target, ms", unit="")
"""``slo.p99_ms``, checked like any engine parameter (an hour is the most we accept)."""
GEN_SLOS = (
    dataclasses.replace(SLO_MS, name="ttft_ms", help="time-to-first-token target, ms", unit=""),
    dataclasses.replace(SLO_MS, name="tpot_ms", help="time-per-output-token target, ms", unit=""),
)
"""A generative preset's ``slo`` keys (``run --slo-ttft-ms`` / ``--slo-tpot-ms``)."""
GEN_DEFAULTS = {
    "prompt_tokens": DEFAULT_PROMPT_TOKENS,
    "output_tokens": DEFAULT_OUTPUT_TOKENS,
    "prompt_cv": 0.0,
    "output_cv": 0.0,
}
"""Token lengths a synthetic generative load leaves out, spelled out as the engine reads them."""
GENERATIVE = ", ".join(sorted(GENERATIVE_KINDS))
BATCH_SIZE_FIGURES = ("mean", "p90", "max")
"""``measured.batch_size`` figures the exporters read; checked because they shape exports."""


def parse_preset(text: str, *, source: str = "preset", base_dir: Path | None = None) -> Preset:
    """The preset in ``text`` (a JSON document), or PresetError listing every problem.

    ``source`` names the document in the error; ``base_dir`` is the folder relative trace and
    profile paths are taken from (the preset file's folder).
    """
    doc = _parse_json(text, source)
    return preset_from_dict(doc, source=source, base_dir=base_dir)


def preset_from_dict(
    doc: object, *, source: str = "preset", base_dir: Path | None = None
) -> Preset:
    """The preset described by a parsed JSON document, or PresetError listing every problem."""
    problems: list[Problem] = []
    if not isinstance(doc, dict):
        raise PresetError(source, [Problem("", f"must be a JSON object, got {_json_type(doc)}")])
    stop = _check_format(doc, problems)
    if stop:
        raise PresetError(source, problems)
    generative = _names_generative_model(doc.get("model"))
    if generative and doc.get("format") == PRESET_FORMAT:
        problems.append(
            Problem(
                "format",
                f"a generative preset (model {doc['model']['kind']}) is {GEN_PRESET_FORMAT!r}; "
                f"{PRESET_FORMAT} holds request-level scenarios only",
            )
        )
    for key in doc:
        if key not in TOP_LEVEL_KEYS:
            problems.append(_unknown(str(key), key, TOP_LEVEL_KEYS, "key"))
    for key in REQUIRED_KEYS[1:]:
        if key not in doc:
            problems.append(Problem(key, "is required"))

    name = _check_name(doc.get("name"), problems) if "name" in doc else ""
    description = _check_description(doc.get("description", ""), problems)
    batcher = _check_batcher(doc["batcher"], generative, problems) if "batcher" in doc else None
    load = _check_load(doc["load"], base_dir, generative, problems) if "load" in doc else None
    model = _check_model(doc["model"], base_dir, problems) if "model" in doc else None
    device = _check(problems, "device", lambda: check_device_name(doc.get("device", "auto")))
    slo = _check_slo(doc["slo"], generative, problems) if "slo" in doc else {}
    measured = _check_measured(doc["measured"], problems) if "measured" in doc else None

    if problems or batcher is None or load is None or model is None or device is None:
        raise PresetError(source, problems)
    return Preset(
        name=name,
        description=description,
        batcher_kind=batcher[0],
        batcher_params=MappingProxyType(batcher[1]),
        load=load,
        model=model,
        device=device,
        slo_p99_ms=slo.get("p99_ms"),
        slo_ttft_ms=slo.get("ttft_ms"),
        slo_tpot_ms=slo.get("tpot_ms"),
        measured=None if measured is None else MappingProxyType(measured),
        base_dir=base_dir,
    )


def _parse_json(text: str, source: str) -> Any:
    """The JSON value in ``text``; a PresetError with line and column when it is not JSON."""
    if not text.strip():
        raise PresetError(source, [Problem("", "the file is empty (expected a JSON object)")])
    duplicates: list[str] = []

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                duplicates.append(key)
            out[key] = value
        return out

    def no_constants(name: str) -> float:
        raise _NotJson(f"{name} is not a JSON number (JSON numbers are finite)")

    def one_problem(message: str) -> PresetError:
        return PresetError(source, [Problem("", message)])

    try:
        doc = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constants)
    except json.JSONDecodeError as e:
        where = f"line {e.lineno}, column {e.colno}"
        raise one_problem(f"not valid JSON at {where}: {e.msg}") from None
    except _NotJson as e:
        raise one_problem(f"not valid JSON: {e}") from None
    except ValueError:  # Python refuses to read integers of more than 4,300 digits
        raise one_problem("not valid JSON for a preset: a number has thousands of digits") from None
    except RecursionError:
        raise one_problem("not valid JSON for a preset: nested too deeply") from None
    if duplicates:
        problems = [
            Problem("", f"the key {k!r} appears twice in one object; JSON keeps only the last")
            for k in dict.fromkeys(duplicates)
        ]
        raise PresetError(source, problems)
    return doc


class _NotJson(ValueError):
    """Raised from inside the JSON parser for what Python accepts but JSON does not."""


def _check_format(doc: Mapping[str, Any], problems: list[Problem]) -> bool:
    """Record a problem with ``format``; True when the rest should not be read at all."""
    if "format" not in doc:
        problems.append(Problem("format", f"is required: {PRESET_FORMAT!r}"))
        return False
    fmt = doc["format"]
    if fmt in (PRESET_FORMAT, GEN_PRESET_FORMAT):
        return False
    match = re.fullmatch(re.escape(FORMAT_PREFIX) + r"(\d+)", fmt) if isinstance(fmt, str) else None
    if match and int(match.group(1)) > FORMAT_VERSION:
        problems.append(
            Problem(
                "format",
                f"this file was written by a newer batchtui (format {fmt}); "
                f"this version reads {PRESET_FORMAT} and {GEN_PRESET_FORMAT}",
            )
        )
        return True
    if isinstance(fmt, str) and fmt.startswith("batchtui.") and not match:
        problems.append(Problem("format", f"this is a {fmt} document, not a preset"))
        return True
    expected = f"{PRESET_FORMAT!r} or {GEN_PRESET_FORMAT!r} (generative)"
    problems.append(Problem("format", f"expected {expected}, got {fmt!r}"))
    return False


def _names_generative_model(section: object) -> bool:
    """Whether the document's model is generative (read before the model is checked, so the
    batcher, load and SLO are checked against the right kind of scenario)."""
    kind = section.get("kind") if isinstance(section, dict) else None
    return isinstance(kind, str) and kind in GENERATIVE_KINDS


def _check_name(value: object, problems: list[Problem]) -> str:
    if not isinstance(value, str) or not NAME_PATTERN.fullmatch(value):
        problems.append(
            Problem(
                "name",
                "must be 1-64 letters, digits, '.', '_' or '-' (starting with a letter or "
                f"digit), usable as a file name; got {value!r}",
            )
        )
        return ""
    return value


def _check_description(value: object, problems: list[Problem]) -> str:
    if not isinstance(value, str):
        problems.append(Problem("description", f"must be text, got {_json_type(value)}"))
        return ""
    return value


def _check_batcher(
    section: object, generative: bool, problems: list[Problem]
) -> tuple[str, dict[str, int | float]] | None:
    """(kind, every parameter) of a valid batcher section, else None with problems recorded.

    ``continuous`` schedules token by token, so it needs a generative model; the
    request-level policies run on either kind of model."""
    if not _is_object("batcher", section, problems):
        return None
    assert isinstance(section, dict)
    batchers = {**POLICIES, **GEN_POLICIES}  # asked each time: a plugin may register a policy
    kind = _check_kind("batcher", section, batchers, "batcher", problems)
    if kind is None:
        return None
    if kind in GEN_POLICIES and not generative:
        problems.append(
            Problem(
                "batcher.kind",
                f"{kind} schedules generated tokens, so it needs a generative model "
                f"(model.kind {GENERATIVE}); the request-level batchers are {', '.join(POLICIES)}",
            )
        )
        return None
    tables = {k: cls.PARAMS for k, cls in batchers.items()}
    given = {k: v for k, v in section.items() if k != "kind"}
    before = len(problems)
    _check_params("batcher", kind, tables, given, problems)
    if len(problems) > before:
        return None
    make = GEN_POLICIES[kind] if kind in GEN_POLICIES else functools.partial(make_policy, kind)
    policy = _check(problems, "batcher", lambda: make(**given))
    return None if policy is None else (kind, policy.params)


def _check_model(
    section: object, base_dir: Path | None, problems: list[Problem]
) -> ModelSpec | None:
    """A ModelSpec with every parameter filled in, else None with problems recorded."""
    if not _is_object("model", section, problems):
        return None
    assert isinstance(section, dict)
    kind = _check_kind("model", section, MODEL_KINDS, "model", problems)
    if kind is None:
        return None
    given = {k: v for k, v in section.items() if k != "kind"}
    before = len(problems)
    _check_params("model", kind, MODEL_KINDS, given, problems)
    if len(problems) > before:
        return None
    params = _check(problems, "model", lambda: ModelSpec(kind, given).validate())
    if params is None:
        return None
    spec = ModelSpec(kind, MappingProxyType(params))
    if kind == "profile":  # read it now, so a missing or broken table is reported here
        path = resolve_relative(params["path"], base_dir)
        _check(problems, "model.path", lambda: load_profile(path), where="model.path")
    return spec


def _check_load(
    section: object, base_dir: Path | None, generative: bool, problems: list[Problem]
) -> LoadSpec | None:
    """The LoadSpec as written (trace path unresolved), else None with problems recorded.

    Token lengths belong to generative presets, request sizes to the others; a synthetic
    generative load gets every token length spelled out."""
    if not _is_object("load", section, problems):
        return None
    assert isinstance(section, dict)
    before = len(problems)
    for key in section:
        if key in GEN_FIELDS and not generative:
            message = f"is read by generative models only (model.kind {GENERATIVE})"
            problems.append(Problem(f"load.{key}", message))
        elif key in REQUEST_SIZE_FIELDS and generative:
            message = "is not read by generative models: prompt_tokens and prompt_cv size them"
            problems.append(Problem(f"load.{key}", message))
    if len(problems) > before:
        return None
    pattern = section.get("pattern")
    if "pattern" not in section:
        problems.append(Problem("load.pattern", "is required"))
    else:
        try:
            LoadSpec(pattern=pattern).validate()  # type: ignore[arg-type]
        except ConfigError as e:
            if e.where == "pattern":  # (the other fields are defaults, or checked below)
                hint = _hint(pattern, PATTERNS)
                message = e.message.replace("; expected", f"; {hint}expected", 1)
                problems.append(Problem("load.pattern", message))
    for key, value in section.items():
        if key == "pattern":
            continue
        one = functools.partial(LoadSpec.from_dict, {key: value})
        _check(problems, "load", one, where=f"load.{key}")
    if len(problems) > before:
        return None
    used = PATTERNS[str(pattern)].reads
    for key in section:
        if key != "pattern" and key not in used:
            problems.append(
                Problem(
                    f"load.{key}",
                    f"is not used by the {pattern!r} pattern, which reads {', '.join(used)}",
                )
            )
    if len(problems) > before:
        return None
    written = section.get("trace")
    resolved = dict(section)
    if isinstance(written, str):
        resolved["trace"] = str(resolve_relative(written, base_dir))
    spec = _check(problems, "load", lambda: LoadSpec.from_dict(resolved))
    if spec is not None and generative:
        spec = _check_tokens(spec, problems)
    if spec is None or not isinstance(written, str):
        return spec
    return dataclasses.replace(spec, trace=written)


def _check_tokens(spec: LoadSpec, problems: list[Problem]) -> LoadSpec | None:
    """A generative load with its token lengths spelled out (synthetic), or its token columns
    found (a trace); None with a problem at ``load.prompt_column``/``.output_column``."""
    if spec.pattern != "trace":
        filled = {k: v for k, v in GEN_DEFAULTS.items() if getattr(spec, k) is None}
        return dataclasses.replace(spec, **filled)
    found = _check(problems, "load", lambda: check_token_columns(spec) or True)
    return None if found is None else spec


def _check_slo(section: object, generative: bool, problems: list[Problem]) -> dict[str, float]:
    """The targets by key: ``p99_ms`` for request-level presets, ``ttft_ms`` and/or
    ``tpot_ms`` for generative ones (vLLM's goodput convention); empty with problems."""
    if not _is_object("slo", section, problems):
        return {}
    assert isinstance(section, dict)
    params = GEN_SLOS if generative else (SLO_P99_MS,)
    names = tuple(p.name for p in params)
    other = (SLO_P99_MS,) if generative else GEN_SLOS
    for key in section:
        if key in names:
            continue
        if any(p.name == key for p in other):
            what = "request-level" if generative else f"generative (model.kind {GENERATIVE})"
            problems.append(
                Problem(
                    f"slo.{key}",
                    f"is a target of {what} presets; this one's are {' and '.join(names)}",
                )
            )
        else:
            problems.append(_unknown(f"slo.{key}", key, names, "key"))
    if not any(name in section for name in names):
        if generative:
            message = "is required, or tpot_ms, or both (ms to the first token / per output token)"
        else:
            message = "is required (the p99 latency target, ms)"
        problems.append(Problem(f"slo.{names[0]}", message))
        return {}
    out: dict[str, float] = {}
    for param in params:
        if param.name in section:
            value = _check(problems, "slo", lambda p=param: p.check(section[p.name]))
            if value is not None:
                out[param.name] = float(value)
    return out


def _check_measured(section: object, problems: list[Problem]) -> dict[str, Any] | None:
    """Free-form figures, but finite, and with the batch-size figures exporters read sane."""
    if not _is_object("measured", section, problems):
        return None
    assert isinstance(section, dict)
    before = len(problems)
    try:
        leaves = list(_leaves("measured", section))
    except RecursionError:
        leaves = []
        problems.append(Problem("measured", "is nested too deeply"))
    for path, value in leaves:
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(Problem(path, f"must be a finite number, got {value}"))
        elif isinstance(value, int) and not isinstance(value, bool) and _too_big(value):
            problems.append(Problem(path, "a number is too large"))
    sizes = section.get("batch_size")
    if sizes is not None and not isinstance(sizes, dict):
        problems.append(Problem("measured.batch_size", "must be an object (mean, p90, max)"))
    elif isinstance(sizes, dict):
        for key in BATCH_SIZE_FIGURES:
            value = sizes.get(key)
            if value is None:
                continue
            bad = isinstance(value, bool) or not isinstance(value, int | float)
            if bad or not (1 <= value <= 1_000_000):
                problems.append(
                    Problem(f"measured.batch_size.{key}", f"must be a number >= 1, got {value!r}")
                )
    return None if len(problems) > before else section


def _check_kind(
    section: str, d: Mapping[str, Any], table: Mapping[str, Any], what: str, problems: list[Problem]
) -> str | None:
    """The section's ``kind`` if it names an entry of ``table``, else None with a problem."""
    known = ", ".join(table)
    if "kind" not in d:
        problems.append(Problem(f"{section}.kind", f"is required; expected one of {known}"))
        return None
    kind = d["kind"]
    if isinstance(kind, str) and kind in table:
        return kind
    hint = _hint(kind, table)
    problems.append(
        Problem(f"{section}.kind", f"unknown {what} {kind!r}; {hint}expected one of {known}")
    )
    return None


def _check_params(
    section: str,
    kind: str,
    tables: Mapping[str, tuple[Param, ...]],
    given: Mapping[str, Any],
    problems: list[Problem],
) -> None:
    """One problem per unknown or invalid parameter, checked by the engine's Param table for
    ``kind`` (``tables`` holds every kind's, to say when a knob belongs to another kind)."""
    params = {p.name: p for p in tables[kind]}
    for key, value in given.items():
        param = params.get(key)
        if param is None:
            owners = [k for k, t in tables.items() if any(p.name == key for p in t)]
            if owners:
                message = (
                    f"is a parameter of the {' and '.join(owners)} {section}, not of {kind}; "
                    f"{kind} has {', '.join(params) or 'no parameters'}"
                )
                problems.append(Problem(f"{section}.{key}", message))
            else:
                what = f"{kind} {section} parameter"
                problems.append(_unknown(f"{section}.{key}", key, tuple(params), what))
            continue
        _check(problems, section, lambda p=param, v=value: p.check(v), where=f"{section}.{key}")
    for param in params.values():
        if param.default is None and param.name not in given:
            problems.append(Problem(f"{section}.{param.name}", f"is required ({param.help})"))


def _check(
    problems: list[Problem], section: str, fn: Callable[[], Any], *, where: str | None = None
) -> Any:
    """``fn()``; a ConfigError it raises becomes a problem at ``section.<its setting>``."""
    try:
        return fn()
    except ConfigError as e:
        path = where or _join(section, e.where)
        problems.append(Problem(path, e.message))
    except OverflowError:  # an integer too large for a float, e.g. 10**400
        problems.append(Problem(where or section, "a number is too large"))
    return None


def _join(section: str, where: str) -> str:
    """``batcher`` + ``max_wait_ms`` -> ``batcher.max_wait_ms``; the section's own name stays."""
    if where == section or where.startswith(f"{section}."):
        return where
    return f"{section}.{where}"


def _is_object(path: str, value: object, problems: list[Problem]) -> bool:
    if isinstance(value, dict):
        return True
    problems.append(Problem(path, f"must be an object, got {_json_type(value)}"))
    return False


def _unknown(path: str, key: object, known: Iterable[str], what: str) -> Problem:
    known = tuple(known)
    return Problem(path, f"unknown {what}; {_hint(key, known)}expected one of {', '.join(known)}")


def _hint(key: object, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(key), list(known), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def _leaves(path: str, value: Any) -> Iterable[tuple[str, Any]]:
    """Every scalar inside ``value`` with its JSON path (``measured.latency_ms.p99``)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(f"{path}.{k}", v)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(f"{path}[{i}]", v)
    else:
        yield path, value


def _too_big(n: int) -> bool:
    try:
        float(n)
    except OverflowError:
        return True
    return False


def _json_type(value: object) -> str:
    """The JSON name of a Python value's type, as a person editing the file sees it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, int | float):
        return f"{value!r} (a number)"
    if isinstance(value, str):
        return f"{value!r} (a string)"
    if isinstance(value, list):
        return "an array"
    return "an object"
