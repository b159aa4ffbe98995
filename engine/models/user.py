"""Users' own models: a TorchScript file, a torch.export file, or ``package.module:factory``.

Every way a model can fail to load is one ConfigError that names the file (or the import
target) and the reason, in words; nothing reaches the person as a traceback.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import warnings
from collections.abc import Iterator, Mapping
from typing import Any, cast

import torch
from torch import nn

from batchtui.engine.errors import ConfigError
from batchtui.engine.models.archive import ARCHIVES, archive_kind
from batchtui.engine.models.generative import GenerativeModel, check_generative
from batchtui.engine.models.inputs import (
    TensorInput,
    parse_tensor_input,
    tensor_input_like,
)
from batchtui.engine.models.loaded import LoadedModel
from batchtui.engine.models.reasons import reason

USER_KINDS = ("torchscript", "export", "factory")
"""Model kinds that come from the person: a file or an import target."""


def load_user_model(
    kind: str, params: Mapping[str, Any], device: torch.device, max_batch_size: int
) -> LoadedModel:
    """The user model ``kind`` described by validated ``params``, on ``device``, in eval mode."""
    if kind == "torchscript":
        return load_torchscript(params["path"], _given_input(params, params["path"]), device)
    if kind == "export":
        return load_export(params["path"], device, max_batch_size)
    return load_factory(params["target"], params, device)


def _check_archive(path: str, wanted: str) -> None:
    _check_file(path)
    found = archive_kind(path)
    if found == wanted:
        return
    name, save = ARCHIVES[wanted]
    if found in ARCHIVES:
        message = f"is a {ARCHIVES[found][0]} archive, not {name}"
    elif found == "checkpoint":
        message = f"is a torch.save checkpoint (weights without code); save a model with {save}"
    else:
        message = f"not a {name} archive ({found})"
    raise ConfigError("path", f"{path}: {message}")


def load_torchscript(path: str, spec: TensorInput, device: torch.device) -> LoadedModel:
    """A ``torch.jit.save`` archive, loaded straight onto ``device``."""
    _check_archive(path, "torchscript")
    try:
        with warnings.catch_warnings():
            # TorchScript is deprecated upstream, but it is what the person chose to give us.
            warnings.simplefilter("ignore", DeprecationWarning)
            module = torch.jit.load(path, map_location=device)
    except Exception as e:
        raise ConfigError("path", f"{path}: could not load TorchScript ({reason(e)})") from None
    return LoadedModel(module.eval(), spec, "path", path)


def load_export(path: str, device: torch.device, max_batch_size: int) -> LoadedModel:
    """A ``torch.export.save`` archive; its example inputs say what one request looks like."""
    _check_archive(path, "export")
    try:
        with _quiet("torch.export"):
            program = torch.export.load(path)
    except Exception as e:
        raise ConfigError("path", f"{path}: could not load torch.export ({reason(e)})") from None
    spec = _export_input(path, program, max_batch_size)
    try:
        if device.type != "cpu":
            program = torch.export.passes.move_to_device_pass(program, device)
        module = program.module()
    except Exception as e:
        raise ConfigError("path", f"{path}: could not move to {device} ({reason(e)})") from None
    # An exported graph is frozen in the mode it was exported in (it refuses .eval()).
    return LoadedModel(module, spec, "path", path)


def load_factory(target: str, params: Mapping[str, Any], device: torch.device) -> LoadedModel:
    """Import ``package.module:function`` and call it: a module, or a (module, input spec)."""
    made = _call_factory(target)
    module, example = made if isinstance(made, tuple) and len(made) == 2 else (made, None)
    if not isinstance(module, nn.Module):
        raise ConfigError(
            "target",
            f"{target}: returned {_kind_of(made)}; expected a torch.nn.Module "
            "or a (module, input spec) pair",
        )
    if params["input_shape"] != "auto":
        spec = _given_input(params, target)
    elif isinstance(example, TensorInput):
        spec = example
    elif isinstance(example, torch.Tensor):
        spec = tensor_input_like(example)
    elif example is None:
        raise ConfigError(
            "input_shape",
            f"{target}: the factory gave no input spec; give input_shape (e.g. 3,32,32) and dtype",
        )
    else:
        raise ConfigError(
            "target",
            f"{target}: its input spec is {_kind_of(example)}; expected one request's example "
            "tensor (no batch dimension) or a TensorInput",
        )
    try:
        module = module.to(device).eval()
    except Exception as e:
        raise ConfigError("target", f"{target}: could not move to {device} ({reason(e)})") from None
    return LoadedModel(module, spec, "target", target)


def load_gen_factory(target: str, device: torch.device) -> GenerativeModel:
    """Import ``package.module:function`` and call it: a module that follows the generative
    contract (engine/models/generative.py), moved to ``device`` in eval mode."""
    made = _call_factory(target)
    if not isinstance(made, nn.Module):
        raise ConfigError(
            "target", f"{target}: returned {_kind_of(made)}; expected a torch.nn.Module"
        )
    check_generative(made, target)
    try:
        module = made.to(device).eval()
    except Exception as e:
        raise ConfigError("target", f"{target}: could not move to {device} ({reason(e)})") from None
    return cast(GenerativeModel, module)


def _given_input(params: Mapping[str, Any], label: str) -> TensorInput:
    try:
        return parse_tensor_input(params["input_shape"], params["dtype"], params["int_high"])
    except ConfigError as e:
        raise ConfigError(e.where, f"{label}: {e.message}") from None


def _check_file(path: str) -> None:
    if not os.path.exists(path):
        raise ConfigError("path", f"{path}: no such file")
    if os.path.isdir(path):
        raise ConfigError("path", f"{path}: is a directory, not a model file")


def _call_factory(target: str) -> object:
    module_name, _, attribute = target.partition(":")
    if (
        not module_name
        or not attribute
        or not all(part.isidentifier() for part in [*module_name.split("."), *attribute.split(".")])
    ):
        raise ConfigError("target", f"expected package.module:function, got {target!r}")
    if os.getcwd() not in sys.path:
        # As uvicorn and gunicorn do: the person's own package in the working directory is
        # importable even when we were started as a console script.
        sys.path.insert(0, os.getcwd())
    try:
        found: object = importlib.import_module(module_name)
    except Exception as e:
        raise ConfigError(
            "target", f"{target}: cannot import {module_name} ({reason(e)})"
        ) from None
    for name in attribute.split("."):
        if not hasattr(found, name):
            raise ConfigError("target", f"{target}: {module_name} has no {attribute!r}")
        found = getattr(found, name)
    if not callable(found):
        raise ConfigError("target", f"{target}: is {_kind_of(found)}, not a function to call")
    try:
        return found()
    except Exception as e:
        raise ConfigError("target", f"{target}: the factory raised {reason(e)}") from None


def _export_input(path: str, program: Any, max_batch_size: int) -> TensorInput:
    args, kwargs = program.example_inputs or ((), {})
    if kwargs or len(args) != 1 or not isinstance(args[0], torch.Tensor):
        raise ConfigError(
            "path", f"{path}: expected a program of one tensor input (a batch of requests)"
        )
    example: torch.Tensor = args[0]
    if example.dim() == 0:
        raise ConfigError("path", f"{path}: its input has no batch dimension")
    name = program.graph_signature.user_inputs[0]
    node = next(n for n in program.graph.nodes if n.op == "placeholder" and n.name == name)
    batch = node.meta["val"].shape[0]
    if isinstance(batch, int):
        raise ConfigError(
            "path",
            f"{path}: its batch dimension is static (exported for batches of {batch}); export "
            'with dynamic_shapes={"x": {0: torch.export.Dim("batch")}} (your input\'s name)',
        )
    bounds = program.range_constraints.get(batch.node.expr)
    if bounds is not None:
        lower, upper = _as_int(bounds.lower, 0), _as_int(bounds.upper, max_batch_size)
        if lower > 1 or upper < max_batch_size:
            raise ConfigError(
                "path",
                f"{path}: its batch dimension allows {lower}..{upper}; batches of "
                f"1..{max_batch_size} are needed",
            )
    return tensor_input_like(example[0])


def _as_int(bound: object, otherwise: int) -> int:
    try:
        return int(bound)  # type: ignore[call-overload]
    except Exception:  # sympy's infinities refuse int() in several ways
        return otherwise  # an unbounded side meets any need


def _kind_of(value: object) -> str:
    if value is None:
        return "None"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiouAEIOU' else 'a'} {name}"


@contextlib.contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    # torch.export.load logs its own tracebacks as warnings before raising; the ConfigError
    # we raise says it once, in words.
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
