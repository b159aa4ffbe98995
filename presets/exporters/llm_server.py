"""What the vLLM, SGLang and TGI exporters share: the continuous batcher's settings, the
caveats every one of them carries, and the runnable shell script they are written as.

Only a ``continuous`` preset exports to these servers: they schedule every step
(iteration-level batching), and a request-level batcher's rule for forming whole batches
has no setting there.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.presets.exporters.base import comment_header
from batchtui.presets.schema import Preset

_NOT_PARAMS = ("kind", "device", "profile", "r2", "worst_relative_error")
"""Keys of ``measured.fitted_from`` that are not the fitted model's parameters."""
MODEL_VARIABLE = "MODEL"
"""The environment variable the scripts read the model from (a name or a local folder)."""


def continuous_params(preset: Preset, fmt: str) -> Mapping[str, Any]:
    """The preset's continuous-batcher settings; a ConfigError naming ``--format`` otherwise."""
    if preset.batcher_kind != "continuous":
        raise ConfigError(
            "--format",
            f"{fmt} schedules every step (continuous batching), and {preset.name!r} holds a "
            f"{preset.batcher_kind} batcher, a request-level rule {fmt} has no setting for; "
            f"save a continuous lane instead (batchtui run --preset {preset.name} "
            f"--save-preset continuous=PATH)",
        )
    return preset.batcher_params


def shared_notes(preset: Preset) -> list[str]:
    """Caveats every LLM-server export carries: what it was tuned on, and the token SLOs."""
    notes = []
    fitted = (preset.measured or {}).get("fitted_from")
    if preset.model.kind == "analytic-llm" and isinstance(fitted, Mapping):
        params = ", ".join(f"{k}={v}" for k, v in fitted.items() if k not in _NOT_PARAMS)
        r2 = fitted.get("r2")
        quality = f", fit R^2 {r2:.2f}" if isinstance(r2, int | float) else ""
        notes.append(
            f"These settings were tuned on analytic step costs fitted to {fitted.get('kind')} "
            f"({params}) on {fitted.get('device', '?')}{quality}, not on your model and GPU: "
            "re-measure before relying on them."
        )
    elif preset.model.kind == "analytic-llm":
        notes.append(
            "These settings were tuned on an analytic step-cost model (its coefficients are in "
            "the preset), not on your model and GPU: re-measure before relying on them."
        )
    targets = {"TTFT": preset.slo_ttft_ms, "TPOT": preset.slo_tpot_ms}
    given = ", ".join(f"{k} {v:g} ms" for k, v in targets.items() if v is not None)
    if given:
        notes.append(
            f"The targets ({given}) are not server settings: check them with a load test "
            "that reports goodput (e.g. vLLM's benchmark, --goodput ttft:MS tpot:MS)."
        )
    return notes


def shell_script(
    preset: Preset, target: str, notes: Sequence[str], command: Sequence[str], flags: Sequence[str]
) -> str:
    """A POSIX shell script: the comment header, then ``exec COMMAND FLAG...``, one flag with
    its value per line, passing the script's own arguments on (to add flags)."""
    usage = f"# Run: {MODEL_VARIABLE}=<model id or folder> sh THIS_FILE [other server flags]\n"
    model = f'"${{{MODEL_VARIABLE}:?set {MODEL_VARIABLE} to the model to serve}}"'
    head = " ".join([*(shlex.quote(word) for word in command), model])
    lines = [f"exec {head}", *(f"  {flag}" for flag in flags), '  "$@"']
    return (
        "#!/bin/sh\n"
        + comment_header("#", preset, target, notes)
        + usage
        + " \\\n".join(lines)
        + "\n"
    )


def flag(name: str, value: object | None = None) -> str:
    """``--name value`` (or ``--name`` alone), quoted for the shell."""
    return name if value is None else f"{name} {shlex.quote(str(value))}"
