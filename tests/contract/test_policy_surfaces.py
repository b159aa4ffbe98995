"""Every registered policy works on every surface: run (flags, --set, --lanes, --preset),
presets (validate, save, load), export (each format, or a clear refusal) and the dashboard.

Parametrised over the registry plus a throwaway plugin policy, so a new entry that breaks a
surface fails here, not in a user's hands.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from batchtui.engine.errors import ConfigError
from batchtui.engine.params import Param
from batchtui.engine.plugins import ENV
from batchtui.engine.policies import POLICIES
from batchtui.engine.scenario import LaneSpec
from batchtui.presets import load_preset, preset_from_dict, save_preset
from batchtui.presets.exporters import EXPORTERS, SERVES, export
from batchtui.tui.app import BatchTuiApp
from batchtui.tui.panels.knob import slider_params
from batchtui.tui.widgets.slider import Slider
from batchtui.tui.widgets.value_prompt import ValuePrompt
from tests.cli.run import run_cli
from tests.tui.pilot import analytic_scenario, wait_until

EXACT_FORMATS = ("json", "python")  # these carry any policy as it is


def changed(policy_kind: str) -> tuple[Param, int | float]:
    """A knob of ``policy_kind`` and a valid value other than its default."""
    param = POLICIES[policy_kind].PARAMS[-1]
    value = param.kind(param.default) * 2 or 1
    return param, value


def report_lanes(tmp_path: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> list[Any]:
    """The lanes of ``batchtui run ARGV``'s JSON report, the run having succeeded."""
    out = tmp_path / "report.json"
    code, _, err = run_cli(capsys, "run", "--duration", "0.2", "--quiet", "--json", str(out), *argv)
    assert code == 0, err
    return json.loads(out.read_text())["lanes"]


def preset_doc(policy_kind: str, **params: Any) -> dict[str, Any]:
    return {
        "format": "batchtui.preset/1",
        "name": f"{policy_kind}-test",
        "description": f"A {policy_kind} preset for the contract tests.",
        "batcher": {"kind": policy_kind, **params},
        "load": {"pattern": "poisson", "rate_rps": 1000.0},
        "model": {"kind": "analytic", "base_ms": 1.0, "per_item_ms": 0.1},
        "measured": {"batch_size": {"mean": 3.0, "p90": 5.0, "max": 8.0}},
    }


def test_every_policy_runs_with_its_flag_in_a_named_lane(
    policy_kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    param, value = changed(policy_kind)
    lanes = report_lanes(
        tmp_path, capsys, "--lanes", f"x={policy_kind}", param.cli_flag, str(value)
    )
    assert [(lane["name"], lane["batcher"]["kind"]) for lane in lanes] == [("x", policy_kind)]
    assert lanes[0]["batcher"][param.name] == value
    assert lanes[0]["completed"] == lanes[0]["arrived"] > 0


def test_every_policy_takes_set_for_one_lane_only(
    policy_kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    param, value = changed(policy_kind)
    lanes = report_lanes(
        tmp_path,
        capsys,
        "--lanes",
        f"a={policy_kind},b={policy_kind}",
        "--set",
        f"a.{param.name}={value}",
    )
    assert [lane["batcher"][param.name] for lane in lanes] == [value, param.kind(param.default)]


def test_every_policy_survives_save_load_and_runs_from_its_preset(
    policy_kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    param, value = changed(policy_kind)
    preset = preset_from_dict(preset_doc(policy_kind, **{param.name: value}))
    path = tmp_path / "p.json"
    save_preset(preset, path)
    assert load_preset(path).batcher_params == preset.batcher_params
    lanes = report_lanes(tmp_path, capsys, "--preset", str(path))
    mine = [lane for lane in lanes if lane["batcher"]["kind"] == policy_kind]
    assert mine and all(lane["batcher"][param.name] == value for lane in mine)


def test_a_preset_with_a_bad_knob_is_refused_at_its_json_path(policy_kind: str) -> None:
    param = POLICIES[policy_kind].PARAMS[0]
    with pytest.raises(ConfigError, match=f"batcher.{param.name}: must be"):
        preset_from_dict(preset_doc(policy_kind, **{param.name: -1}))


@pytest.mark.parametrize("fmt", [f for f in EXPORTERS if SERVES[f] != "generative"])
def test_every_policy_exports_to_every_format_or_names_what_it_cannot_express(
    policy_kind: str, fmt: str
) -> None:
    preset = preset_from_dict(preset_doc(policy_kind))
    policy = POLICIES[policy_kind]
    names = {p.name for p in policy.PARAMS}
    if fmt in EXACT_FORMATS or {"max_batch_size", "max_wait_ms"} <= names:
        result = export(preset, fmt)
        assert str(preset.batcher_params["max_batch_size"]) in result.text
        if policy.SERVER_NOTE is not None and fmt not in EXACT_FORMATS:
            assert any(f"{policy_kind} batcher has no server equivalent" in n for n in result.notes)
    else:
        with pytest.raises(ConfigError, match=f"the {policy_kind} batcher has no max_wait_ms"):
            export(preset, fmt)


async def test_every_policy_gets_its_sliders_in_the_dashboard_and_obeys_them(
    policy_kind: str,
) -> None:
    scenario = dataclasses.replace(analytic_scenario(), lanes=(LaneSpec("x", policy_kind),))
    app = BatchTuiApp(scenario)  # starts the real engine process, which must know the policy
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        params = slider_params(POLICIES[policy_kind].PARAMS)
        sliders = [app.query_one(f"#x-{p.name}", Slider) for p in params]
        assert [s.label for s in sliders] == [p.short[:6] for p in params]
        param, value = changed(policy_kind)
        app.query_one(f"#x-{param.name}", Slider).focus()
        await pilot.press("enter")  # type the value, as a user would
        await wait_until(pilot, lambda: isinstance(app.screen, ValuePrompt))
        app.screen.query_one("#prompt-input", Input).value = str(value)
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: app.snapshot.total[0].batcher.get(param.name) == value,  # type: ignore[union-attr]
        )
        await pilot.press("q")


def test_a_plugin_that_cannot_be_imported_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV, "tests.plugins.no_such_plugin")
    code, out, err = run_cli(capsys, "presets")
    assert code == 2 and out == ""
    assert err.startswith(
        "batchtui: error: BATCHTUI_PLUGINS: cannot import plugin 'tests.plugins.no_such_plugin'"
    )
    assert err.count("\n") == 1
