"""What to run: load, service model, lanes and limits, as one validated value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from batchtui.engine.device import check_device_name
from batchtui.engine.errors import ConfigError
from batchtui.engine.load import LoadSpec
from batchtui.engine.load.spec import GEN_FIELDS
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.spec import GENERATIVE_KINDS
from batchtui.engine.params import Param
from batchtui.engine.policies import POLICIES, make_policy
from batchtui.engine.service import ServiceTime, build_service
from batchtui.engine.service.factory import SERVICE_MODES, Progress

DEFAULT_LANES = ("static", "dynamic", "predictive")

MAX_QUEUE = Param(
    "max_queue", int, None, 1, 2**31 - 1,
    "admission control: reject arrivals beyond N waiting", metavar="N",
)  # fmt: skip
MAX_INFLIGHT = Param("max_inflight", int, 1, 1, 64, "batches on the device at once", metavar="N")
SLO_MS = Param(
    "slo_ms", float, None, 0.001, 3_600_000.0,
    "latency SLO; reports goodput (requests/s finished within it)", unit="ms",
)  # fmt: skip
LIMIT_PARAMS = (MAX_QUEUE, MAX_INFLIGHT, SLO_MS)
"""A scenario's limits, checked by ``Scenario.validate`` and offered as flags by the CLI."""


@dataclass(frozen=True)
class LaneSpec:
    """One lane: its display name and its batcher (``kind`` plus that policy's parameters)."""

    name: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", dict(self.params))  # picklable, like ModelSpec


@dataclass(frozen=True)
class Scenario:
    """Everything one run needs; ``validate`` reports the first problem by its setting name."""

    load: LoadSpec = field(default_factory=LoadSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    lanes: tuple[LaneSpec, ...] = tuple(LaneSpec(k, k) for k in DEFAULT_LANES)
    max_queue: int | None = None
    max_inflight: int = 1
    slo_ms: float | None = None
    seed: int = 0
    device: str = "auto"
    service: str = "auto"  # torch models: "real" (run every batch; the default) or "profile"
    compile: bool = False  # torch models: torch.compile per batch shape (CUDA graphs on CUDA)

    @property
    def max_batch_size(self) -> int:
        """The largest batch any lane may send: how far the model is warmed up and profiled."""
        return max(
            int(make_policy(lane.kind, **lane.params).params["max_batch_size"])
            for lane in self.lanes
        )

    def build_service(self, on_progress: Progress | None = None) -> ServiceTime:
        """The service-time source for this scenario's model (one per lane via ``for_lane``)."""
        return build_service(
            self.model,
            self.seed,
            device=self.device,
            service=self.service,
            max_batch_size=self.max_batch_size,
            compile=self.compile,
            on_progress=on_progress,
        )

    def validate(self) -> None:
        self.load.validate()
        self.model.validate()
        if self.model.kind in GENERATIVE_KINDS:
            raise ConfigError(
                "kind", f"{self.model.kind} is a generative model: 'batchtui run' serves it"
            )
        for name in GEN_FIELDS:
            if getattr(self.load, name) is not None:
                raise ConfigError(name, "is read by generative models (analytic-llm) only")
        check_device_name(self.device)
        if self.service not in SERVICE_MODES:
            known = ", ".join(SERVICE_MODES)
            raise ConfigError("service", f"expected one of {known}, got {self.service!r}")
        if not self.lanes:
            raise ConfigError("lanes", "at least one lane is needed")
        names = [lane.name for lane in self.lanes]
        for name in names:
            if names.count(name) > 1:
                raise ConfigError("lanes", f"lane {name!r} is named twice")
        for lane in self.lanes:
            if lane.kind not in POLICIES:
                raise ConfigError(
                    "lanes", f"unknown batcher {lane.kind!r}; expected one of {', '.join(POLICIES)}"
                )
            make_policy(lane.kind, **lane.params)
        for param in LIMIT_PARAMS:
            value = getattr(self, param.name)
            if value is not None or param.default is not None:
                param.check(value)
