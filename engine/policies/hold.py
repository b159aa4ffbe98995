"""How long an under-sized batch may be held: the budget-bounded wait dynamic and predictive share.

The oldest request waits at most ``max_wait``, and less when the batch's expected service
would leave less than that of the latency target (``slack``): then the reason is the budget.
"""

from __future__ import annotations

from batchtui.engine.policies.decisions import BUDGET, TIMEOUT, Decision, Dispatch, Wait


def hold(
    now: float, oldest: float, queued: int, slack: float, max_wait: float, want: int
) -> Decision:
    """Send the ``queued`` requests once the hold is over, else wait for it (or ``want``)."""
    if slack < max_wait:
        deadline, reason = oldest + max(slack, 0.0), BUDGET
    else:
        deadline, reason = oldest + max_wait, TIMEOUT
    if now >= deadline:
        return Dispatch(queued, reason)
    return Wait(deadline, want)
