"""Derive environments, functions, events and the summary from an invocation table.

Everything here reads only the invocation table (schema.INVOCATION_COLUMNS) plus counts of
events that belong to no invocation, so the observed engine, the simulator and a re-read
lamlife CSV all produce their other tables the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.analysis import Analysis, InputStats
from lamlife.lifecycle.engine.causes import count_causes, count_reinit_causes
from lamlife.lifecycle.engine.coded import codes_of, plain_columns
from lamlife.lifecycle.engine.replay import OrphanEvent, stream_version
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
    arr = arr[~np.isnan(arr)]
    out: dict[str, Any] = {"count": int(arr.size)}
    if arr.size == 0:
        out.update({f"p{p}": None for p in PERCENTILES})
        out["max"] = None
        return out
    qs = np.percentile(arr, PERCENTILES)
    out.update({f"p{p}": round(float(q), 3) for p, q in zip(PERCENTILES, qs, strict=True)})
    out["max"] = round(float(arr.max()), 3)
    return out


def has_flag(flags: pd.Series, flag: str) -> pd.Series:
    """Boolean mask: the ';'-joined flags string contains ``flag`` as a whole word. Each
    distinct flags value is looked at once (a coded column holds a handful)."""
    uniques: Any
    if isinstance(flags.dtype, pd.CategoricalDtype):
        codes = flags.cat.codes.to_numpy()
        uniques = flags.cat.categories
    else:
        codes, uniques = pd.factorize(flags.to_numpy(dtype=object))
    hit = np.array([isinstance(u, str) and flag in u.split(FLAG_SEPARATOR) for u in uniques]
                   + [False], dtype=bool)  # code -1 (missing) reads the last entry
    return pd.Series(hit[codes], index=flags.index, dtype=bool)


def environments_table(inv: pd.DataFrame) -> pd.DataFrame:
    """One row per (function, environment) with at least one invocation (unknown "" excluded)."""
    inv = inv[inv["environment"] != ""]
    if inv.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ENVIRONMENT_COLUMNS})
    inv, key = _by_environment(inv[list(_ENVIRONMENT_INPUTS)])
    same = np.zeros(len(inv), dtype=bool)
    same[1:] = key[1:] == key[:-1]
    idle = (inv["start"] - inv["end"].shift()).dt.total_seconds().where(same)
    work = pd.DataFrame({
        "key": key,
        "idle": idle.clip(lower=0),
        "cold": inv["start_type"].isin(COLD_START_TYPES),
        "reinit": inv["start_type"] == "reinit",
        "failed": inv["status"] != "success",
    })
    for flag in ENVIRONMENT_FLAGS:
        work[flag] = has_flag(inv["flags"], flag)
    grouped = work.groupby("key", sort=False)
    agg = grouped.agg(
        max_idle_s=("idle", "max"), mean_idle_s=("idle", "mean"), cold_starts=("cold", "sum"),
        resets=("reinit", "sum"), failures=("failed", "sum"),
        **{flag: (flag, "any") for flag in ENVIRONMENT_FLAGS},
    )
    g = inv.assign(key=key).groupby("key", sort=False)
    first = g[["function", "environment", "version", "init_type", "runtime_version",
               "init_duration_ms"]].first()  # first non-null per column
    out = pd.DataFrame({
        # names typed as a groupby over them would type them
        "function": pd.Index(first["function"].to_numpy(dtype=object)),
        "environment": pd.Index(first["environment"].to_numpy(dtype=object)),
        "version": first["version"].astype(object),
        "init_type": first["init_type"].astype(object),
        "runtime_version": first["runtime_version"].astype(object),
        "init_duration_ms": first["init_duration_ms"],
        "first_start": g["start"].min(),
        "last_end": g["end"].max(),
        "invocations": g.size(),
    })
    out["lifetime_s"] = (out["last_end"] - out["first_start"]).dt.total_seconds()
    out = out.join(agg)
    flag_text = pd.Series("", index=out.index, dtype=object)
    for flag in ENVIRONMENT_FLAGS:
        flag_text = flag_text + np.where(out[flag], flag + FLAG_SEPARATOR, "")
    out["flags"] = flag_text.str.rstrip(FLAG_SEPARATOR)
    out = out.reset_index(drop=True)
    for c in ("invocations", "cold_starts", "resets", "failures"):
        out[c] = out[c].astype(np.int64)
    out = out.sort_values(["function", "first_start", "environment"], kind="stable")
    return out[list(ENVIRONMENT_COLUMNS)].reset_index(drop=True)


# the columns environments_table reads (the rest of the table is not reordered)
_ENVIRONMENT_INPUTS = ("function", "environment", "version", "init_type", "runtime_version",
                       "init_duration_ms", "start", "end", "start_type", "status", "flags")


def _by_environment(inv: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """``inv`` ordered by (function, environment, start), stable, with one int64 key per
    (function, environment): integer codes of the sorted names, so the order is the names'
    order without sorting strings row by row. A table already in that order (as the engine
    leaves it) is returned as it is."""
    fn_codes, _fn_names = codes_of(inv["function"])
    env_codes, env_names = codes_of(inv["environment"])
    key = fn_codes.astype(np.int64) * max(len(env_names), 1) + env_codes
    start = inv["start"]
    start_key = start.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    start_key = np.where(start.isna().to_numpy(), np.iinfo(np.int64).max, start_key)  # NaT last
    if _ordered(key, start_key):
        return inv, key
    order = np.lexsort((start_key, key))
    return inv.iloc[order], key[order]


def _ordered(key: np.ndarray, then: np.ndarray) -> bool:
    """Rows already sorted by ``key``, then ``then`` (a stable sort would not move them)."""
    if len(key) < 2:
        return True
    step = np.diff(key)
    return bool((step >= 0).all() and (np.diff(then)[step == 0] >= 0).all())


def functions_table(inv: pd.DataFrame, environments: pd.DataFrame,
                    orphan_init_failures: Iterable[tuple[str, str]] = ()) -> pd.DataFrame:
    """One row per (function, version).

    ``orphan_init_failures`` lists (function, environment) of failed inits that belong to no
    invocation; each counts in its function's ``init_failures``, so the column adds up to the
    summary's ``init_failures``. A function with such failures and no invocation gets a row.
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
    rows = _function_rows(inv) if not inv.empty else []
    for row in rows:
        row["init_failures"] += extra.pop((row["function"], row["version"]), 0)
    for (function, version), count in extra.items():
        row = dict.fromkeys(FUNCTION_COLUMNS)
        row.update({"function": function, "version": version, "invocations": 0,
                    "environments": 0, "cold_starts": 0, "cold_start_rate": 0.0,
                    **dict.fromkeys(START_TYPES, 0), "timeouts": 0, "errors": 0,
                    "out_of_memory": 0, "init_failures": count, "init_count": 0,
                    "runtime_versions": ""})
        rows.append(row)
    rows.sort(key=lambda r: (str(r["function"]), str(r["version"])))
    return pd.DataFrame(rows, columns=list(FUNCTION_COLUMNS))


def _function_rows(inv: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for (function, version), part in inv.groupby(["function", "version"], sort=True,
                                                  observed=True):
        counts = part["start_type"].value_counts()
        n = len(part)
        cold = int(sum(counts.get(t, 0) for t in COLD_START_TYPES))
        env_known = part["environment"][part["environment"] != ""]
        init = percentiles(part["init_duration_ms"])
        dur = percentiles(part["duration_ms"])
        runtimes = sorted({r for r in part["runtime_version"].dropna().unique() if r})
        row: dict[str, Any] = {
            "function": function,
            "version": version,
            "invocations": n,
            "environments": int(env_known.nunique()),
            "cold_starts": cold,
            "cold_start_rate": cold / n if n else 0.0,
        }
        row.update({t: int(counts.get(t, 0)) for t in START_TYPES})
        row.update({
            "timeouts": int((part["status"] == "timeout").sum()),
            "errors": int((part["status"] == "error").sum()),
            "out_of_memory": int(has_flag(part["flags"], "out_of_memory").sum()),
            "init_failures": int(part["init_failures"].sum()),
            "init_count": init["count"],
            "init_p50_ms": init["p50"],
            "init_p90_ms": init["p90"],
            "init_p95_ms": init["p95"],
            "init_p99_ms": init["p99"],
            "init_max_ms": init["max"],
            "duration_p50_ms": dur["p50"],
            "duration_p99_ms": dur["p99"],
            "runtime_versions": FLAG_SEPARATOR.join(runtimes),
        })
        rows.append(row)
    return rows


def events_table(inv: pd.DataFrame, extra: Iterable[dict[str, Any]] = ()) -> pd.DataFrame:
    """Flagged lifecycle events: failures, re-inits, init failures, reset loops, plus ``extra``."""
    rows: list[pd.DataFrame] = []
    base = ["start", "function", "environment", "request_id"]
    failed = plain_columns(inv[inv["status"] != "success"])
    if not failed.empty:
        oom = has_flag(failed["flags"], "out_of_memory")
        event = np.where(oom, "out_of_memory", failed["status"])
        took = failed["duration_ms"].map(lambda d: "" if pd.isna(d) else f" after {d:.2f} ms")
        etype = failed["error_type"].map(lambda e: f" ({e})" if e else "")
        what = np.where(failed["status"] == "timeout", "timed out", "failed")
        what = np.where(oom, "ran out of memory", what)
        frame = failed[base].rename(columns={"start": "time"})
        frame["event"] = event
        label = pd.Series(event, index=failed.index, dtype=object)
        frame["reason"] = label + ": invocation " + what + etype + took
        rows.append(frame)
    special = plain_columns(inv[inv["start_type"].isin(("reinit", "proactive"))])
    if not special.empty:
        frame = special[base].rename(columns={"start": "time"})
        frame["event"] = special["start_type"]
        frame["reason"] = special["reason"]
        rows.append(frame)
    init_failed = plain_columns(inv[inv["init_failures"] > 0])
    if not init_failed.empty:
        frame = init_failed[base].rename(columns={"start": "time"})
        frame["event"] = "init_failure"
        frame["reason"] = "init_failure: " + init_failed["init_failures"].astype(str) + \
            " failed init(s) before this invocation"
        rows.append(frame)
    loop = plain_columns(inv[has_flag(inv["flags"], "reset_loop")]) if not inv.empty else inv
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


def summary_dict(inv: pd.DataFrame, environments: pd.DataFrame, *, orphan_init_failures: int = 0,
                 unused_inits: int = 0, incomplete: int = 0) -> dict[str, Any]:
    """The ``summary`` object of the JSON contract (DESIGN.md)."""
    n = len(inv)
    counts = inv["start_type"].value_counts() if n else pd.Series(dtype=np.int64)
    start_types = {t: int(counts.get(t, 0)) for t in START_TYPES}
    cold = sum(start_types[t] for t in COLD_START_TYPES)
    status = inv["status"] if n else pd.Series(dtype=object)
    known_envs = inv.loc[inv["environment"] != "", ["function", "environment"]] if n else inv
    return {
        "invocations": n,
        "environments": int(len(known_envs.drop_duplicates())) if n else 0,
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
        "init_duration_ms": percentiles(inv["init_duration_ms"] if n else []),
        "duration_ms": percentiles(inv["duration_ms"] if n else []),
    }


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
    extra = [
        {"time": pd.Timestamp(e.time_ms, unit="ms", tz="UTC"), "function": e.function,
         "environment": e.environment, "request_id": "", "event": e.event, "reason": e.reason}
        for e in orphan_events
    ]
    return Analysis(
        invocations=invocations,
        environments=environments,
        functions=functions_table(invocations, environments,
                                  [(e.function, e.environment) for e in orphan_events
                                   if e.event == "init_failure"]),
        events=events_table(invocations, extra),
        summary=summary_dict(invocations, environments,
                             orphan_init_failures=orphan_init_failures,
                             unused_inits=unused_inits, incomplete=stats.incomplete),
        input=stats,
    )
