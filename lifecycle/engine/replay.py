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

from lamlife.lifecycle.engine.coded import code_dtype, coded_by_code, smallest_int_type
from lamlife.lifecycle.read import exact
from lamlife.lifecycle.read.collect import (
    Mark,
    RecordSink,
    hash_ids,
    pair_key,
    release_free_memory,
)
from lamlife.lifecycle.read.overlap import member_of
from lamlife.lifecycle.read.request_ids import RequestIds, id_column
from lamlife.lifecycle.schema import FLAG_SEPARATOR, INVOCATION_COLUMNS, STATUSES

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

    Memory: per row the engine keeps codes and flags of a byte or two beside the sink's
    columns (statuses, error types, start types and init types as small integer codes; the
    evidence of lifecycle marks only for the rows a mark precedes), so the run needs little
    more than the sink or the table it becomes, whichever is larger.
    """
    options = options or EngineOptions()
    rows = _ordered_rows(sink)
    outcome = _statuses(sink, rows)
    marks = _attach_marks(sink, rows)
    ev = _sparse_evidence(marks.evidence, rows.n)
    seq = _sequence(rows, marks, ev, outcome, options)
    _out_of_memory(rows, outcome)
    loop_member = _reset_loops(rows, seq, outcome)
    reason = _reasons(rows, seq, ev, outcome)
    flags = _flags(outcome, ev, loop_member, seq.before_window)
    # what the table takes, handed over so that each array is freed once it is a column
    done = {"status": coded_by_code(outcome.status_names, outcome.status),
            "error_type": coded_by_code(outcome.error_names, outcome.error_type),
            "reason": reason, "flags": flags,
            "init_failures": count_column(ev.full("init_failures")),
            "start_code": seq.start_code,
            "init_type": coded_by_code(seq.init_names, seq.init_type),
            "init_duration_ms": seq.init_duration, "restore_duration_ms": seq.restore_ms}
    del outcome, reason, flags, ev, seq, loop_member
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
    no_start = np.flatnonzero(np.isnan(start))
    if no_start.size:
        duration = exact.decode(cols["duration_ms"][no_start], exact.SCALES["duration_ms"])
        start[no_start] = cols["end"][no_start] - duration
    env_names = [e for _f, e in sink.environments]
    functions = [sink.function_from_record.get(i, f) for i, (f, _e) in
                 enumerate(sink.environments)]
    # rank of each environment code by (function, environment): the table's order (schema)
    by_name = sorted(range(len(env_names)), key=lambda c: (functions[c], env_names[c]))
    env_rank = np.empty(len(env_names) + 1, dtype=np.int32)
    env_rank[by_name] = np.arange(len(by_name))
    env_rank[-1] = len(by_name)
    order = table_order(env_rank[cols["env"]] if n else cols["env"], start, cols.pop("seq"))
    # put the sink's columns in this order in place: the unsorted copies are freed as we go
    # (read order has done its work: it is not kept)
    start = start[order]
    for name in list(cols):
        cols[name] = cols[name][order]
        release_free_memory()  # the unsorted column's heap (columns under 32 MB live there)
    del order
    envs = cols["env"]
    known_env_code = np.array([bool(e) for e in env_names] or [False], dtype=bool)
    same_prev = np.zeros(n, dtype=bool)
    if n > 1:
        np.equal(envs[1:], envs[:-1], out=same_prev[1:])
    return _Rows(n, cols, start, envs, functions, env_names,
                 known_env_code[envs] if n else np.zeros(0, bool), same_prev)


def table_order(rank: np.ndarray, start: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Positions ordering rows by (rank, start, seq): ``np.lexsort((seq, start, rank))``.
    Rows come in read order (``seq`` increasing: the sink's REPORTs, in read order), so two
    stable sorts do it: by start time (timsort: a log is nearly in time order already), then
    by rank (a radix sort in 16 bits while the ranks fit)."""
    if len(seq) > 1 and not bool((seq[1:] > seq[:-1]).all()):
        return np.lexsort((seq, start, rank))
    order = np.argsort(start, kind="stable")
    if len(rank) and int(rank.max()) <= np.iinfo(np.int16).max:
        rank = rank.astype(np.int16)
    return order[np.argsort(rank[order], kind="stable")]


# Status codes of _Outcome.status: the first three names of _Outcome.status_names
_SUCCESS, _TIMEOUT, _ERROR = (STATUSES.index(s) for s in ("success", "timeout", "error"))
_OUT_OF_MEMORY = "Runtime.OutOfMemory"


@dataclass
class _Outcome:
    """How each row ended, as small integer codes (one name per code)."""

    status: np.ndarray  # codes into status_names: success, timeout, error, then any other
    status_names: list[str]
    error_type: np.ndarray  # codes into error_names (the sink's labels, "" is 0, and more)
    error_names: list[str]
    killed: np.ndarray  # bool: a status line says the runtime was killed
    oom: np.ndarray | None = None  # bool, set by _out_of_memory

    def error_code(self, name: str) -> int:
        """The code of an error type name in ``error_names`` (which must hold it)."""
        return self.error_names.index(name)


def _statuses(sink: RecordSink, rows: _Rows) -> _Outcome:
    """Status and error type per row: the REPORT's failed status wins, else the strongest
    status line (timeout > error > success), else success; and the rows a line says were
    killed."""
    line_status, line_error_type, killed = _join_status_lines(sink, rows)
    del rows.cols["rid_hash"]  # only the join needs the RequestId hashes
    labels = sink.labels  # the sink's codes -> strings ("" is 0)
    status_names = list(STATUSES)
    label_status = np.zeros(len(labels), dtype=np.int64)  # label code -> status code ("": 0)
    report_status = rows.cols.pop("status")
    for code in np.flatnonzero(np.bincount(report_status, minlength=1)).tolist():
        if labels[code]:
            label_status[code] = _code_in(status_names, labels[code])
    status = label_status.astype(code_dtype(len(status_names)))[report_status]
    del report_status
    for row, value in line_status.items():  # status lines: a few rows
        if status[row] == _SUCCESS:
            status[row] = status_names.index(value)
    error_names = list(labels)
    added = [_code_in(error_names, name) for name in [*line_error_type.values(), _OUT_OF_MEMORY]]
    error_type = rows.cols.pop("error_type")
    if max(added) > np.iinfo(error_type.dtype).max:
        error_type = error_type.astype(np.int64)
    for row, value in line_error_type.items():
        if error_type[row] == 0:
            error_type[row] = error_names.index(value)
    error_type[status == _SUCCESS] = 0
    return _Outcome(status, status_names, error_type, error_names, killed)


def _code_in(names: list[str], name: str) -> int:
    """The position of ``name`` in ``names``, appended when it is not there yet."""
    if name not in names:
        names.append(name)
    return names.index(name)


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


_EVIDENCE_COLUMNS: dict[str, tuple[Any, Any]] = {  # _Evidence field -> (default, dtype)
    "init_start_ms": (np.nan, np.float64),
    "init_activity": (False, bool),
    "phase_invoke": (False, bool),
    "pc_evidence": (False, bool),
    "init_report_ms": (np.nan, np.float64),
    "init_failures": (0, np.int64),
    "init_timed_out": (False, bool),
    "init_errored": (False, bool),
    "init_fail_status": ("", object),
    "init_fail_error_type": ("", object),
    "init_fail_ms": (np.nan, np.float64),
    "restore": (False, bool),
    "restore_ms": (np.nan, np.float64),
}


@dataclass
class _SparseEvidence:
    """The evidence of the marks, for the few rows a mark precedes (one or two per
    environment): ``rows`` ascending, ``values[field]`` aligned with it. Every other row
    has the defaults of _EVIDENCE_COLUMNS."""

    n: int
    rows: np.ndarray  # int64 row numbers, ascending
    values: dict[str, np.ndarray]

    def full(self, name: str) -> np.ndarray:
        """One evidence field for every row (the default where no mark)."""
        default, dtype = _EVIDENCE_COLUMNS[name]
        out = np.full(self.n, default, dtype=dtype)
        out[self.rows] = self.values[name]
        return out

    def at(self, values: np.ndarray, rows: np.ndarray, default: Any) -> np.ndarray:
        """``values`` (aligned with ``self.rows``) at ``rows``, ``default`` where no mark."""
        out = np.full(len(rows), default, dtype=values.dtype)
        if len(self.rows):
            pos = np.minimum(np.searchsorted(self.rows, rows), len(self.rows) - 1)
            hit = self.rows[pos] == rows
            out[hit] = values[pos[hit]]
        return out

    def field_at(self, name: str, rows: np.ndarray) -> np.ndarray:
        """One evidence field at ``rows``."""
        return self.at(self.values[name], rows, _EVIDENCE_COLUMNS[name][0])


def _sparse_evidence(evidence: dict[int, _Evidence], n: int) -> _SparseEvidence:
    """The per-invocation evidence as columns over the rows that have some."""
    rows = np.fromiter(evidence.keys(), dtype=np.int64, count=len(evidence))
    order = np.argsort(rows, kind="stable")
    evs = [evidence[r] for r in rows[order].tolist()]
    values = {name: np.array([getattr(e, name) for e in evs], dtype=dtype)
              if evs else np.zeros(0, dtype=dtype)
              for name, (_default, dtype) in _EVIDENCE_COLUMNS.items()}
    return _SparseEvidence(n, rows[order], values)


# Codes of _Sequence.init_type: the first names of _Sequence.init_names
_INIT_TYPES_FIRST: tuple[str, ...] = ("", LMI, PROVISIONED, "snap-start")


@dataclass
class _Sequence:
    """Per-row features of the sequence and the start type they give (§5.8)."""

    start_code: np.ndarray  # int8: index into START_ORDER
    init_type: np.ndarray  # codes into init_names
    init_names: list[str]
    prev_failed: np.ndarray
    lmi: np.ndarray
    before_window: np.ndarray
    init_duration: np.ndarray  # float64 ms: the REPORT's Init Duration, else INIT_REPORT's
    report_init: np.ndarray  # bool: init_duration is the REPORT's Init Duration
    restore_ms: np.ndarray  # float64 ms: the REPORT's Restore Duration, else RESTORE_REPORT's
    gap: np.ndarray  # float64 ms, aligned with the evidence rows: START - INIT_START


def _sequence(rows: _Rows, marks: _Marks, ev: _SparseEvidence, outcome: _Outcome,
              options: EngineOptions) -> _Sequence:
    """Start types, first match wins: restore > reinit > provisioned > proactive > cold > warm
    (each rule sets its rows in the reverse order, so the first that matches is what stays)."""
    cols, known, same_prev = rows.cols, rows.known, rows.same_prev
    n = rows.n
    first = ~same_prev
    init_names, env_init = _env_init_types(marks.env_init_type, len(rows.env_names))
    init_type = env_init[rows.envs]
    lmi = init_type == _INIT_TYPES_FIRST.index(LMI)
    prev_failed = np.zeros(n, dtype=bool)
    if n > 1:
        prev_failed[1:] = same_prev[1:] & (outcome.status[:-1] != _SUCCESS)
    prev_failed &= known & ~lmi
    restore_ms = _number(cols, "restore_duration_ms")  # the table's column, completed below
    del cols["restore_duration_ms"]
    init_duration = _number(cols, "init_duration_ms")
    del cols["init_duration_ms"]
    report_init = ~np.isnan(init_duration)
    gap = rows.start[ev.rows] - ev.values["init_start_ms"]

    code = np.full(n, _WARM, dtype=np.int8)
    code[(known & ev.full("init_activity")) | report_init] = START_ORDER.index("cold")
    proactive = ev.rows[(known & first)[ev.rows] & ~np.isnan(gap)
                        & (gap > options.proactive_threshold_s * 1000.0)]
    code[proactive] = START_ORDER.index("proactive")
    is_provisioned = known & first & (
        ev.full("pc_evidence") | (init_type == _INIT_TYPES_FIRST.index(PROVISIONED)))
    code[is_provisioned] = START_ORDER.index("provisioned")
    init_failed = np.zeros(n, dtype=bool)
    init_failed[ev.rows] = ev.values["init_failures"] > 0
    code[known & (prev_failed | init_failed | ev.full("phase_invoke"))] = \
        START_ORDER.index("reinit")
    del init_failed
    is_restore = ~np.isnan(restore_ms) | (known & ev.full("restore"))
    code[is_restore] = START_ORDER.index("restore")
    before_window = known & first & (code == _WARM)
    # provisioned environments keep their init type for billing
    unknown_type = init_type == 0
    init_type[unknown_type & is_provisioned] = _INIT_TYPES_FIRST.index(PROVISIONED)
    unknown_type &= ~is_provisioned
    init_type[unknown_type & is_restore] = _INIT_TYPES_FIRST.index("snap-start")
    del unknown_type, is_provisioned, is_restore
    _fill_nan(init_duration, ev.rows, ev.values["init_report_ms"])
    _fill_nan(restore_ms, ev.rows, ev.values["restore_ms"])
    return _Sequence(code, init_type, init_names, prev_failed, lmi, before_window,
                     init_duration, report_init, restore_ms, gap)


def _env_init_types(env_init_type: dict[int, str], count: int) -> tuple[list[str], np.ndarray]:
    """(names, codes): the init type of each environment code as a code into ``names``
    (_INIT_TYPES_FIRST first; code -1, no environment, is "")."""
    names = list(_INIT_TYPES_FIRST)
    codes = [_code_in(names, env_init_type.get(c, "")) for c in range(count)] + [0]
    return names, np.asarray(codes, dtype=code_dtype(len(names)))


def _fill_nan(column: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    """``column[rows]`` := ``values`` where it is NaN (in place)."""
    fill = np.isnan(column[rows])
    column[rows[fill]] = values[fill]


def _out_of_memory(rows: _Rows, outcome: _Outcome) -> None:
    """Out of memory (§2.6: Runtime.OutOfMemory, or a kill at the memory limit); a timed-out
    invocation stays a timeout: out_of_memory is a subset of errors. Sets ``outcome.oom`` and
    makes those rows errors of that type (in place)."""
    status, error_type = outcome.status, outcome.error_type
    oom_code = outcome.error_code(_OUT_OF_MEMORY)
    oom = error_type == oom_code
    killed = np.flatnonzero(outcome.killed)
    if killed.size:
        mem = exact.decode(rows.cols["memory_mb"][killed], exact.SCALES["memory_mb"])
        maxmem = exact.decode(rows.cols["max_memory_used_mb"][killed],
                              exact.SCALES["max_memory_used_mb"])
        oom[killed[~np.isnan(mem) & (maxmem >= mem)]] = True
    oom &= status != _TIMEOUT
    status[oom & (status == _SUCCESS)] = _ERROR
    error_type[oom & (error_type == 0)] = oom_code
    outcome.oom = oom


def _reset_loops(rows: _Rows, seq: _Sequence, outcome: _Outcome) -> np.ndarray:
    """Reset loops (§5.4): >= 2 consecutive failures, each followed by a re-init."""
    n = rows.n
    failed = outcome.status != _SUCCESS
    has_next = np.zeros(n, dtype=bool)
    has_next[:-1] = rows.same_prev[1:] if n > 1 else has_next[:-1]
    return _reset_loop_members(failed & has_next & rows.known & ~seq.lmi, rows.same_prev)


def _reasons(rows: _Rows, seq: _Sequence, ev: _SparseEvidence, outcome: _Outcome
             ) -> pd.Categorical:
    """Why each non-warm invocation started as it did ("" for a plain warm start), coded:
    one category per distinct text (about one per non-warm start: a cold start's reason
    names its Init Duration), 2 or 4 bytes a row instead of an 8-byte object pointer."""
    n = rows.n
    warm = seq.start_code == _WARM
    k = np.flatnonzero(~warm)  # the rows a reason is written for: non-warm starts
    prev = np.maximum(k - 1, 0)  # the row before (its values are read only after a failure)
    has_prev = k > 0
    assert outcome.oom is not None
    status_names = np.asarray(outcome.status_names, dtype=object)
    error_names = np.asarray(outcome.error_names, dtype=object)
    columns = (
        [START_ORDER[c] for c in seq.start_code[k].tolist()],
        seq.prev_failed[k].tolist(),
        np.where(has_prev, status_names[outcome.status[prev]], "").tolist(),
        np.where(has_prev, error_names[outcome.error_type[prev]], "").tolist(),
        (has_prev & outcome.oom[prev]).tolist(),
        np.where(has_prev, rows.cols["end"][prev], np.nan).tolist(),
        ev.field_at("init_failures", k).tolist(),
        ev.field_at("init_fail_status", k).tolist(),
        ev.field_at("init_fail_error_type", k).tolist(),
        ev.field_at("init_fail_ms", k).tolist(),
        ev.at(seq.gap, k, np.nan).tolist(),
        np.where(seq.report_init[k], seq.init_duration[k], np.nan).tolist(),
        seq.init_duration[k].tolist(),
        seq.restore_ms[k].tolist(),
        ev.field_at("init_start_ms", k).tolist(),
    )
    texts = [_reason(*values) for values in zip(*columns, strict=True)]
    del columns
    # codes into: "", the two warm texts, then one text per non-warm row
    names = ["", "warm: no init seen; the environment started before the data",
             # without a log stream only the REPORT can say cold: say why this one is warm
             "warm: no Init Duration on the REPORT (no log stream, so init records cannot "
             "be placed)", *texts]
    codes = np.zeros(n, dtype=code_dtype(len(names)))
    codes[k] = np.arange(3, 3 + len(k))
    codes[seq.before_window] = 1
    codes[warm & ~rows.known] = 2
    return coded_by_code(names, codes)


def _flags(outcome: _Outcome, ev: _SparseEvidence, loop_member: np.ndarray,
           before_window: np.ndarray) -> pd.Categorical:
    """The ";"-joined flags of each invocation ("" for most), coded: a bitmask per row first,
    then one string per distinct mask."""
    status, oom = outcome.status, outcome.oom
    assert oom is not None
    mask = np.zeros(len(status), dtype=np.uint8)
    for bit, cond in enumerate((
        status == _TIMEOUT,
        (status == _ERROR) & ~oom,
        oom,
        ev.full("init_timed_out"),
        ev.full("init_errored"),
        loop_member,
        before_window,
    )):
        mask |= cond.view(np.uint8) << np.uint8(bit)
    masks = np.flatnonzero(np.bincount(mask, minlength=1))  # the masks that occur
    renumber = np.zeros(1 << len(INVOCATION_FLAGS), dtype=np.int8)
    renumber[masks] = np.arange(len(masks))
    names = [FLAG_SEPARATOR.join(word for bit, word in enumerate(INVOCATION_FLAGS)
                                 if m >> bit & 1) for m in masks.tolist()]
    return coded_by_code(names, renumber[mask])


# Invocation flags in the order they are joined, one bit each in _flags
INVOCATION_FLAGS: tuple[str, ...] = ("timeout", "error", "out_of_memory", "init_timeout",
                                     "init_error", "reset_loop", "started_before_window")


def _invocation_table(rows: _Rows, labels: np.ndarray, marks: _Marks, done: dict[str, Any]
                      ) -> pd.DataFrame:
    """The invocation table (schema.INVOCATION_COLUMNS): the CODED_COLUMNS (reason among
    them) as Categoricals (engine.coded), RequestIds as ``request_id_column``
    makes them, the sink's exact numbers as float64 (``read.exact.decode``). ``done`` holds
    the engine's columns (status, error_type, reason, flags, init_failures, start_code,
    init_type, init_duration_ms, restore_duration_ms). Each of those and of the sink's
    columns is dropped from ``done`` / ``rows.cols`` as the table takes it, and the frame is
    made without copying or consolidating its columns."""
    cols, envs, env_names = rows.cols, rows.envs, rows.env_names
    runtime = _per_env(marks.env_runtime, len(env_names))
    columns: dict[str, Any] = {
        "function": coded_by_code(rows.functions + [""], envs),
        "version": _version_column(cols.pop("version"), labels, env_names, envs),
        "environment": coded_by_code(env_names + [""], envs),
    }
    columns["request_id"] = request_id_column(cols.pop("request_id"))
    cols["start"], rows.start = rows.start, rows.start[:0]  # the table takes it
    columns["start"] = _datetime_column(cols, "start")
    columns["end"] = _datetime_column(cols, "end")
    columns["start_type"] = coded_by_code(START_ORDER, done.pop("start_code"))
    columns["reason"] = done.pop("reason")
    columns["status"] = done.pop("status")
    columns["error_type"] = done.pop("error_type")
    for name in ("duration_ms", "billed_duration_ms"):
        columns[name] = _float_column(cols, name)
    columns["init_duration_ms"] = done.pop("init_duration_ms")
    columns["restore_duration_ms"] = done.pop("restore_duration_ms")
    for name in ("billed_restore_duration_ms", "memory_mb", "max_memory_used_mb"):
        columns[name] = _float_column(cols, name)
    columns["init_type"] = done.pop("init_type")
    columns["runtime_version"] = coded_by_code(list(runtime), envs)
    columns["init_failures"] = done.pop("init_failures")
    columns["flags"] = done.pop("flags")
    # copy=False: each column as made, not copied into 2-D blocks of one dtype
    return pd.DataFrame({name: columns.pop(name) for name in INVOCATION_COLUMNS}, copy=False)


def _version_column(version: np.ndarray, labels: np.ndarray, env_names: list[str],
                    envs: np.ndarray) -> pd.Categorical:
    """The table's version: START's (sink label codes), else the stream's [version]."""
    missing = version == 0  # the label ""
    if not missing.any():
        return coded_by_code(list(labels), version)
    # each environment's stream version as one more name, after the labels
    names = [*labels.tolist(), *(stream_version(name) for name in env_names), ""]
    if len(names) > np.iinfo(version.dtype).max:
        version = version.astype(np.int64)
    env_version = np.arange(len(labels), len(names), dtype=version.dtype)
    version[missing] = env_version[envs[missing]]
    return coded_by_code(names, version)


def _float_column(cols: dict[str, Any], name: str) -> np.ndarray:
    """``_number`` of ``cols[name]``, which is dropped; the heap it held is handed back (a
    column of a few bytes a row freed under the float64 ones made from it would otherwise
    stay resident: at 5M rows, 200 MB for the table's numbers)."""
    column = _number(cols, name)
    del cols[name]
    release_free_memory()
    return column


def _datetime_column(cols: dict[str, Any], name: str) -> pd.DatetimeIndex:
    """``ms_to_datetime`` of ``cols[name]``, which is dropped: worked on in place, so that
    the float ms and the integer microseconds are the only two copies at once."""
    column = ms_to_datetime(cols.pop(name), in_place=True)
    release_free_memory()
    return column


def count_column(counts: np.ndarray) -> np.ndarray:
    """Non-negative counts (``init_failures``) in the narrowest integer type that holds the
    largest: int8 (one byte a row) unless some row counts past 127. Sums and comparisons
    read them as any integers (pandas sums integer columns in int64)."""
    return counts.astype(smallest_int_type(int(counts.max()) if len(counts) else 0))


def _number(cols: dict[str, Any], name: str) -> np.ndarray:
    """A REPORT number column of the sink as float64 ms (or MB), NaN where absent."""
    return exact.decode(cols[name], exact.SCALES[name])


def request_id_column(ids: RequestIds) -> pd.Series:
    """The table's ``request_id`` (``read.request_ids.id_column``): with pyarrow (pandas 3)
    16-byte binary when every id is a UUID (the sink's compact form; ``text_ids`` makes the
    text when rows are read), else a ``str`` column over the ids' own bytes, as pandas makes
    of Python strings; without pyarrow an object column of Python strings."""
    column: pd.Series = id_column(ids)
    return column


_STREAM_VERSION = re.compile(r"\[([^\]]+)\]")


def stream_version(stream: str) -> str:
    """The [version] of a log stream name ("2026/03/01/[$LATEST]abc" -> "$LATEST"), else ""."""
    found = _STREAM_VERSION.search(stream)
    return found.group(1) if found else ""


def ms_to_datetime(ms: np.ndarray, in_place: bool = False) -> pd.DatetimeIndex:
    """Epoch ms (float) to UTC times, rounded to the microsecond (logs have no finer times).
    ``in_place``: ``ms`` (float64) is the scratch space and is left changed, so no third
    row-length array is made."""
    if in_place:
        scaled = np.multiply(ms, 1000.0, out=ms)
    else:
        scaled = np.asarray(ms, dtype=np.float64) * 1000.0
    np.round(scaled, out=scaled)
    return pd.to_datetime(scaled.astype(np.int64), unit="us", utc=True)


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
