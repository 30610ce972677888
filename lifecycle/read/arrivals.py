"""Arrival traces: the input of the simulator.

An arrival CSV has a header row, a start column and an end or duration column:

- start: ``start``, ``timestamp``, ``start_time``, ``arrival``, ``arrival_time`` or ``time``
  (or ``--start-column``); ISO 8601 (naive means UTC) or epoch seconds, milliseconds,
  microseconds or nanoseconds, told apart by magnitude (median value < 1e11: s, < 1e14: ms,
  < 1e17: us, else ns);
- end: ``end`` or ``end_time`` (or ``--end-column``), in the same kinds of time; or
  duration: ``duration_ms`` or ``duration`` in milliseconds (or ``--duration-column``).
  When both an end and a duration column exist, the duration wins.

Optional columns, by exact (case-insensitive) name: ``function``, ``version``,
``request_id``, ``status`` (success/timeout/error), ``error_type``, ``memory_mb``,
``init_duration_ms`` and ``restore_duration_ms`` (observed values the simulator can sample
from), ``environment`` (or ``--environment-column``: the observed environment of each
request) and ``is_cold``/``cold`` (the observed cold flag).

Observed traces (logs the readers understand) become arrivals with
:func:`arrivals_from_invocations`. Nothing here prints; a row that cannot be read is counted
as malformed, a file that cannot be used is an :class:`InputError` naming it.
"""

from __future__ import annotations

import io
import math
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.analysis import InputStats
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.read.context import Source, file_function
from lamlife.lifecycle.read.platform import MAX_DURATION_MS, MAX_TIME_MS, MIN_TIME_MS
from lamlife.lifecycle.read.request_ids import text_ids
from lamlife.lifecycle.read.timeparse import datetimes_to_ms
from lamlife.lifecycle.schema import INVOCATION_COLUMNS
from lamlife.lifecycle.text import printable

START_NAMES: tuple[str, ...] = (
    "start", "timestamp", "start_time", "arrival", "arrival_time", "time"
)
END_NAMES: tuple[str, ...] = ("end", "end_time")
DURATION_NAMES: tuple[str, ...] = ("duration_ms", "duration")
ENVIRONMENT_NAMES: tuple[str, ...] = ("environment",)
COLD_NAMES: tuple[str, ...] = ("is_cold", "cold")
_STATUS_WORDS = {
    "": "success", "success": "success", "ok": "success",
    "timeout": "timeout", "timedout": "timeout", "timed_out": "timeout",
    "error": "error", "failure": "error", "failed": "error", "fail": "error",
}
_TRUE = {"true", "1", "yes", "y", "t", "cold"}
_FALSE = {"false", "0", "no", "n", "f", "warm", ""}
MAX_EXAMPLES = 5
_TEXT_COLUMNS = (
    "function", "version", "request_id", "status", "error_type", "flags", *ENVIRONMENT_NAMES,
    *COLD_NAMES,
)


@dataclass(frozen=True)
class ArrivalColumns:
    """Column names chosen by the user; ``None`` means: detect by name."""

    start: str | None = None
    end: str | None = None
    duration: str | None = None
    environment: str | None = None

    @property
    def any_given(self) -> bool:
        return any(v is not None for v in (self.start, self.end, self.duration, self.environment))


@dataclass
class Arrivals:
    """Arrivals in start order. Times are epoch milliseconds, durations milliseconds."""

    start_ms: np.ndarray
    duration_ms: np.ndarray
    function: np.ndarray  # str per arrival
    version: np.ndarray  # str per arrival ("" when unknown)
    request_id: np.ndarray | None = None
    status: np.ndarray | None = None  # success | timeout | error
    error_type: np.ndarray | None = None
    flags: np.ndarray | None = None
    memory_mb: np.ndarray | None = None  # float, NaN when unknown
    # the runtime version (INIT_START/RESTORE_START ``python:3.12.v30``) per arrival, "" when
    # unknown: billing's SnapStart restore fee depends on the runtime
    runtime_version: np.ndarray | None = None
    # Observed durations the simulator draws new inits and restores from: on-demand Init
    # Durations (provisioned-concurrency inits left out: no caller waited for them) and
    # SnapStart Restore Durations. Each sample's function and version (None: unknown, the
    # sample serves every function), and per restore the Billed Restore Duration logged
    # with it (NaN where the log has none).
    init_samples_ms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    restore_samples_ms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    init_sample_function: np.ndarray | None = None
    init_sample_version: np.ndarray | None = None
    restore_sample_function: np.ndarray | None = None
    restore_sample_version: np.ndarray | None = None
    billed_restore_samples_ms: np.ndarray | None = None
    provisioned_inits: int = 0  # provisioned-concurrency Init Durations left out of the samples
    # Those provisioned-concurrency Init Durations, each with its function and version: a
    # function with no on-demand init of its own draws its new environments' inits from them
    # (real inits of the same code, without the on-demand CPU boost)
    provisioned_init_samples_ms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    provisioned_init_sample_function: np.ndarray | None = None
    provisioned_init_sample_version: np.ndarray | None = None
    proactive_inits: int = 0  # observed ``proactive`` starts (the simulator does not model them)
    # (function, version) -> the most provisioned-concurrency environments (those whose first
    # invocation was ``provisioned``) the input showed alive at once
    provisioned_environments: dict[tuple[str, str], int] = field(default_factory=dict)
    environment: np.ndarray | None = None  # observed environment per arrival
    cold: np.ndarray | None = None  # observed cold flag per arrival (bool)
    stats: InputStats = field(default_factory=InputStats)
    time_unit: str = ""  # how the start column was read: iso, s, ms, us, ns (CSV only)

    def __len__(self) -> int:
        return int(self.start_ms.size)

    def select(self, mask: np.ndarray) -> Arrivals:
        """The arrivals where ``mask`` is true (same stats and samples)."""

        def pick(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[mask]

        # the per-arrival columns; samples, counts and stats stay as they are
        return replace(
            self,
            start_ms=self.start_ms[mask],
            duration_ms=self.duration_ms[mask],
            function=self.function[mask],
            version=self.version[mask],
            request_id=pick(self.request_id),
            status=pick(self.status),
            error_type=pick(self.error_type),
            flags=pick(self.flags),
            memory_mb=pick(self.memory_mb),
            runtime_version=pick(self.runtime_version),
            environment=pick(self.environment),
            cold=pick(self.cold),
        )


# ------------------------------------------------------------------------------ detection


def _insights_problem(header: list[Any], source: str) -> None:
    """Raise the Logs Insights reader's error for a CloudWatch Logs Insights export (names
    starting with ``@``) that holds no invocation (``@timestamp,@duration`` alone): what it
    lacks and what to export, rather than which arrival column is missing."""
    names = [str(name).strip().strip('"') for name in header]
    if not any(name.startswith("@") for name in names):
        return
    # imported here: insights_csv imports the readers, which import this module (a cycle)
    from lamlife.lifecycle.read.insights_csv import header_problem

    problem = header_problem({name: i for i, name in enumerate(names)})
    if problem:
        raise InputError(f"{source}: {problem}; found {', '.join(names)}")


def _normalized(header: list[str]) -> dict[str, str]:
    """lower-case stripped name -> the name as written (first one wins)."""
    out: dict[str, str] = {}
    for name in header:
        out.setdefault(str(name).strip().strip('"').lower(), str(name))
    return out


def _pick(
    names: dict[str, str], given: str | None, candidates: tuple[str, ...], what: str, source: str
) -> str | None:
    if given is not None:
        key = given.strip().lower()
        if key not in names:
            raise InputError(f"{source}: no {what} column {given!r} (columns: {_list(names)})")
        return names[key]
    for candidate in candidates:
        if candidate in names:
            return names[candidate]
    return None


def _list(names: dict[str, str]) -> str:
    shown = list(names.values())[:12]
    return ", ".join(shown) + (", ..." if len(names) > 12 else "")


def is_arrival_header(header: list[str], columns: ArrivalColumns | None = None) -> bool:
    """True when a CSV header names a start column and an end or duration column."""
    columns = columns or ArrivalColumns()
    names = _normalized(header)
    if any(n.startswith("@") for n in names) or list(names)[:2] == ["timestamp", "message"]:
        return False  # CloudWatch exports
    if list(names)[:5] == list(INVOCATION_COLUMNS[:5]):
        return False  # lamlife's own invocation CSV
    try:
        start = _pick(names, columns.start, START_NAMES, "start", "")
        end = _pick(names, columns.end, END_NAMES, "end", "")
        duration = _pick(names, columns.duration, DURATION_NAMES, "duration", "")
    except InputError:
        return False
    return start is not None and (end is not None or duration is not None)


def sniff_arrival_csv(path: str, columns: ArrivalColumns | None = None) -> bool:
    """True when ``path`` is a file whose first line is an arrival CSV header."""
    if path == "-":
        return False
    p = Path(path)
    if not p.is_file():
        return False
    try:
        if p.suffix == ".gz":
            import gzip

            with gzip.open(p, "rt", encoding="utf-8", errors="replace") as fh:
                first = fh.readline()
        else:
            with p.open(encoding="utf-8", errors="replace") as fh:
                first = fh.readline()
    except OSError:
        return False
    first = first.lstrip("\ufeff").strip()
    if "," not in first or first.startswith(("{", "[")):
        return False
    return is_arrival_header(first.split(","), columns)


# ------------------------------------------------------------------------------ time parsing


def epoch_unit(values: np.ndarray) -> str:
    """s, ms, us or ns for epoch numbers, from the median magnitude."""
    finite = np.abs(values[np.isfinite(values)])
    if finite.size == 0:
        return "ms"
    median = float(np.median(finite))
    if median < 1e11:  # seconds until the year 5138
        return "s"
    if median < 1e14:
        return "ms"
    if median < 1e17:
        return "us"
    return "ns"


_UNIT_TO_MS = {"s": 1000.0, "ms": 1.0, "us": 1e-3, "ns": 1e-6}


def parse_times(column: pd.Series) -> tuple[np.ndarray, str]:
    """A column of ISO times or epoch numbers as epoch ms (NaN where unreadable), and the unit."""
    if pd.api.types.is_bool_dtype(column):
        return np.full(len(column), math.nan), "ms"
    numeric = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    if pd.api.types.is_numeric_dtype(column):
        n_present = int(column.notna().sum())
    else:
        n_present = int((column.notna() & (column.astype(str).str.strip() != "")).sum())
    if n_present and np.isfinite(numeric).sum() >= 0.5 * n_present:
        unit = epoch_unit(numeric)
        return numeric * _UNIT_TO_MS[unit], unit
    parsed = pd.to_datetime(column, utc=True, errors="coerce", format="ISO8601")
    return datetimes_to_ms(parsed), "iso"  # NaN where unreadable or out of range


def _ns_to_ms(ns: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    """Epoch ns (int64) to float ms, whole ms first so that no precision is lost on the way."""
    ms = (ns // 1_000_000).astype(float) + (ns % 1_000_000).astype(float) / 1e6
    if missing is not None:
        ms = np.where(missing, math.nan, ms)
    return ms


def _status(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Normalized statuses and a mask of unknown ones."""
    words = column.fillna("").astype(str).str.strip().str.lower()
    mapped = words.map(_STATUS_WORDS)
    return mapped.fillna("success").to_numpy(dtype=object), mapped.isna().to_numpy()


def _flags_bool(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    if pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=bool), np.zeros(len(column), dtype=bool)
    words = column.fillna("").astype(str).str.strip().str.lower()
    true = words.isin(_TRUE).to_numpy()
    bad = ~(true | words.isin(_FALSE).to_numpy())
    return true, bad


def _samples(frame: pd.DataFrame, names: dict[str, str], name: str) -> np.ndarray:
    """Per row, the duration in column ``name`` (NaN where missing, unreadable or < 0)."""
    if name not in names:
        return np.full(len(frame), math.nan)
    values = pd.to_numeric(frame[names[name]], errors="coerce").to_numpy(dtype=float)
    return np.where(np.isfinite(values) & (values >= 0), values, math.nan)


# ------------------------------------------------------------------------------ reading


def read_arrivals(
    path: str,
    columns: ArrivalColumns | None = None,
    function: str | None = None,
) -> Arrivals:
    """Read an arrival CSV (``-`` for stdin). Raises InputError naming the file."""
    columns = columns or ArrivalColumns()
    source = "<stdin>" if path == "-" else path
    try:
        handle: Any = io.StringIO(sys.stdin.read()) if path == "-" else path
        header = pd.read_csv(handle, nrows=0, skipinitialspace=True, compression="infer")
        if path == "-":
            handle.seek(0)
        # Text columns stay text ("007" is a request id, not 7); times and durations are
        # parsed by the C reader as numbers when they are numbers.
        text_names = set(_TEXT_COLUMNS) | {
            c.strip().lower() for c in (columns.environment,) if c is not None
        }
        frame = pd.read_csv(
            handle,
            dtype={c: str for c in header.columns if str(c).strip().lower() in text_names},
            skipinitialspace=True,
            compression="infer",
        )
    except FileNotFoundError as exc:
        raise InputError(f"{source}: no such file") from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{source}: empty file, expected an arrival CSV with a header") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as exc:
        raise InputError(f"{source}: not a readable CSV ({str(exc).splitlines()[0]})") from exc
    return arrivals_from_frame(frame, source, columns, function)


def arrivals_from_frame(
    frame: pd.DataFrame,
    source: str,
    columns: ArrivalColumns | None = None,
    function: str | None = None,
) -> Arrivals:
    """Arrivals from a CSV read as strings (one row per request)."""
    columns = columns or ArrivalColumns()
    names = _normalized(list(frame.columns))
    start_col = _pick(names, columns.start, START_NAMES, "start", source)
    duration_col = _pick(names, columns.duration, DURATION_NAMES, "duration", source)
    end_col = _pick(names, columns.end, END_NAMES, "end", source)
    if columns.end is not None and columns.duration is None:
        duration_col = None  # the user asked for the end column
    env_col = _pick(names, columns.environment, ENVIRONMENT_NAMES, "environment", source)
    if start_col is None or (duration_col is None and end_col is None):
        _insights_problem(list(frame.columns), source)
    if start_col is None:
        raise InputError(
            f"{source}: no start column (looked for {', '.join(START_NAMES)}; "
            f"columns: {_list(names)}); name it with --start-column"
        )
    if duration_col is None and end_col is None:
        raise InputError(
            f"{source}: no end or duration column (looked for "
            f"{', '.join(END_NAMES + DURATION_NAMES)}; columns: {_list(names)}); "
            "name it with --end-column or --duration-column"
        )
    n = len(frame)
    if n == 0:
        raise InputError(f"{source}: no arrivals (only a header)")

    start_ms, unit = parse_times(frame[start_col])
    with np.errstate(invalid="ignore"):
        bad = ~((start_ms >= MIN_TIME_MS) & (start_ms <= MAX_TIME_MS))  # NaN: unreadable
    problems = np.full(n, "", dtype=object)
    problems[bad] = f"unreadable {start_col}"
    problems[bad & np.isfinite(start_ms)] = f"{start_col} out of range (1970 to 2262)"
    if duration_col is not None:
        duration = pd.to_numeric(frame[duration_col], errors="coerce").to_numpy(dtype=float)
        what = duration_col
    else:
        assert end_col is not None
        end_ms, _ = parse_times(frame[end_col])
        duration = end_ms - start_ms
        what = end_col
    with np.errstate(invalid="ignore"):
        bad_duration = ~bad & ~((duration >= 0) & (duration <= MAX_DURATION_MS))
    problems[bad_duration] = (
        f"unreadable or negative {what}" if duration_col else f"unreadable {what} or before start"
    )
    problems[bad_duration & (duration > MAX_DURATION_MS)] = (
        f"{what} more than a day after start" if not duration_col
        else f"{what} over a day (longer than Lambda runs)")
    bad |= bad_duration

    status = error_type = flags = None
    if "status" in names:
        status, unknown = _status(frame[names["status"]])
        problems[unknown & ~bad] = "unknown status (use success, timeout or error)"
        bad |= unknown
    cold = None
    cold_name = next((names[c] for c in COLD_NAMES if c in names), None)
    if cold_name is not None:
        cold, unknown = _flags_bool(frame[cold_name])
        problems[unknown & ~bad] = f"unreadable {cold_name}"
        bad |= unknown

    # every row is an event: a record, or malformed
    stats = InputStats(files=1, lines=n + 1, events=n, records=n, formats={"arrival-csv": 1})
    if bad.any():
        rows = np.flatnonzero(bad)
        stats.malformed = int(rows.size)
        stats.records = n - stats.malformed
        header = list(frame.columns)
        for r in rows[:MAX_EXAMPLES].tolist():
            text = ",".join(str(frame.iat[r, header.index(c)]) for c in header[:6])
            stats.malformed_examples.append(printable(f"{source}:{r + 2}: {problems[r]}: {text}"))
        if rows.size == n:
            raise InputError(
                f"{source}: no readable arrival in {n} rows (first problem: {problems[rows[0]]}, "
                f"line {rows[0] + 2})"
            )
    keep = ~bad

    def text_column(name: str, default: str) -> np.ndarray | None:
        if name not in names:
            return None
        values = frame[names[name]].fillna("").astype(str).to_numpy(dtype=object)
        if default:
            values = np.where(values == "", default, values)
        return values[keep]

    default_function = function or file_function(
        Source(name=source, path=None if source == "<stdin>" else Path(source)))
    func = text_column("function", default_function)
    ver = text_column("version", "")
    memory = None
    if "memory_mb" in names:
        memory = pd.to_numeric(frame[names["memory_mb"]], errors="coerce").to_numpy(dtype=float)
        memory = memory[keep]
    if "error_type" in names:
        error_type = frame[names["error_type"]].fillna("").astype(str).to_numpy(dtype=object)
        error_type = error_type[keep]
    if "flags" in names:
        flags = frame[names["flags"]].fillna("").astype(str).to_numpy(dtype=object)[keep]
    environment = None
    if env_col is not None:
        environment = frame[env_col].fillna("").astype(str).to_numpy(dtype=object)[keep]

    m = int(keep.sum())
    out = Arrivals(
        start_ms=start_ms[keep],
        duration_ms=duration[keep],
        function=func if func is not None else np.full(m, default_function, dtype=object),
        version=ver if ver is not None else np.full(m, "", dtype=object),
        request_id=text_column("request_id", ""),
        status=status[keep] if status is not None else None,
        error_type=error_type,
        flags=flags,
        memory_mb=memory,
        environment=environment,
        cold=cold[keep] if cold is not None else None,
        stats=stats,
        time_unit=unit,
    )
    init = _samples(frame.loc[keep], names, "init_duration_ms")
    restore = _samples(frame.loc[keep], names, "restore_duration_ms")
    billed = _samples(frame.loc[keep], names, "billed_restore_duration_ms")
    has_init, has_restore = np.isfinite(init), np.isfinite(restore)
    out.init_samples_ms = init[has_init]
    out.init_sample_function, out.init_sample_version = out.function[has_init], \
        out.version[has_init]
    out.restore_samples_ms = restore[has_restore]
    out.restore_sample_function, out.restore_sample_version = out.function[has_restore], \
        out.version[has_restore]
    out.billed_restore_samples_ms = billed[has_restore]
    return _sorted(out)


def _sorted(arrivals: Arrivals) -> Arrivals:
    order = np.argsort(arrivals.start_ms, kind="stable")
    if np.all(order == np.arange(order.size)):
        return arrivals
    return arrivals.select(order)


# ------------------------------------------------------------------------------ observed


def arrivals_from_invocations(inv: pd.DataFrame, stats: InputStats | None = None) -> Arrivals:
    """The arrivals behind an observed invocation table (engine output).

    A cold (or restore) invocation's caller arrived before the init (restore): its arrival is
    START minus Init (Restore) Duration. Durations are kept as observed, except that a
    ``reinit`` row's Duration, which contains the suppressed re-init, loses the median
    on-demand Init Duration of its function and version (else of its function; unchanged
    when the function has none): the simulator adds a re-init wherever it resets an
    environment.

    The samples for new environments, each kept with its function and version:
    - the Init Durations of on-demand inits (``cold`` and ``proactive`` rows). A
      provisioned-concurrency init is left out (counted in ``provisioned_inits``): no
      caller waited for it, and it runs without the on-demand init's CPU boost. It is kept
      apart (``provisioned_init_samples_ms``) for a function with no on-demand init;
    - the Restore Durations of SnapStart restores, each with the Billed Restore Duration
      logged beside it (NaN where the REPORT has none).
    """
    inv = text_ids(inv)  # RequestIds as text where the table holds 16-byte UUIDs
    n = len(inv)
    start_ts = pd.to_datetime(inv["start"], utc=True)
    start_ms = _ns_to_ms(start_ts.to_numpy(dtype="datetime64[ns]").astype(np.int64),
                         start_ts.isna().to_numpy())
    start_types = inv["start_type"].astype(str).to_numpy()
    init = inv["init_duration_ms"].to_numpy(dtype=float)
    restore = inv["restore_duration_ms"].to_numpy(dtype=float)
    waited_init = (start_types == "cold") & np.isfinite(init)
    waited_restore = (start_types == "restore") & np.isfinite(restore)
    arrival = start_ms - np.where(waited_init, init, 0.0) - np.where(waited_restore, restore, 0.0)
    duration = inv["duration_ms"].to_numpy(dtype=float)
    if n:
        end_ts = pd.to_datetime(inv["end"], utc=True)
        end_ms = _ns_to_ms(end_ts.to_numpy(dtype="datetime64[ns]").astype(np.int64),
                           end_ts.isna().to_numpy())
        duration = np.where(np.isfinite(duration), duration, end_ms - start_ms)
    function = inv["function"].fillna("").astype(str).to_numpy(dtype=object)
    version = inv["version"].fillna("").astype(str).to_numpy(dtype=object)
    init_type = inv["init_type"].fillna("").astype(str).to_numpy(dtype=object) \
        if "init_type" in inv else np.full(n, "", dtype=object)
    runtime = _known_runtime(function, version, inv["runtime_version"].fillna("").astype(str)
                             .to_numpy(dtype=object) if "runtime_version" in inv
                             else np.full(n, "", dtype=object))
    known_init = np.isfinite(init) & (init >= 0)
    provisioned = (start_types == "provisioned") | (init_type == "provisioned-concurrency")
    on_demand = known_init & np.isin(start_types, ("cold", "proactive")) & ~provisioned
    reinit = start_types == "reinit"
    if reinit.any() and on_demand.any():
        # A reinit's Duration holds the suppressed re-init (§5.3); the simulator adds its own
        # when it resets an environment, so keep only an estimate of the handler's part.
        re_init = _median_init(function, version, init, on_demand, reinit)
        duration = np.where(reinit, np.maximum(duration - re_init, 0.0), duration)
    usable = np.isfinite(arrival) & np.isfinite(duration) & (duration >= 0)
    stats = stats or InputStats()
    dropped = int((~usable).sum())
    if dropped:
        stats.warnings.append(f"{dropped} invocation(s) without a duration were not simulated")

    def col(name: str) -> np.ndarray:
        return inv[name].fillna("").astype(str).to_numpy(dtype=object)[usable]

    has_restore = np.isfinite(restore) & (restore >= 0)
    billed_restore = inv["billed_restore_duration_ms"].to_numpy(dtype=float) \
        if "billed_restore_duration_ms" in inv else np.full(n, math.nan)
    out = Arrivals(
        start_ms=arrival[usable],
        duration_ms=duration[usable],
        function=col("function"),
        version=col("version"),
        request_id=col("request_id"),
        status=np.where(
            np.isin(inv["status"].astype(str).to_numpy(), ("timeout", "error")),
            inv["status"].astype(str).to_numpy(),
            "success",
        ).astype(object)[usable],
        error_type=col("error_type"),
        flags=col("flags"),
        memory_mb=inv["memory_mb"].to_numpy(dtype=float)[usable],
        runtime_version=runtime[usable],
        init_samples_ms=init[on_demand],
        restore_samples_ms=restore[has_restore],
        init_sample_function=function[on_demand],
        init_sample_version=version[on_demand],
        restore_sample_function=function[has_restore],
        restore_sample_version=version[has_restore],
        billed_restore_samples_ms=np.where(billed_restore >= 0, billed_restore,
                                           math.nan)[has_restore],
        provisioned_inits=int((known_init & provisioned).sum()),
        provisioned_init_samples_ms=init[known_init & provisioned],
        provisioned_init_sample_function=function[known_init & provisioned],
        provisioned_init_sample_version=version[known_init & provisioned],
        proactive_inits=int(((start_types == "proactive") & usable).sum()),
        provisioned_environments=_provisioned_environments(inv, start_types == "provisioned"),
        environment=col("environment"),
        cold=np.isin(start_types, ("cold", "restore", "reinit"))[usable],
        stats=stats,
    )
    return _sorted(out)


def _known_runtime(function: np.ndarray, version: np.ndarray, runtime: np.ndarray
                   ) -> np.ndarray:
    """Per row, its runtime version; where it is "" (an environment whose INIT_START or
    RESTORE_START is outside the input), the one most rows of its function and version show,
    else of its function ("" when the function shows none). Ties go to the first in name
    order, so the choice does not depend on row order."""
    blank = runtime == ""
    if not blank.any() or blank.all():
        return runtime
    known = pd.DataFrame({"f": function[~blank], "v": version[~blank], "r": runtime[~blank]})

    def most(keys: list[str]) -> pd.DataFrame:
        counts = known.groupby([*keys, "r"], sort=False).size().reset_index(name="n")
        return counts.sort_values(["n", "r"], ascending=[False, True], kind="stable") \
            .drop_duplicates(keys)[[*keys, "r"]]

    rows = pd.DataFrame({"f": function[blank], "v": version[blank]})
    fill = rows.merge(most(["f", "v"]), on=["f", "v"], how="left")["r"]
    by_function = most(["f"]).set_index("f")["r"]
    fill = fill.fillna(rows["f"].map(by_function)).fillna("")
    out = runtime.copy()
    out[blank] = fill.to_numpy(dtype=object)
    return out


def _median_init(function: np.ndarray, version: np.ndarray, init: np.ndarray,
                 sample: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Per row, the median of the ``sample`` rows' Init Durations of the row's function and
    version, else of its function; 0 where the function has none (only ``rows`` are set)."""
    out = np.zeros(len(init))
    frame = pd.DataFrame({"f": function[sample], "v": version[sample], "ms": init[sample]})
    by_version = frame.groupby(["f", "v"], sort=False)["ms"].median().to_dict()
    by_function = frame.groupby("f", sort=False)["ms"].median().to_dict()
    for k in np.flatnonzero(rows).tolist():
        f, v = function[k], version[k]
        out[k] = by_version.get((f, v), by_function.get(f, 0.0))
    return out


def _provisioned_environments(inv: pd.DataFrame, first: np.ndarray) -> dict[tuple[str, str], int]:
    """(function, version) -> the most provisioned-concurrency environments of it alive at
    once in the input: those whose first invocation is ``provisioned``, each alive from its
    first START to its last end (the REPORT).

    Not how many such environments the input shows: Lambda replaces provisioned environments
    over time (its own recycling, a change of version), so a long input shows several
    successive environments for each one configured, and counting them all would give the
    simulation more ready environments than the function ever had. Environments that served
    requests at the same time were alive at the same time, so the count never falls below
    the most that were busy at once."""
    if not first.any():
        return {}
    keys = ["function", "version", "environment"]
    pc = inv.loc[first, keys].astype(str).drop_duplicates()
    rows = inv["environment"].isin(pc["environment"].tolist()).to_numpy()
    frame = inv.loc[rows, [*keys, "start", "end"]].astype({k: str for k in keys})
    frame = frame.merge(pc, on=keys)  # a provisioned environment's rows (of its function)
    frame["start"] = pd.to_datetime(frame["start"], utc=True)  # as read above: any table
    frame["end"] = pd.to_datetime(frame["end"], utc=True).fillna(frame["start"])
    lives = frame.groupby(keys, sort=False).agg(first=("start", "min"), last=("end", "max"))
    counts: dict[tuple[str, str], int] = {}
    for (f, v), life in lives.groupby(level=["function", "version"], sort=False):
        counts[(str(f), str(v))] = _most_at_once(life["first"].to_numpy(dtype="datetime64[ns]"),
                                       life["last"].to_numpy(dtype="datetime64[ns]"))
    return counts


def _most_at_once(first: np.ndarray, last: np.ndarray) -> int:
    """The most intervals [first, last] that hold one moment; two that touch (one ends when
    the other begins) count as holding it together, the higher count."""
    times = np.concatenate([first, last])
    steps = np.concatenate([np.ones(len(first), np.int64), -np.ones(len(last), np.int64)])
    order = np.lexsort((-steps, times))  # at one time, starts before ends
    return max(1, int(np.cumsum(steps[order]).max()))
