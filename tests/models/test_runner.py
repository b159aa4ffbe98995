"""The runner's contract: deterministic inputs, bounded batches, honest failures, warm-up."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from batchtui.engine.errors import ConfigError
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.runner import ModelRunner

FACTORY = "tests.models.sample_factory"


def test_the_same_seed_gives_the_same_model_and_inputs() -> None:
    a, b = (ModelRunner(ModelSpec("mlp", {"width": 64}), "cpu", seed=7) for _ in range(2))
    other = ModelRunner(ModelSpec("mlp", {"width": 64}), "cpu", seed=8)
    sizes = np.ones(4)
    for x, y, z in zip(
        a.outputs(3, sizes), b.outputs(3, sizes), other.outputs(3, sizes), strict=True
    ):
        assert torch.equal(x, y)
        assert not torch.allclose(x, z)


def test_building_a_model_leaves_the_global_random_state_alone() -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ModelRunner(ModelSpec("mlp", {"width": 32}), "cpu")
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize(
    "spec",
    [ModelSpec("mlp", {"width": 32}), ModelSpec("transformer", {"d_model": 16, "heads": 2})],
    ids=["tensor", "tokens"],
)
def test_a_batch_larger_than_prepared_grows_the_buffers_and_is_right(spec: ModelSpec) -> None:
    # A slider may raise max_batch_size past what the model was warmed up for.
    runner = ModelRunner(spec, "cpu", max_batch_size=8)
    assert runner.run(0, np.ones(8)) > 0.0
    assert runner.run(0, np.full(40, 3)) > 0.0
    outputs = runner.outputs(5, np.full(20, 3))
    assert len(outputs) == 20
    torch.testing.assert_close(outputs[17], runner.single_output(22, 3), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="got 0"):
        runner.run(0, np.ones(0))


def test_a_lane_raised_past_the_prepared_size_serves_bigger_batches_without_failing() -> None:
    from batchtui.engine.lab import Lab
    from batchtui.engine.load import LoadSpec
    from batchtui.engine.scenario import LaneSpec, Scenario

    scenario = Scenario(
        load=LoadSpec(rate_rps=20_000.0),
        model=ModelSpec("mlp", {"width": 32, "depth": 1}),
        lanes=(LaneSpec("static", "static", {"max_batch_size": 8}),),
        device="cpu",
    )
    lab = Lab(scenario)
    lab.set_lane_params("static", max_batch_size=64)
    lab.advance_to(0.05)
    stats = lab.snapshot().lanes[0]
    assert stats.failed == 0 and stats.failure_reasons == {}
    assert max(stats.batch_histogram) > 8


def test_a_failing_batch_raises_to_the_caller() -> None:
    spec = ModelSpec("factory", {"target": f"{FACTORY}:fails_on_big_batches"})
    runner = ModelRunner(spec, "cpu", max_batch_size=8)
    assert runner.run(0, np.ones(4)) > 0.0
    with pytest.raises(RuntimeError, match=r"out of memory \(simulated\)"):
        runner.run(0, np.ones(5))
    assert runner.run(0, np.ones(4)) > 0.0  # and the runner serves on


@pytest.mark.parametrize("max_batch_size", [0, 65537])
def test_max_batch_size_is_bounded_like_the_policies(max_batch_size: int) -> None:
    with pytest.raises(ConfigError, match=r"max_batch_size: must be 1 to 65536"):
        ModelRunner(ModelSpec("mlp", {"width": 32}), "cpu", max_batch_size=max_batch_size)


def test_warm_up_reports_progress_up_to_one() -> None:
    runner = ModelRunner(ModelSpec("mlp", {"width": 32}), "cpu", max_batch_size=8)
    seen: list[float] = []
    runner.warm_up(8, seen.append)
    assert len(seen) == 8
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="warm-up needs"):
        runner.warm_up(9)


def test_cost_models_are_not_torch_models() -> None:
    with pytest.raises(ConfigError, match="'analytic' is a cost model, not a torch model"):
        ModelRunner(ModelSpec("analytic"))


def test_an_absent_device_fails_before_the_model_is_built() -> None:
    with pytest.raises(ConfigError, match="device: cuda was asked for"):
        ModelRunner(ModelSpec("mlp"), device="cuda")


@pytest.mark.parametrize("kind", ["mlp", "transformer", "conv", "factory", "torchscript"])
def test_torch_model_specs_survive_a_round_trip_through_json(kind: str) -> None:
    params = {"factory": {"target": "a.b:c"}, "torchscript": {"path": "m.pt", "input_shape": "8"}}
    spec = ModelSpec(kind, params.get(kind, {}))
    assert ModelSpec.from_dict(spec.to_dict()).validate() == spec.validate()
