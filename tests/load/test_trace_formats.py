"""Traces in any shape: chosen columns, every time format, replayed at the file's own times.

The expected times come from an oracle that reads each cell with the standard library
(datetime, Decimal), not numpy, and the rows are written shuffled, so sorting must carry
each size with its time.
"""

from __future__ import annotations

import json
import random
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from batchtui.engine.errors import ConfigError
from batchtui.engine.load import LoadGenerator, LoadSpec, load_trace
from tests.load.alibaba import ALIBABA_SIZES, ALIBABA_TIMES, write_alibaba

ROWS = 300
START = datetime(2024, 2, 28, 23, 59, 0)  # the rows cross midnight and a leap day


def offsets() -> list[Decimal]:
    """Arrival offsets in whole microseconds, seeded: bursts (equal times) and long gaps."""
    rng = random.Random(7)
    t, out = 0, []
    for _ in range(ROWS):
        out.append(Decimal(t) / 1_000_000)
        t += rng.choice([0, 0, 1, 250, 40_000, 1_300_000, 97_000_000])
    return out


def sizes() -> list[int]:
    rng = random.Random(8)
    return [rng.randint(1, 9000) for _ in range(ROWS)]


def cell(offset: Decimal, fmt: str) -> str:
    """One time cell of the given format for the arrival `offset` seconds after START."""
    moment = START + timedelta(microseconds=int(offset * 1_000_000))
    epoch = Decimal(int(moment.replace(tzinfo=timezone.utc).timestamp())) + offset % 1
    if fmt == "iso":
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f") + "0"  # 7 digits, as Azure writes
    if fmt == "iso-t-z":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if fmt == "iso-offset":  # the same instants written in UTC+08:00
        return (moment + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S.%f+08:00")
    if fmt == "epoch-s":
        return f"{epoch:f}"
    if fmt == "epoch-ms":
        return f"{epoch * 1000:f}"
    if fmt == "epoch-us":
        return str(int(epoch * 1_000_000))
    assert fmt == "relative-s"
    return f"{offset + 5:f}"  # seconds from some start, not from this trace's first row


def oracle_seconds(text: str) -> Decimal:
    """Seconds since the epoch of one cell, read without numpy."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?", text)
    if m is None:
        number = Decimal(text)
        return number / {13: 1000, 16: 1_000_000}.get(len(str(int(number))), 1)
    whole = datetime.strptime(f"{m[1]} {m[2]}", "%Y-%m-%d %H:%M:%S")
    seconds = Decimal(int(whole.replace(tzinfo=timezone.utc).timestamp())) + Decimal(m[3] or 0)
    if m[4] and m[4] != "Z":
        sign = 1 if m[4][0] == "+" else -1
        seconds -= sign * (int(m[4][1:3]) * 3600 + int(m[4][4:6]) * 60)
    return seconds


FORMATS = ["iso", "iso-t-z", "iso-offset", "epoch-s", "epoch-ms", "epoch-us", "relative-s"]
UNITS = {
    "iso": "iso", "iso-t-z": "iso", "iso-offset": "iso",
    "epoch-s": "s", "epoch-ms": "ms", "epoch-us": "us", "relative-s": "s",
}  # fmt: skip
TOLERANCE = {"epoch-s": 1e-6, "epoch-ms": 1e-6}  # float64 epoch numbers: ~0.2 us; others exact


def json_time(text: str, fmt: str) -> str | int | float:
    """A JSON value for a cell: numbers as JSON numbers, date-times as strings."""
    if fmt.startswith("iso"):
        return text
    return int(text) if fmt == "epoch-us" else float(text)


def write_trace(tmp_path: Path, fmt: str, suffix: str) -> tuple[Path, np.ndarray, np.ndarray]:
    """A shuffled trace with columns `sent` and `prompt_len`; expected times and sizes."""
    rows = list(zip([cell(o, fmt) for o in offsets()], sizes(), strict=True))
    random.Random(9).shuffle(rows)
    path = tmp_path / f"mine{suffix}"
    if suffix == ".csv":
        body = "\n".join(f"x{i},{t},{s},y" for i, (t, s) in enumerate(rows))
        path.write_text("id,sent,prompt_len,other\n" + body + "\n")
    else:
        lines = [
            json.dumps({"id": i, "sent": json_time(t, fmt), "prompt_len": s})
            for i, (t, s) in enumerate(rows)
        ]
        path.write_text("\n".join(lines) + "\n")
    seconds = [oracle_seconds(t) for t, _ in rows]
    first = min(seconds)
    pairs = sorted(((s - first, size) for s, (_, size) in zip(seconds, rows, strict=True)),
                   key=lambda p: p[0])  # fmt: skip
    return path, np.array([float(p[0]) for p in pairs]), np.array([p[1] for p in pairs])


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_custom_columns_replay_at_the_files_own_times_and_sizes(
    tmp_path: Path, fmt: str, suffix: str
) -> None:
    path, times, expected_sizes = write_trace(tmp_path, fmt, suffix)
    spec = LoadSpec(
        pattern="trace", trace=str(path), time_column="sent", size_column="prompt_len", speed=2.0
    )
    arrivals, replayed_sizes = LoadGenerator(spec, start=10.0).generate_until(10.0 + 1e6)
    assert len(arrivals) == ROWS
    np.testing.assert_allclose(arrivals, 10.0 + times / 2.0, rtol=0, atol=TOLERANCE.get(fmt, 1e-9))
    np.testing.assert_array_equal(replayed_sizes, expected_sizes)
    trace = load_trace(path, "sent", "prompt_len")
    assert trace.time_unit == UNITS[fmt]
    assert trace.size_column == "prompt_len"


@pytest.mark.parametrize("fmt", ["iso", "epoch-ms", "relative-s"])
def test_a_forced_time_unit_reads_the_same_times_as_detection(tmp_path: Path, fmt: str) -> None:
    path, times, _ = write_trace(tmp_path, fmt, ".csv")
    unit = {"iso": "iso", "epoch-ms": "ms", "relative-s": "s"}[fmt]
    forced = load_trace(path, "sent", "prompt_len", unit)
    np.testing.assert_allclose(forced.times, times, rtol=0, atol=TOLERANCE.get(fmt, 1e-9))
    assert forced.time_unit == unit


def test_forcing_ms_reads_small_numbers_as_milliseconds(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("time\n0\n1500\n4000\n")
    np.testing.assert_array_equal(load_trace(path, time_unit="ms").times, [0.0, 1.5, 4.0])
    np.testing.assert_array_equal(load_trace(path).times, [0.0, 1500.0, 4000.0])


def test_the_alibaba_shape_replays_with_its_time_and_size_columns(tmp_path: Path) -> None:
    trace = load_trace(write_alibaba(tmp_path), "gmt_create", "prompt_length")
    np.testing.assert_array_equal(trace.times, ALIBABA_TIMES)
    np.testing.assert_array_equal(trace.sizes, ALIBABA_SIZES)
    assert (trace.time_column, trace.time_format) == ("gmt_create", "date-times (no zone)")


def test_prompt_length_is_found_without_being_named(tmp_path: Path) -> None:
    trace = load_trace(write_alibaba(tmp_path), time_column="gmt_create")
    np.testing.assert_array_equal(trace.sizes, ALIBABA_SIZES)


def test_a_chosen_column_is_matched_in_any_case_when_only_one_matches(tmp_path: Path) -> None:
    trace = load_trace(write_alibaba(tmp_path), "GMT_CREATE", "Prompt_Length")
    assert (trace.time_column, trace.size_column) == ("gmt_create", "prompt_length")


def test_the_chosen_time_column_wins_over_the_usual_names(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("time,sent\n0,100\n50,101\n")
    np.testing.assert_array_equal(load_trace(path, time_column="sent").times, [0.0, 1.0])


def test_mooncake_style_jsonl_timestamps_stay_milliseconds_and_epoch_ms_is_detected(
    tmp_path: Path,
) -> None:
    relative = tmp_path / "r.jsonl"
    relative.write_text('{"timestamp": 0}\n{"timestamp": 2500}\n')
    epoch = tmp_path / "e.jsonl"
    epoch.write_text('{"timestamp": 1700000000000}\n{"timestamp": 1700000002500}\n')
    for path in (relative, epoch):
        np.testing.assert_array_equal(load_trace(path).times, [0.0, 2.5])
    assert load_trace(epoch).time_format == "epoch milliseconds"


# --- refusals: one line naming the file, the line and the column ------------------------------


def refused(path: Path, **choices: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_trace(path, **choices)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path.resolve()) in message or caught.value.where != "trace"
    return caught.value


SECOND_ROWS = ["2023-11-16 18:16:33", "2023-11-16 18:16:40", "2023-11-16 18:17:02"]


@pytest.mark.parametrize(
    ("bad", "complaint"),
    [
        ("2023-11-16 18:15", "is not a full date-time; expected YYYY-MM-DD HH:MM:SS"),
        ("2023-11-16", "is not a full date-time"),
        ("2023-11", "is not a full date-time"),
        ("3", "is a number, but line 2 holds a date-time ('2023-11-16 18:16:33')"),
        ("2023", "is a number, but line 2 holds a date-time"),
        ("2023-11-16 18:16:41Z", "has a zone, but line 2 ('2023-11-16 18:16:33') has none"),
        ("2023-13-16 18:16:41", "is not a date-time"),
        ("soon", "is not a date-time"),
    ],
)
def test_a_row_that_is_not_a_full_timestamp_is_refused_with_its_line(
    tmp_path: Path, bad: str, complaint: str
) -> None:
    path = tmp_path / "t.csv"
    path.write_text("TIMESTAMP,n\n" + "\n".join(f"{r},1" for r in [*SECOND_ROWS, bad]) + "\n")
    error = refused(path)
    assert error.where == "trace"
    assert error.message.startswith(f"{path.resolve()} line 5: TIMESTAMP '{bad}' {complaint}")


def test_a_partial_timestamp_no_longer_becomes_the_trace_start(tmp_path: Path) -> None:
    # Before: '2023-11-16 18:15' read as 18:15:00, the earliest row, so every arrival moved 46.7 s.
    path = tmp_path / "t.csv"
    path.write_text("TIMESTAMP\n2023-11-16 18:15:46.68\n2023-11-16 18:15\n2023-11-16 18:15:50\n")
    assert refused(path).message.startswith(f"{path.resolve()} line 3: TIMESTAMP")


def test_dates_only_are_refused_even_when_every_row_is_one(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("time\n2024-01-01\n2024-01-02\n")
    assert "line 2: time '2024-01-01' is not a full date-time" in refused(path).message


def test_a_date_time_among_numbers_is_refused_naming_a_number_row(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("time\n0.5\n1.5\n2024-01-01 00:00:00\n3\n")
    message = refused(path).message
    assert message.endswith(
        "line 4: time '2024-01-01 00:00:00' is a date-time, but line 2 holds a number ('0.5'); "
        "one file holds one time format"
    )


def test_a_relative_time_among_epoch_seconds_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("time\n1700000000\n1700000001\n3\n1700000002\n")
    message = refused(path).message
    assert "line 4: time '3' reads as seconds from the start, but line 2 ('1700000000') as " in (
        message
    )
    assert "epoch seconds" in message


def test_epoch_milliseconds_among_epoch_seconds_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"t": 1700000000}\n{"t": 1700000001000}\n{"t": 1700000002}\n')
    assert (
        "line 2: t '1700000001000' reads as epoch milliseconds"
        in refused(path, time_column="t").message
    )


def test_numbers_in_no_known_unit_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("time\n1700000000000000000\n1700000000000000001\n")
    message = refused(path).message
    assert "line 2: time '1700000000000000000' is too large for seconds from the start" in message
    assert "force the time unit" in message


def test_a_json_value_that_cannot_be_a_time_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"t": "2024-01-01 00:00:00"}\n{"t": true}\n')
    assert "line 2: t 'True' is not a date-time" in refused(path, time_column="t").message


@pytest.mark.parametrize(
    ("text", "unit", "complaint"),
    [
        ("time\n2024-01-01 00:00:00\n", "ms", "line 2: time '2024-01-01 00:00:00' is a date-time"),
        ("time\n5\n6\n", "iso", "line 2: time '5' is a number, but the time unit is forced to iso"),
        ("time\n5\n2024-01-01 00:00:00\n", "s", "line 3: time '2024-01-01 00:00:00' is a date"),
        ("time\n5\nsoon\n", "us", "line 3: time 'soon' is not a number of microseconds"),
    ],
)
def test_rows_at_odds_with_a_forced_unit_are_refused(
    tmp_path: Path, text: str, unit: str, complaint: str
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text)
    error = refused(path, time_unit=unit)
    assert complaint in error.message
    assert error.where == ("trace" if "soon" in text else "time_unit")


@pytest.mark.parametrize(
    ("suffix", "text", "choice", "where", "message"),
    [
        (".csv", "a,b\n1,2\n", {"time_column": "when"}, "time_column",
         "line 1: no column 'when'; found a, b"),
        (".csv", "time,b\n1,2\n", {"size_column": "tokens_in"}, "size_column",
         "line 1: no column 'tokens_in'; found time, b"),
        (".jsonl", '{"a": 1}\n', {"time_column": "when"}, "time_column",
         "line 1: no key 'when'; found a"),
        (".jsonl", '{"time": 1}\n', {"size_column": "n"}, "size_column",
         "line 1: no key 'n'; found time"),
        (".jsonl", '{"t": 1}\n{"u": 2}\n', {"time_column": "t"}, "trace", "line 2: no t"),
    ],
)  # fmt: skip
def test_a_chosen_column_the_file_lacks_is_refused_never_ignored(
    tmp_path: Path, suffix: str, text: str, choice: dict[str, str], where: str, message: str
) -> None:
    path = tmp_path / f"t{suffix}"
    path.write_text(text)
    error = refused(path, **choice)
    assert error.where == where
    assert error.message == f"{path.resolve()} {message}"


@pytest.mark.parametrize(
    ("choice", "where"),
    [({"time_unit": "h"}, "time_unit"), ({"time_column": ""}, "time_column"),
     ({"size_column": 3}, "size_column")],
)  # fmt: skip
def test_bad_choices_are_refused_before_the_file_is_read(
    choice: dict[str, object], where: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_trace("/no/such/file.csv", **choice)  # type: ignore[arg-type]
    assert caught.value.where == where
