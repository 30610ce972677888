"""Collect parsed platform records into compact columns; pair START with REPORT at the end.

Readers call ``RecordSink.add(function, environment, ts_ms, message)`` once per log event, or
hand over whole columns of already parsed STARTs and REPORTs (``add_starts`` /
``add_reports``, the fast path of the line readers). The sink counts every event as a record,
application output or malformed, and keeps:

- STARTs and REPORTs in compact column chunks, so memory grows with invocations, not with
  bytes read: environment codes int32, times float64 epoch ms, RequestIds as 64-bit hashes
  (STARTs) or a ``RequestIds`` column of UTF-8 bytes (REPORTs), versions, statuses and error
  types as small integer codes into ``labels``, REPORT numbers as exact integers (``read.exact``);
- marks: lifecycle records between invocations (INIT_START, INIT_REPORT, RESTORE_*, EXTENSION);
- status lines: "Task timed out", crash lines and JSON runtimeDone, joined later by RequestId.

``finish()`` pairs every REPORT with its START by (function, environment, RequestId) and time:
never by RequestId alone (async retries reuse it), and a REPORT takes the latest START at or
before it. The paired columns are in ``paired``, still compact (``label_array()[codes]``
and ``exact.decode`` give strings and float64; environment codes int16 while they fit); the
engine consumes them. Finishing holds little beyond them: chunks are freed as they are joined,
duplicates are found by sorting one hash per row, and pairing works on 16 slices of the keys.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.read import compiled, exact
from lamlife.lifecycle.read.overlap import (
    BLOCK_ROWS,
    drop_duplicates,
    member_of,
    merge_environments,
    pair_key,
    timeout_reports,
)
from lamlife.lifecycle.read.platform import (
    MALFORMED,
    MAX_DURATION_MS,
    MAX_MEMORY_MB,
    MAX_TIME_MS,
    MIN_MEMORY_MB,
    MIN_TIME_MS,
    parse_message,
    record_problem,
    valid_time,
)
from lamlife.lifecycle.read.request_ids import UUID_TEXT, RequestIds
from lamlife.lifecycle.read.streamless import StreamlessCopies, drop_streamless_copies
from lamlife.lifecycle.text import printable, valid_unicode

NUMERIC_FIELDS: tuple[str, ...] = (
    "duration_ms",
    "billed_duration_ms",
    "memory_mb",
    "max_memory_used_mb",
    "init_duration_ms",
    "restore_duration_ms",
    "billed_restore_duration_ms",
)

MAX_EXAMPLES = 5
NAN = math.nan
_FLUSH_ROWS = 65536


def _same_function(function: str, environment: str) -> str:
    return function


_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_VECTOR_WIDTH = 64  # RequestIds up to this many bytes are hashed column-wise


def hash_ids(ids: Sequence[str] | RequestIds) -> np.ndarray:
    """64-bit FNV-1a hashes of RequestIds' UTF-8 bytes (collisions also need the same
    environment: negligible). The compiled scanner hashes the same way."""
    if isinstance(ids, RequestIds):
        ids = ids.tolist()
    if compiled.compiled_enabled():
        return np.frombuffer(compiled.tailscan.hash_ids(ids), dtype=np.uint64)
    return fnv1a_ids(ids)


def fnv1a_ids(ids: Sequence[str]) -> np.ndarray:
    """``hash_ids`` without the compiled module: column-wise over the bytes with numpy."""
    data = [s.encode("utf-8", "surrogatepass") for s in ids]
    out = np.full(len(data), _FNV_OFFSET, dtype=np.uint64)
    if not data:
        return out
    lengths = np.fromiter(map(len, data), dtype=np.int64, count=len(data))
    short = np.flatnonzero(lengths <= _VECTOR_WIDTH)
    if len(short):
        matrix = np.array([data[i] for i in short], dtype=f"S{_VECTOR_WIDTH}")
        columns = matrix.view(np.uint8).reshape(len(short), _VECTOR_WIDTH)
        width = int(lengths[short].max())
        h = out[short]
        prime = np.uint64(_FNV_PRIME)
        with np.errstate(over="ignore"):
            for j in range(width):
                live = lengths[short] > j
                h = np.where(live, (h ^ columns[:, j].astype(np.uint64)) * prime, h)
        out[short] = h
    for i in np.flatnonzero(lengths > _VECTOR_WIDTH).tolist():
        value = _FNV_OFFSET
        for byte in data[i]:
            value = ((value ^ byte) * _FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
        out[i] = value
    return out


@dataclass
class Mark:
    """A lifecycle record between invocations."""

    env: int
    ts: float
    seq: int
    kind: str  # init_start | init_report | restore_start | restore_report | extension
    runtime_version: str = ""
    init_type: str = ""
    phase: str = ""
    status: str = ""
    error_type: str = ""
    duration_ms: float = NAN


@dataclass
class StatusLine:
    env: int
    ts: float
    request_id: str
    status: str
    error_type: str
    killed: bool
    timeout_ms: float = NAN  # "Task timed out after N seconds": N s in ms (elapsed time)


# A record's read order across files read apart (the Spark engine): its file's index times
# this, plus its place in the file. The per-environment unit (engine/unit.py) tells the
# files apart by it, as read_inputs does by RecordSink.start_input (read.overlap's rule for
# marks alike).
FILE_SEQ = 1 << 40


@dataclass
class SinkCounts:
    events: int = 0
    records: int = 0
    ignored: int = 0
    malformed: int = 0
    malformed_examples: list[str] = field(default_factory=list)
    glued: int = 0  # events cut out of a line they were glued into (read.glued)
    glued_first: str = ""  # "file:line" of the first such line


class _Columns:
    """Rows appended one at a time or as arrays, stored compact, concatenated once at the end.

    Each column has a kind: ``env`` (int32 environment codes), ``seq`` (read order: int32,
    int64 past 2**31 - 1 records), ``ts`` (float64 epoch ms), ``hash`` (uint64 RequestId hashes),
    ``ids`` (a RequestIds column), ``label`` (codes into the sink's labels: versions,
    statuses, error types; int16, int64 past 32,767 distinct ones) and ``exact`` (REPORT
    numbers as ``read.exact`` integers, float64 where not exact). Chunks of one column in
    different integer widths join in the wider one.
    """

    def __init__(self, kinds: dict[str, str], label_codes: Callable[[Any], np.ndarray]) -> None:
        self.kinds = dict(kinds)
        self.first = next(iter(kinds))
        self._label_codes = label_codes
        self._rows: dict[str, list[Any]] = {name: [] for name in kinds}
        self._chunks: dict[str, list[Any]] = {name: [] for name in kinds}
        self.in_order = True  # the ``seq`` column has increased row after row so far
        self._last_seq = 0

    def append(self, **values: Any) -> None:
        rows = self._rows
        for name, value in values.items():
            rows[name].append(value)
        if len(rows[self.first]) >= _FLUSH_ROWS:
            self._flush()

    def extend(self, **arrays: Any) -> None:
        self._flush()
        for name, value in arrays.items():
            self._chunks[name].append(self._stored(name, value))

    def _stored(self, name: str, values: Any) -> Any:
        kind = self.kinds[name]
        if kind == "ids":  # 16 bytes a row where the chunk's ids are all UUIDs
            return _request_ids(values).compact()
        if kind == "hash":
            return np.asarray(values, dtype=np.uint64)
        if kind == "label":
            return self._label_codes(values)
        if kind == "exact":
            return exact.encode(values, exact.SCALES[name])
        if kind == "seq":
            seq = np.asarray(values, dtype=np.int64)
            if len(seq):
                if self.in_order and (seq[0] <= self._last_seq
                                      or not bool((seq[1:] > seq[:-1]).all())):
                    self.in_order = False  # a reader placed rows (scanned.ReadOrder)
                self._last_seq = max(self._last_seq, int(seq.max()))
            return _narrow(seq, np.int32)
        return np.asarray(values, dtype=_DTYPES[kind])

    def _flush(self) -> None:
        rows = self._rows
        if not rows[self.first]:
            return
        for name, values in rows.items():
            if self.kinds[name] == "hash":  # rows hold the RequestIds: hash them all at once
                self._chunks[name].append(hash_ids(values))
            else:
                self._chunks[name].append(self._stored(name, values))
            rows[name] = []

    def frame(self, names: Collection[str] | None = None) -> dict[str, Any]:
        """Every column whole, or only ``names`` (the other columns' chunks are dropped).
        Chunks are consumed as they are copied into the joined column and their memory handed
        back as it goes (``join``), so the sink never holds much more than its columns once."""
        self._flush()
        out: dict[str, Any] = {}
        for name in self.kinds:
            chunks, self._chunks[name] = self._chunks[name], []
            if names is None or name in names:
                out[name] = self.join(name, chunks)
            del chunks
            release_free_memory()  # what a column's chunks left: columns of 1-2 bytes a row
        return out

    def join(self, name: str, chunks: list[Any]) -> Any:
        """Stored chunks of one column one after the other, in the widest integer type among
        them (float64 for ``exact`` chunks when one is not encoded). ``chunks`` is emptied:
        each chunk is dropped once copied."""
        kind = self.kinds[name]
        if kind == "ids":
            return _join_ids(chunks)
        if not chunks:
            return np.zeros(0, dtype=np.int8 if kind == "exact" else _DTYPES[kind])
        if kind == "exact" and not all(c.dtype.kind in "iu" for c in chunks):
            scale = exact.SCALES[name]
            return _join_arrays(chunks, np.dtype(np.float64), lambda c: exact.decode(c, scale))
        return _join_arrays(chunks, np.result_type(*{c.dtype for c in chunks}))


_TRIM_BYTES = 32 << 20  # joining chunks: hand freed memory back every this many bytes


def _join_arrays(chunks: list[np.ndarray], dtype: np.dtype[Any],
                 convert: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """``np.concatenate(chunks)`` (each chunk through ``convert`` first), consuming the list:
    a chunk is dropped as soon as it is copied, and every ``_TRIM_BYTES`` of dropped chunks
    are handed back to the system, so the join peaks at about one column, not two."""
    if len(chunks) == 1 and convert is None:
        return chunks.pop()
    out = np.empty(sum(len(c) for c in chunks), dtype=dtype)
    chunks.reverse()  # pop() takes them in order
    at = freed = 0
    while chunks:
        chunk = chunks.pop()
        out[at:at + len(chunk)] = chunk if convert is None else convert(chunk)
        at += len(chunk)
        freed += chunk.nbytes
        del chunk
        if freed >= _TRIM_BYTES:
            release_free_memory()
            freed = 0
    return out


def _join_ids(parts: list[RequestIds]) -> RequestIds:
    """``RequestIds.concat(parts)``, consuming the list as ``_join_arrays`` does: compact
    (16-byte UUIDs) when every part is, else the general form (UTF-8 bytes and offsets)."""
    if len(parts) <= 1:
        return parts.pop() if parts else RequestIds.empty()
    if all(p.is_compact for p in parts):
        items: list[np.ndarray] = []
        while parts:  # the list consumed: only the item arrays left to _join_arrays to drop
            uuids = parts.pop(0).uuids
            assert uuids is not None  # every part is compact
            items.append(uuids)
        return RequestIds.from_uuids(_join_arrays(items, items[0].dtype))
    # some chunk holds an id that is not a UUID: all as text, each compact part made text
    # as it is copied
    data = np.empty(sum(len(p) * UUID_TEXT if p.is_compact else int(p.offsets[-1] - p.offsets[0])
                        for p in parts), dtype=np.uint8)
    offsets = np.empty(sum(len(p) for p in parts) + 1, dtype=np.int64)
    offsets[0] = 0
    parts.reverse()
    row = at = freed = 0
    while parts:
        part = parts.pop().general()
        first, last = int(part.offsets[0]), int(part.offsets[-1])
        data[at:at + last - first] = part.data[first:last]
        np.add(part.offsets[1:], at - first, out=offsets[row + 1:row + len(part) + 1])
        row += len(part)
        at += last - first
        freed += part.data.nbytes + part.offsets.nbytes
        del part
        if freed >= _TRIM_BYTES:
            release_free_memory()
            freed = 0
    return RequestIds(data, offsets)


_DTYPES: dict[str, Any] = {"env": np.int32, "seq": np.int32, "ts": np.float64,
                           "hash": np.uint64, "label": np.int16}


def _narrow(values: np.ndarray, dtype: Any) -> np.ndarray:
    """``values`` (non-negative integers) as ``dtype`` when they all fit, else as they are."""
    if not len(values) or int(values.max()) <= np.iinfo(dtype).max:
        return values.astype(dtype)
    return values


_LIBC: list[Any] = []


def release_free_memory() -> None:
    """Hand the heap's free memory back to the system (glibc's ``malloc_trim``; nothing
    where the C library has none). Thousands of chunk-sized arrays freed at once (the sink's
    chunks once joined, the engine's intermediate columns) otherwise stay in the process's
    resident memory under the large arrays made from them: on 1M invocations, 128 MB."""
    if not _LIBC:
        try:
            libc: Any = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _LIBC.append(libc.malloc_trim)
        except (OSError, AttributeError):
            _LIBC.append(None)
    if _LIBC[0] is not None:
        _LIBC[0](0)


def _object_array(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


class RecordSink:
    """Accumulates records from any number of readers (see the module docstring)."""

    def __init__(self) -> None:
        self.environments: list[tuple[str, str]] = []  # code -> (function, environment)
        self._env_codes: dict[tuple[str, str], int] = {}
        self.function_from_record: dict[int, str] = {}  # code -> JSON initStart functionName
        self.fallback_functions: set[str] = set()  # names guessed from file names
        # input -> the function name given to input that carries none (--function's or
        # the file's: read.context.default_function); inputs read that never needed one
        self.default_named: dict[str, str] = {}
        self.content_named: set[str] = set()
        self.counts = SinkCounts()
        # versions, statuses and error types, by code (columns hold int16 codes): "" is 0
        self.labels: list[str] = [""]
        self._label_of: dict[str, int] = {"": 0}
        self._starts = _Columns({"env": "env", "ts": "ts", "seq": "seq", "rid_hash": "hash",
                                 "version": "label"}, self.label_codes)
        self._reports = _Columns({"env": "env", "ts": "ts", "seq": "seq", "rid_hash": "hash",
                                  **{name: "exact" for name in NUMERIC_FIELDS},
                                  "request_id": "ids", "status": "label", "error_type": "label"},
                                 self.label_codes)
        self.marks: list[Mark] = []
        self.status_lines: list[StatusLine] = []
        self.paired: dict[str, Any] = {}
        self.envs_with_starts: set[int] = set()  # environments with any START (set by finish)
        self._seq = 0
        self.input_seqs: list[int] = []  # the first sequence number of each input read
        self.input_names: list[str] = []  # and its name, where the reader gave one
        # The AWS Region an environment ran in, where the input says (runtime version ARN,
        # Insights @aws.region); function-wide ones (log group ARN) under environment "".
        self.env_regions: dict[int, str] = {}
        self.function_regions: dict[str, str] = {}
        # (function, environment) -> the function they belong to (read.overlap.Naming)
        self.naming: Callable[[str, str], str] = _same_function
        self.duplicates = 0  # repeated records dropped by finish (read.overlap)
        self.copies = StreamlessCopies()  # inputs without streams copying others (finish)
        self.timeouts_without_report = 0  # invocations finish made from timeout lines alone

    # ------------------------------------------------------------------ input side

    def env_code(self, function: str, environment: str) -> int:
        key = (valid_unicode(function), valid_unicode(environment))
        code = self._env_codes.get(key)
        if code is None:
            named = (self.naming(*key), key[1])
            code = self._env_codes.get(named)
            if code is None:
                code = len(self.environments)
                self._env_codes[named] = code
                self.environments.append(named)
            self._env_codes[key] = code
        return code

    def start_input(self, name: str = "") -> None:
        """Mark where the next input's records begin (read.overlap's duplicate rule tells
        marks repeated inside one input from marks read in two); ``name`` names it in
        warnings."""
        self.input_seqs.append(self._seq + 1)
        self.input_names.append(name)

    def next_seq(self, count: int = 1) -> int:
        """Reserve ``count`` sequence numbers (read order); returns the first."""
        first = self._seq + 1
        self._seq += count
        return first

    @property
    def last_seq(self) -> int:
        """The last sequence number given (0 before any record)."""
        return self._seq

    def place(self, last: int) -> None:
        """The records added next take sequence numbers from ``last + 1`` on: a reader that
        hands a chunk's records over out of read order (``scanned.ReadOrder``) gives each
        its place in the chunk."""
        self._seq = last

    def add(self, function: str, environment: str, ts: float, message: str,
            where: str = "") -> None:
        """Parse and store one log event. ``where`` ("file:line") is used for malformed examples."""
        counts = self.counts
        counts.events += 1
        rec = parse_message(valid_unicode(message))
        if rec is None:
            counts.ignored += 1
            return
        if rec is MALFORMED or not valid_time(ts):  # NaN or out-of-range time: cannot place it
            self.add_malformed(message, where)
            return
        self.add_record(function, environment, ts, rec)

    def add_malformed(self, text: str, where: str = "") -> None:
        """Count one malformed event; the first few are kept as examples (printable: text
        quoted from a log never carries control characters to a terminal)."""
        counts = self.counts
        counts.malformed += 1
        if len(counts.malformed_examples) < MAX_EXAMPLES:
            snippet = printable(valid_unicode(
                text.strip().replace("\t", " ").replace("\n", " ")[:120]))
            where = printable(valid_unicode(where))
            counts.malformed_examples.append(f"{where}: {snippet}" if where else snippet)

    def note_glued(self, where: str, cuts: int) -> None:
        """Count ``cuts`` events cut out of the line at ``where`` (``read.glued``)."""
        counts = self.counts
        counts.glued += cuts
        if not counts.glued_first:
            counts.glued_first = printable(valid_unicode(where))

    def add_record(self, function: str, environment: str, ts: float,
                   rec: tuple[Any, ...]) -> bool:
        """Store an already parsed record (``platform`` tuple shapes). A record with a time
        or a number Lambda cannot produce (``record_problem``) is counted malformed instead
        (False is returned); lone surrogates in its strings become U+FFFD."""
        problem = record_problem(rec) if valid_time(ts) else f"time {ts!r} out of range"
        if problem is not None:
            rid = rec[1] if len(rec) > 1 and isinstance(rec[1], str) else ""
            self.add_malformed(f"{rec[0]} {rid}: {problem}".replace("  ", " "))
            return False
        if any(isinstance(v, str) and not v.isascii() for v in rec):
            rec = tuple(valid_unicode(v) if isinstance(v, str) else v for v in rec)
        self.counts.records += 1
        seq = self.next_seq()
        kind = rec[0]
        code = self.env_code(function, environment)
        if kind == "report":
            self._reports.append(
                env=code, ts=ts, seq=seq, rid_hash=rec[1],
                **dict(zip(NUMERIC_FIELDS, rec[2:9], strict=True)),
                request_id=rec[1], status=rec[9], error_type=rec[10])
        elif kind == "start":
            self._starts.append(env=code, ts=ts, seq=seq, rid_hash=rec[1], version=rec[2])
        elif kind == "status":
            self.status_lines.append(StatusLine(code, ts, *rec[1:6]))
        elif kind == "init_start":
            self.marks.append(Mark(code, ts, seq, kind, runtime_version=rec[1],
                                   init_type=rec[2], phase=rec[3]))
            if len(rec) > 6 and rec[6]:
                self.env_regions[code] = rec[6]
            if rec[4] and function in self.fallback_functions:
                self.function_from_record.setdefault(code, rec[4])
        elif kind == "init_report":
            self.marks.append(Mark(code, ts, seq, kind, duration_ms=rec[1], phase=rec[2],
                                   status=rec[3], error_type=rec[4], init_type=rec[5]))
        elif kind == "restore_start":
            self.marks.append(Mark(code, ts, seq, kind, runtime_version=rec[1]))
            if len(rec) > 2 and rec[2]:
                self.env_regions[code] = rec[2]
        elif kind == "restore_report":
            self.marks.append(Mark(code, ts, seq, kind, duration_ms=rec[1], status=rec[2],
                                   error_type=rec[3]))
        elif kind == "extension":
            self.marks.append(Mark(code, ts, seq, kind))
        # "end" and "other" change nothing: the REPORT carries what END would.
        return True

    def note_region(self, function: str, environment: str | None, region: str) -> None:
        """The input says where ``function`` ran: one environment, or all of it (None)."""
        if not region:
            return
        if environment is None:
            self.function_regions[function] = region
        else:
            self.env_regions[self.env_code(function, environment)] = region

    def regions(self) -> dict[str, dict[str, str]]:
        """function -> environment -> Region the input named ("" = the whole function), with
        functions named as the engine names them (JSON initStart names replace file names)."""
        out: dict[str, dict[str, str]] = {}
        for function, region in self.function_regions.items():
            out.setdefault(function, {})[""] = region
        for code, region in self.env_regions.items():
            function, environment = self.environments[code]
            function = self.function_from_record.get(code, function)
            out.setdefault(function, {})[environment] = region
        return out

    def add_starts(self, env: np.ndarray, ts: np.ndarray,
                   request_ids: RequestIds | Sequence[str], versions: Sequence[str],
                   hashes: np.ndarray | None = None, seqs: np.ndarray | None = None
                   ) -> np.ndarray:
        """Columns of parsed STARTs (counted as records); ``versions`` a list, an object
        array of shared strings (typed as a sequence) or a ``Labeled`` column; ``hashes``
        the ids' ``hash_ids`` when the reader has them; ``seqs`` each row's sequence number
        when the reader gives them (``scanned.ReadOrder``), else the next ones in order.
        Rows with a time Lambda cannot produce are malformed. Returns the positions of the
        rows kept, in read order."""
        keep = _in_range(ts, {})
        kept = np.arange(len(ts)) if keep is None else np.flatnonzero(keep)
        if keep is not None:
            self._drop_out_of_range("START", keep, request_ids)
            env, ts = env[keep], ts[keep]
            versions = _kept(versions, keep)
            request_ids = _kept(request_ids, keep)
            hashes = None if hashes is None else hashes[keep]
            seqs = None if seqs is None else seqs[keep]
        self.counts.records += len(env)
        self._starts.extend(env=env, ts=ts, seq=self._seqs(len(env), seqs),
                            rid_hash=_hashes(request_ids, hashes), version=versions)
        return kept

    def add_reports(self, env: np.ndarray, ts: np.ndarray,
                    request_ids: RequestIds | Sequence[str], numbers: dict[str, np.ndarray],
                    statuses: Sequence[str], error_types: Sequence[str],
                    hashes: np.ndarray | None = None, seqs: np.ndarray | None = None
                    ) -> np.ndarray:
        """Columns of parsed REPORTs (counted as records); ``numbers`` keyed by NUMERIC_FIELDS;
        statuses and error types as lists, object arrays of shared strings or ``Labeled``
        columns; ``hashes`` and ``seqs`` as in ``add_starts``. Rows with a time or a number
        Lambda cannot produce are malformed. Returns the positions of the rows kept, in read
        order."""
        keep = _in_range(ts, numbers)
        kept = np.arange(len(ts)) if keep is None else np.flatnonzero(keep)
        if keep is not None:
            self._drop_out_of_range("REPORT", keep, request_ids)
            env, ts = env[keep], ts[keep]
            numbers = {name: values[keep] for name, values in numbers.items()}
            request_ids = _kept(request_ids, keep)
            statuses = _kept(statuses, keep)
            error_types = _kept(error_types, keep)
            hashes = None if hashes is None else hashes[keep]
            seqs = None if seqs is None else seqs[keep]
        self.counts.records += len(env)
        self._reports.extend(env=env, ts=ts, seq=self._seqs(len(env), seqs),
                             rid_hash=_hashes(request_ids, hashes), **numbers,
                             request_id=request_ids, status=statuses, error_type=error_types)
        return kept

    def _seqs(self, n: int, given: np.ndarray | None) -> np.ndarray:
        """Sequence numbers of ``n`` rows added at once: ``given`` (already placed by the
        reader), else the next ``n``."""
        if given is not None:
            return np.asarray(given, dtype=np.int64)
        first = self.next_seq(n)
        return np.arange(first, first + n, dtype=np.int64)

    def _drop_out_of_range(self, word: str, keep: np.ndarray,
                           request_ids: Sequence[str]) -> None:
        for i in np.flatnonzero(~keep)[:MAX_EXAMPLES].tolist():
            self.add_malformed(f"{word} RequestId: {request_ids[i]}: a time or number out of "
                               "range")
        extra = int((~keep).sum()) - min(int((~keep).sum()), MAX_EXAMPLES)
        self.counts.malformed += extra

    def label_codes(self, values: Sequence[str] | np.ndarray | Labeled) -> np.ndarray:
        """Codes of strings (versions, statuses, error types) in ``labels``: int16, int64
        past 32,767 labels; strings not seen before get the next codes. A missing value
        (None) is "". A ``Labeled`` column is mapped through its names."""
        if isinstance(values, Labeled):  # a scanner's codes: map its few names only
            table = np.array([self._label(n) for n in values.names] or [0], dtype=np.int64)
            return _narrow(table, np.int16)[values.codes]
        array = values if isinstance(values, np.ndarray) else _object_array(list(values))
        if not len(array):
            return np.zeros(0, dtype=np.int16)
        codes, uniques = pd.factorize(array, use_na_sentinel=False)
        lookup = _narrow(np.array([self._label(u) for u in uniques], dtype=np.int64), np.int16)
        return lookup[codes]

    def _label(self, value: Any) -> int:
        text = value if isinstance(value, str) else ""
        code = self._label_of.get(text)
        if code is None:
            code = self._label_of[text] = len(self.labels)
            self.labels.append(text)
        return code

    def label_array(self) -> np.ndarray:
        """``labels`` as an object array: ``label_array()[codes]`` gives the strings."""
        return _object_array(list(self.labels))

    # ----------------------------------------------------------------- output side

    def finish(self) -> int:
        """Pair STARTs with REPORTs into ``paired``; return the count of STARTs without REPORT."""
        # rows in read order (the first read first) where a reader placed some out of order
        # (``in_read_order``); a START's read order is then its position: its seq is dropped
        self._starts._flush()  # rows added one at a time are checked as they are stored
        self._reports._flush()
        in_order = self._starts.in_order
        starts = self._starts.frame(("env", "ts", "rid_hash", "version",
                                     *(() if in_order else ("seq",))))
        if not in_order:
            in_read_order(starts)
            del starts["seq"]
        reports_in_order = self._reports.in_order
        reports = self._reports.frame()
        if not reports_in_order:
            in_read_order(reports)
        merge_environments(self.environments, self.function_from_record, starts, reports,
                           self.marks, self.status_lines)
        self.marks, self.status_lines, self.copies = drop_streamless_copies(
            self.environments, starts, reports, self.marks, self.status_lines, self.input_seqs,
            self.fallback_functions, hash_ids)
        for code, name in self.copies.renamed.items():
            self.function_from_record.setdefault(code, name)
        # rows whose (environment, RequestId) repeats on their side, found slice by slice:
        # the only rows that can be duplicates, and the keys pairing walks in time order
        (s_repeated, s_parts), (r_repeated, r_parts) = (repeated_keys(starts),
                                                        repeated_keys(reports))
        multi = np.unique(np.concatenate([_keys_at(starts, s_repeated),
                                          _keys_at(reports, r_repeated)]))
        rows_before = len(starts["ts"]), len(reports["ts"])
        starts, reports, self.marks, self.status_lines, self.duplicates = drop_duplicates(
            starts, reports, self.marks, self.status_lines, self.input_seqs,
            (s_repeated, r_repeated))
        self.duplicates += self.copies.dropped
        del s_repeated, r_repeated
        # the slices serve pairing while the columns keep their rows (nearly always)
        parts = (s_parts, r_parts) if rows_before == (len(starts["ts"]),
                                                      len(reports["ts"])) else None
        del s_parts, r_parts
        release_free_memory()
        timed_out = timeout_reports(self.status_lines, reports, self.next_seq(0), hash_ids)
        if timed_out is not None:  # timeout lines whose REPORT is not in the input
            self.timeouts_without_report = len(timed_out["env"])
            columns = self._reports
            for k in list(reports):  # one column at a time: the old one is freed as it goes
                reports[k] = columns.join(k, [reports.pop(k), columns._stored(k, timed_out[k])])
            # their keys may repeat a REPORT's (a retry): walked in time order too
            multi = np.union1d(multi, pair_key(timed_out["env"], timed_out["rid_hash"]))
            parts = None  # new rows: sliced again
        self.envs_with_starts = set(np.flatnonzero(
            np.bincount(starts["env"], minlength=len(self.environments))).tolist())
        # STARTs are paired by key and time: one key column (8 bytes a row) for two (12)
        starts["key"] = pair_key(starts.pop("env"), starts.pop("rid_hash"))
        rows = start_rows(starts, reports, multi, parts)
        del parts
        incomplete = len(starts["key"]) - int(np.count_nonzero(rows >= 0))
        del starts["key"]  # done with: freed before the START columns are made
        start_ts, version = start_columns(starts, rows)
        del starts, rows
        # environment codes as int16 while they fit (nearly always): 2 bytes a row kept
        reports["env"] = _narrow(reports["env"], np.int16)
        release_free_memory()
        # compact: env int16/int32, seq int32, label codes, numbers read.exact integers
        self.paired = {"start": start_ts, "end": reports.pop("ts"), "version": version,
                       **reports}
        return incomplete

    def __len__(self) -> int:
        return len(self.paired.get("env", ()))

    def release(self) -> None:
        """Drop the paired columns, marks and status lines (after the engine ran); the
        environments and counts stay."""
        self.paired = {}
        self.marks = []
        self.status_lines = []
        release_free_memory()

    def environment_subset(self, codes: Collection[int]) -> RecordSink:
        """A finished sink holding only the records of these environment codes (codes, names
        and read order unchanged): one environment's records in, and the engine gives its
        invocation rows out, the same as in a run over everything (the unit a distributed
        engine runs). Counts are not carried over."""
        keep_codes = set(codes)
        out = RecordSink()
        out.environments = list(self.environments)
        out._env_codes = dict(self._env_codes)
        out.function_from_record = {c: f for c, f in self.function_from_record.items()
                                    if c in keep_codes}
        out.fallback_functions = set(self.fallback_functions)
        out.naming = self.naming
        out.labels = list(self.labels)
        out._label_of = dict(self._label_of)
        keep = np.isin(self.paired["env"], np.fromiter(keep_codes, dtype=np.int64))
        out.paired = {name: column[keep] for name, column in self.paired.items()}
        out.marks = [m for m in self.marks if m.env in keep_codes]
        out.status_lines = [line for line in self.status_lines if line.env in keep_codes]
        out.envs_with_starts = self.envs_with_starts & keep_codes
        return out


def in_read_order(columns: dict[str, Any]) -> None:
    """Put the rows of the columns in ``seq`` order (read order), in place, one column at a
    time; nothing is done when they are (the sink calls it only when a reader handed a
    chunk's records over out of order, giving them their places: ``scanned.ReadOrder``). Duplicates
    keep the first row of each (``read.overlap.drop_duplicates``) and STARTs of one time the
    first read (``start_rows``): the first in read order, on every path."""
    seq = columns["seq"]
    if len(seq) < 2 or bool((seq[1:] > seq[:-1]).all()):
        return
    order = np.argsort(seq, kind="stable")
    for name in list(columns):  # in order: the dict keeps its key order
        column = columns.pop(name)
        columns[name] = column.take(order) if isinstance(column, RequestIds) else column[order]
        del column


_COLUMN_RANGES = {  # NUMERIC_FIELDS -> (lowest, highest): platform.record_problem's ranges
    "duration_ms": (0.0, MAX_DURATION_MS),
    "billed_duration_ms": (0.0, MAX_DURATION_MS),
    "memory_mb": (MIN_MEMORY_MB, MAX_MEMORY_MB),
    "max_memory_used_mb": (0.0, MAX_MEMORY_MB),
    "init_duration_ms": (0.0, MAX_DURATION_MS),
    "restore_duration_ms": (0.0, MAX_DURATION_MS),
    "billed_restore_duration_ms": (0.0, MAX_DURATION_MS),
}


def _request_ids(request_ids: RequestIds | Sequence[str]) -> RequestIds:
    """The ids as the sink stores them: a RequestIds column."""
    if isinstance(request_ids, RequestIds):
        return request_ids
    return RequestIds.from_strings(request_ids)


def _hashes(request_ids: RequestIds | Sequence[str], hashes: np.ndarray | None) -> np.ndarray:
    """``hash_ids`` of the ids, unless the reader already gave them."""
    if hashes is not None:
        return np.asarray(hashes, dtype=np.uint64)
    return hash_ids(request_ids)


class Labeled(Sequence[str]):
    """A column of few distinct strings as a scanner returns it: integer ``codes`` into its
    ``names`` (a chunk's versions, statuses or error types). The sink maps the few names to
    its own label codes, never a string per row."""

    __slots__ = ("codes", "names")

    def __init__(self, codes: np.ndarray, names: Sequence[str]) -> None:
        self.codes = codes
        self.names = names

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return Labeled(self.codes[index], self.names)
        return self.names[int(self.codes[index])]

    def take(self, rows: np.ndarray) -> Labeled:
        return Labeled(self.codes[rows], self.names)


def _kept(values: Sequence[str] | np.ndarray | RequestIds | Labeled, keep: np.ndarray) -> Any:
    """The kept rows of a list, an array, a RequestIds or a Labeled column."""
    if isinstance(values, RequestIds | Labeled):
        return values.take(np.flatnonzero(keep))
    if isinstance(values, np.ndarray):
        return values[keep]
    return [values[i] for i in np.flatnonzero(keep).tolist()]


def _in_range(ts: np.ndarray, numbers: dict[str, np.ndarray]) -> np.ndarray | None:
    """Rows whose time and numbers Lambda can produce (NaN numbers are absent fields); None
    when every row can (nothing to drop)."""
    ts = np.asarray(ts, dtype=np.float64)
    keep = (ts >= MIN_TIME_MS) & (ts <= MAX_TIME_MS)
    with np.errstate(invalid="ignore"):
        for name, values in numbers.items():
            low, high = _COLUMN_RANGES.get(name, (-np.inf, np.inf))
            column = np.asarray(values, dtype=np.float64)
            keep &= np.isnan(column) | ((column >= low) & (column <= high))
    return None if keep.all() else keep


_PAIR_SLICE_BITS = 4  # pairing works on 2**4 slices of the keys, one after the other


def pair_starts(starts: dict[str, Any], reports: dict[str, Any]
                ) -> tuple[np.ndarray, np.ndarray, int]:
    """For each REPORT, the time and version of its START (NaN / "" when none); the rule is
    ``start_rows``'. Returns (start_ts, version, STARTs paired)."""
    rows = start_rows(starts, reports)
    start_ts, version = start_columns(starts, rows)
    return start_ts, version, int(np.count_nonzero(rows >= 0))


def start_rows(starts: dict[str, Any], reports: dict[str, Any],
               multi: np.ndarray | None = None,
               parts: tuple[list[np.ndarray], list[np.ndarray]] | None = None) -> np.ndarray:
    """For each REPORT, the position of its START in ``starts`` (-1 when none): int32, int64
    past 2**31 - 1 STARTs. Columns used: env, rid_hash and ts of both (or a ``key`` column,
    ``pair_key`` of env and rid_hash, in place of those two).

    A REPORT takes the latest unpaired START of the same (environment, RequestId) at or before
    it. The keys (``pair_key``) are split into 16 slices by their top bits and paired one
    slice at a time: a START and its REPORT share a key, so they are in the same slice, and
    the hash tables and positions made are a sixteenth of the columns' length
    (``_pair_slice``). ``multi``: the keys that occur more than once on a side, or more
    (``repeated_keys``), when the caller has them; else they are found slice by slice.
    ``parts``: the STARTs' and REPORTs' slices (``_slice_rows``) when the caller has them
    (consumed: each slice is dropped once paired).
    """
    n, ns = len(reports["ts"]), len(starts["ts"])
    rows = np.full(n, -1, dtype=np.int32 if ns <= np.iinfo(np.int32).max else np.int64)
    if n == 0 or ns == 0:
        return rows
    s_parts, r_parts = parts or (_slice_rows(_key_slices(starts)),
                                 _slice_rows(_key_slices(reports)))
    s_parts.reverse()  # pop() takes them in order
    r_parts.reverse()
    while s_parts:
        s_rows, r_rows = s_parts.pop(), r_parts.pop()
        if len(s_rows) and len(r_rows):
            _pair_slice(starts, s_rows, reports, r_rows, rows, multi)
        del s_rows, r_rows
    return rows


def start_columns(starts: dict[str, Any], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start_ts, version) per REPORT from its START's row (``start_rows``): float64 epoch ms,
    NaN without a START; the START's version (label codes, 0 = "", or strings), a block of
    rows at a time."""
    n = len(rows)
    start_ts = np.full(n, np.nan)
    versions = starts.get("version")
    if versions is not None and versions.dtype != object:  # label codes: 0 is ""
        version = np.zeros(n, dtype=versions.dtype)
    else:
        version = np.full(n, "", dtype=object)
    for lo in range(0, n, BLOCK_ROWS):
        block = rows[lo:lo + BLOCK_ROWS]
        paired = np.flatnonzero(block >= 0)
        start_ts[lo + paired] = starts["ts"][block[paired]]
        if versions is not None:
            version[lo + paired] = versions[block[paired]]
    return start_ts, version


def _key_slices(columns: dict[str, Any]) -> np.ndarray:
    """uint8 per row: the slice its ``pair_key`` falls in, a block at a time. The key's bits
    are mixed first (xor-shift, multiply, xor-shift): FNV-1a's top bits alone split short,
    similar RequestIds ("id-1", "id-2", ...) unevenly."""
    n = len(columns["ts"])
    out = np.empty(n, dtype=np.uint8)
    with np.errstate(over="ignore"):
        for lo in range(0, n, BLOCK_ROWS):
            hi = min(lo + BLOCK_ROWS, n)
            key = _keys_at(columns, slice(lo, hi))
            key ^= key >> np.uint64(29)
            key *= np.uint64(0xBF58476D1CE4E5B9)
            key ^= key >> np.uint64(32)
            out[lo:hi] = key >> np.uint64(64 - _PAIR_SLICE_BITS)
    return out


def _slice_rows(slices: np.ndarray) -> list[np.ndarray]:
    """The positions of the rows in each slice (``_key_slices``), in increasing order: one
    stable sort of the uint8 slice numbers (a radix sort) instead of a pass per slice."""
    order = np.argsort(slices, kind="stable")
    if len(order) <= np.iinfo(np.int32).max:
        order = order.astype(np.int32)
    bounds = np.cumsum(np.bincount(slices, minlength=1 << _PAIR_SLICE_BITS))
    return np.split(order, bounds[:-1])


def _keys_at(columns: dict[str, Any], rows: np.ndarray | slice) -> np.ndarray:
    """``pair_key`` of the rows at ``rows``: a copy from the ``key`` column where there is
    one, else made from env and rid_hash (a new array either way: changed in place)."""
    if "key" in columns:
        return np.array(columns["key"][rows])
    return pair_key(columns["env"][rows], columns["rid_hash"][rows])


def repeated_keys(columns: dict[str, Any]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Positions (increasing) of the rows whose ``pair_key`` occurs more than once in the
    columns (env and rid_hash, or key), found slice by slice (``_key_slices``) with a hash
    table a sixteenth of the rows long (usually few: retries, and records read twice); and
    the slices' rows (``start_rows`` takes them while the columns keep their rows)."""
    found = []
    parts = _slice_rows(_key_slices(columns))
    for rows in parts:
        if len(rows) > 1:
            dup = pd.Index(_keys_at(columns, rows)).duplicated(keep=False)
            if dup.any():
                found.append(rows[dup])
    if not found:
        return np.zeros(0, dtype=np.int64), parts
    return np.sort(np.concatenate(found)).astype(np.int64), parts


def _pair_slice(starts: dict[str, Any], s_rows: np.ndarray, reports: dict[str, Any],
                r_rows: np.ndarray, out: np.ndarray, multi: np.ndarray | None = None) -> None:
    """``start_rows`` for the STARTs at ``s_rows`` and REPORTs at ``r_rows`` (every row of
    their keys; positions in read order): sets ``out`` at the REPORTs paired. Keys that occur
    once on each side (nearly all) are joined through an index lookup; keys with retries are
    walked in time order (``_pair_walk``; ``multi``: those keys or more, when known)."""
    s_key = _keys_at(starts, s_rows)
    r_key = _keys_at(reports, r_rows)
    if multi is None:
        s_dup = pd.Index(s_key).duplicated(keep=False)
        r_dup = pd.Index(r_key).duplicated(keep=False)
        multi = np.unique(np.concatenate([s_key[s_dup], r_key[r_dup]]))
    s_multi = member_of(s_key, multi)  # retried keys: few
    r_multi = member_of(r_key, multi)
    r_single = np.flatnonzero(~r_multi)
    hit = pd.Index(s_key[~s_multi]).get_indexer(r_key[r_single])
    found = hit >= 0
    r_idx = r_rows[r_single[found]]
    s_idx = s_rows[np.flatnonzero(~s_multi)[hit[found]]]
    ok = starts["ts"][s_idx] <= reports["ts"][r_idx]
    out[r_idx[ok]] = s_idx[ok]
    if r_multi.any():
        s_pos, r_pos = s_rows[s_multi], r_rows[r_multi]
        _pair_walk(s_key[s_multi], starts["ts"][s_pos], s_pos,
                   r_key[r_multi], reports["ts"][r_pos], r_pos, out)


def _pair_walk(s_key: np.ndarray, s_ts: np.ndarray, s_pos: np.ndarray, r_key: np.ndarray,
               r_ts: np.ndarray, r_pos: np.ndarray, out: np.ndarray) -> None:
    """Pairing for keys with retries: each REPORT takes the latest unpaired START at or before
    it; ``out[r_pos[i]] = s_pos[j]`` for each pair (STARTs and REPORTs each in read order).

    One pass over STARTs and REPORTs merged in (key, time) order with a stack of open STARTs
    per key: STARTs are pushed in time order, so the top is always the latest open one, and a
    REPORT pops it. Among STARTs of the same time the one read first is taken (pushed last);
    a START and a REPORT of the same time pair (START first). Linear after the sort, however
    many invocations share one RequestId.
    """
    ns, nr = len(s_key), len(r_key)
    if ns == 0 or nr == 0:
        return
    keys = np.concatenate([s_key, r_key])
    times = np.concatenate([s_ts, r_ts])
    is_report = np.concatenate([np.zeros(ns, np.int8), np.ones(nr, np.int8)])
    # STARTs of equal time: later read first (the first read ends on top); REPORTs: read order
    tie = np.concatenate([-np.arange(ns, dtype=np.int64), np.arange(nr, dtype=np.int64)])
    order = np.lexsort((tie, is_report, times, keys))
    starts_at = s_pos.tolist()
    reports_at = r_pos.tolist()
    stack: list[int] = []
    current = None
    for key, k in zip(keys[order].tolist(), order.tolist(), strict=True):
        if key != current:
            current = key
            stack.clear()
        if k < ns:
            stack.append(k)
        elif stack:
            out[reports_at[k - ns]] = starts_at[stack.pop()]
