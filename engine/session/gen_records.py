"""What one generative lane produced, per request and per step, held for the window only.

Records may lie in the future (a batch's token times are known when it is dispatched, a
step's when it starts); figures at time ``now`` read only what happened by then. Records
behind the window are folded into since-reset totals (sketches, percentiles within 1%) and
dropped, so a session's memory stays flat however long it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from batchtui.engine.metrics.sketch import LogHistogram
from batchtui.engine.metrics.summary import EMPTY, Summary, summarize, summarize_sketch
from batchtui.engine.session.gen_messages import GenLaneStats

_REQUEST = ("arrival", "first", "last", "output")
_FIRST = ("arrival", "first")
_STEP = ("end", "seqs", "kv", "tokens")


@dataclass
class _Folded:
    """Sums over the records dropped since the last reset."""

    ttft: LogHistogram = field(default_factory=LogHistogram)
    tpot: LogHistogram = field(default_factory=LogHistogram)
    e2e: LogHistogram = field(default_factory=LogHistogram)
    sums: dict[str, float] = field(default_factory=dict)  # sums and maxima, by figure

    def add(self, name: str, value: float) -> None:
        self.sums[name] = self.sums.get(name, 0.0) + value

    def peak(self, name: str, value: float) -> None:
        self.sums[name] = max(self.sums.get(name, 0.0), value)


@dataclass(frozen=True)
class Accounting:
    """A lane's requests since the session started: every one is in exactly one count."""

    arrived: int
    rejected: int  # could never be served (a sequence longer than the KV cache)
    dropped: int  # found the bounded waiting queue full
    in_progress: int


@dataclass(frozen=True)
class LaneFacts:
    """What the records cannot know: the lane's settings, caps and state now."""

    name: str
    batcher: dict[str, Any]
    seqs_cap: int
    kv_capacity: int | None
    preemptions: int


class GenRecords:
    """Per-request (arrival, first and last token, output tokens), per first token (arrival,
    first token: TTFT is known before the request finishes) and per-step (end, sequences,
    KV tokens held, tokens produced) records of one lane."""

    def __init__(self) -> None:
        self._req: dict[str, list[float]] = {k: [] for k in _REQUEST}
        self._first: dict[str, list[float]] = {k: [] for k in _FIRST}
        self._step: dict[str, list[float]] = {k: [] for k in _STEP}
        self._folded = _Folded()
        self.folded = 0  # requests folded since the session started (all complete)

    def add_requests(
        self,
        arrival: Sequence[float],
        first: Sequence[float],
        last: Sequence[float],
        output: Sequence[int],
    ) -> None:
        for name, values in zip(_REQUEST, (arrival, first, last, output), strict=True):
            self._req[name].extend(values)

    def add_first(self, arrival: Sequence[float], first: Sequence[float]) -> None:
        """First tokens (each request's once): TTFT counts them when they come."""
        self._first["arrival"].extend(arrival)
        self._first["first"].extend(first)

    def add_steps(
        self, end: Sequence[float], seqs: Sequence[int], kv: Sequence[int], tokens: Sequence[int]
    ) -> None:
        for name, values in zip(_STEP, (end, seqs, kv, tokens), strict=True):
            self._step[name].extend(values)

    @property
    def held(self) -> int:
        """Request and step records held (what the window and the unfinished need)."""
        return len(self._req["last"]) + len(self._first["first"]) + len(self._step["end"])

    def finishing_after(self, now: float) -> int:
        """Requests whose last token lies after ``now`` (served, not complete yet)."""
        return int((np.asarray(self._req["last"]) > now).sum())

    def reset(self) -> None:
        """Totals start afresh (what is held stays: the window needs it)."""
        self._folded = _Folded()

    def forget_before(self, cut: float, since: float) -> None:
        """Fold into the totals and drop every request finished, first token come and step
        ended before ``cut`` (figures over spans starting at or after ``cut`` are unchanged)."""
        req = _arrays(self._req)
        gone = req["last"] < cut
        if gone.any():
            self._fold_requests({k: v[gone] for k, v in req.items()}, since)
            self._req = {k: v[~gone].tolist() for k, v in req.items()}
            self.folded += int(gone.sum())
        first = _arrays(self._first)
        gone = first["first"] < cut
        if gone.any():
            self._fold_first({k: v[gone] for k, v in first.items()}, since)
            self._first = {k: v[~gone].tolist() for k, v in first.items()}
        step = _arrays(self._step)
        gone = step["end"] < cut
        if gone.any():
            self._fold_steps({k: v[gone] for k, v in step.items()}, since)
            self._step = {k: v[~gone].tolist() for k, v in step.items()}

    def _fold_requests(self, req: dict[str, np.ndarray], since: float) -> None:
        f = self._folded
        tpot, e2e, done = _request_figures(req, since, np.inf)
        self._fold_sample("tpot", f.tpot, tpot)
        self._fold_sample("e2e", f.e2e, e2e)
        f.add("completed", float(done.sum()))

    def _fold_first(self, first: dict[str, np.ndarray], since: float) -> None:
        self._fold_sample("ttft", self._folded.ttft, _ttft(first, since, np.inf))

    def _fold_sample(self, name: str, sketch: LogHistogram, values: np.ndarray) -> None:
        f = self._folded
        sketch.add(values)
        f.add(name, float(values.sum()))
        f.peak(name + "_max", float(values.max()) if len(values) else 0.0)

    def _fold_steps(self, step: dict[str, np.ndarray], since: float) -> None:
        f = self._folded
        keep = step["end"] > since
        f.add("steps", float(keep.sum()))
        f.add("seqs", float(step["seqs"][keep].sum()))
        f.add("tokens", float(step["tokens"][keep].sum()))
        f.peak("kv_peak", float(step["kv"][keep].max()) if keep.any() else 0.0)

    def stats(
        self,
        facts: LaneFacts,
        accounting: Accounting,
        now: float,
        start: float,
        *,
        with_folded: bool = False,
        slo_ttft_ms: float | None = None,
        slo_tpot_ms: float | None = None,
    ) -> GenLaneStats:
        """Figures over ``(start, now]``; ``with_folded`` adds the totals folded so far (the
        since-reset view, ``start`` being the reset)."""
        req = _arrays(self._req)
        step = _arrays(self._step)
        tpot_s, e2e_s, done = _request_figures(req, start, now)
        ttft_s = _ttft(_arrays(self._first), start, now)
        in_span = (step["end"] > start) & (step["end"] <= now)
        steps = int(in_span.sum())
        seqs = float(step["seqs"][in_span].sum())
        tokens = float(step["tokens"][in_span].sum())
        kv_peak = float(step["kv"][in_span].max()) if steps else 0.0
        completed = int(done.sum())
        f = self._folded
        ttft, tpot, e2e = summarize(ttft_s), summarize(tpot_s), summarize(e2e_s)
        if with_folded:
            ttft = _merged(f.ttft, f.sums.get("ttft", 0.0), f.sums.get("ttft_max", 0.0), ttft_s)
            tpot = _merged(f.tpot, f.sums.get("tpot", 0.0), f.sums.get("tpot_max", 0.0), tpot_s)
            e2e = _merged(f.e2e, f.sums.get("e2e", 0.0), f.sums.get("e2e_max", 0.0), e2e_s)
            steps += int(f.sums.get("steps", 0))
            seqs += f.sums.get("seqs", 0.0)
            tokens += f.sums.get("tokens", 0.0)
            kv_peak = max(kv_peak, f.sums.get("kv_peak", 0.0))
            completed += int(f.sums.get("completed", 0))
        span = max(0.0, now - start)
        per_s = (lambda x: x / span) if span > 0 else (lambda x: 0.0)
        held = step["end"] <= now
        kv_now = int(step["kv"][held][-1]) if held.any() else 0
        goodput = None  # over the window only: it depends on the SLOs in force when asked
        if not with_folded:
            goodput = _goodput(req, start, now, slo_ttft_ms, slo_tpot_ms, span)
        return GenLaneStats(
            name=facts.name,
            batcher=facts.batcher,
            span_s=span,
            ttft=ttft,
            tpot=tpot,
            e2e=e2e,
            output_tokens_per_s=per_s(tokens),
            requests_per_s=per_s(completed),
            goodput_rps=goodput,
            steps=steps,
            seqs_mean=seqs / steps if steps else None,
            active_mean=tokens / steps if steps else None,
            seqs_cap=facts.seqs_cap,
            kv_tokens=kv_now,
            kv_peak=int(kv_peak),
            kv_capacity=facts.kv_capacity,
            preemptions=facts.preemptions,
            arrived=accounting.arrived,
            completed=self.folded + int((req["last"] <= now).sum()),
            rejected=accounting.rejected,
            dropped=accounting.dropped,
            in_progress=accounting.in_progress,
        )


def _goodput(
    req: dict[str, np.ndarray],
    start: float,
    now: float,
    slo_ttft_ms: float | None,
    slo_tpot_ms: float | None,
    span: float,
) -> float | None:
    """Requests finished in ``(start, now]`` meeting every SLO given, per second; None
    without SLOs (vLLM's --goodput convention: a one-token request meets any TPOT SLO)."""
    if slo_ttft_ms is None and slo_tpot_ms is None:
        return None
    good = (req["last"] > start) & (req["last"] <= now)
    if slo_ttft_ms is not None:
        good &= (req["first"] - req["arrival"]) * 1000.0 <= slo_ttft_ms
    if slo_tpot_ms is not None:
        good &= _tpot(req) * 1000.0 <= slo_tpot_ms
    return float(good.sum()) / span if span > 0 else 0.0


def _arrays(table: dict[str, list[float]]) -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=np.float64) for k, v in table.items()}


def _tpot(req: dict[str, np.ndarray]) -> np.ndarray:
    """Per request: (last - first) / (output - 1); 0 for a one-token request."""
    gaps = np.maximum(req["output"] - 1.0, 1.0)
    return np.where(req["output"] > 1, (req["last"] - req["first"]) / gaps, 0.0)


def _ttft(first: dict[str, np.ndarray], start: float, now: float) -> np.ndarray:
    """TTFT of the first tokens in ``(start, now]`` (finished or not)."""
    got = (first["first"] > start) & (first["first"] <= now)
    return first["first"][got] - first["arrival"][got]


def _request_figures(
    req: dict[str, np.ndarray], start: float, now: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TPOT (multi-token requests) and end to end of requests finished in ``(start, now]``;
    and which finished in it."""
    last = req["last"]
    done = (last > start) & (last <= now)
    multi = done & (req["output"] > 1)
    tpot = _tpot(req)[multi]
    return tpot, last[done] - req["arrival"][done], done


def _merged(sketch: LogHistogram, total_s: float, max_s: float, held: np.ndarray) -> Summary:
    """The folded sketch with the held sample added (percentiles within the sketch's 1%)."""
    if sketch.count == 0:
        return summarize(held)
    both = sketch.copy()
    both.add(held)
    if both.count == 0:
        return EMPTY
    return summarize_sketch(
        both, total_s + float(held.sum()), max(max_s, float(held.max(initial=0)))
    )
