"""tiny-gpt's KV cache, batching and determinism, checked against recomputing from scratch."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from batchtui.engine.errors import ConfigError
from batchtui.engine.models.generative import GenerativeModel, check_generative, load_generative
from batchtui.engine.models.spec import ModelSpec
from batchtui.engine.models.tiny_gpt import TinyGPT, TinyState

CPU = torch.device("cpu")
SMALL = {"layers": 2, "d_model": 32, "heads": 4, "max_context": 64, "vocab": 97}


def tiny(seed: int = 0, **params: int) -> TinyGPT:
    """A small tiny-gpt in float64, so greedy tokens cannot flip on rounding."""
    model = load_generative(ModelSpec("tiny-gpt", {**SMALL, **params}), CPU, seed)
    assert isinstance(model, TinyGPT)
    return model.double()


def prompts(*lengths: int, seed: int = 1) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(0, SMALL["vocab"], (n,), generator=g) for n in lengths]


def tokens(states: list[TinyState]) -> list[int]:
    return [s.token for s in states]


def greedy_by_reprefill(model: TinyGPT, prompt: torch.Tensor, steps: int) -> list[int]:
    """Each next token computed by prefilling the whole sequence so far from nothing."""
    seq, out = prompt, []
    for _ in range(steps + 1):
        (state,) = model.prefill([seq], [None])
        out.append(state.token)
        seq = torch.cat((seq, state.next_token))
    return out


def test_it_follows_the_generative_contract() -> None:
    model = tiny()
    assert isinstance(model, GenerativeModel)
    check_generative(model, "tiny-gpt")  # raises if anything is missing
    assert (model.max_context, model.vocab) == (64, 97)


def test_decode_after_prefill_matches_a_full_reprefill_of_the_longer_sequence() -> None:
    model = tiny()
    (prompt,) = prompts(7)
    (state,) = model.prefill([prompt], [None])
    got = [state.token]
    for _ in range(5):
        (state,) = model.decode([state])
        got.append(state.token)
    assert state.length == 7 + 5
    assert got == greedy_by_reprefill(model, prompt, 5)
    assert len(set(got)) > 1  # a model stuck on one token would prove nothing


def test_chunked_prefill_equals_whole_prefill() -> None:
    model = tiny()
    (prompt,) = prompts(13)
    (whole,) = model.prefill([prompt], [None])
    (state,) = model.prefill([prompt[:5]], [None])
    (state,) = model.prefill([prompt[5:6]], [state])
    (state,) = model.prefill([prompt[6:]], [state])
    assert state.length == whole.length == 13
    assert state.token == whole.token
    for k_chunked, k_whole in zip(state.keys, whole.keys, strict=True):
        torch.testing.assert_close(k_chunked, k_whole)


def test_batched_prefill_and_decode_equal_one_by_one() -> None:
    model = tiny()
    chunks = prompts(3, 11, 1, 6)
    batched = model.prefill(chunks, [None] * 4)
    alone = [model.prefill([c], [None])[0] for c in chunks]
    assert tokens(batched) == tokens(alone)
    # Unequal contexts decode together; a mixed prefill batch holds new and continuing ones.
    for _ in range(3):
        batched = model.decode(batched)
        alone = [model.decode([s])[0] for s in alone]
        assert tokens(batched) == tokens(alone)
    assert [s.length for s in batched] == [6, 14, 4, 9]
    more = prompts(4, 2, seed=2)
    mixed = model.prefill(more, [None, batched[1]])
    assert tokens(mixed) == [
        model.prefill([more[0]], [None])[0].token,
        model.prefill([more[1]], [alone[1]])[0].token,
    ]


def test_batched_equals_one_by_one_in_float32_too() -> None:
    model = load_generative(ModelSpec("tiny-gpt", SMALL), CPU, 0)
    chunks = prompts(2, 9, 5)
    batched = model.decode(model.prefill(chunks, [None] * 3))
    alone = [model.decode(model.prefill([c], [None]))[0] for c in chunks]
    assert tokens(batched) == tokens(alone)


def test_same_seed_same_tokens_and_another_seed_others() -> None:
    (prompt,) = prompts(9)
    runs = [greedy_by_reprefill(tiny(seed), prompt, 6) for seed in (3, 3, 4)]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_building_it_leaves_the_global_random_state_alone() -> None:
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    tiny()
    assert torch.equal(torch.rand(3), expected)


def test_a_sequence_past_max_context_is_refused_in_words() -> None:
    model = tiny(max_context=8)
    (state,) = model.prefill(prompts(8), [None])
    with pytest.raises(ValueError, match="would reach 9 tokens; this model's max_context is 8"):
        model.decode([state])


def test_heads_that_do_not_divide_d_model_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="must divide d_model \\(32\\); got 5") as e:
        load_generative(ModelSpec("tiny-gpt", {"d_model": 32, "heads": 5}), CPU)
    assert e.value.where == "heads"


def flops(step: Callable[[], object]) -> int:
    """The floating-point work torch counts for one call (matmuls and attention)."""
    with FlopCounterMode(display=False) as counter:
        step()
    return counter.get_total_flops()


def test_a_batched_step_does_the_work_of_its_sequences_alone_and_no_padding() -> None:
    # The analytic-llm prices a step by its tokens and contexts. Padded to the longest (as
    # tiny-gpt was), these three chunks did 2.5x their work, and four unequal prompts took
    # 2x as long together as alone (bench/gen_batch_work.py), which no fit of that shape
    # can price.
    model = tiny()
    short, long, later = prompts(3, 40, 5)
    (cached,) = model.prefill([long], [None])
    alone = [
        flops(lambda: model.prefill([short], [None])),
        flops(lambda: model.prefill([long], [None])),
        flops(lambda: model.prefill([later], [cached])),
    ]
    both = flops(lambda: model.prefill([short, long, later], [None, None, cached]))
    assert both == sum(alone)
    contexts = model.prefill(prompts(2, 30, 11), [None] * 3)  # unequal contexts decode
    decodes = flops(lambda: model.decode(contexts))
    assert decodes == sum(flops(lambda s=s: model.decode([s])) for s in contexts)
