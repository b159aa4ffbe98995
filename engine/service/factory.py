"""From a model description to the service-time source that times its batches."""

from __future__ import annotations

from batchtui.engine.errors import ConfigError
from batchtui.engine.models.spec import ModelSpec
from batchtui.engine.service.analytic import AnalyticCost
from batchtui.engine.service.base import ServiceTime
from batchtui.engine.service.profile import load_profile


def build_service(model: ModelSpec, seed: int = 0) -> ServiceTime:
    """The source for ``model``: analytic cost, or a measured profile."""
    params = model.validate()
    if model.kind == "analytic":
        return AnalyticCost(seed=seed, **params)
    if model.kind == "profile":
        return load_profile(params["path"])
    raise ConfigError("model", f"{model.kind!r} models cannot run in this build yet")
