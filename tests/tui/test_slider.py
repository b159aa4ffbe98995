"""The Slider: its position↔value mapping, and the widget driven by keys and mouse in a real app."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from batchtui.tui.widgets.slider import SMALL_STEP, Slider, SliderScale

TRACK = "━●─"


class SliderApp(App[None]):
    """One slider, recording every Changed it posts."""

    def __init__(self, slider: Slider) -> None:
        super().__init__()
        self.slider = slider
        self.changes: list[float] = []

    def compose(self) -> ComposeResult:
        yield self.slider

    def on_slider_changed(self, event: Slider.Changed) -> None:
        assert event.slider is self.slider and event.control is self.slider
        self.changes.append(event.value)


def linear(value: float = 50.0, **kwargs: object) -> Slider:
    kwargs.setdefault("debounce_s", 0.05)
    return Slider(0.0, 100.0, value, label="lbl", id="s", **kwargs)  # type: ignore[arg-type]


def track_span(slider: Slider) -> tuple[int, int]:
    """First and last cell of the drawn track."""
    text = slider.render_line(0).text
    cells = [i for i, ch in enumerate(text) if ch in TRACK]
    return cells[0], cells[-1]


# --- the mapping, with numbers alone ------------------------------------------------------


def test_log_mapping_round_trips_and_hits_the_exact_ends() -> None:
    scale = SliderScale(0.05, 1000.0, "log")
    assert scale.to_value(0.0) == 0.05
    assert scale.to_value(1.0) == 1000.0
    assert scale.to_position(0.05) == 0.0
    assert scale.to_position(1000.0) == 1.0
    for i in range(101):
        p = i / 100
        assert scale.to_position(scale.value_at(p)) == pytest.approx(p, abs=1e-9)
    # log, not linear: the middle of the track is the geometric mean
    assert scale.value_at(0.5) == pytest.approx((0.05 * 1000.0) ** 0.5)
    # ...and a click there lands on the nearest readable value, 5
    assert scale.to_value(0.5) == 5.0


def test_zero_sits_at_the_left_end_and_the_log_range_starts_one_step_in() -> None:
    scale = SliderScale(0.05, 1000.0, "log", zero=True)
    assert scale.to_value(0.0) == 0.0
    assert scale.to_position(0.0) == 0.0
    assert scale.to_value(SMALL_STEP) == 0.05
    assert scale.to_value(1.0) == 1000.0
    for i in range(2, 51):
        p = i / 50
        assert scale.to_position(scale.value_at(p)) == pytest.approx(p, abs=1e-9)
    assert scale.clamp(0.01) == 0.0  # below minimum: the nearer of 0 and minimum
    assert scale.clamp(0.04) == 0.05


def test_integer_sliders_hold_whole_numbers_and_steps_snap() -> None:
    sizes = SliderScale(1, 1024, "log", integer=True)
    values = [sizes.to_value(i / 200) for i in range(201)]
    assert all(v == int(v) for v in values)
    assert values[0] == 1 and values[-1] == 1024
    assert sizes.snap(31.6) == 32
    stepped = SliderScale(0.0, 1.0, step=0.1)
    assert stepped.snap(0.34) == 0.3
    assert stepped.to_value(0.26) == 0.3


def test_an_impossible_range_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="minimum > 0"):
        SliderScale(0.0, 10.0, "log")
    with pytest.raises(ValueError, match="greater than minimum"):
        Slider(5.0, 5.0, 5.0)


# --- the widget in an app -------------------------------------------------------------------


async def test_keys_move_by_small_and_big_steps_and_stop_at_the_ends() -> None:
    app = SliderApp(linear(50.0))
    async with app.run_test(size=(40, 3)) as pilot:
        slider = app.slider
        slider.focus()
        await pilot.press("right")
        assert slider.value == 52.0  # 1/50 of the track
        await pilot.press("shift+right")
        assert slider.value == 62.0  # 1/10 of the track
        await pilot.press("pagedown", "left")
        assert slider.value == 50.0
        await pilot.press("end", "right", "pageup")
        assert slider.value == 100.0
        await pilot.press("home", "left", "shift+left")
        assert slider.value == 0.0


async def test_an_integer_key_step_moves_at_least_one() -> None:
    slider = Slider(1, 1024, 1, scale="log", integer=True, id="s", debounce_s=0.05)
    app = SliderApp(slider)
    async with app.run_test(size=(40, 3)) as pilot:
        slider.focus()
        await pilot.press("right")
        assert slider.value == 2
        await pilot.press("right")
        assert slider.value == 5  # 1-2-5


async def test_a_power_of_two_ladder_doubles_and_halves() -> None:
    slider = Slider(1, 65536, 32, scale="log", integer=True, ladder="pow2", id="s")
    app = SliderApp(slider)
    async with app.run_test(size=(40, 3)) as pilot:
        slider.focus()
        await pilot.press("right")
        assert slider.value == 64
        await pilot.press("left", "left")
        assert slider.value == 16


async def test_a_burst_of_keys_posts_one_changed_with_the_final_value() -> None:
    # Pilot takes ~60 ms per key press, so the quiet period must be longer than that.
    app = SliderApp(linear(50.0, debounce_s=0.4))
    async with app.run_test(size=(40, 3)) as pilot:
        app.slider.focus()
        await pilot.press(*["right"] * 5)
        assert app.changes == []  # still inside the quiet period
        await pilot.pause(0.6)
        assert app.changes == [60.0]


async def test_setting_value_in_code_clamps_redraws_and_posts_nothing() -> None:
    app = SliderApp(linear(50.0, debounce_s=0.4))
    async with app.run_test(size=(40, 3)) as pilot:
        slider = app.slider
        slider.value = 80.0
        await pilot.pause(0.2)
        assert slider.value == 80.0
        assert slider.render_line(0).text.endswith(" 80.0")
        slider.value = 1e9
        assert slider.value == 100.0
        # and it cancels a user change still waiting to be posted: the app's value wins
        slider.focus()
        await pilot.press("left")
        slider.value = 30.0
        await pilot.pause(0.6)
        assert slider.value == 30.0
        assert app.changes == []


async def test_a_click_on_the_track_jumps_there_and_posts_at_once() -> None:
    app = SliderApp(linear(50.0, debounce_s=10.0))  # a long debounce: only mouse-up can post
    async with app.run_test(size=(40, 3)) as pilot:
        slider = app.slider
        first, last = track_span(slider)
        await pilot.click("#s", offset=(last - 1, 0))
        assert slider.value > 90.0
        assert app.changes == [slider.value]
        await pilot.click("#s", offset=(first, 0))
        assert slider.value == 0.0
        assert app.changes[-1] == 0.0


async def test_a_drag_follows_the_mouse_and_posts_once_on_release() -> None:
    app = SliderApp(linear(50.0, debounce_s=10.0))
    async with app.run_test(size=(40, 3)) as pilot:
        slider = app.slider
        first, last = track_span(slider)
        await pilot.mouse_down("#s", offset=(first + 1, 0))
        low = slider.value
        await pilot.hover("#s", offset=((first + last) // 2, 0))
        assert low < slider.value < 60.0
        # off the widget (below it and past the track's end): captured, so it clamps at the end
        await pilot.hover("#s", offset=(last + 5, 1))
        assert slider.value == 100.0
        await pilot.mouse_up("#s", offset=(last + 5, 1))
        assert app.changes == [100.0]


async def test_a_disabled_slider_ignores_keys_and_clicks() -> None:
    app = SliderApp(linear(50.0))
    async with app.run_test(size=(40, 3)) as pilot:
        slider = app.slider
        slider.focus()
        slider.disabled = True
        await pilot.press("right", "end")
        slider.action_increase()
        first, _ = track_span(slider)
        await pilot.click("#s", offset=(first, 0))
        await pilot.pause(0.2)
        assert slider.value == 50.0
        assert app.changes == []


async def test_it_draws_label_track_knob_and_value_on_one_line() -> None:
    slider = Slider(0.05, 1000.0, 5.0, scale="log", zero=True, label="wait", unit="ms", id="s")
    app = SliderApp(slider)
    async with app.run_test(size=(40, 3)) as pilot:
        line = slider.render_line(0).text
        assert len(line) == 40
        assert line.startswith("wait ━")
        assert line.count("●") == 1
        assert line.endswith(" 5.0 ms")
        slider.value = 0
        await pilot.pause()
        line = slider.render_line(0).text
        assert line.startswith("wait ●─") and line.endswith(" 0 ms")


async def test_focus_changes_how_the_knob_is_drawn() -> None:
    app = SliderApp(linear(50.0))
    async with app.run_test(size=(40, 3)) as pilot:
        slider = app.slider

        def knob_style() -> str:
            return next(str(s.style) for s in slider.render_line(0) if "●" in s.text)

        slider.focus()
        await pilot.pause()
        focused = knob_style()
        slider.blur()
        await pilot.pause()
        assert knob_style() != focused


# --- readable steps and typed values ---------------------------------------------------------


def test_log_rungs_are_1_2_5_per_decade_and_include_both_ends() -> None:
    scale = SliderScale(0.01, 60_000.0, "log", zero=True)
    assert scale.rungs[:5] == (0.0, 0.01, 0.02, 0.05, 0.1)
    assert scale.rungs[-4:] == (10_000.0, 20_000.0, 50_000.0, 60_000.0)
    for value in scale.rungs[1:-1]:
        assert f"{value:.0e}"[0] in "125"  # every inner rung is 1, 2 or 5 times 10^k
    assert SliderScale(0.0, 100.0).rungs == tuple(float(v) for v in range(0, 101, 2))


def test_steps_from_a_value_between_rungs_go_to_the_next_rung() -> None:
    scale = SliderScale(0.01, 60_000.0, "log", zero=True)
    assert scale.moved(46.1856808615, 1) == 50.0
    assert scale.moved(46.1856808615, -1) == 20.0
    assert scale.moved(5.0, -3) == 0.5  # a big step: a decade
    assert scale.moved(0.01, -1) == 0.0 and scale.moved(0.0, -1) == 0.0
    assert scale.moved(60_000.0, 1) == 60_000.0


async def test_two_steps_give_a_value_an_engineer_would_write() -> None:
    slider = Slider(0.01, 60_000.0, 5.0, scale="log", zero=True, unit="ms", id="s", debounce_s=0)
    app = SliderApp(slider)
    async with app.run_test(size=(50, 3)) as pilot:
        slider.focus()
        await pilot.press("left", "left")
        assert slider.value == 1.0
        await pilot.press("right", "right", "right")
        assert slider.value == 10.0
        assert app.changes == [2.0, 1.0, 2.0, 5.0, 10.0]


async def test_a_click_lands_on_a_rung() -> None:
    slider = Slider(0.01, 60_000.0, 5.0, scale="log", zero=True, id="s", debounce_s=0)
    app = SliderApp(slider)
    async with app.run_test(size=(50, 3)) as pilot:
        for x in (3, 10, 17, 25, 33, 40):
            await pilot.click("#s", offset=(x, 0))
            assert slider.value in slider.mapping.rungs


async def test_enter_takes_a_typed_value_between_the_rungs() -> None:
    from batchtui.tui.widgets.value_prompt import ValuePrompt

    slider = Slider(0.01, 60_000.0, 5.0, scale="log", zero=True, unit="ms", id="s")
    app = SliderApp(slider)
    async with app.run_test(size=(60, 12)) as pilot:
        slider.focus()
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, ValuePrompt)
        await pilot.press(*"3.7", "enter")  # the field starts as "5.0", selected: replaced
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ValuePrompt)
        assert slider.value == 3.7 and app.changes == [3.7]  # applied at once, as typed
        await pilot.press("right")
        assert slider.value == 5.0  # steps resume from the typed value


async def test_a_typed_value_the_engine_would_refuse_is_refused_with_its_reason() -> None:
    from batchtui.engine.policies.common import MAX_WAIT_MS
    from batchtui.tui.widgets.value_prompt import ValuePrompt

    slider = Slider(0.01, 60_000.0, 5.0, scale="log", zero=True, check=MAX_WAIT_MS.check, id="s")
    app = SliderApp(slider)
    async with app.run_test(size=(60, 12)) as pilot:
        slider.focus()
        await pilot.press("enter")
        await pilot.pause(0.1)
        error = app.screen.query_one("#prompt-error")
        for typed, reason in (("70000", "max_wait_ms: must be <= 60000"), ("abc", "not a number")):
            app.screen.query_one("#prompt-input").value = typed
            await pilot.press("enter")
            await pilot.pause(0.1)
            assert isinstance(app.screen, ValuePrompt)  # still asking
            assert reason in str(error.render())
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ValuePrompt)
        assert slider.value == 5.0 and app.changes == []
