"""The status line of a generative dashboard: the request-level one, with the step cost and
the token SLOs in place of the model and the p99 SLO."""

from __future__ import annotations

import math

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
    parts = [
        (COST_RANK, cost) if i == 1 else (0, slo) if i == 2 else part
        for i, part in enumerate(parts)
    ]
    hint = arrival_hint(snap)
    if hint:  # empty lanes: say why, never dropped
        parts.append((0, Text(hint, style="bold yellow")))
    return parts


QUIET_S = 2.0
"""A gap to the next request this long is worth a word: the lanes go still meanwhile."""


def arrival_hint(snap: GenSnapshot) -> str:
    """What the status line says while the load is silent (a trace may open or pause so)."""
    first = "first" if snap.arrived == 0 else "next"
    in_s = snap.next_request_in_s
    if in_s is None or in_s < QUIET_S:
        return ""
    if math.isinf(in_s):
        return f"waiting for the {first} request"
    return f"{first} request in {math.ceil(in_s):d} s"
