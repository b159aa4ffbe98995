"""A small dialog that asks for one number and refuses, with the reason, what is not valid.

Used by a focused slider (Enter) and by the SLO key: the caller passes the check, so the
reason shown is the one the engine would give (e.g. a policy's own `Param` check).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

SUFFIXES = {"k": 1e3, "m": 1e6}
"""`2k` reads as 2000, as the sliders write large numbers."""


def parse_number(text: str) -> float:
    """A typed number (`2`, `0.5`, `1e3`, `2k`), or ValueError naming what was typed."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    factor = 1.0
    if cleaned[-1:].lower() in SUFFIXES:
        factor, cleaned = SUFFIXES[cleaned[-1].lower()], cleaned[:-1]
    try:
        value = float(cleaned) * factor
    except ValueError:
        raise ValueError(f"not a number: {text.strip()!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number, got {text.strip()!r}")
    return value


class ValuePrompt(ModalScreen[float | None]):
    """`title: [value] unit`; Enter applies a valid value, Escape leaves it as it was."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]
    AUTO_FOCUS = None  # the input is focused on mount, then given the keys typed ahead

    DEFAULT_CSS = """
    ValuePrompt {
        align: center middle;
    }
    ValuePrompt > Vertical {
        width: 50;
        max-width: 100%;
        height: auto;
        padding: 0 1;
        border: thick $accent;
        background: $surface;
    }
    ValuePrompt #prompt-error {
        color: $error;
        height: auto;
    }
    ValuePrompt #prompt-hint {
        color: $text-muted;
    }
    """

    def __init__(
        self, title: str, value: str, check: Callable[[str], float], unit: str = ""
    ) -> None:
        super().__init__()
        self.title_text = title
        self.initial = value
        self.check = check
        self.unit = unit
        self._early: list[events.Key] = []
        self._ready = False

    def compose(self) -> ComposeResult:
        with Vertical():
            unit = f" ({self.unit})" if self.unit else ""
            yield Label(f"{self.title_text}{unit}", id="prompt-title")
            yield Input(self.initial, id="prompt-input", select_on_focus=True)
            yield Static("", id="prompt-error")
            yield Static("enter: apply · escape: cancel", id="prompt-hint")

    def on_mount(self) -> None:
        field = self.query_one("#prompt-input", Input)
        field.focus()
        self._ready = True
        for key in self._early:  # after the focus, so the first one replaces the selection
            field.post_message(key)
        self._early.clear()

    def type_ahead(self, event: events.Key) -> None:
        """Take a key typed while the prompt was opening (the slider under it, or this screen
        before its input had focus, received it): it goes to the input, in order."""
        key = events.Key(event.key, event.character)
        if self._ready:
            self.query_one("#prompt-input", Input).post_message(key)
        else:
            self._early.append(key)

    def on_key(self, event: events.Key) -> None:
        if self.focused is None and event.key != "escape":  # not yet focused: type ahead
            event.stop()
            event.prevent_default()
            self.type_ahead(event)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            value = self.check(event.value)
        except ValueError as e:
            self.query_one("#prompt-error", Static).update(f"refused: {e}")
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
