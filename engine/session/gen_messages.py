"""What a generative session says to the dashboard, and the one command it adds: small values
that pickle and import no torch (the UI process reads them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from batchtui.engine.metrics.summary import Summary
from batchtui.engine.session.messages import Snapshot


@dataclass(frozen=True)
class SetTokenSlo:
    """Measure goodput against these SLOs from now on (None: that SLO is not set)."""

    ttft_ms: float | None
    tpot_ms: float | None


@dataclass(frozen=True)
class GenLaneStats:
    """One generative lane's figures over a span of virtual time.

    TTFT over requests whose first token came in the span, TPOT and end to end over those
    that finished in it (vLLM's conventions); tokens/s from every token produced in it.
    Occupancy: sequences per step (``seqs_mean``; ``active_mean`` of them still generating)
    against the lane's cap. Accounting is since the session started and always adds up:
    ``arrived == completed + rejected + dropped + in_progress``; ``dropped`` are the arrivals
    that found the lane's bounded waiting queue full.
    """

    name: str
    batcher: dict[str, Any]
    span_s: float
    ttft: Summary
    tpot: Summary
    e2e: Summary
    output_tokens_per_s: float
    requests_per_s: float
    goodput_rps: float | None
    steps: int
    seqs_mean: float | None
    active_mean: float | None
    seqs_cap: int
    kv_tokens: int  # held at the last step
    kv_peak: int  # most held in any step of the span
    kv_capacity: int | None  # None: the lane has no KV-cache limit
    preemptions: int
    arrived: int
    completed: int
    rejected: int
    dropped: int
    in_progress: int
    saturated: bool = False  # its backlog grows or it drops arrivals (recent window only)


@dataclass(frozen=True)
class GenLaneSeries:
    """One lane's points, oldest first, each over the ``step_s`` before it: TTFT p99 (NaN
    when no first token came), output tokens/s, the KV cache's peak, and at its end the
    backlog (arrived, not finished, rejected or dropped), arrivals and drops since start."""

    name: str
    step_s: float
    ttft_p99_ms: tuple[float, ...]
    output_tokens_per_s: tuple[float, ...]
    kv_peak_tokens: tuple[int, ...]
    kv_capacity: int | None
    backlog: tuple[int, ...]
    arrived: tuple[int, ...]
    dropped: tuple[int, ...]
    seqs_mean: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.backlog)


@dataclass(frozen=True)
class GenSnapshot(Snapshot):
    """Every generative lane's figures at one instant: a Snapshot (so whatever waits for one
    takes it) whose lanes are GenLaneStats, with the token SLOs in force."""

    recent: tuple[GenLaneStats, ...]  # type: ignore[assignment]  # over the last window_s
    total: tuple[GenLaneStats, ...]  # type: ignore[assignment]  # since the last reset
    slo_ttft_ms: float | None = None
    slo_tpot_ms: float | None = None
    arrival_rps: float | None = None  # measured over the last window_s (None: no time yet)
    series: tuple[GenLaneSeries, ...] = ()  # per lane, its figures per second (the charts)
    next_request_in_s: float | None = None  # until the next arrival (inf: none in sight;
    # None: not known, the load was changed)
    arrived: int = 0  # requests arrived since the start
