"""Profiling tiny-gpt's steps and fitting the analytic-llm coefficients to them."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen.cost import StepCost
from batchtui.engine.gen.step_fit import fit_step_cost
from batchtui.engine.gen.step_profile import (
    IDLE_TERMS,
    GenProfile,
    StepPoint,
    load_gen_profile,
)
from batchtui.engine.models.gen_profiler import GenMeasurement, measure_steps, profile_generative
from batchtui.engine.models.generative import load_generative
from batchtui.engine.models.spec import ModelSpec

CPU = torch.device("cpu")
SMALL = ModelSpec("tiny-gpt", {"layers": 1, "d_model": 32, "max_context": 128})
BRIEF = GenMeasurement(repeats=2, max_tokens=32, max_seqs=4)


def point(prefill: int, seqs: int, context: int, ms: float, kind: str = "mixed") -> StepPoint:
    return StepPoint(kind, prefill, 1 if prefill else 0, seqs, context, ms, ms, ms, 1)


def priced(cost: StepCost, shapes: list[tuple[int, int, int]]) -> list[StepPoint]:
    return [point(p, s, c, cost.step(p, s, c) * 1000.0) for p, s, c in shapes]


SHAPES = [(16, 0, 0), (256, 0, 0), (0, 1, 64), (0, 8, 512), (0, 32, 8000), (64, 4, 1000)]


def test_the_fit_recovers_the_coefficients_that_priced_the_steps() -> None:
    truth = StepCost(1.5, 0.02, 0.3, 0.001)
    fit = fit_step_cost(priced(truth, SHAPES))
    for name, value in dataclasses.asdict(truth).items():
        assert getattr(fit.cost, name) == pytest.approx(value, rel=1e-9)
    assert fit.r2 == pytest.approx(1.0)
    assert fit.worst_relative_error < 1e-9


def test_the_fit_never_gives_a_negative_coefficient() -> None:
    # Steps that get cheaper with more context: unconstrained least squares would price
    # context negatively; the fit clamps it to zero and refits the rest.
    points = [point(0, 1, 100, 2.0), point(0, 1, 1000, 1.8), point(0, 4, 100, 3.0),
              point(100, 0, 0, 3.0), point(0, 4, 1000, 2.9)]  # fmt: skip
    fit = fit_step_cost(points)
    assert fit.cost.context_ms_per_token == 0.0
    assert min(dataclasses.asdict(fit.cost).values()) >= 0.0
    assert 0.0 < fit.worst_relative_error < 0.2


def test_the_fit_weighs_relative_error_so_small_steps_count() -> None:
    truth = StepCost(0.5, 0.01, 0.1, 0.0)
    points = priced(truth, SHAPES)
    big = max(range(len(points)), key=lambda i: points[i].median_ms)
    points[big] = dataclasses.replace(points[big], median_ms=points[big].median_ms * 1.5)
    fit = fit_step_cost(points)
    smallest = min(range(len(points)), key=lambda i: points[i].median_ms)
    # An unweighted fit misses the smallest step by ~10% here (the big one pulls it); this
    # one by about 2%.
    assert abs(fit.fitted_ms[smallest] / points[smallest].median_ms - 1) < 0.05
    assert fit.worst_relative_error == pytest.approx(
        max(abs(f / p.median_ms - 1) for f, p in zip(fit.fitted_ms, points, strict=True))
    )


def test_a_mixed_steps_second_call_is_fitted_as_mixed_step_ms() -> None:
    # Mixed steps pay a second call's fixed cost (1 ms): before mixed_step_ms, one step_ms
    # could not price both kinds, and the fit missed the mixed steps by ~10%.
    truth = StepCost(1.0, 0.02, 0.2, 0.001)
    decodes = [(0, 1, 64), (0, 4, 1000), (0, 16, 800), (0, 32, 8000)]
    alone = [(t, 0, 0) for t in (16, 64, 256, 512)] + decodes
    points = [dataclasses.replace(p, kind="prefill" if p.decode_seqs == 0 else "decode")
              for p in priced(truth, alone)]  # fmt: skip
    mixed = [dataclasses.replace(p, median_ms=p.median_ms + 1.0)
             for p in priced(truth, [(64, 4, 400), (256, 16, 1600)])]  # fmt: skip
    fit = fit_step_cost(points + mixed)
    want = dataclasses.replace(truth, mixed_step_ms=1.0)
    for name, value in dataclasses.asdict(want).items():
        assert getattr(fit.cost, name) == pytest.approx(value, rel=1e-9, abs=1e-12), name
    assert fit.worst_relative_error < 1e-9
    # The fit before the term (bench A/B) misses the mixed steps.
    old = fit_step_cost(points + mixed, mixed=False)
    assert old.cost.mixed_step_ms == 0.0 and old.worst_relative_error > 0.05
    # Without mixed steps measured there is nothing to fit it from: it stays 0.
    assert fit_step_cost(points).cost.mixed_step_ms == 0.0


def test_fewer_than_four_points_cannot_fit_four_coefficients() -> None:
    with pytest.raises(ConfigError, match="needs >= 4 points, got 3"):
        fit_step_cost(priced(StepCost(), SHAPES[:3]))


def test_measured_steps_cover_prefill_decode_and_mixed_with_their_real_contexts() -> None:
    model = load_generative(SMALL, CPU, 0)
    points = measure_steps(model, CPU, BRIEF, seed=0)
    kinds = [p.kind for p in points]
    assert set(kinds) == {"prefill", "decode", "mixed"}
    assert {(p.prefill_tokens, p.prefill_seqs) for p in points if p.kind == "prefill"} == {
        (16, 1), (16, 4), (32, 1), (32, 4)}  # fmt: skip
    decodes = [p for p in points if p.kind == "decode"]
    assert sorted(p.decode_seqs for p in decodes) == [1, 4]
    # Sequences of 64 tokens, each one longer after every step that decoded it (warm-up too).
    one = next(p for p in decodes if p.decode_seqs == 1)
    assert 64 < one.context_tokens <= 64 + 2 * 3
    assert all(p.repeats == 2 and 0 < p.min_ms <= p.median_ms <= p.max_ms for p in points)
    (mixed,) = (p for p in points if p.kind == "mixed")  # chunks capped at --max-tokens
    assert (mixed.prefill_tokens, mixed.prefill_seqs, mixed.decode_seqs) == (32, 1, 4)


def test_the_profile_file_reads_back_what_was_written(tmp_path: pytest.TempPathFactory) -> None:
    profile = profile_generative(SMALL, CPU, BRIEF, seed=3)
    assert profile.model == SMALL.to_dict() and profile.device == "cpu"
    assert len(profile.fitted_ms) == len(profile.points)
    path = tmp_path / "fit.json"  # type: ignore[operator]
    path.write_text(json.dumps(profile.to_json()))
    assert load_gen_profile(path) == profile


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not a JSON file"),
        ('{"format": "batchtui.profile/1"}',
         "format: expected batchtui.gen-profile/1 (from 'batchtui profile'), got 'batchtui.pro"),
        ('{"format": "batchtui.gen-profile/1", "model": {"kind": "tiny-gpt"}, '
         '"coefficients": {"step_ms": -1}}', "coefficients.step_ms: must be a number >= 0, got -1"),
    ],
)  # fmt: skip
def test_a_bad_profile_file_is_one_message_naming_it(
    text: str, message: str, tmp_path: pytest.TempPathFactory
) -> None:
    path = tmp_path / "bad.json"  # type: ignore[operator]
    path.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_gen_profile(path)
    assert e.value.where == "path"
    assert e.value.message.startswith(f"{path}: {message}")


def test_a_missing_profile_file_says_so() -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.json: no such file"):
        load_gen_profile("nowhere.json")


def test_profiling_says_when_max_context_leaves_no_room() -> None:
    spec = ModelSpec("tiny-gpt", {"layers": 1, "d_model": 32, "max_context": 8})
    with pytest.raises(ConfigError, match="8 is too short to profile with 2 repeats") as e:
        profile_generative(spec, CPU, BRIEF)
    assert e.value.where == "max_context"


def test_the_profile_names_its_format() -> None:
    doc = GenProfile({"kind": "tiny-gpt"}, "cpu", (), StepCost(), 1.0, 0.0, "now").to_json()
    assert doc["format"] == "batchtui.gen-profile/1"
    every = {f.name for f in dataclasses.fields(StepCost)}
    assert set(doc["coefficients"]) == every - set(IDLE_TERMS)  # the four analytic terms
    assert set(IDLE_TERMS) <= set(doc["idle"])
