"""The real ``batchtui`` in a real terminal (tmux): figures move, pause, quit, and a signal
leaves the terminal as it found it with no process behind."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


class Terminal:
    """One tmux session running one command, read with capture-pane."""

    def __init__(self, command: str, width: int = 100, height: int = 30) -> None:
        self.name = f"batchtui-test-{uuid.uuid4().hex[:8]}"
        self._tmux(
            "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), command
        )

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=10)
        return done.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", self.name, *keys)

    def flag(self, name: str) -> str:
        return self._tmux("display", "-p", "-t", self.name, f"#{{{name}}}").strip()

    def shell_pid(self) -> int:
        return int(self.flag("pane_pid"))

    def wait_for(self, condition: Callable[[str], bool], timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if condition(shown):
                return shown
            time.sleep(0.2)
        raise AssertionError(f"not shown within {timeout} s:\n{self.screen()}")

    def close(self) -> None:
        self._tmux("kill-session", "-t", self.name)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Callable[[str], Terminal]]:
    """Start ``batchtui ARGS`` in a fresh terminal with a fresh $HOME; the shell around it
    prints the exit status and stays, so the screen after exit can be read."""
    opened: list[Terminal] = []

    def open_terminal(args: str) -> Terminal:
        batchtui = f"{shlex.quote(sys.executable)} -m batchtui.tui"
        inner = f"HOME={shlex.quote(str(tmp_path))} {batchtui} {args}; echo EXITED-$?; sleep 60"
        term = Terminal(f"sh -c {shlex.quote(inner)}")
        opened.append(term)
        return term

    yield open_terminal
    for term in opened:
        term.close()


def batchtui_pid(term: Terminal) -> int:
    """The batchtui process: the shell's child."""
    children = subprocess.run(
        ["pgrep", "-P", str(term.shell_pid())], capture_output=True, text=True
    ).stdout.split()
    assert len(children) == 1, children
    return int(children[0])


def descendants(pid: int) -> set[int]:
    out: set[int] = set()
    for child in subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True
    ).stdout.split():
        out |= {int(child), *descendants(int(child))}
    return out


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and " Z " not in Path(f"/proc/{pid}/stat").read_text()


def figures_shown(shown: str) -> bool:
    return "req/s" in shown and "t=" in shown


def test_figures_change_pause_holds_them_and_q_quits(terminal: Callable[[str], Terminal]) -> None:
    term = terminal("--model analytic")
    first = term.wait_for(figures_shown)
    assert term.flag("alternate_on") == "1"
    term.wait_for(lambda shown: figures_shown(shown) and shown != first, timeout=10)
    term.keys("space")
    paused = term.wait_for(lambda shown: "PAUSED" in shown, timeout=10)
    time.sleep(1.0)
    assert term.screen().split("\n")[0] == paused.split("\n")[0]  # the clock stands still
    pid = batchtui_pid(term)
    engine = descendants(pid)
    assert engine, "the engine process runs beside the dashboard"
    # multiprocessing's resource tracker (a spawn context's helper) reads its pipe until
    # every holder is gone, so it ends just after the dashboard does; the engine itself is
    # joined before the dashboard exits. (Asserted at once for both, it failed one CI run.)
    tracker = {p for p in engine if "resource_tracker" in Path(f"/proc/{p}/cmdline").read_text()}
    term.keys("q")
    term.wait_for(lambda shown: "EXITED-0" in shown, timeout=10)
    assert term.flag("alternate_on") == "0"
    assert engine - tracker and not any(alive(p) for p in engine - tracker)
    deadline = time.monotonic() + 5
    while any(alive(p) for p in tracker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(p) for p in tracker)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_restores_the_terminal_stops_the_engine_and_exits_non_zero(
    terminal: Callable[[str], Terminal], sig: signal.Signals
) -> None:
    term = terminal("--model analytic")
    term.wait_for(figures_shown)
    pid = batchtui_pid(term)
    engine = descendants(pid)
    os.kill(pid, sig)
    shown = term.wait_for(lambda shown: "EXITED-" in shown, timeout=10)
    assert f"EXITED-{128 + sig}" in shown
    assert term.flag("alternate_on") == "0"
    assert term.flag("mouse_any_flag") == "0"
    deadline = time.monotonic() + 5
    while any(alive(p) for p in engine) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(p) for p in engine)


def test_closing_the_terminal_window_ends_the_dashboard_and_its_engine(
    terminal: Callable[[str], Terminal],
) -> None:
    term = terminal("--model analytic")
    term.wait_for(figures_shown)
    pid = batchtui_pid(term)
    processes = {pid, *descendants(pid)}
    term.close()  # the pty goes away and everything in it gets SIGHUP
    deadline = time.monotonic() + 10
    while any(alive(p) for p in processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(p) for p in processes)
