"""Which loop a headless continuous lane runs: the kernel when numba imports, else the
reference; the run/2 report says which, and the figures do not depend on it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pytest

from batchtui.engine.gen import (
    Continuous,
    GenRequests,
    GenScenario,
    StepCost,
    continuous_lane,
    run_generative,
)
from batchtui.engine.gen.continuous_lane import run_continuous, run_continuous_fast
from batchtui.engine.gen.timeline import Timeline
from batchtui.engine.load import LoadSpec
from batchtui.engine.scenario import LaneSpec

SCENARIO = GenScenario(
    load=LoadSpec(rate_rps=6.0, prompt_tokens=900.0, output_tokens=80.0, output_cv=1.0),
    lanes=(LaneSpec("static", "static"), LaneSpec("c", "continuous", {"kv_cache_tokens": 4096})),
    seed=3,
)


def test_the_report_names_the_kernel_and_the_python_path_gives_the_same_figures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compiled = run_generative(SCENARIO, 30.0)
    assert compiled["kernel"] == "numba"
    assert compiled["lanes"][1]["preemptions"] > 0  # the case exercises recompute
    monkeypatch.setattr(continuous_lane, "_compiled", lambda: None)  # numba not installed
    reference = run_generative(SCENARIO, 30.0)
    assert reference["kernel"] == "python"
    strip = {k: v for k, v in compiled.items() if k != "kernel"}
    assert json.dumps(strip) == json.dumps({k: v for k, v in reference.items() if k != "kernel"})


def test_a_run_without_a_continuous_lane_names_no_kernel() -> None:
    scenario = GenScenario(lanes=(LaneSpec("static", "static"),))
    assert run_generative(scenario, 5.0)["kernel"] is None


class FlatCost(StepCost):
    """A cost the kernel does not model: every step takes one second."""

    def step(
        self, prefill_tokens: int, decode_seqs: int, context_tokens: int, prefill_sq: int = 0
    ) -> float:
        return 1.0


REQUESTS = GenRequests(
    np.array([0.0, 0.0, 0.5]), np.array([30, 5, 8], np.int64), np.array([4, 3, 2], np.int64)
)


def test_a_cost_the_kernel_does_not_model_runs_on_the_reference() -> None:
    got = run_continuous_fast(Continuous(max_num_batched_tokens=16), FlatCost(), REQUESTS)
    assert got.step_end.tolist() == [float(k) for k in range(1, len(got.step_end) + 1)]


def test_a_reused_scheduler_keeps_counting_preemptions_as_under_the_reference() -> None:
    def twice(run: Callable[[Continuous, StepCost, GenRequests], Timeline]) -> tuple[int, int]:
        scheduler = Continuous(max_num_batched_tokens=16, kv_cache_tokens=36, block_size=4)
        once = run(scheduler, StepCost(), REQUESTS).preemptions
        return once, run(scheduler, StepCost(), REQUESTS).preemptions

    assert twice(run_continuous_fast) == twice(run_continuous) == (1, 2)


def test_without_numba_a_run_falls_back_to_the_reference_and_says_so() -> None:
    # A fresh interpreter in which `import numba` fails, as where the extra is not installed.
    code = (
        "import sys; sys.modules['numba'] = None\n"
        "from batchtui.engine.gen import GenScenario, run_generative\n"
        "from batchtui.engine.scenario import LaneSpec\n"
        "report = run_generative(GenScenario(lanes=(LaneSpec('c', 'continuous'),)), 5.0)\n"
        "kernel = 'batchtui.engine.gen.continuous_kernel' in sys.modules\n"
        "print(report['kernel'], report['lanes'][0]['completed'] > 0, kernel)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["python", "True", "False"]
