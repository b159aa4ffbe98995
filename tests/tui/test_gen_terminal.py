"""The real ``batchtui --model analytic-llm`` in a real terminal (tmux) with its real engine
process: the continuous lane's TTFT moves, a continuous knob's slider moves it, q quits."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable

import pytest

from tests.tui.test_terminal import Terminal, alive, batchtui_pid, descendants
from tests.tui.test_terminal import terminal as terminal  # the fixture

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
TTFT = re.compile(r"TTFT · p50 (\d[\d.k]*)")


def continuous_column(shown: str) -> str:
    """The continuous lane's panel, read down its column of the screen."""
    lines = shown.split("\n")
    title = next(line for line in lines if "continuous sim" in line)
    start = title.index("continuous sim") - 1
    return "\n".join(line[start:].rstrip("│ ") for line in lines if len(line) > start)


def ttft(shown: str) -> str | None:
    found = TTFT.search(continuous_column(shown)) if "continuous sim" in shown else None
    return found.group(1) if found else None


def test_the_generative_dashboard_moves_takes_a_knob_and_quits(
    terminal: Callable[[str], Terminal],
) -> None:
    term = terminal("--model analytic-llm")
    first = term.wait_for(lambda shown: ttft(shown) is not None, timeout=60)
    assert term.flag("alternate_on") == "1"
    for lane in ("static", "dynamic", "predictive", "continuous"):
        assert f"{lane} sim" in first
    # The continuous lane's TTFT figures update as the window moves.
    term.wait_for(lambda shown: ttft(shown) not in (None, ttft(first)), timeout=30)
    # Focus starts on the load bar's first slider; two steps back (past the chunked-prefill
    # toggle) is the continuous lane's KV-cache slider: one step left halves the cache.
    assert "of 65.5k" in continuous_column(term.screen())
    term.keys("BTab")
    term.keys("BTab")
    term.keys("Left")
    term.wait_for(lambda shown: "of 32.8k" in continuous_column(shown), timeout=15)
    engine = descendants(batchtui_pid(term))
    assert engine, "the engine process runs beside the dashboard"
    term.keys("q")
    term.wait_for(lambda shown: "EXITED-0" in shown, timeout=10)
    assert term.flag("alternate_on") == "0"
    deadline = time.monotonic() + 5  # a loaded machine may take a moment to reap them
    while any(alive(p) for p in engine) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(p) for p in engine)
