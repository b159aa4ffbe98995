"""A generative lane's figures: TTFT, TPOT, ITL and end to end, tokens/s, goodput, KV use.

Conventions follow vLLM's ``benchmark_serving``: TPOT is (last token - first token) /
(output tokens - 1), over requests with more than one output token; goodput counts the
requests that meet every SLO given (a one-token request meets any TPOT SLO), per second of
the run (from the first arrival at 0 to the last token). ``saturated`` says whether the lane
fell behind its arrivals (engine/gen/saturation.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from batchtui.engine.gen.saturation import saturation
from batchtui.engine.gen.timeline import Timeline
from batchtui.engine.gen.workload import GenRequests
from batchtui.engine.metrics.summary import summarize

KV_POINTS = 100  # KV use over time is reported as at most this many (time, max tokens) points


def lane_figures(
    name: str,
    batcher: dict[str, Any],
    requests: GenRequests,
    tl: Timeline,
    slo_ttft_ms: float | None = None,
    slo_tpot_ms: float | None = None,
) -> dict[str, Any]:
    """The lane object of ``batchtui.run/2`` reports; every request is counted exactly once
    (completed or rejected)."""
    done = ~tl.rejected & (tl.tokens == requests.output)
    arrival = requests.times[done]
    first, last, output = tl.first[done], tl.last[done], requests.output[done]
    ttft = first - arrival
    multi = output > 1
    tpot = (last[multi] - first[multi]) / (output[multi] - 1)
    span = float(np.nanmax(tl.last)) if done.any() else 0.0
    admitted = ~tl.rejected  # a rejection is no backlog (reported by its own count)
    share, saturated = saturation(
        requests.times[admitted], np.where(done, tl.last, np.nan)[admitted]
    )
    per_s = (lambda x: float(x) / span) if span > 0 else (lambda x: 0.0)
    out: dict[str, Any] = {
        "name": name,
        "batcher": batcher,
        "arrived": len(requests),
        "completed": int(done.sum()),
        "rejected": int(tl.rejected.sum()),
        "ttft_ms": summarize(ttft).to_json(),
        "tpot_ms": summarize(tpot).to_json(),
        "itl_ms": summarize(tl.itl).to_json(),
        "e2e_ms": summarize(last - arrival).to_json(),
        "output_tokens": int(output.sum()),
        "output_tokens_per_s": per_s(output.sum()),
        "throughput_rps": per_s(done.sum()),
        "device_busy": min(1.0, tl.busy_s / span) if span > 0 else 0.0,
        "preemptions": tl.preemptions,
        "steps": len(tl.step_end),
        "seqs_per_step": _histogram(tl.step_seqs),
        "kv_cache": _kv_use(tl),
        "served_share": share,
        "saturated": saturated,
    }
    if slo_ttft_ms is not None or slo_tpot_ms is not None:
        good = np.ones(len(ttft), dtype=bool)
        if slo_ttft_ms is not None:
            good &= ttft * 1000.0 <= slo_ttft_ms
        if slo_tpot_ms is not None:
            per_token = np.zeros(len(ttft))
            per_token[multi] = tpot
            good &= per_token * 1000.0 <= slo_tpot_ms
        out["goodput_rps"] = per_s(good.sum())
        out["slo_met"] = int(good.sum())
    return out


def _histogram(seqs: np.ndarray) -> dict[str, Any]:
    """Sequences per step: mean and counts by size."""
    if len(seqs) == 0:
        return {"mean": None, "histogram": {}}
    counts = np.bincount(seqs)
    sizes = np.flatnonzero(counts)
    return {
        "mean": float(seqs.mean()),
        "histogram": {str(int(s)): int(counts[s]) for s in sizes},
    }


def _kv_use(tl: Timeline) -> dict[str, Any]:
    """KV-cache tokens held: capacity (None when unbounded), mean over steps, peak, and at
    most KV_POINTS (time, peak tokens) pairs over the run."""
    kv = tl.step_kv
    if len(kv) == 0:
        return {"capacity_tokens": tl.kv_capacity, "mean_tokens": None, "max_tokens": None,
                "series": []}  # fmt: skip
    edges = np.linspace(0.0, float(tl.step_end.max()), KV_POINTS + 1)
    which = np.clip(np.searchsorted(edges, tl.step_end, side="right") - 1, 0, KV_POINTS - 1)
    peak = np.full(KV_POINTS, -1, dtype=np.int64)
    np.maximum.at(peak, which, kv)
    series = [
        [round(float(edges[i + 1]), 6), int(peak[i])] for i in range(KV_POINTS) if peak[i] >= 0
    ]
    return {
        "capacity_tokens": tl.kv_capacity,
        "mean_tokens": float(kv.mean()),
        "max_tokens": int(kv.max()),
        "series": series,
    }
