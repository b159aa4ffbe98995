"""Users' own models load and serve: TorchScript, torch.export, and a factory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from batchtui.engine.errors import ConfigError
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.archive import sniff_kind
from batchtui.engine.models.runner import ModelRunner

FACTORY = "tests.models.sample_factory"


def _serves_batches(runner: ModelRunner, out_shape: tuple[int, ...]) -> None:
    for n in (1, 5, 16):
        assert runner.run(0, np.ones(n)) > 0.0
    outputs = runner.outputs(7, np.ones(3))
    assert [tuple(o.shape) for o in outputs] == [out_shape] * 3


def test_a_torchscript_file_loads_with_the_input_shape_given(torchscript_file: Path) -> None:
    spec = ModelSpec("torchscript", {"path": str(torchscript_file), "input_shape": "8"})
    runner = ModelRunner(spec, device="cpu", max_batch_size=16)
    _serves_batches(runner, (4,))
    assert runner.to_json()["parameters"] == 8 * 16 + 16 + 16 * 4 + 4


def test_a_torch_export_file_takes_its_input_from_the_example(export_file: Path) -> None:
    runner = ModelRunner(ModelSpec("export", {"path": str(export_file)}), "cpu", max_batch_size=16)
    _serves_batches(runner, (4,))


def test_export_and_torchscript_of_one_model_agree(
    torchscript_file: Path, export_file: Path
) -> None:
    scripted = ModelRunner(
        ModelSpec("torchscript", {"path": str(torchscript_file), "input_shape": "8"}), "cpu"
    )
    exported = ModelRunner(ModelSpec("export", {"path": str(export_file)}), "cpu")
    for got, want in zip(
        exported.outputs(0, np.ones(4)), scripted.outputs(0, np.ones(4)), strict=True
    ):
        torch.testing.assert_close(got, want)


def test_a_factory_without_a_spec_loads_with_the_input_shape_given() -> None:
    spec = ModelSpec("factory", {"target": f"{FACTORY}:make", "input_shape": "8"})
    _serves_batches(ModelRunner(spec, "cpu", max_batch_size=16), (4,))


def test_a_factory_can_give_one_requests_example_as_its_input_spec() -> None:
    spec = ModelSpec("factory", {"target": f"{FACTORY}:make_with_example"})
    _serves_batches(ModelRunner(spec, "cpu", max_batch_size=16), (4,))


def test_integer_inputs_stay_inside_the_examples_range() -> None:
    # EmbeddingBag(50) raises on an id >= 50; ids are drawn below the example's max + 1.
    spec = ModelSpec("factory", {"target": f"{FACTORY}:make_bag_of_ids"})
    _serves_batches(ModelRunner(spec, "cpu", max_batch_size=16), (4,))


def test_integer_inputs_beyond_int_high_fail_on_the_sample_batch() -> None:
    spec = ModelSpec(
        "factory",
        {"target": f"{FACTORY}:make_bag_of_ids", "input_shape": "5", "dtype": "int64",
         "int_high": 1000},
    )  # fmt: skip
    with pytest.raises(ConfigError, match=r"make_bag_of_ids: failed on a sample batch"):
        ModelRunner(spec, "cpu")


def test_files_are_recognised_by_what_they_hold(
    torchscript_file: Path, export_file: Path, tmp_path: Path
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a model")
    assert sniff_kind(str(torchscript_file)) == "torchscript"
    assert sniff_kind(str(export_file)) == "export"
    assert sniff_kind(str(text)) is None
    assert sniff_kind(str(tmp_path / "missing.pt")) is None
