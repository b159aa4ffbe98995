"""Command-line flags built from ``Param`` declarations, so a knob's flag, type, limits and help
are written once (in the engine) and every command that takes it says the same."""

from __future__ import annotations

import argparse
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.params import Param, fmt

_METAVARS = {"req/s": "RPS", "s": "S", "ms": "MS"}


def add_param_flag(
    group: argparse._ActionsContainer,
    param: Param,
    *,
    default: object = None,
    help: str | None = None,
    unset: Any = None,
) -> None:
    """Add ``param.cli_flag``, storing into ``args.<param.name>`` (``unset`` when not given).

    ``default`` is what the command uses when the flag is left out, shown in the help (the
    dashboard and ``run`` start from different loads); ``help`` replaces the one-line help.
    """
    text = help if help is not None else param.help
    unit = f" {param.unit}" if param.unit else ""
    if isinstance(default, int | float) and not isinstance(default, bool):
        text += f" (default: {fmt(default)}{unit})"
    elif isinstance(default, str):
        text += f" (default: {default})"
    elif unit:
        text += f" ({unit.strip()})"
    kwargs: dict[str, Any] = {"dest": param.name, "default": unset, "help": text}
    if param.metavar:
        kwargs["metavar"] = param.metavar
    if param.choices:
        kwargs["choices"] = param.choices
    elif param.kind is bool:
        kwargs["action"] = "store_true"
    elif param.kind is int:
        kwargs.setdefault("metavar", "N")
        kwargs["type"] = int
    elif param.kind is float:
        kwargs.setdefault("metavar", _METAVARS.get(param.unit, "X"))
        kwargs["type"] = float
    else:
        kwargs.setdefault("metavar", "PATH")
    group.add_argument(param.cli_flag, **kwargs)


def checked(param: Param, value: Any) -> Any:
    """``value`` checked against ``param``, any problem reported by its flag."""
    try:
        return param.check(value)
    except ConfigError as e:
        raise e.at(param.cli_flag) from None
