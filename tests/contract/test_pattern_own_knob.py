"""A load pattern's knob of its own is declared once (tests/plugins/drops.py: ``drop_every_s``)
and every surface has it: LoadSpec, the run flag, the preset key, the report's JSON field and
the dashboard's load-bar slider, shown only while the pattern is chosen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Select

from batchtui.engine.errors import ConfigError
from batchtui.engine.load import LoadSpec
from batchtui.engine.load.patterns import PATTERNS, Pattern, register_pattern
from batchtui.engine.params import Param
from batchtui.presets import load_preset, preset_from_dict, save_preset
from batchtui.tui.app import BatchTuiApp
from batchtui.tui.widgets.slider import Slider
from tests.cli.run import assert_refused, run_cli
from tests.contract.test_policy_surfaces import preset_doc
from tests.tui.pilot import analytic_scenario, wait_until

pytestmark = pytest.mark.usefixtures("drops_pattern")


def test_the_knob_is_a_load_setting_with_its_declared_default_and_limits() -> None:
    spec = LoadSpec(pattern="drops")
    assert spec.setting("drop_every_s") == 0.5 and "drop_every_s" in PATTERNS["drops"].reads
    changed = spec.replace(drop_every_s=2.0)
    assert changed.setting("drop_every_s") == 2.0 and changed != spec
    assert changed.replace(drop_every_s=0.5) == spec  # a default is not kept apart
    with pytest.raises(ConfigError, match="drop_every_s: must be > 0, got 0"):
        spec.replace(drop_every_s=0.0)
    with pytest.raises(ConfigError, match="drop_evry_s: unknown setting; did you mean 'drop_e"):
        spec.replace(drop_evry_s=1.0)


def test_run_takes_its_flag_and_reports_it_in_the_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        run_cli(capsys, "run", "--help")
    out = capsys.readouterr().out
    assert "--drop-every S" in out and "drops: seconds between drops" in " ".join(out.split())
    report_path = tmp_path / "r.json"
    argv = ["run", "--pattern", "drops", "--rate", "400", "--drop-every", "0.25"]
    code, _, err = run_cli(capsys, *argv, "--duration", "1", "--quiet", "--json", str(report_path))
    assert code == 0, err
    report = json.loads(report_path.read_text())
    assert report["load"]["drop_every_s"] == 0.25
    assert report["lanes"][0]["arrived"] == 4 * 100  # four drops of 400 x 0.25 requests


def test_run_help_names_the_patterns_that_read_a_knob_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        run_cli(capsys, "run", "--help")
    out = " ".join(capsys.readouterr().out.split())
    assert "trace: force the time format" in out and "trace: trace:" not in out


def test_a_bad_or_misplaced_flag_is_one_line_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["run", "--duration", "0.2", "--quiet"]
    assert_refused(
        capsys, [*base, "--pattern", "drops", "--drop-every", "0"], "--drop-every: must be > 0"
    )
    assert_refused(
        capsys,
        [*base, "--pattern", "poisson", "--drop-every", "1"],
        "--drop-every: --pattern poisson does not read it; it is for --pattern drops",
    )


def test_a_preset_carries_its_key_and_refuses_a_bad_one_at_its_path(tmp_path: Path) -> None:
    doc: dict[str, Any] = preset_doc("static", max_batch_size=8, max_wait_ms=2.0)
    doc["load"] = {"pattern": "drops", "rate_rps": 400.0, "drop_every_s": 0.25}
    preset = preset_from_dict(doc)
    path = tmp_path / "p.json"
    save_preset(preset, path)
    assert json.loads(path.read_text())["load"]["drop_every_s"] == 0.25
    assert load_preset(path).load.setting("drop_every_s") == 0.25
    doc["load"]["drop_every_s"] = -1
    with pytest.raises(ConfigError, match=r"load\.drop_every_s: must be > 0, got -1"):
        preset_from_dict(doc)
    doc["load"] = {"pattern": "poisson", "drop_every_s": 1.0}
    with pytest.raises(ConfigError, match=r"load\.drop_every_s: is not used by the 'poisson'"):
        preset_from_dict(doc)


def test_a_knob_may_not_take_the_name_of_another_setting() -> None:
    drops = PATTERNS["drops"]
    taken = Param("period_s", float, 1.0, 0.0, 10.0, "clashes with sine's period")
    with pytest.raises(ConfigError, match="its knob 'period_s' is already a load setting"):
        register_pattern(Pattern("clash", ("rate_rps",), drops.arrivals, drops.expected,
                                 params=(taken,)))  # fmt: skip
    other = Param("drop_every_s", float, 9.0, 0.0, 10.0, "a different knob of the same name")
    with pytest.raises(ConfigError, match="its knob 'drop_every_s' is already a load setting"):
        register_pattern(Pattern("clash", ("rate_rps",), drops.arrivals, drops.expected,
                                 params=(other,)))  # fmt: skip
    assert "clash" not in PATTERNS


async def test_its_load_bar_slider_shows_for_that_pattern_only_and_the_engine_follows() -> None:
    app = BatchTuiApp(analytic_scenario())  # the real engine process (the plugin is in its env)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.snapshot is not None)
        knob = app.query_one("#load-drop-every-s", Slider)
        assert not knob.display  # poisson does not read it
        app.query_one("#load-pattern", Select).value = "drops"
        await wait_until(pilot, lambda: app.snapshot.load.pattern == "drops")  # type: ignore[union-attr]
        # The bar follows the engine's snapshots at 5 Hz: a loaded box can look in between.
        await wait_until(pilot, lambda: knob.display)
        assert knob.value == 0.5 and knob.label == "every"
        knob.focus()
        await pilot.press("right")  # one rung up the ladder, 0.5 -> 1 s
        await wait_until(
            pilot,
            lambda: app.snapshot.load.setting("drop_every_s") == 1.0,  # type: ignore[union-attr]
        )
        await pilot.press("q")
