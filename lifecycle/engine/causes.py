"""Why a plain cold start happened, as far as the log shows it (docs/lifecycle.md, "Why a
cold start happened").

A ``cold`` invocation (DESIGN.md: the caller waited for the on-demand init of a new
environment) gets one cause, first match wins:

``new_version``    the first request of its (function, version) in the data to arrive, while
                   a request of another version of the function arrived before it:
                   environments belong to one version, so a new version starts new ones
                   (docs/platform.md §4).
``scale_out``      at the moment the request arrived another environment of the same function
                   and version was busy with a request: Lambda started one more environment
                   (concurrency went up).
``recycled``       nothing was busy and the previous request of the function and version
                   ended less than :data:`RECYCLE_GAP_S` before: idle environments are not
                   reclaimed that quickly (docs/platform.md §7), so Lambda replaced the
                   environment (it "terminates execution environments every few hours").
``idle_expired``   nothing was busy and the function and version had been idle at least
                   RECYCLE_GAP_S: the idle environments had been reclaimed.
``first_in_data``  no earlier request of the function in the data: nothing to compare with.

The request arrived at START minus Init Duration (the caller waited for the init); START when
Init Duration is unknown. Every comparison is on that arrival clock: "ran before", "seen
before" and "busy" all ask which requests had arrived (and not yet ended) when this one
arrived, so the requests of a burst that wait in INIT together see each other (the first
request of a burst on a new version is ``new_version``, the others ``scale_out``). Only what
the data shows counts: environments that served nothing in the data, and deploys that keep
the version label (``$LATEST``), are invisible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from lamlife.lifecycle.engine.coded import category_codes, code_dtype, codes_of, run_starts

COLD_CAUSES: tuple[str, ...] = (
    "new_version", "scale_out", "recycled", "idle_expired", "first_in_data",
)

# The shortest idle time after which AWS was measured to reclaim an idle environment: 147 s,
# in the 2020 traces at 0.016 req/s and above (docs/platform.md §7). A shorter gap before a cold
# start is not an idle expiry.
RECYCLE_GAP_S = 147.0

# How each cause reads in a reason: "cold: <label>, <detail>" (cause_of_reason reads it back).
CAUSE_LABELS: dict[str, str] = {
    "new_version": "new version",
    "scale_out": "scale-out",
    "recycled": "environment replaced",
    "idle_expired": "idle expired",
    "first_in_data": "first request in the data",
}


@dataclass(frozen=True)
class ColdContext:
    """What the data shows around one cold start of a (function, version)."""

    busy_elsewhere: int  # requests of the function and version in progress at arrival
    idle_s: float  # arrival minus the latest end of a request of this version; NaN if none
    version_seen_before: bool  # a request of this version arrived before this one
    other_version_before: str  # a version of the function that ran before, "" if none


def cold_cause(context: ColdContext) -> str:
    """The cause of one cold start (one of :data:`COLD_CAUSES`), first match wins."""
    if context.other_version_before and not context.version_seen_before:
        return "new_version"
    if context.busy_elsewhere > 0:
        return "scale_out"
    if math.isnan(context.idle_s):
        return "first_in_data"
    if context.idle_s < RECYCLE_GAP_S:
        return "recycled"
    return "idle_expired"


def cold_reason(cause: str, context: ColdContext, version: str, arrival: str) -> str:
    """The reason sentence for one cold start, e.g. ``cold: scale-out, 2 other environments
    busy at 09:15:02``; ``arrival`` is the clock time the request arrived."""
    label = CAUSE_LABELS[cause]
    if cause == "new_version":
        return (f"cold: {label}, first request on version {version or '?'} "
                f"(version {context.other_version_before} ran before)")
    if cause == "scale_out":
        n = context.busy_elsewhere
        others = "another environment was" if n == 1 else f"{n} other environments were"
        return f"cold: {label}, {others} busy at {arrival}"
    if cause == "first_in_data":
        return f"cold: {label} for this function"
    idle = _duration_text(context.idle_s)
    if cause == "recycled":
        return f"cold: {label}, none busy; the previous request ended {idle} earlier"
    return f"cold: {label}, no request for {idle} before {arrival}"


# How the simulator (simulate/scheduler.py) words the same causes: it knows them from its
# policy rather than infers them (a new version does not occur there).
SIMULATED_COLD_PREFIXES: dict[str, tuple[str, ...]] = {
    "scale_out": ("all ", "the only environment busy"),
    "recycled": ("environment recycled",),
    "idle_expired": ("idle environment expired",),
    "first_in_data": ("no environment yet",),
}


def cause_of_reason(reason: str) -> str:
    """The cause a cold start's reason names (written by :func:`cold_reason`, or by the
    simulator); "" for any other reason."""
    if reason.startswith("cold: "):
        text = reason[len("cold: "):]
        for cause, label in CAUSE_LABELS.items():
            if text.startswith(label):
                return cause
        return ""
    for cause, prefixes in SIMULATED_COLD_PREFIXES.items():
        if reason.startswith(prefixes):
            return cause
    return ""


def count_causes(invocations: pd.DataFrame) -> dict[str, int]:
    """Cold starts per cause (every cause, 0 when absent); ``other`` counts cold starts whose
    reason names no cause (e.g. a simulated run or an older lamlife CSV)."""
    counts = dict.fromkeys(COLD_CAUSES, 0)
    counts["other"] = 0
    if invocations.empty:
        return counts
    cold = invocations.loc[invocations["start_type"] == "cold", "reason"]
    for reason in cold.astype(str):
        cause = cause_of_reason(reason)
        counts[cause or "other"] += 1
    return counts


# What the engine's reinit reasons start with (engine/replay.py; the simulator's too), per
# cause of the reset. The "reset: ..." wording is the simulator's before 2026-11-30, still
# met in lamlife CSV files it wrote then.
REINIT_PREFIXES: dict[str, tuple[str, ...]] = {
    "after_timeout": ("reinit: previous invocation timed out",
                      "reset: previous invocation in this environment timed out"),
    "after_out_of_memory": ("reinit: previous invocation ran out of memory",
                            "reset: previous invocation in this environment ran out of memory"),
    "after_error": ("reinit: previous invocation failed",
                    "reset: previous invocation in this environment failed"),
    "init_failed": ("reinit: init ",),
}


def count_reinit_causes(invocations: pd.DataFrame) -> dict[str, int]:
    """Re-inits per cause (after_timeout, after_out_of_memory, after_error, init_failed and
    ``other``: e.g. a suppressed init the log shows no failure for)."""
    counts = dict.fromkeys(REINIT_PREFIXES, 0)
    counts["other"] = 0
    if invocations.empty:
        return counts
    for reason in invocations.loc[invocations["start_type"] == "reinit", "reason"].astype(str):
        cause = next((c for c, p in REINIT_PREFIXES.items() if reason.startswith(p)), "other")
        counts[cause] += 1
    return counts


def explain_cold_starts(invocations: pd.DataFrame) -> pd.DataFrame:
    """The table with the reason of every ``cold`` invocation rewritten to name its cause.

    Needs the columns function, version, environment, start, end, start_type, reason and
    init_duration_ms (schema.INVOCATION_COLUMNS); returns a copy when it changes anything
    (a shallow one: only the reason column is new). Each cold start costs a few binary
    searches in each sorted block of its (function, version)'s times (``_TableTimes.around``);
    the times are made and sorted a block of 64K rows at a time, so besides the new reason
    column the work needs a few bytes a row (codes, masks), not copies of every time.
    """
    if invocations.empty:
        return invocations
    is_cold = (invocations["start_type"] == "cold").to_numpy()
    if not is_cold.any():
        return invocations
    times = _TableTimes(invocations)
    fn_codes = _group_codes(invocations["function"])
    ver_codes, ver_names = _group_codes(invocations["version"]), _names(invocations["version"])
    cold_rows = np.flatnonzero(is_cold)
    del is_cold
    reasons: dict[int, str] = {}
    cold_fn = fn_codes[cold_rows]
    with_cold = set(np.unique(cold_fn).tolist())
    for fn, fn_rows in _function_rows(fn_codes):
        if fn not in with_cold:
            continue
        fn_cold = cold_rows[cold_fn == fn]
        fn_ver = ver_codes[fn_rows]
        for ver in np.unique(ver_codes[fn_cold]).tolist():
            in_version = fn_ver == ver
            members = fn_rows if in_version.all() else _subset(fn_rows, in_version)
            del in_version
            cold = fn_cold[ver_codes[fn_cold] == ver]
            context = _GroupContext(times, members, fn_rows, ver, ver_codes, ver_names)
            reasons.update(context.reasons(cold))
    return _with_reasons(invocations, reasons)


def _function_rows(fn_codes: np.ndarray) -> list[tuple[int, np.ndarray | slice]]:
    """(function code, its rows in ascending order) per function: slices when each function's
    rows are consecutive (the engine's table is ordered by function), else row numbers from
    one stable sort. Work per function is then in its own rows, not a scan of the table."""
    n = len(fn_codes)
    starts = run_starts(fn_codes)
    firsts = fn_codes[starts]
    if len(np.unique(firsts)) == len(firsts):  # one run of rows per function
        bounds = [*starts.tolist(), n]
        return [(int(firsts[k]), slice(bounds[k], bounds[k + 1])) for k in range(len(firsts))]
    order = np.argsort(fn_codes, kind="stable")
    ordered = fn_codes[order]
    bounds = [*run_starts(ordered).tolist(), n]
    return [(int(ordered[a]), order[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _subset(rows: np.ndarray | slice, keep: np.ndarray) -> np.ndarray:
    """The ``rows`` (row numbers, or a slice of step 1) where ``keep`` (one per row) is set."""
    if isinstance(rows, slice):
        return np.flatnonzero(keep) + (rows.start or 0)
    return rows[keep]


def _with_reasons(invocations: pd.DataFrame, reasons: dict[int, str]) -> pd.DataFrame:
    """A shallow copy of ``invocations`` whose reason column has ``reasons`` (row -> text):
    a Categorical stays one (sorted categories, those in use), an object column stays one."""
    column = invocations["reason"]
    rows = np.fromiter(reasons.keys(), dtype=np.int64, count=len(reasons))
    texts = list(reasons.values())
    out = invocations.copy(deep=False)
    if isinstance(column.dtype, pd.CategoricalDtype):
        out["reason"] = _recoded(column, rows, texts)
        return out
    values = column.to_numpy(object).copy()
    values[rows] = texts
    # object dtype as the engine made it: pandas would otherwise scan every row to infer one
    out["reason"] = pd.Series(values, index=out.index, dtype=object, copy=False)
    return out


def _recoded(column: pd.Series, rows: np.ndarray, texts: list[str]) -> pd.Categorical:
    """A Categorical column with ``rows`` set to ``texts``, coded as ``coded`` codes strings:
    the categories are the sorted values in use (a missing value read as ""), the codes in
    the integer type pandas keeps them in. Its old codes are mapped to the new ones through
    a lookup per category, a block of rows at a time: one new codes array, and no per-row
    temporaries of 8 bytes."""
    old_codes = category_codes(column)
    # per old category, and last for the missing value (code -1 reads it), its name and
    # how many rows keep it
    names = [*column.cat.categories, ""]
    kept = np.zeros(len(names), dtype=np.int64)
    for lo in range(0, len(old_codes), _BLOCK):
        block = old_codes[lo:lo + _BLOCK].astype(np.intp)
        block[block < 0] = len(names) - 1
        kept += np.bincount(block, minlength=len(names))
    replaced = old_codes[rows].astype(np.intp)
    replaced[replaced < 0] = len(names) - 1
    kept -= np.bincount(replaced, minlength=len(names))
    in_use = [name for name, count in zip(names, kept.tolist(), strict=True) if count > 0]
    categories = np.unique(np.asarray([*in_use, *texts], dtype=object))
    position = {name: k for k, name in enumerate(categories.tolist())}
    dtype = code_dtype(len(categories))
    lookup = np.asarray([position.get(name, 0) for name in names], dtype=dtype)
    codes = np.empty(len(old_codes), dtype=dtype)
    for lo in range(0, len(old_codes), _BLOCK):
        codes[lo:lo + _BLOCK] = lookup[old_codes[lo:lo + _BLOCK]]  # -1: the last entry
    codes[rows] = np.asarray([position[text] for text in texts], dtype=dtype)
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype=object))


def _group_codes(column: pd.Series) -> np.ndarray:
    """One integer per row, equal for equal values: a Categorical's own codes (no copy),
    else ``codes_of``'s (which reads a missing value as "")."""
    if _own_codes(column):
        return category_codes(column)
    return codes_of(column)[0]


def _names(column: pd.Series) -> np.ndarray:
    """The value of each code of ``_group_codes`` (missing values as "")."""
    if _own_codes(column):
        return np.asarray(column.cat.categories, dtype=object)
    return codes_of(column)[1]


def _own_codes(column: pd.Series) -> bool:
    """A Categorical with no missing value: its codes serve as they are."""
    return isinstance(column.dtype, pd.CategoricalDtype) and (
        len(column) == 0 or int(category_codes(column).min()) >= 0)


# Rows of times made at once: bounds the temporaries of converting the table's times (a few
# arrays of 8 bytes a row of a block)
_BLOCK = 1 << 16


class _TableTimes:
    """The times of the table's rows as epoch ms (float), made for the rows asked."""

    def __init__(self, invocations: pd.DataFrame) -> None:
        self.n = len(invocations)
        self.start = _EpochMs(invocations["start"])
        self.end = _EpochMs(invocations["end"])
        init = invocations["init_duration_ms"]
        self.init = init.to_numpy() if init.dtype == np.float64 else \
            pd.to_numeric(init, errors="coerce").to_numpy(float)

    def blocks(self, rows: np.ndarray | slice) -> list[np.ndarray | slice]:
        """``rows`` (row numbers, or a slice of step 1) as consecutive blocks."""
        if isinstance(rows, slice):
            lo, hi, _step = rows.indices(self.n)
            return [slice(a, min(a + _BLOCK, hi)) for a in range(lo, hi, _BLOCK)]
        return [rows[a:a + _BLOCK] for a in range(0, len(rows), _BLOCK)]

    def count(self, rows: np.ndarray | slice) -> int:
        if isinstance(rows, slice):
            lo, hi, _step = rows.indices(self.n)
            return max(hi - lo, 0)
        return len(rows)

    def _made(self, rows: np.ndarray | slice, part: str) -> np.ndarray:
        """``part`` (start, end: a REPORT's end, the start without one; arrival: the start
        less the Init Duration the caller waited for) of ``rows``, a block at a time."""
        out = np.empty(self.count(rows), dtype=np.float64)
        at = 0
        for block in self.blocks(rows):
            start = self.start.of(block)
            if part == "end":
                end = self.end.of(block)
                values = np.where(np.isnan(end), start, end)  # no REPORT: not busy afterwards
            elif part == "arrival":
                init = self.init[block]
                values = start - np.where(np.isnan(init), 0.0, init)
            else:
                values = start
            out[at:at + len(values)] = values
            at += len(values)
        return out

    def around(self, rows: np.ndarray | slice, part: str, at: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per time of ``at``, over the ``part`` times of ``rows`` (see ``_made``): how many
        are before it, how many at or before it (as binary searches in the sorted times
        count, an unknown time after every number), and the latest at or before it (NaN
        when none). Counted a block of rows at a time, each block sorted on its own: no
        sorted copy of every row's time, whatever the number of rows."""
        before = np.zeros(len(at), dtype=np.int64)
        up_to = np.zeros(len(at), dtype=np.int64)
        latest = np.full(len(at), np.nan)
        for block in self.blocks(rows):
            values = self._made(block, part)
            # a block of the table (ordered by environment, then start) is runs of times
            # already in order, which a merge sort (numpy's stable kind) uses: about twice
            # quicksort's speed here; the sorted values are the same
            values.sort(kind="stable")
            before += np.searchsorted(values, at, side="left")
            found = np.searchsorted(values, at, side="right")
            up_to += found
            np.fmax(latest, np.where(found > 0, values[np.maximum(found - 1, 0)], np.nan),
                    out=latest)
        return before, up_to, latest

    def start_ms(self, rows: np.ndarray | slice) -> np.ndarray:
        return self._made(rows, "start")

    def end_ms(self, rows: np.ndarray | slice) -> np.ndarray:
        return self._made(rows, "end")

    def arrival_ms(self, rows: np.ndarray | slice) -> np.ndarray:
        return self._made(rows, "arrival")


class _GroupContext:
    """What the data shows around the cold starts of one (function, version): the members
    are its rows (a slice: every row of the table)."""

    def __init__(self, times: _TableTimes, members: np.ndarray | slice,
                 fn_rows: np.ndarray | slice, ver: int, ver_codes: np.ndarray,
                 ver_names: np.ndarray) -> None:
        self.times, self.members, self.fn_rows = times, members, fn_rows
        self.ver, self.ver_codes, self.ver_names = ver, ver_codes, ver_names

    def reasons(self, cold: np.ndarray) -> dict[int, str]:
        """row -> the reason sentence of each cold row (ascending rows of the group)."""
        times = self.times
        at = times.arrival_ms(cold)
        # A request is in progress from its arrival (its START less the init it waited
        # for) to its end: requests of a burst that wait in INIT together see each other.
        # Arrivals are ordered by time, then START (a stable tie-break): of N requests
        # arriving at once, the first finds no other in progress and the rest do.
        earlier, up_to, _latest = times.around(self.members, "arrival", at)
        tied = up_to - earlier > 1
        position = earlier + self._rank_among_ties(cold, at, tied)
        # ended at or before arrival; the latest such end (only read for a known arrival)
        _before, ended, last_end = times.around(self.members, "end", at)
        busy = position - ended
        # "Seen before" on the same clock as "busy": a request of this version arrived
        # before this one (or at the same moment, ahead of it in START order). Judged by
        # START instead, the requests of a burst on a new version that wait in INIT together
        # would all read "new version": none of them had started when the others arrived.
        seen_before = position > 0
        fn_before = _any_before(_min_arrival(times, self.fn_rows), at)
        other = self._other_versions_before(at, fn_before & ~seen_before)
        version = str(self.ver_names[self.ver])
        out: dict[int, str] = {}
        for k, row in enumerate(cold.tolist()):
            context = ColdContext(int(busy[k]), (at[k] - last_end[k]) / 1000.0,
                                  bool(seen_before[k]), other.get(k, ""))
            clock = "?" if math.isnan(at[k]) else _clock(float(at[k]))
            out[row] = cold_reason(cold_cause(context), context, version, clock)
        return out

    def _rank_among_ties(self, cold: np.ndarray, at: np.ndarray, tied: np.ndarray
                         ) -> np.ndarray:
        """Per cold row, how many members that arrived at the same time as it come before it
        (by START, then row): 0 unless ``tied``. Only the members of tied arrival times are
        looked at, a block of rows at a time."""
        rank = np.zeros(len(cold), dtype=np.int64)
        if not tied.any():
            return rank
        values = at[tied]
        rows = []
        members = self.members
        for block in self.times.blocks(members):
            arrival = self.times.arrival_ms(block)
            hit = np.isin(arrival, values)
            if np.isnan(values).any():
                hit |= np.isnan(arrival)
            base = np.arange(block.start, block.stop) if isinstance(block, slice) else block
            rows.append(base[hit])
        ties = np.concatenate(rows)  # ascending rows
        arrival, start = self.times.arrival_ms(ties), self.times.start_ms(ties)
        order = np.lexsort((start, arrival))
        position = np.empty(len(ties), dtype=np.int64)
        position[order] = np.arange(len(ties))
        first_of_time = np.searchsorted(np.sort(arrival), at[tied], side="left")
        rank[tied] = position[np.searchsorted(ties, cold[tied])] - first_of_time
        return rank

    def _other_versions_before(self, at: np.ndarray, wanted: np.ndarray) -> dict[int, str]:
        """For the cold rows ``wanted`` (by position), the latest version other than this one
        (and not "") of a request of the function that arrived before this arrival."""
        if not wanted.any():
            return {}
        fn_rows = self.fn_rows
        rows = np.arange(self.times.n)[fn_rows] if isinstance(fn_rows, slice) else fn_rows
        codes = self.ver_codes[rows]
        named = np.asarray([bool(name) for name in self.ver_names], dtype=bool)
        rows = rows[(codes != self.ver) & named[codes]]
        arrivals = self.times.arrival_ms(rows)
        order = np.argsort(arrivals, kind="stable")
        rows, arrivals = rows[order], arrivals[order]
        before = np.searchsorted(arrivals, at, side="left")  # arrived before this arrival
        return {k: str(self.ver_names[self.ver_codes[rows[before[k] - 1]]])
                for k in np.flatnonzero(wanted & (before > 0)).tolist()}


def _min_arrival(times: _TableTimes, rows: np.ndarray | slice) -> float:
    """The earliest arrival (START less the Init Duration waited for) of ``rows`` (NaN when
    none is known)."""
    lowest = math.nan
    for block in times.blocks(rows):
        arrivals = times.arrival_ms(block)
        if np.isnan(arrivals).all():
            continue
        low = float(np.nanmin(arrivals))
        lowest = low if math.isnan(lowest) else min(lowest, low)
    return lowest


def _any_before(earliest: float, at: np.ndarray) -> np.ndarray:
    """Per time of ``at``: did some request arrive before it (any known arrival, for an
    unknown time: as binary search counts NaN after every number)."""
    if math.isnan(earliest):
        return np.zeros(len(at), dtype=bool)
    with np.errstate(invalid="ignore"):
        return np.isnan(at) | (earliest < at)


class _EpochMs:
    """A time column's rows as epoch ms (float, NaN for NaT), asked a block at a time: a
    datetime column is read through its integer view (no copy of the column, and no pandas
    step per block: a function of a few rows costs microseconds); any other through
    ``_epoch_ms``."""

    _PER_MS = {"s": 1e-3, "ms": 1.0, "us": 1e3, "ns": 1e6}

    def __init__(self, series: pd.Series) -> None:
        self.series = series
        array = series.array
        self.ints: np.ndarray | None = None
        if isinstance(array, pd.arrays.DatetimeArray) and array.unit in self._PER_MS:
            self.ints = cast(Any, array).asi8  # a view of the column (pandas: int64 values)
            self.per_ms = self._PER_MS[array.unit]

    def of(self, rows: np.ndarray | slice) -> np.ndarray:
        if self.ints is None:
            return _epoch_ms(self.series.iloc[rows])
        ints = self.ints[rows]
        out = ints / self.per_ms
        out[ints == np.iinfo(np.int64).min] = np.nan  # NaT
        return out


def _epoch_ms(series: pd.Series) -> np.ndarray:
    times = pd.to_datetime(series, utc=True)
    delta = (times - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(milliseconds=1)
    return pd.to_numeric(delta, errors="coerce").to_numpy(float)


def _clock(ms: float) -> str:
    return pd.Timestamp(ms, unit="ms", tz="UTC").strftime("%H:%M:%S")


def _duration_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
