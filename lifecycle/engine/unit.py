"""The per-environment lifecycle unit: one execution environment's events in, its invocation
rows out. The local engine runs it over every environment at once; the Spark engine
(``lamlife.lifecycle.spark``) runs it once per ``(function, environment)`` group with
``groupBy(...).applyInPandas``. Both drive the same ``RecordSink`` and ``run_engine``, so
they agree by construction, whatever the engine does inside.

Events (a pandas DataFrame, ``UNIT_INPUT_COLUMNS``):

- ``function``, ``environment`` (str): the group; every row of one call has the same pair;
- ``timestamp`` (float, epoch ms): the event time;
- ``message`` (str or null): a raw log message (text platform line or JSON log-format
  record), parsed here like any reader does;
- ``record`` (str or null, optional): an already parsed platform record
  (``encode_record``), as lamlife's own readers produce them; used instead of ``message``;
- ``seq`` (int, optional): read order; rows are replayed in ``seq`` order (else in time
  order), which breaks ties between records of the same millisecond.

Rows out (``UNIT_OUTPUT_COLUMNS``): one per invocation (``row == "invocation"``,
``INVOCATION_COLUMNS`` with ``start_us`` / ``end_us`` in epoch microseconds instead of
``start`` / ``end``), one per orphan event (``row == "orphan"``: an init that served nobody,
a failed init after the last invocation) and one ``row == "counts"`` with the group's event,
record, ignored, malformed and incomplete counts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.engine.replay import (
    EngineOptions,
    OrphanEvent,
    count_column,
    run_engine,
)
from lamlife.lifecycle.read.collect import FILE_SEQ, NUMERIC_FIELDS, RecordSink
from lamlife.lifecycle.read.platform import json_record_time, parse_json_platform
from lamlife.lifecycle.read.request_ids import RequestIds, text_ids
from lamlife.lifecycle.read.seen import seen_counts
from lamlife.lifecycle.schema import INVOCATION_COLUMNS

UNIT_INPUT_COLUMNS: tuple[str, ...] = (
    "function", "environment", "timestamp", "message", "record", "seq")

# Columns of the invocation rows that are not text.
FLOAT_COLUMNS: tuple[str, ...] = (
    "duration_ms", "billed_duration_ms", "init_duration_ms", "restore_duration_ms",
    "billed_restore_duration_ms", "memory_mb", "max_memory_used_mb")
TIME_COLUMNS: tuple[str, ...] = ("start", "end")
COUNT_COLUMNS: tuple[str, ...] = ("events", "records", "ignored", "malformed", "incomplete",
                                  "duplicates")

UNIT_OUTPUT_COLUMNS: tuple[str, ...] = (
    "row",
    *(f"{c}_us" if c in TIME_COLUMNS else c for c in INVOCATION_COLUMNS),
    "event", "event_time_ms", *COUNT_COLUMNS, "regions", "seen",
)


def output_types() -> dict[str, str]:
    """The type of every output column: ``str``, ``float`` or ``int``."""
    types = {}
    for column in UNIT_OUTPUT_COLUMNS:
        if column in FLOAT_COLUMNS or column == "event_time_ms":
            types[column] = "float"
        elif column in ("start_us", "end_us", "init_failures", *COUNT_COLUMNS):
            types[column] = "int"
        else:
            types[column] = "str"
    return types


def encode_record(record: tuple[Any, ...]) -> str:
    """A parsed platform record (``read.platform`` tuple) as JSON text (NaN kept)."""
    return json.dumps(list(record), separators=(",", ":"))


def decode_record(text: str) -> tuple[Any, ...]:
    return tuple(json.loads(text))


def _strings(ids: RequestIds | Sequence[str]) -> Sequence[str]:
    """RequestIds as Python strings, decoded at once."""
    return ids.tolist() if isinstance(ids, RequestIds) else ids


class RecordingSink(RecordSink):
    """A RecordSink that also keeps every parsed record as a row (function, environment,
    time, read order, record): what lamlife's readers make of any input, ready to be grouped
    by environment and replayed by the unit. Everything else (counting, the Regions the
    input names, function names from JSON records) is the RecordSink's own.
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[int, float, int, str]] = []  # env code, ts, seq, record
        # (function, environment, code) in the order the readers first named each pair, and
        # code -> the function a JSON initStart named: what the Spark engine needs to name
        # the environments of files read apart as one read of them all would
        self.keys_seen: list[tuple[str, str, int]] = []
        self.record_names: dict[int, str] = {}

    def env_code(self, function: str, environment: str) -> int:
        new = (function, environment) not in self._env_codes
        code = super().env_code(function, environment)
        if new:
            self.keys_seen.append((function, environment, code))
        return code

    def add_record(self, function: str, environment: str, ts: float,
                   rec: tuple[Any, ...]) -> bool:
        if not super().add_record(function, environment, ts, rec):  # counts, Regions, names
            return False  # malformed: counted, not a record the unit replays
        code = self.env_code(function, environment)
        if code not in self.record_names and code in self.function_from_record:
            self.record_names[code] = self.function_from_record[code]
        self.rows.append((code, ts, self._seq, encode_record(rec)))
        return True

    def add_starts(self, env: np.ndarray, ts: np.ndarray,
                   request_ids: RequestIds | Sequence[str], versions: Sequence[str],
                   hashes: np.ndarray | None = None, seqs: np.ndarray | None = None
                   ) -> np.ndarray:
        kept = super().add_starts(env, ts, request_ids, versions, hashes, seqs)
        placed = _placed(self._seq, kept, seqs)  # the read order the sink gave the kept rows
        request_ids = _strings(request_ids)
        for k, i in enumerate(kept.tolist()):
            self.rows.append((int(env[i]), float(ts[i]), placed[k],
                              encode_record(("start", request_ids[i], versions[i]))))
        return kept

    def add_reports(self, env: np.ndarray, ts: np.ndarray,
                    request_ids: RequestIds | Sequence[str], numbers: dict[str, np.ndarray],
                    statuses: Sequence[str], error_types: Sequence[str],
                    hashes: np.ndarray | None = None, seqs: np.ndarray | None = None
                    ) -> np.ndarray:
        kept = super().add_reports(env, ts, request_ids, numbers, statuses, error_types,
                                   hashes, seqs)
        placed = _placed(self._seq, kept, seqs)
        request_ids = _strings(request_ids)
        columns = [numbers[name] for name in NUMERIC_FIELDS]
        for k, i in enumerate(kept.tolist()):
            rec = ("report", request_ids[i], *(float(c[i]) for c in columns), statuses[i],
                   error_types[i])
            self.rows.append((int(env[i]), float(ts[i]), placed[k], encode_record(rec)))
        return kept

    def events_frame(self) -> pd.DataFrame:
        """The recorded records as unit input (``UNIT_INPUT_COLUMNS``, ``message`` null).

        An environment whose JSON ``platform.initStart`` named its function (where the input
        did not), or whose log was split into parts named differently, carries the name the
        local engine reports. Call it before ``finish()``."""
        names = [self.function_from_record.get(code, fn)
                 for code, (fn, _env) in enumerate(self.environments)]
        codes = np.fromiter((r[0] for r in self.rows), dtype=np.int64, count=len(self.rows))
        functions: Any = np.asarray(names or [""], dtype=object)[codes] if len(codes) else []
        envs = np.asarray([e for _f, e in self.environments] or [""], dtype=object)
        return pd.DataFrame({
            "function": pd.Series(functions, dtype=object),
            "environment": pd.Series(envs[codes] if len(codes) else [], dtype=object),
            "timestamp": np.fromiter((r[1] for r in self.rows), dtype=np.float64,
                                     count=len(self.rows)),
            "message": pd.Series([None] * len(self.rows), dtype=object),
            "record": pd.Series([r[3] for r in self.rows], dtype=object),
            "seq": np.fromiter((r[2] for r in self.rows), dtype=np.int64, count=len(self.rows)),
        })


def _placed(last: int, kept: np.ndarray, seqs: np.ndarray | None) -> list[int]:
    """Sequence numbers of the kept rows of a column handed over: those the reader gave
    (``seqs``), else the last ``len(kept)`` the sink gave."""
    if seqs is not None:
        return np.asarray(seqs, dtype=np.int64)[kept].tolist()
    return list(range(last - len(kept) + 1, last + 1))


def _replay(events: pd.DataFrame, sink: RecordSink) -> None:
    """Feed one environment's rows to the sink in read order, each file's as an input of its
    own (``seq // FILE_SEQ``: marks alike in two files are one event read twice, in one file
    two events, read.overlap)."""
    order = events.sort_values("seq" if "seq" in events else "timestamp", kind="stable")
    records = order["record"] if "record" in order else pd.Series([None] * len(order))
    files = (order["seq"].to_numpy(dtype=np.int64) // FILE_SEQ if "seq" in order
             else np.zeros(len(order), dtype=np.int64))
    last_file = None
    for fn, env, ts, message, record, file in zip(order["function"], order["environment"],
                                                  order["timestamp"].astype(float),
                                                  order["message"] if "message" in order
                                                  else [None] * len(order),
                                                  records, files.tolist(), strict=True):
        if file != last_file:
            sink.start_input()
            last_file = file
        fn, env = str(fn), str(env or "")
        if isinstance(record, str) and record:
            sink.add_record(fn, env, ts, decode_record(record))
        elif isinstance(message, str):
            _add_message(sink, fn, env, ts, message)


def _add_message(sink: RecordSink, function: str, env: str, ts: float, message: str) -> None:
    """A raw message as the CloudWatch JSON reader takes it (docs/lifecycle.md): a JSON
    log-format platform record orders by its own ``time``, any other line is parsed."""
    message = message.rstrip("\n")
    if message.startswith("{") and '"platform.' in message:
        try:
            obj = json.loads(message)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            sink.counts.events += 1
            rec = parse_json_platform(obj)
            if rec is None:
                sink.counts.ignored += 1
            elif rec[0] == "malformed":
                sink.add_malformed(message)
            else:
                own = json_record_time(obj)
                sink.add_record(function, env, own if own is not None else ts, rec)
            return
    sink.add(function, env, ts, message)


def environment_unit(events: pd.DataFrame, options: EngineOptions | None = None
                     ) -> pd.DataFrame:
    """One environment's events in, its invocation rows (and orphan and count rows) out.

    See the module docstring for both shapes. Several environments in one call also work
    (the sink keeps them apart); the Spark driver calls it with exactly one.
    """
    sink = RecordSink()
    _replay(events, sink)
    incomplete = sink.finish()
    seen = {"kinds": seen_counts(sink, incomplete),
            "reports": len(sink) - sink.timeouts_without_report,  # rows of REPORTs read
            "starts": len(sink.envs_with_starts), "marks": len(sink.marks)}
    result = run_engine(sink, options or EngineOptions())
    counts = sink.counts
    first = events.iloc[0] if len(events) else None
    group = ("", "") if first is None else (str(first["function"]),
                                           str(first["environment"] or ""))
    return _output(result.invocations, result.orphan_events, group,
                   (counts.events, counts.records, counts.ignored, counts.malformed, incomplete,
                    int(getattr(sink, "duplicates", 0))),
                   sink.regions(), seen)


def _output(invocations: pd.DataFrame, orphans: list[OrphanEvent], group: tuple[str, str],
            counts: tuple[int, ...], regions: dict[str, dict[str, str]],
            seen: dict[str, Any] | None = None) -> pd.DataFrame:
    """The unit's rows, column by column (numpy arrays; one DataFrame built at the end):
    invocations first, then orphans, then the counts row."""
    invocations = text_ids(invocations)  # RequestIds as text, as Spark's schema has them
    n, k = len(invocations), len(orphans)
    size = n + k + 1
    out: dict[str, Any] = {}
    for column, kind in output_types().items():
        if kind == "str":
            values = np.full(size, "", dtype=object)
        elif kind == "float":
            values = np.full(size, np.nan, dtype=np.float64)
        else:
            values = np.zeros(size, dtype=np.int64)
        source = column[:-3] if column in ("start_us", "end_us") else column
        if n and source in invocations:
            if column != source:
                values[:n] = _to_us(invocations[source]).to_numpy()
            elif kind == "str":
                cells = invocations[column].to_numpy(dtype=object)
                values[:n] = np.where(pd.isna(cells), "", cells)
            else:
                values[:n] = invocations[column].to_numpy(dtype=values.dtype)
        out[column] = values
    out["row"][:n] = "invocation"
    out["row"][n:n + k] = "orphan"
    out["row"][-1] = "counts"
    for i, orphan in enumerate(orphans, start=n):
        out["function"][i] = orphan.function
        out["environment"][i] = orphan.environment
        out["event"][i] = orphan.event
        out["reason"][i] = orphan.reason
        out["event_time_ms"][i] = float(orphan.time_ms)
    out["function"][-1], out["environment"][-1] = group
    for name, value in zip(COUNT_COLUMNS, counts, strict=True):
        out[name][-1] = value
    out["regions"][-1] = json.dumps(regions) if regions else ""
    out["seen"][-1] = json.dumps(seen) if seen else ""
    return pd.DataFrame(out, columns=list(UNIT_OUTPUT_COLUMNS))


def _to_us(times: pd.Series) -> pd.Series:
    """UTC times as epoch microseconds (NaT as the int64 minimum, pandas' NaT value)."""
    return times.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]").astype(
        "int64")


def invocations_from_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The invocation table (INVOCATION_COLUMNS) from unit output rows, in the table's order
    (function, environment, start)."""
    inv = rows[rows["row"] == "invocation"].copy()
    for column in TIME_COLUMNS:  # as the engine builds them (replay.ms_to_datetime)
        inv[column] = pd.to_datetime(inv.pop(f"{column}_us").astype("int64").to_numpy(),
                                     unit="us", utc=True)
    inv["init_failures"] = count_column(inv["init_failures"].to_numpy(np.int64))
    for column in FLOAT_COLUMNS:
        inv[column] = inv[column].astype(np.float64)
    inv = inv.sort_values(["function", "environment", "start"], kind="stable")
    return inv[list(INVOCATION_COLUMNS)].reset_index(drop=True)


def orphans_from_rows(rows: pd.DataFrame) -> list[OrphanEvent]:
    orphans = rows[rows["row"] == "orphan"].sort_values(
        ["function", "environment", "event_time_ms"], kind="stable")
    return [OrphanEvent(float(t), str(f), str(e), str(ev), str(r)) for t, f, e, ev, r in
            zip(orphans["event_time_ms"], orphans["function"], orphans["environment"],
                orphans["event"], orphans["reason"], strict=True)]


def regions_from_rows(rows: pd.DataFrame) -> dict[str, dict[str, str]]:
    """function -> environment -> Region the events named (``InputStats.regions``)."""
    out: dict[str, dict[str, str]] = {}
    texts: Any = rows.get("regions", [])
    for text in texts:
        if isinstance(text, str) and text:
            for function, by_env in json.loads(text).items():
                out.setdefault(function, {}).update(by_env)
    return out


def seen_from_rows(rows: pd.DataFrame) -> tuple[dict[str, int], bool]:
    """Platform records by kind over every group's counts row (``read.seen.seen_counts``;
    ``incomplete`` included), and whether the input held REPORTs and no START, END or INIT
    line at all."""
    kinds: dict[str, int] = {}
    reports = starts = marks = 0
    texts: Any = rows.get("seen", [])
    for text in texts:
        if isinstance(text, str) and text:
            seen = json.loads(text)
            for kind, n in seen["kinds"].items():
                kinds[kind] = kinds.get(kind, 0) + int(n)
            reports += int(seen["reports"])
            starts += int(seen["starts"])
            marks += int(seen["marks"])
    return kinds, bool(reports and not starts and not marks)


def counts_from_rows(rows: pd.DataFrame) -> dict[str, int]:
    counts = rows[rows["row"] == "counts"]
    return {c: int(counts[c].sum()) for c in COUNT_COLUMNS}

