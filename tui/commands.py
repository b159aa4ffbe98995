"""Command-palette commands (ctrl+p): every key binding of the app, findable by what it does.

Built from the app's BINDINGS (tooltip: the title; description and key: the help line), so
a new key is in the palette, the footer and the help screen without being listed again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider


def app_bindings(app: Any) -> list[Binding]:
    """The app's own bindings with an id, in declared order (the dashboard's keys)."""
    return [b for b in type(app).BINDINGS if isinstance(b, Binding) and b.id]


def palette_entries(app: Any) -> Iterator[tuple[str, Callable[[], Any], str]]:
    """(title, callback, help) for each binding: `Export the focused lane…`, `Export (e)`."""
    for binding in app_bindings(app):
        title = binding.tooltip or binding.description
        key = app.get_key_display(binding)
        yield title, getattr(app, f"action_{binding.action}"), f"{binding.description} ({key})"


class DashboardCommands(Provider):
    """Offers the dashboard's actions in the command palette."""

    async def discover(self) -> Hits:
        for title, run, help_text in palette_entries(self.app):
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, run, help_text in palette_entries(self.app):
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)
