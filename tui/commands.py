"""Command-palette commands (ctrl+p): every dashboard action, findable by name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

COMMANDS = (
    ("Pause or resume", "toggle_pause", "stop or restart the clock (space)"),
    ("Reset statistics", "reset", "start every lane's figures afresh (r)"),
    ("Export the focused lane as a preset", "export", "write its settings to JSON (e)"),
    ("Load a preset", "load_preset", "built-in, user or a path (l)"),
    ("Live check of the focused lane", "check_live", "5 s live beside the simulator (v)"),
    ("Serve the focused lane live", "toggle_live", "wall clock, the others wait (m)"),
    ("Tune the focused lane", "tune", "search its knobs for this load and SLO (t)"),
    ("Help", "help", "keys and what the figures mean (?)"),
)


class DashboardCommands(Provider):
    """Offers the dashboard's actions in the command palette."""

    def _commands(self) -> Iterator[tuple[str, Any, str]]:
        app = self.app
        for title, action, help_text in COMMANDS:
            yield title, getattr(app, f"action_{action}"), help_text

    async def discover(self) -> Hits:
        for title, run, help_text in self._commands():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, run, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)
