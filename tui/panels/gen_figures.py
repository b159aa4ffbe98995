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


def gen_figure_rows(
    s: GenLaneStats,
    slo_ttft_ms: float | None = None,
    slo_tpot_ms: float | None = None,
    short: bool = False,
) -> list[Row]:
    """TTFT and TPOT p50/p99 (ms; red past their SLO), output tokens/s and req/s (and
    goodput with an SLO), sequences per step against the cap (and how many of them still
    generate), KV-cache use, then every request accounted for."""
    late_ttft = _late(s.ttft.p99, slo_ttft_ms)
    late_tpot = _late(s.tpot.p99, slo_tpot_ms)
    rows: list[Row] = [
        [Text("TTFT", style="dim"), _pair("p50", fmt.ms(s.ttft.p50)),
         _pair("p99", fmt.ms(s.ttft.p99), style="bold red" if late_ttft else "bold")],
        [Text("TPOT", style="dim"), _pair("p50", fmt.ms(s.tpot.p50)),
         _pair("p99", fmt.ms(s.tpot.p99), style="bold red" if late_tpot else "bold")],
        [Text.assemble((per_s(s.output_tokens_per_s), "bold"), " tok/s"),
         Text(f"{per_s(s.requests_per_s)} req/s")],
    ]  # fmt: skip
    if s.goodput_rps is not None:
        rows[-1].append(_pair("good", per_s(s.goodput_rps)))
    seqs = "-" if s.seqs_mean is None else f"{s.seqs_mean:.1f}"
    occupancy = [_pair("seqs", seqs, f"/{s.seqs_cap}")]
    if s.active_mean is not None and s.seqs_mean and s.active_mean < 0.95 * s.seqs_mean:
        occupancy.append(_pair("live", f"{s.active_mean:.1f}", style="bold yellow"))
    rows.append(occupancy)
    rows.append([_kv(s)])
    if not short and s.preemptions:
        rows.append([_pair("preempt", f"{s.preemptions:,}", style="bold yellow")])
    rows.append(_accounting(s))
    return rows


def _late(p99: float | None, slo_ms: float | None) -> bool:
    return slo_ms is not None and p99 is not None and p99 > slo_ms


def _kv(s: GenLaneStats) -> Text:
    if s.kv_capacity:
        share = s.kv_tokens / s.kv_capacity
        style = "bold red" if share > 0.95 else "bold yellow" if share > 0.8 else "bold"
        return _pair("KV", fmt.percent(share), f" of {tokens(s.kv_capacity)}", style=style)
    return _pair("KV", tokens(s.kv_tokens), " tok")


def _accounting(s: GenLaneStats) -> Row:
    """``done/arrived``, then what is still in progress and what was rejected."""
    row = [Text.assemble(("done ", "dim"), (f"{s.completed:,}/{s.arrived:,}", "bold"))]
    row.append(Text(f"+{s.in_progress:,} in flight", style="dim"))
    if s.rejected:
        row.append(Text(f"rej {s.rejected:,}", style="bold red"))
    return row


def gen_alarm_parts(
    s: GenLaneStats, slo_ttft_ms: float | None, slo_tpot_ms: float | None
) -> list[Text]:
    """The markers a lane shows beside its title: an SLO missed, requests rejected."""
    out = []
    if _late(s.ttft.p99, slo_ttft_ms) or _late(s.tpot.p99, slo_tpot_ms):
        out.append(Text("SLO✗", style="bold red"))
    if s.rejected:
        out.append(Text("REJ", style="bold red"))
    return out
