"""The generative comparison strip: TTFT, TPOT, tokens/s and goodput per lane, and the verdict:
which lane serves the most (goodput within the token SLOs when set, else output tokens/s)
and by how much over the runner-up. Compact terminals keep the verdict alone."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from batchtui.engine.session.gen_messages import GenLaneStats
from batchtui.tui.panels.comparison import aligned
from batchtui.tui.panels.gen_figures import latency, latency_unit, per_s
from batchtui.tui.widgets.flow_text import FlowText

TIE = 1.02
"""Lanes within 2% of the best serve alike (below the noise of a 10 s window): they tie."""


def verdict(lanes: Sequence[GenLaneStats], with_slo: bool) -> tuple[str | None, str]:
    """The best lane's name (None before any figures, or when every lane ties) and a
    sentence saying why."""

    def score(s: GenLaneStats) -> float:
        return (s.goodput_rps or 0.0) if with_slo else s.output_tokens_per_s

    ranked = sorted(lanes, key=score, reverse=True)
    if not ranked or score(ranked[0]) <= 0:
        if with_slo and any(s.requests_per_s > 0 for s in lanes):
            return None, "no lane finished a request within the SLOs in the window"
        return None, "no lane has finished a request in the window yet"
    best = ranked[0]
    what = "good req/s within the SLOs" if with_slo else "output tokens/s"
    tied = [s.name for s in ranked if score(s) * TIE >= score(best)]
    if len(ranked) == 1:
        return best.name, f"{best.name}: {per_s(score(best))} {what}"
    if len(tied) == len(ranked):
        return None, f"all {len(ranked)} lanes tie: {per_s(score(best))} {what} each"
    second = ranked[len(tied)]
    leader = best.name if len(tied) == 1 else f"{', '.join(tied[:-1])} and {tied[-1]} tie"
    if score(second) <= 0:
        return best.name, f"best: {leader}, the only lane{'s' * (len(tied) > 1)} with {what}"
    factor = score(best) / score(second)
    return best.name, f"best: {leader}, {factor:.2f}x the {what} of {second.name}"


class GenComparison(FlowText):
    """Lanes side by side over the recent window, the best one starred, the verdict below."""

    def __init__(self) -> None:
        super().__init__(sep=" ", id="comparison")

    def show(
        self,
        lanes: Sequence[GenLaneStats],
        slo_ttft_ms: float | None,
        slo_tpot_ms: float | None,
        compact: bool = False,
    ) -> None:
        with_slo = slo_ttft_ms is not None or slo_tpot_ms is not None
        best, reason = verdict(lanes, with_slo)
        style = "bold green" if best else "bold" if " tie" in reason else "bold yellow"
        words = [Text(w, style=style) for w in reason.split()]
        if compact:
            self.update([words])
            return
        ttft = latency_unit(*(v for s in lanes for v in (s.ttft.p50, s.ttft.p99)))
        tpot = latency_unit(*(v for s in lanes for v in (s.tpot.p50, s.tpot.p99)))
        headers = (
            "lane", f"TTFT p50 {ttft}", "p99", f"TPOT p50 {tpot}", "p99", "tok/s", "good/s"
        )  # fmt: skip
        header = [Text(h, style="dim") for h in headers]
        rows = [_row(s, s.name == best, (ttft, tpot), slo_ttft_ms, slo_tpot_ms) for s in lanes]
        self.update([*([line] for line in aligned([header, *rows])), words])


def _row(
    s: GenLaneStats,
    best: bool,
    units: tuple[str, str],
    slo_ttft_ms: float | None,
    slo_tpot_ms: float | None,
) -> list[Text]:
    def late(p99: float | None, slo: float | None) -> str:
        return "bold red" if slo is not None and p99 is not None and p99 > slo else ""

    name = Text(("★ " if best else "  ") + s.name, style="bold green" if best else "bold")
    return [
        name,
        Text(latency(s.ttft.p50, units[0])),
        Text(latency(s.ttft.p99, units[0]), style=late(s.ttft.p99, slo_ttft_ms)),
        Text(latency(s.tpot.p50, units[1])),
        Text(latency(s.tpot.p99, units[1]), style=late(s.tpot.p99, slo_tpot_ms)),
        Text(per_s(s.output_tokens_per_s)),
        Text(per_s(s.goodput_rps)),
    ]
