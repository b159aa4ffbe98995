"""The status line of a generative dashboard: the request-level one, with the step cost and
the token SLOs in place of the model and the p99 SLO."""

from __future__ import annotations

from rich.text import Text

from batchtui.engine.session.gen_messages import GenSnapshot
from batchtui.tui.panels.status_line import Part, StatusLine, status_parts


class GenStatusLine(StatusLine):
    """One line at the top, ranked parts giving way as the terminal narrows."""

    def running_gen(self, snap: GenSnapshot, preset: str | None) -> None:
        self._parts = gen_status_parts(snap, preset)
        self.update(self.fitted(self.content_size.width or 1_000))


COST_RANK = 4
"""The step cost gives way before the clock (3) and the pace (2): what is running and how
fast it keeps up matter more at 80 columns than the model's constant, shown at startup."""


def gen_status_parts(snap: GenSnapshot, preset: str | None) -> list[Part]:
    """Everything the status line can say, ranked (0: never dropped)."""
    parts = status_parts(snap, preset, None)  # type: ignore[arg-type]  # the same fields
    m = snap.model
    cost = Text(f"analytic-llm {m.get('step_ms', 0):g} ms/step")
    slos = [
        f"{name} ≤ {value:g}"
        for name, value in (("TTFT", snap.slo_ttft_ms), ("TPOT", snap.slo_tpot_ms))
        if value is not None
    ]
    slo = Text("SLO " + ", ".join(slos) + " ms" if slos else "no SLO (s)", style="bold")
    return [
        (COST_RANK, cost) if i == 1 else (0, slo) if i == 2 else part
        for i, part in enumerate(parts)
    ]
