"""A live generative run: every lane served on the real model, one after another, on the same
requests at their scheduled wall times, as a ``batchtui.run/2`` report with ``"mode": "live"``.

Each lane has the device to itself while it serves (the others wait), so its figures are what
it would see alone, as in the simulator; the figures come from the same Timeline code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from batchtui.engine.device import describe_device
from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.continuous import Continuous
from batchtui.engine.gen.figures import lane_figures
from batchtui.engine.gen.live_continuous import serve_continuous_live
from batchtui.engine.gen.live_model import LiveModel, check_fits_context
from batchtui.engine.gen.live_request import serve_request_level_live
from batchtui.engine.gen.run import GenScenario, batcher, gen_report
from batchtui.engine.gen.timeline import Timeline
from batchtui.engine.gen.workload import GenRequests, gen_requests
from batchtui.engine.scenario import LaneSpec

WARM_UP_STEPS = 3
"""Decode steps of the warm-up batch that runs before the first lane (first-call costs)."""


def serve_live(
    lane: LaneSpec, model: LiveModel, requests: GenRequests
) -> tuple[dict[str, Any], Timeline]:
    """Serve one lane live over the requests: its batcher's description and its timeline."""
    policy = batcher(lane)
    if isinstance(policy, Continuous):
        return policy.to_json(), serve_continuous_live(policy, model, requests)
    return policy.to_json(), serve_request_level_live(policy, model, requests)


def check_accounted(lane: dict[str, Any]) -> None:
    """Every arrived request is completed or rejected, once (a live run that lost one is a bug)."""
    if lane["completed"] + lane["rejected"] != lane["arrived"]:
        raise RuntimeError(
            f"{lane['name']}: {lane['arrived']} arrived but {lane['completed']} completed and "
            f"{lane['rejected']} rejected"
        )


def warm_up(model: LiveModel, requests: GenRequests) -> None:
    """A short prefill and a few decodes of the first requests, so the first lane does not pay
    the allocator's and kernels' first-call costs."""
    n = min(4, len(requests))
    chunks = [(rid, 0, int(min(requests.prompt[rid], 16))) for rid in range(n)]
    states = model.prefill(chunks, [None] * n)
    for _ in range(WARM_UP_STEPS):
        if min(c[2] for c in chunks) + WARM_UP_STEPS > model.max_context:
            break
        states = model.decode(states)
    model.sync()


def run_generative_live(
    scenario: GenScenario,
    duration_s: float,
    module: Any,
    device: torch.device,
    on_lane: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Requests arriving over ``duration_s``, each lane served live and drained: run/2.
    ``module`` keeps the generative contract; ``on_lane`` is told each lane as it starts."""
    if not duration_s > 0:
        raise ConfigError("duration", f"must be > 0 seconds, got {duration_s!r}")
    requests = gen_requests(scenario.load, duration_s, scenario.seed)
    model = LiveModel(module, device, requests, scenario.seed)
    check_fits_context(requests, model.max_context, "max_context")
    if len(requests):
        warm_up(model, requests)
    lanes = []
    for lane in scenario.lanes:
        if on_lane is not None:
            on_lane(lane.name)
        described, timeline = serve_live(lane, model, requests)
        figures = lane_figures(
            lane.name, described, requests, timeline, scenario.slo_ttft_ms, scenario.slo_tpot_ms
        )
        check_accounted(figures)
        lanes.append(figures)
    described = {
        **scenario.model.to_dict(),
        "device": str(device),
        "device_name": describe_device(device),
    }
    return gen_report(scenario, duration_s, "live", described, requests, lanes)
