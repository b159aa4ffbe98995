"""The hold dynamic and predictive share: an under-sized batch waits for company at most
``max_wait`` after its oldest arrival, and less when the latency budget is shorter."""

from __future__ import annotations

from batchtui.engine.policies.decisions import BUDGET, TIMEOUT, Dispatch, Wait
from batchtui.engine.policies.hold import hold


def test_a_roomy_budget_holds_until_the_max_wait_then_sends_on_timeout() -> None:
    assert hold(now=0.001, oldest=0.0, queued=3, slack=0.050, max_wait=0.005, want=8) == Wait(
        0.005, 8
    )
    assert hold(now=0.005, oldest=0.0, queued=3, slack=0.050, max_wait=0.005, want=8) == Dispatch(
        3, TIMEOUT
    )


def test_a_short_budget_sends_sooner_and_says_so() -> None:
    assert hold(now=0.001, oldest=0.0, queued=2, slack=0.002, max_wait=0.005, want=8) == Wait(
        0.002, 8
    )
    assert hold(now=0.002, oldest=0.0, queued=2, slack=0.002, max_wait=0.005, want=8) == Dispatch(
        2, BUDGET
    )
    # A budget already spent (service alone beyond the target) sends at once.
    assert hold(now=0.0, oldest=0.0, queued=1, slack=-0.010, max_wait=0.005, want=8) == Dispatch(
        1, BUDGET
    )
