"""``lamlife analyze --format csv``: the invocation table as CSV, lossless for every column.

Columns are the schema's INVOCATION_COLUMNS in order, then any extra column (billing's cost
columns, for example). Timestamps are ISO 8601 UTC with a ``Z`` (milliseconds, finer only
when the value has a finer part); floats are the shortest text that reads back as the same
float; NaN, NaT and None are empty cells; ``flags`` stays the ``;``-joined string. Lines end
with ``\\n``; fields are quoted only when needed (comma, quote, line break). Control
characters in text (a log group or stream name holding a NUL) are written escaped, as the
terminal and Markdown show them (``\\x00``): the only cells that are not lossless.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any, TextIO

import numpy as np
import pandas as pd

from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.schema import INVOCATION_COLUMNS
from lamlife.lifecycle.text import printable
from lamlife.reports._format import is_missing, iso_utc
from lamlife.reports.json_report import ordered_columns


def _cells(series: pd.Series | None, length: int) -> list[str]:
    """One column as CSV cell text."""
    if series is None:
        return [""] * length
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(
        series.dtype
    ):
        return ["" if value is None else value for value in iso_utc(series)]
    if pd.api.types.is_float_dtype(series.dtype) and series.dtype != object:
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        # numpy prints a float64 as the shortest string that parses back to the same value.
        text = values.astype(str).astype(object)
        text[np.isnan(values)] = ""
        return list(text)
    if pd.api.types.is_integer_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        if isinstance(series.dtype, np.dtype):  # numpy ints and bools have no missing values
            return list(series.to_numpy().astype(str).astype(object))
        return ["" if is_missing(value) else str(value) for value in series.tolist()]
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind in ("string", "empty"):  # the common case, done column-wise
        missing = series.isna().to_numpy()
        text = series.astype(object).to_numpy(copy=True)
        text[missing] = ""
        return _printable_cells(list(text))
    if kind.startswith("datetime"):
        return ["" if value is None else value for value in iso_utc(series)]
    return _printable_cells([_object_cell(value) for value in series.tolist()])


def _printable_cells(cells: list[str]) -> list[str]:
    """Cells with control characters (not line breaks or tabs, which CSV quotes) escaped as
    the terminal and Markdown show them (``printable``: a NUL is the four characters
    ``\\x00``): a log group or stream name holding one never puts a raw control character
    in the file. One check over the whole column first: nearly always there is none."""
    if "".join(cells).isprintable():
        return cells
    return [_CONTROL.sub(_escaped, cell) for cell in cells]


# ``printable``'s characters but the line breaks and the tab, which CSV quotes (lossless)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e"
                      "\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    return printable(match.group(0))


def _object_cell(value: Any) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, float | np.floating):
        return repr(float(value))
    if isinstance(value, pd.Timestamp):
        return iso_utc(pd.Series([value]))[0] or ""
    return str(value)


def write_csv(analysis: Analysis, out: TextIO) -> None:
    """Write the invocation table to ``out`` (header line first)."""
    frame = analysis.invocations
    names = ordered_columns(frame, INVOCATION_COLUMNS)
    length = len(frame)
    columns = [_cells(frame[name] if name in frame.columns else None, length) for name in names]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    writer.writerows(zip(*columns, strict=True))


def render_csv(analysis: Analysis) -> str:
    """The invocation table as CSV text."""
    buffer = io.StringIO()
    write_csv(analysis, buffer)
    return buffer.getvalue()
