"""The compact scanners' columns into a ``RecordSink``.

The compiled scanner (``_tailscan.scan`` for ``aws logs tail`` text, ``_tailscan.scan_jsonl``
for JSON lines) and the pure-Python JSON-lines scanner return the canonical START and REPORT
records of a chunk as columns: ``(streams, versions, error_types, starts, reports)`` where
``streams``, ``versions`` and ``error_types`` are the distinct strings of the chunk and

- ``starts`` = (stream index int32, time float64 epoch ms, version index int32, RequestIds,
  place int32);
- ``reports`` = (stream index int32, time float64 epoch ms, 5 float64 numbers a row
  (Duration, Billed Duration, Memory Size, Max Memory Used, Init Duration; NaN when absent),
  status code int8 (index into ``STATUS_NAMES``), error type index int32, RequestIds,
  place int32),

where RequestIds are three columns: their UTF-8 bytes end to end, int64 offsets (one more
than the rows, from 0; ``request_ids.RequestIds``) and their uint64 ``collect.hash_ids``
hashes, and a row's place is where its event is in the chunk, in the unit the scanner
gives the places of the events it leaves to the general parser (a line or element index):
``ReadOrder`` numbers the records of both in read order. Every column is raw native-endian
bytes. No Python object is made per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lamlife.lifecycle.read.collect import NUMERIC_FIELDS, Labeled, RecordSink, fnv1a_ids
from lamlife.lifecycle.read.request_ids import RequestIds

STATUS_NAMES = ("", "success", "timeout", "error")  # the scanners' status codes

# (stream, time, version, RequestId bytes, RequestId offsets, RequestId hashes, place)
Starts = tuple[bytes, bytes, bytes, bytes, bytes, bytes, bytes]
# (stream, time, numbers, status, error type, RequestId bytes, offsets, hashes, place)
Reports = tuple[bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes]
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


class ReadOrder:
    """Sequence numbers in read order for one chunk whose events the scanner left are read
    first (``before`` each, through the general parser) and whose scanned rows are added
    after (``add``): each record is numbered by the place of its event in the chunk, so
    that "the first read" (duplicates kept once, STARTs of one time) is the same on every
    path. Places are the scanner's (line or element indices, or offsets: one unit per chunk),
    increasing within each kind; an event left to the general parser may give several
    records (events glued in a line).
    """

    def __init__(self, sink: RecordSink, start_places: np.ndarray,
                 report_places: np.ndarray) -> None:
        self.sink = sink
        self.base = sink.last_seq
        self.starts = np.asarray(start_places, dtype=np.int64)  # increasing
        self.reports = np.asarray(report_places, dtype=np.int64)
        self.slow_places: list[int] = []
        self.slow_done: list[int] = []  # records of the left events up to each one
        self.slow_records = 0
        self._open: tuple[int, int] | None = None
        self._ranks: np.ndarray | None = None

    @classmethod
    def of(cls, sink: RecordSink, columns: Columns) -> ReadOrder:
        """For a scanner's columns (their places)."""
        return cls(sink, np.frombuffer(columns[3][6], dtype=np.int32),
                   np.frombuffer(columns[4][8], dtype=np.int32))

    def before(self, place: int) -> None:
        """The general parser reads the event at ``place`` next (places in increasing order)."""
        self._close()
        fast = int(self.starts.searchsorted(place)) + int(self.reports.searchsorted(place))
        last = self.base + fast + self.slow_records
        self.sink.place(last)
        self._open = (place, last)

    def _close(self) -> None:
        if self._open is not None:
            place, last = self._open
            self.slow_records += self.sink.last_seq - last
            self.slow_places.append(place)
            self.slow_done.append(self.slow_records)
            self._open = None

    def seqs(self, starts: bool) -> np.ndarray:
        """Sequence numbers of the scanned STARTs' rows (else REPORTs'), after every
        ``before``: one more than the scanned rows (of both kinds) and the records of the
        left events before each."""
        self._close()
        if self._ranks is None:  # both kinds' places merged (a stable sort of two runs)
            order = np.argsort(np.concatenate([self.starts, self.reports]), kind="stable")
            self._ranks = np.empty(len(order), dtype=np.int64)
            self._ranks[order] = np.arange(len(order), dtype=np.int64)
        ns = len(self.starts)
        places = self.starts if starts else self.reports
        out = (self._ranks[:ns] if starts else self._ranks[ns:]) + (self.base + 1)
        if self.slow_places:
            done = np.array([0, *self.slow_done], dtype=np.int64)
            out += done[np.searchsorted(np.array(self.slow_places, dtype=np.int64), places)]
        return out

    def add(self, columns: Columns, env_of: np.ndarray) -> None:
        """Hand the scanned rows to the sink in their places; the next records follow all."""
        add_columns(self.sink, columns, env_of, self)
        self.finish()

    def finish(self) -> None:
        """The next records follow the chunk's (after its rows were added in their places)."""
        self._close()
        self.sink.place(self.base + len(self.starts) + len(self.reports) + self.slow_records)


def add_columns(sink: RecordSink, columns: Columns, env_of: np.ndarray,
                order: ReadOrder | None = None) -> None:
    """Hand the columns to the sink; ``env_of[i]`` is the environment code of stream ``i``;
    ``order`` numbers the rows by their places (``ReadOrder.add``), else they take the
    next sequence numbers."""
    _streams, versions, error_types, starts, reports = columns
    env_of = env_of if len(env_of) else np.zeros(1, dtype=np.int64)
    _add_starts(sink, starts, env_of, versions, order)
    _add_reports(sink, reports, env_of, error_types, order)


def _add_starts(sink: RecordSink, starts: Starts, env_of: np.ndarray,
                versions: list[str], order: ReadOrder | None) -> None:
    stream, ts, version, rid_data, rid_offsets, hashes, _places = starts
    if not ts:
        return
    sink.add_starts(env_of[np.frombuffer(stream, dtype=np.int32)],
                    np.frombuffer(ts, dtype=np.float64), _request_ids(rid_data, rid_offsets),
                    Labeled(np.frombuffer(version, dtype=np.int32), versions),
                    hashes=np.frombuffer(hashes, dtype=np.uint64),
                    seqs=None if order is None else order.seqs(starts=True))


def _add_reports(sink: RecordSink, reports: Reports, env_of: np.ndarray,
                 error_types: list[str], order: ReadOrder | None) -> None:
    stream, ts, nums_raw, status, etype, rid_data, rid_offsets, hashes, _places = reports
    if not ts:
        return
    rows = len(ts) // 8
    nums = np.frombuffer(nums_raw, dtype=np.float64).reshape(-1, 5)
    numbers: dict[str, Any] = {name: nums[:, k].copy()
                               for k, name in enumerate(NUMERIC_FIELDS[:5])}
    numbers["restore_duration_ms"] = np.full(rows, np.nan)
    numbers["billed_restore_duration_ms"] = np.full(rows, np.nan)
    sink.add_reports(env_of[np.frombuffer(stream, dtype=np.int32)],
                     np.frombuffer(ts, dtype=np.float64), _request_ids(rid_data, rid_offsets),
                     numbers, Labeled(np.frombuffer(status, dtype=np.int8), STATUS_NAMES),
                     Labeled(np.frombuffer(etype, dtype=np.int32), error_types),
                     hashes=np.frombuffer(hashes, dtype=np.uint64),
                     seqs=None if order is None else order.seqs(starts=False))
