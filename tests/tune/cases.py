"""Small scenarios the tune tests share: an analytic cost, a measured-looking profile."""

from __future__ import annotations

import json
from pathlib import Path

from batchtui.engine.load import LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import LaneSpec, Scenario
from batchtui.engine.service.profile import PROFILE_FORMAT

PROFILE_MS = {
    1: 1.6,
    2: 1.7,
    4: 1.9,
    8: 2.3,
    16: 3.0,
    32: 4.4,
    64: 7.0,
    128: 12.5,
    256: 23.0,
    512: 44.0,
    1024: 86.0,
}
"""A GPU-like t(n): flat at first, then linear (illustrative figures, not a real device)."""


def analytic(kind: str = "static", rate: float = 1000.0, pattern: str = "constant") -> Scenario:
    """One lane on t(n) = 2 + 0.05 n ms, deterministic."""
    return Scenario(
        load=LoadSpec(pattern=pattern, rate_rps=rate),
        model=ModelSpec("analytic", {"base_ms": 2.0, "per_item_ms": 0.05}),
        lanes=(LaneSpec(kind, kind),),
    )


def write_profile(folder: Path) -> Path:
    """PROFILE_MS as a batchtui.profile/1 file."""
    path = folder / "profile.json"
    points = [{"batch_size": n, "median_ms": ms} for n, ms in PROFILE_MS.items()]
    path.write_text(json.dumps({"format": PROFILE_FORMAT, "points": points}))
    return path


def on_profile(path: Path, kind: str = "static", rate: float = 3000.0) -> Scenario:
    """One lane on the profile at a Poisson load."""
    return Scenario(
        load=LoadSpec(pattern="poisson", rate_rps=rate),
        model=ModelSpec("profile", {"path": str(path)}),
        lanes=(LaneSpec(kind, kind),),
    )
