"""The contract every batching policy keeps, and the parameter plumbing they share."""

from __future__ import annotations

from typing import Any, ClassVar

from batchtui.engine.errors import ConfigError
from batchtui.engine.params import Param, validate
from batchtui.engine.policies.decisions import Decision, QueueView


class Policy:
    """A sans-clock batching policy: told the time and the queue, it answers what to do.

    ``decide`` is asked only when the device can take a batch and at least one request
    waits; it returns ``Dispatch`` or a finite ``Wait``. ``observe`` is told each batch
    that completed, at its completion, so a policy can learn. Neither reads a clock.
    Times are seconds; parameters are in the engine's units (``*_ms`` in milliseconds).
    """

    kind: ClassVar[str]
    PARAMS: ClassVar[tuple[Param, ...]]
    SERVER_NOTE: ClassVar[str | None] = (
        "batchtui's {kind} batcher has no server equivalent: a server batches by a size limit "
        "and a wait only."
    )
    """What a server's static batcher (Triton, TorchServe, ...) loses of this policy, as a
    template over its parameters; None: a size limit and a wait express it exactly."""

    def __init__(self, **params: Any) -> None:
        self._params = self._checked(params, None)
        self._apply()
        self.reset()

    @property
    def params(self) -> dict[str, int | float]:
        """The current parameters, by their engine names."""
        return dict(self._params)

    def update(self, **changes: Any) -> None:
        """Change parameters while running; all are checked before any takes effect."""
        self._params = self._checked(changes, self._params)
        self._apply()

    def to_json(self) -> dict[str, Any]:
        """This policy as JSON: its kind and parameters (the shape presets and reports use)."""
        return {"kind": self.kind, **self._params}

    @classmethod
    def server_limits(cls, params: dict[str, Any]) -> tuple[int, float]:
        """The batch size limit and wait (ms) a server's static batcher stands in with; a
        policy without ``max_batch_size`` and ``max_wait_ms`` overrides this or cannot export."""
        missing = [n for n in ("max_batch_size", "max_wait_ms") if n not in params]
        if missing:
            raise ConfigError(
                "batcher",
                f"the {cls.kind} batcher has no {' or '.join(missing)}, so a server's static "
                "batcher (a size limit and a wait) cannot express it; export --format python "
                "runs it exactly",
            )
        return int(params["max_batch_size"]), float(params["max_wait_ms"])

    def reset(self) -> None:
        """Forget what was learned from history (parameters stay)."""

    def decide(self, now: float, queue: QueueView) -> Decision:
        raise NotImplementedError

    def observe(self, now: float, size: int, service_s: float) -> None:
        """Feedback: a batch of ``size`` finished at ``now`` after ``service_s`` on the device."""

    def _checked(self, values: dict[str, Any], base: dict[str, Any] | None) -> dict[str, Any]:
        merged = validate(self.PARAMS, values, base)
        self._check_together(merged)
        return merged

    def _check_together(self, p: dict[str, Any]) -> None:
        """Constraints between parameters; raise ConfigError naming the one that was given."""

    def _apply(self) -> None:
        """Derive the seconds-based fields the hot path uses from ``self._params``."""


def require_at_most(p: dict[str, Any], low: str, high: str) -> None:
    """Shared check that one size limit does not exceed another."""
    if p[low] > p[high]:
        raise ConfigError(low, f"must be <= {high} ({p[high]}), got {p[low]}")
