"""The generative comparison strip: TTFT, TPOT, tokens/s and goodput per lane, and the verdict:
which lane serves the most (goodput within the token SLOs when set, else output tokens/s)
and by how much over the runner-up. Compact terminals keep the verdict alone."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from batchtui.engine.session.gen_messages import GenLaneStats
from batchtui.tui import format as fmt
from batchtui.tui.panels.comparison import aligned
from batchtui.tui.panels.gen_figures import per_s
from batchtui.tui.widgets.flow_text import FlowText

HEADERS = ("lane", "TTFT p50", "p99", "TPOT p50", "p99", "tok/s", "good/s")


def verdict(lanes: Sequence[GenLaneStats], with_slo: bool) -> tuple[str | None, str]:
    """The best lane's name (None before any figures) and a sentence saying why."""

    def score(s: GenLaneStats) -> float:
        return (s.goodput_rps or 0.0) if with_slo else s.output_tokens_per_s

    ranked = sorted(lanes, key=score, reverse=True)
    if not ranked or score(ranked[0]) <= 0:
        return None, "no lane has finished a request in the window yet"
    best = ranked[0]
    what = "good req/s within the SLOs" if with_slo else "output tokens/s"
    if len(ranked) == 1:
        return best.name, f"{best.name}: {per_s(score(best))} {what}"
    second = ranked[1]
    if score(second) <= 0:
        return best.name, f"best: {best.name}, the only lane with {what}"
    factor = score(best) / score(second)
    return best.name, f"best: {best.name}, {factor:.2f}x the {what} of {second.name}"


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
        words = [Text(w, style="bold green" if best else "bold yellow") for w in reason.split()]
        if compact:
            self.update([words])
            return
        header = [Text(h, style="dim") for h in HEADERS]
        rows = [_row(s, s.name == best, slo_ttft_ms, slo_tpot_ms) for s in lanes]
        self.update([*([line] for line in aligned([header, *rows])), words])


def _row(
    s: GenLaneStats, best: bool, slo_ttft_ms: float | None, slo_tpot_ms: float | None
) -> list[Text]:
    def late(p99: float | None, slo: float | None) -> str:
        return "bold red" if slo is not None and p99 is not None and p99 > slo else ""

    name = Text(("★ " if best else "  ") + s.name, style="bold green" if best else "bold")
    return [
        name,
        Text(fmt.ms(s.ttft.p50)),
        Text(fmt.ms(s.ttft.p99), style=late(s.ttft.p99, slo_ttft_ms)),
        Text(fmt.ms(s.tpot.p50)),
        Text(fmt.ms(s.tpot.p99), style=late(s.tpot.p99, slo_tpot_ms)),
        Text(per_s(s.output_tokens_per_s)),
        Text(per_s(s.goodput_rps)),
    ]
