"""Every registered load pattern works on every surface: run (--pattern and its knobs), the
arrival volume a run is bounded by, presets (validate, save, load, run --preset), export and
the dashboard's load bar. Parametrised over the registry plus a throwaway plugin pattern.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Select

from batchtui.engine.errors import ConfigError
from batchtui.engine.load import LoadGenerator, LoadSpec
from batchtui.engine.load.patterns import PATTERNS
from batchtui.engine.load.volume import expected_arrivals
from batchtui.presets import load_preset, preset_from_dict, save_preset
from batchtui.presets.exporters import export, formats_for
from batchtui.tui.app import BatchTuiApp
from tests.cli.run import run_cli
from tests.contract.test_policy_surfaces import preset_doc
from tests.tui.pilot import analytic_scenario, wait_until


def test_every_pattern_generates_about_its_expected_volume_in_any_chunking(
    pattern_name: str,
) -> None:
    spec = LoadSpec(pattern=pattern_name, rate_rps=400.0, period_s=0.5, on_s=0.5, off_s=0.5)
    whole = LoadGenerator(spec, seed=3).generate_until(4.0)[0]
    chunked = LoadGenerator(spec, seed=3)
    pieces = [chunked.generate_until(t)[0] for t in (0.3, 1.0, 2.7, 4.0)]
    assert list(whole) == [t for piece in pieces for t in piece]
    assert len(whole) == pytest.approx(expected_arrivals(spec, 4.0), rel=0.15)


def test_every_pattern_runs_with_the_knobs_it_reads(
    pattern_name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.json"
    argv = ["run", "--pattern", pattern_name, "--rate", "500", "--duration", "0.5", "--quiet"]
    code, _, err = run_cli(capsys, *argv, "--lanes", "static", "--json", str(out))
    assert code == 0, err
    report = json.loads(out.read_text())
    assert report["load"]["pattern"] == pattern_name and report["load"]["rate_rps"] == 500.0
    assert set(report["load"]) == {"pattern", *PATTERNS[pattern_name].reads} - {
        "prompt_tokens", "output_tokens", "prompt_cv", "output_cv"
    }  # fmt: skip
    assert report["lanes"][0]["arrived"] > 0


def test_every_pattern_survives_save_load_run_and_export(
    pattern_name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc: dict[str, Any] = {**preset_doc("static", max_batch_size=8, max_wait_ms=2.0)}
    doc["load"] = {"pattern": pattern_name, "rate_rps": 700.0}
    preset = preset_from_dict(doc)
    path = tmp_path / "p.json"
    save_preset(preset, path)
    assert load_preset(path).load == preset.load
    code, _, err = run_cli(capsys, "run", "--preset", str(path), "--duration", "0.3", "--quiet")
    assert code == 0, err
    for fmt in formats_for(preset):  # a request-level preset: the LLM servers refuse it
        assert export(preset, fmt).text  # each says the load (comments) or carries it
    assert f"{pattern_name} 700 req/s" in export(preset, "triton").text


def test_a_bad_knob_of_every_pattern_is_refused_by_its_name(pattern_name: str) -> None:
    with pytest.raises(ConfigError, match="rate_rps: must be > 0"):
        LoadSpec(pattern=pattern_name, rate_rps=0.0).validate()
    doc = {**preset_doc("static", max_batch_size=8, max_wait_ms=2.0)}
    doc["load"] = {"pattern": pattern_name, "rate_rps": -1}
    with pytest.raises(ConfigError, match=r"load\.rate_rps: must be > 0"):
        preset_from_dict(doc)


async def test_the_load_bar_offers_every_pattern_and_the_engine_follows(pattern_name: str) -> None:
    app = BatchTuiApp(analytic_scenario())  # the real engine process must know the pattern
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        select = app.query_one("#load-pattern", Select)
        select.value = pattern_name  # as if chosen from the list
        await wait_until(pilot, lambda: app.snapshot.load.pattern == pattern_name)  # type: ignore[union-attr]
        await wait_until(pilot, lambda: app.snapshot.total[0].arrived > 0)  # type: ignore[union-attr]
        await pilot.press("q")
