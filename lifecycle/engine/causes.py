"""Why a plain cold start happened, as far as the log shows it (docs/lifecycle.md, "Why a
cold start happened").

A ``cold`` invocation (DESIGN.md: the caller waited for the on-demand init of a new
environment) gets one cause, first match wins:

``new_version``    the first request of its (function, version) in the data while another
                   version of the function ran before: environments belong to one version,
                   so a new version starts new ones (docs/platform.md §4).
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
Init Duration is unknown. Only what the data shows counts: environments that served nothing in
the data, and deploys that keep the version label (``$LATEST``), are invisible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lamlife.lifecycle.engine.coded import codes_of

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
    version_seen_before: bool  # a request of this version started before arrival
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
# cause of the reset.
REINIT_PREFIXES: dict[str, tuple[str, ...]] = {
    "after_timeout": ("reinit: previous invocation timed out",
                      "reset: previous invocation in this environment timed out"),  # simulator
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
    init_duration_ms (schema.INVOCATION_COLUMNS); returns a copy when it changes anything.
    Each cold start costs a few binary searches in its function's sorted times.
    """
    if invocations.empty:
        return invocations
    is_cold = (invocations["start_type"] == "cold").to_numpy()
    if not is_cold.any():
        return invocations
    start = _epoch_ms(invocations["start"])
    end = _epoch_ms(invocations["end"])
    end = np.where(np.isnan(end), start, end)  # no REPORT: not counted as busy afterwards
    init = pd.to_numeric(invocations["init_duration_ms"], errors="coerce").to_numpy(float)
    arrival = start - np.where(np.isnan(init), 0.0, init)
    fn_codes, _fn_names = codes_of(invocations["function"])
    ver_codes, ver_names = codes_of(invocations["version"])
    reasons = invocations["reason"].to_numpy(object).copy()
    for rows in _groups(fn_codes, np.unique(fn_codes[is_cold])):
        fn = _Times(rows, start, end)
        versions = ver_codes[fn.by_start]
        for members in _groups(ver_codes, np.unique(ver_codes[rows[is_cold[rows]]]), rows):
            cold = members[is_cold[members]]
            ver = int(ver_codes[members[0]])
            # a function with one version (the common case): its times are already sorted
            group = fn if len(members) == len(rows) else _Times(members, start, end)
            at = arrival[cold]
            # A request is in progress from its arrival (its START less the init it waited
            # for) to its end: requests of a burst that wait in INIT together see each other.
            # Arrivals are ordered by time, then START (a stable tie-break): of N requests
            # arriving at once, the first finds no other in progress and the rest do.
            order = np.lexsort((start[members], arrival[members]))
            position = np.empty(members.size, dtype=np.int64)
            position[order] = np.arange(members.size)
            # members are ascending row numbers, so searchsorted finds each
            busy = position[np.searchsorted(members, cold)] - group.ended_by(at)
            seen_before = group.started_by(at) > 0
            fn_before = fn.started_by(at)
            last_end = group.last_end_by(at)
            for k, row in enumerate(cold.tolist()):
                other = ""
                if fn_before[k] > 0 and not seen_before[k]:
                    other = next((str(ver_names[v]) for v in versions[: fn_before[k]][::-1]
                                  if ver_names[v] and v != ver), "")
                context = ColdContext(int(busy[k]), (at[k] - last_end[k]) / 1000.0,
                                      bool(seen_before[k]), other)
                clock = "?" if math.isnan(at[k]) else _clock(float(at[k]))
                reasons[row] = cold_reason(cold_cause(context), context,
                                           str(ver_names[ver]), clock)
    out = invocations.copy(deep=False)
    # object dtype as the engine made it: pandas would otherwise scan every row to infer one
    out["reason"] = pd.Series(reasons, index=out.index, dtype=object, copy=False)
    return out


def _groups(codes: np.ndarray, wanted: np.ndarray,
            rows: np.ndarray | None = None) -> list[np.ndarray]:
    """For each code in ``wanted``, the ascending row numbers (of ``rows``, default all rows)
    whose code it is: one stable sort, not one scan per code."""
    rows = np.arange(len(codes)) if rows is None else rows
    sub = codes[rows]
    order = np.argsort(sub, kind="stable")
    sorted_codes = sub[order]
    lo = np.searchsorted(sorted_codes, wanted, side="left")
    hi = np.searchsorted(sorted_codes, wanted, side="right")
    return [rows[order[a:b]] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]


class _Times:
    """Sorted start and end times of some rows, for counting by binary search."""

    def __init__(self, rows: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        order = np.argsort(start[rows], kind="stable")
        self.by_start = rows[order]
        self.starts = start[self.by_start]
        self.ends = np.sort(end[rows])

    def started_by(self, at: np.ndarray, inclusive: bool = False) -> np.ndarray:
        """How many started before ``at`` (at or before, when ``inclusive``)."""
        return np.searchsorted(self.starts, at, side="right" if inclusive else "left")

    def ended_by(self, at: np.ndarray) -> np.ndarray:
        """How many ended at or before ``at``."""
        return np.searchsorted(self.ends, at, side="right")

    def last_end_by(self, at: np.ndarray) -> np.ndarray:
        """The latest end at or before ``at``; NaN when none."""
        index = self.ended_by(at) - 1
        return np.where(index >= 0, self.ends[np.maximum(index, 0)], np.nan)


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
