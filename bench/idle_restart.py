"""How much slower is a tiny-gpt prefill right after the CPU idles than back to back?

    python bench/idle_restart.py   (1 torch thread; medians of 30)

Why: live TTFT at light load pays the first step after idle, which `profile` (back to back)
does not measure (bench/RESULTS.md, tiny-gpt live against the simulator).
"""

import statistics
import time

import torch

from batchtui.engine.models import ModelSpec
from batchtui.engine.models.generative import load_generative

torch.set_num_threads(1)
spec = ModelSpec("tiny-gpt", {"layers": 2, "d_model": 64, "heads": 4, "max_context": 1024})
m = load_generative(spec, torch.device("cpu"))


def prefill() -> float:
    t = torch.randint(0, 1000, (64,))
    s = time.perf_counter()
    with torch.inference_mode():
        m.prefill([t], [None])
    return (time.perf_counter() - s) * 1000


for _ in range(20):
    prefill()
warm = [prefill() for _ in range(30)]
cold = []
for _ in range(30):
    time.sleep(0.1)
    cold.append(prefill())
print(
    f"back to back p50 {statistics.median(warm):.2f} ms, "
    f"after 100 ms idle p50 {statistics.median(cold):.2f} ms"
)
