"""What the HTML report's charts draw: plain rows taken from an :class:`Analysis`.

Every number here comes from the analysis the JSON report is written from: the invocation,
environment and event tables and the summary (``summary["init_duration_ms"]``,
``summary["cost"]["by_function"]``). Rows are grouped (time buckets, histogram bins) or
sampled only to keep a page small; each result says what was drawn and how in its ``note``.
Times are ISO 8601 UTC strings with a ``Z``; durations are ms; amounts are USD.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.engine.summarize import has_flag, init_samples, percentiles
from lamlife.lifecycle.read.request_ids import text_ids
from lamlife.lifecycle.schema import COLD_START_TYPES, START_TYPES
from lamlife.reports._format import fmt_int, fmt_ms, fmt_rate, short_environment
from lamlife.reports.sections import sorted_environments

# At most this many invocations are drawn one by one on the timeline; beyond it, plain warm
# successes are grouped into TIMELINE_BINS time bins per environment.
MAX_TIMELINE_MARKS = 4000
TIMELINE_BINS = 240

# Bucket sizes for "start types over time": the smallest unit that keeps the bars countable.
BUCKETS: tuple[tuple[str, int, float], ...] = (
    ("minute", 60, 3 * 3600.0),  # windows up to 3 h: minute buckets (at most 180)
    ("hour", 3600, 7 * 86400.0),  # up to 7 days: hour buckets (at most 168)
    ("day", 86400, math.inf),
)

# The init kinds of the distribution chart and the column each one's duration is in.
INIT_GROUPS: tuple[tuple[str, str], ...] = (
    ("cold", "init_duration_ms"),
    ("reinit", "init_duration_ms"),
    ("restore", "restore_duration_ms"),
    ("provisioned", "init_duration_ms"),
    ("proactive", "init_duration_ms"),
)
MAX_HISTOGRAM_BINS = 40

# Cost parts of each function, in stacking order.
COST_PARTS: tuple[tuple[str, str], ...] = (
    ("requests", "Requests"),
    ("duration", "Duration (excluding INIT)"),
    ("init", "INIT/restore"),
    ("provisioned", "Provisioned allocation"),
    ("snapstart_cache", "SnapStart cache"),
)

_NS_PER_MS = 1_000_000


def _iso(ns: np.ndarray) -> list[str]:
    """Nanoseconds since the epoch (UTC) as ISO 8601 strings with milliseconds and ``Z``."""
    ms = (np.asarray(ns, dtype=np.int64) // _NS_PER_MS).astype("datetime64[ms]")
    return [text + "Z" for text in np.datetime_as_string(ms, unit="ms").tolist()]


def _ns(series: pd.Series) -> np.ndarray:
    """A UTC datetime column as int64 nanoseconds (NaT as the minimum int64)."""
    values = pd.to_datetime(pd.Series(series), utc=True).dt.as_unit("ns")
    return np.asarray(values.astype("int64"), dtype=np.int64)


def _clock(ns: np.ndarray) -> list[str]:
    """``HH:MM:SS.mmm`` (UTC) for hover text."""
    return [text[11:23] for text in _iso(ns)]


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _keys(frame: pd.DataFrame) -> pd.Series:
    return frame["function"].astype(str) + "\x00" + frame["environment"].astype(str)


# --------------------------------------------------------------------- environments


def ordered_environments(analysis: Analysis, sort_by: str = "invocations") -> pd.DataFrame:
    """The environment table in the order of the Environments table (one ordering for the
    terminal, Markdown and HTML reports)."""
    return sorted_environments(analysis.environments, sort_by)


def environment_spans(analysis: Analysis, environments: pd.DataFrame | None = None
                      ) -> pd.DataFrame:
    """Per environment: ``span_start_ns`` (the start of the init the first caller waited for,
    i.e. first START minus its Init Duration or Restore Duration; else the environment's
    ``init_start`` when the table has that column, e.g. a proactive init's INIT_START; else
    the first START),
    ``init_start_ns`` (that init's start, or the minimum int64 when the first invocation
    waited for none), ``init_waited`` (whether the first caller waited for that init) and
    ``span_end_ns`` (the last invocation's end), indexed like ``environments``."""
    env = analysis.environments if environments is None else environments
    inv = analysis.held_invocations
    first_start = _ns(env["first_start"])
    last_end = _ns(env["last_end"])
    init_ns = np.full(len(env), np.iinfo(np.int64).min, dtype=np.int64)
    if len(inv) and len(env):
        firsts = inv.loc[~inv.duplicated(["function", "environment"], keep="first")]
        by_key = pd.Series(range(len(firsts)), index=_keys(firsts).to_numpy())
        pos = by_key.reindex(_keys(env).to_numpy()).to_numpy()
        found = ~np.isnan(pos)
        rows = firsts.iloc[pos[found].astype(np.int64)]
        kind = rows["start_type"].to_numpy()
        wait = np.where(
            kind == "restore",
            pd.to_numeric(rows["restore_duration_ms"], errors="coerce").to_numpy(dtype=float),
            pd.to_numeric(rows["init_duration_ms"], errors="coerce").to_numpy(dtype=float),
        )
        waited = np.isin(kind, COLD_START_TYPES) & ~np.isnan(wait)
        starts = _ns(rows["start"])
        values = np.where(waited, starts - np.nan_to_num(wait * _NS_PER_MS).astype(np.int64),
                          np.iinfo(np.int64).min)
        init_ns[found] = values
    has_init = init_ns != np.iinfo(np.int64).min
    waited = has_init.copy()
    if "init_start" in env.columns:  # an INIT_START time the engine kept (proactive inits)
        kept = _ns(env["init_start"])
        use = ~has_init & (kept != np.iinfo(np.int64).min) & (kept <= first_start)
        init_ns = np.where(use, kept, init_ns)
        has_init = init_ns != np.iinfo(np.int64).min
    return pd.DataFrame(
        {
            "span_start_ns": np.where(has_init, init_ns, first_start),
            "init_start_ns": init_ns,
            "span_end_ns": last_end,
            "init_waited": waited,
        },
        index=env.index,
    )


# a function name in a timeline label longer than this keeps its start and end (the chart's
# axis cuts a long label at its end, which would hide the environment that tells rows apart)
LABEL_FUNCTION_CHARS = 28


def _row_labels(frame: pd.DataFrame) -> list[str]:
    """``function env-tail`` (the function left out when every row is of one function; a long
    name shortened in its middle), made unique with ``#2``, ``#3`` where two would read the
    same."""
    one_function = frame["function"].nunique() <= 1
    seen: dict[str, int] = {}
    labels = []
    for function, environment in zip(frame["function"], frame["environment"], strict=True):
        tail = short_environment(environment)
        name = "" if one_function and tail else middle_cut(str(function), LABEL_FUNCTION_CHARS)
        label = f"{name} {tail}".strip()
        seen[label] = seen.get(label, 0) + 1
        labels.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return labels


def middle_cut(text: str, most: int) -> str:
    """``text`` of at most ``most`` characters: a longer one keeps its start and its end
    around "…"."""
    if len(text) <= most:
        return text
    end = (most - 1) // 2
    return text[:most - 1 - end] + "…" + text[len(text) - end:]


def _failure(inv: pd.DataFrame) -> np.ndarray:
    """What went wrong in each invocation: timeout, out of memory, error or ""."""
    status = inv["status"].astype(str).to_numpy()
    oom = has_flag(inv["flags"].fillna("").astype(str), "out_of_memory").to_numpy()
    return np.select(
        [status == "timeout", oom, status == "error"], ["timeout", "out of memory", "error"],
        default="",
    )


def timeline(
    analysis: Analysis,
    top: int = 10,
    sort_by: str = "invocations",
    max_marks: int = MAX_TIMELINE_MARKS,
    bins: int = TIMELINE_BINS,
) -> dict[str, Any]:
    """The environment timeline: the ``top`` environments of the Environments table's order.

    Returns ``rows`` (one per environment: label, span, init start, counts), ``marks`` (one
    per drawn invocation: time, start type, status, failure, reason), ``bins`` (grouped warm
    successes: row, bin start and end, count) and ``events`` (the environment-level flagged
    events of the shown environments: init failures, reset loops, ...), plus ``environments``
    (all), ``shown``, ``invocations`` (of the shown environments), ``drawn``, ``grouped``,
    ``sampled`` and a ``note`` that says how they were drawn.
    """
    ordered = ordered_environments(analysis, sort_by)
    total = len(ordered)
    shown = ordered.head(max(top, 0))
    spans = environment_spans(analysis, shown)
    labels = _row_labels(shown)
    rows = _timeline_rows(shown, spans, labels)
    label_of = pd.Series(labels, index=_keys(shown).to_numpy(), dtype=object)
    inv = analysis.held_invocations
    inv = inv.loc[_keys(inv).isin(label_of.index).to_numpy()] if len(inv) else inv
    row_of = label_of.reindex(_keys(inv).to_numpy()).to_numpy() if len(inv) else np.array([])
    failure = _failure(inv) if len(inv) else np.array([], dtype=object)
    kind = inv["start_type"].astype(str).to_numpy() if len(inv) else np.array([], dtype=object)
    flags = inv["flags"].fillna("").astype(str).to_numpy() if len(inv) else kind
    plain = (kind == "warm") & (failure == "") & (flags == "")
    count = len(inv)
    grouped_rows: list[dict[str, Any]] = []
    if count > max_marks:
        drawn_mask = ~plain
        grouped_rows = _grouped(inv.loc[plain], row_of[plain], bins, spans)
    else:
        drawn_mask = np.ones(count, dtype=bool)
    drawn_index = np.flatnonzero(drawn_mask)
    sampled = len(drawn_index) > max_marks
    if sampled:
        picks = np.unique(np.linspace(0, len(drawn_index) - 1, max_marks).round().astype(int))
        drawn_index = drawn_index[picks]
    marks = _marks(text_ids(inv.iloc[drawn_index]), row_of[drawn_index], failure[drawn_index])
    events = _environment_events(analysis, label_of)
    grouped = int(plain.sum()) if grouped_rows else 0
    return {
        "environments": total,
        "shown": len(shown),
        "more": total - len(shown),
        "invocations": count,
        "drawn": len(marks),
        "grouped": grouped,
        "sampled": bool(sampled),
        "rows": rows,
        "marks": marks,
        "bins": grouped_rows,
        "events": events,
        "note": _timeline_note(total, len(shown), count, len(marks), grouped, sampled, bins)
        + _one_function_note(shown),
    }


def _timeline_rows(shown: pd.DataFrame, spans: pd.DataFrame, labels: list[str]
                   ) -> list[dict[str, Any]]:
    """One timeline row per shown environment: its label, span, init and counts."""
    return [
        {
            "row": label,
            "function": str(function),
            "environment": str(environment),
            "span_start": start,
            "span_end": end,
            "init_start": init if has_init else None,
            "init_waited": bool(waited),
            "first_start": first,
            "invocations": int(count),
            "cold_starts": int(cold),
            "failures": int(failures),
            "lifetime_s": _number(lifetime),
        }
        for label, function, environment, start, end, init, has_init, waited, first, count,
        cold, failures, lifetime in zip(
            labels, shown["function"], shown["environment"],
            _iso(spans["span_start_ns"].to_numpy()), _iso(spans["span_end_ns"].to_numpy()),
            _iso(np.maximum(spans["init_start_ns"].to_numpy(), 0)),
            (spans["init_start_ns"] != np.iinfo(np.int64).min).tolist(),
            spans["init_waited"].tolist(),
            _iso(_ns(shown["first_start"])),
            shown["invocations"], shown["cold_starts"], shown["failures"], shown["lifetime_s"],
            strict=True,
        )
    ]


def _marks(inv: pd.DataFrame, rows: np.ndarray, failure: np.ndarray) -> list[dict[str, Any]]:
    starts = _ns(inv["start"])
    duration = pd.to_numeric(inv["duration_ms"], errors="coerce").to_numpy(dtype=float)
    reasons = inv["reason"].fillna("").astype(str).tolist()
    kinds = inv["start_type"].astype(str).tolist()
    return [
        {
            "row": str(row),
            "start": start,
            "time": clock,
            "start_type": kind,
            "status": str(status),
            "failure": str(fail),
            "error_type": str(error_type or ""),
            "duration_ms": _number(ms),
            "reason": reason or ("warm: reused a ready environment" if kind == "warm" else ""),
            "request_id": str(request_id),
        }
        for row, start, clock, kind, status, fail, error_type, ms, reason, request_id in zip(
            rows, _iso(starts), _clock(starts), kinds, inv["status"], failure,
            inv["error_type"].fillna(""), duration, reasons, inv["request_id"], strict=True,
        )
    ]


def _grouped(inv: pd.DataFrame, rows: np.ndarray, bins: int, spans: pd.DataFrame
             ) -> list[dict[str, Any]]:
    """Plain warm successes counted per (row, time bin) over the shown environments' window."""
    if not len(inv):
        return []
    lo = int(spans["span_start_ns"].min())
    hi = int(spans["span_end_ns"].max())
    width = max((hi - lo) // bins + 1, 1)
    index = (_ns(inv["start"]) - lo) // width
    frame = pd.DataFrame({"row": rows, "bin": index})
    counts = frame.groupby(["row", "bin"], sort=True).size()
    bin_index = counts.index.get_level_values("bin").to_numpy(dtype=np.int64)
    starts = _iso(lo + bin_index * width)
    ends = _iso(lo + (bin_index + 1) * width)
    return [
        {"row": str(row), "start": start, "end": end, "count": int(n),
         "time": f"{start[11:19]} to {end[11:19]}"}
        for (row, _), start, end, n in zip(counts.index, starts, ends, counts, strict=True)
    ]


def _environment_events(analysis: Analysis, label_of: pd.Series) -> list[dict[str, Any]]:
    """Flagged events that belong to an environment, not to one invocation (init failures,
    reset loops, unused inits), for the shown rows."""
    events = analysis.events
    if not len(events):
        return []
    own = events.loc[events["request_id"].fillna("").astype(str) == ""]
    own = own.loc[_keys(own).isin(label_of.index).to_numpy()]
    if not len(own):
        return []
    times = _ns(own["time"])
    return [
        {"row": str(label_of[key]), "time": time, "clock": clock, "event": str(event),
         "reason": str(reason)}
        for key, time, clock, event, reason in zip(
            _keys(own), _iso(times), _clock(times), own["event"], own["reason"].fillna(""),
            strict=True,
        )
    ]


def _one_function_note(shown: pd.DataFrame) -> str:
    """Where the row labels leave the function out (``_row_labels``), the note names it."""
    names = {str(name) for name in shown["function"]}
    return f" Every row is an environment of {names.pop()}." if len(names) == 1 else ""


def _timeline_note(total: int, shown: int, invocations: int, drawn: int, grouped: int,
                   sampled: bool, bins: int) -> str:
    parts = []
    if total > shown:
        parts.append(f"The top {shown:,} of {total:,} environments (and {total - shown:,} more)"
                     f" with {invocations:,} invocations.")
    else:
        parts.append(f"All {total:,} environments with {invocations:,} invocations.")
    if grouped:
        parts.append(f"{grouped:,} plain warm invocations (success, no flag) are grouped into "
                     f"{bins} time bins per row (darker: more invocations); the other "
                     f"{drawn:,} are drawn one by one.")
    if sampled:
        parts.append(f"Only {drawn:,} of the cold, failed or flagged invocations are drawn, "
                     "evenly spaced in time order.")
    if not grouped and not sampled:
        parts.append("Every invocation is drawn.")
    return " ".join(parts)


# ------------------------------------------------------------------- over time


def _label(iso: str) -> str:
    """``2026-04-14 09:14`` from an ISO time."""
    return f"{iso[:10]} {iso[11:16]}"


def bucket_size(seconds: float) -> tuple[str, int]:
    """The bucket (name, seconds) for a window of ``seconds``: minute, hour or day."""
    for name, size, up_to in BUCKETS:
        if seconds <= up_to:
            return name, size
    return BUCKETS[-1][0], BUCKETS[-1][1]


def over_time(analysis: Analysis) -> dict[str, Any]:
    """Start types per time bucket, the cold-start rate and environments alive per bucket.

    ``counts``: one row per (bucket, start type) with invocations > 0; ``rates``: one row per
    bucket with invocations, cold starts and the cold-start rate (cold + restore + reinit over
    invocations); ``alive``: environments whose span (see :func:`environment_spans`) overlaps
    each bucket. Buckets are aligned to the UTC minute, hour or day.
    """
    inv = analysis.held_invocations
    if not len(inv):
        return {"bucket": None, "bucket_s": 0, "counts": [], "rates": [], "alive": [],
                "note": ""}
    starts = _ns(inv["start"])
    spans = environment_spans(analysis)
    lo = int(min(starts.min(), spans["span_start_ns"].min() if len(spans) else starts.min()))
    hi = int(max(_ns(inv["end"]).max(), spans["span_end_ns"].max() if len(spans) else 0))
    name, size = bucket_size((hi - lo) / 1e9)
    step = size * 1_000_000_000
    origin = lo - lo % step
    buckets = (hi - origin) // step + 1
    index = (starts - origin) // step
    codes = pd.Categorical(inv["start_type"].astype(str), categories=list(START_TYPES)).codes
    known = codes >= 0
    table = np.zeros((buckets, len(START_TYPES)), dtype=np.int64)
    np.add.at(table, (index[known], codes[known]), 1)
    edges = _iso(origin + np.arange(buckets + 1, dtype=np.int64) * step)
    counts = [
        {"start": edges[b], "end": edges[b + 1], "from": _label(edges[b]), "start_type": kind,
         "invocations": int(n)}
        for b in range(buckets)
        for k, kind in enumerate(START_TYPES)
        if (n := table[b, k])
    ]
    cold_cols = [START_TYPES.index(kind) for kind in COLD_START_TYPES]
    per_bucket = np.bincount(index, minlength=buckets)
    cold = table[:, cold_cols].sum(axis=1)
    rates = [
        {"start": edges[b], "end": edges[b + 1], "from": _label(edges[b]),
         "invocations": int(per_bucket[b]),
         "cold_starts": int(cold[b]), "cold_start_rate": float(cold[b] / per_bucket[b]),
         "cold_start_rate_text": fmt_rate(cold[b] / per_bucket[b])}
        for b in range(buckets)
        if per_bucket[b]
    ]
    alive = np.zeros(buckets + 1, dtype=np.int64)
    if len(spans):
        first = (spans["span_start_ns"].to_numpy() - origin) // step
        last = (spans["span_end_ns"].to_numpy() - origin) // step
        np.add.at(alive, first, 1)
        np.add.at(alive, last + 1, -1)
    alive = np.cumsum(alive)[:buckets]
    alive_rows = [
        {"start": edges[b], "end": edges[b + 1], "from": _label(edges[b]),
         "environments": int(alive[b])}
        for b in range(buckets)
    ]
    return {
        "bucket": name,
        "bucket_s": size,
        "counts": counts,
        "rates": rates,
        "alive": alive_rows,
        "note": f"Per {name} (UTC), {buckets:,} buckets.",
    }


# ------------------------------------------------------------------- init durations


def _histogram(values: np.ndarray) -> list[dict[str, Any]]:
    if not values.size:
        return []
    bins = int(min(MAX_HISTOGRAM_BINS, max(10, round(2 * math.sqrt(values.size)))))
    counts, edges = np.histogram(values, bins=bins)
    return [
        {"from_ms": float(edges[i]), "to_ms": float(edges[i + 1]), "inits": int(n)}
        for i, n in enumerate(counts)
    ]


def _percentile_rows(stats: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"percentile": key, "ms": float(stats[key])}
        for key in ("p50", "p90", "p99")
        if stats.get(key) is not None
    ]


def init_distribution(analysis: Analysis) -> dict[str, Any]:
    """Init (and SnapStart restore) durations by start type, with p50, p90 and p99.

    ``groups``: first ``all`` (the inits a caller waited for: the summary's
    ``init_duration_ms``, whose count, percentiles and samples it carries unchanged; inits
    ahead of demand, provisioned and proactive, only in their own groups), then one per
    start type in :data:`INIT_GROUPS` that has any (restore from Restore Duration). Each has
    ``count``, ``p50``/``p90``/``p99`` (same percentile method as the summary), a
    ``histogram`` (bins ``from_ms``, ``to_ms``, ``inits``) and ``marks`` for the rules.
    """
    inv = analysis.held_invocations
    groups: list[dict[str, Any]] = []
    if not len(inv):
        return {"groups": groups}
    overall = (analysis.summary or {}).get("init_duration_ms") or {}
    # the summary's own samples: inits a caller waited for; provisioned and proactive inits
    # (ahead of demand) have their own panels, not these bars
    all_values = init_samples(inv)[0]
    kinds = inv["start_type"].astype(str).to_numpy()
    for kind, column in INIT_GROUPS:
        values = pd.to_numeric(inv.loc[kinds == kind, column], errors="coerce").to_numpy(
            dtype=float)
        values = values[~np.isnan(values)]
        if values.size:
            label = f"{kind} (restore duration)" if kind == "restore" else kind
            groups.append(_group(kind, label, percentiles(values), values))
    if overall.get("count") and (len(groups) != 1 or groups[0]["count"] != overall["count"]):
        groups.insert(0, _group("all", "all inits", overall, all_values))
    return {"groups": groups}


def _group(key: str, label: str, stats: Mapping[str, Any], values: np.ndarray
           ) -> dict[str, Any]:
    count = int(stats.get("count") or 0)
    few = ""
    if count <= 10:
        few = "p90 and p99 are interpolated between the two largest values"
    elif count <= 100:
        few = "p99 is interpolated between the two largest values"
    return {
        "key": key,
        "label": label,
        "count": count,
        "p50": _number(stats.get("p50")),
        "p90": _number(stats.get("p90")),
        "p99": _number(stats.get("p99")),
        "max": _number(stats.get("max")),
        "histogram": _histogram(values),
        "marks": _percentile_rows(stats),
        "title": f"{label}: {fmt_int(count)} init{'s' if count != 1 else ''}, "
                 f"p50 {fmt_ms(stats.get('p50'))} ms",
        "few": few,
    }


# ------------------------------------------------------------------------- cost


def cost_by_function(cost: Mapping[str, Any] | None) -> dict[str, Any]:
    """Each function's cost split into :data:`COST_PARTS` (rows ``function``, ``part``,
    ``usd``), from ``summary["cost"]["by_function"]``. A function with no priced invocation
    has no bar and is listed in ``unpriced``; one with some unpriced is in ``partly`` (its
    bar covers the priced ones only).

    requests, INIT/restore (``init_usd``: the INIT share of duration plus SnapStart restore
    charges), provisioned allocation and SnapStart cache are the table's own amounts;
    duration is the rest of the function's ``total_usd`` (duration charges outside INIT, on
    demand and provisioned, and ephemeral storage), so the parts add up to ``total_usd``.
    """
    if not cost or not cost.get("by_function"):
        return {"rows": [], "totals": [], "unpriced": [], "partly": []}
    rows: list[dict[str, Any]] = []
    totals: list[dict[str, Any]] = []
    unpriced: list[str] = []  # no priced invocation: no bar (not a $0 one)
    partly: list[str] = []  # some unpriced: the bar leaves them out
    labels = dict(COST_PARTS)
    for record in cost["by_function"]:
        function = str(record.get("function"))
        if record.get("total_usd") is None or not record.get("priced_invocations", 1):
            unpriced.append(function)
            continue
        if record.get("unpriced_invocations"):
            partly.append(function)
        total = float(record.get("total_usd") or 0.0)
        fixed = {
            "requests": float(record.get("requests_usd") or 0.0),
            "init": float(record.get("init_usd") or 0.0),
            "provisioned": float(record.get("provisioned_allocation_usd") or 0.0),
            "snapstart_cache": float(record.get("snapstart_cache_usd") or 0.0),
        }
        parts = {"duration": total - sum(fixed.values()), **fixed}
        for key, _ in COST_PARTS:
            usd = parts[key]
            if key in ("requests", "duration", "init") or usd:
                share = usd / total if total > 0 else 0.0
                rows.append({"function": function, "part": labels[key], "usd": usd,
                             "share": share, "share_text": fmt_rate(share)})
        totals.append({"function": function, "total_usd": total})
    return {"rows": rows, "totals": totals, "unpriced": unpriced, "partly": partly}


def sweep_points(rows: Sequence[Mapping[str, Any]], label: str) -> list[dict[str, Any]]:
    """Sweep rows for a chart: the swept value as text (in the given order), cold starts,
    rate, environments, added latency p99 and cost, unchanged from the sweep."""
    out = []
    for order, row in enumerate(rows):
        out.append({
            "order": order,
            "value": label_value(str(row.get("parameter")), row.get("value")),
            "cold_starts": int(row.get("cold_starts") or 0),
            "cold_start_rate": _number(row.get("cold_start_rate")),
            "environments": int(row.get("environments") or 0),
            "added_latency_p99_ms": _number(row.get("added_latency_p99_ms")),
            "cost_usd": _number(row.get("cost_usd")),
            "parameter": label,
        })
    return out


def label_value(parameter: str, value: Any) -> str:
    """A swept value as the sweep table prints it."""
    from lamlife.reports.simulate import fmt_parameter

    return fmt_parameter(parameter, value)
