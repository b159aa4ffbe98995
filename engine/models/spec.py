"""Which model serves the batches, as a validated value shared by CLI, presets and the Lab.

Importing this module never imports torch: the dashboard and the preset tools describe
models without loading them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from batchtui.engine.errors import ConfigError
from batchtui.engine.params import Param, validate

_DTYPE_PARAMS = (
    Param("dtype", str, "float32", help="float32, float16, bfloat16, float64, int64 or int32"),
    Param("int_high", int, 100, 1, 2**62, "integer inputs are drawn from [0, int_high)"),
)
"""How a user model without its own input spec is fed (with ``input_shape``)."""

MODEL_KINDS: dict[str, tuple[Param, ...]] = {
    "analytic": (
        Param("base_ms", float, 2.0, 0.0, 60_000.0, "fixed cost of a batch, ms"),
        Param("per_item_ms", float, 0.05, 0.0, 60_000.0, "cost of each request in a batch, ms"),
        Param("noise_cv", float, 0.0, 0.0, 10.0, "variation of service times (1 = exponential)"),
    ),
    "profile": (Param("path", str, None, help="a batchtui.profile/1 JSON file"),),
    # Generative: one step's cost. Defaults: DistServe's simulator fit for OPT-13B on one
    # A100 (simdistserve/estimators/time_estimator.py, TP=1 PP=1); see engine/gen/cost.py.
    "analytic-llm": (
        Param("step_ms", float, 19.88, 0.0, 60_000.0, "fixed cost of one step, ms"),
        Param("prefill_ms_per_token", float, 0.0948, 0.0, 60_000.0, "per prompt token, ms"),
        Param("decode_ms_per_seq", float, 0.0682, 0.0, 60_000.0, "per decoding sequence, ms"),
        Param(
            "context_ms_per_token",
            float,
            0.000611,
            0.0,
            60_000.0,
            "per context token of a decoding sequence, ms",
        ),
        # Off by default: a step after the device idled pays a restart (engine/gen/cost.py).
        Param(
            "idle_restart_ms",
            float,
            0.0,
            0.0,
            60_000.0,
            "extra cost of a step that follows more than idle_after_ms of idle device, ms",
        ),
        Param("idle_after_ms", float, 0.0, 0.0, 3_600_000.0, "idle that makes a restart, ms"),
        # Off by default: a step that both prefills and decodes pays a second call's fixed cost.
        Param(
            "mixed_step_ms",
            float,
            0.0,
            0.0,
            60_000.0,
            "extra cost of a step that both prefills and decodes (two model calls), ms",
        ),
        # Off by default: a prefill's attention, growing with the prompt's square.
        Param(
            "prefill_ms_per_token_sq",
            float,
            0.0,
            0.0,
            60_000.0,
            "per prefill token times the tokens it attends to (cached and its chunk's), ms",
        ),
    ),
    # Generative torch models (engine/models/generative.py: the contract they follow).
    "tiny-gpt": (
        Param("layers", int, 2, 1, 64, "decoder layers"),
        Param("d_model", int, 64, 8, 8192, "embedding width"),
        Param("heads", int, 4, 1, 128, "attention heads (must divide d_model)"),
        Param("max_context", int, 4096, 2, 1_048_576, "longest prompt + output of a sequence"),
        Param("vocab", int, 1000, 2, 1_048_576, "token ids are drawn from [0, vocab)"),
    ),
    "gen-factory": (
        Param("target", str, None, help="package.module:function returning a generative module"),
    ),
    "mlp": (
        Param("width", int, 1024, 1, 65536, "hidden width (and input width)"),
        Param("depth", int, 4, 1, 128, "hidden layers"),
    ),
    "transformer": (
        Param("d_model", int, 64, 8, 8192, "embedding width"),
        Param("layers", int, 2, 1, 64, "encoder layers"),
        Param("heads", int, 4, 1, 128, "attention heads (must divide d_model)"),
        Param("max_seq_len", int, 32, 1, 65536, "longest sequence; longer requests are cut"),
        Param("tokens_per_size", float, 1.0, 1e-6, 1e6, "sequence length per unit of size"),
    ),
    "conv": (
        Param("image_size", int, 32, 8, 1024, "input height and width"),
        Param("channels", int, 8, 1, 4096, "channels of the first block (doubling, up to 8x)"),
        Param("blocks", int, 4, 1, 16, "conv blocks, each halving the image"),
    ),
    "torchscript": (
        Param("path", str, None, help="a TorchScript file (torch.jit.save)"),
        Param("input_shape", str, None, help="one request's input shape, e.g. 64 or 3,32,32"),
        *_DTYPE_PARAMS,
    ),
    "export": (Param("path", str, None, help="a torch.export file (torch.export.save)"),),
    "factory": (
        Param("target", str, None, help="package.module:function returning a module"),
        Param("input_shape", str, "auto", help="one request's input shape, or auto: the factory's"),
        *_DTYPE_PARAMS,
    ),
}
TORCH_KINDS = frozenset({"mlp", "transformer", "conv", "torchscript", "export", "factory"})
OMITTED_AT_DEFAULT = frozenset(
    {
        ("analytic-llm", "idle_restart_ms"),
        ("analytic-llm", "idle_after_ms"),
        ("analytic-llm", "mixed_step_ms"),
        ("analytic-llm", "prefill_ms_per_token_sq"),
    }
)
"""Params added after presets and reports were written: ``validate`` (so ``to_dict``) leaves
them out while they hold their defaults, so those documents stay byte for byte the same;
whoever reads them defaults them alike (StepCost)."""
GENERATIVE_KINDS = frozenset({"analytic-llm", "tiny-gpt", "gen-factory"})
"""Models that serve token by token (engine/gen), not batch by batch."""
GENERATIVE_TORCH_KINDS = frozenset({"tiny-gpt", "gen-factory"})
"""Generative models that run on a torch device (the rest have an analytic cost)."""


@dataclass(frozen=True)
class ModelSpec:
    """A model kind and its parameters (defaults filled in by ``validate``)."""

    kind: str = "analytic"
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A plain dict whatever mapping was given: a scenario crosses to the engine process
        # by pickling, and read-only views (MappingProxyType) do not pickle.
        object.__setattr__(self, "params", dict(self.params))

    @property
    def is_torch(self) -> bool:
        """True for models that run on a torch device (False: analytic cost, profile)."""
        return self.kind in TORCH_KINDS

    def validate(self) -> dict[str, Any]:
        """All parameters with defaults filled in (but OMITTED_AT_DEFAULT ones, left out at
        their defaults); ConfigError naming the first bad one."""
        if self.kind not in MODEL_KINDS:
            known = ", ".join(MODEL_KINDS)
            raise ConfigError("kind", f"unknown model {self.kind!r}; expected one of {known}")
        declared = MODEL_KINDS[self.kind]
        params = validate(declared, self.params)
        for p in declared:
            if (self.kind, p.name) in OMITTED_AT_DEFAULT and params[p.name] == p.default:
                del params[p.name]
        return params

    def to_dict(self) -> dict[str, Any]:
        """``{"kind": ..., **params}``: the ``model`` object of presets and reports."""
        return {"kind": self.kind, **self.validate()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ModelSpec:
        """The inverse of ``to_dict``, validated; unknown keys are errors."""
        if not isinstance(d, Mapping):
            raise ConfigError("model", f"must be an object, got {type(d).__name__}")
        if "kind" not in d:
            raise ConfigError("kind", f"is required; expected one of {', '.join(MODEL_KINDS)}")
        spec = cls(str(d["kind"]), {k: v for k, v in d.items() if k != "kind"})
        spec.validate()
        return spec
