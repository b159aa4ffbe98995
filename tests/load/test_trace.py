"""load_trace: real Azure and Mooncake traces load exactly; bad files say what and where."""

from __future__ import annotations

import csv
import json
import os
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from batchtui.engine.errors import ConfigError
from batchtui.engine.load import Trace, load_trace

REAL_TRACES = [
    # file, rows, span (s), size column
    ("AzureLLMInferenceTrace_code.csv", 8819, 3435.95, "ContextTokens"),
    ("AzureLLMInferenceTrace_conv.csv", 19366, 3501.72, "ContextTokens"),
    ("conversation_trace.jsonl", 12031, 3537.0, "input_length"),
]


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def trace_error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_trace(path)
    error = caught.value
    assert error.where == "trace"
    assert "\n" not in str(error)
    assert str(path.name) in error.message
    return error


@pytest.mark.parametrize(("name", "rows", "span", "size_column"), REAL_TRACES)
def test_real_traces_load_with_their_rows_span_and_sizes(
    traces_dir: Path, name: str, rows: int, span: float, size_column: str
) -> None:
    trace = load_trace(traces_dir / name)
    assert len(trace.times) == len(trace.sizes) == rows
    assert trace.times[0] == 0.0
    assert trace.span == pytest.approx(span, abs=0.01)
    assert np.all(np.diff(trace.times) >= 0)
    assert trace.times.dtype == np.float64
    assert trace.sizes.dtype == np.int64
    if name.endswith(".csv"):
        with open(traces_dir / name, newline="", encoding="utf-8") as f:
            expected = [int(row[size_column]) for row in csv.DictReader(f)]
    else:
        with open(traces_dir / name, encoding="utf-8") as f:
            expected = [json.loads(line)[size_column] for line in f]
    np.testing.assert_array_equal(trace.sizes, np.maximum(expected, 1))


def test_azure_timestamps_keep_all_seven_fractional_digits(traces_dir: Path) -> None:
    path = traces_dir / "AzureLLMInferenceTrace_code.csv"
    with open(path, newline="", encoding="utf-8") as f:
        stamps = [row["TIMESTAMP"] for row in csv.DictReader(f)]

    def seconds(stamp: str) -> Decimal:  # exact decimal seconds since midnight, as an oracle
        hours, minutes, rest = stamp.split(" ")[1].split(":")
        return int(hours) * 3600 + int(minutes) * 60 + Decimal(rest)

    first = seconds(stamps[0])
    exact = np.array([float(seconds(s) - first) for s in stamps])
    trace = load_trace(path)
    np.testing.assert_array_equal(trace.times, exact)
    assert trace.times[1] == 0.052  # 18:17:04.0319600 - 18:17:03.9799600


def test_mooncake_timestamps_are_milliseconds(traces_dir: Path) -> None:
    trace = load_trace(traces_dir / "conversation_trace.jsonl")
    assert trace.times[-1] == 3536.999


def test_loaded_traces_are_cached_and_read_only(traces_dir: Path) -> None:
    path = traces_dir / "AzureLLMInferenceTrace_conv.csv"
    assert load_trace(path) is load_trace(str(path))
    with pytest.raises(ValueError):
        load_trace(path).times[0] = 1.0


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "time\n0\n1\n")
    assert len(load_trace(path)) == 2
    write(path, "time\n0\n1\n2\n")
    os.utime(path, ns=(1, 10**18))  # a distinct mtime, however coarse the file system clock
    assert len(load_trace(path)) == 3


def test_plain_csv_with_seconds_and_no_size_column(tmp_path: Path) -> None:
    trace = load_trace(write(tmp_path / "mine.csv", "id,Arrival\na,100.5\nb,101.0\nc,103.25\n"))
    np.testing.assert_array_equal(trace.times, [0.0, 0.5, 2.75])
    np.testing.assert_array_equal(trace.sizes, [1, 1, 1])
    assert isinstance(trace, Trace)


def test_zero_and_missing_sizes_count_as_one(tmp_path: Path) -> None:
    trace = load_trace(write(tmp_path / "t.csv", "time,tokens\n0,0\n1,\n2,7\n"))
    np.testing.assert_array_equal(trace.sizes, [1, 1, 7])


def test_unsorted_rows_are_sorted_with_their_sizes(tmp_path: Path) -> None:
    trace = load_trace(write(tmp_path / "t.csv", "time,size\n5,50\n2,20\n9,90\n2,21\n"))
    np.testing.assert_array_equal(trace.times, [0.0, 0.0, 3.0, 7.0])
    np.testing.assert_array_equal(trace.sizes, [20, 21, 50, 90])


def test_jsonl_with_seconds_under_a_time_key(tmp_path: Path) -> None:
    text = '{"time": 1.5, "input_tokens": 3}\n\n{"time": 2.0}\n'
    trace = load_trace(write(tmp_path / "t.jsonl", text))
    np.testing.assert_array_equal(trace.times, [0.0, 0.5])
    np.testing.assert_array_equal(trace.sizes, [3, 1])


def test_a_byte_order_mark_before_the_header_is_ignored(tmp_path: Path) -> None:
    trace = load_trace(write(tmp_path / "t.csv", "\ufefftime\n0\n1\n".encode()))
    np.testing.assert_array_equal(trace.times, [0.0, 1.0])


def test_format_is_sniffed_when_the_suffix_says_nothing(tmp_path: Path) -> None:
    as_json = load_trace(write(tmp_path / "a.log", '{"timestamp": 0}\n{"timestamp": 2500}\n'))
    as_csv = load_trace(write(tmp_path / "b.txt", "time\n0\n2.5\n"))
    np.testing.assert_array_equal(as_json.times, as_csv.times)


def test_date_times_with_a_t_and_fewer_digits_are_read(tmp_path: Path) -> None:
    text = "TIMESTAMP\n2024-01-01T23:59:59.5\n2024-01-02 00:00:01\n"
    trace = load_trace(write(tmp_path / "t.csv", text))
    np.testing.assert_array_equal(trace.times, [0.0, 1.5])


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    assert "no such file" in trace_error(tmp_path / "absent.csv").message


def test_a_folder_is_not_a_trace(tmp_path: Path) -> None:
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert "folder" in trace_error(folder).message


def test_an_empty_file_is_reported(tmp_path: Path) -> None:
    assert "empty" in trace_error(write(tmp_path / "t.csv", "\n  \n")).message


def test_a_file_of_empty_cells_is_reported(tmp_path: Path) -> None:
    assert "no header" in trace_error(write(tmp_path / "t.csv", ",,\n,\n")).message


def test_a_header_without_rows_is_reported(tmp_path: Path) -> None:
    assert "no requests" in trace_error(write(tmp_path / "t.csv", "time,size\n")).message


def test_a_csv_without_a_time_column_lists_the_expected_columns(tmp_path: Path) -> None:
    error = trace_error(write(tmp_path / "t.csv", "when,tokens\n1,2\n"))
    assert "line 1" in error.message
    assert "TIMESTAMP, time, arrival" in error.message
    assert "found when, tokens" in error.message


def test_a_bad_timestamp_is_reported_with_its_line_and_column(tmp_path: Path) -> None:
    rows = [f"2023-11-16 18:17:0{i}.9799600,10" for i in range(5)]
    rows.insert(5, "2023-xx,10")
    path = write(tmp_path / "t.csv", "TIMESTAMP,ContextTokens\n" + "\n".join(rows) + "\n")
    error = trace_error(path)
    assert error.message == f"{path.resolve()} line 7: TIMESTAMP '2023-xx' is not a date-time"


def test_an_empty_timestamp_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "TIMESTAMP,x\n2023-11-16 18:17:03,1\n,2\n")
    assert "line 3: TIMESTAMP '' is not a date-time" in trace_error(path).message


def test_a_bad_number_of_seconds_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "time\n0\n1\n\nlater\n")
    assert "line 5: time 'later' is not a number of seconds" in trace_error(path).message


def test_an_infinite_time_is_reported(tmp_path: Path) -> None:
    assert "line 3" in trace_error(write(tmp_path / "t.csv", "time\n0\ninf\n")).message


def test_a_bad_size_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "time,size\n0,1\n1,-4\n")
    assert "line 3: size '-4' is not a token count" in trace_error(path).message


def test_a_short_row_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "id,time\n1,0.5\n2\n")
    assert "line 3: expected 2 fields, found 1" in trace_error(path).message


def test_invalid_json_is_reported_with_its_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "t.jsonl", '{"timestamp": 0}\n{"timestamp": 1,, }\n')
    assert "line 2 column 17: not valid JSON" in trace_error(path).message


def test_a_json_line_that_is_not_an_object_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "t.jsonl", '{"timestamp": 0}\n[1]\n')
    assert "line 2: expected a JSON object" in trace_error(path).message


def test_jsonl_without_a_time_key_lists_the_expected_keys(tmp_path: Path) -> None:
    error = trace_error(write(tmp_path / "t.jsonl", '{"ts": 0, "input_length": 5}\n'))
    assert "expected a key timestamp (milliseconds" in error.message
    assert "found ts, input_length" in error.message


def test_a_json_time_that_is_not_a_number_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "t.jsonl", '{"timestamp": 0}\n{"timestamp": "soon"}\n')
    assert "line 2: timestamp 'soon' is not a number" in trace_error(path).message


def test_a_json_line_missing_its_time_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "t.jsonl", '{"timestamp": 0}\n\n{"input_length": 4}\n')
    assert "line 3: no timestamp" in trace_error(path).message


def test_text_that_is_not_utf8_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", b"time\n0\n\xff\xfe1\n")
    assert "line 3: not UTF-8" in trace_error(path).message
