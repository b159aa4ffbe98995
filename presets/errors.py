"""What is wrong with a preset file: every problem, each at its JSON path, in one error."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from batchtui.engine.errors import ConfigError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a preset: where (a JSON path such as ``batcher.max_wait_ms``) and what.

    ``path`` is empty for problems with the document as a whole (not JSON, empty file).
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class PresetError(ConfigError):
    """A preset that cannot be used, with all its problems, so one edit can fix them all.

    A ConfigError, so the command line prints it like any other mistake: a first line
    naming the file, then one problem per line, and exit status 2.
    """

    def __init__(self, source: str, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        heading = "not a valid preset" + (f" ({count} problems)" if count > 1 else "")
        lines = "".join(f"\n  {p}" for p in self.problems)
        super().__init__(source, heading + lines)
        self.source = source

    def at(self, where: str) -> PresetError:
        """The same problems, reported for another name of the file."""
        return PresetError(where, self.problems)
