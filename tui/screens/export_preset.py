"""The export dialog: name and path for the focused lane's preset; asks before overwriting."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


@dataclass(frozen=True)
class ExportRequest:
    """What the user asked for: a preset name, where to write it, and whether to overwrite."""

    name: str
    path: Path
    overwrite: bool


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Asks for a name and a path; a path that exists needs a second, explicit confirmation."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export-cancel")]

    def __init__(self, lane: str, name: str, folder: Path) -> None:
        super().__init__()
        self.lane = lane
        self._name = name
        self._folder = folder
        self._confirming: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog", classes="dialog"):
            yield Label(f"Export lane [b]{self.lane}[/b] as a preset")
            yield Label("name")
            yield Input(self._name, id="export-name")
            yield Label("path")
            yield Input(str(self._folder / f"{self._name}.json"), id="export-path")
            yield Static("", id="export-warning")
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="export-save")
                yield Button("Cancel", id="export-cancel")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "export-name":
            path = self.query_one("#export-path", Input)
            if Path(path.value).parent == self._folder or not path.value:
                path.value = str(self._folder / f"{event.value.strip() or 'preset'}.json")
        self._confirming = None
        self.query_one("#export-warning", Static).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-save":
            self._save()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _save(self) -> None:
        name = self.query_one("#export-name", Input).value.strip()
        path = Path(self.query_one("#export-path", Input).value.strip()).expanduser()
        warning = self.query_one("#export-warning", Static)
        if not name:
            warning.update("[red]the preset needs a name[/red]")
            return
        if path.exists() and self._confirming != path:
            self._confirming = path
            warning.update(f"[yellow]{path} exists: press Save again to overwrite it[/yellow]")
            return
        self.dismiss(ExportRequest(name, path, overwrite=self._confirming == path))
