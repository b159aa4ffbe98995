"""The load dialog: pick a built-in or user preset, or type a path."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from batchtui.presets import Preset, list_presets


class LoadPresetScreen(ModalScreen[str | None]):
    """Returns a preset name or path (the app resolves and validates it)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="load-cancel")]

    def __init__(self, keep: Callable[[Preset], bool] | None = None) -> None:
        """``keep``: which valid presets the list offers (all when None)."""
        super().__init__()
        self._keep = keep

    def compose(self) -> ComposeResult:
        entries = list_presets()
        options = [
            Option(_entry(e.name, e.origin, e.preset, e.error), id=str(e.path))
            for e in entries
            if not e.shadowed and (self._keep is None or e.preset is None or self._keep(e.preset))
        ]
        with Vertical(id="load-dialog", classes="dialog"):
            yield Label("Load a preset (enter to choose; or type a path below)")
            yield OptionList(*options, id="load-list")
            yield Input(placeholder="path/to/preset.json", id="load-path")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


LEAD_CELLS = 120
"""The most of a description the list shows: its first sentence, two lines of the dialog."""


def _entry(name: str, origin: str, preset: object, error: object) -> Text:
    """A preset's name and origin, then the first sentence of its description (or why it is
    invalid), wrapped between words at whatever width the dialog has, never cut mid-word."""
    text = Text.assemble((name, "bold"), "  ", (origin, "dim"), "\n")
    if preset is None:
        return text.append(lead(f"INVALID: {error}"), style="red")
    return text.append(lead(getattr(preset, "description", "") or ""))


def lead(description: str) -> str:
    """The first sentence of ``description``, cut after a whole word when it is too long."""
    first = description.split(". ", 1)[0]
    if len(first) <= LEAD_CELLS:
        return first
    return first[: LEAD_CELLS + 1].rsplit(" ", 1)[0] + " …"
