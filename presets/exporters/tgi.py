"""Text Generation Inference: ``text-generation-launcher`` with the closest flags.

Flags and their rules as TGI documents them: launcher arguments
(https://huggingface.co/docs/text-generation-inference/reference/launcher, from
launcher/src/main.rs): --max-batch-total-tokens (the tokens a running batch may hold: its
KV budget), --max-batch-prefill-tokens (one prefill's tokens), --max-batch-size,
--max-concurrent-requests (running and waiting; more are refused), and the per-request
limits, validated at start-up: max_input_tokens < max_total_tokens <= max_batch_total_tokens,
and max_input_tokens <= max_batch_prefill_tokens.
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

FORMAT = "tgi"
SERVES = "generative"
CONCURRENCY_PER_SEQ = 4
"""--max-concurrent-requests per running sequence: room for three waiting per running one."""


def export(preset: Preset) -> Export:
    """``serve_tgi.sh``: ``text-generation-launcher --model-id $MODEL`` and the flags."""
    p = continuous_params(preset, FORMAT)
    kv = int(p["kv_cache_tokens"])
    prefill = min(int(p["max_num_batched_tokens"]), kv)
    max_input = min(prefill, kv - 1)
    concurrent = CONCURRENCY_PER_SEQ * int(p["max_num_seqs"])
    notes = shared_notes(preset)
    notes.append(
        "TGI has no chunked-prefill flag: a prompt is prefilled whole, within "
        f"--max-batch-prefill-tokens, so prompts over {max_input} tokens are refused"
        + (" where batchtui chunked them." if p["chunked_prefill"] else " (batchtui too).")
    )
    notes.append(
        "TGI reserves a request's prompt and all its output tokens when it joins the batch and "
        "never preempts; batchtui, like vLLM, allocates as tokens are made and preempts when "
        "the cache is full: expect fewer sequences at once for the same --max-batch-total-tokens."
    )
    notes.append(
        "TGI pauses decoding to prefill waiting requests by its own rule (--waiting-served-ratio, "
        "--max-waiting-tokens, defaults kept), where batchtui adds prefills to every step within "
        "the token budget; it has no block-size flag and no per-request prefill cap "
        "(long_prefill_token_threshold)."
    )
    notes.append(
        f"--max-input-tokens and --max-total-tokens are per-request limits batchtui does not "
        f"have: set to the most this preset admits ({max_input} and {kv}); lower them to your "
        "model's context length."
    )
    notes.append(
        f"batchtui's waiting queue has no limit; TGI refuses requests beyond "
        f"--max-concurrent-requests (running and waiting together), set here to "
        f"{CONCURRENCY_PER_SEQ} x --max-batch-size: size it to the backlog you accept."
    )
    flags = [
        flag("--max-batch-size", p["max_num_seqs"]),
        flag("--max-concurrent-requests", concurrent),
        flag("--max-batch-prefill-tokens", prefill),
        flag("--max-batch-total-tokens", kv),
        flag("--max-input-tokens", max_input),
        flag("--max-total-tokens", kv),
    ]
    command = ["text-generation-launcher", "--model-id"]
    text = shell_script(preset, "Text Generation Inference (text-generation-launcher)", notes,
                        command, flags)  # fmt: skip
    return Export(FORMAT, text, tuple(notes), "serve_tgi.sh")
