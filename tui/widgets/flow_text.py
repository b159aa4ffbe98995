"""Rows of short figures that wrap between figures, never inside one, and take the height they need.

A Static wraps at spaces, so at 80 columns `rej 0 · fail 0` broke in two and a fixed height
then hid the second half. Here each row is a list of parts; a row that does not fit the
width continues on the next line at a part boundary, and the widget is as tall as that.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from batchtui.tui.format import flow

Rows = Sequence[Sequence[Text]]


class FlowText(Widget):
    """Rows of parts (`Text`), each row flowed to the width; empty rows take no line."""

    DEFAULT_CSS = """
    FlowText {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(
        self,
        rows: Rows = (),
        *,
        sep: str = " · ",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rows: Rows = rows
        self.sep = sep
        self._flowed: tuple[int, list[Text]] | None = None  # (width, lines): drawn 5x a second

    @property
    def rows(self) -> Rows:
        return self._rows

    def update(self, rows: Rows) -> None:
        """Show new rows; the height follows when the number of lines changes. The same rows
        again draw nothing (titles and reasons rarely change between snapshots)."""
        if rows == self._rows:
            return
        width = self.size.width
        before = len(self.lines(width))
        self._rows = rows
        self._flowed = None
        self.refresh(layout=len(self.lines(width)) != before)

    def lines(self, width: int) -> list[Text]:
        """What is drawn at `width`: every row flowed, in order."""
        if self._flowed is None or self._flowed[0] != width:
            self._flowed = (width, _flowed(self._rows, width, self.sep))
        return self._flowed[1]

    @property
    def plain(self) -> str:
        """The drawn text without styles (for tests and checks)."""
        return "\n".join(line.plain for line in self.lines(self.size.width or 1_000))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Text:
        return Text("\n").join(self.lines(self.size.width))


def _flowed(rows: Rows, width: int, sep: str) -> list[Text]:
    return [line for row in rows if row for line in flow(row, max(width, 1), sep)]
