"""The help screen: every key, built from the bindings themselves, and what the figures mean."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from batchtui.tui.commands import app_bindings
from batchtui.tui.widgets.slider import Slider

INTRO = """\
# batchtui

Three batchers serve the **same arrivals**, each with the device to itself, in virtual
time kept in step with the wall clock (`pace` below 1x means the device cannot keep up
with all three lanes, and time runs slower rather than lying).
"""

MOVING = (
    ("tab / shift+tab", "move between lanes and controls"),
    ("ctrl+p", "command palette: every action by name"),
)
"""Textual's own keys, which are not in any of our binding lists."""

FIGURES = """\
**Figures** are over the last window (default 10 s): latency = completion − arrival,
split into queue wait and service; req/s = completions per second; **good** = goodput,
requests completed within the SLO per second; busy = share of time the device held a
batch. The status line shows the **SLO** (p99, set it with `s`). Below 40 rows a lane
keeps to its main figures (p90/max and the wait/service split need a taller terminal),
below 90x30 the charts give way to the numbers.

**Alarms**: **SLO✗** a p99 above the SLO; **SATURATED** a lane offered more than it served
(its queue grows or it turns requests away; req/s then reads `served/offered`);
**DROP** rejected or failed requests per second. Dispatch reasons: *full* (batch limit reached),
*timeout* (max wait reached), *idle-device* (device free, not worth holding), *predicted*
(the predicted best size reached), *budget* (waiting longer would miss the latency target).

**Best** (★ in the comparison strip): among the lanes whose p99 is within the SLO, that
rejected and failed nothing and keep up with the load, the one with the most goodput
(within 1%, the lower p99). A lane that meets the SLO by dropping requests is never best;
when none qualifies the strip says so.

**Sliders** step through readable values (1-2-5 per decade; batch sizes in powers of
two) over the whole range the batcher accepts; `enter` types an exact value, checked as
the engine checks it.

**Live check** (`v`): the lanes run in the simulator; to verify one, batchtui serves 5 s
of the current load with that lane's settings on the wall clock, with the device to
itself (the other lanes' clock stops meanwhile), simulates the very same arrivals, and
shows both p50/p99 in the lane's panel. When either side is saturated the two are marked
**NOT COMPARABLE**: their latencies then measure how long a queue grew.

Press `escape` or `?` to close.
"""


def key_rows(app: Any, bindings: Iterable[Binding]) -> list[tuple[str, str]]:
    """(keys, what they do) for each binding; `a,b` keys are listed together."""
    rows = []
    for binding in bindings:
        keys = [
            app.get_key_display(dataclasses.replace(binding, key=key.strip()))
            for key in binding.key.split(",")
        ]
        rows.append((" / ".join(keys), binding.tooltip or binding.description))
    return rows


def help_markdown(app: Any) -> str:
    """The whole help text: the app's keys, a slider's keys, Textual's, then the figures."""
    slider = [b for b in Slider.BINDINGS if isinstance(b, Binding)]
    sections = (
        ("key", key_rows(app, app_bindings(app))),
        ("in a slider", key_rows(app, slider)),
        ("moving around", list(MOVING)),
    )
    out = [INTRO]
    for title, rows in sections:
        out += [f"| {title} | does |", "| --- | --- |"]
        out += [f"| `{keys}` | {does} |" for keys, does in rows]
        out.append("")
    out.append(FIGURES)
    return "\n".join(out)


class HelpScreen(ModalScreen[None]):
    """Keys and meanings; any of escape, ? or q closes it."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="help-close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(help_markdown(self.app))

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(None)
