"""The compact scanners' columns into a ``RecordSink``.

The compiled scanner (``_tailscan.scan`` for ``aws logs tail`` text, ``_tailscan.scan_jsonl``
for JSON lines) and the pure-Python JSON-lines scanner return the canonical START and REPORT
records of a chunk as columns: ``(streams, versions, error_types, starts, reports)`` where
``streams``, ``versions`` and ``error_types`` are the distinct strings of the chunk and

- ``starts`` = (stream index int32, time float64 epoch ms, version index int32, RequestIds);
- ``reports`` = (stream index int32, time float64 epoch ms, 5 float64 numbers a row
  (Duration, Billed Duration, Memory Size, Max Memory Used, Init Duration; NaN when absent),
  status code int8 (index into ``STATUS_NAMES``), error type index int32, RequestIds),

the numeric columns as raw native-endian bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from lamlife.lifecycle.read.collect import NUMERIC_FIELDS, RecordSink

STATUS_NAMES = ("", "success", "timeout", "error")  # the scanners' status codes

Starts = tuple[bytes, bytes, bytes, list[str]]
Reports = tuple[bytes, bytes, bytes, bytes, bytes, list[str]]
Columns = tuple[list[str], list[str], list[str], Starts, Reports]


def column_rows(columns: Columns) -> int:
    """START plus REPORT rows of the columns."""
    return len(columns[3][3]) + len(columns[4][5])


def add_columns(sink: RecordSink, columns: Columns, env_of: np.ndarray) -> None:
    """Hand the columns to the sink; ``env_of[i]`` is the environment code of stream ``i``."""
    _streams, versions, error_types, starts, reports = columns
    env_of = env_of if len(env_of) else np.zeros(1, dtype=np.int64)
    _add_starts(sink, starts, env_of, versions)
    _add_reports(sink, reports, env_of, error_types)


def _add_starts(sink: RecordSink, starts: Starts, env_of: np.ndarray,
                versions: list[str]) -> None:
    stream, ts, version, rids = starts
    if not rids:
        return
    version_of = np.asarray([sink.intern(v) for v in versions], dtype=object)
    shared = version_of[np.frombuffer(version, dtype=np.int32)]
    sink.add_starts(env_of[np.frombuffer(stream, dtype=np.int32)],
                    np.frombuffer(ts, dtype=np.float64), rids, cast(Sequence[str], shared))


def _add_reports(sink: RecordSink, reports: Reports, env_of: np.ndarray,
                 error_types: list[str]) -> None:
    stream, ts, nums_raw, status, etype, rids = reports
    if not rids:
        return
    nums = np.frombuffer(nums_raw, dtype=np.float64).reshape(-1, 5)
    numbers: dict[str, Any] = {name: nums[:, k].copy()
                               for k, name in enumerate(NUMERIC_FIELDS[:5])}
    numbers["restore_duration_ms"] = np.full(len(rids), np.nan)
    numbers["billed_restore_duration_ms"] = np.full(len(rids), np.nan)
    status_of = np.asarray([sink.intern(s) for s in STATUS_NAMES], dtype=object)
    etype_of = np.asarray([sink.intern(e) for e in error_types], dtype=object)
    sink.add_reports(env_of[np.frombuffer(stream, dtype=np.int32)],
                     np.frombuffer(ts, dtype=np.float64), rids, numbers,
                     cast(Sequence[str], status_of[np.frombuffer(status, dtype=np.int8)]),
                     cast(Sequence[str], etype_of[np.frombuffer(etype, dtype=np.int32)]))
