"""The load dialog: pick a built-in or user preset, or type a path."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from batchtui.presets import list_presets


class LoadPresetScreen(ModalScreen[str | None]):
    """Returns a preset name or path (the app resolves and validates it)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="load-cancel")]

    def compose(self) -> ComposeResult:
        entries = list_presets()
        options = [
            Option(f"{e.name:<18} {e.origin:<8} {_describe(e.preset, e.error)}", id=str(e.path))
            for e in entries
            if not e.shadowed
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


def _describe(preset: object, error: object) -> str:
    if preset is None:
        return f"INVALID: {error}"[:70]
    return (getattr(preset, "description", "") or "")[:70]
