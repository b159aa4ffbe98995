"""Generative requests: synthetic token lengths and the token columns of real traces."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen import gen_requests
from batchtui.engine.gen.workload import lognormal_lengths
from batchtui.engine.load import LoadSpec
from batchtui.presets import builtin_dir

AZURE = builtin_dir() / "traces" / "AzureLLMInferenceTrace_conv.csv"
MOONCAKE = Path("/work/shared/traces/conversation_trace.jsonl")


def test_lognormal_lengths_have_the_mean_and_cv_asked_for() -> None:
    draws = lognormal_lengths(500.0, 1.5, 200_000, np.random.default_rng(1))
    assert draws.mean() == pytest.approx(500.0, rel=0.03)
    assert draws.std() / draws.mean() == pytest.approx(1.5, rel=0.05)
    assert draws.min() >= 1
    assert (lognormal_lengths(7.4, 0.0, 3, np.random.default_rng(1)) == 7).all()


def test_synthetic_requests_are_seeded_and_use_the_defaults_when_unset() -> None:
    spec = LoadSpec(pattern="poisson", rate_rps=100.0, output_tokens=64.0, output_cv=0.5)
    a, b = gen_requests(spec, 5.0, seed=3), gen_requests(spec, 5.0, seed=3)
    assert np.array_equal(a.output, b.output) and np.array_equal(a.times, b.times)
    assert (a.prompt == 512).all()  # no --prompt-tokens: the default, constant
    assert a.output.std() > 0 and (a.times < 5.0).all()


def test_the_azure_trace_gives_context_and_generated_tokens() -> None:
    reqs = gen_requests(LoadSpec(pattern="trace", trace=str(AZURE)), 1e9, seed=0)
    assert reqs.prompt[:2].tolist() == [374, 396]
    assert reqs.output[:2].tolist() == [44, 109]
    assert len(reqs) == 19_366


@pytest.mark.skipif(not MOONCAKE.exists(), reason="needs the shared Mooncake trace")
def test_the_mooncake_trace_gives_input_and_output_lengths() -> None:
    reqs = gen_requests(LoadSpec(pattern="trace", trace=str(MOONCAKE)), 1e9, seed=0)
    assert reqs.prompt[:3].tolist() == [6758, 7322, 7236]
    assert reqs.output[:3].tolist() == [500, 490, 794]


def test_custom_columns_are_read_and_a_missing_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("arrival,ask,answer\n0.0,10,3\n0.5,20,4\n")
    spec = LoadSpec(pattern="trace", trace=str(path), prompt_column="ask", output_column="answer")
    reqs = gen_requests(spec, 10.0, seed=0)
    assert (reqs.prompt.tolist(), reqs.output.tolist()) == ([10, 20], [3, 4])
    with pytest.raises(ConfigError, match=r"output_column: .*no output-token column"):
        gen_requests(LoadSpec(pattern="trace", trace=str(path), prompt_column="ask"), 10.0, 0)
    with pytest.raises(ConfigError, match=r"output_column: .*no column 'reply'"):
        gen_requests(
            LoadSpec(pattern="trace", trace=str(path), prompt_column="ask", output_column="reply"),
            10.0,
            0,
        )


def test_gen_fields_are_left_out_of_request_level_presets() -> None:
    assert "prompt_tokens" not in LoadSpec().to_dict()
    assert LoadSpec(prompt_tokens=100.0).to_dict()["prompt_tokens"] == 100.0
