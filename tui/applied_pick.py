"""A tune's pick applied to a lane, held against what the lane then measures.

The lane's figures are over the engine's recent window (10 s), so just after an apply they
still mix in batches from before it: the prediction is compared only once the window holds
nothing older than the apply. It is compared with the window's own p99 (the figure the lane
shows above), not a count since the apply: the two agree on screen, the window is a full
sample (10,000 requests at the default 1,000 req/s), and it keeps following the pick for as
long as the comparison holds. Pure logic: told the engine's clock, no widgets, no timers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from rich.text import Text

from batchtui.tui import format as fmt

GAP_LIMIT = 0.15  # issue 12's goal for a validated pick: measured p99 within 15% of predicted
MIN_REQUESTS = 100  # fewer in the window, and its p99 is one request's latency, not a tail
NOTE_PART_CELLS = 22  # a lane's text at 80x24 (FlowText breaks between parts, never inside)


@dataclass(frozen=True)
class Measured:
    """The lane's window p99 (ms) with the window wholly after the apply, and its request count."""

    p99_ms: float
    requests: int


@dataclass(frozen=True)
class AppliedPick:
    """A pick sent to ``lane`` when the engine's clock read ``sent_at``; ``since`` is the
    clock from which the lane served it (as the engine reports, None until then); ``ended``
    says why the comparison stopped (the last figure measured before it is kept)."""

    lane: str
    predicted_ms: float | None  # None: the pick loses requests in the simulator
    sent_at: float
    figure: str = "p99"
    since: float | None = None
    measured: Measured | None = None
    ended: str | None = None

    def seen(
        self,
        clock: float,
        window_s: float,
        settings_since: float | None,
        p99_ms: float | None,
        requests: int,
    ) -> AppliedPick:
        """The pick after a snapshot: the engine's clock, its window, when the lane's settings
        last changed, and the window's p99 and request count."""
        if self.ended is not None:
            return self
        since = self.since
        if since is None and settings_since is not None and settings_since >= self.sent_at:
            since = settings_since  # the apply reached the engine (at or after it was sent)
        measured = self.measured
        if since is not None and clock - window_s >= since and p99_ms is not None:
            measured = Measured(p99_ms, requests)
        return dataclasses.replace(self, since=since, measured=measured)

    def end(self, why: str) -> AppliedPick:
        """The comparison no longer holds (a slider moved, statistics reset, the load
        changed); the first reason is kept."""
        return self if self.ended is not None else dataclasses.replace(self, ended=why)


def gap(measured_ms: float, predicted_ms: float) -> float:
    """Measured against predicted, relative: +0.05 is 5% slower than predicted."""
    return measured_ms / predicted_ms - 1.0


def note_parts(
    pick: AppliedPick, clock: float, window_s: float, paused: bool = False
) -> list[Text]:
    """The lane's note on the pick in at most three parts of NOTE_PART_CELLS cells (the
    lane at 80x24 has room for three lines): how it stands (applied, paused, beyond
    GAP_LIMIT in red, or why it stopped), the prediction, and how far the window has got
    or what it measured with the gap (in the prediction's unit, said on the line above)."""
    m = pick.measured
    predicted = pick.predicted_ms
    off = gap(m.p99_ms, predicted) if m is not None and predicted is not None else None
    far = off is not None and abs(off) > GAP_LIMIT and m is not None and m.requests >= MIN_REQUESTS
    if pick.ended is not None:
        state = Text(f"stopped: {pick.ended}", style="dim")
    elif far:
        off_by = f"off by >{GAP_LIMIT:.0%}"
        state = Text(f"{off_by} · paused" if paused else f"applied: {off_by}", style="bold red")
    else:
        state = Text("applied · paused" if paused else "applied", style="bold")
    parts = [
        state,
        Text(
            f"predicted {pick.figure} {fmt.ms(predicted)} ms"
            if predicted is not None
            else "predicted: reqs lost"
        ),
    ]
    if m is not None and m.requests < MIN_REQUESTS:
        parts.append(Text(f"too few requests ({m.requests})", style="yellow"))
    elif m is not None:
        shown = f"measured {fmt.ms(m.p99_ms)}"
        parts.append(
            Text(
                shown if off is None else f"{shown} ({gap_text(off)})",
                style="bold red" if far else "",
            )
        )
    elif pick.ended is None:
        waited = 0.0 if pick.since is None else min(window_s, max(0.0, clock - pick.since))
        parts.append(Text(f"measuring: {waited:.0f} s of {window_s:g}", style="yellow"))
    return parts


def gap_text(off: float) -> str:
    """The gap in at most six cells: +5%, -36%, then 12x, then >100x."""
    if abs(off) < 9.995:
        return f"{off:+.0%}"
    return f"{off + 1:.0f}x" if off + 1 < 99.5 else ">100x"
