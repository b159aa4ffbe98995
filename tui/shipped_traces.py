"""Traces that ship inside the package, by short name, so ``--trace azure-conv`` works anywhere."""

from __future__ import annotations

from pathlib import Path

from batchtui.engine.errors import ConfigError
from batchtui.presets import builtin_dir

SHIPPED_TRACES = {"azure-conv": "AzureLLMInferenceTrace_conv.csv"}
"""Short name -> file in presets/builtin/traces (see its README.md for source and licence)."""

NAMES_HELP = ", ".join(SHIPPED_TRACES)


def resolve_trace(text: str, flag: str = "--trace") -> str:
    """The file ``--trace TEXT`` means: an existing file, else a shipped trace by name (or by
    its file name), else TEXT itself (the trace loader then says what is wrong with it)."""
    if Path(text).expanduser().exists():
        return text
    by_file = {file: file for file in SHIPPED_TRACES.values()}
    file = SHIPPED_TRACES.get(text) or by_file.get(text)
    if file is not None:
        return str(builtin_dir() / "traces" / file)
    if "/" not in text and "." not in text:  # a name, not a path
        raise ConfigError(
            flag, f"no file or shipped trace named {text!r}; shipped traces: {NAMES_HELP}"
        )
    return text


def trace_label(path: str) -> str:
    """How a header names the trace at ``path``: a shipped trace by its short name
    (``azure-conv``, not its path inside the package), any other as the path given."""
    folder = builtin_dir() / "traces"
    for name, file in SHIPPED_TRACES.items():
        if Path(path) == folder / file:
            return name
    return path
