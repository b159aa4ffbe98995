"""A one-line slider for numeric knobs: linear or log scale, keys and mouse, debounced Changed.

Written for batchtui (the GPL-3.0 `textual-slider` is deliberately not used). The mapping
between track position and value lives in `SliderScale`, a plain value that needs no app, so
it can be tested with numbers alone; `Slider` is the widget that draws and drives it.
Keys and the mouse move along a ladder of readable values (1-2-5 per decade on a log scale,
round steps on a linear one), so a setting reads `2`, never `46.1856808615`; Enter takes a
typed value, which may lie between the rungs.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar, Literal

from rich.segment import Segment
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from batchtui.tui.widgets.value_prompt import ValuePrompt, parse_number

Scale = Literal["linear", "log"]
Ladder = Literal["auto", "1-2-5", "pow2", "round"]
"""Which values keys and the mouse stop at: `auto` is 1-2-5 on a log scale, round on linear."""

SMALL_STEP = 1 / 50
"""With `zero=True`, the share of the track between 0 and `minimum`."""
ROUND_STEPS = 50
"""A linear ladder has about this many rungs (a 1-2-5 step of at least range/50)."""
ZERO_GAP = SMALL_STEP

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
    ladder: Ladder = "auto"

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
        if self.ladder not in ("auto", "1-2-5", "pow2", "round"):
            raise ValueError(
                f"slider ladder must be auto, 1-2-5, pow2 or round, got {self.ladder!r}"
            )

    @property
    def lowest(self) -> float:
        """The smallest value the slider can hold: 0 with `zero=True`, else `minimum`."""
        return 0.0 if self.zero else self.minimum

    @cached_property
    def rungs(self) -> tuple[float, ...]:
        """The values keys and the mouse stop at, ascending; both ends always among them."""
        kind = self.ladder
        if kind == "auto":
            kind = "1-2-5" if self.scale == "log" else "round"
        values = {self.minimum, self.maximum}
        if kind == "round":
            step = self.step or nice_at_least((self.maximum - self.minimum) / ROUND_STEPS)
            k = math.ceil(self.minimum / step)
            while k * step < self.maximum:
                values.add(k * step)
                k += 1
        else:
            low = max(self.minimum, 1e-12)
            base, mantissas = (2.0, (1,)) if kind == "pow2" else (10.0, (1, 2, 5))
            first = math.floor(math.log(low, base)) - 1
            last = math.ceil(math.log(self.maximum, base)) + 1
            values |= {m * base**k for k in range(first, last + 1) for m in mantissas}
        if self.zero:
            values.add(0.0)
        inside = {self.snap(v) for v in values if self.lowest <= v <= self.maximum}
        return tuple(sorted(inside))

    @cached_property
    def _rung_positions(self) -> tuple[float, ...]:
        return tuple(self.to_position(v) for v in self.rungs)

    def to_value(self, position: float) -> float:
        """The rung nearest to `position` (0 = left end, 1 = right end) on the track."""
        position = min(max(position, 0.0), 1.0)
        places = self._rung_positions
        i = bisect.bisect_left(places, position)
        near = [j for j in (i - 1, i) if 0 <= j < len(places)]
        return self.rungs[min(near, key=lambda j: abs(places[j] - position))]

    def value_at(self, position: float) -> float:
        """The exact (unladdered) value at `position`: the track's continuous mapping."""
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

    def moved(self, value: float, rungs: int) -> float:
        """`value` moved `rungs` rungs up (> 0) or down (< 0) the ladder, within the ends.

        From a value between two rungs (typed in), one rung up is the next rung above it."""
        ladder = self.rungs
        if rungs > 0:
            i = bisect.bisect_right(ladder, value) + rungs - 1
        else:
            i = bisect.bisect_left(ladder, value) + rungs
        return ladder[min(max(i, 0), len(ladder) - 1)]

    @property
    def big_rungs(self) -> int:
        """Rungs in a big step: a decade on a 1-2-5 ladder, a tenth of the track otherwise."""
        if self.scale == "log":
            return 3
        return max(1, round(len(self.rungs) / 10))


def nice_at_least(x: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least `x` (> 0)."""
    k = math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if m * 10.0**k >= x * (1 - 1e-12):
            return float(f"{m * 10.0**k:.12g}")
    return 10.0 ** (k + 1)


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
    label: str  # the label shown: the full one, or the short one where that does not fit
    track_start: int
    track_width: int
    value_width: int  # the value text and its leading space


class Slider(Widget, can_focus=True):
    """A numeric knob on one line: `label ━━━━●──── 5.0 ms`.

    Setting `value` in code clamps and redraws without posting `Changed`, so the app can follow
    the engine without feedback loops; only user input posts `Changed`, debounced.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "left",
            "decrease",
            "Less",
            key_display="←",
            tooltip="down one step (1-2-5 per decade; batch sizes halve)",
            id="slider.decrease",
        ),
        Binding(
            "right",
            "increase",
            "More",
            key_display="→",
            tooltip="up one step (1-2-5 per decade; batch sizes double)",
            id="slider.increase",
        ),
        Binding(
            "shift+left,pagedown",
            "decrease_big",
            "Much less",
            show=False,
            tooltip="down a decade (log) or a tenth of the track",
            id="slider.decrease_big",
        ),
        Binding(
            "shift+right,pageup",
            "increase_big",
            "Much more",
            show=False,
            tooltip="up a decade (log) or a tenth of the track",
            id="slider.increase_big",
        ),
        Binding(
            "home",
            "to_lowest",
            "Lowest",
            show=False,
            tooltip="to the lowest value",
            id="slider.lowest",
        ),
        Binding(
            "end",
            "to_highest",
            "Highest",
            show=False,
            tooltip="to the highest value",
            id="slider.highest",
        ),
        Binding("enter", "edit", "Type", tooltip="type an exact value", id="slider.edit"),
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
        ladder: Ladder = "auto",
        check: Callable[[float], float] | None = None,
        label: str = "",
        unit: str = "",
        label_width: int | None = None,
        short_label: str = "",
        debounce_s: float = 0.15,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Raises ValueError for an impossible range (max <= min, log with min <= 0, ...).

        `label_width` pads the label so the tracks of stacked sliders line up;
        `short_label` is shown where the label would leave the track too short. `check`
        validates a typed value (returns it, or raises ValueError with the reason), e.g. the
        engine's own check of the knob, so the prompt refuses what the engine would.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        if debounce_s < 0:
            raise ValueError(f"debounce_s must be >= 0, got {debounce_s}")
        self.mapping = SliderScale(minimum, maximum, scale, step, integer, zero, ladder)
        self._check = check
        self.label = label
        self.unit = unit
        self.label_width = label_width
        self.short_label = short_label
        self.debounce_s = debounce_s
        self._value = self.mapping.snap(value)
        self._reported = self._value  # the value the app last knew: set by it or posted to it
        self._debounce: Timer | None = None
        self._dragging = False
        self._prompt: ValuePrompt | None = None  # open (or opening) for a typed value
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

    def _step(self, rungs: int) -> None:
        if not self.is_disabled:
            self._user_set(self.mapping.moved(self._value, rungs))

    def action_decrease(self) -> None:
        """Down one rung of the ladder (e.g. 5 -> 2 ms)."""
        self._step(-1)

    def action_increase(self) -> None:
        """Up one rung of the ladder (e.g. 2 -> 5 ms)."""
        self._step(1)

    def action_decrease_big(self) -> None:
        """Down a big step: a decade on a log scale, a tenth of the track on a linear one."""
        self._step(-self.mapping.big_rungs)

    def action_increase_big(self) -> None:
        """Up a big step: a decade on a log scale, a tenth of the track on a linear one."""
        self._step(self.mapping.big_rungs)

    def action_edit(self) -> None:
        """Ask for a typed value; it is checked (`check`) before it is applied."""
        if self.is_disabled:
            return
        prompt = ValuePrompt(
            self.name or self.label or self.id or "value",
            format_number(self._value, self.mapping.integer) if self._value else "0",
            self.check,
            unit=self.unit,
        )
        self._prompt = prompt
        self.app.push_screen(prompt, self._typed)

    def on_key(self, event: events.Key) -> None:
        """Keys typed fast after Enter reach the slider before its prompt is up: they belong
        to the prompt (typing ``20`` must not also move the knob). So Enter opens the prompt
        here, at once, rather than by its binding, which runs only after the keys behind it."""
        if self._prompt is not None and self._prompt in self.app.screen_stack:
            self._prompt.type_ahead(event)
        elif event.key == "enter" and not self.is_disabled:
            self.action_edit()
        else:
            return
        event.stop()
        event.prevent_default()

    def _typed(self, value: float | None) -> None:
        self._prompt = None
        if value is not None:
            self._user_set(value, immediate=True)

    def check(self, text: str) -> float:
        """The typed text as a value for this slider, or ValueError saying what would be valid."""
        value = parse_number(text)
        if self._check is not None:
            value = float(self._check(value))
        low, high = self.mapping.lowest, self.mapping.maximum
        if not low <= value <= high:
            raise ValueError(
                f"must be between {format_number(low)} and {format_number(high)}, got {text!r}"
            )
        if self.mapping.integer and not float(value).is_integer():
            raise ValueError(f"must be a whole number, got {text!r}")
        return self.mapping.snap(value)

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
        samples = [*self.mapping.rungs, self._value]
        return max(len(self.format_value(v)) for v in samples)

    def _layout(self, width: int) -> _Layout:
        value_width = 1 + self._value_width
        label_width, label = 0, ""
        # The full label (padded to line tracks up), else the short one, else none: where
        # the track would be too narrow, the track and number matter more than the name.
        for label, pad in ((self.label, self.label_width or 0), (self.short_label, 0)):
            label_width = max(len(label), pad) + 1 if label else 0
            if label_width and width - label_width - value_width >= 5:
                break
            label_width = 0
        track_width = max(width - label_width - value_width, 0)
        shown = label if label_width else ""
        return _Layout(label_width, shown, label_width, track_width, value_width)

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
            label = layout.label.ljust(layout.label_width - 1)[: layout.label_width - 1]
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
