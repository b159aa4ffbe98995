"""The waiting queue as an index range over the arrivals, with gaps where requests were rejected.

Both runtimes keep their queue this way, so admission control and FIFO order are one
piece of code: requests ``[head, tail)`` of the arrival sequence, minus rejected ranges.
"""

from __future__ import annotations

from collections import deque

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
