"""Each request gets its own output back: batched, it equals the request served alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from batchtui.engine.models import ModelSpec
from batchtui.engine.models.runner import ModelRunner

MIXED_SIZES = np.array([5, 1, 64, 12, 3, 40, 7, 2, 33])


@pytest.mark.parametrize("kind", ["mlp", "transformer", "conv"])
def test_batched_outputs_match_each_request_served_alone(kind: str) -> None:
    runner = ModelRunner(ModelSpec(kind), device="cpu", max_batch_size=16)
    first = 1_000_003  # far from 0: ids wrap around the input pool
    batched = runner.outputs(first, MIXED_SIZES)
    assert len(batched) == len(MIXED_SIZES)
    for k, size in enumerate(MIXED_SIZES):
        alone = runner.single_output(first + k, int(size))
        torch.testing.assert_close(batched[k], alone, rtol=1e-4, atol=1e-5)
    # The check has teeth: neighbours' outputs differ far beyond the tolerance.
    assert not torch.allclose(batched[0][:1], batched[1][:1], atol=1e-2)


def test_transformer_outputs_keep_each_requests_length() -> None:
    runner = ModelRunner(ModelSpec("transformer"), device="cpu", max_batch_size=16)
    lengths = [len(out) for out in runner.outputs(0, MIXED_SIZES)]
    longest = runner.params["max_seq_len"]
    assert lengths == [int(s) for s in np.clip(MIXED_SIZES, 1, longest)]
    assert longest < MIXED_SIZES.max()  # some requests are cut


def test_a_user_models_outputs_are_routed_too(export_file: Path) -> None:
    runner = ModelRunner(ModelSpec("export", {"path": str(export_file)}), "cpu", max_batch_size=16)
    batched = runner.outputs(11, np.ones(6))
    for k, out in enumerate(batched):
        torch.testing.assert_close(out, runner.single_output(11 + k, 1))
