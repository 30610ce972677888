"""Collect parsed platform records into compact columns, pairing START with REPORT on the fly.

Readers call ``RecordSink.add(function, environment, ts_ms, message)`` once per log event. The
sink parses the message (``platform.parse_message``), counts it as a record, application output
or malformed, and stores what the engine needs:

- invocations: one row per REPORT, paired with its START by (function, environment, RequestId)
  and time, in typed arrays so memory grows with invocations, not with bytes read;
- marks: lifecycle records between invocations (INIT_START, INIT_REPORT, RESTORE_*, EXTENSION);
- status lines: "Task timed out", crash lines and JSON runtimeDone, joined later by RequestId.

Pairing never keys on RequestId alone (async retries reuse it): the key includes the
environment, and a START pairs with the first REPORT at or after it.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from typing import Any

from lamlife.lifecycle.platform import MALFORMED, parse_message

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


@dataclass
class SinkCounts:
    events: int = 0
    records: int = 0
    ignored: int = 0
    malformed: int = 0
    malformed_examples: list[str] = field(default_factory=list)


class RecordSink:
    """Accumulates records from any number of readers (see the module docstring)."""

    def __init__(self) -> None:
        self.environments: list[tuple[str, str]] = []  # code -> (function, environment)
        self._env_codes: dict[tuple[str, str], int] = {}
        self.function_from_record: dict[int, str] = {}  # code -> JSON initStart functionName
        self.fallback_functions: set[str] = set()  # names guessed from file names
        self.counts = SinkCounts()
        # invocation columns
        self.inv_env = array("q")
        self.inv_start = array("d")  # NaN when no START was seen
        self.inv_end = array("d")  # REPORT time
        self.inv_seq = array("q")
        self.inv_num = [array("d") for _ in NUMERIC_FIELDS]
        self.inv_request_id: list[str] = []
        self.inv_version: list[str] = []
        self.inv_status: list[str] = []
        self.inv_error_type: list[str] = []
        self.marks: list[Mark] = []
        self.status_lines: list[StatusLine] = []
        self._open_starts: dict[tuple[int, str], list[tuple[float, str, int]]] = {}
        self._pending_reports: dict[tuple[int, str], list[tuple[float, int, tuple[Any, ...]]]] = {}
        self._strings: dict[str, str] = {}
        self._seq = 0

    # ------------------------------------------------------------------ input side

    def env_code(self, function: str, environment: str) -> int:
        key = (function, environment)
        code = self._env_codes.get(key)
        if code is None:
            code = len(self.environments)
            self._env_codes[key] = code
            self.environments.append(key)
        return code

    def add(self, function: str, environment: str, ts: float, message: str,
            where: str = "") -> None:
        """Parse and store one log event. ``where`` ("file:line") is used for malformed examples."""
        counts = self.counts
        counts.events += 1
        rec = parse_message(message)
        if rec is None:
            counts.ignored += 1
            return
        if rec is MALFORMED or ts != ts:  # NaN time: a record we cannot place
            self.add_malformed(message, where)
            return
        self.add_record(function, environment, ts, rec)

    def add_malformed(self, text: str, where: str = "") -> None:
        counts = self.counts
        counts.malformed += 1
        if len(counts.malformed_examples) < MAX_EXAMPLES:
            snippet = text.strip().replace("\t", " ").replace("\n", " ")[:120]
            counts.malformed_examples.append(f"{where}: {snippet}" if where else snippet)

    def add_record(self, function: str, environment: str, ts: float,
                   rec: tuple[Any, ...]) -> None:
        """Store an already parsed record (``platform`` tuple shapes)."""
        self.counts.records += 1
        self._seq += 1
        seq = self._seq
        kind = rec[0]
        code = self.env_code(function, environment)
        if kind == "report":
            self._add_report(code, ts, seq, rec)
        elif kind == "start":
            self._add_start(code, ts, seq, rec[1], self._intern(rec[2]))
        elif kind == "status":
            self.status_lines.append(StatusLine(code, ts, rec[1], rec[2], rec[3], rec[4]))
        elif kind == "init_start":
            self.marks.append(Mark(code, ts, seq, kind, runtime_version=rec[1],
                                   init_type=rec[2], phase=rec[3]))
            if rec[4] and function in self.fallback_functions:
                self.function_from_record.setdefault(code, rec[4])
        elif kind == "init_report":
            self.marks.append(Mark(code, ts, seq, kind, duration_ms=rec[1], phase=rec[2],
                                   status=rec[3], error_type=rec[4], init_type=rec[5]))
        elif kind == "restore_start":
            self.marks.append(Mark(code, ts, seq, kind, runtime_version=rec[1]))
        elif kind == "restore_report":
            self.marks.append(Mark(code, ts, seq, kind, duration_ms=rec[1], status=rec[2],
                                   error_type=rec[3]))
        elif kind == "extension":
            self.marks.append(Mark(code, ts, seq, kind))
        # "end" and "other" change nothing: the REPORT carries what END would.

    def _intern(self, text: str) -> str:
        return self._strings.setdefault(text, text)

    def _add_start(self, code: int, ts: float, seq: int, rid: str, version: str) -> None:
        key = (code, rid)
        pending = self._pending_reports.get(key)
        if pending:
            # a REPORT read before its START (files in reverse or unsorted order)
            best = None
            for i, (rts, _rseq, _rec) in enumerate(pending):
                if rts >= ts and (best is None or rts < pending[best][0]):
                    best = i
            if best is not None:
                rts, rseq, rec = pending.pop(best)
                if not pending:
                    del self._pending_reports[key]
                self._emit_report(code, ts, version, rts, rseq, rec)
                return
        self._open_starts.setdefault(key, []).append((ts, version, seq))

    def _add_report(self, code: int, ts: float, seq: int, rec: tuple[Any, ...]) -> None:
        key = (code, rec[1])
        starts = self._open_starts.get(key)
        if starts:
            best = None
            for i, (sts, _v, _s) in enumerate(starts):
                if sts <= ts and (best is None or sts > starts[best][0]):
                    best = i
            if best is not None:
                sts, version, _sseq = starts.pop(best)
                if not starts:
                    del self._open_starts[key]
                self._emit_report(code, sts, version, ts, seq, rec)
                return
        self._pending_reports.setdefault(key, []).append((ts, seq, rec))

    def _emit_report(self, code: int, start: float, version: str, end: float, seq: int,
                     rec: tuple[Any, ...]) -> None:
        self._emit(code, start, end, seq, rec[1], version, rec[2:9], rec[9],
                   self._intern(rec[10]))

    def _emit(self, code: int, start: float, end: float, seq: int, rid: str, version: str,
              numbers: tuple[float, ...], status: str, error_type: str) -> None:
        self.inv_env.append(code)
        self.inv_start.append(start)
        self.inv_end.append(end)
        self.inv_seq.append(seq)
        for column, value in zip(self.inv_num, numbers, strict=True):
            column.append(value)
        self.inv_request_id.append(rid)
        self.inv_version.append(version)
        self.inv_status.append(status)
        self.inv_error_type.append(error_type)

    # ----------------------------------------------------------------- output side

    def finish(self) -> int:
        """Flush REPORTs that never met a START; return the count of STARTs without a REPORT."""
        for (code, _rid), pending in self._pending_reports.items():
            for rts, rseq, rec in pending:
                self._emit_report(code, NAN, "", rts, rseq, rec)
        self._pending_reports.clear()
        incomplete = sum(len(v) for v in self._open_starts.values())
        self._open_starts.clear()
        return incomplete

    def __len__(self) -> int:
        return len(self.inv_env)
