"""Reading recorded request arrivals (Azure LLM CSV, Mooncake JSONL, plain CSV) into arrays.

Parsing is vectorised with numpy (date-times via ``datetime64[ns]``); only when a column
fails to convert do we walk it row by row, to name the line at fault.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import stat
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from batchtui.engine.errors import ConfigError

TIME_COLUMNS = ("timestamp", "time", "arrival", "arrival_time")
"""CSV header names (any case) taken as the arrival time: date-times, or numbers in seconds."""

SIZE_COLUMNS = ("contexttokens", "input_length", "input_tokens", "prompt_tokens", "size", "tokens")
"""CSV headers / JSONL keys (any case) read as the request size in tokens; the first found wins."""

JSONL_TIME_KEYS = {"timestamp": 1000.0, "time": 1.0, "arrival": 1.0, "arrival_time": 1.0}
"""JSONL keys for the arrival time and their units per second: Mooncake's ``timestamp`` is in ms."""

_JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
_MAX_SIZE = 2.0**53


@dataclass(frozen=True, eq=False)
class Trace:
    """A recorded arrival stream, relative to its first request, ready to replay.

    ``times`` are float64 seconds, ascending, starting at 0.0; ``sizes`` are int64 token
    counts >= 1. Both arrays are read-only because loaded traces are cached and shared.
    """

    times: np.ndarray
    sizes: np.ndarray
    source: str

    def __len__(self) -> int:
        """The number of requests in the trace."""
        return len(self.times)

    @property
    def span(self) -> float:
        """Seconds from the first request to the last."""
        return float(self.times[-1])

    @property
    def loop_period(self) -> float:
        """Seconds from one pass's start to the next when looping: span plus the mean gap.

        Adding the mean gap keeps the last request of a pass apart from the first of the next.
        0.0 when every request arrives at one instant, which cannot be repeated.
        """
        if len(self.times) < 2 or self.span == 0.0:
            return 0.0
        return self.span + self.span / (len(self.times) - 1)


def load_trace(path: str | Path) -> Trace:
    """Load a trace file, cached by (resolved path, mtime), raising ConfigError("trace", ...).

    The format comes from the suffix (.csv; .jsonl/.ndjson/.json as JSON Lines) or, failing
    that, from the first character. Rows out of time order are sorted (stably), since
    replay needs ascending times; the file itself is never changed.
    """
    given = Path(path).expanduser()
    try:
        resolved = given.resolve(strict=True)
        info = resolved.stat()
    except FileNotFoundError:
        raise ConfigError("trace", f"{given}: no such file") from None
    except OSError as err:
        raise ConfigError("trace", f"{given}: cannot be opened ({err.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError("trace", f"{given}: is a folder, not a trace file")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError("trace", f"{given}: is not a regular file")
    return _load_cached(str(resolved), info.st_mtime_ns, info.st_size)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int) -> Trace:
    """Parse one version of one file; the key's mtime and size make edits reload it."""
    text = _read_text(path)
    if not text.strip():
        raise ConfigError("trace", f"{path}: the file is empty")
    if path.lower().endswith(_JSONL_SUFFIXES) or (
        not path.lower().endswith(".csv") and text.lstrip().startswith("{")
    ):
        times, sizes = _parse_jsonl(path, text)
    else:
        times, sizes = _parse_csv(path, text)
    if times.size > 1 and np.any(times[1:] < times[:-1]):
        order = np.argsort(times, kind="stable")
        times, sizes = times[order], sizes[order]
    times = times - times[0]
    times.setflags(write=False)
    sizes.setflags(write=False)
    return Trace(times=times, sizes=sizes, source=path)


def _read_text(path: str) -> str:
    """The file as text (UTF-8, a byte-order mark allowed), or a ConfigError saying why not."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise ConfigError("trace", f"{path}: cannot be read ({err.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ConfigError("trace", f"{path} line {line}: not UTF-8 text") from None


def _parse_csv(path: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Times (seconds, unsorted) and sizes from a CSV with a header row."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        header_line = reader.line_num
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)
                lines.append(reader.line_num)
    except csv.Error as err:
        raise ConfigError(
            "trace", f"{path} line {reader.line_num}: not valid CSV ({err})"
        ) from None
    if header is None:
        raise ConfigError("trace", f"{path}: the file has no header and no rows")
    names = [name.strip() for name in header]
    time_col = _find_column(names, TIME_COLUMNS)
    if time_col is None:
        raise ConfigError(
            "trace",
            f"{path} line {header_line}: no arrival-time column; expected one of "
            f"TIMESTAMP, time, arrival, arrival_time (any case), found {', '.join(names)}",
        )
    if not rows:
        raise ConfigError("trace", f"{path}: has a header but no requests")
    size_col = _find_column(names, SIZE_COLUMNS)
    needed = max(time_col, -1 if size_col is None else size_col) + 1
    for row, line in zip(rows, lines, strict=True):
        if len(row) < needed:
            raise ConfigError(
                "trace", f"{path} line {line}: expected {len(names)} fields, found {len(row)}"
            )
    times = _parse_times(path, names[time_col], [row[time_col] for row in rows], lines)
    if size_col is None:
        sizes = np.ones(len(rows), dtype=np.int64)
    else:
        raw = [row[size_col].strip() or None for row in rows]
        sizes = _parse_sizes(path, names[size_col], raw, lines)
    return times, sizes


def _find_column(names: Sequence[str], wanted: Sequence[str]) -> int | None:
    """Index of the first of `wanted` (in its order of preference) among `names`, any case."""
    lowered = [name.lower() for name in names]
    for name in wanted:
        if name in lowered:
            return lowered.index(name)
    return None


def _parse_times(path: str, column: str, values: list[str], lines: list[int]) -> np.ndarray:
    """Seconds from CSV cells that are either all numbers (seconds) or all date-times."""
    cells = np.char.strip(np.array(values, dtype=str))
    if _is_number(str(cells[0])):
        return _parse_numbers(path, column, cells, lines, "is not a number of seconds")
    with warnings.catch_warnings():
        # numpy warns that it converts explicit UTC offsets; converting them is what we want.
        warnings.simplefilter("ignore")
        try:
            stamps = cells.astype("datetime64[ns]")
        except ValueError:  # only now parse cell by cell, to find the line at fault
            stamps = np.array([_datetime_or_nat(str(cell)) for cell in cells], "datetime64[ns]")
    missing = np.flatnonzero(np.isnat(stamps))
    if missing.size:
        first = int(missing[0])
        raise ConfigError(
            "trace",
            f"{path} line {lines[first]}: {column} {_quote(cells[first])} is not a date-time",
        )
    nanoseconds = stamps.astype(np.int64)
    # Subtracting in integer nanoseconds first keeps the 100 ns digits of Azure's timestamps.
    return (nanoseconds - nanoseconds.min()).astype(np.float64) / 1e9


def _parse_numbers(
    path: str, column: str, cells: np.ndarray, lines: list[int], complaint: str
) -> np.ndarray:
    """Finite floats from text cells, or a ConfigError naming the first line that is not one."""
    try:
        numbers = cells.astype(np.float64)
    except ValueError:
        numbers = None
    if numbers is not None:
        bad = np.flatnonzero(~np.isfinite(numbers))
        if bad.size == 0:
            return numbers
        first = int(bad[0])
    else:
        first = next(i for i, cell in enumerate(cells) if not _is_number(str(cell)))
    raise ConfigError(
        "trace", f"{path} line {lines[first]}: {column} {_quote(cells[first])} {complaint}"
    )


def _parse_sizes(path: str, column: str, values: Sequence[object], lines: list[int]) -> np.ndarray:
    """Token counts >= 1 from cells or JSON values; missing (None) and 0 count as 1."""
    numbers: np.ndarray | None = None
    if all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in values if v is not None
    ):
        try:
            numbers = np.array([0 if v is None else v for v in values], dtype=np.float64)
        except OverflowError:  # a JSON integer beyond float64; the text route reports it
            numbers = None
    if numbers is None:
        cells = np.array(["0" if v is None else str(v).strip() for v in values], dtype=str)
        numbers = _parse_numbers(path, column, cells, lines, "is not a token count")
    bad = np.flatnonzero(~np.isfinite(numbers) | (numbers < 0) | (numbers > _MAX_SIZE))
    if bad.size:
        first = int(bad[0])
        raise ConfigError(
            "trace",
            f"{path} line {lines[first]}: {column} {_quote(values[first])} is not a token count",
        )
    return np.maximum(np.rint(numbers), 1).astype(np.int64)


def _parse_jsonl(path: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Times (seconds, unsorted) and sizes from JSON Lines, one request object per line."""
    records: list[dict[str, object]] = []
    lines: list[int] = []
    # Split on "\n" only: str.splitlines() would also split inside strings holding U+2028.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ConfigError(
                "trace", f"{path} line {number} column {err.colno}: not valid JSON ({err.msg})"
            ) from None
        if not isinstance(record, dict):
            raise ConfigError(
                "trace", f"{path} line {number}: expected a JSON object per line (JSON Lines)"
            )
        records.append(record)
        lines.append(number)
    keys = {key.lower(): key for key in records[0]}
    time_key = next((keys[k] for k in JSONL_TIME_KEYS if k in keys), None)
    if time_key is None:
        raise ConfigError(
            "trace",
            f"{path} line {lines[0]}: no arrival time; expected a key timestamp (milliseconds, "
            "as in Mooncake) or time/arrival/arrival_time (seconds), "
            f"found {', '.join(keys.values())}",
        )
    raw_times = [record.get(time_key) for record in records]
    for i, value in enumerate(raw_times):
        if value is None:
            raise ConfigError("trace", f"{path} line {lines[i]}: no {time_key}")
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise ConfigError(
                "trace", f"{path} line {lines[i]}: {time_key} {_quote(value)} is not a number"
            )
    times = np.array(raw_times, dtype=np.float64) / JSONL_TIME_KEYS[time_key.lower()]
    size_key = next((keys[k] for k in SIZE_COLUMNS if k in keys), None)
    if size_key is None:
        sizes = np.ones(len(records), dtype=np.int64)
    else:
        sizes = _parse_sizes(path, size_key, [record.get(size_key) for record in records], lines)
    return times, sizes


def _datetime_or_nat(text: str) -> np.datetime64:
    """One cell as a nanosecond date-time, or NaT (not a time) when numpy cannot read it."""
    try:
        return np.datetime64(text, "ns")
    except ValueError:
        return np.datetime64("NaT", "ns")


def _is_number(text: str) -> bool:
    """Whether Python reads the text as a float (so '12.5' is seconds, not a date)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _quote(value: object) -> str:
    """A cell for an error message: quoted, on one line, and not too long to read."""
    text = str(value).replace("\n", " ").replace("\r", " ")
    if len(text) > 40:
        text = text[:37] + "..."
    return f"'{text}'"
