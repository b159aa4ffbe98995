"""The registries' entries, built-in and throwaway, as fixtures every surface test runs over."""

from __future__ import annotations

import pytest

from batchtui.engine.load.patterns import synthetic_patterns
from batchtui.engine.policies import POLICIES

KINDS = [*POLICIES, "greedy"]
"""Every registered policy, and a throwaway one that a plugin adds (tests/plugins/greedy.py)."""


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    """A policy kind, the throwaway one registered for the test's duration."""
    if request.param == "greedy":
        request.getfixturevalue("greedy_policy")
    return request.param


SYNTHETIC = [*synthetic_patterns(), "drops"]
"""Every registered pattern that generates arrivals, and a throwaway plugin one
(tests/plugins/drops.py); trace replay has its own tests (tests/load/test_replay.py)."""


@pytest.fixture(params=SYNTHETIC)
def pattern(request: pytest.FixtureRequest) -> str:
    """A pattern name, the throwaway one registered for the test's duration."""
    if request.param == "drops":
        request.getfixturevalue("drops_pattern")
    return request.param
