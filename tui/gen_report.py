"""The table a generative ``batchtui run`` prints, read from its ``batchtui.run/2`` report."""

from __future__ import annotations

from typing import Any

from batchtui.tui.report_table import _batcher, _num, table_lines
from batchtui.tui.shipped_traces import trace_label

COLUMNS = (
    ("lane", "<", lambda lane: lane["name"]),
    ("batcher", "<", lambda lane: _batcher_text(lane["batcher"])),
    ("TTFT p50", ">", lambda lane: _num(lane["ttft_ms"]["p50"], 1)),
    ("TTFT p99", ">", lambda lane: _num(lane["ttft_ms"]["p99"], 1)),
    ("TPOT p50", ">", lambda lane: _num(lane["tpot_ms"]["p50"], 1)),
    ("TPOT p99", ">", lambda lane: _num(lane["tpot_ms"]["p99"], 1)),
    ("out tok/s", ">", lambda lane: f"{lane['output_tokens_per_s']:,.0f}"),
    ("req/s", ">", lambda lane: f"{lane['throughput_rps']:,.2f}"),
    ("goodput", ">", lambda lane: _goodput(lane)),
    ("seqs/step", ">", lambda lane: _num(lane["seqs_per_step"]["mean"], 1)),
    ("KV peak", ">", lambda lane: _kv(lane["kv_cache"])),
    ("preempt", ">", lambda lane: f"{lane['preemptions']:,}"),
    ("done", ">", lambda lane: f"{lane['completed']:,}/{lane['arrived']:,}"),
)
"""Milliseconds for TTFT/TPOT; KV peak in tokens for every lane (the continuous lane's
capacity is in its batcher column, ``kv=``), so lanes compare in one unit."""


def format_gen_report(report: dict[str, Any]) -> str:
    """A heading naming the load and step cost, then one row per lane."""
    lanes = report["lanes"]
    rows = [[get(lane) for _, _, get in COLUMNS] for lane in lanes]
    out = [_heading(report), "", *table_lines(COLUMNS, rows)]
    out.append("TTFT/TPOT in ms; goodput in req/s meeting --slo-ttft-ms/--slo-tpot-ms")
    return "\n".join(out)


def _heading(report: dict[str, Any]) -> str:
    load, m = report["load"], report["model"]
    if load["pattern"] == "trace":
        what = f"trace {trace_label(load['trace'])} at {load['speed']:g}x"
    else:
        what = f"{load['pattern']} {load['rate_rps']:,.2f} req/s"
    if report["mode"] == "live":
        cost = f"served live: {m['kind']} on {m['device_name']}"
    else:
        cost = (
            f"step = {m['step_ms']:g} + {m['prefill_ms_per_token']:g}*prefill + "
            f"{m['decode_ms_per_seq']:g}*seqs + {m['context_ms_per_token']:g}*context"
            + (f" + {sq:g}*prefill²" if (sq := m.get("prefill_ms_per_token_sq")) else "")
            + " ms"
        )
    if "fitted_from" in m:
        cost += f" (fitted to {m['fitted_from']['kind']} on {m['fitted_from']['device']})"
    return (
        f"batchtui run · generative · {what} for {report['duration_s']:g} s · "
        f"{report['requests']:,} requests · {cost} · seed {report['seed']}"
    )


def _batcher_text(batcher: dict[str, Any]) -> str:
    if batcher["kind"] != "continuous":
        return _batcher(batcher)
    chunk = "chunked" if batcher["chunked_prefill"] else "whole"
    return (
        f"seqs={batcher['max_num_seqs']} tokens={batcher['max_num_batched_tokens']} {chunk} "
        f"kv={batcher['kv_cache_tokens']}"
    )


def _goodput(lane: dict[str, Any]) -> str:
    return "-" if "goodput_rps" not in lane else f"{lane['goodput_rps']:,.2f}"


def _kv(kv: dict[str, Any]) -> str:
    return "-" if kv["max_tokens"] is None else f"{kv['max_tokens']:,}"


def gen_saturation_warnings(report: dict[str, Any]) -> list[str]:
    """One line per lane that fell behind its arrivals (``saturated``, see
    engine/gen/saturation.py), and one per lane that rejected requests it can never fit."""
    out = []
    for lane in report["lanes"]:
        if lane.get("saturated"):
            offered = lane["arrived"] / report["duration_s"] if report["duration_s"] else 0.0
            out.append(
                f"warning: {lane['name']} is saturated: offered {offered:,.2f} req/s, it "
                f"finished {lane['served_share']:.0%} as many requests as arrived over the "
                "middle half of the run, so its backlog grew (its TTFT measures that growth)"
            )
        over_budget = lane.get("rejected_over_budget", 0)  # live reports leave it out
        over_kv = lane["rejected"] - over_budget
        if over_kv:
            capacity = lane["kv_cache"]["capacity_tokens"]
            out.append(
                f"warning: {lane['name']} rejected {over_kv:,} of {lane['arrived']:,} "
                f"requests: prompt + output can never fit its KV cache ({capacity:,} tokens)"
            )
        if over_budget:
            budget = lane["batcher"]["max_num_batched_tokens"]
            out.append(
                f"warning: {lane['name']} rejected {over_budget:,} of {lane['arrived']:,} "
                f"requests: without chunked prefill a request is prefilled in one step, and "
                f"theirs (prompt + output - 1, what a recompute prefills) is over the token "
                f"budget ({budget:,} tokens); raise --max-num-batched-tokens or drop "
                "--no-chunked-prefill"
            )
    out.extend(_unbounded_kv_warnings(report["lanes"]))
    return out


def _unbounded_kv_warnings(lanes: list[dict[str, Any]]) -> list[str]:
    """Request-level lanes hold every sequence's KV cache without a limit: when one held
    more than the continuous lane may, their comparison flatters them, and the user must
    know (on Mooncake, static peaked at 8x the continuous lane's cache)."""
    capacities = [
        lane["kv_cache"]["capacity_tokens"]
        for lane in lanes
        if lane["kv_cache"]["capacity_tokens"] is not None
    ]
    if not capacities:
        return []
    capacity = min(capacities)
    return [
        f"warning: {lane['name']} held up to {peak:,} KV-cache tokens, "
        f"{peak / capacity:.1f}x the {capacity:,} the continuous lane may hold: request-level "
        "lanes are simulated without a KV limit, so a real server would preempt or refuse "
        "what they serve here"
        for lane in lanes
        if lane["kv_cache"]["capacity_tokens"] is None
        and (peak := lane["kv_cache"]["max_tokens"]) is not None
        and peak > capacity
    ]
