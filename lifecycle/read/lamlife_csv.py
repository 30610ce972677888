"""lamlife's own invocation CSV (already classified rows), and arrival CSVs (handed to the
simulator by the pipeline)."""

from __future__ import annotations

import io

import pandas as pd

from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.read.context import ReadOptions, ReadResult, Source
from lamlife.lifecycle.read.platform import (
    MAX_DURATION_MS,
    MAX_MEMORY_MB,
    MAX_TIME_MS,
    MIN_MEMORY_MB,
    MIN_TIME_MS,
)
from lamlife.lifecycle.schema import INVOCATION_COLUMNS, START_TYPES, STATUSES


def read_lamlife_csv(source: Source, text: io.TextIOWrapper, options: ReadOptions,
                      result: ReadResult) -> None:
    """lamlife's own CSV: every row an invocation. The file is lamlife's output, so a row
    that does not read back (an unknown start type, a time or number out of range) means the
    file was damaged or edited: an InputError naming it, never a silently different table."""
    content = text.read()
    try:
        frame = pd.read_csv(io.StringIO(content), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{source.name}: unreadable lamlife CSV ({first})") from exc
    missing = [c for c in INVOCATION_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{source.name}: lamlife CSV lacks columns {', '.join(missing)}")
    # physical lines, blank ones included (pandas skips them)
    result.stats.lines += content.count("\n") + (0 if content.endswith("\n") or not content
                                                 else 1)
    _regions_from_csv(frame, result)
    invocations = invocations_from_strings(frame[list(INVOCATION_COLUMNS)], source.name)
    result.sink.counts.events += len(invocations)  # one row, one already classified record
    result.sink.counts.records += len(invocations)
    result.classified.append(invocations)


_RANGES = {"memory_mb": (MIN_MEMORY_MB, MAX_MEMORY_MB), "max_memory_used_mb": (0.0, MAX_MEMORY_MB)}


def _regions_from_csv(frame: pd.DataFrame, result: ReadResult) -> None:
    """Billing's ``region`` column where it came from the input (``region_from`` input): the
    Region the original logs named, kept for the environments it belongs to."""
    if "region" not in frame.columns or "region_from" not in frame.columns:
        return
    named = frame.loc[(frame["region_from"] == "input") & (frame["region"] != ""),
                      ["function", "environment", "region"]].drop_duplicates()
    for function, environment, region in named.itertuples(index=False):
        result.stats.regions.setdefault(str(function), {})[str(environment)] = str(region)


def invocations_from_strings(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Types for an invocation table read as strings (lamlife CSV)."""
    out = frame.copy()
    for column in ("start", "end"):
        out[column] = pd.to_datetime(out[column], utc=True, errors="coerce", format="ISO8601")
        if out[column].isna().any():
            bad = int(out[column].isna().sum())
            raise InputError(f"{name}: {bad} row(s) with an unreadable {column} time")
    numeric = [c for c in INVOCATION_COLUMNS if c.endswith("_ms") or c.endswith("_mb")]
    for column in numeric:
        text = out[column]
        values = pd.to_numeric(text.replace("", None), errors="coerce").astype(float)
        unreadable = values.isna() & (text != "")
        if unreadable.any():
            raise InputError(f"{name}: {int(unreadable.sum())} row(s) with an unreadable "
                             f"{column} ({text[unreadable].iloc[0]!r})")
        low, high = _RANGES.get(column, (0.0, MAX_DURATION_MS))
        outside = values.notna() & ~values.between(low, high)
        if outside.any():
            raise InputError(f"{name}: {int(outside.sum())} row(s) with {column} out of range "
                             f"({text[outside].iloc[0]!r}; Lambda's range is {low:g} to "
                             f"{high:g})")
        out[column] = values
    for column in ("start", "end"):
        earliest = pd.Timestamp(MIN_TIME_MS, unit="ms", tz="UTC")
        latest = pd.Timestamp(MAX_TIME_MS, unit="ms", tz="UTC")
        if ((out[column] < earliest) | (out[column] > latest)).any():
            raise InputError(f"{name}: a row with a {column} time out of range (1970 to 2261)")
    # held in the narrowest integer type, as the engine holds it (docs/api.md)
    counts = pd.to_numeric(out["init_failures"].replace("", "0"), errors="coerce")
    out["init_failures"] = pd.to_numeric(counts.fillna(0).astype("int64"), downcast="integer")
    for column, allowed in (("start_type", START_TYPES), ("status", STATUSES)):
        unknown = set(out[column]) - set(allowed)
        if unknown:
            raise InputError(f"{name}: unknown {column} {sorted(unknown)[0]!r} "
                             f"(expected one of {', '.join(allowed)})")
    return out


def read_arrivals(source: Source, text: io.TextIOWrapper, options: ReadOptions,
                   result: ReadResult) -> None:
    if source.path is None:
        raise InputError("<stdin>: an arrival CSV must be given as a file")
    if source.member:
        raise InputError(f"{source.name}: an arrival CSV inside a zip archive; extract it and "
                         "pass the file")
    result.arrivals.append(str(source.path))
    result.stats.lines += sum(1 for _ in text)
