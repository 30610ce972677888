"""Derive environments, functions, events and the summary from an invocation table.

Everything here reads only the invocation table (schema.INVOCATION_COLUMNS) plus counts of
events that belong to no invocation, so the observed engine, the simulator and a re-read
lamlife CSV all produce their other tables the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.analysis import Analysis, InputStats
from lamlife.lifecycle.engine.causes import count_causes, count_reinit_causes
from lamlife.lifecycle.engine.coded import (
    category_codes,
    plain_columns,
    run_starts,
    smallest_int_type,
)
from lamlife.lifecycle.engine.groups import (
    ValueCodes,
    distinct_pairs,
    first_valid_rows,
    group_blocks,
    group_counts,
    group_means,
    matching,
    time_ints,
)
from lamlife.lifecycle.engine.replay import OrphanEvent, stream_version
from lamlife.lifecycle.read.collect import release_free_memory
from lamlife.lifecycle.read.request_ids import text_ids
from lamlife.lifecycle.schema import (
    COLD_START_TYPES,
    ENVIRONMENT_COLUMNS,
    EVENT_COLUMNS,
    FLAG_SEPARATOR,
    FUNCTION_COLUMNS,
    INVOCATION_COLUMNS,
    START_TYPES,
)

PERCENTILES: tuple[int, ...] = (50, 90, 95, 99)
# The statistics the summary gives of the whole table (column_percentiles); the functions
# table gives the first and last of them per function
PERCENTILE_COLUMNS: tuple[str, ...] = ("init_duration_ms", "init_ahead_of_demand_ms",
                                       "restore_duration_ms", "duration_ms")
# Environment flags carried up from the invocation flags of the same name.
ENVIRONMENT_FLAGS: tuple[str, ...] = ("reset_loop", "started_before_window")


def empty_invocations() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in INVOCATION_COLUMNS})
    for c in ("start", "end"):
        frame[c] = pd.Series(dtype="datetime64[ns, UTC]")
    return frame


def percentiles(values: pd.Series | np.ndarray | list[float]) -> dict[str, Any]:
    """count, p50, p90, p95, p99 (linear interpolation between closest ranks) and max."""
    arr = np.asarray(values, dtype=np.float64)
    missing = np.isnan(arr)
    own = bool(missing.any())  # arr is then a copy of the numbers, free to reorder
    if own:
        arr = arr[~missing]
    del missing
    out: dict[str, Any] = {"count": int(arr.size)}
    if arr.size == 0:
        out.update({f"p{p}": None for p in PERCENTILES})
        out["max"] = None
        return out
    top = round(float(arr.max()), 3)
    # the same quantiles either way; reordering our own copy in place saves one more copy
    qs = np.percentile(arr, PERCENTILES, overwrite_input=own)
    out.update({f"p{p}": round(float(q), 3) for p, q in zip(PERCENTILES, qs, strict=True)})
    out["max"] = top
    return out


# Start types whose init ran ahead of demand: no caller waited for it. A provisioned-
# concurrency environment is "pre-initialized" and "ready to respond immediately" (docs
# provisioned-concurrency.html); a proactive init is one Lambda ran "ahead of invocation
# requests" (docs lambda-runtime-environment.html). Their Init Durations are kept apart
# from the cold starts' (docs/lifecycle.md, "Init Duration percentiles").
AHEAD_OF_DEMAND: tuple[str, ...] = ("provisioned", "proactive")


def split_inits(inv: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(Init Durations a caller waited for, those of inits ahead of demand), both one float
    per row with NaN elsewhere: a row's Init Duration goes to the second when its start
    type is in :data:`AHEAD_OF_DEMAND`, else to the first."""
    values, ahead = _inits_and_ahead(inv)
    if not ahead.any():
        return values, np.full(len(values), np.nan)
    return np.where(ahead, np.nan, values), np.where(ahead, values, np.nan)


def column_percentiles(inv: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """``percentiles`` of each of ``PERCENTILE_COLUMNS`` over every row of ``inv``: the
    summary's ``init_duration_ms`` (the inits a caller waited for, ``split_inits``),
    ``init_ahead_of_demand_ms``, ``restore_duration_ms`` (``restore_samples``) and
    ``duration_ms``, and a function's own when it holds every row. Computed once and given
    to ``functions_table`` and ``summary_dict`` (and, for all the invocations, to
    ``distributed.merge_parts``)."""
    waited, ahead = init_samples(inv) if len(inv) else (np.zeros(0), np.zeros(0))
    return {"init_duration_ms": percentiles(waited), "init_ahead_of_demand_ms": percentiles(ahead),
            "restore_duration_ms": percentiles(restore_samples(inv) if len(inv) else []),
            "duration_ms": percentiles(inv["duration_ms"] if len(inv) else [])}


def restore_samples(inv: pd.DataFrame) -> np.ndarray:
    """The SnapStart Restore Durations (ms, float, one per restore with a known duration, in
    row order): ``restore_duration_ms`` of the rows whose start type is ``restore``. A caller
    waits for a restore as for an on-demand init, and it is billed (Billed Restore Duration,
    docs/lifecycle.md "Restore Duration percentiles"). Rows with no Restore Duration (a
    restore seen only from RESTORE_START) are left out, as inits with no Init Duration are;
    a table without the ``restore_duration_ms`` column (a partial one) has none."""
    values = _restore_durations(inv)
    return values[~np.isnan(values)]


def _restore_durations(inv: pd.DataFrame) -> np.ndarray:
    """Per row, the Restore Duration (ms, float) of a ``restore`` row, NaN elsewhere (and
    everywhere in a table without the column): ``restore_samples`` with the missing values,
    for a group's own percentiles."""
    if "restore_duration_ms" not in inv:
        return np.full(len(inv), np.nan)
    return np.where(_restores(inv), inv["restore_duration_ms"].to_numpy(dtype=np.float64),
                    np.nan)


def _restores(inv: pd.DataFrame) -> np.ndarray:
    """Per row, whether its start type is ``restore`` (bool)."""
    return matching(inv["start_type"], lambda t: t == "restore")


def init_samples(inv: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``split_inits`` without the missing values: (Init Durations a caller waited for, those
    of inits ahead of demand), each one float per init (ms), in row order. The same
    percentiles as ``split_inits`` gives, with one byte a row of temporaries instead of two
    float columns (an Init Duration is on the few rows of a cold start)."""
    values, ahead = _inits_and_ahead(inv)
    rows = np.flatnonzero(~np.isnan(values))
    inits, ahead = values[rows], ahead[rows]
    return inits[~ahead], inits[ahead]


def _inits_and_ahead(inv: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the Init Duration (ms, float, NaN where none) and whether the row's start type
    is in :data:`AHEAD_OF_DEMAND` (bool): what ``split_inits`` and ``init_samples`` split."""
    return (inv["init_duration_ms"].to_numpy(dtype=np.float64),
            inv["start_type"].isin(AHEAD_OF_DEMAND).to_numpy())


def has_flag(flags: pd.Series, flag: str) -> pd.Series:
    """Boolean mask: the ';'-joined flags string contains ``flag`` as a whole word. Each
    distinct flags value is looked at once (a coded column holds a handful)."""
    return pd.Series(matching(flags, lambda value: _has(value, flag)), index=flags.index,
                     dtype=bool)


def environments_table(inv: pd.DataFrame) -> pd.DataFrame:
    """One row per (function, environment) with at least one invocation (unknown "" excluded).

    Works on the environment's row run in the table ordered by (function, environment,
    start) (the engine's order; another order is sorted first): each column is reduced per
    run in one numpy pass (``engine.groups``), with no per-row key or grouped copy of the
    table. Temporaries: one-byte masks a row, one at a time, and the idle gaps of one block
    of rows."""
    named = (inv["environment"] != "").to_numpy()
    inv = inv[list(_ENVIRONMENT_INPUTS)]  # a shallow selection: nothing is copied
    if not named.all():
        inv = inv[named]
    if inv.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ENVIRONMENT_COLUMNS})
    inv, starts = _by_environment(inv)  # starts: each environment's first row
    out = pd.DataFrame({
        # names typed as a groupby over them would type them
        "function": pd.Index(_firsts(inv["function"], starts).to_numpy(dtype=object)),
        "environment": pd.Index(_firsts(inv["environment"], starts).to_numpy(dtype=object)),
        "version": _firsts(inv["version"], starts).astype(object),
        "init_type": _firsts(inv["init_type"], starts).astype(object),
        "runtime_version": _firsts(inv["runtime_version"], starts).astype(object),
        "init_duration_ms": _firsts(inv["init_duration_ms"], starts),
        "first_start": inv["start"].iloc[starts].reset_index(drop=True),  # ordered: NaT last
        "last_end": _latest(inv["end"], starts),
        "invocations": np.diff(np.append(starts, len(inv))).astype(np.int64),
    })
    out["lifetime_s"] = (out["last_end"] - out["first_start"]).dt.total_seconds()
    out["cold_starts"] = group_counts(matching(inv["start_type"],
                                             lambda t: t in COLD_START_TYPES), starts)
    out["resets"] = group_counts(matching(inv["start_type"], lambda t: t == "reinit"), starts)
    out["failures"] = group_counts(~matching(inv["status"], lambda s: s == "success"), starts)
    out["max_idle_s"], out["mean_idle_s"] = _idle_seconds(inv["start"], inv["end"], starts)
    flags = ValueCodes(inv["flags"])
    flag_text = pd.Series("", index=out.index, dtype=object)
    for flag in ENVIRONMENT_FLAGS:
        hit = flags.where(partial(_has, flag=flag))
        flag_text = flag_text + np.where(np.logical_or.reduceat(hit, starts),
                                         flag + FLAG_SEPARATOR, "")
    out["flags"] = flag_text.str.rstrip(FLAG_SEPARATOR)
    out = out.sort_values(["function", "first_start", "environment"], kind="stable")
    return out[list(ENVIRONMENT_COLUMNS)].reset_index(drop=True)


# the columns environments_table reads (the rest of the table is not reordered)
_ENVIRONMENT_INPUTS = ("function", "environment", "version", "init_type", "runtime_version",
                       "init_duration_ms", "start", "end", "start_type", "status", "flags")


def _has(flags: Any, flag: str) -> bool:
    """One ';'-joined flags value names ``flag`` as a whole word."""
    return isinstance(flags, str) and flag in flags.split(FLAG_SEPARATOR)


def _firsts(column: pd.Series, starts: np.ndarray) -> pd.Series:
    """Per run of rows (``starts``: each run's first row), the run's first value that is not
    missing, as pandas' ``groupby(...).first()`` gives it: missing where the run has none
    (NaN; None in a column of objects). One value per run, indexed 0..len(starts)-1."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        valid = category_codes(column) >= 0
    else:
        valid = ~pd.isna(column.to_numpy())
    rows = first_valid_rows(valid, starts)
    del valid
    values = column.iloc[np.maximum(rows, 0)].reset_index(drop=True)
    if isinstance(column.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    if (rows < 0).any():
        values = values.where(rows >= 0, None if column.dtype == object else np.nan)
    return values


def _latest(times: pd.Series, starts: np.ndarray) -> pd.Series:
    """Per run of rows, the latest of ``times`` (NaT only where every one is NaT), in the
    column's own dtype."""
    ints, unit = time_ints(times)
    latest = np.maximum.reduceat(ints, starts)  # NaT is the smallest integer
    zone = getattr(times.dtype, "tz", None) or "UTC"  # a time column is UTC (schema)
    return pd.Series(latest.view(f"M8[{unit}]")).dt.tz_localize(zone)


def _idle_seconds(start: pd.Series, end: pd.Series, starts: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per run of rows (one environment's invocations by start), the longest and the mean
    idle time in seconds: each start less the end of the invocation before it in the run,
    negative gaps as 0, NaN where a time is unknown (and where the run has no gap); the mean
    is pandas' groupby mean, as before. Made for whole runs a block of rows at a time: the
    gaps of one block (8 bytes a row of it) at once, not of the table."""
    start_ints, start_unit = time_ints(start)
    end_ints, end_unit = time_ints(end)
    longest = np.empty(len(starts), dtype=np.float64)
    mean = np.empty(len(starts), dtype=np.float64)
    for first, last, lo, hi in group_blocks(starts, len(start_ints)):
        delta = (start_ints[lo + 1:hi].view(f"M8[{start_unit}]")
                 - end_ints[lo:hi - 1].view(f"M8[{end_unit}]"))
        idle = np.empty(hi - lo, dtype=np.float64)
        idle[1:] = pd.TimedeltaIndex(delta).total_seconds().to_numpy()  # pandas' seconds
        del delta
        local = starts[first:last] - lo
        idle[local] = np.nan  # a run's first invocation follows none of its run
        np.maximum(idle, 0.0, out=idle)  # NaN stays NaN
        longest[first:last] = np.fmax.reduceat(idle, local)
        mean[first:last] = group_means(idle, local)
    return longest, mean


def _by_environment(inv: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """``inv`` ordered by (function, environment, start), stable (an unknown start last), and
    the first row of each (function, environment)'s run of rows. A table already in that order
    (as the engine leaves it) is returned as it is: the check reads the columns' codes and
    the start times' integers a block of rows at a time, with no per-row key."""
    function = ValueCodes(inv["function"]).codes
    environment = ValueCodes(inv["environment"]).codes
    start, _unit = time_ints(inv["start"])
    if not _ordered(function, environment, start):
        order = np.lexsort((_nat_last(start), environment, function))
        inv, function, environment = inv.iloc[order], function[order], environment[order]
    return inv, run_starts(function, environment)


# Rows looked at at once by the order check and the idle times: bounds their temporaries
_BLOCK = 1 << 16
_NAT = np.iinfo(np.int64).min  # NaT's integer


def _nat_last(times: np.ndarray) -> np.ndarray:
    """Integer times (NaT as the int64 minimum) with NaT as the largest value instead."""
    return np.where(times == _NAT, np.iinfo(np.int64).max, times)


def _ordered(function: np.ndarray, environment: np.ndarray, start: np.ndarray) -> bool:
    """Rows already sorted by function code, environment code, then start with NaT last (a
    stable sort would not move them); per-row arrays of one length, checked in blocks."""
    n = len(start)
    for lo in range(0, max(n - 1, 0), _BLOCK):
        hi = min(lo + _BLOCK, n - 1)  # compares rows lo..hi-1 with lo+1..hi
        f_step = function[lo + 1:hi + 1].astype(np.int64) - function[lo:hi]
        e_step = environment[lo + 1:hi + 1].astype(np.int64) - environment[lo:hi]
        if (f_step < 0).any() or ((f_step == 0) & (e_step < 0)).any():
            return False
        same = (f_step == 0) & (e_step == 0)
        earlier, later = _nat_last(start[lo:hi]), _nat_last(start[lo + 1:hi + 1])
        if (same & (later < earlier)).any():
            return False
    return True


def functions_table(inv: pd.DataFrame, environments: pd.DataFrame,
                    orphan_init_failures: Iterable[tuple[str, str]] = (), *,
                    whole: Mapping[str, dict[str, Any]] | None = None) -> pd.DataFrame:
    """One row per (function, version).

    ``orphan_init_failures`` lists (function, environment) of failed inits that belong to no
    invocation; each counts in its function's ``init_failures``, so the column adds up to the
    summary's ``init_failures``. A function with such failures and no invocation gets a row.
    ``whole``: ``column_percentiles(inv)`` when already computed (for the summary); a
    (function, version) that holds every row takes its percentiles from it, not again.
    """
    extra: dict[tuple[str, str], int] = {}
    orphan_init_failures = list(orphan_init_failures)
    versions = dict(zip(zip(inv["function"], inv["environment"], strict=True), inv["version"],
                        strict=True)) if orphan_init_failures and not inv.empty else {}
    for function, environment in orphan_init_failures:
        version = versions.get((function, environment))
        if version is None:
            version = stream_version(environment)
        extra[(function, version)] = extra.get((function, version), 0) + 1
    if inv.empty and not extra:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FUNCTION_COLUMNS})
    rows = _function_rows(inv, whole) if not inv.empty else []
    for row in rows:
        row["init_failures"] += extra.pop((row["function"], row["version"]), 0)
    for (function, version), count in extra.items():
        row = dict.fromkeys(FUNCTION_COLUMNS)
        row.update({"function": function, "version": version, "invocations": 0,
                    "environments": 0, "cold_starts": 0, "cold_start_rate": 0.0,
                    **dict.fromkeys(START_TYPES, 0), "timeouts": 0, "errors": 0,
                    "out_of_memory": 0, "init_failures": count, "init_count": 0,
                    "restore_count": 0, "runtime_versions": ""})
        rows.append(row)
    rows.sort(key=lambda r: (str(r["function"]), str(r["version"])))
    return pd.DataFrame(rows, columns=list(FUNCTION_COLUMNS))


def _function_rows(inv: pd.DataFrame, whole: Mapping[str, dict[str, Any]] | None
                   ) -> list[dict[str, Any]]:
    """One row per (function, version) with an invocation, neither missing (as pandas'
    groupby drops missing keys), in the names' order. Counts come from one group number per
    row (``_FunctionGroups``) and per-group bincounts; percentiles from each group's values
    (``whole``, the whole columns' percentiles, when one group holds every row)."""
    groups = _FunctionGroups(inv)
    n = groups.sizes()
    start_types = groups.counts_by(ValueCodes(inv["start_type"]), START_TYPES)
    cold = start_types[:, [START_TYPES.index(t) for t in COLD_START_TYPES]].sum(axis=1)
    environments = groups.distinct(ValueCodes(inv["environment"]), lambda e: e != "")
    runtimes = groups.distinct(ValueCodes(inv["runtime_version"]), bool)
    status = ValueCodes(inv["status"])
    timeouts = groups.count(status.where(lambda s: s == "timeout"))
    errors = groups.count(status.where(lambda s: s == "error"))
    out_of_memory = groups.count(matching(inv["flags"], lambda f: _has(f, "out_of_memory")))
    init_failures = groups.total(inv["init_failures"])
    waited: pd.Series | None = None  # made only where a group's own percentiles are needed
    restored: pd.Series | None = None  # Restore Durations of restores, NaN elsewhere
    rows = []
    for k, (function, version) in enumerate(groups.names()):
        if whole is not None and groups.holds_every_row():
            init, dur = whole["init_duration_ms"], whole["duration_ms"]
            restore = whole["restore_duration_ms"]
        else:
            if waited is None:
                waited = pd.Series(split_inits(inv)[0], index=inv.index, copy=False)
                restored = pd.Series(_restore_durations(inv), index=inv.index, copy=False)
            assert restored is not None
            init = percentiles(groups.values(waited, k))
            restore = percentiles(groups.values(restored, k))
            dur = percentiles(groups.values(inv["duration_ms"], k))
        row: dict[str, Any] = {
            "function": function,
            "version": version,
            "invocations": int(n[k]),
            "environments": len(environments[k]),
            "cold_starts": int(cold[k]),
            "cold_start_rate": int(cold[k]) / int(n[k]) if n[k] else 0.0,
        }
        row.update({t: int(start_types[k, i]) for i, t in enumerate(START_TYPES)})
        row.update({
            "timeouts": int(timeouts[k]),
            "errors": int(errors[k]),
            "out_of_memory": int(out_of_memory[k]),
            "init_failures": int(init_failures[k]),
            "init_count": init["count"],
            "init_p50_ms": init["p50"],
            "init_p90_ms": init["p90"],
            "init_p95_ms": init["p95"],
            "init_p99_ms": init["p99"],
            "init_max_ms": init["max"],
            "restore_count": restore["count"],
            "restore_p50_ms": restore["p50"],
            "restore_p90_ms": restore["p90"],
            "restore_p95_ms": restore["p95"],
            "restore_p99_ms": restore["p99"],
            "restore_max_ms": restore["max"],
            "duration_p50_ms": dur["p50"],
            "duration_p99_ms": dur["p99"],
            "runtime_versions": FLAG_SEPARATOR.join(sorted(runtimes[k])),
        })
        rows.append(row)
    return rows


def _bincount(values: np.ndarray, bins: int, weights: np.ndarray | None = None
              ) -> np.ndarray:
    """``np.bincount(values, weights, minlength=bins)`` (counts int64, sums float64) over
    integers 0..bins-1 of any width, a block of rows at a time: bincount casts its input to
    intp, which would otherwise be an 8-byte copy of every row."""
    out = np.zeros(bins, dtype=np.int64 if weights is None else np.float64)
    for lo in range(0, len(values), _BLOCK):
        part = None if weights is None else weights[lo:lo + _BLOCK]
        out += np.bincount(values[lo:lo + _BLOCK], part, minlength=bins)
    return out


class _FunctionGroups:
    """The (function, version) groups of an invocation table: ``number`` holds each row's
    group (0..G-1, in the names' sorted order; G for a row whose function or version is
    missing), in the narrowest integer type that holds G. Each statistic is one pass over
    the column it reads."""

    def __init__(self, inv: pd.DataFrame) -> None:
        function, version = ValueCodes(inv["function"]), ValueCodes(inv["version"])
        pairs_f, pairs_v = distinct_pairs(function.codes, version.codes)
        keep = (pairs_f >= 0) & (pairs_v >= 0)
        self._names = [(function.names[f], version.names[v])
                       for f, v in zip(pairs_f[keep], pairs_v[keep], strict=True)]
        self.count_groups = int(keep.sum())
        narrow = smallest_int_type(self.count_groups)
        # group number per (function code, version code); code -1 reads the last row/column
        table = np.full((len(function.names) + 1, len(version.names) + 1), self.count_groups,
                        dtype=narrow)
        table[pairs_f[keep], pairs_v[keep]] = np.arange(self.count_groups)
        self.number = np.empty(len(inv), dtype=narrow)
        for lo in range(0, len(inv), _BLOCK):
            hi = lo + _BLOCK
            self.number[lo:hi] = table[function.codes[lo:hi], version.codes[lo:hi]]
        self._order: np.ndarray | None = None
        self._every_row: bool | None = None

    def names(self) -> list[tuple[Any, Any]]:
        """(function, version) of each group."""
        return self._names

    def sizes(self) -> np.ndarray:
        return self.count(None)

    def count(self, hits: np.ndarray | None) -> np.ndarray:
        """Per group, how many of its rows ``hits`` (bool per row; None: every row) sets."""
        number = self.number if hits is None else self.number[hits]
        return _bincount(number, self.count_groups + 1)[:self.count_groups]

    def total(self, values: pd.Series) -> np.ndarray:
        """Per group, the sum of an integer column's values (missing values skipped)."""
        weights = values.to_numpy(dtype=np.float64, na_value=0.0)
        return _bincount(self.number, self.count_groups + 1, weights)[:self.count_groups]

    def counts_by(self, codes: ValueCodes, labels: Sequence[str]) -> np.ndarray:
        """Per group and label, how many rows hold that label: an int array (G, len(labels));
        other values and missing ones are not counted."""
        width = len(labels) + 1
        index = np.array([labels.index(name) if name in labels else len(labels)
                          for name in codes.names] + [len(labels)],
                         dtype=smallest_int_type(width))
        counts = np.zeros((self.count_groups + 1) * width, dtype=np.int64)
        for lo in range(0, len(self.number), _BLOCK):  # one cell number per row of a block
            cell = self.number[lo:lo + _BLOCK].astype(np.int64) * width
            cell += index[codes.codes[lo:lo + _BLOCK]]
            counts += np.bincount(cell, minlength=len(counts))
        return counts.reshape(-1, width)[:self.count_groups, :len(labels)]

    def distinct(self, codes: ValueCodes, keep: Callable[[Any], bool]) -> list[set[Any]]:
        """Per group, the set of the column's values (not missing) that ``keep`` accepts."""
        group, code = distinct_pairs(self.number, codes.codes)
        wanted = codes.lookup(keep)[code] & (group < self.count_groups)
        out: list[set[Any]] = [set() for _ in range(self.count_groups)]
        for g, c in zip(group[wanted].tolist(), code[wanted].tolist(), strict=True):
            out[g].add(codes.names[c])
        return out

    def holds_every_row(self) -> bool:
        """One group, and every row is in it (no function or version missing)."""
        if self._every_row is None:
            self._every_row = self.count_groups == 1 and bool((self.number == 0).all())
        return self._every_row

    def values(self, column: pd.Series, k: int) -> np.ndarray:
        """Group ``k``'s values of ``column`` (any order): the column itself when one group
        holds every row, else its rows taken through one stable sort by group."""
        if self.holds_every_row():
            return column.to_numpy()
        if self._order is None:
            self._order = np.argsort(self.number, kind="stable")
            self._bounds = np.searchsorted(self.number[self._order],
                                           np.arange(self.count_groups + 1))
        return column.to_numpy()[self._order[self._bounds[k]:self._bounds[k + 1]]]


def events_table(inv: pd.DataFrame, extra: Iterable[dict[str, Any]] = ()) -> pd.DataFrame:
    """Flagged lifecycle events: failures, re-inits, init failures, reset loops, plus ``extra``."""
    rows: list[pd.DataFrame] = []
    base = ["start", "function", "environment", "request_id"]
    flagged = _event_rows(inv)  # a few thousand rows of a million, plain strings
    failed = flagged[flagged["status"] != "success"]
    if not failed.empty:
        oom = has_flag(failed["flags"], "out_of_memory")
        event = np.where(oom, "out_of_memory", failed["status"])
        # object strings, as ``label``: pandas may infer its str dtype for the mapped texts,
        # and with pyarrow installed that does not add to object (a row without a status)
        took = failed["duration_ms"].map(
            lambda d: "" if pd.isna(d) else f" after {d:.2f} ms").astype(object)
        etype = failed["error_type"].map(lambda e: f" ({e})" if e else "").astype(object)
        what = np.where(failed["status"] == "timeout", "timed out", "failed")
        what = np.where(oom, "ran out of memory", what)
        frame = failed[base].rename(columns={"start": "time"})
        frame["event"] = event
        label = pd.Series(event, index=failed.index, dtype=object)
        frame["reason"] = label + ": invocation " + what + etype + took
        rows.append(frame)
    special = flagged[flagged["start_type"].isin(_EVENT_START_TYPES)]
    if not special.empty:
        frame = special[base].rename(columns={"start": "time"})
        frame["event"] = special["start_type"]
        frame["reason"] = special["reason"]
        rows.append(frame)
    init_failed = flagged[flagged["init_failures"] > 0]
    if not init_failed.empty:
        frame = init_failed[base].rename(columns={"start": "time"})
        frame["event"] = "init_failure"
        frame["reason"] = "init_failure: " + init_failed["init_failures"].astype(str) + \
            " failed init(s) before this invocation"
        rows.append(frame)
    loop = flagged[has_flag(flagged["flags"], "reset_loop")]
    if not loop.empty:
        counts = loop.groupby(["function", "environment"], sort=False, observed=True).agg(
            time=("start", "min"), failures=("request_id", "size"))
        counts = counts.reset_index()
        frame = pd.DataFrame({
            "time": counts["time"], "function": counts["function"],
            "environment": counts["environment"], "request_id": "",
            "event": "reset_loop",
            "reason": "reset_loop: " + counts["failures"].astype(str)
            + " consecutive failures, each followed by a re-init",
        })
        rows.append(frame)
    extra_rows = list(extra)
    if extra_rows:
        rows.append(pd.DataFrame(extra_rows, columns=list(EVENT_COLUMNS)))
    if not rows:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in EVENT_COLUMNS})
        frame["time"] = pd.Series(dtype="datetime64[ns, UTC]")
        return frame
    out = pd.concat([r[list(EVENT_COLUMNS)] for r in rows], ignore_index=True)
    out["time"] = pd.to_datetime(out["time"], utc=True)
    order = {"init_failure": 0, "reinit": 1, "proactive": 1, "timeout": 2, "error": 2,
             "out_of_memory": 2, "reset_loop": 3}
    out["_o"] = out["event"].map(order).fillna(4)
    out = out.sort_values(["time", "_o", "environment"], kind="stable").drop(columns="_o")
    return out.reset_index(drop=True)


# start types that are events of their own, and the columns events_table reads
_EVENT_START_TYPES = ("reinit", "proactive")
_EVENT_INPUTS = ("start", "function", "environment", "request_id", "status", "flags",
                 "duration_ms", "error_type", "start_type", "reason", "init_failures")


def _event_rows(inv: pd.DataFrame) -> pd.DataFrame:
    """The rows some event is made from (not a success, a re-init or proactive start, after
    failed inits, or in a reset loop) with the columns events_table reads, as plain strings;
    index: their labels in ``inv``. The rows are found from the columns' codes (one test per
    distinct value) and taken once, instead of one full-table mask and copy per kind."""
    if inv.empty:
        return plain_columns(text_ids(inv[list(_EVENT_INPUTS)]))
    hit = ~matching(inv["status"], lambda s: s == "success")
    hit |= matching(inv["start_type"], lambda t: t in _EVENT_START_TYPES)
    hit |= (inv["init_failures"] > 0).to_numpy()
    hit |= matching(inv["flags"], lambda f: _has(f, "reset_loop"))
    # RequestIds as text for these rows only (the table may hold them as 16-byte UUIDs)
    return plain_columns(text_ids(inv[list(_EVENT_INPUTS)][hit]))


def summary_dict(inv: pd.DataFrame, environments: pd.DataFrame, *, orphan_init_failures: int = 0,
                 unused_inits: int = 0, incomplete: int = 0,
                 whole: Mapping[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The ``summary`` object of the JSON contract (DESIGN.md). ``whole``:
    ``column_percentiles(inv)`` when already computed."""
    n = len(inv)
    whole = whole if whole is not None else column_percentiles(inv)
    counts = inv["start_type"].value_counts() if n else pd.Series(dtype=np.int64)
    start_types = {t: int(counts.get(t, 0)) for t in START_TYPES}
    cold = sum(start_types[t] for t in COLD_START_TYPES)
    status = inv["status"] if n else pd.Series(dtype=object)
    return {
        "invocations": n,
        "environments": _known_environments(inv) if n else 0,
        "cold_starts": cold,
        "cold_start_rate": (cold / n) if n else 0.0,
        "start_types": start_types,
        "cold_causes": count_causes(inv),
        "reinit_causes": count_reinit_causes(inv),
        "timeouts": int((status == "timeout").sum()),
        "errors": int((status == "error").sum()),
        "out_of_memory": int(has_flag(inv["flags"], "out_of_memory").sum()) if n else 0,
        "init_failures": int(inv["init_failures"].sum() if n else 0) + orphan_init_failures,
        "reset_loops": int(has_flag(environments["flags"], "reset_loop").sum())
        if not environments.empty else 0,
        "unused_inits": unused_inits,
        "incomplete": incomplete,
        # the inits a caller waited for; those ahead of demand (provisioned, proactive) apart
        "init_duration_ms": whole["init_duration_ms"],
        "init_ahead_of_demand_ms": whole["init_ahead_of_demand_ms"],
        # SnapStart restores (a caller waited for each, as for a cold start's init)
        "restore_duration_ms": whole["restore_duration_ms"],
        "duration_ms": whole["duration_ms"],
    }


def _known_environments(inv: pd.DataFrame) -> int:
    """How many distinct (function, environment) pairs the rows hold, environment "" (unknown)
    left out; from the rows where a run of equal pairs begins, not a hash of every row."""
    environment = ValueCodes(inv["environment"])
    _function, code = distinct_pairs(ValueCodes(inv["function"]).codes, environment.codes)
    named = environment.lookup(lambda e: e != "")
    named[-1] = True  # a missing environment is not "": it counts, as pandas counts it
    return int(named[code].sum())


def build_analysis(invocations: pd.DataFrame, stats: InputStats | None = None, *,
                   orphan_init_failures: int = 0, unused_inits: int = 0,
                   orphan_events: Sequence[OrphanEvent] = (),
                   functions: Sequence[str] = ()) -> Analysis:
    """Environments, functions, events and summary from an invocation table.

    ``functions`` keeps only those functions (a budget's ``function:``); orphan events of
    other functions are dropped with them.
    """
    stats = stats or InputStats()
    if functions:
        keep = set(functions)
        invocations = invocations[invocations["function"].isin(keep)].reset_index(drop=True)
        orphan_events = [e for e in orphan_events if e.function in keep]
        orphan_init_failures = sum(1 for e in orphan_events if e.event == "init_failure")
        unused_inits = sum(1 for e in orphan_events if e.event == "unused_init")
    environments = environments_table(invocations)
    release_free_memory()  # each table's freed temporaries, before the next one's
    extra = [
        {"time": pd.Timestamp(e.time_ms, unit="ms", tz="UTC"), "function": e.function,
         "environment": e.environment, "request_id": "", "event": e.event, "reason": e.reason}
        for e in orphan_events
    ]
    whole = column_percentiles(invocations)  # the summary's, and a lone function's
    functions_rows = functions_table(invocations, environments,
                                     [(e.function, e.environment) for e in orphan_events
                                      if e.event == "init_failure"], whole=whole)
    release_free_memory()
    events = events_table(invocations, extra)
    release_free_memory()
    return Analysis(
        invocations=invocations,
        environments=environments,
        functions=functions_rows,
        events=events,
        summary=summary_dict(invocations, environments,
                             orphan_init_failures=orphan_init_failures,
                             unused_inits=unused_inits, incomplete=stats.incomplete,
                             whole=whole),
        input=stats,
    )
