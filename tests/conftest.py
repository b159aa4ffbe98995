"""Fixtures shared across the suite: a throwaway policy and load pattern, registered as a user's
plugin registers them (named in ``BATCHTUI_PLUGINS``, so the dashboard's engine process, which
inherits the environment, imports them too)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from batchtui.engine.load.patterns import PATTERNS, Pattern, register_pattern, synthetic_patterns
from batchtui.engine.plugins import ENV
from batchtui.engine.policies import POLICIES, Policy, register_policy

KINDS = [*POLICIES, "greedy"]
"""Every registered policy, and a throwaway one that a plugin adds (tests/plugins/greedy.py)."""
SYNTHETIC = [*synthetic_patterns(), "drops"]
"""Every registered pattern that generates arrivals, and a throwaway plugin one
(tests/plugins/drops.py); trace replay has its own tests (tests/load/test_replay.py)."""


@pytest.fixture(params=KINDS)
def policy_kind(request: pytest.FixtureRequest) -> str:
    """Each policy kind in turn, the throwaway one registered for the test's duration: a test
    that takes this runs for every registry entry, so a new one that breaks it fails."""
    if request.param == "greedy":
        request.getfixturevalue("greedy_policy")
    return request.param


@pytest.fixture(params=SYNTHETIC)
def pattern_name(request: pytest.FixtureRequest) -> str:
    """Each synthetic load pattern in turn, the throwaway one registered for the test."""
    if request.param == "drops":
        request.getfixturevalue("drops_pattern")
    return request.param


def _plugin(
    monkeypatch: pytest.MonkeyPatch,
    module: str,
    attribute: str,
    register: Callable[[Any], Any],
    registry: dict[str, Any],
    key: str,
) -> Iterator[Any]:
    """``module``'s entry, registered (it registers itself on first import only), then removed."""
    monkeypatch.setenv(ENV, module)
    entry = getattr(importlib.import_module(module), attribute)
    register(entry)
    try:
        yield entry
    finally:
        registry.pop(key, None)


@pytest.fixture
def greedy_policy(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Policy]]:
    """The throwaway ``greedy`` policy (tests/plugins/greedy.py)."""
    yield from _plugin(
        monkeypatch, "tests.plugins.greedy", "Greedy", register_policy, POLICIES, "greedy"
    )


@pytest.fixture
def drops_pattern(monkeypatch: pytest.MonkeyPatch) -> Iterator[Pattern]:
    """The throwaway ``drops`` load pattern (tests/plugins/drops.py)."""
    yield from _plugin(
        monkeypatch, "tests.plugins.drops", "DROPS", register_pattern, PATTERNS, "drops"
    )
