"""The live generative runtime on a real small decoder: the model calls each lane makes, the
same plans as the simulator, token times on the wall clock, and one-line model errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from batchtui.engine.errors import ConfigError
from batchtui.engine.gen import Continuous, GenRequests, StepCost
from batchtui.engine.gen.continuous_lane import run_continuous
from batchtui.engine.gen.live_continuous import serve_continuous_live
from batchtui.engine.gen.live_model import LiveModel, check_fits_context
from batchtui.engine.gen.live_request import serve_request_level_live
from batchtui.engine.gen.live_run import run_generative_live
from batchtui.engine.gen.request_lane import run_request_level
from batchtui.engine.gen.run import GenScenario
from batchtui.engine.load import LoadSpec
from batchtui.engine.policies import Static
from batchtui.engine.scenario import LaneSpec
from tests.gen.stub_module import StubDecoder

CPU = torch.device("cpu")
COST = StepCost(step_ms=1.0, prefill_ms_per_token=0.01, decode_ms_per_seq=0.1)


def requests(times: list[float], prompt: list[int], output: list[int]) -> GenRequests:
    return GenRequests(
        np.array(times), np.array(prompt, dtype=np.int64), np.array(output, dtype=np.int64)
    )


def live(reqs: GenRequests, module: Any = None) -> tuple[StubDecoder, LiveModel]:
    module = module or StubDecoder()
    return module, LiveModel(module, CPU, reqs)


def test_a_continuous_step_is_one_prefill_call_and_one_decode_call() -> None:
    reqs = requests([0.0, 0.0], prompt=[4, 6], output=[3, 2])
    module, model = live(reqs)
    tl = serve_continuous_live(Continuous(max_num_batched_tokens=7), model, reqs)
    assert module.calls == [
        ("prefill", [4, 3]),  # 0's whole prompt, 1's first chunk: the budget of 7
        ("prefill", [3]), ("decode", [1]),  # 1's last chunk beside 0's decode
        ("decode", [1, 1]),  # 0's last token, 1's last token
    ]  # fmt: skip
    assert tl.tokens.tolist() == [3, 2]
    assert tl.step_seqs.tolist() == [2, 2, 2]
    assert len(tl.itl) == (3 - 1) + (2 - 1)
    assert np.all(np.diff(tl.step_end) > 0) and tl.busy_s > 0


def test_a_preempted_request_drops_its_state_and_recomputes_its_whole_sequence() -> None:
    # The simulator's literal preemption case (tests/gen/test_continuous.py), on the model.
    reqs = requests([0.0, 0.0], prompt=[2, 2], output=[4, 4])
    module, model = live(reqs)
    tl = serve_continuous_live(Continuous(kv_cache_tokens=8, block_size=2), model, reqs)
    assert module.calls == [
        ("prefill", [2, 2]), ("decode", [1, 1]), ("decode", [1, 1]),
        ("decode", [1]),  # 1 was preempted: only 0 decodes, and finishes
        ("prefill", [5]),  # 1 from scratch: prompt and its 3 tokens, then samples its 4th
    ]  # fmt: skip
    assert tl.preemptions == 1 and tl.tokens.tolist() == [4, 4]


def test_a_request_that_can_never_fit_the_kv_cache_is_rejected_on_arrival_live() -> None:
    reqs = requests([0.0, 0.0], prompt=[40, 4], output=[2, 2])
    module, model = live(reqs)
    tl = serve_continuous_live(Continuous(kv_cache_tokens=32, block_size=8), model, reqs)
    assert tl.rejected.tolist() == [True, False]
    assert tl.tokens.tolist() == [0, 2] and module.calls[0] == ("prefill", [4])


def test_live_continuous_plans_the_same_steps_as_the_simulator() -> None:
    # All arrive at once, so the plans cannot depend on time: both runtimes see the same.
    rng = np.random.default_rng(3)
    n = 12
    reqs = requests([0.0] * n, rng.integers(1, 40, n).tolist(), rng.integers(1, 12, n).tolist())
    knobs = {"max_num_seqs": 5, "max_num_batched_tokens": 48, "kv_cache_tokens": 160}
    sim = run_continuous(Continuous(**knobs), COST, reqs)
    _, model = live(reqs)
    got = serve_continuous_live(Continuous(**knobs), model, reqs)
    assert got.step_seqs.tolist() == sim.step_seqs.tolist()
    assert got.step_kv.tolist() == sim.step_kv.tolist()
    assert got.tokens.tolist() == reqs.output.tolist()
    assert got.preemptions == sim.preemptions > 0
    assert len(got.itl) == len(sim.itl) == int((reqs.output - 1).sum())


def test_a_request_level_batch_prefills_together_and_decodes_until_its_longest_ends() -> None:
    reqs = requests([0.0, 0.0, 0.0], prompt=[10, 20, 10], output=[3, 1, 2])
    module, model = live(reqs)
    policy = Static(max_batch_size=2, max_wait_ms=5.0)
    logs: list[object] = []
    tl = serve_request_level_live(policy, model, reqs, logs.append)
    assert [log.size.tolist() for log in logs] == [[2, 1]]  # type: ignore[attr-defined]
    assert module.calls == [
        ("prefill", [10, 20]), ("decode", [1, 1]), ("decode", [1, 1]),  # 1 keeps its slot
        ("prefill", [10]), ("decode", [1]),
    ]  # fmt: skip
    sim = run_request_level(Static(max_batch_size=2, max_wait_ms=5.0), COST, reqs)
    assert tl.step_seqs.tolist() == sim.step_seqs.tolist() == [2, 2, 2, 1, 1]
    assert tl.step_kv.tolist() == sim.step_kv.tolist()
    assert tl.tokens.tolist() == [3, 1, 2]
    assert tl.last[1] == tl.first[1] < tl.last[0]  # one token: done at the prefill's end
    assert tl.first[2] > tl.last[0]  # the next batch waited for the whole first one


def test_a_padded_sequence_that_would_outgrow_the_context_drops_out_of_the_batch() -> None:
    # Request 0 is done after one token, but its slot would reach 12 + 9 > 16 tokens.
    reqs = requests([0.0, 0.0], prompt=[12, 2], output=[1, 10])
    module, model = live(reqs, StubDecoder(max_context=16))
    tl = serve_request_level_live(Static(max_batch_size=2, max_wait_ms=5.0), model, reqs)
    seqs = [len(sizes) for kind, sizes in module.calls if kind == "decode"]
    assert seqs == [2, 2, 2, 2] + [1] * 5  # 12 + 4 = 16 is the last step it fits
    assert tl.tokens.tolist() == [1, 10]


@pytest.mark.flaky(reruns=2)
def test_tokens_come_after_each_scheduled_arrival_and_the_lane_sleeps_between() -> None:
    times = [0.0, 0.15, 0.3]
    reqs = requests(times, prompt=[8] * 3, output=[4] * 3)
    for serve in (
        lambda m: serve_continuous_live(Continuous(), m, reqs),
        lambda m: serve_request_level_live(Static(max_batch_size=4, max_wait_ms=1.0), m, reqs),
    ):
        _, model = live(reqs)
        tl = serve(model)
        ttft = tl.first - reqs.times
        # Each request arrives at an idle device: served within 50 ms (2 busy shared cores),
        # never before it arrived.
        assert np.all(ttft > 0) and np.all(ttft < 0.05), ttft
        assert np.all(tl.last > tl.first)
        assert tl.busy_s < 0.5 * tl.last[-1]  # it slept between arrivals, not spun on work


def test_a_model_whose_decode_fails_is_one_line_naming_the_call() -> None:
    class Broken(StubDecoder):
        def decode(self, states: list[Any]) -> list[Any]:
            raise RuntimeError("no kernel for this\nshape")

    reqs = requests([0.0, 0.0], prompt=[3, 3], output=[2, 2])
    for serve in (
        lambda m: serve_continuous_live(Continuous(), m, reqs),
        lambda m: serve_request_level_live(Static(max_batch_size=2, max_wait_ms=1.0), m, reqs),
    ):
        with pytest.raises(ConfigError) as e:
            serve(live(reqs, Broken())[1])
        assert str(e.value) == "model: decode of 2 sequences failed: RuntimeError: shape"


def test_a_model_returning_the_wrong_number_of_states_is_named() -> None:
    class Short(StubDecoder):
        def prefill(self, tokens: list[torch.Tensor], states: list[Any]) -> list[Any]:
            return super().prefill(tokens, states)[:1]

    reqs = requests([0.0, 0.0], prompt=[3, 3], output=[2, 2])
    with pytest.raises(ConfigError, match="prefill of 2 sequences must return a list of 2"):
        serve_continuous_live(Continuous(), live(reqs, Short())[1], reqs)


def test_a_module_without_the_contract_or_a_request_over_max_context_is_named() -> None:
    reqs = requests([0.0], prompt=[10], output=[7])
    with pytest.raises(ConfigError, match=r"^target: Linear: its module lacks prefill, decode"):
        LiveModel(torch.nn.Linear(2, 2), CPU, reqs)
    with pytest.raises(ConfigError, match=r"^max_context: request 0 needs 10 prompt"):
        check_fits_context(reqs, 16, "max_context")
    check_fits_context(reqs, 17, "max_context")  # prompt + output = 17 fits


@pytest.mark.flaky(reruns=2)
def test_a_live_run_serves_every_lane_on_the_same_requests_and_accounts_for_each() -> None:
    load = LoadSpec(rate_rps=8.0, prompt_tokens=16.0, output_tokens=6.0, output_cv=0.5)
    lanes = (LaneSpec("s", "static", {"max_batch_size": 4}), LaneSpec("c", "continuous"))
    report = run_generative_live(GenScenario(load=load, lanes=lanes), 1.0, StubDecoder(), CPU)
    assert report["format"] == "batchtui.run/2" and report["mode"] == "live"
    assert report["model"]["device"] == "cpu"
    assert [lane["name"] for lane in report["lanes"]] == ["s", "c"]
    for lane in report["lanes"]:
        assert lane["arrived"] == lane["completed"] == report["requests"] > 0
        assert 0 < lane["ttft_ms"]["p50"] < 100  # an idle model answers 16 tokens quickly


def test_a_live_run_names_a_request_longer_than_the_context() -> None:
    load = LoadSpec(rate_rps=8.0, prompt_tokens=300.0, output_tokens=6.0)
    with pytest.raises(ConfigError, match=r"^max_context: request 0 needs 300 prompt \+ 6"):
        run_generative_live(GenScenario(load=load), 1.0, StubDecoder(max_context=256), CPU)
