"""Fixtures shared across the suite: a throwaway policy registered as a user's plugin is."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest

from batchtui.engine.plugins import ENV
from batchtui.engine.policies import POLICIES, Policy, register_policy

PLUGIN_POLICY = "tests.plugins.greedy"


@pytest.fixture
def greedy_policy(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Policy]]:
    """The throwaway ``greedy`` policy, named in ``BATCHTUI_PLUGINS`` (so the dashboard's
    engine process, which inherits the environment, imports it too); removed after."""
    monkeypatch.setenv(ENV, PLUGIN_POLICY)
    cls = importlib.import_module(PLUGIN_POLICY).Greedy  # registers itself on first import
    register_policy(cls)
    try:
        yield cls
    finally:
        POLICIES.pop(cls.kind, None)
