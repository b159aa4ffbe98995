"""Trace reading and replay speed: ms to load each real trace, and replayed arrivals per second.

    python bench/trace_load.py [--traces ../shared/traces] [--repeats 7]

Loading is timed with the cache cleared (the first read of a file); each file is read as the
time format detection reads it. Replay loops the Azure conversation trace at 1000x through
the load generator, in 1 s chunks as the simulator pulls it. Medians over repeats.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from common import machine

from batchtui.engine.load import LoadGenerator, LoadSpec, load_trace
from batchtui.engine.load.trace import _load_cached

REAL = ["AzureLLMInferenceTrace_conv.csv", "AzureLLMInferenceTrace_code.csv",
        "conversation_trace.jsonl"]  # fmt: skip
SYNTHETIC_ROWS = 200_000


def time_load(path: Path, repeats: int, **choices: str) -> tuple[float, int]:
    """Median ms to load ``path`` from scratch, and its rows."""
    samples = []
    for _ in range(repeats):
        _load_cached.cache_clear()
        started = time.perf_counter()
        trace = load_trace(path, **choices)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000, len(trace)


def synthetic(folder: Path) -> dict[str, tuple[Path, dict[str, str]]]:
    """200k-row files in the other formats: zoned ISO, epoch ms (CSV and JSONL)."""
    rng = np.random.default_rng(0)
    offsets = np.cumsum(rng.exponential(0.01, SYNTHETIC_ROWS))
    stamps = np.datetime64("2024-11-15T16:57:50", "us") + (offsets * 1e6).astype("timedelta64[us]")
    iso = folder / "zoned.csv"
    iso.write_text("gmt_create,prompt_length\n" + "".join(f"{s}Z,100\n" for s in stamps))
    ms = (1_731_689_870_000 + offsets * 1000).round(3)
    epoch = folder / "epoch_ms.csv"
    epoch.write_text("ts,n\n" + "".join(f"{v},5\n" for v in ms))
    jsonl = folder / "epoch_ms.jsonl"
    jsonl.write_text("".join(f'{{"ts": {v}, "n": 5}}\n' for v in ms))
    return {
        f"{SYNTHETIC_ROWS:,} rows, ISO with zone (CSV)": (iso, {"time_column": "gmt_create"}),
        f"{SYNTHETIC_ROWS:,} rows, epoch ms (CSV)": (epoch, {"time_column": "ts"}),
        f"{SYNTHETIC_ROWS:,} rows, epoch ms (JSONL)": (jsonl, {"time_column": "ts"}),
    }


def replay_rate(path: Path, repeats: int) -> float:
    """Median replayed arrivals per wall second, looping the trace at 1000x in 1 s chunks."""
    spec = LoadSpec(pattern="trace", trace=str(path), speed=1000.0, loop=True)
    samples = []
    for _ in range(repeats):
        generator = LoadGenerator(spec)
        count, started = 0, time.perf_counter()
        for second in range(1, 61):
            count += len(generator.generate_until(float(second))[0])
        samples.append(count / (time.perf_counter() - started))
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[2] / "shared" / "traces"
    parser.add_argument("--traces", type=Path, default=default)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(machine())
    print(f"{'file':<48} {'rows':>9} {'load ms':>9}")
    for name in REAL:
        ms, rows = time_load(args.traces / name, args.repeats)
        print(f"{name:<48} {rows:>9,} {ms:>9.1f}")
    with tempfile.TemporaryDirectory() as folder:
        for label, (path, choices) in synthetic(Path(folder)).items():
            ms, rows = time_load(path, args.repeats, **choices)
            print(f"{label:<48} {rows:>9,} {ms:>9.1f}")
    rate = replay_rate(args.traces / REAL[0], args.repeats)
    print(f"replay, {REAL[0]} looped at 1000x: {rate / 1e6:.1f}M arrivals/s")


if __name__ == "__main__":
    main()
