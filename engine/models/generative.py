"""The generative module contract: what a model must offer to be served token by token.

A generative model is a ``torch.nn.Module`` (the built-in ``tiny-gpt``, or what a
``gen-factory`` returns) with these members::

    prefill(tokens: list[Tensor], states: list[State | None]) -> list[State]
        Each sequence's new prompt tokens (1-D int64 on the model's device: a whole prompt,
        or the next chunk of it), run as ONE batched forward. ``states[i]`` is sequence i's
        state from its earlier chunks, or None for a new sequence. Returns the new states:
        each holds that sequence's KV cache and the greedy next token sampled at its last
        position (the runtime uses it only after the prompt's last chunk: the first token).

    decode(states: list[State]) -> list[State]
        One batched step for every given sequence: feed each state's next token, append it
        to the KV cache, sample the following token. Returns the new states.

    max_context: int    the longest prompt + output one sequence may reach
    vocab: int          prompt token ids are drawn from [0, vocab)

A state is opaque to batchtui: it is only handed back to the same model. The runtime never
reuses a state it passed on (a model may update its tensors in place), and drops a state to
preempt a sequence (recompute: its prompt is prefilled again later). Output lengths are
forced by the runtime, which stops asking for tokens, as serving benchmarks do; so sampling
needs no end-of-sequence token. ``examples/gen_factory/`` shows a small factory.

Importing this module never imports torch: only the loaders below do, when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from batchtui.engine.errors import ConfigError

if TYPE_CHECKING:
    import torch

    from batchtui.engine.models.spec import ModelSpec

CONTRACT = ("prefill", "decode", "max_context", "vocab")
"""The members every generative module has (see the module docstring)."""


@runtime_checkable
class GenerativeModel(Protocol):
    """A torch module served token by token; the module docstring documents each member."""

    max_context: int
    vocab: int

    def prefill(self, tokens: list[torch.Tensor], states: list[Any | None]) -> list[Any]:
        """New prompt tokens (or the next chunk) of each sequence in one batched forward."""
        ...

    def decode(self, states: list[Any]) -> list[Any]:
        """One batched step: each sequence's next token fed, the following one sampled."""
        ...


def check_generative(module: object, label: str) -> None:
    """ConfigError (at ``target``) naming what ``module`` lacks of the contract, if anything."""
    missing = [name for name in CONTRACT if not hasattr(module, name)]
    missing += [
        n for n in ("prefill", "decode") if n not in missing and not callable(getattr(module, n))
    ]
    if missing:
        raise ConfigError(
            "target",
            f"{label}: its module lacks {', '.join(missing)}; a generative model needs "
            "prefill(tokens, states), decode(states), max_context and vocab "
            "(see batchtui.engine.models.generative)",
        )
    for name in ("max_context", "vocab"):
        value = getattr(module, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(
                "target", f"{label}: its {name} is {value!r}; expected a positive int"
            )


def load_generative(model: ModelSpec, device: torch.device, seed: int = 0) -> GenerativeModel:
    """The ``tiny-gpt`` or ``gen-factory`` module of ``model``, on ``device``, in eval mode."""
    params = model.validate()
    if model.kind == "tiny-gpt":
        from batchtui.engine.models.tiny_gpt import build_tiny_gpt

        return build_tiny_gpt(params, seed, device)
    if model.kind == "gen-factory":
        from batchtui.engine.models.user import load_gen_factory

        return load_gen_factory(params["target"], device)
    raise ConfigError(
        "kind", f"{model.kind} is not a generative torch model (tiny-gpt, gen-factory)"
    )
