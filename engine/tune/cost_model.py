"""The cost a search runs on: the scenario's own cost model, or a torch model's measured profile.

A search runs thousands of trials, so a real model is measured once (``t(n)`` for every batch
size the space can reach) and the trials read that table; the real model is kept for
validation, which serves it under the same conditions (``conditions.torch_threads``).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from batchtui.engine.load.spec import MAX_RATE_RPS
from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import Scenario
from batchtui.engine.service import build_service
from batchtui.engine.service.factory import Progress
from batchtui.engine.service.profile import PROFILE_FORMAT, ProfileCost
from batchtui.engine.tune.conditions import torch_threads

SATURATE_X = 1.25
"""The capacity run offers this much more than the fastest any batch size could serve."""
SATURATE_SEARCH = 0.01
"""Throughput searches start from 1% of that bound by default."""


def profiled(
    scenario: Scenario, max_batch: int, folder: Path, on_progress: Progress | None
) -> Scenario:
    """``scenario`` on the measured profile of its torch model (written into ``folder``);
    analytic and profile scenarios come back as they are. On the CPU it is measured with the
    torch thread count ``validate_winner`` serves with (recorded as ``torch_threads``)."""
    if not scenario.model.is_torch:
        return scenario
    with torch_threads(scenario.device) as threads:
        cost = build_service(
            scenario.model,
            scenario.seed,
            device=scenario.device,
            service="profile",
            max_batch_size=max_batch,
            compile=scenario.compile,
            on_progress=on_progress,
        )
    assert isinstance(cost, ProfileCost)
    path = folder / "profile.json"
    points = [{"batch_size": n, "median_ms": ms} for n, ms in cost.points.items()]
    doc = {
        "format": PROFILE_FORMAT,
        "model": cost.source,
        "torch_threads": threads,
        "points": points,
    }
    if cost.wakeup is not None:  # the machine's wake-up lateness: the search charges it
        doc["wakeup"] = cost.wakeup.to_json()
    if cost.batch_time is not None:  # each size's batch-time spread: the search draws from it
        doc["batch_time"] = cost.batch_time.to_json()
    path.write_text(json.dumps(doc, indent=2) + "\n")
    model = ModelSpec("profile", {"path": str(path)})
    return dataclasses.replace(scenario, model=model, service="auto", device="auto")


def peak_rps(scenario: Scenario, max_batch: int) -> float:
    """The most requests per second any batch size up to ``max_batch`` could serve."""
    cost = scenario.build_service()
    mean_ms = cost.mean_ms  # type: ignore[attr-defined]  # analytic and profile costs have it
    best = max(n / mean_ms(n) for n in range(1, max_batch + 1)) * 1000.0
    return min(best, MAX_RATE_RPS)


def saturate_rps(scenario: Scenario, max_batch: int) -> float:
    """An offered load beyond every setting's capacity, for the capacity runs."""
    return min(SATURATE_X * peak_rps(scenario, max_batch), MAX_RATE_RPS)
