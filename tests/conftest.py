"""Fixtures shared across the suite: a throwaway policy and load pattern, registered as a user's
plugin registers them (named in ``BATCHTUI_PLUGINS``, so the dashboard's engine process, which
inherits the environment, imports them too)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from batchtui.engine.load.patterns import PATTERNS, Pattern, register_pattern
from batchtui.engine.plugins import ENV
from batchtui.engine.policies import POLICIES, Policy, register_policy


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
