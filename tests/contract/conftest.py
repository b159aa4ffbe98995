"""The registries' entries, built-in and throwaway, as fixtures every surface test runs over."""

from __future__ import annotations

import pytest

from batchtui.engine.policies import POLICIES

KINDS = [*POLICIES, "greedy"]
"""Every registered policy, and a throwaway one that a plugin adds (tests/plugins/greedy.py)."""


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    """A policy kind, the throwaway one registered for the test's duration."""
    if request.param == "greedy":
        request.getfixturevalue("greedy_policy")
    return request.param
