"""An applied tune's pick against the lane's window: a timeline in the engine's clock."""

from __future__ import annotations

from batchtui.tui.applied_pick import NOTE_PART_CELLS, AppliedPick, note_parts

WINDOW = 10.0


def said(pick: AppliedPick, clock: float, paused: bool = False) -> str:
    return " · ".join(str(p) for p in note_parts(pick, clock, WINDOW, paused))


def picked(sent_at: float = 100.0, predicted: float | None = 4.67) -> AppliedPick:
    return AppliedPick("static", predicted, sent_at=sent_at)


def test_the_prediction_waits_until_the_window_holds_only_batches_after_the_apply() -> None:
    pick = picked()
    # The apply is on its way: the engine still reports the lane's last change (none yet).
    pick = pick.seen(100.1, WINDOW, settings_since=None, p99_ms=8.75, requests=10_000)
    assert said(pick, 100.1) == "applied · predicted p99 4.67 ms · measuring: 0 s of 10"
    # The engine served it from 100.2; six seconds later the window still holds older batches.
    pick = pick.seen(106.2, WINDOW, settings_since=100.2, p99_ms=8.75, requests=10_000)
    assert pick.since == 100.2 and pick.measured is None
    assert said(pick, 106.2) == "applied · predicted p99 4.67 ms · measuring: 6 s of 10"
    pick = pick.seen(110.1, WINDOW, settings_since=100.2, p99_ms=5.1, requests=10_000)
    assert pick.measured is None  # 0.1 s of the window is still from before the apply
    pick = pick.seen(110.2, WINDOW, settings_since=100.2, p99_ms=4.9, requests=10_000)
    assert said(pick, 110.2) == "applied · predicted p99 4.67 ms · measured 4.90 (+5%)"
    # The window rolls on with the same settings: the figure follows it.
    pick = pick.seen(115.0, WINDOW, settings_since=100.2, p99_ms=4.5, requests=10_000)
    assert said(pick, 115.0) == "applied · predicted p99 4.67 ms · measured 4.50 (-4%)"


def test_an_earlier_change_of_the_lane_is_not_taken_for_the_apply() -> None:
    pick = picked(sent_at=100.0)
    pick = pick.seen(112.0, WINDOW, settings_since=95.0, p99_ms=4.9, requests=10_000)
    assert pick.since is None and pick.measured is None  # 95.0: a slider, before the apply
    # While paused, the apply lands at the very clock it was sent at.
    pick = pick.seen(112.0, WINDOW, settings_since=100.0, p99_ms=4.9, requests=10_000)
    assert pick.since == 100.0 and pick.measured is not None


def test_a_gap_beyond_fifteen_percent_is_said_plainly() -> None:
    pick = picked().seen(111.0, WINDOW, settings_since=100.0, p99_ms=8.75, requests=10_000)
    parts = note_parts(pick, 111.0, WINDOW)
    assert [str(p) for p in parts] == [
        "applied: off by >15%",
        "predicted p99 4.67 ms",
        "measured 8.75 (+87%)",
    ]
    assert "red" in str(parts[0].style) and "red" in str(parts[2].style)
    assert str(note_parts(pick, 111.0, WINDOW, paused=True)[0]) == "off by >15% · paused"
    within = picked().seen(111.0, WINDOW, settings_since=100.0, p99_ms=5.3, requests=10_000)
    assert said(within, 111.0) == "applied · predicted p99 4.67 ms · measured 5.30 (+13%)"
    faster = picked().seen(111.0, WINDOW, settings_since=100.0, p99_ms=3.0, requests=10_000)
    assert (
        said(faster, 111.0) == "applied: off by >15% · predicted p99 4.67 ms · measured 3.00 (-36%)"
    )


def test_a_slider_moved_stops_the_comparison_and_keeps_what_was_measured() -> None:
    pick = picked().seen(111.0, WINDOW, settings_since=100.0, p99_ms=4.9, requests=10_000)
    pick = pick.end("slider moved").end("stats reset")  # the first reason stands
    assert pick.seen(130.0, WINDOW, settings_since=125.0, p99_ms=20.0, requests=9).ended == (
        "slider moved"
    )
    assert said(pick.seen(130.0, WINDOW, 125.0, 20.0, 9), 130.0) == (
        "stopped: slider moved · predicted p99 4.67 ms · measured 4.90 (+5%)"
    )
    early = picked().seen(103.0, WINDOW, 100.0, 8.75, 10_000).end("load changed")
    assert said(early, 103.0) == "stopped: load changed · predicted p99 4.67 ms"


def test_paused_says_so_and_the_measuring_resumes_where_it_was() -> None:
    pick = picked().seen(104.0, WINDOW, settings_since=100.0, p99_ms=8.75, requests=10_000)
    assert said(pick, 104.0, paused=True) == (
        "applied · paused · predicted p99 4.67 ms · measuring: 4 s of 10"
    )
    assert said(pick.seen(110.0, WINDOW, 100.0, 4.8, 10_000), 110.0).endswith("(+3%)")


def test_a_thin_window_or_a_lossy_pick_gives_no_ratio() -> None:
    thin = picked().seen(111.0, WINDOW, settings_since=100.0, p99_ms=4.9, requests=42)
    assert said(thin, 111.0).endswith("too few requests (42)")
    lossy = picked(predicted=None).seen(111.0, WINDOW, 100.0, 31.0, 10_000)
    assert said(lossy, 111.0) == "applied · predicted: reqs lost · measured 31.0"


def test_the_note_fits_a_lane_at_80x24_in_three_lines() -> None:
    worst = [
        picked(predicted=9999.0).seen(111.0, WINDOW, 100.0, 0.01, 10_000),
        picked(predicted=0.01).seen(111.0, WINDOW, 100.0, 9999.0, 10_000),
        picked(predicted=None).seen(111.0, WINDOW, 100.0, 9999.0, 10_000).end("live switched"),
        picked().seen(105.0, WINDOW, 100.0, 5.0, 10_000).end("slider moved"),
    ]
    for pick in worst:
        for part in note_parts(pick, 111.0, WINDOW, paused=True):
            assert part.cell_len <= NOTE_PART_CELLS, str(part)
        assert len(note_parts(pick, 111.0, WINDOW, paused=True)) <= 3
    assert said(worst[1], 111.0).endswith("measured 9999 (>100x)")
    twelve = picked(predicted=1.0).seen(111.0, WINDOW, 100.0, 12.0, 10_000)
    assert "measured 12.0 (12x)" in said(twelve, 111.0)
