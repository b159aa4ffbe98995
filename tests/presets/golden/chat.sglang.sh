#!/bin/sh
# batchtui preset 'chat' (continuous batcher) for SGLang (sglang.launch_server).
# Tuned for: poisson 2 req/s, prompts 300 tokens (cv 0), outputs 128 (cv 1); analytic step cost
# 19.88 + 0.0948*prefill + 0.0682*seqs + 0.000611*context ms; TTFT target 1000 ms, TPOT target
# 100 ms.
# Notes:
# - These settings were tuned on an analytic step-cost model (its coefficients are in the
#   preset), not on your model and GPU: re-measure before relying on them.
# - The targets (TTFT 1000 ms, TPOT 100 ms) are not server settings: check them with a load test
#   that reports goodput (e.g. vLLM's benchmark, --goodput ttft:MS tpot:MS).
# - batchtui's token budget is shared by every step's decodes and prefills (vLLM's rule); SGLang
#   budgets prefill batches only (--max-prefill-tokens, --chunked-prefill-size) and runs decode
#   batches apart, except that --enable-mixed-chunk lets decodes ride in chunked-prefill
#   batches, the closest it comes.
# - SGLang admits a request only with room for its expected output (--schedule-conservativeness)
#   and retracts decodes when memory runs out; batchtui, like vLLM, allocates KV blocks as
#   tokens are made and preempts by recompute: expect fewer preemptions and fewer sequences at
#   once. --max-total-tokens caps the KV pool (the memory SGLang finds at start-up may cap it
#   lower).
# - SGLang caches shared prefixes (radix cache) by default, which batchtui does not simulate;
#   add --disable-radix-cache to compare like with like.
# Run: MODEL=<model id or folder> sh THIS_FILE [other server flags]
exec python3 -m sglang.launch_server --model-path "${MODEL:?set MODEL to the model to serve}" \
  --max-running-requests 64 \
  --chunked-prefill-size 4096 \
  --max-prefill-tokens 4096 \
  --enable-mixed-chunk \
  --max-total-tokens 65536 \
  --page-size 16 \
  --schedule-policy fcfs \
  "$@"
