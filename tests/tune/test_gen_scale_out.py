"""Generative lanes on the scale-out paths, for real: a shared Optuna study in a journal file
(two ``batchtui tune`` processes at once) and in SQLite (a later run continues the study), and
a local Ray instance running the token-level trials as tasks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from batchtui.engine.gen.run import GenScenario
from batchtui.engine.load import LoadSpec
from batchtui.engine.models import ModelSpec
from batchtui.engine.scenario import LaneSpec
from batchtui.engine.tune import SearchConfig
from batchtui.engine.tune.backends import Inline, make_backend
from batchtui.engine.tune.gen_tuner import GenTuneRequest, tune_gen_scenario

SCENARIO = GenScenario(
    load=LoadSpec(rate_rps=4.0, prompt_tokens=256, output_tokens=32),
    model=ModelSpec("analytic-llm"),
    lanes=(LaneSpec("continuous", "continuous"),),
)
REQUEST = GenTuneRequest("latency", slo_ttft_ms=500.0, slo_tpot_ms=50.0)
TUNE = [sys.executable, "-m", "batchtui.tui", "tune", "--model", "analytic-llm", "--lanes",
        "continuous", "--rate", "4", "--prompt-tokens", "256", "--output-tokens", "32",
        "--slo-ttft-ms", "500", "--slo-tpot-ms", "50", "--trials", "6"]  # fmt: skip


def test_two_processes_share_one_generative_study_through_a_journal_file(tmp_path: Path) -> None:
    journal = tmp_path / "study.journal"
    argv = [*TUNE, "--storage", f"journal:{journal}", "--study", "chat"]
    procs = [
        subprocess.Popen(
            [*argv, "--json", str(tmp_path / f"{i}.json")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert "Traceback" not in err and "TTFT p50" in out  # the token figures, read back
    import optuna
    from optuna.storages.journal import JournalFileBackend

    storage = optuna.storages.JournalStorage(JournalFileBackend(str(journal)))
    study = optuna.load_study(study_name="chat:continuous", storage=storage)
    assert len(study.trials) == 2 * 6
    docs = [json.loads((tmp_path / f"{i}.json").read_text()) for i in (0, 1)]
    lanes = [d["lanes"][0] for d in docs]
    assert max(lane["trials"] for lane in lanes) == 2 * 6 + 6 // 4  # both's, and its front
    for lane in lanes:
        best = lane["best"]
        assert best["extra"]["good_share"] >= 0.99 and best["extra"]["ttft_p99_ms"] <= 500.0
        assert best["params"]["max_num_batched_tokens"] >= best["params"]["max_num_seqs"]


def test_a_sqlite_study_of_a_generative_lane_carries_on_in_the_next_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    config = SearchConfig(trials=4, storage=url, study="kept", pareto=False)
    (first,) = tune_gen_scenario(SCENARIO, REQUEST, {}, config, Inline())
    (second,) = tune_gen_scenario(SCENARIO, REQUEST, {}, config, Inline())
    assert (first.trials_in_study, second.trials_in_study) == (4, 8)
    assert second.best is not None
    stored = next(r for r in second.results if r.params == first.results[0].params)
    assert stored.extra == pytest.approx(first.results[0].extra)  # the token figures survive
    assert stored.score == pytest.approx(first.results[0].score)


def test_ray_tasks_run_generative_trials_as_this_process_does() -> None:
    pytest.importorskip("ray")
    config = SearchConfig(trials=4, pareto=False)
    backend = make_backend("ray", workers=2)
    try:
        (remote,) = tune_gen_scenario(SCENARIO, REQUEST, {}, config, backend)
    finally:
        backend.close()
    here = Inline()
    here.workers = 2  # the same batches of two, asked and told in the same order
    (local,) = tune_gen_scenario(SCENARIO, REQUEST, {}, config, here)
    assert [r.params for r in remote.results] == [r.params for r in local.results]
    assert [r.extra for r in remote.results] == [r.extra for r in local.results]
    assert remote.best is not None and remote.best.params == local.best.params  # type: ignore[union-attr]
