"""The continuous lane's whole run, compiled with numba: Continuous's rules over one array.

``Continuous`` and ``run_continuous`` (pure Python) stay the reference and what the live
runtime and the dashboard drive; at ~20 µs a planned step they take 18 s over the Mooncake
trace's 874k steps. These functions are the same rules line for line, so a headless run is
bit-identical to the reference (tests/gen/test_kernel_equivalence.py), and ~70x faster.
Importing this module imports numba: the lane imports it only when numba is installed.

The scheduler lives in one int64 array ``mem`` (rows R_*, one column per request id): each
request's prompt, output, generated, computed and KV blocks; the waiting ring (preempted
requests rejoin at its head), the running list in admission order, the last plan's items
and preemptions, the last step's sampled and finished ids; and a header row (H_*: knobs,
scheduler counters, the last step, the run's position). One array holds the whole state, so
``advance`` resumes where it stopped (its caller grows the step arrays between calls) and
tests drive it one step at a time.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from batchtui.engine.gen.timeline import Timeline

if TYPE_CHECKING:
    from batchtui.engine.gen.continuous import Continuous
    from batchtui.engine.gen.cost import StepCost
    from batchtui.engine.gen.workload import GenRequests

(R_PROMPT, R_OUTPUT, R_GENERATED, R_COMPUTED, R_BLOCKS, R_WAITING, R_RUNNING, R_PREEMPTED,
 R_ITEM_ID, R_ITEM_TOKENS, R_SAMPLED, R_FINISHED, R_HEADER) = range(13)  # fmt: skip
ROWS = 13
(H_SEQS, H_BUDGET, H_CHUNKED, H_THRESHOLD, H_BLOCK, H_TOTAL,  # knobs
 H_FREE, H_HEAD, H_WAITING, H_RUNNING, H_PREEMPTIONS,  # the scheduler
 H_ITEMS, H_PREEMPTED, H_PREFILL, H_DECODES, H_CONTEXT, H_SAMPLED, H_FINISHED,  # last step
 H_NEXT, H_ITL, H_STEPS,
 H_SQUARE) = range(22)  # fmt: skip
"""Header columns: the knobs, the scheduler's counters, the last step's plan and result
(counts of the rows above), ``advance``'s position in a run (next arrival, inter-token
gaps and steps written), and the last step's ``StepPlan.prefill_sq`` (added after)."""
OK, FULL, EMPTY_STEP = 0, 1, 2
"""``advance``'s outcome: every request served; the step arrays are full (grow them and call
again); a step with work waiting scheduled nothing (a bug)."""


def new_memory(scheduler: Continuous, capacity: int) -> np.ndarray:
    """An empty scheduler with ``scheduler``'s (validated) knobs, for request ids below
    ``capacity``."""
    s = scheduler
    mem = np.zeros((ROWS, max(capacity, H_SQUARE + 1)), dtype=np.int64)
    header = mem[R_HEADER]
    header[H_SEQS : H_TOTAL + 1] = (
        s.max_num_seqs, s.budget, int(s.chunked), s.threshold, s.block_size, s.total_blocks
    )  # fmt: skip
    header[H_FREE] = s.total_blocks
    return mem


@njit(cache=True)
def fits(mem: np.ndarray, prompt: int, output: int) -> bool:
    """Continuous.fits: the whole sequence fits the KV cache and, unchunked, one step."""
    longest = prompt + output - 1
    if -(-longest // mem[R_HEADER, H_BLOCK]) > mem[R_HEADER, H_TOTAL]:
        return False
    if mem[R_HEADER, H_CHUNKED] == 0:
        threshold = mem[R_HEADER, H_THRESHOLD]
        return min(longest, threshold if threshold != 0 else longest) <= mem[R_HEADER, H_BUDGET]
    return True


@njit(cache=True)
def add(mem: np.ndarray, rid: int, prompt: int, output: int) -> None:
    """Continuous.add: the request waits at the tail (FCFS)."""
    mem[R_PROMPT, rid] = prompt
    mem[R_OUTPUT, rid] = output
    mem[R_GENERATED, rid] = 0
    mem[R_COMPUTED, rid] = 0
    mem[R_BLOCKS, rid] = 0
    tail = mem[R_HEADER, H_HEAD] + mem[R_HEADER, H_WAITING]
    if tail >= mem.shape[1]:
        tail -= mem.shape[1]
    mem[R_WAITING, tail] = rid
    mem[R_HEADER, H_WAITING] += 1


@njit(cache=True)
def advance(
    mem: np.ndarray,
    clock: np.ndarray,
    times: np.ndarray,
    prompts: np.ndarray,
    outputs: np.ndarray,
    cost: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    tokens: np.ndarray,
    rejected: np.ndarray,
    itl: np.ndarray,
    step_end: np.ndarray,
    step_seqs: np.ndarray,
    step_kv: np.ndarray,
) -> int:
    """run_continuous's loop from where ``mem`` and ``clock`` (now, busy seconds, the last
    step's end: -inf before the first) left it, with ``cost`` StepCost's eight coefficients,
    until every request is served or the step arrays are full: OK, FULL or EMPTY_STEP.

    Continuous.schedule and .complete are written out here, not called: a call costs atomic
    reference counts on every step, which measured as much as the rest of the step.
    """
    h = mem[R_HEADER]
    prompt, output, generated = mem[R_PROMPT], mem[R_OUTPUT], mem[R_GENERATED]
    computed, blocks, waiting, running = (
        mem[R_COMPUTED],
        mem[R_BLOCKS],
        mem[R_WAITING],
        mem[R_RUNNING],
    )
    preempted, item_id, item_tokens = mem[R_PREEMPTED], mem[R_ITEM_ID], mem[R_ITEM_TOKENS]
    sampled, finished = mem[R_SAMPLED], mem[R_FINISHED]
    count = times.size
    cap = mem.shape[1]
    max_seqs, budget_per_step, chunked = h[H_SEQS], h[H_BUDGET], h[H_CHUNKED] != 0
    threshold, size, total = h[H_THRESHOLD], h[H_BLOCK], h[H_TOTAL]
    step_ms, prefill_ms, decode_ms, context_ms = cost[0], cost[1], cost[2], cost[3]
    restart_ms, idle_after_s, mixed_ms, square_ms = cost[4], cost[5] / 1000.0, cost[6], cost[7]
    now, busy, last_end = clock[0], clock[1], clock[2]
    nxt, n_itl, steps = h[H_NEXT], h[H_ITL], h[H_STEPS]
    status = OK
    while True:
        if h[H_WAITING] == 0 and h[H_RUNNING] == 0:
            if nxt == count:
                break
            now = max(now, times[nxt])
        if steps == step_end.size:
            status = FULL
            break
        while nxt < count and times[nxt] <= now:
            if fits(mem, prompts[nxt], outputs[nxt]):
                add(mem, nxt, prompts[nxt], outputs[nxt])
            else:
                rejected[nxt] = True
            nxt += 1
        if h[H_WAITING] == 0 and h[H_RUNNING] == 0:
            continue

        # Continuous.schedule: the running requests first, in order.
        budget = budget_per_step
        free, head, n_waiting, n_running = h[H_FREE], h[H_HEAD], h[H_WAITING], h[H_RUNNING]
        n_items = n_pre = prefill = decodes = context = square = 0
        i = 0
        while i < n_running and budget > 0:
            rid = running[i]
            done = computed[rid]
            n = prompt[rid] + generated[rid] - done
            if n > 1:  # a prefill (or recompute) under way: cap the chunk
                if 0 < threshold < n:
                    n = threshold
                if n > budget:
                    n = budget
            need = (done + n + size - 1) // size - blocks[rid]
            if need > free:
                hit = False
                while need > free:  # preempt the newest running request (recompute)
                    n_running -= 1
                    victim = running[n_running]
                    free += blocks[victim]
                    blocks[victim] = 0
                    computed[victim] = 0
                    head -= 1
                    if head < 0:
                        head += cap
                    waiting[head] = victim
                    n_waiting += 1
                    preempted[n_pre] = victim
                    n_pre += 1
                    if victim == rid:
                        hit = True
                        break
                if hit:
                    break
            free -= need
            blocks[rid] += need
            item_id[n_items] = rid
            item_tokens[n_items] = n
            n_items += 1
            budget -= n
            if n == 1 and generated[rid] != 0:  # one token, the last one sampled: a decode
                decodes += 1
                context += done
            else:
                prefill += n
                square += n * (done + n)
            i += 1
        h[H_PREEMPTIONS] += n_pre
        if n_pre == 0:  # then the waiting ones, FCFS
            while n_waiting > 0 and budget > 0 and n_running < max_seqs:
                rid = waiting[head]
                n = prompt[rid] + generated[rid]  # computed is 0: new, or preempted
                if 0 < threshold < n:
                    n = threshold
                if n > budget:
                    if not chunked:
                        break
                    n = budget
                need = (n + size - 1) // size
                if need > free:
                    break
                head += 1
                if head == cap:
                    head = 0
                n_waiting -= 1
                running[n_running] = rid
                n_running += 1
                free -= need
                blocks[rid] = need
                item_id[n_items] = rid
                item_tokens[n_items] = n
                n_items += 1
                budget -= n
                prefill += n
                square += n * n
        h[H_FREE], h[H_HEAD], h[H_WAITING], h[H_RUNNING] = free, head, n_waiting, n_running
        h[H_ITEMS], h[H_PREEMPTED] = n_items, n_pre
        h[H_PREFILL], h[H_DECODES], h[H_CONTEXT], h[H_SQUARE] = prefill, decodes, context, square
        if n_items == 0:
            status = EMPTY_STEP
            break

        # The step runs: StepCost.step and .restart_s, term by term in the same order (the
        # same rounding).
        mixed = mixed_ms if prefill != 0 and decodes != 0 else 0.0
        dt = (
            step_ms
            + prefill_ms * prefill
            + decode_ms * decodes
            + context_ms * context
            + mixed
            + square_ms * square
        ) / 1000.0
        if restart_ms > 0.0 and now - last_end > idle_after_s:
            dt += restart_ms / 1000.0
        now += dt
        busy += dt
        last_end = now
        step_kv[steps] = (total - free) * size

        # Continuous.complete.
        n_sampled = n_finished = 0
        for k in range(n_items):
            rid = item_id[k]
            done = computed[rid] + item_tokens[k]
            computed[rid] = done
            if done == prompt[rid] + generated[rid]:
                g = generated[rid] + 1
                generated[rid] = g
                sampled[n_sampled] = rid
                n_sampled += 1
                if g == output[rid]:
                    finished[n_finished] = rid
                    n_finished += 1
        if n_finished:
            # A running request has all its tokens exactly when it finished in this step.
            kept = 0
            for k in range(n_running):
                rid = running[k]
                if generated[rid] != output[rid]:
                    running[kept] = rid
                    kept += 1
            h[H_RUNNING] = kept
            for k in range(n_finished):
                rid = finished[k]
                h[H_FREE] += blocks[rid]
                blocks[rid] = 0
        h[H_SAMPLED], h[H_FINISHED] = n_sampled, n_finished

        # The lane's record of the step.
        for k in range(n_sampled):
            rid = sampled[k]
            if tokens[rid]:
                itl[n_itl] = now - last[rid]
                n_itl += 1
            else:
                first[rid] = now
            last[rid] = now
            tokens[rid] += 1
        step_end[steps] = now
        step_seqs[steps] = n_items
        steps += 1
    clock[0], clock[1], clock[2] = now, busy, last_end
    h[H_NEXT], h[H_ITL], h[H_STEPS] = nxt, n_itl, steps
    return status


def coefficients_of(cost: StepCost) -> np.ndarray:
    """``advance``'s ``cost``: StepCost's fields in declaration order."""
    return np.array(dataclasses.astuple(cost), dtype=np.float64)


def _grown(a: np.ndarray) -> np.ndarray:
    b = np.empty(2 * a.size, dtype=a.dtype)
    b[: a.size] = a
    return b


def run_timeline(scheduler: Continuous, cost: StepCost, requests: GenRequests) -> Timeline:
    """run_continuous's Timeline from the compiled loop, for an idle ``scheduler``: its knobs
    are read and its preemption count grows, as under the reference (the rest of its state
    is left as it was)."""
    count = len(requests)
    times = np.ascontiguousarray(requests.times, dtype=np.float64)
    prompts = np.ascontiguousarray(requests.prompt, dtype=np.int64)
    outputs = np.ascontiguousarray(requests.output, dtype=np.int64)
    mem = new_memory(scheduler, count)
    clock = np.array([0.0, 0.0, -np.inf])
    coefficients = coefficients_of(cost)
    first = np.full(count, np.nan)
    last = np.full(count, np.nan)
    tokens = np.zeros(count, dtype=np.int64)
    rejected = np.zeros(count, dtype=bool)
    # Each token after a request's first is sampled once (recompute samples none again).
    itl = np.empty(int(np.maximum(outputs - 1, 0).sum()))
    steps = max(1024, count)
    step_end, step_seqs, step_kv = (
        np.empty(steps),
        np.empty(steps, np.int64),
        np.empty(steps, np.int64),
    )
    while True:
        status = advance(mem, clock, times, prompts, outputs, coefficients, first, last, tokens,
                         rejected, itl, step_end, step_seqs, step_kv)  # fmt: skip
        if status != FULL:
            break
        step_end, step_seqs, step_kv = _grown(step_end), _grown(step_seqs), _grown(step_kv)
    if status == EMPTY_STEP:
        raise RuntimeError("continuous: a step with work waiting scheduled nothing")
    header = mem[R_HEADER]
    steps = int(header[H_STEPS])
    scheduler.preemptions += int(header[H_PREEMPTIONS])
    return Timeline(
        first=first,
        last=last,
        tokens=tokens,
        rejected=rejected,
        itl=itl[: header[H_ITL]],
        step_end=step_end[:steps],
        step_seqs=step_seqs[:steps],
        step_kv=step_kv[:steps],
        busy_s=float(clock[1]),
        preemptions=scheduler.preemptions,
        kv_capacity=scheduler.total_blocks * scheduler.block_size,
    )
