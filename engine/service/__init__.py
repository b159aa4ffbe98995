"""Service-time sources: how long the device takes for a batch of ``n`` requests."""

from batchtui.engine.service.analytic import AnalyticCost
from batchtui.engine.service.base import BatchFailed, ServiceTime
from batchtui.engine.service.factory import build_service
from batchtui.engine.service.profile import ProfileCost, load_profile

__all__ = [
    "AnalyticCost",
    "BatchFailed",
    "ProfileCost",
    "ServiceTime",
    "build_service",
    "load_profile",
]
