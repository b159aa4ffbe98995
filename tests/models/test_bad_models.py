"""A model that cannot load or serve is one ConfigError naming the file (or target) and why."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from batchtui.engine.errors import ConfigError
from batchtui.engine.models import ModelSpec
from batchtui.engine.models.runner import ModelRunner

FACTORY = "tests.models.sample_factory"


def _error(kind: str, **params: object) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        ModelRunner(ModelSpec(kind, params), device="cpu", max_batch_size=8)
    return caught.value


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.pt"
    error = _error("torchscript", path=str(path), input_shape="8")
    assert (error.where, error.message) == ("path", f"{path}: no such file")


def test_a_directory_is_not_a_model_file(tmp_path: Path) -> None:
    error = _error("export", path=str(tmp_path))
    assert error.message == f"{tmp_path}: is a directory, not a model file"


@pytest.mark.parametrize("kind", ["torchscript", "export"])
def test_garbage_bytes_are_not_an_archive(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "garbage.pt"
    path.write_bytes(b"\x00\x01garbage" * 100)
    error = _error(kind, path=str(path), **({"input_shape": "8"} if kind == "torchscript" else {}))
    name = "TorchScript" if kind == "torchscript" else "torch.export"
    assert error.message == f"{path}: not a {name} archive (not a zip file)"


def test_a_weights_checkpoint_is_not_a_model(tmp_path: Path) -> None:
    path = tmp_path / "weights.pt"
    torch.save(torch.nn.Linear(8, 4).state_dict(), path)
    error = _error("export", path=str(path))
    assert error.message == (
        f"{path}: is a torch.save checkpoint (weights without code); "
        "save a model with torch.export.save"
    )


def test_an_export_file_given_as_torchscript_says_what_it_is(export_file: Path) -> None:
    error = _error("torchscript", path=str(export_file), input_shape="8")
    assert error.message == f"{export_file}: is a torch.export archive, not TorchScript"


def test_a_torchscript_file_given_as_export_says_what_it_is(torchscript_file: Path) -> None:
    error = _error("export", path=str(torchscript_file))
    assert error.message == f"{torchscript_file}: is a TorchScript archive, not torch.export"


def test_a_torchscript_whose_input_does_not_match_the_spec_fails_on_the_sample_batch(
    torchscript_file: Path,
) -> None:
    error = _error("torchscript", path=str(torchscript_file), input_shape="9")
    assert error.where == "path"
    assert error.message == (
        f"{torchscript_file}: failed on a sample batch [1, 9] float32 (RuntimeError: mat1 and "
        "mat2 shapes cannot be multiplied (1x9 and 8x16))"
    )


def test_a_torchscript_needs_its_input_shape(torchscript_file: Path) -> None:
    error = _error("torchscript", path=str(torchscript_file))
    assert (error.where, error.message) == ("input_shape", "is required")


def test_a_malformed_input_shape_names_the_file(torchscript_file: Path) -> None:
    error = _error("torchscript", path=str(torchscript_file), input_shape="3,a")
    assert error.where == "input_shape"
    assert error.message.startswith(f"{torchscript_file}: expected positive sizes")


def test_an_unknown_dtype_lists_the_known_ones(torchscript_file: Path) -> None:
    error = _error("torchscript", path=str(torchscript_file), input_shape="8", dtype="f32")
    assert error.where == "dtype"
    assert "expected one of float32, float16, bfloat16, float64, int64, int32; got 'f32'" in str(
        error
    )


def test_an_export_with_a_static_batch_says_to_make_it_dynamic(static_export_file: Path) -> None:
    error = _error("export", path=str(static_export_file))
    assert error.message.startswith(
        f"{static_export_file}: its batch dimension is static (exported for batches of 3)"
    )
    assert "torch.export.Dim" in error.message


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no_colon", "expected package.module:function, got 'no_colon'"),
        ("tests.models.sample_factory:", "expected package.module:function"),
        (
            "tests.models.no_such_module:make",
            "tests.models.no_such_module:make: cannot import tests.models.no_such_module "
            "(ModuleNotFoundError: No module named 'tests.models.no_such_module')",
        ),
        (f"{FACTORY}:missing", f"{FACTORY}:missing: {FACTORY} has no 'missing'"),
        (f"{FACTORY}:not_callable", f"{FACTORY}:not_callable: is an int, not a function to call"),
        (
            f"{FACTORY}:broken",
            f"{FACTORY}:broken: the factory raised FileNotFoundError: weights.bin not found",
        ),
        (
            f"{FACTORY}:returns_text",
            f"{FACTORY}:returns_text: returned a str; expected a torch.nn.Module "
            "or a (module, input spec) pair",
        ),
        (
            f"{FACTORY}:returns_scalar",
            f"{FACTORY}:returns_scalar: failed on a sample batch [1, 3] float32: "
            "its output [] does not start with the batch (1)",
        ),
    ],
)
def test_a_bad_factory_is_named_with_the_reason(target: str, message: str) -> None:
    error = _error("factory", target=target)
    assert error.where == "target"
    assert message in error.message


def test_a_factory_without_a_spec_asks_for_the_input_shape() -> None:
    error = _error("factory", target=f"{FACTORY}:make")
    assert error.where == "input_shape"
    assert error.message.startswith(f"{FACTORY}:make: the factory gave no input spec")
