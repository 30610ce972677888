"""Build small invocation tables for the billing tests (every schema column present)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from lamlife.lifecycle.schema import INVOCATION_COLUMNS

_DEFAULTS: dict[str, Any] = {
    "function": "fn",
    "version": "$LATEST",
    "environment": "env-1",
    "request_id": "r",
    "start": "2026-10-08T07:30:28.235Z",
    "end": None,
    "start_type": "warm",
    "reason": "",
    "status": "success",
    "error_type": "",
    "duration_ms": math.nan,
    "billed_duration_ms": math.nan,
    "init_duration_ms": math.nan,
    "restore_duration_ms": math.nan,
    "billed_restore_duration_ms": math.nan,
    "memory_mb": 128.0,
    "max_memory_used_mb": math.nan,
    "init_type": "",
    "runtime_version": "",
    "init_failures": 0,
    "flags": "",
}


def invocations(*rows: dict[str, Any]) -> pd.DataFrame:
    """One row per dict; missing columns take the defaults above."""
    records = []
    for i, row in enumerate(rows):
        rec = {**_DEFAULTS, "request_id": f"r{i}", **row}
        records.append(rec)
    df = pd.DataFrame.from_records(records, columns=list(INVOCATION_COLUMNS))
    df["start"] = pd.to_datetime(df["start"], utc=True, format="ISO8601").astype(
        "datetime64[ns, UTC]"
    )
    end = pd.to_datetime(df["end"], utc=True, format="ISO8601").astype("datetime64[ns, UTC]")
    df["end"] = end.fillna(df["start"] + pd.to_timedelta(df["duration_ms"].fillna(0), unit="ms"))
    for c in ("duration_ms", "billed_duration_ms", "init_duration_ms", "restore_duration_ms",
              "billed_restore_duration_ms", "memory_mb", "max_memory_used_mb"):
        df[c] = df[c].astype(float)
    return df
