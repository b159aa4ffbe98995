"""A one-line slider for numeric knobs: linear or log scale, keys and mouse, debounced Changed.

Written for batchtui (the GPL-3.0 `textual-slider` is deliberately not used). The mapping
between track position and value lives in `SliderScale`, a plain value that needs no app, so
it can be tested with numbers alone; `Slider` is the widget that draws and drives it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.segment import Segment
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

Scale = Literal["linear", "log"]

SMALL_STEP = 1 / 50
"""A small (key) step, as a fraction of the track."""
BIG_STEP = 1 / 10
"""A big (shift / page) step, as a fraction of the track."""
ZERO_GAP = SMALL_STEP
"""With `zero=True`, the share of the track between 0 and `minimum`: one small step."""

FILL, KNOB, EMPTY = "━", "●", "─"


@dataclass(frozen=True)
class SliderScale:
    """How a position on the track (0..1) maps to a value, and which values are allowed."""

    minimum: float
    maximum: float
    scale: Scale = "linear"
    step: float | None = None
    integer: bool = False
    zero: bool = False

    def __post_init__(self) -> None:
        # Validate at the boundary: a bad slider definition is a programming error that should
        # say what is wrong and what would be valid.
        if not (math.isfinite(self.minimum) and math.isfinite(self.maximum)):
            raise ValueError(f"slider bounds must be finite, got {self.minimum}..{self.maximum}")
        if self.maximum <= self.minimum:
            raise ValueError(
                f"slider maximum ({self.maximum}) must be greater than minimum ({self.minimum})"
            )
        if self.scale not in ("linear", "log"):
            raise ValueError(f"slider scale must be 'linear' or 'log', got {self.scale!r}")
        if self.scale == "log" and self.minimum <= 0:
            raise ValueError(
                f"a log-scale slider needs minimum > 0, got {self.minimum} "
                "(use zero=True to also allow exactly 0)"
            )
        if self.zero and self.scale != "log":
            raise ValueError(
                "zero=True only applies to scale='log'; a linear slider reaches 0 with minimum=0"
            )
        if self.step is not None and not self.step > 0:
            raise ValueError(f"slider step must be > 0, got {self.step}")

    @property
    def lowest(self) -> float:
        """The smallest value the slider can hold: 0 with `zero=True`, else `minimum`."""
        return 0.0 if self.zero else self.minimum

    @property
    def quantum(self) -> float:
        """The smallest change a key press must make, so integer/stepped sliders never stick."""
        if self.step is not None:
            return max(self.step, 1.0) if self.integer else self.step
        return 1.0 if self.integer else 0.0

    def to_value(self, position: float) -> float:
        """The (snapped) value at `position` (0 = left end, 1 = right end)."""
        position = min(max(position, 0.0), 1.0)
        if position >= 1.0:
            return self.snap(self.maximum)
        if self.zero:
            if position < ZERO_GAP / 2:
                return 0.0
            position = max(position - ZERO_GAP, 0.0) / (1.0 - ZERO_GAP)
        if position <= 0.0:
            raw = self.minimum
        elif self.scale == "log":
            raw = self.minimum * (self.maximum / self.minimum) ** position
        else:
            raw = self.minimum + (self.maximum - self.minimum) * position
        return self.snap(raw)

    def to_position(self, value: float) -> float:
        """Where `value` sits on the track (0..1); values outside the range sit at the ends."""
        value = self.clamp(value)
        if self.zero:
            if value <= 0.0:
                return 0.0
            return ZERO_GAP + (1.0 - ZERO_GAP) * self._inner_position(value)
        return self._inner_position(value)

    def _inner_position(self, value: float) -> float:
        if value >= self.maximum:
            return 1.0
        if value <= self.minimum:
            return 0.0
        if self.scale == "log":
            return math.log(value / self.minimum) / math.log(self.maximum / self.minimum)
        return (value - self.minimum) / (self.maximum - self.minimum)

    def clamp(self, value: float) -> float:
        """Keep `value` inside the range; below `minimum` with `zero=True` it goes to the nearer."""
        if math.isnan(value):
            return self.lowest
        if self.zero and value < self.minimum:
            return 0.0 if value < self.minimum / 2 else self.minimum
        return min(max(value, self.minimum), self.maximum)

    def snap(self, value: float) -> float:
        """Clamp, then round to the step / whole numbers; the ends themselves are always allowed."""
        value = self.clamp(value)
        if value == 0.0 and self.zero:
            return 0.0
        if self.step is not None and self.minimum < value < self.maximum:
            value = self.minimum + round((value - self.minimum) / self.step) * self.step
        # Twelve significant digits: key steps should land on 60, not 60.00000000000001.
        value = float(f"{value:.12g}")
        if self.integer:
            value = float(round(value))
            low = 0.0 if self.zero else float(math.ceil(self.minimum))
            value = min(max(value, low), float(math.floor(self.maximum)))
        return min(max(value, self.lowest), self.maximum)

    def moved(self, value: float, fraction: float) -> float:
        """`value` moved by `fraction` of the track, by at least one quantum, within the ends."""
        target = self.to_value(self.to_position(value) + fraction)
        if target == value and self.quantum and fraction:
            target = self.snap(value + math.copysign(self.quantum, fraction))
        return target


def format_number(value: float, integer: bool = False) -> str:
    """About three significant figures, compact (12.3k) for large numbers: sliders are narrow."""
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:.3g}M"
    if size >= 1e4:
        return f"{value / 1e3:.3g}k"
    if integer or value == 0:
        return f"{round(value)}"
    if size >= 100:
        return f"{value:.0f}"
    if size >= 1:
        return f"{value:.1f}"
    if size >= 0.01:
        return f"{value:.2f}"
    return f"{value:.3f}"


@dataclass(frozen=True)
class _Layout:
    """Where the parts of the line go, in content cells."""

    label_width: int  # label and its trailing space; 0 when hidden
    track_start: int
    track_width: int
    value_width: int  # the value text and its leading space


class Slider(Widget, can_focus=True):
    """A numeric knob on one line: `label ━━━━●──── 5.0 ms`.

    Setting `value` in code clamps and redraws without posting `Changed`, so the app can follow
    the engine without feedback loops; only user input posts `Changed`, debounced.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "decrease", "Less", key_display="←", id="slider.decrease"),
        Binding("right", "increase", "More", key_display="→", id="slider.increase"),
        Binding(
            "shift+left,pagedown", "decrease_big", "Less ×5", show=False, id="slider.decrease_big"
        ),
        Binding(
            "shift+right,pageup", "increase_big", "More ×5", show=False, id="slider.increase_big"
        ),
        Binding("home", "to_lowest", "Lowest", show=False, id="slider.lowest"),
        Binding("end", "to_highest", "Highest", show=False, id="slider.highest"),
    ]
    # h/l are not bound: the app uses `l` for "load preset", and a focused widget's binding
    # would shadow it.

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "slider--label",
        "slider--fill",
        "slider--knob",
        "slider--track",
        "slider--value",
    }

    DEFAULT_CSS = """
    Slider {
        width: 1fr;
        height: 1;
        min-width: 12;
        pointer: pointer;

        & > .slider--label { color: $text-muted; }
        & > .slider--fill { color: $primary; }
        & > .slider--knob { color: $primary-lighten-2; }
        & > .slider--track { color: $panel-lighten-2; }
        & > .slider--value { color: $text; }

        &:hover > .slider--knob { color: $accent; }
        &:focus {
            background: $foreground 8%;
            & > .slider--label { color: $accent; text-style: bold; }
            & > .slider--fill { color: $accent; }
            & > .slider--knob { color: $accent-lighten-2; text-style: bold; }
            & > .slider--value { text-style: bold; }
        }
        &:disabled {
            pointer: default;
            & > .slider--label { color: $text-disabled; }
            & > .slider--fill { color: $text-disabled; }
            & > .slider--knob { color: $text-disabled; }
            & > .slider--track { color: $text-disabled; }
            & > .slider--value { color: $text-disabled; }
        }
    }
    """

    @dataclass
    class Changed(Message):
        """The user settled on a new value (after `debounce_s` of quiet, or on mouse up)."""

        slider: Slider
        value: float

        @property
        def control(self) -> Slider:
            """The slider, so `@on(Slider.Changed, "#id")` selectors work."""
            return self.slider

    def __init__(
        self,
        minimum: float,
        maximum: float,
        value: float,
        *,
        scale: Scale = "linear",
        step: float | None = None,
        integer: bool = False,
        zero: bool = False,
        label: str = "",
        unit: str = "",
        label_width: int | None = None,
        debounce_s: float = 0.15,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Raises ValueError for an impossible range (max <= min, log with min <= 0, ...).

        `label_width` pads the label so the tracks of stacked sliders line up.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        if debounce_s < 0:
            raise ValueError(f"debounce_s must be >= 0, got {debounce_s}")
        self.mapping = SliderScale(minimum, maximum, scale, step, integer, zero)
        self.label = label
        self.unit = unit
        self.label_width = label_width
        self.debounce_s = debounce_s
        self._value = self.mapping.snap(value)
        self._reported = self._value  # the value the app last knew: set by it or posted to it
        self._debounce: Timer | None = None
        self._dragging = False
        self._value_width = self._widest_value()

    # --- value --------------------------------------------------------------------------

    @property
    def value(self) -> float:
        """The current value; setting it clamps/snaps and redraws but posts no `Changed`."""
        return self._value

    @value.setter
    def value(self, value: float) -> None:
        # The app is telling us the truth: drop any change of the user's still waiting to go.
        self._cancel_debounce()
        self._value = self.mapping.snap(value)
        self._reported = self._value
        self.refresh()

    @property
    def minimum(self) -> float:
        """The left end of the log/linear part of the track."""
        return self.mapping.minimum

    @property
    def maximum(self) -> float:
        """The right end of the track."""
        return self.mapping.maximum

    @property
    def position(self) -> float:
        """Where the knob sits, 0 (left) .. 1 (right)."""
        return self.mapping.to_position(self._value)

    def format_value(self, value: float) -> str:
        """The text shown after the track: the number and its unit."""
        text = format_number(value, self.mapping.integer)
        return f"{text} {self.unit}" if self.unit else text

    def _user_set(self, value: float, *, immediate: bool = False) -> None:
        """A change made by the user: redraw now, tell the app once the user pauses."""
        value = self.mapping.snap(value)
        if value != self._value:
            self._value = value
            self.refresh()
        if immediate or self.debounce_s == 0:
            self._flush_changed()
        else:
            self._cancel_debounce()
            self._debounce = self.set_timer(self.debounce_s, self._flush_changed)

    def _flush_changed(self) -> None:
        self._cancel_debounce()
        if self._value != self._reported:
            self._reported = self._value
            self.post_message(self.Changed(self, self._value))

    def _cancel_debounce(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None

    def _on_unmount(self) -> None:
        self._cancel_debounce()

    # --- keys ---------------------------------------------------------------------------

    def _step(self, fraction: float) -> None:
        if not self.is_disabled:
            self._user_set(self.mapping.moved(self._value, fraction))

    def action_decrease(self) -> None:
        """Move one small step (1/50 of the track) left."""
        self._step(-SMALL_STEP)

    def action_increase(self) -> None:
        """Move one small step (1/50 of the track) right."""
        self._step(SMALL_STEP)

    def action_decrease_big(self) -> None:
        """Move one big step (1/10 of the track) left."""
        self._step(-BIG_STEP)

    def action_increase_big(self) -> None:
        """Move one big step (1/10 of the track) right."""
        self._step(BIG_STEP)

    def action_to_lowest(self) -> None:
        """Jump to the left end (0 when zero is allowed)."""
        if not self.is_disabled:
            self._user_set(self.mapping.lowest)

    def action_to_highest(self) -> None:
        """Jump to the right end."""
        if not self.is_disabled:
            self._user_set(self.mapping.maximum)

    # --- mouse --------------------------------------------------------------------------

    def _position_at(self, x: int) -> float:
        layout = self._layout(self.size.width)
        if layout.track_width <= 1:
            return self.position
        return (x - layout.track_start) / (layout.track_width - 1)

    def _on_mouse_down(self, event: events.MouseDown) -> None:
        if self.is_disabled or event.button != 1:
            return
        offset = event.get_content_offset(self)
        if offset is None:
            return
        layout = self._layout(self.size.width)
        if not layout.track_start <= offset.x < layout.track_start + layout.track_width:
            return  # the label or the number: clicking there only focuses
        event.stop()
        self._dragging = True
        self.capture_mouse()
        self._user_set(self.mapping.to_value(self._position_at(offset.x)))

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        if self._dragging and not self.is_disabled:
            offset = event.get_content_offset_capture(self)
            self._user_set(self.mapping.to_value(self._position_at(offset.x)))

    def _on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()
            self._flush_changed()

    def _on_mouse_release(self, event: events.MouseRelease) -> None:
        # Capture taken away (e.g. a dialog opened): end the drag, keep what was reached.
        if self._dragging:
            self._dragging = False
            self._flush_changed()

    # --- drawing ------------------------------------------------------------------------

    def _widest_value(self) -> int:
        # Reserve room for the widest value the slider can show, so the track never jumps.
        samples = [self.mapping.to_value(i / 200) for i in range(201)]
        samples += [self.mapping.lowest, self.mapping.maximum, self._value]
        return max(len(self.format_value(v)) for v in samples)

    def _layout(self, width: int) -> _Layout:
        value_width = 1 + self._value_width
        label_width = 0
        if self.label:
            label_width = max(len(self.label), self.label_width or 0) + 1
            if width - label_width - value_width < 5:
                label_width = 0  # too narrow: the track and number matter more than the name
        track_width = max(width - label_width - value_width, 0)
        return _Layout(label_width, label_width, track_width, value_width)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """A comfortable width when laid out with `width: auto`."""
        label = max(len(self.label), self.label_width or 0) + 1 if self.label else 0
        return label + 20 + 1 + self._value_width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """Always one line."""
        return 1

    def render_line(self, y: int) -> Strip:
        """Draw `label ━━━━●──── value unit` across the content width."""
        width = self.size.width
        base = self.visual_style.rich_style
        if y != 0 or width <= 0:
            return Strip.blank(width, base)
        self._value_width = max(self._value_width, len(self.format_value(self._value)))
        layout = self._layout(width)
        style = self.get_component_rich_style
        segments: list[Segment] = []
        if layout.label_width:
            label = self.label.ljust(layout.label_width - 1)[: layout.label_width - 1]
            segments.append(Segment(label, style("slider--label")))
            segments.append(Segment(" ", base))
        if layout.track_width:
            knob = round(self.position * (layout.track_width - 1))
            segments.append(Segment(FILL * knob, style("slider--fill")))
            segments.append(Segment(KNOB, style("slider--knob")))
            segments.append(
                Segment(EMPTY * (layout.track_width - knob - 1), style("slider--track"))
            )
        text = self.format_value(self._value).rjust(layout.value_width)
        segments.append(Segment(text, style("slider--value")))
        return Strip(segments).adjust_cell_length(width, base).simplify()
