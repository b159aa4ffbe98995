"""Continuous (iteration-level) batching with vLLM V1's scheduling rules, sans clock.

Like vLLM's ``Scheduler`` it owns the waiting and running queues and the KV-cache block
count, and is driven from outside: ``add`` a request when it arrives, ask ``schedule`` for
the next step's plan, run the step however long it takes, then ``complete`` the plan. It
never reads a clock, so the simulator and a live runtime drive the same object, and tests
drive it with literal steps.

Each step: first the running requests, in order (decodes, and chunks of prefills already
under way), each taking what it still needs up to ``long_prefill_token_threshold`` and the
token budget; a request that cannot get its KV blocks preempts the most recently admitted
running request (recompute: its blocks are freed and it returns to the front of the waiting
queue). Then, unless something was preempted, waiting requests in FCFS order while
``max_num_seqs``, the budget and the free blocks allow; without ``chunked_prefill`` a prompt
that does not fit the remaining budget waits. A request whose computed tokens reach its
length samples one token; it finishes when it has all its output tokens.
"""

from __future__ import annotations

from collections import deque
from typing import Any, ClassVar, NamedTuple

from batchtui.engine.errors import ConfigError
from batchtui.engine.params import Param, SliderRange, validate

PARAMS: tuple[Param, ...] = (
    Param(
        "max_num_seqs", int, 256, 1, 65536, "most sequences in one step (vLLM: --max-num-seqs)",
        label="seqs", slider=SliderRange(1, 4096, ladder="pow2", rank=0),
    ),
    Param(
        "max_num_batched_tokens", int, 2048, 1, 10_000_000,
        "token budget of one step (vLLM: --max-num-batched-tokens)", label="tokens",
        slider=SliderRange(16, 65536, ladder="pow2", rank=1),
    ),
    Param(
        "chunked_prefill", bool, True,
        help="split long prompts over steps to fit the token budget (vLLM: "
        "--enable-chunked-prefill)",
    ),
    Param(
        "long_prefill_token_threshold", int, 0, 0, 10_000_000,
        "most tokens one prefill takes per step; 0 = no limit (vLLM: "
        "--long-prefill-token-threshold)", label="chunk",
        slider=SliderRange(16, 65536, zero=True, ladder="pow2", rank=2),
    ),
    Param(
        "kv_cache_tokens", int, 65536, 1, 1 << 40,
        "KV-cache capacity in tokens (vLLM: num_gpu_blocks x block_size)", label="kv",
        slider=SliderRange(1024, 1 << 22, ladder="pow2", rank=3),
    ),
    Param("block_size", int, 16, 1, 65536, "tokens per KV-cache block (vLLM: --block-size)"),
)  # fmt: skip
"""The continuous lane's knobs, by vLLM's names."""


class StepPlan(NamedTuple):
    """One step: what each scheduled request computes, and the figures the step cost reads.

    ``items`` are (request id, tokens computed this step), in schedule order; ``preempted``
    the requests sent back to waiting (recompute) while planning it.
    """

    items: list[tuple[int, int]]
    prefill_tokens: int
    decode_seqs: int
    context_tokens: int
    preempted: list[int]
    prefill_sq: int = 0  # each prefill chunk's tokens x the tokens it attends to, summed


class StepResult(NamedTuple):
    """What a completed step produced: requests that sampled a token, and those that finished."""

    sampled: list[int]
    finished: list[int]


class Continuous:
    """A vLLM V1-style scheduler (FCFS, recompute preemption) over block-granular KV cache."""

    kind: ClassVar[str] = "continuous"
    PARAMS: ClassVar[tuple[Param, ...]] = PARAMS

    def __init__(self, **params: Any) -> None:
        self._params = validate(PARAMS, params)
        p = self._params
        self.max_num_seqs = int(p["max_num_seqs"])
        self.budget = int(p["max_num_batched_tokens"])
        self.chunked = bool(p["chunked_prefill"])
        self.threshold = int(p["long_prefill_token_threshold"])
        self.block_size = int(p["block_size"])
        self.total_blocks = int(p["kv_cache_tokens"]) // self.block_size
        if self.total_blocks < 1:
            raise ConfigError(
                "kv_cache_tokens", f"must hold at least one block of {self.block_size} tokens"
            )
        self.free_blocks = self.total_blocks
        self.waiting: deque[int] = deque()
        self.running: list[int] = []
        # Per request, indexed by its id (its arrival index): lists, as the per-step loops
        # read them a few times per sequence per step and list indexing beats dict lookup.
        self.prompt: list[int] = []
        self.output: list[int] = []
        self.generated: list[int] = []
        self.computed: list[int] = []
        self.blocks: list[int] = []
        self.preemptions = 0

    @property
    def params(self) -> dict[str, Any]:
        """The knobs, by their engine names."""
        return dict(self._params)

    def to_json(self) -> dict[str, Any]:
        """This batcher as JSON (the ``batcher`` object of reports)."""
        return {"kind": self.kind, **self._params}

    def update(self, **params: Any) -> None:
        """Change knobs between steps (a dashboard slider); all are checked before any applies.
        A smaller KV cache than is held now is reclaimed by preemption at the next step;
        ``block_size`` is fixed once requests hold blocks of it."""
        merged = validate(PARAMS, {**self._params, **params})
        if merged["block_size"] != self.block_size and self.used_blocks:
            raise ConfigError("block_size", "cannot change while requests hold KV blocks")
        total = int(merged["kv_cache_tokens"]) // int(merged["block_size"])
        if total < 1:
            raise ConfigError(
                "kv_cache_tokens", f"must hold at least one block of {merged['block_size']} tokens"
            )
        used = self.used_blocks
        self._params = merged
        self.max_num_seqs = int(merged["max_num_seqs"])
        self.budget = int(merged["max_num_batched_tokens"])
        self.chunked = bool(merged["chunked_prefill"])
        self.threshold = int(merged["long_prefill_token_threshold"])
        self.block_size = int(merged["block_size"])
        self.total_blocks = total
        self.free_blocks = total - used  # below zero: the next schedule preempts to fit

    def fits(self, prompt: int, output: int) -> bool:
        """Whether a request can ever finish: its whole sequence fits the KV cache and, without
        chunked prefill, one step's budget (a recompute prefills all of it at once)."""
        longest = prompt + output - 1
        if self._blocks_for(longest) > self.total_blocks:
            return False
        if not self.chunked:
            return min(longest, self.threshold or longest) <= self.budget
        return True

    def add(self, rid: int, prompt: int, output: int) -> None:
        """A request arrived: it waits for its first schedule (FCFS). Ids are small whole
        numbers (arrival indices), each added once."""
        if rid >= len(self.prompt):
            grow = [0] * (rid + 1 - len(self.prompt))
            for table in (self.prompt, self.output, self.generated, self.computed, self.blocks):
                table.extend(grow)
        self.prompt[rid] = prompt
        self.output[rid] = output
        self.generated[rid] = 0
        self.computed[rid] = 0
        self.blocks[rid] = 0
        self.waiting.append(rid)

    @property
    def idle(self) -> bool:
        """Nothing waits and nothing runs."""
        return not self.waiting and not self.running

    @property
    def used_blocks(self) -> int:
        """KV-cache blocks held by running requests."""
        return self.total_blocks - self.free_blocks

    def _blocks_for(self, tokens: int) -> int:
        return -(-tokens // self.block_size)

    def schedule(self) -> StepPlan:
        """The next step's plan (running first, then waiting), allocating its KV blocks."""
        budget = self.budget
        threshold = self.threshold
        prompt, generated, computed, blocks = (
            self.prompt,
            self.generated,
            self.computed,
            self.blocks,
        )
        running = self.running
        size = self.block_size
        items: list[tuple[int, int]] = []
        preempted: list[int] = []
        prefill = decodes = context = square = 0
        free = self.free_blocks
        i = 0
        while i < len(running) and budget > 0:
            rid = running[i]
            done = computed[rid]
            total = prompt[rid] + generated[rid]
            n = total - done
            if n > 1:  # a prefill (or recompute) under way: cap the chunk
                if 0 < threshold < n:
                    n = threshold
                if n > budget:
                    n = budget
            need = (done + n + size - 1) // size - blocks[rid]
            if need > free:
                while need > free:
                    victim = running.pop()
                    free += blocks[victim]
                    blocks[victim] = 0
                    computed[victim] = 0
                    self.waiting.appendleft(victim)
                    preempted.append(victim)
                    if victim == rid:
                        break
                if preempted[-1] == rid:
                    break
            free -= need
            blocks[rid] += need
            items.append((rid, n))
            budget -= n
            if n == 1 and generated[rid]:  # one token, the last one sampled: a decode
                decodes += 1
                context += done
            else:
                prefill += n
                square += n * (done + n)  # cost.attended
            i += 1
        self.preemptions += len(preempted)
        if not preempted:
            waiting = self.waiting
            while waiting and budget > 0 and len(running) < self.max_num_seqs:
                rid = waiting[0]
                n = prompt[rid] + generated[rid]  # computed is 0: new, or preempted
                if 0 < threshold < n:
                    n = threshold
                if n > budget:
                    if not self.chunked:
                        break
                    n = budget
                need = (n + size - 1) // size
                if need > free:
                    break
                waiting.popleft()
                running.append(rid)
                free -= need
                blocks[rid] = need
                items.append((rid, n))
                budget -= n
                prefill += n
                square += n * n  # nothing cached yet
        self.free_blocks = free
        return StepPlan(items, prefill, decodes, context, preempted, square)

    def complete(self, plan: StepPlan) -> StepResult:
        """The step ran: advance each scheduled request; sample, finish and free as due."""
        prompt, output, generated, computed = (
            self.prompt,
            self.output,
            self.generated,
            self.computed,
        )
        sampled: list[int] = []
        finished: list[int] = []
        for rid, n in plan.items:
            done = computed[rid] + n
            computed[rid] = done
            if done == prompt[rid] + generated[rid]:
                g = generated[rid] + 1
                generated[rid] = g
                sampled.append(rid)
                if g == output[rid]:
                    finished.append(rid)
        if finished:
            gone = set(finished)
            self.running = [rid for rid in self.running if rid not in gone]
            for rid in finished:
                self.free_blocks += self.blocks[rid]
                self.blocks[rid] = 0
        return StepResult(sampled, finished)
