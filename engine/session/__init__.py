"""Sessions: a Lab paced to the wall clock, run in a child process for the dashboard."""

from batchtui.engine.session.messages import (
    CommandFailed,
    EngineFailed,
    Pause,
    ResetStats,
    Resume,
    SetLaneParams,
    SetLoad,
    Snapshot,
    Status,
    Stop,
)
from batchtui.engine.session.process import EngineClient

__all__ = [
    "CommandFailed",
    "EngineClient",
    "EngineFailed",
    "Pause",
    "ResetStats",
    "Resume",
    "SetLaneParams",
    "SetLoad",
    "Snapshot",
    "Status",
    "Stop",
]
