"""The comparison table ``batchtui run`` prints, read from the JSON report it also writes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from batchtui.engine.policies import POLICIES
from batchtui.tui.shipped_traces import trace_label
from batchtui.tui.verdict import best_of, report_standing

COLUMNS = (
    ("lane", "<", lambda lane: lane["name"]),
    ("batcher", "<", lambda lane: _batcher(lane["batcher"])),
    ("p50 ms", ">", lambda lane: _num(lane["latency_ms"]["p50"])),
    ("p99 ms", ">", lambda lane: _num(lane["latency_ms"]["p99"])),
    ("req/s", ">", lambda lane: f"{lane['throughput_rps']:,.0f}"),
    ("mean batch", ">", lambda lane: _num(lane["batch_size"]["mean"], 1)),
    ("busy", ">", lambda lane: f"{lane['device_busy']:.0%}"),
    ("rejected", ">", lambda lane: f"{lane['rejected']:,}"),
    ("failed", ">", lambda lane: f"{lane['failed']:,}"),
)


GOODPUT = ("good/s", ">", lambda lane: f"{lane['goodput_rps']:,.0f}")


def format_report(report: dict[str, Any]) -> str:
    """A heading naming the load and model, then one row per lane and the best one marked:
    with an SLO by the dashboard's rule (within it, nothing dropped, most goodput), else the
    lowest p99."""
    lanes = report["lanes"]
    slo_ms = report.get("slo_ms")
    columns = COLUMNS if slo_ms is None else (*COLUMNS[:5], GOODPUT, *COLUMNS[5:])
    rows = [[get(lane) for _, _, get in columns] for lane in lanes]
    best, footnote = _best(lanes, slo_ms)
    if best is not None:
        rows[best][0] += " *"
    out = [_heading(report), "", *table_lines(columns, rows)]
    if footnote:
        out.append(footnote)
    return "\n".join(out)


def _best(lanes: list[dict[str, Any]], slo_ms: float | None) -> tuple[int | None, str]:
    """Which row to mark and the line that says why (none with a single lane)."""
    if len(lanes) < 2:
        return None, ""
    if slo_ms is not None:
        verdict = best_of([report_standing(lane) for lane in lanes], slo_ms)
        if verdict.best is None:
            return None, verdict.reason
        return [lane["name"] for lane in lanes].index(verdict.best), f"* {verdict.reason}"
    p99s = [lane["latency_ms"]["p99"] for lane in lanes]
    if any(p is None for p in p99s):
        return None, ""
    return p99s.index(min(p99s)), "* lowest p99"


def table_lines(columns: Sequence[tuple[str, str, Any]], rows: list[list[str]]) -> list[str]:
    """Header, rule and rows, each column as wide as its widest cell, aligned as declared."""
    headers = [name for name, _, _ in columns]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        parts = [
            c.ljust(w) if align == "<" else c.rjust(w)
            for c, w, (_, align, _) in zip(cells, widths, columns, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def saturation_warnings(report: dict[str, Any]) -> list[str]:
    """One line per lane whose offered load was above what it served (``"saturated"``)."""
    out = []
    for lane in report["lanes"]:
        if lane.get("saturated"):
            line = (
                f"warning: {lane['name']} is saturated: offered {lane['offered_rps']:,.0f} "
                f"req/s, served {lane['throughput_rps']:,.0f} req/s"
            )
            if lane["rejected"]:
                line += f", rejected {lane['rejected']:,} of {lane['arrived']:,}"
            out.append(line)
    return out


def _heading(report: dict[str, Any]) -> str:
    load, model = report["load"], report["model"]
    if load["pattern"] == "trace":
        what = f"trace {trace_label(load['trace'])} at {load['speed']:g}x"
    else:
        what = f"{load['pattern']} {load['rate_rps']:,.0f} req/s"
    if model["kind"] == "analytic":
        cost = f"t(n) = {model['base_ms']:g} + {model['per_item_ms']:g}*n ms"
        if model.get("noise_cv"):
            cost += f" (cv {model['noise_cv']:g})"
    else:
        cost = f"{model['kind']} {model.get('source', '')}".strip()
    return (
        f"batchtui run · {report['mode']} · {what} for {report['duration_s']:g} s · {cost} · "
        f"seed {report['seed']}"
    )


def _batcher(batcher: dict[str, Any]) -> str:
    """A lane's settings by their declared short labels (``max=32 wait=5``)."""
    policy = POLICIES.get(batcher.get("kind", ""))
    short = {p.name: p.short for p in policy.PARAMS} if policy else {}
    parts = [f"{short.get(k, k)}={v:g}" for k, v in batcher.items() if k != "kind"]
    return " ".join(parts)


def _num(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"
