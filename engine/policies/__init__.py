"""Batching policies: pure decision logic shared by the simulator and the live runtime."""

from __future__ import annotations

from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.plugins import load_plugins
from batchtui.engine.policies.base import Policy
from batchtui.engine.policies.decisions import REASONS, Decision, Dispatch, QueueView, Wait
from batchtui.engine.policies.dynamic import Dynamic
from batchtui.engine.policies.predictive import Predictive
from batchtui.engine.policies.static import Static

POLICIES: dict[str, type[Policy]] = {p.kind: p for p in (Static, Dynamic, Predictive)}
"""Every batching policy by kind: a new one is one file here plus its class in this line
(or, from outside, a plugin that calls ``register_policy``; see engine/plugins.py)."""


def register_policy(cls: type[Policy]) -> type[Policy]:
    """Add a policy to POLICIES (a plugin's one registry line); its kind must be new."""
    if POLICIES.get(cls.kind, cls) is not cls:
        raise ConfigError("kind", f"a batcher {cls.kind!r} is already registered")
    POLICIES[cls.kind] = cls
    return cls


def make_policy(kind: str, **params: Any) -> Policy:
    """A policy of ``kind`` with ``params`` checked; unknown kinds name the valid ones."""
    try:
        cls = POLICIES[kind]
    except KeyError:
        known = ", ".join(POLICIES)
        raise ConfigError("kind", f"unknown batcher {kind!r}; expected one of {known}") from None
    return cls(**params)


load_plugins()  # last: a plugin imports this package to register its policies

__all__ = [
    "POLICIES",
    "REASONS",
    "Decision",
    "Dispatch",
    "Dynamic",
    "Policy",
    "Predictive",
    "QueueView",
    "Static",
    "Wait",
    "make_policy",
    "register_policy",
]
