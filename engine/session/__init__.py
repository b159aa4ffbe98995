"""Sessions: a Lab paced to the wall clock, run in a child process for the dashboard."""

from batchtui.engine.live.check import SideBySideCheck
from batchtui.engine.session.engine import Engine
from batchtui.engine.session.messages import (
    CancelCheck,
    CheckCancelled,
    CommandFailed,
    EngineFailed,
    Pause,
    ResetStats,
    Resume,
    RunSideBySideCheck,
    SetLaneParams,
    SetLoad,
    SetSlo,
    Snapshot,
    Status,
    Stop,
    SwitchToWallClock,
)
from batchtui.engine.session.process import EngineClient

__all__ = [
    "CancelCheck",
    "CheckCancelled",
    "CommandFailed",
    "Engine",
    "EngineClient",
    "EngineFailed",
    "Pause",
    "ResetStats",
    "Resume",
    "RunSideBySideCheck",
    "SetLaneParams",
    "SetLoad",
    "SetSlo",
    "SideBySideCheck",
    "Snapshot",
    "Status",
    "Stop",
    "SwitchToWallClock",
]
