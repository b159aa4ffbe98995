"""What the dashboard needs of an engine: the process client and the tests' stand-ins alike."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from batchtui.engine.session.messages import Command, Event


@runtime_checkable
class Engine(Protocol):
    """Takes commands, reports events, and stops; never blocks the caller for long."""

    def send(self, command: Command) -> None:
        """Queue a command (ignored once the engine has stopped)."""

    def events(self, timeout: float = 0.0) -> list[Event]:
        """Everything said since the last call, waiting up to ``timeout`` for the first."""

    def close(self) -> None:
        """Stop the engine and release what it holds."""
