"""Sessions: a Lab paced to the wall clock, run in a child process for the dashboard."""

from batchtui.engine.live.check import LiveCheck
from batchtui.engine.session.engine import Engine
from batchtui.engine.session.messages import (
    CancelCheck,
    CheckCancelled,
    CheckLive,
    CommandFailed,
    EngineFailed,
    Pause,
    ResetStats,
    Resume,
    SetLaneParams,
    SetLive,
    SetLoad,
    SetSlo,
    Snapshot,
    Status,
    Stop,
)
from batchtui.engine.session.process import EngineClient

__all__ = [
    "CancelCheck",
    "CheckCancelled",
    "CheckLive",
    "CommandFailed",
    "Engine",
    "EngineClient",
    "EngineFailed",
    "LiveCheck",
    "Pause",
    "ResetStats",
    "Resume",
    "SetLaneParams",
    "SetLive",
    "SetLoad",
    "SetSlo",
    "Snapshot",
    "Status",
    "Stop",
]
