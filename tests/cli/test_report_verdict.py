"""``batchtui run`` with an SLO: a goodput column, and "best" by the dashboard's rule."""

from __future__ import annotations

import pytest

from tests.cli.run import run_cli


def marked(out: str) -> list[str]:
    return [line.split()[0] for line in out.splitlines() if line.split()[1:2] == ["*"]]


def test_with_an_slo_the_table_shows_goodput_and_the_best_lane_within_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(capsys, "run", "--duration", "3", "--slo-ms", "8")
    assert code == 0, err
    assert "good/s" in out.splitlines()[2]
    assert marked(out) == ["dynamic"]
    assert "* best: dynamic (p99 ≤ 8 ms, no drops" in out


def test_a_lane_that_meets_p99_by_dropping_requests_is_not_best(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 20,000 req/s against a capacity of ~8,900: every lane keeps its p99 low only by
    # rejecting what the bounded queue cannot hold.
    code, out, _ = run_cli(
        capsys, "run", "--duration", "2", "--rate", "20000", "--max-queue", "100",
        "--slo-ms", "100",
    )  # fmt: skip
    assert code == 0
    assert marked(out) == []
    assert out.rstrip().endswith("no lane meets p99 ≤ 100 ms without drops")


def test_without_an_slo_the_lowest_p99_is_marked(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "run", "--duration", "3")
    assert code == 0 and "good/s" not in out
    assert marked(out) == ["dynamic"] and out.rstrip().endswith("* lowest p99")
