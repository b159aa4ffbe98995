"""``batchtui trace`` and the column flags of ``batchtui run``: real files, the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.run import run_cli
from tests.load.alibaba import ALIBABA_FLAGS, write_alibaba


def test_trace_prints_the_figures_and_a_rate_plot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "trace", str(write_alibaba(tmp_path)), *ALIBABA_FLAGS)
    assert code == 0, err
    lines = out.splitlines()
    assert "times        gmt_create: date-times (no zone)" in lines
    assert "sizes from   prompt_length" in lines
    assert "rows         8" in lines
    assert "span         72 s" in lines
    assert "mean rate    0.1111 req/s (6.667 req/min)" in lines
    assert "peak rate    2 req/s (the second from 0 s), 6 req/min (the minute from 0 s)" in lines
    # 45 64 97 300 812 1530 2048 3999: mean 8895 / 8; p90 at rank 6.3: 2048 + 0.3 * 1951.
    assert "sizes        mean 1,111.9  p50 556  p90 2,633.3  p99 3,862.4  max 3,999" in lines
    assert "longest gap  54 s (from 17 s)" in lines
    assert "requests/s over time (1 s bins)" in out
    assert "\x1b[" not in out  # plain text, however the terminal is


def test_trace_json_is_written_whole_and_matches_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "out" / "fig.json"
    path.parent.mkdir()
    argv = ("trace", str(write_alibaba(tmp_path)), *ALIBABA_FLAGS, "--json", str(path), "--quiet")
    code, out, _ = run_cli(capsys, *argv)
    assert (code, out) == (0, "")
    doc = json.loads(path.read_text())
    assert doc["format"] == "batchtui.trace/1"
    assert doc["rows"] == 8 and doc["sizes"]["p50"] == 556.0
    assert [p.name for p in path.parent.iterdir()] == ["fig.json"]  # no temporary left


def test_a_file_without_a_size_column_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.csv"
    path.write_text("time,tokens_in\n0,5\n1,6\n")
    code, out, _ = run_cli(capsys, "trace", str(path))
    assert code == 0
    assert "sizes from   none: every request counts as 1 token (choose one with --size-column)" in (
        out
    )


@pytest.mark.parametrize(
    ("text", "argv", "message"),
    [
        ("TIMESTAMP\n2023-11-16 18:16:33\n2023-11-16 18:15\n", [],
         "trace: {path} line 3: TIMESTAMP '2023-11-16 18:15' is not a full date-time"),
        ("TIMESTAMP\n2023-11-16 18:16:33\n3\n", [],
         "trace: {path} line 3: TIMESTAMP '3' is a number, but line 2 holds a date-time"),
        ("a,b\n1,2\n", ["--time-column", "when"],
         "--time-column: {path} line 1: no column 'when'; found a, b"),
        ("time,b\n1,2\n", ["--size-column", "n"], "--size-column: {path} line 1: no column 'n'"),
        ("time\n2024-01-01 00:00:00\n", ["--time-unit", "ms"],
         "--time-unit: {path} line 2: time '2024-01-01 00:00:00' is a date-time, but the time "
         "unit is forced to ms"),
        ("time\n1\n", ["--time-unit", "h"], "argument --time-unit: invalid choice: 'h'"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("command", ["trace", "run"])
def test_each_bad_row_or_choice_is_one_line_naming_file_line_and_column(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    text: str,
    argv: list[str],
    message: str,
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text)
    out_json = tmp_path / "o.json"
    if command == "trace":
        full = ["trace", str(path), *argv, "--json", str(out_json)]
    else:
        full = ["run", "--pattern", "trace", "--trace", str(path), *argv, "--json", str(out_json)]
        message = message.replace("trace: {path}", "--trace: {path}", 1)
    code, out, err = run_cli(capsys, *full)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert message.format(path=path.resolve()) in err
    assert not out_json.exists()


@pytest.mark.parametrize(
    ("json_path", "message"),
    [
        ("", "--json: needs a file path"),
        ("{tmp}", "--json: {tmp} is a folder"),
        ("{tmp}/missing/x.json", "--json: cannot write {tmp}/missing/x.json: the folder"),
    ],
)
def test_the_json_path_is_checked_before_the_trace_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], json_path: str, message: str
) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text("time\n0\nlater\n")  # would be refused too, but only after the path
    code, _, err = run_cli(capsys, "trace", str(broken), "--json", json_path.format(tmp=tmp_path))
    assert code == 2
    assert err.startswith(f"batchtui: error: {message.format(tmp=tmp_path)}")
    assert err.count("\n") == 1


def test_run_replays_the_alibaba_shape_with_its_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "r.json"
    code, _, err = run_cli(
        capsys, "run", "--pattern", "trace", "--trace", str(write_alibaba(tmp_path)),
        *ALIBABA_FLAGS, "--speed", "10", "--lanes", "static", "--duration", "10",
        "--json", str(report), "--quiet",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(report.read_text())
    assert doc["lanes"][0]["arrived"] == 8  # 72 s of trace at 10x fits in 10 s
    assert doc["load"]["time_column"] == "gmt_create"
    assert doc["load"]["size_column"] == "prompt_length"
    assert "time_unit" not in doc["load"]  # left to detection


def test_without_its_columns_the_alibaba_shape_is_refused_naming_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_alibaba(tmp_path)
    code, _, err = run_cli(capsys, "run", "--pattern", "trace", "--trace", str(path))
    assert code == 2
    assert "no arrival-time column" in err and "found request_id, gmt_create" in err


def test_a_shipped_trace_is_summarised_by_its_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "trace", "azure-conv")
    assert code == 0, err
    assert "19,366" in out  # the Azure conversation trace's rows


def test_an_unknown_trace_name_lists_the_shipped_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "trace", "azure-chat")
    assert code == 2
    assert err.startswith("batchtui: error: trace: no file or shipped trace named 'azure-chat'")
    assert "azure-conv" in err
