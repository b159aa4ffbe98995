#!/bin/sh
# batchtui preset 'chat' (continuous batcher) for vLLM (vllm serve).
# Tuned for: poisson 2 req/s, prompts 300 tokens (cv 0), outputs 128 (cv 1); analytic step cost
# 19.88 + 0.0948*prefill + 0.0682*seqs + 0.000611*context ms; TTFT target 1000 ms, TPOT target
# 100 ms.
# Notes:
# - These settings were tuned on an analytic step-cost model (its coefficients are in the
#   preset), not on your model and GPU: re-measure before relying on them.
# - The targets (TTFT 1000 ms, TPOT 100 ms) are not server settings: check them with a load test
#   that reports goodput (e.g. vLLM's benchmark, --goodput ttft:MS tpot:MS).
# - KV-cache capacity is not a vLLM flag: batchtui simulated 65,536 tokens (4,096 blocks of 16);
#   vLLM sizes its cache at start-up from --gpu-memory-utilization (its log says 'GPU KV cache
#   size: N tokens'). To hold exactly this much, add --num-gpu-blocks-override 4096 (a testing
#   flag) or lower --gpu-memory-utilization.
# - vLLM caches shared prompt prefixes by default, which batchtui does not simulate (every
#   prompt is computed in full); add --no-enable-prefix-caching to compare like with like.
#   Scheduling (FCFS, decodes first, preemption by recompute) is vLLM V1's.
# Run: MODEL=<model id or folder> sh THIS_FILE [other server flags]
exec vllm serve "${MODEL:?set MODEL to the model to serve}" \
  --max-num-seqs 64 \
  --max-num-batched-tokens 4096 \
  --enable-chunked-prefill \
  --long-prefill-token-threshold 0 \
  --block-size 16 \
  "$@"
