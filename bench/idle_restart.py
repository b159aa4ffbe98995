"""How much slower is a tiny-gpt prefill right after the CPU idles than back to back, by idle?

    python bench/idle_restart.py   (1 torch thread; medians of 30 per idle, interleaved)

Why: live TTFT at light load pays the first step after idle, which back-to-back timings miss
(bench/RESULTS.md, tiny-gpt live against the simulator). ``batchtui profile`` now fits that
surcharge as analytic-llm's ``idle_restart_ms`` from prefills after 100 ms of idle, charged
past ``idle_after_ms`` (1 ms); this sweep shows how the surcharge grows with the idle.
"""

import os
import statistics
import time

import torch

from batchtui.engine.models import ModelSpec
from batchtui.engine.models.generative import load_generative

IDLE_MS = (0.0, 0.5, 2.0, 10.0, 30.0, 100.0)
"""0: back to back (the step right after another)."""

torch.set_num_threads(1)
spec = ModelSpec("tiny-gpt", {"layers": 2, "d_model": 64, "heads": 4, "max_context": 1024})
m = load_generative(spec, torch.device("cpu"))
g = torch.Generator().manual_seed(0)


def prefill() -> float:
    t = torch.randint(0, 1000, (64,), generator=g)
    s = time.perf_counter()
    with torch.inference_mode():
        m.prefill([t], [None])
    return (time.perf_counter() - s) * 1000


for _ in range(20):
    prefill()
print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
samples: dict[float, list[float]] = {idle: [] for idle in IDLE_MS}
for _ in range(30):
    for idle in IDLE_MS:
        if idle:
            time.sleep(idle / 1000)
        else:
            prefill()  # the step before, back to back
        samples[idle].append(prefill())
base = statistics.median(samples[0.0])
for idle, ms in samples.items():
    p50 = statistics.median(ms)
    label = "back to back" if idle == 0 else f"after {idle:g} ms idle"
    print(f"64-token prefill {label:<20} p50 {p50:6.2f} ms  ({p50 - base:+.2f})")
