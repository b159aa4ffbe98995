"""vLLM: ``vllm serve`` with the continuous batcher's knobs, which use vLLM's own names.

Flags and their rules as vLLM documents them: engine arguments
(https://docs.vllm.ai/en/latest/configuration/engine_args.html); ``SchedulerConfig`` in
vllm/config/scheduler.py (max_num_batched_tokens must be >= max_num_seqs, and >= max_model_len
without chunked prefill, so an unchunked export sets --max-model-len; FCFS by default);
``CacheConfig`` in vllm/config/cache.py (block_size 16 by default; the KV cache's size is
measured at start-up as num_gpu_blocks, which num_gpu_blocks_override replaces, "used for
testing preemption"; prefix caching on by default).
"""

from __future__ import annotations

from batchtui.presets.exporters.base import Export
from batchtui.presets.exporters.llm_server import (
    continuous_params,
    flag,
    shared_notes,
    shell_script,
)
from batchtui.presets.schema import Preset

FORMAT = "vllm"
SERVES = "generative"
DEFAULT_BLOCK_SIZE = 16


def export(preset: Preset) -> Export:
    """``serve_vllm.sh``: ``vllm serve $MODEL --max-num-seqs ... --block-size ...``."""
    p = continuous_params(preset, FORMAT)
    seqs, budget = int(p["max_num_seqs"]), int(p["max_num_batched_tokens"])
    blocks = int(p["kv_cache_tokens"]) // int(p["block_size"])
    notes = shared_notes(preset)
    notes.append(
        f"KV-cache capacity is not a vLLM flag: batchtui simulated {blocks * p['block_size']:,} "
        f"tokens ({blocks:,} blocks of {p['block_size']}); vLLM sizes its cache at start-up from "
        "--gpu-memory-utilization (its log says 'GPU KV cache size: N tokens'). To hold exactly "
        f"this much, add --num-gpu-blocks-override {blocks} (a testing flag) or lower "
        "--gpu-memory-utilization."
    )
    if budget < seqs:
        notes.append(
            f"vLLM refuses max_num_batched_tokens below max_num_seqs, so the token budget "
            f"{budget} became {seqs}."
        )
        budget = seqs
    if not p["chunked_prefill"]:
        notes.append(
            f"Without chunked prefill vLLM refuses to start unless --max-num-batched-tokens "
            f"({budget}) >= --max-model-len, so the script sets --max-model-len {budget} "
            "(batchtui refused longer sequences alike); lower it to your model's context "
            "length if that is shorter."
        )
    if p["block_size"] != DEFAULT_BLOCK_SIZE:
        notes.append(
            f"vLLM's attention backends accept only some block sizes; if {p['block_size']} is "
            f"refused, use {DEFAULT_BLOCK_SIZE} (its default) and expect slightly different "
            "preemption points."
        )
    notes.append(
        "vLLM caches shared prompt prefixes by default, which batchtui does not simulate (every "
        "prompt is computed in full); add --no-enable-prefix-caching to compare like with like. "
        "Scheduling (FCFS, decodes first, preemption by recompute) is vLLM V1's."
    )
    chunking = "--enable-chunked-prefill" if p["chunked_prefill"] else "--no-enable-chunked-prefill"
    flags = [
        flag("--max-num-seqs", seqs),
        flag("--max-num-batched-tokens", budget),
        flag(chunking),
        flag("--long-prefill-token-threshold", p["long_prefill_token_threshold"]),
        flag("--block-size", p["block_size"]),
        *([] if p["chunked_prefill"] else [flag("--max-model-len", budget)]),
    ]
    text = shell_script(preset, "vLLM (vllm serve)", notes, ["vllm", "serve"], flags)
    return Export(FORMAT, text, tuple(notes), "serve_vllm.sh")
