"""What a generative lane panel says in words: TTFT and TPOT, tokens/s, occupancy, KV use and
the accounting, as rows of short parts (see ``FlowText``) that read in a quarter of 80 columns."""

from __future__ import annotations

from rich.text import Text

from batchtui.engine.session.gen_messages import GenLaneStats
from batchtui.tui import format as fmt

Row = list[Text]


def _pair(label: str, value: str, unit: str = "", style: str = "bold") -> Text:
    return Text.assemble((label + " ", "dim"), (value, style), unit)


def per_s(value: float | None) -> str:
    """A rate that may be below one: 0.25, 4.5, 45, 4.5k."""
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 1 else f"{value:.1f}" if value < 10 else fmt.rate(value)


def tokens(value: int) -> str:
    """A token count: 950, 9.5k, 1.2M."""
    if value < 1000:
        return f"{value}"
    if value < 1_000_000:
        return f"{value / 1000:.1f}k" if value < 100_000 else f"{value / 1000:.0f}k"
    return f"{value / 1e6:.1f}M"


def latency_unit(*values_ms: float | None) -> str:
    """The unit the latencies shown together read in: s once any reaches a second, else ms."""
    return "s" if any(v is not None and v >= 1000.0 for v in values_ms) else "ms"


def latency(value_ms: float | None, unit: str) -> str:
    """A latency in ``unit`` (ms or s) without the unit: 62.4, 200, 1.25, 12.5."""
    if value_ms is None:
        return "-"
    if unit == "ms":
        return fmt.ms(value_ms)
    value = value_ms / 1000.0
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def gen_figure_rows(
    s: GenLaneStats,
    slo_ttft_ms: float | None = None,
    slo_tpot_ms: float | None = None,
    short: bool = False,
) -> list[Row]:
    """TTFT and TPOT p50/p99 (in ms, or s when large; red past their SLO), output tokens/s and
    req/s (and goodput with an SLO), sequences per step against the cap (and how many of them
    still generate), KV-cache use, then every request accounted for."""
    rows: list[Row] = [
        _latency_row("TTFT", s.ttft.p50, s.ttft.p99, _late(s.ttft.p99, slo_ttft_ms)),
        _latency_row("TPOT", s.tpot.p50, s.tpot.p99, _late(s.tpot.p99, slo_tpot_ms)),
        [Text.assemble((per_s(s.output_tokens_per_s), "bold"), " tok/s"),
         Text(f"{per_s(s.requests_per_s)} req/s")],
    ]  # fmt: skip
    if s.goodput_rps is not None:
        rows[-1].append(_pair("good", per_s(s.goodput_rps)))
    seqs = "-" if s.seqs_mean is None else f"{s.seqs_mean:.1f}"
    occupancy = [_pair("seqs", seqs, f"/{s.seqs_cap}")]
    if s.active_mean is not None and s.seqs_mean and s.active_mean < 0.95 * s.seqs_mean:
        occupancy.append(_pair("gen", f"{s.active_mean:.1f}", style="bold yellow"))
    rows.append(occupancy)
    rows.append([_kv(s)])
    if not short and s.preemptions:
        rows.append([_pair("preempt", f"{s.preemptions:,}", style="bold yellow")])
    rows.append(_accounting(s))
    return rows


def _latency_row(name: str, p50: float | None, p99: float | None, late: bool) -> Row:
    """``TTFT · p50 62.4 · p99 200 ms``: both in one unit, the p99 red when past its SLO."""
    unit = latency_unit(p50, p99)
    p99_part = _pair("p99", latency(p99, unit), "", style="bold red" if late else "bold")
    p99_part.append(" " + unit)
    return [Text(name, style="dim"), _pair("p50", latency(p50, unit)), p99_part]


def _late(p99: float | None, slo_ms: float | None) -> bool:
    return slo_ms is not None and p99 is not None and p99 > slo_ms


def _kv(s: GenLaneStats) -> Text:
    if s.kv_capacity:
        share = s.kv_tokens / s.kv_capacity
        style = "bold red" if share > 0.95 else "bold yellow" if share > 0.8 else "bold"
        return _pair("KV", fmt.percent(share), f" of {tokens(s.kv_capacity)}", style=style)
    return _pair("KV", tokens(s.kv_tokens), " tok")


def _accounting(s: GenLaneStats) -> Row:
    """``done/arrived``, then what is still in progress, what was rejected (could never fit)
    and what was dropped (found the waiting queue full)."""
    row = [Text.assemble(("done ", "dim"), (f"{s.completed:,}/{s.arrived:,}", "bold"))]
    row.append(Text(f"+{s.in_progress:,} in flight", style="dim"))
    if s.rejected:
        row.append(Text(f"rej {s.rejected:,}", style="bold red"))
    if s.dropped:
        row.append(Text(f"drop {s.dropped:,}", style="bold red"))
    return row


def gen_alarm_parts(
    s: GenLaneStats, slo_ttft_ms: float | None, slo_tpot_ms: float | None
) -> list[Text]:
    """The markers a lane shows beside its title: an SLO missed, saturated (its backlog
    grows: offered more than it serves), requests rejected, the waiting queue full
    (arrivals dropped)."""
    out = []
    if _late(s.ttft.p99, slo_ttft_ms) or _late(s.tpot.p99, slo_tpot_ms):
        out.append(Text("SLO✗", style="bold red"))
    if s.saturated:  # as request-level lanes say it
        out.append(Text("SATURATED", style="bold yellow"))
    if s.rejected:
        out.append(Text("REJ", style="bold red"))
    if s.dropped:
        out.append(Text("DROP", style="bold red"))
    return out
