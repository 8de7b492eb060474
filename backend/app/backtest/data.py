"""Loading bars from CSV with one clear error (row and column) for anything malformed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from app.strategies.frame import BarFrame

PRICE_COLUMNS = ("open", "high", "low", "close", "volume")
TIME_COLUMNS = ("timestamp", "date", "datetime", "time")
# Bars one CSV may hold, and characters one cell may hold (a bar's cell is short; the csv module's
# own limit, 131,072, would otherwise end the read with an error naming no row).
MAX_ROWS = 500_000
MAX_CELL_CHARS = 1_000


class DataError(ValueError):
    """A CSV that cannot be used, with the place of the first problem."""


def load_csv(source: str | Path | bytes, symbol: str | None = None) -> BarFrame:
    """Bars from a CSV (path or raw bytes): a date/timestamp column plus open, high, low, close,
    volume in any letter case, oldest first, one row per bar. Rows are numbered as a spreadsheet
    shows them (the header is row 1)."""
    name = "<data>" if isinstance(source, bytes) else str(source)
    if symbol is None:
        symbol = "DATA" if isinstance(source, bytes) else Path(source).stem.upper()
    try:
        text = (
            source.decode("utf-8-sig")
            if isinstance(source, bytes)
            else Path(source).read_text(encoding="utf-8-sig")
        )
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{name}: cannot read: {exc}") from exc
    rows = _rows(name, csv.reader(io.StringIO(text)))
    header = next(rows, None)
    if not header:
        raise DataError(f"{name}: the file is empty; expected a header row")
    columns = _locate(name, header)
    times: list[np.datetime64] = []
    values: list[list[float]] = []
    row_numbers: list[int] = []
    for row_number, row in _numbered(rows):
        row_numbers.append(row_number)
        times.append(_parse_time(name, row_number, header[columns["time"]], row, columns["time"]))
        values.append(
            [
                _parse_number(name, row_number, header[columns[col]], row, columns[col])
                for col in PRICE_COLUMNS
            ]
        )
    if not times:
        raise DataError(f"{name}: no bars after the header")
    stamps = np.array(times, dtype="datetime64[us]")
    _check_order(name, stamps, header[columns["time"]], row_numbers)
    table = np.array(values, dtype=np.float64)
    _check_values(name, table, header, columns, row_numbers)
    return BarFrame(symbol, stamps, *(np.ascontiguousarray(table[:, i]) for i in range(5)))


def _locate(name: str, header: list[str]) -> dict[str, int]:
    lowered = [cell.strip().lower() for cell in header]
    columns: dict[str, int] = {}
    for wanted in PRICE_COLUMNS:
        if wanted not in lowered:
            raise DataError(
                f"{name}: row 1: missing column '{wanted}' (found: {', '.join(header)})"
            )
        columns[wanted] = lowered.index(wanted)
    time_index = next((lowered.index(c) for c in TIME_COLUMNS if c in lowered), None)
    if time_index is None:
        raise DataError(f"{name}: row 1: missing a time column (one of: {', '.join(TIME_COLUMNS)})")
    columns["time"] = time_index
    return columns


def _rows(name: str, reader: Iterator[list[str]]) -> Iterator[list[str]]:
    """The reader's rows; its errors (a NUL, an over-long field) and the limits as DataError."""
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DataError(f"{name}: row {line}: {exc}") from None
        if line > MAX_ROWS + 1:  # the header is row 1
            raise DataError(f"{name}: more than {MAX_ROWS} bars; split the file")
        for index, cell in enumerate(row):
            if len(cell) > MAX_CELL_CHARS:
                too_long = f"a cell over {MAX_CELL_CHARS} characters"
                raise DataError(f"{name}: row {line}, column {index + 1}: {too_long}")
        yield row
        line += 1


def _numbered(rows: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    for offset, row in enumerate(rows):
        if row and any(cell.strip() for cell in row):
            yield offset + 2, row


def _cell(name: str, row_number: int, column: str, row: list[str], index: int) -> str:
    if index >= len(row) or not row[index].strip():
        raise DataError(f"{name}: row {row_number}, column '{column}': empty cell")
    return row[index].strip()


def _parse_number(name: str, row_number: int, column: str, row: list[str], index: int) -> float:
    text = _cell(name, row_number, column, row, index)
    try:
        number = float(text)
    except ValueError:
        raise DataError(
            f"{name}: row {row_number}, column '{column}': {text!r} is not a number"
        ) from None
    if not np.isfinite(number):
        raise DataError(f"{name}: row {row_number}, column '{column}': {text!r} is not finite")
    return number


def _parse_time(
    name: str, row_number: int, column: str, row: list[str], index: int
) -> np.datetime64:
    text = _cell(name, row_number, column, row, index)
    cleaned = text.replace("Z", "").replace(" ", "T")
    offset = None
    if len(cleaned) > 19 and cleaned[-6] in "+-" and cleaned[-3] == ":":
        cleaned, offset = cleaned[:-6], cleaned[-6:]
    try:
        stamp = np.datetime64(cleaned, "us")
    except ValueError:
        raise DataError(
            f"{name}: row {row_number}, column '{column}': {text!r} is not a date or timestamp"
        ) from None
    if offset:
        sign = 1 if offset[0] == "+" else -1
        minutes = int(offset[1:3]) * 60 + int(offset[4:6])
        stamp -= sign * np.timedelta64(minutes, "m")
    return stamp


def _check_order(name: str, stamps: np.ndarray, column: str, row_numbers: list[int]) -> None:
    steps = np.diff(stamps).astype(np.int64)
    bad = np.flatnonzero(steps <= 0)
    if bad.size:
        row = row_numbers[int(bad[0]) + 1]  # the later row of the offending pair
        kind = "duplicate" if steps[bad[0]] == 0 else "out-of-order"
        raise DataError(
            f"{name}: row {row}, column '{column}': {kind} timestamp {stamps[bad[0] + 1]} "
            f"(previous row has {stamps[bad[0]]}); rows must be sorted oldest first, one per bar"
        )


def _check_values(
    name: str, table: np.ndarray, header: list[str], columns: dict[str, int], rows: list[int]
) -> None:
    """Prices above zero, volume not negative, and each bar's high not below its low."""
    checks = [
        (col, table[:, i] <= 0, "a price must be above zero")
        for i, col in enumerate(PRICE_COLUMNS[:4])
    ]
    checks.append(("volume", table[:, 4] < 0, "volume must not be negative"))
    checks.append(("high", table[:, 1] < table[:, 2], "the high is below the low"))
    for col, bad, why in checks:
        if bad.any():
            at = int(np.flatnonzero(bad)[0])
            value = table[at, PRICE_COLUMNS.index(col)]
            raise DataError(
                f"{name}: row {rows[at]}, column '{header[columns[col]]}': {value:g}: {why}"
            )
