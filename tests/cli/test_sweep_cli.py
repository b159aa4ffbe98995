"""``batchtui sweep``: the table, the CSV and JSON files, the plot, and every bad input."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from batchtui.engine.tune.sweep import COLUMNS
from tests.cli.run import assert_refused, run_cli

SMALL = ("--rates", "500:1500:3", "--seconds", "0.5", "--lanes", "static,dynamic")
README = Path(__file__).resolve().parents[2] / "README.md"


def test_csv_has_one_row_per_lane_and_rate_with_the_documented_columns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "sweep.csv"
    code, out, err = run_cli(capsys, "sweep", *SMALL, "--slo-ms", "20", "--csv", str(path))
    assert code == 0, err
    rows = list(csv.DictReader(path.open()))
    assert tuple(rows[0]) == COLUMNS
    assert [(r["lane"], float(r["rate_rps"])) for r in rows] == [
        (lane, rate) for rate in (500.0, 1000.0, 1500.0) for lane in ("static", "dynamic")
    ]
    assert all(r["sustained"] in ("True", "False") for r in rows)
    readme = README.read_text()
    assert all(f"`{column}`" in readme for column in COLUMNS)  # each column is documented
    assert "knee (highest rate sustained): static" in out
    assert f"csv written to {path}" in out


def test_json_is_a_sweep_document(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "sweep.json"
    code, _, err = run_cli(capsys, "sweep", *SMALL, "--json", str(path), "--quiet")
    assert code == 0, err
    doc = json.loads(path.read_text())
    assert doc["format"] == "batchtui.sweep/1"
    assert len(doc["rows"]) == 6
    assert set(doc["knees"]) == {"static", "dynamic"}


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_is_a_valid_image(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"curves{suffix}"
    code, _, err = run_cli(capsys, "sweep", *SMALL, "--slo-ms", "20", "--plot", str(path))
    assert code == 0, err
    if suffix == ".png":
        from matplotlib import image

        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert image.imread(path).shape[:2] == (600, 700)
    else:
        assert ET.parse(path).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_plot_is_readable_like_the_other_outputs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The walk found the plot 0600 beside 0644 CSV and JSON (a NamedTemporaryFile renamed
    into place): a picture for sharing that only its owner could open."""
    plot, table = tmp_path / "sweep.svg", tmp_path / "sweep.csv"
    args = ("--plot", str(plot), "--csv", str(table))
    code, _, err = run_cli(capsys, "sweep", *SMALL, *args)
    assert code == 0, err
    assert plot.stat().st_mode & 0o777 == table.stat().st_mode & 0o777 == 0o644


def test_plot_without_matplotlib_says_how_to_install_it(tmp_path: Path) -> None:
    path = tmp_path / "curves.png"
    code = (
        "import sys; sys.modules['matplotlib'] = None; from batchtui.tui.cli import main; "
        f"sys.exit(main(['sweep', '--rates', '500:1500:3', '--plot', {str(path)!r}]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "batchtui: error: --plot: needs matplotlib: pip install 'batchtui[plot]'"
    ]
    assert not path.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--rates", "500:1500"],
            "--rates: expected LO:HI:STEPS, e.g. 500:5000:10, got '500:1500'",
        ),
        (["--rates", "a:1500:3"], "--rates: rates must be numbers in req/s"),
        (["--rates", "1500:500:3"], "--rates: HI (500) must be >= LO (1500)"),
        (["--rates", "0:500:3"], "--rates: rates must be > 0"),
        (["--rates", "100:500:0"], "--rates: STEPS must be between 1 and 1000, got 0"),
        (["--rates", "100:500:2.5"], "--rates: STEPS must be a whole number, got '2.5'"),
        (["--rates", "100:500:3", "--plot", "x.jpg"], "--plot: name a .png or .svg file"),
        (["--rates", "100:500:3", "--csv", "/nonexistent/x.csv"], "--csv: cannot write"),
        (["--rates", "100:500:3", "--seconds", "0"], "--seconds: must be > 0, got 0"),
        (["--rates", "1e6:5e6:3", "--seconds", "100"], "--rates: HI for --seconds 100 would"),
        (["--rates", "100:500:3", "--trace", "azure-conv"], "--rates: a trace replays its own"),
        (["--rates", "100:500:3", "--max-wait-ms", "-1"], "--max-wait-ms: must be >= 0"),
    ],
)
def test_bad_input_is_one_line_naming_the_flag(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert_refused(capsys, ["sweep", *argv], message)
