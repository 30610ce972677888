"""The lifecycle engine (observed driver): collected records -> the invocation table.

Per environment, in time order, every invocation gets a start type, a status and flags by the
rules of docs/platform.md §5 (state machine, suppressed init, doom loop, proactive
initialization, provisioned concurrency, SnapStart) and §5.8 (first match wins):

restore > reinit > provisioned > proactive > cold > warm

The work is vectorized over the invocation table; only the sparse lifecycle marks
(INIT_START, INIT_REPORT, RESTORE_*, EXTENSION: a few per environment) are walked in Python.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.engine.coded import coded, coded_by_code
from lamlife.lifecycle.read import exact
from lamlife.lifecycle.read.collect import (
    Mark,
    RecordSink,
    hash_ids,
    pair_key,
    release_free_memory,
)
from lamlife.lifecycle.read.overlap import member_of
from lamlife.lifecycle.read.request_ids import RequestIds
from lamlife.lifecycle.schema import FLAG_SEPARATOR, INVOCATION_COLUMNS

PROVISIONED = "provisioned-concurrency"
# Start types in the order the first matching rule wins (§5.8)
START_ORDER: tuple[str, ...] = ("restore", "reinit", "provisioned", "proactive", "cold", "warm")
LMI = "lambda-managed-instances"
_WARM = START_ORDER.index("warm")


@dataclass
class EngineOptions:
    proactive_threshold_s: float = 10.0  # INIT_START -> first START gap (§5.5)


@dataclass
class OrphanEvent:
    """A lifecycle event that belongs to no invocation (e.g. an init that served nobody)."""

    time_ms: float
    function: str
    environment: str
    event: str
    reason: str


@dataclass
class EngineResult:
    invocations: pd.DataFrame
    orphan_init_failures: int = 0
    unused_inits: int = 0
    orphan_events: list[OrphanEvent] = field(default_factory=list)


@dataclass
class _Evidence:
    """What the marks before one invocation say (since the previous invocation)."""

    init_start_ms: float = math.nan
    init_activity: bool = False
    phase_invoke: bool = False
    pc_evidence: bool = False
    init_report_ms: float = math.nan  # a successful INIT_REPORT's duration
    init_failures: int = 0
    init_timed_out: bool = False  # some failed init timed out
    init_errored: bool = False  # some failed init ended in an error
    init_fail_status: str = ""  # timeout | error of the last failed init
    init_fail_error_type: str = ""
    init_fail_ms: float = math.nan
    restore: bool = False
    restore_ms: float = math.nan


def _ms_to_clock(ms: float) -> str:
    return pd.Timestamp(ms, unit="ms", tz="UTC").strftime("%H:%M:%S")


def run_engine(sink: RecordSink, options: EngineOptions | None = None) -> EngineResult:
    """Classify every collected invocation. The sink must have been ``finish()``-ed.

    Environments are independent: the rows of one environment depend only on that
    environment's records, so running this on any set of whole environments gives exactly
    their rows of the full run (the unit a distributed engine runs; see
    ``RecordSink.environment_subset``, taken before: the engine consumes the sink's paired
    columns, releasing each as the table takes it, so the sink is empty afterwards).
    """
    options = options or EngineOptions()
    rows = _ordered_rows(sink)
    status, error_type, killed = _statuses(sink, rows)
    marks = _attach_marks(sink, rows)
    ev = _evidence_columns(marks.evidence, rows.n)
    seq = _sequence(rows, marks, ev, status, options)
    status, error_type, oom = _out_of_memory(rows, status, error_type, killed)
    loop_member = _reset_loops(rows, seq, status)
    reason = _reasons(rows, seq, ev, status, error_type, oom)
    flags = _flags(status, oom, ev, loop_member, seq.before_window)
    # what the table takes, handed over so that each array is freed once it is a column
    done = {"status": status, "error_type": error_type, "reason": reason, "flags": flags,
            "init_failures": ev["init_failures"], "start_code": seq.start_code,
            "init_type": seq.init_type, "init_duration_ms": seq.init_duration,
            "restore_duration_ms": seq.restore_ms}
    del status, error_type, reason, flags, ev, seq, oom, killed, loop_member
    table = _invocation_table(rows, sink.label_array(), marks, done)
    del rows, done
    release_free_memory()
    return EngineResult(table, marks.orphan_init_failures, marks.unused_inits, marks.orphans)


@dataclass
class _Rows:
    """The paired columns in table order: by (function, environment) name, start, read order."""

    n: int
    cols: dict[str, Any]
    start: np.ndarray
    envs: np.ndarray
    functions: list[str]  # by environment code (a JSON initStart may name the function)
    env_names: list[str]  # by environment code
    known: np.ndarray  # per row: the environment is known (a log stream or instance id)
    same_prev: np.ndarray  # per row: same environment as the row before


def _ordered_rows(sink: RecordSink) -> _Rows:
    """START time (REPORT time - Duration without a START), then the table order."""
    cols = sink.paired
    n = len(sink)
    sink.paired = {}  # consumed: each column is freed as the table takes it
    start = cols.pop("start")  # the sink's own array: changed in place, then reordered
    no_start = np.isnan(start)
    if no_start.any():
        start[no_start] = cols["end"][no_start] - _number(cols, "duration_ms")[no_start]
    env_names = [e for _f, e in sink.environments]
    functions = [sink.function_from_record.get(i, f) for i, (f, _e) in
                 enumerate(sink.environments)]
    # rank of each environment code by (function, environment): the table's order (schema)
    by_name = sorted(range(len(env_names)), key=lambda c: (functions[c], env_names[c]))
    env_rank = np.empty(len(env_names) + 1, dtype=np.int64)
    env_rank[by_name] = np.arange(len(by_name))
    env_rank[-1] = len(by_name)
    order = np.lexsort((cols.pop("seq"), start, env_rank[cols["env"]] if n else cols["env"]))
    # put the sink's columns in this order in place: the unsorted copies are freed as we go
    # (read order has done its work: it is not kept)
    for name in list(cols):
        cols[name] = cols[name][order]
    envs = cols["env"]
    known_env_code = np.array([bool(e) for e in env_names] or [False], dtype=bool)
    same_prev = np.zeros(n, dtype=bool)
    if n > 1:
        same_prev[1:] = envs[1:] == envs[:-1]
    return _Rows(n, cols, start[order], envs, functions, env_names,
                 known_env_code[envs] if n else np.zeros(0, bool), same_prev)


def _statuses(sink: RecordSink, rows: _Rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(status, error_type, killed) per row: the REPORT's failed status wins, else the
    strongest status line (timeout > error > success), else success."""
    line_status, line_error_type, killed = _join_status_lines(sink, rows)
    del rows.cols["rid_hash"]  # only the join needs the RequestId hashes
    labels = sink.label_array()  # the sink's codes -> one shared string each
    status = labels[rows.cols["status"]]
    status[status == ""] = "success"
    error_type = labels[rows.cols["error_type"]]
    for row, value in line_status.items():  # status lines: a few rows
        if status[row] == "success":
            status[row] = value
    for row, value in line_error_type.items():
        if not error_type[row]:
            error_type[row] = value
    error_type[status == "success"] = ""
    return status, error_type, killed


def _join_status_lines(sink: RecordSink, rows: _Rows
                       ) -> tuple[dict[int, str], dict[int, str], np.ndarray]:
    """Status lines (timeouts, crashes, runtimeDone) joined on (environment, RequestId): each
    goes to the latest invocation of its key that started at or before it. Returns the
    strongest line status and the first line error type of each row some line names, and the
    rows a line says were killed."""
    n = rows.n
    start = rows.start
    envs = rows.envs
    request_id = rows.cols["request_id"]
    line_status: dict[int, str] = {}
    line_error_type: dict[int, str] = {}
    killed = np.zeros(n, dtype=bool)
    if not sink.status_lines or not n:
        return line_status, line_error_type, killed
    # only invocations whose (environment, RequestId) some status line names
    line_keys = pair_key(np.array([s.env for s in sink.status_lines], dtype=np.int64),
                         hash_ids([s.request_id for s in sink.status_lines]))
    candidates_idx = np.flatnonzero(member_of(pair_key(envs, rows.cols["rid_hash"]), line_keys))
    by_key: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i in candidates_idx.tolist():
        by_key[(int(envs[i]), request_id[i])].append(i)
    rank = {"": 0, "success": 1, "error": 2, "timeout": 3}
    candidate_starts: dict[tuple[int, str], list[float]] = {}
    for line in sink.status_lines:
        candidates = by_key.get((line.env, line.request_id))
        if not candidates:
            continue
        # the latest invocation that started at or before the line (candidates are in
        # table order: by start within the environment), found by bisection
        starts_of = candidate_starts.get((line.env, line.request_id))
        if starts_of is None:
            starts_of = start[candidates].tolist()
            candidate_starts[(line.env, line.request_id)] = starts_of
        target = candidates[max(bisect_right(starts_of, line.ts + 1.0) - 1, 0)]
        if rank[line.status] > rank[line_status.get(target, "")]:
            line_status[target] = line.status
        if line.error_type and not line_error_type.get(target):
            line_error_type[target] = line.error_type
        killed[target] |= line.killed
    return line_status, line_error_type, killed


@dataclass
class _Marks:
    """Lifecycle marks attached to the invocation that follows them, per environment."""

    evidence: dict[int, _Evidence] = field(default_factory=dict)  # row -> evidence
    env_runtime: dict[int, str] = field(default_factory=dict)
    env_init_type: dict[int, str] = field(default_factory=dict)
    orphans: list[OrphanEvent] = field(default_factory=list)
    orphan_init_failures: int = 0
    unused_inits: int = 0


def _attach_marks(sink: RecordSink, rows: _Rows) -> _Marks:
    """Each mark goes to the next invocation of its environment; after the last one it serves
    nobody (an init failure or an unused init, reported as orphan events)."""
    out = _Marks()
    if not sink.marks:
        return out
    functions, env_names, start = rows.functions, rows.env_names, rows.start
    bounds = _env_bounds(rows.envs)
    marks = sorted(sink.marks, key=lambda m: (m.env, m.ts, m.seq))
    orphan_envs_with_init: set[int] = set()
    for mark in marks:
        if mark.runtime_version:
            out.env_runtime.setdefault(mark.env, mark.runtime_version)
        if mark.init_type:
            out.env_init_type.setdefault(mark.env, mark.init_type)
        lo, hi = bounds.get(mark.env, (0, 0))
        pos = lo + bisect_left(start[lo:hi], mark.ts) if hi > lo else hi
        if pos >= hi:  # after the environment's last invocation: serves nobody here
            fn, env = functions[mark.env], env_names[mark.env]
            if mark.kind == "init_report" and mark.status not in ("", "success"):
                out.orphan_init_failures += 1
                out.orphans.append(OrphanEvent(mark.ts, fn, env, "init_failure",
                                               _init_failure_reason(mark)))
            elif mark.kind == "init_start" and hi == lo and \
                    mark.env not in sink.envs_with_starts:
                orphan_envs_with_init.add(mark.env)
            continue
        _apply_mark(out.evidence.setdefault(pos, _Evidence()), mark)
    for code in sorted(orphan_envs_with_init):
        out.unused_inits += 1
        first_ts = min(m.ts for m in marks if m.env == code)
        out.orphans.append(OrphanEvent(first_ts, functions[code], env_names[code], "unused_init",
                                       "unused_init: initialized, served no request in the data"))
    return out


_EVIDENCE_COLUMNS: tuple[tuple[str, Any, Any], ...] = (
    ("init_start_ms", np.nan, np.float64),
    ("init_activity", False, bool),
    ("phase_invoke", False, bool),
    ("pc_evidence", False, bool),
    ("init_report_ms", np.nan, np.float64),
    ("init_failures", 0, np.int64),
    ("init_timed_out", False, bool),
    ("init_errored", False, bool),
    ("init_fail_status", "", object),
    ("init_fail_error_type", "", object),
    ("init_fail_ms", np.nan, np.float64),
    ("restore", False, bool),
    ("restore_ms", np.nan, np.float64),
)


def _evidence_columns(evidence: dict[int, _Evidence], n: int) -> dict[str, np.ndarray]:
    """The sparse per-invocation evidence as full columns (defaults where no mark)."""
    ev_index = np.fromiter(evidence.keys(), dtype=np.int64, count=len(evidence))
    evs = list(evidence.values())
    out: dict[str, np.ndarray] = {}
    for attr, default, dtype in _EVIDENCE_COLUMNS:
        column = np.full(n, default, dtype=dtype)
        if len(ev_index):
            column[ev_index] = [getattr(e, attr) for e in evs]
        out[attr] = column
    return out


@dataclass
class _Sequence:
    """Per-row features of the sequence and the start type they give (§5.8)."""

    start_code: np.ndarray  # int8: index into START_ORDER
    init_type: np.ndarray
    prev_failed: np.ndarray
    first: np.ndarray
    lmi: np.ndarray
    before_window: np.ndarray
    init_duration: np.ndarray
    restore_ms: np.ndarray
    gap: np.ndarray


def _sequence(rows: _Rows, marks: _Marks, ev: dict[str, np.ndarray], status: np.ndarray,
              options: EngineOptions) -> _Sequence:
    """Start types, first match wins: restore > reinit > provisioned > proactive > cold > warm."""
    cols, known, same_prev = rows.cols, rows.known, rows.same_prev
    n = rows.n
    first = ~same_prev
    inv_init_type = _per_env(marks.env_init_type, len(rows.env_names))[rows.envs]
    lmi = inv_init_type == LMI
    failed = status != "success"
    prev_failed = np.zeros(n, dtype=bool)
    prev_failed[1:] = same_prev[1:] & failed[:-1]
    prev_failed &= known & ~lmi
    report_restore = _number(cols, "restore_duration_ms")
    restore_ms = np.where(np.isnan(report_restore), ev["restore_ms"], report_restore)
    report_init = _number(cols, "init_duration_ms")
    init_duration = np.where(np.isnan(report_init), ev["init_report_ms"], report_init)
    threshold_ms = options.proactive_threshold_s * 1000.0
    gap = rows.start - ev["init_start_ms"]

    is_restore = ~np.isnan(report_restore) | (known & ev["restore"])
    is_reinit = known & (prev_failed | (ev["init_failures"] > 0) | ev["phase_invoke"])
    is_provisioned = known & first & (ev["pc_evidence"] | (inv_init_type == PROVISIONED))
    is_proactive = known & first & ~np.isnan(gap) & (gap > threshold_ms)
    is_cold = (known & ev["init_activity"]) | ~np.isnan(report_init)
    # codes only: the table makes them a Categorical, reasons look the names up
    start_code = np.select([is_restore, is_reinit, is_provisioned, is_proactive, is_cold],
                           [0, 1, 2, 3, 4], default=_WARM).astype(np.int8)
    before_window = known & first & (start_code == _WARM)
    # provisioned environments keep their init type for billing
    inv_init_type = np.where((inv_init_type == "") & is_provisioned, PROVISIONED, inv_init_type)
    inv_init_type = np.where((inv_init_type == "") & is_restore, "snap-start", inv_init_type)
    return _Sequence(start_code, inv_init_type, prev_failed, first, lmi, before_window,
                     init_duration, restore_ms, gap)


def _out_of_memory(rows: _Rows, status: np.ndarray, error_type: np.ndarray,
                   killed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Out of memory (§2.6: Runtime.OutOfMemory, or a kill at the memory limit); a timed-out
    invocation stays a timeout: out_of_memory is a subset of errors."""
    mem = _number(rows.cols, "memory_mb")
    maxmem = _number(rows.cols, "max_memory_used_mb")
    oom = ((error_type == "Runtime.OutOfMemory") | (
        killed & ~np.isnan(mem) & (maxmem >= mem))) & (status != "timeout")
    status = np.where(oom & (status == "success"), "error", status)
    error_type = np.where(oom & (error_type == ""), "Runtime.OutOfMemory", error_type)
    return status, error_type, oom


def _reset_loops(rows: _Rows, seq: _Sequence, status: np.ndarray) -> np.ndarray:
    """Reset loops (§5.4): >= 2 consecutive failures, each followed by a re-init."""
    n = rows.n
    failed = status != "success"
    has_next = np.zeros(n, dtype=bool)
    has_next[:-1] = rows.same_prev[1:] if n > 1 else has_next[:-1]
    return _reset_loop_members(failed & has_next & rows.known & ~seq.lmi, rows.same_prev)


def _reasons(rows: _Rows, seq: _Sequence, ev: dict[str, np.ndarray], status: np.ndarray,
             error_type: np.ndarray, oom: np.ndarray) -> np.ndarray:
    """Why each non-warm invocation started as it did ("" for a plain warm start)."""
    n = rows.n
    prev_end = np.full(n, np.nan)
    prev_end[1:] = rows.cols["end"][:-1]
    prev_status = np.full(n, "", dtype=object)
    prev_status[1:] = status[:-1]
    prev_error = np.full(n, "", dtype=object)
    prev_error[1:] = error_type[:-1]
    prev_oom = np.zeros(n, dtype=bool)
    prev_oom[1:] = oom[:-1]
    reason = np.full(n, "", dtype=object)
    report_init = _number(rows.cols, "init_duration_ms")
    warm = seq.start_code == _WARM
    for k in np.flatnonzero(~warm):
        reason[k] = _reason(
            START_ORDER[seq.start_code[k]], bool(seq.prev_failed[k]), prev_status[k], prev_error[k],
            bool(prev_oom[k]), prev_end[k], int(ev["init_failures"][k]),
            ev["init_fail_status"][k], ev["init_fail_error_type"][k], ev["init_fail_ms"][k],
            seq.gap[k], report_init[k], seq.init_duration[k], seq.restore_ms[k],
            ev["init_start_ms"][k],
        )
    reason[seq.before_window] = "warm: no init seen; the environment started before the data"
    # without a log stream only the REPORT can say cold: say why this one is warm
    reason[warm & ~rows.known] = (
        "warm: no Init Duration on the REPORT (no log stream, so init records cannot be placed)")
    return reason


def _flags(status: np.ndarray, oom: np.ndarray, ev: dict[str, np.ndarray],
           loop_member: np.ndarray, before_window: np.ndarray) -> pd.Categorical:
    """The ";"-joined flags of each invocation ("" for most), coded: a bitmask per row first,
    then one string per distinct mask."""
    mask = np.zeros(len(status), dtype=np.int64)
    for bit, cond in enumerate((
        status == "timeout",
        (status == "error") & ~oom,
        oom,
        ev["init_timed_out"],
        ev["init_errored"],
        loop_member,
        before_window,
    )):
        mask |= cond.astype(np.int64) << bit
    masks = np.flatnonzero(np.bincount(mask, minlength=1))  # the masks that occur
    renumber = np.zeros(1 << len(INVOCATION_FLAGS), dtype=np.int64)
    renumber[masks] = np.arange(len(masks))
    names = [FLAG_SEPARATOR.join(word for bit, word in enumerate(INVOCATION_FLAGS)
                                 if m >> bit & 1) for m in masks.tolist()]
    return coded_by_code(names, renumber[mask])


# Invocation flags in the order they are joined, one bit each in _flags
INVOCATION_FLAGS: tuple[str, ...] = ("timeout", "error", "out_of_memory", "init_timeout",
                                     "init_error", "reset_loop", "started_before_window")


def _invocation_table(rows: _Rows, labels: np.ndarray, marks: _Marks, done: dict[str, Any]
                      ) -> pd.DataFrame:
    """The invocation table (schema.INVOCATION_COLUMNS): the CODED_COLUMNS as Categoricals
    (engine.coded), reasons as shared string objects, RequestIds as ``request_id_column``
    makes them, the sink's exact numbers as float64 (``read.exact.decode``). ``done`` holds
    the engine's columns (status, error_type, reason, flags, init_failures, start_code,
    init_type, init_duration_ms, restore_duration_ms). Each of those and of the sink's
    columns is dropped from ``done`` / ``rows.cols`` as the table takes it, and the frame is
    made without copying or consolidating its columns."""
    cols, envs, env_names = rows.cols, rows.envs, rows.env_names
    # version: START's, else the stream's [version]
    version = labels[cols.pop("version")]
    missing_version = version == ""
    if missing_version.any():
        env_version = np.asarray([stream_version(name) for name in env_names] + [""],
                                 dtype=object)
        version = np.where(missing_version, env_version[envs], version)
    runtime = _per_env(marks.env_runtime, len(env_names))
    columns: dict[str, Any] = {
        "function": coded_by_code(rows.functions + [""], envs),
        "version": coded(version),
        "environment": coded_by_code(env_names + [""], envs),
    }
    del version
    columns["request_id"] = request_id_column(cols.pop("request_id"))
    columns["start"] = ms_to_datetime(rows.start)
    rows.start = rows.start[:0]  # the table has it
    columns["end"] = ms_to_datetime(cols.pop("end"))
    columns["start_type"] = coded_by_code(START_ORDER, done.pop("start_code"))
    # an object column of shared strings: pandas would otherwise infer its string dtype,
    # whose every comparison downstream also scans for missing values
    columns["reason"] = pd.Series(done.pop("reason"), dtype=object, copy=False)
    columns["status"] = coded(done.pop("status"))
    columns["error_type"] = coded(done.pop("error_type"))
    for name in ("duration_ms", "billed_duration_ms"):
        columns[name] = _number(cols, name)
        del cols[name]
    columns["init_duration_ms"] = done.pop("init_duration_ms")
    columns["restore_duration_ms"] = done.pop("restore_duration_ms")
    for name in ("billed_restore_duration_ms", "memory_mb", "max_memory_used_mb"):
        columns[name] = _number(cols, name)
        del cols[name]
    columns["init_type"] = coded(done.pop("init_type"))
    columns["runtime_version"] = coded_by_code(list(runtime), envs)
    columns["init_failures"] = done.pop("init_failures")
    columns["flags"] = done.pop("flags")
    # copy=False: each column as made, not copied into 2-D blocks of one dtype
    return pd.DataFrame({name: columns.pop(name) for name in INVOCATION_COLUMNS}, copy=False)


def _number(cols: dict[str, Any], name: str) -> np.ndarray:
    """A REPORT number column of the sink as float64 ms (or MB), NaN where absent."""
    return exact.decode(cols[name], exact.SCALES[name])


def request_id_column(ids: RequestIds) -> pd.Series:
    """The table's ``request_id``: with pyarrow (pandas 3) a ``str`` column over the ids'
    own bytes, as pandas makes of Python strings; else an object column of Python strings."""
    values = ids.to_pandas()
    if isinstance(values, np.ndarray):
        return pd.Series(values, dtype=object)
    return pd.Series(values, copy=False)


_STREAM_VERSION = re.compile(r"\[([^\]]+)\]")


def stream_version(stream: str) -> str:
    """The [version] of a log stream name ("2026/03/01/[$LATEST]abc" -> "$LATEST"), else ""."""
    found = _STREAM_VERSION.search(stream)
    return found.group(1) if found else ""


def ms_to_datetime(ms: np.ndarray) -> pd.DatetimeIndex:
    """Epoch ms (float) to UTC times, rounded to the microsecond (logs have no finer times)."""
    micros = np.round(np.asarray(ms, dtype=np.float64) * 1000.0).astype("int64")
    return pd.to_datetime(micros, unit="us", utc=True)


def _per_env(values: dict[int, str], count: int) -> np.ndarray:
    """An object array indexed by environment code ("" where the dict has nothing)."""
    out = np.full(count + 1, "", dtype=object)
    for code, value in values.items():
        out[code] = value
    return out


def _env_bounds(envs: np.ndarray) -> dict[int, tuple[int, int]]:
    """Slices of each environment code in an array sorted by environment."""
    if len(envs) == 0:
        return {}
    codes, first_idx, counts = np.unique(envs, return_index=True, return_counts=True)
    return {int(c): (int(f), int(f + k)) for c, f, k in zip(codes, first_idx, counts,
                                                             strict=True)}


def _apply_mark(ev: _Evidence, mark: Mark) -> None:
    kind = mark.kind
    if mark.phase == "invoke":
        ev.phase_invoke = True
    if mark.init_type == PROVISIONED:
        ev.pc_evidence = True
    if kind == "init_start":
        if math.isnan(ev.init_start_ms):
            ev.init_start_ms = mark.ts
        ev.init_activity = True
    elif kind == "extension":
        ev.init_activity = True
    elif kind == "init_report":
        ev.init_activity = True
        if mark.status in ("", "success"):
            ev.init_report_ms = mark.duration_ms
            if not mark.init_type:  # text INIT_REPORT on success: PC or SnapStart only (§2.3)
                ev.pc_evidence = True
        else:
            ev.init_failures += 1
            ev.init_timed_out |= mark.status == "timeout"
            ev.init_errored |= mark.status != "timeout"
            ev.init_fail_status = mark.status
            ev.init_fail_error_type = mark.error_type
            ev.init_fail_ms = mark.duration_ms
    elif kind in ("restore_start", "restore_report"):
        ev.restore = True
        if kind == "restore_report":
            ev.restore_ms = mark.duration_ms


def _init_failure_reason(mark: Mark) -> str:
    what = "timed out" if mark.status == "timeout" else "failed"
    etype = f" ({mark.error_type})" if mark.error_type else ""
    took = f" after {mark.duration_ms:.2f} ms" if not math.isnan(mark.duration_ms) else ""
    return f"init_failure: init {what}{etype}{took} in phase {mark.phase or 'init'}"


def _reset_loop_members(fail_then_reinit: np.ndarray, same_prev: np.ndarray) -> np.ndarray:
    """Invocations inside runs of >= 2 consecutive failures that were each followed by a re-init."""
    n = len(fail_then_reinit)
    out = np.zeros(n, dtype=bool)
    if n == 0 or not fail_then_reinit.any():
        return out
    # run id changes whenever the condition flips or the environment changes
    breaks = np.ones(n, dtype=bool)
    breaks[1:] = (fail_then_reinit[1:] != fail_then_reinit[:-1]) | ~same_prev[1:]
    run_id = np.cumsum(breaks)
    run_len = np.bincount(run_id)[run_id]
    out = fail_then_reinit & (run_len >= 2)
    return out


def _reason(start_type: str, prev_failed: bool, prev_status: str, prev_error: str,
            prev_oom: bool, prev_end: float, init_failures: int, init_fail_status: str,
            init_fail_error: str, init_fail_ms: float, gap: float, report_init: float,
            init_duration: float, restore_ms: float, init_start: float) -> str:
    if start_type == "reinit":
        if init_failures:
            what = "timed out" if init_fail_status == "timeout" else "failed"
            etype = f" ({init_fail_error})" if init_fail_error else ""
            took = "" if math.isnan(init_fail_ms) else f" after {init_fail_ms:.2f} ms"
            return f"reinit: init {what}{etype}{took}; retried inside this invocation"
        if prev_failed:
            at = _ms_to_clock(prev_end)
            if prev_oom:
                return f"reinit: previous invocation ran out of memory at {at}"
            if prev_status == "timeout":
                return f"reinit: previous invocation timed out at {at}"
            etype = f" ({prev_error})" if prev_error else ""
            return f"reinit: previous invocation failed{etype} at {at}"
        return "reinit: suppressed init (phase invoke) inside this invocation"
    if start_type == "restore":
        if not math.isnan(restore_ms):
            return f"restore: SnapStart restore {restore_ms:.2f} ms"
        return "restore: SnapStart restore"
    if start_type == "provisioned":
        if not math.isnan(init_duration):
            return f"provisioned: initialized ahead of traffic ({init_duration:.2f} ms init)"
        return "provisioned: provisioned-concurrency environment"
    if start_type == "proactive":
        return (f"proactive: initialized {gap / 1000.0:.1f} s before its first request "
                f"(INIT_START at {_ms_to_clock(init_start)})")
    if start_type == "cold":
        if not math.isnan(report_init):
            return f"cold: Init Duration {report_init:.2f} ms"
        if not math.isnan(init_start):
            return f"cold: INIT_START at {_ms_to_clock(init_start)}"
        return "cold: init records before the first request"
    return ""
