"""The engine in a child process: it starts, streams snapshots, obeys, and leaves nothing behind."""

import time

from batchtui.engine.load import LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import Scenario
from batchtui.engine.session import (
    CommandFailed,
    Engine,
    EngineClient,
    EngineFailed,
    Pause,
    SetLaneParams,
    Snapshot,
)


def wait_for(client: EngineClient, kind: type, timeout: float = 20.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in client.events(timeout=0.1):
            if isinstance(event, kind):
                return event
    raise AssertionError(f"no {kind.__name__} within {timeout} s")


def test_engine_streams_snapshots_obeys_commands_and_exits_cleanly() -> None:
    client = EngineClient(Scenario(load=LoadSpec(rate_rps=1000)))
    try:
        first = wait_for(client, Snapshot)
        time.sleep(0.5)
        later = wait_for(client, Snapshot)
        assert later.clock > first.clock
        assert later.recent[0].arrived > 0
        client.send(SetLaneParams("static", {"max_wait_ms": -1}))
        refused = wait_for(client, CommandFailed)
        assert "max_wait_ms: must be >= 0" in refused.message
        client.send(Pause())
        paused = wait_for(client, Snapshot)
        while not paused.paused:
            paused = wait_for(client, Snapshot)
        time.sleep(0.3)
        assert not [e for e in client.events(timeout=0.1) if isinstance(e, Snapshot)]
    finally:
        client.close(timeout=5.0)  # time enough for it to stop itself, even on a busy machine
    assert not client.process.is_alive()
    assert client.process.exitcode == 0


def test_a_model_that_cannot_load_is_reported_and_the_engine_exits() -> None:
    bad = Scenario(model=ModelSpec("torchscript", {"path": "/no/model.pt", "input_shape": "4"}))
    client = EngineClient(bad)
    try:
        failure = wait_for(client, EngineFailed)
        assert "/no/model.pt" in failure.message
    finally:
        client.close()
    assert not client.process.is_alive()


def test_events_never_block_when_nothing_is_said() -> None:
    client = EngineClient(Scenario(), paused=True)
    try:
        wait_for(client, Snapshot)
        started = time.monotonic()
        client.events(timeout=0.0)
        assert time.monotonic() - started < 0.05
    finally:
        client.close()


def test_the_client_and_the_snapshot_tests_stand_in_keep_the_engine_protocol() -> None:
    from tests.tui.fixed_engine import FixedEngine

    client = EngineClient(Scenario(), paused=True)
    try:
        assert isinstance(client, Engine)
    finally:
        client.close()
    assert isinstance(FixedEngine(Scenario()), Engine)
