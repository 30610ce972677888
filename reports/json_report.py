"""``lamlife analyze --format json``: the JSON contract of DESIGN.md.

Top-level keys, in this order: ``summary``, ``input``, ``functions``, ``environments``,
``events`` and, only when asked, ``invocations``. Table rows keep the schema's columns in
schema order, then any extra column the table carries (billing's cost columns, for example).
Timestamps are ISO 8601 UTC strings with a ``Z`` (milliseconds, finer only when the value has
a finer part); NaN and NaT are ``null``; numpy numbers are plain JSON numbers; every ``flags``
column is a list of strings.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.schema import (
    ENVIRONMENT_COLUMNS,
    EVENT_COLUMNS,
    FUNCTION_COLUMNS,
    INVOCATION_COLUMNS,
)
from lamlife.reports._format import is_missing, iso_utc, iso_utc_one, split_flags

FLAGS_COLUMN = "flags"


def ordered_columns(frame: pd.DataFrame, schema: Sequence[str]) -> list[str]:
    """The schema's columns in schema order, then the frame's other columns in frame order."""
    known = set(schema)
    return list(schema) + [str(name) for name in frame.columns if name not in known]


def jsonable(value: Any) -> Any:
    """A value made of plain JSON types: dicts, lists, str, int, float, bool and None."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, pd.DataFrame):
        return table_rows(value, ())
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Series)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [jsonable(item) for item in items]
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating, Decimal)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, (pd.Timestamp, dt.datetime, np.datetime64)):
        return iso_utc_one(value)
    if isinstance(value, (pd.Timedelta, dt.timedelta, np.timedelta64)):
        if is_missing(value):
            return None
        return pd.Timedelta(value).total_seconds()
    if is_missing(value):  # pd.NA, pd.NaT
        return None
    return str(value)


def _column_values(series: pd.Series | None, name: str, length: int) -> list[Any]:
    """One column as a list of JSON values."""
    if series is None:  # a schema column the table lacks
        return [[] if name == FLAGS_COLUMN else None] * length
    if name == FLAGS_COLUMN:
        return [split_flags(value) for value in series.tolist()]
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(
        series.dtype
    ):
        return list(iso_utc(series))
    if pd.api.types.is_bool_dtype(series.dtype) and series.dtype != object:
        return [None if is_missing(v) else bool(v) for v in series.tolist()]
    if pd.api.types.is_integer_dtype(series.dtype):
        return [None if is_missing(v) else int(v) for v in series.tolist()]
    if pd.api.types.is_float_dtype(series.dtype):
        return [float(v) if math.isfinite(v) else None for v in series.astype(float).tolist()]
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        values = series.astype(object).to_numpy(copy=True)
        values[series.isna().to_numpy()] = None
        return list(values)
    return [jsonable(value) for value in series.tolist()]


def table_rows(frame: pd.DataFrame, schema: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of ``frame`` as JSON objects with the schema's keys first, then extra columns."""
    names = ordered_columns(frame, schema)
    length = len(frame)
    columns = [
        _column_values(frame[name] if name in frame.columns else None, name, length)
        for name in names
    ]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def to_json_dict(analysis: Analysis, include_invocations: bool = False,
                 top: int = 10) -> dict[str, Any]:
    """The analysis as the JSON contract's object (plain Python types only); ``account``
    (the first ``top`` functions of each ranking) when several functions are present."""
    from lamlife.reports.account import account_json

    out: dict[str, Any] = {
        "summary": jsonable(analysis.summary or {}),
        "input": jsonable(analysis.input.as_dict()),
        "functions": table_rows(analysis.functions, FUNCTION_COLUMNS),
        "environments": table_rows(analysis.environments, ENVIRONMENT_COLUMNS),
        "events": table_rows(analysis.events, EVENT_COLUMNS),
    }
    account = account_json(analysis.account, top)
    if account is not None:
        out["account"] = account
    if include_invocations:
        out["invocations"] = table_rows(analysis.invocations, INVOCATION_COLUMNS)
    return out


TABLE_KEYS = frozenset({"functions", "environments", "events", "invocations"})


_COMPACT = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def _dumps(value: Any, indent: int | None = None) -> str:
    if indent is None:
        return _COMPACT.encode(value)
    return json.dumps(value, indent=indent, ensure_ascii=False, allow_nan=False)


def render_json(analysis: Analysis, include_invocations: bool = False, top: int = 10) -> str:
    """:func:`to_json_dict` as JSON text (no NaN), ending with a newline.

    Objects are indented by two spaces, except that each table row stays on one line: a
    million invocations stay quick to write and to read with line tools.
    """
    data = to_json_dict(analysis, include_invocations=include_invocations, top=top)
    members = []
    for key, value in data.items():
        if key in TABLE_KEYS and value:
            body = "[\n" + ",\n".join("    " + _dumps(row) for row in value) + "\n  ]"
        else:
            body = _dumps(value, indent=2).replace("\n", "\n  ")
        members.append(f"  {_dumps(key)}: {body}")
    return "{\n" + ",\n".join(members) + "\n}\n"
