"""The footer, fitted to the width: `? Help` and `q Quit` always show, the rest as room allows.

Textual's Footer lays every key out in a row and lets the end fall off a narrow terminal,
which is where Help and Quit are. This one chooses before it composes: the always-shown
keys first, then the app's keys in order, then the command palette, then the focused
widget's keys; whatever does not fit is one `?` away (the help lists every binding).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from batchtui.tui.format import fitting

ALWAYS = ("help", "quit")
"""Binding ids that are always in the footer."""
PREFERRED = ("slider.edit",)
"""Widget keys shown before the others (typing a value is less obvious than the arrows)."""
COMPACT_BELOW = 110
"""Narrower than this, keys are drawn without padding."""


def key_width(key: str, description: str, compact: bool) -> int:
    """Cells a FooterKey takes: `key description` with Textual's padding, or compact margins."""
    return len(key) + len(description) + (2 if compact else 3)


class KeyFooter(Footer):
    """A Footer that shows what fits, never losing Help and Quit."""

    def __init__(self) -> None:
        super().__init__(id="footer")
        self._composed_width = -1

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        width = self.size.width or self.app.size.width
        self._composed_width = width
        compact = width < COMPACT_BELOW
        self.set_reactive(Footer.compact, compact)
        self.set_class(compact, "-compact")
        active = self.screen.active_bindings
        keys = list(_unique_shown(active.values()))
        candidates = [
            (_rank(node, binding, self.app), key_width(self.app.get_key_display(binding),
                                                       binding.description, compact))
            for node, binding, _, _ in keys
        ]  # fmt: skip
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        show_palette = self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE
        if palette is not None and show_palette:
            _, binding, _, _ = palette
            display = self.app.get_key_display(binding)
            candidates.append((2, key_width(display, binding.description, compact) + 2))
        kept = fitting(candidates, width)
        for i, (_, binding, enabled, tooltip) in enumerate(keys):
            if i in kept:
                yield FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    disabled=not enabled,
                    tooltip=tooltip or binding.tooltip,
                ).data_bind(compact=Footer.compact)
        if palette is not None and show_palette and len(keys) in kept:
            _, binding, enabled, _ = palette
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or binding.description,
            )

    def on_resize(self, event: Resize) -> None:
        if event.size.width != self._composed_width and self._bindings_ready:
            self.call_after_refresh(self.recompose)

    @property
    def shown_keys(self) -> list[str]:
        """The keys drawn now, as the user sees them (e.g. `?`, `q`, `^p`)."""
        return [key.key_display for key in self.query(FooterKey)]


def _unique_shown(active: Iterable[tuple[Any, Binding, bool, str]]) -> Iterable[Any]:
    """Shown bindings, one per action (as Textual's Footer does)."""
    seen: set[str] = set()
    for node, binding, enabled, tooltip in active:
        if binding.show and binding.action not in seen:
            seen.add(binding.action)
            yield node, binding, enabled, tooltip


def _rank(node: Any, binding: Binding, app: Any) -> int:
    if binding.id in ALWAYS:
        return 0
    if node is app:
        return 1
    return 2 if binding.id in PREFERRED else 3
