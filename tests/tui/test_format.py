"""Short texts that fit: flowed between parts, or chosen by rank, never cut inside a part."""

from __future__ import annotations

from rich.text import Text

from batchtui.tui.format import fitting, flow, rate_column


def test_flow_breaks_only_between_parts_and_keeps_each_parts_style() -> None:
    parts = [Text("batch 8.6", style="bold"), Text("rej 12,345"), Text("fail 0")]
    assert [line.plain for line in flow(parts, 80)] == ["batch 8.6 · rej 12,345 · fail 0"]
    assert [line.plain for line in flow(parts, 22)] == ["batch 8.6 · rej 12,345", "fail 0"]
    assert [line.plain for line in flow(parts, 5)] == ["batch 8.6", "rej 12,345", "fail 0"]
    first = flow(parts, 80)[0]
    assert first.style == "" and first.spans[0].end == len("batch 8.6")


def test_fitting_takes_the_most_important_first_and_skips_what_does_not_fit() -> None:
    # (rank, width): the two rank-0 parts always come first, then rank 1 in order.
    candidates = [(1, 10), (0, 8), (1, 30), (1, 5), (0, 6)]
    assert fitting(candidates, 30) == {0, 1, 3, 4}  # the 30-wide one is skipped, 5 still fits
    assert fitting(candidates, 14) == {1, 4}
    assert fitting(candidates, 100) == {0, 1, 2, 3, 4}


def test_a_rate_column_has_one_unit_once_any_figure_reaches_a_thousand() -> None:
    assert rate_column([999.0, 950.0, None]) == ["999", "950", "-"]
    assert rate_column([999.0, 1_234.0, 50.0]) == ["1.0k", "1.2k", "0.1k"]
    assert rate_column([150_000.0, 999.0]) == ["150k", "1k"]
    assert rate_column([]) == []


def test_a_rate_column_in_thousands_still_says_none_as_0() -> None:
    """The walk's max-throughput strip read 'drops/s 0.0k' beside 5.5k for a lane that dropped
    nothing; 0.0k also reads as 'under fifty'."""
    assert rate_column([0.0, 5_500.0, 40.0]) == ["0", "5.5k", "0.0k"]
