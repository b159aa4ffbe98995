"""SGLang: ``python3 -m sglang.launch_server`` with the closest flags to the continuous batcher.

Flags as SGLang documents them: server arguments
(https://docs.sglang.io/docs/advanced_features/server_arguments.md, from
python/sglang/srt/server_args.py): --max-running-requests, --chunked-prefill-size (-1 turns
chunking off), --max-prefill-tokens (a prefill batch's tokens; the real bound is the larger
of it and the model's context length), --enable-mixed-chunk (decodes ride in chunked-prefill
batches), --max-total-tokens (the KV pool in tokens, "typically used for development and
debugging"), --page-size, --schedule-policy (lpm by default; fcfs here).
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

FORMAT = "sglang"
SERVES = "generative"
NO_CHUNKING = -1


def export(preset: Preset) -> Export:
    """``serve_sglang.sh``: ``sglang.launch_server --model-path $MODEL`` and the flags."""
    p = continuous_params(preset, FORMAT)
    budget = int(p["max_num_batched_tokens"])
    notes = shared_notes(preset)
    notes.append(
        "batchtui's token budget is shared by every step's decodes and prefills (vLLM's rule); "
        "SGLang budgets prefill batches only (--max-prefill-tokens, --chunked-prefill-size) "
        "and runs decode batches apart"
        + (
            ", except that --enable-mixed-chunk lets decodes ride in chunked-prefill batches, "
            "the closest it comes."
            if p["chunked_prefill"]
            else "."
        )
    )
    if p["long_prefill_token_threshold"]:
        notes.append(
            f"SGLang has no per-request prefill cap (long_prefill_token_threshold "
            f"{p['long_prefill_token_threshold']}): its chunk size bounds a whole prefill batch."
        )
    notes.append(
        "SGLang admits a request only with room for its expected output "
        "(--schedule-conservativeness) and retracts decodes when memory runs out; batchtui, "
        "like vLLM, allocates KV blocks as tokens are made and preempts by recompute: expect "
        "fewer preemptions and fewer sequences at once. --max-total-tokens caps the KV pool "
        "(the memory SGLang finds at start-up may cap it lower)."
    )
    notes.append(
        "SGLang caches shared prefixes (radix cache) by default, which batchtui does not "
        "simulate; add --disable-radix-cache to compare like with like."
    )
    flags = [
        flag("--max-running-requests", p["max_num_seqs"]),
        flag("--chunked-prefill-size", budget if p["chunked_prefill"] else NO_CHUNKING),
        flag("--max-prefill-tokens", budget),
        *([flag("--enable-mixed-chunk")] if p["chunked_prefill"] else []),
        flag("--max-total-tokens", p["kv_cache_tokens"]),
        flag("--page-size", p["block_size"]),
        flag("--schedule-policy", "fcfs"),
    ]
    command = ["python3", "-m", "sglang.launch_server", "--model-path"]
    text = shell_script(preset, "SGLang (sglang.launch_server)", notes, command, flags)
    return Export(FORMAT, text, tuple(notes), "serve_sglang.sh")
