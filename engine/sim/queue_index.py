"""The waiting queue as an index range over the arrivals, with gaps where requests were rejected.

Both runtimes keep their queue this way, so admission control and FIFO order are one
piece of code: requests ``[head, tail)`` of the arrival sequence, minus rejected ranges.

Arrivals that share one timestamp are admitted one by one, as a server that sees them one
at a time would: when they would overflow a bounded queue, those at the current moment that
do not fit are held back while the policy is asked (on a free device); a dispatch makes room
for them, and only if the policy waits are they rejected. Earlier arrivals found beyond the
bound were rejected when they came (nothing left the queue since), so they are cut at once.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from collections.abc import Iterable

NEVER = 1 << 62  # a queue size no lane reaches


def admit(
    queued: int,
    tail: int,
    new_tail: int,
    max_queue: int,
    gaps: deque[tuple[int, int]],
    rejected: list[tuple[int, int]],
) -> int:
    """Queue the arrivals ``[tail, new_tail)`` up to ``max_queue``; reject the rest. Returns
    the new queue length. No request leaves between two events, so the cut is exact."""
    if queued + new_tail - tail <= max_queue:
        return queued + new_tail - tail
    gap = (tail + max_queue - queued, new_tail)
    gaps.append(gap)
    rejected.append(gap)
    return max_queue


def take(head: int, n: int, gaps: deque[tuple[int, int]]) -> int:
    """Move ``head`` past ``n`` waiting requests, stepping over rejected ranges."""
    while True:
        if gaps and gaps[0][0] == head:
            head = gaps.popleft()[1]
            continue
        if n == 0:
            return head
        limit = gaps[0][0] if gaps else head + n
        step = min(n, limit - head)
        head += step
        n -= step


def admit_at(
    times: list[float], moment: float, queued: int, tail: int, new_tail: int, max_queue: int,
    gaps: deque[tuple[int, int]], rejected: list[tuple[int, int]],
) -> tuple[int, int]:  # fmt: skip
    """Queue the arrivals ``[tail, new_tail)`` at ``moment`` on a free device. Returns the
    queue length and the new tail: below ``new_tail`` when arrivals at ``moment`` were held
    back at the bound (ask the policy, then ``admit`` them or let a dispatch make room)."""
    if queued + new_tail - tail > max_queue:
        new_tail = bisect_left(times, moment, tail + max_queue - queued, new_tail)
    return admit(queued, tail, new_tail, max_queue, gaps, rejected), new_tail


def shift_ranges(ranges: Iterable[tuple[int, int]], shift: int) -> list[tuple[int, int]]:
    """Index ranges after the first ``shift`` arrivals are dropped (those wholly before go)."""
    return [(max(s - shift, 0), e - shift) for s, e in ranges if e > shift]
