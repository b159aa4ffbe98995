"""The static settings that stand in for a batcher on a server that only has static batching.

Every server here batches by a size limit and a wait. A static preset maps exactly; another
policy has no equivalent (its ``SERVER_NOTE`` says what is lost), so we export the static
settings closest to what it did (from the preset's ``measured`` batch sizes when it has them)
and say so. A policy without a size limit and a wait is refused by its ``server_limits``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from batchtui.engine.policies import POLICIES
from batchtui.presets.schema import Preset


@dataclass(frozen=True)
class ServerSettings:
    """What to give a server: its hard ``max_batch_size``; ``batch_size``, the size at which a
    server without preferred sizes should send; Triton's ``preferred_batch_sizes``; the wait."""

    max_batch_size: int
    batch_size: int
    preferred_batch_sizes: tuple[int, ...]
    max_wait_ms: float
    notes: tuple[str, ...]


def server_settings(preset: Preset) -> ServerSettings:
    """The static settings that approximate ``preset``'s batcher, and what that loses."""
    params = preset.batcher_params
    policy = POLICIES[preset.batcher_kind]
    cap, wait = policy.server_limits(params)
    notes = _model_notes(preset)
    if policy.SERVER_NOTE is None:
        return ServerSettings(cap, cap, (cap,), wait, notes)

    typical = _typical_batch(preset, cap)
    what = policy.SERVER_NOTE.format(kind=policy.kind, **params)
    if typical is None:
        approx = (
            f"This preset has no measured batch sizes, so the policy's limits are exported "
            f"(max_batch_size {cap}, max wait {wait:g} ms): a static batcher with them waits "
            f"for a full batch or the timeout, which the adaptive one does not, so expect "
            f"higher latency at light load. Run `batchtui run --preset {preset.name}` and "
            f"record its batch sizes in `measured` for a closer approximation."
        )
        return ServerSettings(cap, cap, (cap,), wait, (f"{what} {approx}", *notes))
    approx = (
        f"Exported the static settings that approximate it as measured: send at {typical} "
        f"requests (the 90th percentile of its batch sizes in `measured`), never more than "
        f"{cap}, waiting at most {wait:g} ms. Under heavier load than measured, raise the batch "
        f"size toward {cap}."
    )
    preferred = tuple(sorted({typical, cap}))
    return ServerSettings(cap, typical, preferred, wait, (f"{what} {approx}", *notes))


def _typical_batch(preset: Preset, cap: int) -> int | None:
    """The measured 90th-percentile batch size (else the mean), rounded up, within [1, cap]."""
    sizes = (preset.measured or {}).get("batch_size")
    if not isinstance(sizes, dict):
        return None
    figure = sizes.get("p90", sizes.get("mean"))
    if figure is None:
        return None
    return max(1, min(cap, math.ceil(float(figure))))


def _model_notes(preset: Preset) -> tuple[str, ...]:
    """Caveats every export shares: what the settings were tuned on, and the SLO."""
    notes = []
    if preset.model.kind == "analytic":
        notes.append(
            "These settings were tuned on an analytic cost model, not on your model: "
            "re-measure with your model before relying on them."
        )
    if preset.slo_p99_ms is not None:
        notes.append(
            f"The p99 target ({preset.slo_p99_ms:g} ms) is not a server setting: check it "
            f"with a load test."
        )
    return tuple(notes)
