"""The generative dashboard's help: the same keys as the request-level help screen, with
what a generative dashboard serves and what its figures mean in place of the request-level
intro and figures (queue wait and the live check do not apply here)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from batchtui.engine.session.gen_session import DEFAULT_GEN_MAX_QUEUE
from batchtui.tui.screens.help import FIGURES, INTRO, HelpScreen, help_markdown

GEN_INTRO = """\
# batchtui: generative

Every lane serves the **same arrivals** token by token, on the analytic step cost: the
request-level batchers form a batch by their usual rule, and it prefills together, then
decodes until its longest request ends (finished sequences keep their slots); `continuous`
schedules every step as vLLM does (the running decodes first, then waiting prefills up to
the token budget, chunked if on). Virtual time is kept in step with the wall clock (`pace`
below 1x: the simulator cannot keep up, and time runs slower rather than lying).
"""

GEN_FIGURES = f"""\
**Figures** are over the last window (10 s). **TTFT**: arrival to first token, of the first
tokens that came in the window; **TPOT**: time per output token after the first, of the
requests that finished in it; both in ms, or s once a value reaches a second. **tok/s**:
output tokens made; **req/s**: requests finished; **good**: requests per second within both
SLOs (`s` sets TTFT/TPOT in ms; vLLM's `--goodput` convention). **seqs**: sequences per
step against the lane's cap (**gen**: how many of them still generate; the rest hold a
finished request's slot); **KV**: tokens held in the KV cache (the continuous lane: the
share of its capacity); **preempt**: sequences sent back to wait (recompute) when the KV
cache was full.

**done a/b**: requests finished of those arrived since the start, then those in flight
(waiting or running), **rej**: those that can never fit the KV cache, **drop**: those that
found the lane's waiting queue full ({DEFAULT_GEN_MAX_QUEUE:,} requests), so memory stays
flat however long a lane is overloaded. **Alarms**: **SLO✗** a p99 past its SLO,
**SATURATED** a lane offered more than it serves (over the last 30 s its backlog grew by
more than a tenth of its arrivals, beyond chance and one step's sequences, or it dropped
arrivals), **REJ**, **DROP**.

**Charts** (from 90x30): per lane, over the last 120 s, one point a second: TTFT p99 and
output tokens/s of that second, and for the continuous lane the KV cache's peak share.

**Tune** (`t`): searches the focused lane's knobs in the background (the engine keeps
serving) for the lowest p99 TTFT at the load as running, within the TTFT/TPOT SLOs (`s`
sets them; tuning needs one), and offers to apply the pick to the lane's sliders; `t`
again cancels. The continuous lane's KV cache (`kv`, `block_size`) is kept as it is: it is
the hardware's, not a choice. `batchtui tune --model analytic-llm` searches every lane
from the command line.

**Keys** `m` and `v` (live lane, live check) are unavailable here: the generative lanes
run on the analytic step cost only (`batchtui run --model tiny-gpt --mode live` serves a
real decoder). `e` writes the focused lane as a `batchtui.preset/2`; `l` lists generative
presets (a request-level one opens with `batchtui --preset NAME`).

**Best** (★ in the comparison strip): the most goodput within the SLOs when they are set,
else the most output tokens/s; lanes within 2% of each other tie.

A **trace** brings its own arrival times and token lengths: the load bar shows its name,
its replay **speed** (a slider) and the arrival rate measured over the window.

**Sliders** step through readable values (powers of two for sequences, tokens and the
KV cache); `enter` types an exact value, checked as the engine checks it.

Press `escape` or `?` to close.
"""


class GenHelpScreen(HelpScreen):
    """The help screen with the generative intro and figures."""

    def compose(self) -> ComposeResult:
        text = help_markdown(self.app).replace(INTRO, GEN_INTRO).replace(FIGURES, GEN_FIGURES)
        with VerticalScroll(id="help-body"):
            yield Markdown(text)
