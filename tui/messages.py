"""Messages the dashboard's widgets send up to the app: small immutable values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from batchtui.engine.load import LoadSpec


@dataclass
class LaneParamsChanged(Message):
    """The user moved a lane's slider: send these parameters to that lane's policy."""

    lane: str
    params: dict[str, Any]


@dataclass
class LoadChanged(Message):
    """The user changed the load (rate, pattern, burstiness)."""

    load: LoadSpec
