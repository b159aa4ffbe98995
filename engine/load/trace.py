"""Reading recorded request arrivals (Azure LLM CSV, Mooncake JSONL, any CSV/JSONL) into arrays.

The time and size columns are found by their usual names or chosen by the caller; the time
format is detected per file (``trace_times``). Parsing is vectorised with numpy; only when a
column fails to convert do we walk it row by row, to name the line at fault.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from batchtui.engine.errors import ConfigError
from batchtui.engine.load.trace_times import TIME_UNITS, is_number, parse_times, quote

TIME_COLUMNS = ("timestamp", "time", "arrival", "arrival_time")
"""CSV header names (any case) taken as the arrival time when none is chosen."""

SIZE_COLUMNS = (
    "contexttokens", "input_length", "input_tokens", "prompt_tokens", "prompt_length", "size",
    "tokens",
)  # fmt: skip
"""CSV headers / JSONL keys (any case) read as the request size in tokens; the first found wins."""

JSONL_TIME_KEYS = {"timestamp": "ms", "time": "s", "arrival": "s", "arrival_time": "s"}
"""JSONL keys for the arrival time and the unit of their small (not epoch) numbers: Mooncake's
``timestamp`` is milliseconds from the start."""

_JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
_MAX_SIZE = 2.0**53


@dataclass(frozen=True, eq=False)
class Trace:
    """A recorded arrival stream, relative to its first request, ready to replay.

    ``times`` are float64 seconds, ascending, starting at 0.0; ``sizes`` are int64 token
    counts >= 1. Both arrays are read-only because loaded traces are cached and shared.
    The other fields say how the file was read, for summaries and messages.
    """

    times: np.ndarray
    sizes: np.ndarray
    source: str
    time_column: str = ""
    time_unit: str = "s"
    """iso, s, ms or us: how the time column was read (detected or forced)."""
    time_format: str = ""
    """The time format in words, e.g. 'date-times (no zone)' or 'epoch milliseconds'."""
    size_column: str | None = None
    """None when the file has no size column (every request then counts as 1)."""
    columns: tuple[str, ...] = ()
    """The file's CSV header or first JSON object's keys."""

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


@dataclass(frozen=True)
class _Columns:
    """What the caller chose (None: find by the usual names / detect the time format)."""

    time: str | None = None
    size: str | None = None
    unit: str | None = None


def check_trace_options(time_column: object, size_column: object, time_unit: object) -> None:
    """ConfigError naming the first bad choice of column or time unit (None means "detect")."""
    for where, value in (("time_column", time_column), ("size_column", size_column)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(where, f"must be a column name (or key), got {value!r}")
    if time_unit is not None and time_unit not in TIME_UNITS:
        raise ConfigError(
            "time_unit",
            f"must be one of {', '.join(TIME_UNITS)} (or left out to detect it), got {time_unit!r}",
        )


def load_trace(
    path: str | Path,
    time_column: str | None = None,
    size_column: str | None = None,
    time_unit: str | None = None,
) -> Trace:
    """Load a trace file, cached by (resolved path, mtime, choices), raising ConfigError.

    The format comes from the suffix (.csv; .jsonl/.ndjson/.json as JSON Lines) or, failing
    that, from the first character. ``time_column``/``size_column`` choose the CSV columns or
    JSON keys; ``time_unit`` (s, ms, us, iso) forces the time format. Rows out of time order
    are sorted (stably), since replay needs ascending times; the file itself is never changed.
    Problems with the file are reported under ``trace``, with a choice under its own name.
    """
    check_trace_options(time_column, size_column, time_unit)
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
    columns = _Columns(time_column, size_column, time_unit)
    return _load_cached(str(resolved), info.st_mtime_ns, info.st_size, columns)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int, columns: _Columns) -> Trace:
    """Parse one version of one file; the key's mtime and size make edits reload it."""
    text = _read_text(path)
    if not text.strip():
        raise ConfigError("trace", f"{path}: the file is empty")
    if path.lower().endswith(_JSONL_SUFFIXES) or (
        not path.lower().endswith(".csv") and text.lstrip().startswith("{")
    ):
        trace = _parse_jsonl(path, text, columns)
    else:
        trace = _parse_csv(path, text, columns)
    times, sizes = trace.times, trace.sizes
    if times.size > 1 and np.any(times[1:] < times[:-1]):
        order = np.argsort(times, kind="stable")
        times, sizes = times[order], sizes[order]
    times = times - times[0]
    times.setflags(write=False)
    sizes.setflags(write=False)
    return Trace(
        times=times,
        sizes=sizes,
        source=path,
        time_column=trace.time_column,
        time_unit=trace.time_unit,
        time_format=trace.time_format,
        size_column=trace.size_column,
        columns=trace.columns,
    )


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


def _parse_csv(path: str, text: str, columns: _Columns) -> Trace:
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
    where = f"{path} line {header_line}"
    time_col = _chosen(names, columns.time, "time_column", where, "column")
    if time_col is None:
        time_col = _find_column(names, TIME_COLUMNS)
    if time_col is None:
        raise ConfigError(
            "trace",
            f"{where}: no arrival-time column; expected one of TIMESTAMP, time, arrival, "
            f"arrival_time (any case) or a chosen time column, found {', '.join(names)}",
        )
    if not rows:
        raise ConfigError("trace", f"{path}: has a header but no requests")
    size_col = _chosen(names, columns.size, "size_column", where, "column")
    if size_col is None and columns.size is None:
        size_col = _find_column(names, SIZE_COLUMNS)
    needed = max(time_col, -1 if size_col is None else size_col) + 1
    for row, line in zip(rows, lines, strict=True):
        if len(row) < needed:
            raise ConfigError(
                "trace", f"{path} line {line}: expected {len(names)} fields, found {len(row)}"
            )
    times = parse_times(
        path, names[time_col], [row[time_col] for row in rows], lines, unit=columns.unit
    )
    if size_col is None:
        sizes = np.ones(len(rows), dtype=np.int64)
    else:
        raw = [row[size_col].strip() or None for row in rows]
        sizes = _parse_sizes(path, names[size_col], raw, lines)
    return Trace(
        times=times.seconds,
        sizes=sizes,
        source=path,
        time_column=names[time_col],
        time_unit=times.unit,
        time_format=times.described,
        size_column=None if size_col is None else names[size_col],
        columns=tuple(names),
    )


def _chosen(
    names: Sequence[str], chosen: str | None, setting: str, at: str, what: str
) -> int | None:
    """Index of the chosen column (exact name, else the one name equal in any case), or None
    when nothing was chosen; a ConfigError under ``setting`` when the file has no such column."""
    if chosen is None:
        return None
    if chosen in names:
        return list(names).index(chosen)
    folded = [i for i, name in enumerate(names) if name.lower() == chosen.lower()]
    if len(folded) == 1:
        return folded[0]
    raise ConfigError(setting, f"{at}: no {what} {chosen!r}; found {', '.join(names)}")


def _find_column(names: Sequence[str], wanted: Sequence[str]) -> int | None:
    """Index of the first of `wanted` (in its order of preference) among `names`, any case."""
    lowered = [name.lower() for name in names]
    for name in wanted:
        if name in lowered:
            return lowered.index(name)
    return None


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
        first = next(i for i, cell in enumerate(cells) if not is_number(str(cell)))
    raise ConfigError(
        "trace", f"{path} line {lines[first]}: {column} {quote(cells[first])} {complaint}"
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
            f"{path} line {lines[first]}: {column} {quote(values[first])} is not a token count",
        )
    return np.maximum(np.rint(numbers), 1).astype(np.int64)


def _parse_jsonl(path: str, text: str, columns: _Columns) -> Trace:
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
    names = list(records[0])
    keys = {key.lower(): key for key in names}
    where = f"{path} line {lines[0]}"
    chosen = _chosen(names, columns.time, "time_column", where, "key")
    time_key = names[chosen] if chosen is not None else None
    if time_key is None:
        time_key = next((keys[k] for k in JSONL_TIME_KEYS if k in keys), None)
    if time_key is None:
        raise ConfigError(
            "trace",
            f"{where}: no arrival time; expected a key timestamp (milliseconds, as in Mooncake) "
            "or time/arrival/arrival_time (seconds), or a chosen time key; "
            f"found {', '.join(names)}",
        )
    raw_times = [record.get(time_key) for record in records]
    for i, value in enumerate(raw_times):
        if value is None:
            raise ConfigError("trace", f"{path} line {lines[i]}: no {time_key}")
    relative_unit = JSONL_TIME_KEYS.get(time_key.lower(), "s")
    times = parse_times(
        path, time_key, raw_times, lines, unit=columns.unit, relative_unit=relative_unit
    )
    chosen = _chosen(names, columns.size, "size_column", where, "key")
    size_key = names[chosen] if chosen is not None else None
    if size_key is None and columns.size is None:
        size_key = next((keys[k] for k in SIZE_COLUMNS if k in keys), None)
    if size_key is None:
        sizes = np.ones(len(records), dtype=np.int64)
    else:
        sizes = _parse_sizes(path, size_key, [record.get(size_key) for record in records], lines)
    return Trace(
        times=times.seconds,
        sizes=sizes,
        source=path,
        time_column=time_key,
        time_unit=times.unit,
        time_format=times.described,
        size_column=size_key,
        columns=tuple(names),
    )
