"""What a lane panel says in words: its figures, its alarms and its dispatch reasons, as rows
of short parts (see `FlowText`), each part at most 22 cells so a lane reads at 80 columns."""

from __future__ import annotations

from rich.text import Text

from batchtui.engine.live.check import SideBySideCheck
from batchtui.engine.metrics import LaneStats
from batchtui.tui import format as fmt

Row = list[Text]
PART_CELLS = 22


def _pair(label: str, value: str, unit: str = "") -> Text:
    return Text.assemble((label + " ", "dim"), (value, "bold"), unit)


def figure_rows(s: LaneStats, short: bool = False) -> list[Row]:
    """p50/p99, req/s and goodput, busy and batch, rejected and failed; with `short`
    (little height) the p90/max and wait/service rows are left to the taller layouts."""
    lat, wait, svc = s.latency, s.queue_wait, s.service
    rows: list[Row] = [[_pair("p50", fmt.ms(lat.p50)), _pair("p99", fmt.ms(lat.p99), " ms")]]
    if not short:
        rows.append([_pair("p90", fmt.ms(lat.p90)), _pair("max", fmt.ms(lat.max), " ms")])
    served = Text(f"{fmt.rate(s.throughput_rps)} req/s")
    if s.saturated:  # what it served of what it was offered
        served = Text(f"{fmt.rate(s.throughput_rps)}/{fmt.rate(s.offered_rps)} req/s")
        served.stylize("bold yellow")
    rate_row = [served]
    if s.goodput_rps is not None:
        rate_row.append(_pair("good", fmt.rate(s.goodput_rps)))
    rows.append(rate_row)
    rows.append(
        [_pair("busy", fmt.percent(s.device_busy)), _pair("batch", f"{s.batch_mean or 0:.1f}")]
    )
    if not short:
        rows.append([Text(f"p50 wait {fmt.ms(wait.p50)} + svc {fmt.ms(svc.p50)}", style="dim")])
    rej = Text(f"rej {s.rejected:,}", style="bold red" if s.rejected else "dim")
    fail = Text(f"fail {s.failed:,}", style="bold red" if s.failed else "dim")
    rows.append([rej, fail])
    if s.failure_reasons:  # the most frequent reason, short; the app's toast has it in full
        reason = max(s.failure_reasons.items(), key=lambda kv: kv[1])[0]
        rows.append([Text(fmt.clip(reason, PART_CELLS), style="red")])
    return rows


def alarm_parts(s: LaneStats, slo_ms: float | None) -> Row:
    """The markers a lane shows: SLO missed, saturated, dropping requests."""
    out: Row = []
    if slo_ms is not None and s.latency.p99 is not None and s.latency.p99 > slo_ms:
        out.append(Text("SLO✗", style="bold red"))  # the SLO itself is in the status line
    if s.saturated:
        out.append(Text("SATURATED", style="bold yellow"))
    if s.rejected or s.failed:
        rate = fmt.rate((s.rejected + s.failed) / max(s.span_s, 1e-9))
        out.append(Text(f"DROP {rate}/s", style="bold red"))
    return out


def reason_parts(s: LaneStats) -> Row:
    """Why batches were sent, most frequent first, as shares of all batches."""
    total = sum(s.dispatch_reasons.values())
    if not total:
        return [Text("no batches yet", style="dim")]
    ranked = sorted(s.dispatch_reasons.items(), key=lambda kv: -kv[1])
    return [Text(f"{name} {count / total:.0%}", style="dim") for name, count in ranked]


def check_parts(check: SideBySideCheck) -> Row:
    """The live check beside the simulator on the same arrivals (ms), or, when one side is
    saturated, marked as not comparable: such a latency measures queue growth, not batching."""
    live, sim = check.live.latency, check.sim.latency
    why = check.why_not
    if why is None:
        return [
            Text(f"live {check.seconds:g}s", style="bold"),
            Text(f"p50 {fmt.ms(live.p50)} (sim {fmt.ms(sim.p50)})"),
            Text(f"p99 {fmt.ms(live.p99)} (sim {fmt.ms(sim.p99)}) ms"),
        ]
    return [
        Text(f"live {check.seconds:g}s NOT COMPARABLE", style="bold yellow"),
        Text(f"({why})", style="yellow"),
        Text(f"p50 {fmt.ms(live.p50)} vs sim {fmt.ms(sim.p50)}", style="dim"),
        Text(f"p99 {fmt.ms(live.p99)} vs sim {fmt.ms(sim.p99)} ms", style="dim"),
    ]
