"""A trace's arrival times from its time column: the format detected per file, or forced.

A file holds one format: full date-times (ISO 8601, with or without a zone, not both), or
numbers: epoch seconds, milliseconds or microseconds (told apart by their size), or seconds
from the start. A row in another format, or a date-time short of its seconds, is refused
with its line: taken as a time it would silently move the start of the whole trace.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from batchtui.engine.errors import ConfigError

TIME_UNITS = ("s", "ms", "us", "iso")
"""What ``time_unit`` may force: numbers in seconds, milliseconds, microseconds, or date-times."""

UNIT_SCALE = {"s": 1.0, "ms": 1e3, "us": 1e6}
"""Units per second of each numeric unit."""

_UNIT_WORDS = {"s": "seconds", "ms": "milliseconds", "us": "microseconds"}
# Epoch numbers are told apart by size: a date between 1990 and 2100 in each unit. Numbers
# below the first range are seconds (or the key's own unit) from the start.
_EPOCH_LOW, _EPOCH_HIGH = 631_152_000.0, 4_102_444_800.0
_EPOCH_RANGES = {unit: (_EPOCH_LOW * k, _EPOCH_HIGH * k) for unit, k in UNIT_SCALE.items()}
_RELATIVE, _UNKNOWN = "relative", "unknown"

# A full date-time: (the date and time of day, to the second or finer) (an optional zone).
_FULL_TEXT = r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?) ?(Z|[+-]\d{2}(?::?\d{2})?)?"
_FULL = re.compile(_FULL_TEXT)
_PARTIAL = re.compile(r"\d{4}-\d{2}(-\d{2}([T ]\d{2}(:\d{2})?)?)? ?(Z|[+-]\d{2}(:?\d{2})?)?")
_FULL_SHAPE = "YYYY-MM-DD HH:MM:SS (a fraction and a zone are optional)"

# Kinds of a single cell.
_NUMBER, _DATETIME, _PARTIAL_DATETIME, _OTHER = "number", "date-time", "partial", "other"


@dataclass(frozen=True)
class TraceTimes:
    """Seconds since the earliest row (float64, file order) and the format they were read in."""

    seconds: np.ndarray
    unit: str
    """iso, s, ms or us: how the column was read."""
    described: str
    """The format in words, e.g. 'epoch milliseconds' or 'date-times (no zone)'."""


@dataclass(frozen=True)
class _Column:
    """Where the values come from, for error messages: the file, the column and each row's line."""

    path: str
    name: str
    lines: Sequence[int]

    def error(self, index: int, value: object, complaint: str, where: str = "trace") -> ConfigError:
        return ConfigError(
            where, f"{self.path} line {self.lines[index]}: {self.name} {quote(value)} {complaint}"
        )

    def forced(self, index: int, value: object, what: str, unit: str) -> ConfigError:
        """A row at odds with the forced time unit: reported under ``time_unit``."""
        return self.error(
            index, value, f"is {what}, but the time unit is forced to {unit}", "time_unit"
        )


def parse_times(
    path: str,
    column: str,
    values: Sequence[object],
    lines: Sequence[int],
    *,
    unit: str | None = None,
    relative_unit: str = "s",
) -> TraceTimes:
    """Read one time column (CSV text cells or JSON values), raising ConfigError at the bad row.

    ``unit`` forces the format (see TIME_UNITS); None detects it. ``relative_unit`` is the
    unit of numbers too small to be epoch times (Mooncake's ``timestamp`` is milliseconds).
    """
    col = _Column(path, column, lines)
    numbers = _json_numbers(values)
    texts: list[str | None] = []
    if numbers is None:
        texts = _texts(values)
        numbers = _text_numbers(texts)
    if numbers is None:
        matches = _full_datetimes(texts) if unit in (None, "iso") else None
        if matches is not None:
            return _datetimes(col, values, texts, matches)  # type: ignore[arg-type]
        kinds = [_kind(t) for t in texts]
        family = _family(kinds, unit)
        _check_kinds(col, values, kinds, family, unit or relative_unit, unit is not None)
        numbers = np.array([float(t) for t in texts if t is not None], dtype=np.float64)
    elif unit == "iso":
        raise col.forced(0, values[0], "a number", "iso")
    return _numbers(col, values, numbers, unit, relative_unit)


def _texts(values: Sequence[object]) -> list[str | None]:
    """Every value as stripped text (see _text); CSV cells, all text, take the quick way."""
    if all(isinstance(v, str) for v in values):
        return [v.strip() for v in values]  # type: ignore[union-attr]
    return [_text(v) for v in values]


def _json_numbers(values: Sequence[object]) -> np.ndarray | None:
    """Every value as a float64 when all are JSON numbers, else None."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        try:
            return np.array(values, dtype=np.float64)
        except OverflowError:  # a JSON integer beyond float64
            return None
    return None


def _text_numbers(texts: Sequence[str | None]) -> np.ndarray | None:
    """Every text as a float64 when all are numbers, else None (tried only if the first is)."""
    if texts and texts[0] is not None and is_number(texts[0]) and None not in texts:
        try:
            return np.array(texts, dtype=str).astype(np.float64)
        except ValueError:
            return None
    return None


def _kind(text: str | None) -> str:
    """What one cell holds: a number, a full date-time, a date-time short of seconds, or other."""
    if text is None:
        return _OTHER
    if _FULL.fullmatch(text):
        return _DATETIME
    if is_number(text):
        return _NUMBER
    if _PARTIAL.fullmatch(text):
        return _PARTIAL_DATETIME
    return _OTHER


def _family(kinds: list[str], unit: str | None) -> str:
    """The file's format: forced by ``unit``, else what most rows hold (ties: the first row's)."""
    if unit is not None:
        return _DATETIME if unit == "iso" else _NUMBER
    families = [_DATETIME if k == _PARTIAL_DATETIME else k for k in kinds if k != _OTHER]
    if not families:
        return _DATETIME
    counts = Counter(families)
    best = max(counts.values())
    return next(k for k in families if counts[k] == best)


def _check_kinds(
    col: _Column,
    values: Sequence[object],
    kinds: list[str],
    family: str,
    unit: str,
    forced: bool,
) -> None:
    """Refuse the first row that is not of the file's format, naming a row that is."""
    for i, kind in enumerate(kinds):
        if kind == family:
            continue
        value = values[i]
        if kind == _PARTIAL_DATETIME and family == _DATETIME:
            raise col.error(i, value, f"is not a full date-time; expected {_FULL_SHAPE}")
        if kind == _OTHER:
            complaint = "is not a date-time"
            if family == _NUMBER:
                complaint = f"is not a number of {_UNIT_WORDS.get(unit, 'seconds')}"
            raise col.error(i, value, complaint)
        what = _article(kind)
        if forced:
            raise col.forced(i, value, what, unit)
        similar = (family, _PARTIAL_DATETIME) if family == _DATETIME else (family,)
        ref = next(j for j, k in enumerate(kinds) if k in similar)
        raise col.error(
            i,
            value,
            f"is {what}, but line {col.lines[ref]} holds {_article(family)} "
            f"({quote(values[ref])}); one file holds one time format",
        )


def _full_datetimes(texts: Sequence[str | None]) -> list[re.Match[str]] | None:
    """The match of every text when each is a full date-time, else None (the quick test)."""
    if any(t is None for t in texts):
        return None
    matches = list(map(_FULL.fullmatch, texts))  # type: ignore[arg-type]
    return matches if all(matches) else None  # type: ignore[return-value]


def _datetimes(
    col: _Column, values: Sequence[object], texts: Sequence[str], matches: list[re.Match[str]]
) -> TraceTimes:
    """Full date-times, all without a zone or all with one (converted to UTC), in nanoseconds."""
    zones = [m.group(2) for m in matches]
    zoned = [zone is not None for zone in zones]
    if any(zoned) and not all(zoned):
        majority = sum(zoned) * 2 >= len(zoned)
        i = zoned.index(not majority)
        ref = zoned.index(majority)
        has = "has a zone" if zoned[i] else "has no zone"
        other = "has one" if majority else "has none"
        raise col.error(
            i,
            values[i],
            f"{has}, but line {col.lines[ref]} ({quote(values[ref])}) {other}; "
            "one file holds one time format",
        )
    cells = np.array([m.group(1) for m in matches] if zoned[0] else texts, dtype=str)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            stamps = cells.astype("datetime64[ns]")
        except ValueError:  # only now cell by cell, to find the line at fault (e.g. month 13)
            stamps = np.array([_datetime_or_nat(str(cell)) for cell in cells], "datetime64[ns]")
    missing = np.flatnonzero(np.isnat(stamps))
    if missing.size:
        first = int(missing[0])
        raise col.error(first, values[first], "is not a date-time")
    nanoseconds = stamps.astype(np.int64)
    if zoned[0]:
        offsets = {zone: _offset_ns(zone) for zone in set(zones)}
        nanoseconds = nanoseconds - np.array([offsets[z] for z in zones], dtype=np.int64)
    # Subtracting in integer nanoseconds first keeps the 100 ns digits of Azure's timestamps.
    seconds = (nanoseconds - nanoseconds.min()).astype(np.float64) / 1e9
    described = "date-times with a zone (UTC)" if zoned[0] else "date-times (no zone)"
    return TraceTimes(seconds=seconds, unit="iso", described=described)


def _numbers(
    col: _Column,
    values: Sequence[object],
    numbers: np.ndarray,
    unit: str | None,
    relative_unit: str,
) -> TraceTimes:
    """Numbers in a forced or detected unit, as seconds since the smallest."""
    bad = np.flatnonzero(~np.isfinite(numbers))
    if bad.size:
        first = int(bad[0])
        words = _UNIT_WORDS[unit or relative_unit]
        raise col.error(first, values[first], f"is not a number of {words}")
    if unit is not None:
        described = f"{_UNIT_WORDS[unit]} (forced)"
    else:
        unit, described = _detect_unit(col, values, numbers, relative_unit)
    # Subtract before scaling: epoch microseconds keep every digit as float64 integers.
    seconds = (numbers - numbers.min()) / UNIT_SCALE[unit]
    return TraceTimes(seconds=seconds, unit=unit, described=described)


def _detect_unit(
    col: _Column, values: Sequence[object], numbers: np.ndarray, relative_unit: str
) -> tuple[str, str]:
    """The unit the numbers' size says (all rows must agree), and its description."""
    classes = np.full(numbers.shape, _UNKNOWN, dtype=object)
    classes[numbers < _EPOCH_LOW] = _RELATIVE
    for unit, (low, high) in _EPOCH_RANGES.items():
        classes[(numbers >= low) & (numbers < high)] = unit
    counts = Counter(classes.tolist())
    best = max(counts.values())
    family = next(c for c in classes if counts[c] == best)
    if family == _UNKNOWN:
        i = int(np.flatnonzero(classes == _UNKNOWN)[0])
        raise col.error(
            i,
            values[i],
            "is too large for seconds from the start and is not epoch seconds, milliseconds "
            "or microseconds of 1990-2100; force the time unit (s, ms or us)",
        )
    odd = np.flatnonzero(classes != family)
    if odd.size:
        i, ref = int(odd[0]), int(np.flatnonzero(classes == family)[0])
        raise col.error(
            i,
            values[i],
            f"reads as {_class_words(classes[i], relative_unit)}, but line {col.lines[ref]} "
            f"({quote(values[ref])}) as {_class_words(family, relative_unit)}; one file holds "
            "one time format (or force the time unit)",
        )
    if family == _RELATIVE:
        return relative_unit, f"{_UNIT_WORDS[relative_unit]} from the start"
    return family, f"epoch {_UNIT_WORDS[family]}"


def _class_words(cls: str, relative_unit: str) -> str:
    if cls == _RELATIVE:
        return f"{_UNIT_WORDS[relative_unit]} from the start"
    if cls == _UNKNOWN:
        return "no known unit"
    return f"epoch {_UNIT_WORDS[cls]}"


def _offset_ns(zone: str) -> int:
    """A zone suffix (Z, +08, +0800, -05:30) as nanoseconds ahead of UTC."""
    if zone == "Z":
        return 0
    digits = zone[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:]) if len(digits) > 2 else 0)
    return (1 if zone[0] == "+" else -1) * minutes * 60 * 1_000_000_000


def _datetime_or_nat(text: str) -> np.datetime64:
    """One cell as a nanosecond date-time, or NaT (not a time) when numpy cannot read it."""
    try:
        return np.datetime64(text, "ns")
    except ValueError:
        return np.datetime64("NaT", "ns")


def _text(value: object) -> str | None:
    """A cell or JSON value as stripped text; None for what cannot be a time (true, null, [])."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return None


def is_number(text: str) -> bool:
    """Whether Python reads the text as a float (so '12.5' is seconds, not a date)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _article(kind: str) -> str:
    return "a number" if kind == _NUMBER else "a date-time"


def quote(value: object) -> str:
    """A cell for an error message: quoted, on one line, and not too long to read."""
    text = str(value).replace("\n", " ").replace("\r", " ")
    if len(text) > 40:
        text = text[:37] + "..."
    return f"'{text}'"
