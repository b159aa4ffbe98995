"""Shown when the engine process stops on an error while the dashboard is open."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label


class EngineStoppedScreen(ModalScreen[str]):
    """Says why the engine stopped; returns "restart" or "quit"."""

    BINDINGS = [
        Binding("r", "choose('restart')", "Restart the engine", id="stopped-restart"),
        Binding("q", "choose('quit')", "Quit", id="stopped-quit"),
        Binding("escape", "choose('stay')", "Close", id="stopped-close"),
    ]

    def __init__(self, message: str, restart_what: str) -> None:
        super().__init__()
        self.message = message
        self.restart_what = restart_what

    def compose(self) -> ComposeResult:
        with Vertical(id="stopped-dialog", classes="dialog"):
            yield Label("The engine stopped", id="stopped-title")
            yield Label(self.message, id="stopped-message")
            yield Label(f"r  restart the engine ({self.restart_what})   q  quit   esc  look around")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
