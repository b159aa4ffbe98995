#!/bin/sh
# batchtui preset 'chat' (continuous batcher) for Text Generation Inference
# (text-generation-launcher).
# Tuned for: poisson 2 req/s, prompts 300 tokens (cv 0), outputs 128 (cv 1); analytic step cost
# 19.88 + 0.0948*prefill + 0.0682*seqs + 0.000611*context ms; TTFT target 1000 ms, TPOT target
# 100 ms.
# Notes:
# - These settings were tuned on an analytic step-cost model (its coefficients are in the
#   preset), not on your model and GPU: re-measure before relying on them.
# - The targets (TTFT 1000 ms, TPOT 100 ms) are not server settings: check them with a load test
#   that reports goodput (e.g. vLLM's benchmark, --goodput ttft:MS tpot:MS).
# - TGI has no chunked-prefill flag: a prompt is prefilled whole, within
#   --max-batch-prefill-tokens, so prompts over 4096 tokens are refused where batchtui chunked
#   them.
# - TGI reserves a request's prompt and all its output tokens when it joins the batch and never
#   preempts; batchtui, like vLLM, allocates as tokens are made and preempts when the cache is
#   full: expect fewer sequences at once for the same --max-batch-total-tokens.
# - TGI pauses decoding to prefill waiting requests by its own rule (--waiting-served-ratio,
#   --max-waiting-tokens, defaults kept), where batchtui adds prefills to every step within the
#   token budget; it has no block-size flag and no per-request prefill cap
#   (long_prefill_token_threshold).
# - --max-input-tokens and --max-total-tokens are per-request limits batchtui does not have: set
#   to the most this preset admits (4096 and 65536); lower them to your model's context length.
# - batchtui's waiting queue has no limit; TGI refuses requests beyond --max-concurrent-requests
#   (running and waiting together), set here to 4 x --max-batch-size: size it to the backlog you
#   accept.
# Run: MODEL=<model id or folder> sh THIS_FILE [other server flags]
exec text-generation-launcher --model-id "${MODEL:?set MODEL to the model to serve}" \
  --max-batch-size 64 \
  --max-concurrent-requests 256 \
  --max-batch-prefill-tokens 4096 \
  --max-batch-total-tokens 65536 \
  --max-input-tokens 4096 \
  --max-total-tokens 65536 \
  "$@"
