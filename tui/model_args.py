"""The model flags ``run`` and ``profile`` share: which model, its parameters, which device."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from batchtui.engine.device import DEVICE_NAMES, check_device_name
from batchtui.engine.errors import ConfigError
from batchtui.engine.models import MODEL_KINDS, ModelSpec
from batchtui.engine.models.archive import sniff_kind

NAMED = (
    "analytic", "profile", "mlp", "transformer", "conv", "analytic-llm", "tiny-gpt", "gen-factory"
)  # fmt: skip
_FACTORY = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
MODEL_HELP = (
    "analytic, mlp, transformer, conv, analytic-llm or tiny-gpt (generative), gen-factory "
    "(with --model-param target=package.module:function), a TorchScript file (.pt), "
    "a torch.export file (.pt2), or package.module:factory"
)


def add_model_arguments(group: argparse._ArgumentGroup, default: str, unset: Any = None) -> None:
    """``--model``, ``--model-param``, ``--compile`` and ``--device`` (``unset`` when not given)."""
    group.add_argument(
        "--model", metavar="MODEL", default=unset, help=f"{MODEL_HELP} (default: {default})"
    )
    group.add_argument(
        "--model-param",
        action="append",
        default=[] if unset is None else unset,
        metavar="KEY=VALUE",
        help="a model parameter, e.g. width=2048 for mlp (repeatable)",
    )
    group.add_argument(
        "--compile",
        action="store_true",
        default=False if unset is None else unset,
        help="torch models: torch.compile each batch shape (CUDA graphs on CUDA); slow to start",
    )
    group.add_argument(
        "--device",
        default=unset,
        help=f"{', '.join(DEVICE_NAMES)}; auto picks cuda, then mps, then cpu (default: auto)",
    )


def model_flag(where: str, kind: str) -> str:
    """The flag a model setting came from: engine names (``path``, ``target``, ``heads``,
    ``device``) become what the user typed (``--model``, ``--model-param heads``)."""
    if kind == "gen-factory" and where == "target":
        return "--model-param target"
    if where in ("path", "target", "kind"):
        return "--profile" if kind == "profile" and where == "path" else "--model"
    if where == "device":
        return "--device"
    if kind == "analytic" and any(p.name == where for p in MODEL_KINDS["analytic"]):
        return "--" + where.replace("_", "-")
    return f"--model-param {where}"


def model_kind_and_params(text: str) -> tuple[str, dict[str, Any]]:
    """What ``--model TEXT`` names: a built-in kind, a file, or a factory."""
    if text in NAMED:
        return text, {}
    if Path(text).is_file():  # the archive says which kind of model file it is
        return sniff_kind(text) or ("export" if text.endswith(".pt2") else "torchscript"), {
            "path": text
        }
    if text.endswith(".pt2"):
        return "export", {"path": text}
    if re.search(r"\.(pt|pth|ts|torchscript)$", text):
        return "torchscript", {"path": text}
    if _FACTORY.match(text):
        return "factory", {"target": text}
    raise ConfigError("--model", f"unknown model {text!r}; expected {MODEL_HELP}")


def model_from_args(
    args: argparse.Namespace, default: str, extra: dict[str, tuple[str, Any]] | None = None
) -> ModelSpec:
    """A validated ModelSpec from the flags. ``extra`` maps parameter names to (the flag
    that gave them, value), so a bad value is reported by that flag."""
    kind, params = model_kind_and_params(args.model or default)
    if kind in ("torchscript", "export") and not Path(params["path"]).is_file():
        what = "is a folder, not a model file" if Path(params["path"]).is_dir() else "no such file"
        raise ConfigError("--model", f"{params['path']}: {what}")
    flags = {name: "--model" for name in params} | {"kind": "--model"}
    for name, (flag, value) in (extra or {}).items():
        params[name], flags[name] = value, flag
    for item in args.model_param:
        key, eq, raw = item.partition("=")
        if not eq or not key.strip():
            raise ConfigError("--model-param", f"expected KEY=VALUE, got {item!r}")
        declared = {p.name: p.kind for p in MODEL_KINDS.get(kind, ())}
        key = key.strip()
        params[key] = raw.strip() if declared.get(key) is str else _number_or_text(raw.strip())
    spec = ModelSpec(kind, params)
    try:
        spec.validate()
    except ConfigError as e:
        raise e.at(flags.get(e.where) or model_flag(e.where, kind)) from None
    check_device(args.device or "auto")
    return spec


def check_device(name: str) -> str:
    """The ``--device`` value, checked for form (presence is checked when the model loads)."""
    try:
        return check_device_name(name)
    except ConfigError as e:
        raise e.at("--device") from None


def _number_or_text(raw: str) -> int | float | str:
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    return raw
