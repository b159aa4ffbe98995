"""Errors meant for people: each names the setting at fault and what would be valid."""

from __future__ import annotations


class ConfigError(ValueError):
    """A setting a person gave is invalid.

    ``where`` names the setting the way the person wrote it (a parameter name such
    as ``max_wait_ms``, or a path such as ``trace``); the CLI and the preset loader
    rewrite it into their own vocabulary (``--max-wait-ms``, ``batcher.max_wait_ms``).
    """

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message

    def at(self, where: str) -> ConfigError:
        """The same problem, reported under another name for the setting."""
        return ConfigError(where, self.message)
