"""The compact scanners' columns into a ``RecordSink``.

The compiled scanner (``_tailscan.scan`` for ``aws logs tail`` text, ``_tailscan.scan_jsonl``
for JSON lines) and the pure-Python JSON-lines scanner return the canonical START and REPORT
records of a chunk as columns: ``(streams, versions, error_types, starts, reports)`` where
``streams``, ``versions`` and ``error_types`` are the distinct strings of the chunk and

- ``starts`` = (stream index int32, time float64 epoch ms, version index int32, RequestIds);
- ``reports`` = (stream index int32, time float64 epoch ms, 5 float64 numbers a row
  (Duration, Billed Duration, Memory Size, Max Memory Used, Init Duration; NaN when absent),
  status code int8 (index into ``STATUS_NAMES``), error type index int32, RequestIds),

where RequestIds are three columns: their UTF-8 bytes end to end, int64 offsets (one more
than the rows, from 0; ``request_ids.RequestIds``) and their uint64 ``collect.hash_ids``
hashes; every column as raw native-endian bytes. No Python object is made per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from lamlife.lifecycle.read.collect import NUMERIC_FIELDS, RecordSink, fnv1a_ids
from lamlife.lifecycle.read.request_ids import RequestIds

STATUS_NAMES = ("", "success", "timeout", "error")  # the scanners' status codes

# (stream, time, version, RequestId bytes, RequestId offsets, RequestId hashes)
Starts = tuple[bytes, bytes, bytes, bytes, bytes, bytes]
# (stream, time, numbers, status, error type, RequestId bytes, offsets, hashes)
Reports = tuple[bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes]
Columns = tuple[list[str], list[str], list[str], Starts, Reports]


def column_rows(columns: Columns) -> int:
    """START plus REPORT rows of the columns."""
    return (len(columns[3][1]) + len(columns[4][1])) // 8


def id_columns(ids: Sequence[str]) -> tuple[bytes, bytes, bytes]:
    """RequestIds as the scanners return them (bytes, offsets, hashes): for the pure-Python
    scanner."""
    column = RequestIds.from_strings(ids)
    return column.data.tobytes(), column.offsets.tobytes(), fnv1a_ids(ids).tobytes()


def _request_ids(data: bytes, offsets: bytes) -> RequestIds:
    return RequestIds(np.frombuffer(data, dtype=np.uint8), np.frombuffer(offsets, dtype=np.int64))


def add_columns(sink: RecordSink, columns: Columns, env_of: np.ndarray) -> None:
    """Hand the columns to the sink; ``env_of[i]`` is the environment code of stream ``i``."""
    _streams, versions, error_types, starts, reports = columns
    env_of = env_of if len(env_of) else np.zeros(1, dtype=np.int64)
    _add_starts(sink, starts, env_of, versions)
    _add_reports(sink, reports, env_of, error_types)


def _add_starts(sink: RecordSink, starts: Starts, env_of: np.ndarray,
                versions: list[str]) -> None:
    stream, ts, version, rid_data, rid_offsets, hashes = starts
    if not ts:
        return
    version_of = np.asarray([sink.intern(v) for v in versions], dtype=object)
    shared = version_of[np.frombuffer(version, dtype=np.int32)]
    sink.add_starts(env_of[np.frombuffer(stream, dtype=np.int32)],
                    np.frombuffer(ts, dtype=np.float64), _request_ids(rid_data, rid_offsets),
                    cast(Sequence[str], shared), hashes=np.frombuffer(hashes, dtype=np.uint64))


def _add_reports(sink: RecordSink, reports: Reports, env_of: np.ndarray,
                 error_types: list[str]) -> None:
    stream, ts, nums_raw, status, etype, rid_data, rid_offsets, hashes = reports
    if not ts:
        return
    rows = len(ts) // 8
    nums = np.frombuffer(nums_raw, dtype=np.float64).reshape(-1, 5)
    numbers: dict[str, Any] = {name: nums[:, k].copy()
                               for k, name in enumerate(NUMERIC_FIELDS[:5])}
    numbers["restore_duration_ms"] = np.full(rows, np.nan)
    numbers["billed_restore_duration_ms"] = np.full(rows, np.nan)
    status_of = np.asarray([sink.intern(s) for s in STATUS_NAMES], dtype=object)
    etype_of = np.asarray([sink.intern(e) for e in error_types], dtype=object)
    sink.add_reports(env_of[np.frombuffer(stream, dtype=np.int32)],
                     np.frombuffer(ts, dtype=np.float64), _request_ids(rid_data, rid_offsets),
                     numbers,
                     cast(Sequence[str], status_of[np.frombuffer(status, dtype=np.int8)]),
                     cast(Sequence[str], etype_of[np.frombuffer(etype, dtype=np.int32)]),
                     hashes=np.frombuffer(hashes, dtype=np.uint64))
