"""The help screen: what each key does and what the figures mean."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# batchtui

Three batchers serve the **same arrivals**, each with the device to itself, in virtual
time kept in step with the wall clock (`pace` below 1x means the device cannot keep up
with all three lanes, and time runs slower rather than lying).

| key | does |
| --- | --- |
| `space` | pause / resume |
| `r` | reset statistics |
| `e` | export the focused lane as a preset |
| `l` | load a preset |
| `m` | serve the focused lane live on the wall clock (the others wait); again to go back |
| `v` | live check of the focused lane (below) |
| `tab` / `shift+tab` | move between lanes and controls |
| `←` `→` (`shift` for big steps) | move the focused slider |
| `ctrl+p` | command palette |
| `?` | this help |
| `q` | quit |

**Figures** are over the last window (default 10 s): latency = completion − arrival,
split into queue wait and service; req/s = completions per second; busy = share of time
the device held a batch. **SLO✗** marks a p99 above the SLO, **SATURATED** a lane whose
device is busy all the time while its queue grows, **DROPPING** rejected or failed
requests. Dispatch reasons: *full* (batch limit reached), *timeout* (max wait reached),
*idle-device* (device free, not worth holding), *predicted* (the predicted best size
reached), *budget* (waiting longer would miss the latency target).

**Live check** (`v`): the lanes run in the simulator; to verify one, batchtui serves 5 s
of the current load with that lane's settings on the wall clock, with the device to
itself (the other lanes' clock stops meanwhile), simulates the very same arrivals, and
shows both p50/p99 in the lane's panel.

Press `escape` or `?` to close.
"""


class HelpScreen(ModalScreen[None]):
    """Keys and meanings; any of escape, ? or q closes it."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="help-close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(HELP)

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(None)
