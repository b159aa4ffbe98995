"""The engine in a child process: the UI's CPU work and GIL cannot perturb what is measured.

``EngineClient`` lives in the UI process and never imports torch; ``serve`` is the child's
main loop. They talk over a pipe: commands one way, status, snapshots and errors back.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.run import GenScenario
from batchtui.engine.scenario import Scenario
from batchtui.engine.session.gen_messages import SetTokenSlo
from batchtui.engine.session.messages import (
    CancelCheck,
    CheckCancelled,
    Command,
    CommandFailed,
    EngineFailed,
    Event,
    Pause,
    ResetStats,
    Resume,
    RunSideBySideCheck,
    SetLaneParams,
    SetLoad,
    SetSlo,
    Status,
    Stop,
    SwitchToWallClock,
)

ENGINE_CPUS_ENV = "BATCHTUI_ENGINE_CPUS"  # cores the engine may use, set by the dashboard
TICK_S = 0.02  # how often the engine steps the simulation
SNAPSHOT_S = 0.2  # how often it sends figures (the dashboard refreshes numbers at ~5 Hz)
TOTALS_S = 1.0  # how often the since-reset totals are sent (folded from running sums)
TOTALS_SHARE = 10.0  # ...but at most every TOTALS_SHARE times what computing them took
CHECK_STATUS_S = 0.25  # how often a live check's progress is sent
STOP_GRACE_S = 0.4  # how long ``close`` waits for the engine to stop itself before ending it


class _CheckInterrupted(Exception):
    """A live check was cut short by a command (``stop``: the UI is quitting)."""

    def __init__(self, stop: bool) -> None:
        super().__init__("stop" if stop else "cancel")
        self.stop = stop


class EngineClient:
    """Starts the engine process for ``scenario`` and relays commands and events."""

    def __init__(
        self, scenario: Scenario | GenScenario, window_s: float = 10.0, paused: bool = False
    ) -> None:
        ctx = multiprocessing.get_context("spawn")  # no fork of a threaded UI process
        self._conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=serve,
            args=(child, scenario, window_s, paused),
            name="batchtui-engine",
            daemon=True,
        )
        with _real_stderr():
            self.process.start()
        child.close()
        self._closed = False

    def send(self, command: Command) -> None:
        """Queue a command for the engine (ignored once it has stopped)."""
        if not self._closed and self.process.is_alive():
            with contextlib.suppress(BrokenPipeError, OSError):
                self._conn.send(command)

    def events(self, timeout: float = 0.0) -> list[Event]:
        """Everything the engine has said since the last call (waiting up to ``timeout``)."""
        out: list[Event] = []
        try:
            if not self._conn.poll(timeout):
                return out
            while self._conn.poll():
                out.append(self._conn.recv())
        except (EOFError, OSError):
            if not out and not self._closed:
                out.append(EngineFailed("the engine process ended unexpectedly"))
                self._closed = True
        return out

    def close(self, timeout: float = STOP_GRACE_S) -> None:
        """Stop the engine; end it if it has not stopped within ``timeout`` (quitting must
        feel instant, and the engine holds nothing that a hard stop could lose)."""
        if self._closed and not self.process.is_alive():
            return
        self.send(Stop())
        self._closed = True
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout)
        self._conn.close()


def serve(
    conn: Connection, scenario: Scenario | GenScenario, window_s: float, paused: bool
) -> None:
    """The engine process: build the Lab (loading the model with progress), or for a
    generative scenario its session, then pace it.

    Its standard output and error go to /dev/null: it shares the terminal with the
    dashboard, and anything it has to say goes over the pipe."""
    _silence_terminal()
    from batchtui.engine.lab import Lab
    from batchtui.engine.session.paced import PacedLab

    def status(stage: str, fraction: float) -> None:
        conn.send(Status(stage, fraction))

    if scenario.model.is_torch:
        _leave_a_core_for_the_ui()
    try:
        status("starting the engine", 0.0)
        if isinstance(scenario, GenScenario):
            from batchtui.engine.session.gen_paced import GenPacedLab

            paced: Any = GenPacedLab.for_scenario(scenario, window_s)
        else:
            paced = PacedLab(Lab(scenario, on_progress=status), window_s=window_s)
    except ConfigError as e:
        conn.send(EngineFailed(str(e), where=e.where, reason=e.message))
        return
    except Exception as e:  # reported to the UI, which shows it
        conn.send(EngineFailed(f"{type(e).__name__}: {e}"))
        return
    if paused:
        paced.pause()
    conn.send(paced.snapshot())
    next_snapshot = next_totals = time.perf_counter()
    held: list[Command] = []  # commands that arrived during a live check, applied after it
    try:
        while True:
            if held or conn.poll(0.0 if paced.live is not None else TICK_S):
                command = held.pop(0) if held else conn.recv()
                if isinstance(command, Stop):
                    return
                try:
                    _apply(paced, command, conn, held)
                except _CheckInterrupted as e:
                    if e.stop:
                        return
                conn.send(paced.snapshot(with_total=True))
                continue
            paced.step()
            now = time.perf_counter()
            if now >= next_snapshot and not paced.paused:
                with_total = now >= next_totals
                conn.send(paced.snapshot(with_total=with_total))
                spent = time.perf_counter() - now
                next_snapshot = now + SNAPSHOT_S
                if with_total:
                    # Totals cost a pass over the held window: space them out so they
                    # never take more than a tenth of the engine's time.
                    next_totals = now + max(TOTALS_S, TOTALS_SHARE * spent)
    except (EOFError, BrokenPipeError, OSError):
        return  # the UI went away
    except Exception as e:
        conn.send(EngineFailed(f"{type(e).__name__}: {e}"))


def _apply(paced: Any, command: Command, conn: Connection, held: list[Command]) -> None:
    """Carry out one command; a refused one is answered with CommandFailed."""
    try:
        match command:
            case Pause():
                paced.pause()
            case Resume():
                paced.resume()
            case ResetStats():
                paced.reset_stats()
            case SetLoad(load=load):
                paced.set_load(load)
            case SetLaneParams(lane=lane, params=params):
                paced.set_lane_params(lane, params)
            case SwitchToWallClock(lane=lane):
                paced.set_live(lane)
            case SetSlo(ms=ms):
                paced.set_slo(ms)
            case SetTokenSlo(ttft_ms=ttft_ms, tpot_ms=tpot_ms):
                paced.set_token_slo(ttft_ms, tpot_ms)
            case RunSideBySideCheck(lane=lane, seconds=seconds):
                _check_live(paced, lane, seconds, conn, held)
            case CancelCheck():
                pass  # no check is running (it ended before the cancel arrived)
            case _:
                raise ConfigError("command", f"unknown command {command!r}")
    except ConfigError as e:
        conn.send(CommandFailed(type(command).__name__, str(e)))


def _check_live(
    paced: Any, lane: str, seconds: float, conn: Connection, held: list[Command]
) -> None:
    """Run a live check with the clock stopped, still listening: CancelCheck ends it (no
    result), Stop ends the engine, anything else waits in ``held`` until the check is done."""
    label = f"live check of {lane}"
    next_status = 0.0

    def progress(fraction: float) -> None:
        nonlocal next_status
        now = time.perf_counter()
        if now >= next_status or fraction >= 1.0:  # told often (to listen), tells less
            conn.send(Status(label, fraction))
            next_status = now + CHECK_STATUS_S
        while conn.poll():
            command = conn.recv()
            if isinstance(command, (Stop, CancelCheck)):
                raise _CheckInterrupted(stop=isinstance(command, Stop))
            held.append(command)

    was_paused = paced.paused
    paced.pause()
    try:
        progress(0.0)
        result = paced.lab.check_live(lane, seconds, on_progress=progress)
    except _CheckInterrupted as e:
        if not e.stop:
            conn.send(CheckCancelled(lane))
        raise
    finally:
        if not was_paused:
            paced.resume()
    conn.send(result)


@contextlib.contextmanager
def _real_stderr() -> Iterator[None]:
    """Give multiprocessing a real stderr while it starts the child (Textual replaces
    sys.stderr with an object whose fileno() is -1, which the resource tracker rejects)."""
    saved = sys.stderr
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        fd = -1
    if fd < 0:
        sys.stderr = sys.__stderr__
    try:
        yield
    finally:
        sys.stderr = saved


def _silence_terminal() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        with contextlib.suppress(OSError):
            os.dup2(devnull, fd)
    os.close(devnull)


def _leave_a_core_for_the_ui() -> None:
    """On the CPU, torch's intra-op threads would compete with the dashboard for every core,
    and a descheduled thread stalls a whole batch (measured: 4 ms steps on 2 cores). The
    engine therefore keeps off the first core (the dashboard's, see tui/cpu.py) and uses
    one thread per remaining core."""
    import torch

    if not hasattr(os, "sched_getaffinity"):
        return
    given = os.environ.get(ENGINE_CPUS_ENV)  # the UI pinned itself and left us these
    own = sorted(os.sched_getaffinity(0))[1:]
    cores = [int(c) for c in given.split(",")] if given else own
    if cores:
        with contextlib.suppress(OSError, ValueError):
            os.sched_setaffinity(0, cores)
            torch.set_num_threads(len(cores))
