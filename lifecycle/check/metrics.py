"""Flat, named numbers from an analysis summary: what budgets and baselines talk about.

``flat_metrics`` turns the nested ``summary`` dict (the JSON contract in DESIGN.md) into
``{metric name: float}``. The names are derived from whatever numbers the summary holds, so a
number added to the summary later becomes a metric (and limitable) without touching this file:

- a top-level number ``k`` is ``k`` (``invocations``, ``cold_start_rate``, ``timeouts``, ...);
- ``start_types.<type>`` is ``start_type_<type>`` (``start_type_cold``, ``start_type_warm``,
  ...; plain ``cold_starts`` is already the cold + restore + reinit total);
- a statistics dict whose key ends in ``_ms`` gives ``<stem>_<stat>_ms`` and ``<stem>_count``,
  where the stem is the key without ``_ms`` and without a trailing ``_duration``:
  ``init_duration_ms.p95`` is ``init_p95_ms``, ``duration_ms.p50`` is ``duration_p50_ms``,
  ``init_duration_ms.count`` is ``init_count``, ``restore_duration_ms.p95`` is
  ``restore_p95_ms``;
- ``cost.<k>`` is ``cost_<k>`` (``cost_total_usd``, ...), plus the aliases
  ``cost_per_million_usd`` (= ``cost.per_million_invocations_usd``), ``init_cost_usd``
  (= ``cost.init_usd``) and ``init_cost_share`` (= ``init_usd / total_usd``, 0 when the total
  is 0);
- any other nested dict of numbers ``a.b`` is ``a_b`` (deeper levels join the same way).

Booleans and strings are not metrics. A statistic that is ``None`` or NaN (no init seen, so no
init percentile) stays a metric with the value NaN: "no data", which fails a budget's limit
unless the budget allows it (``allow_no_data``). An analysis without any invocation has no data
for any metric but ``invocations`` (``without_invocations``): a rate of 0 or a cost of 0 from
an empty log window is not a measurement.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from lamlife.lifecycle.billing.amounts import clean_amount
from lamlife.lifecycle.schema import FUNCTION_COLUMNS, START_TYPES

# The documented metric names and what they mean. Names outside this table are still valid
# when the summary produces them (see the module docstring); names inside it that a given
# analysis does not produce get an explanation instead of "unknown".
METRIC_DOCS: dict[str, str] = {
    "invocations": "invocations analyzed",
    "environments": "execution environments that served at least one invocation",
    "cold_starts": "invocations that waited for an init or restore (cold + restore + reinit)",
    "cold_start_rate": "cold_starts / invocations (0 to 1)",
    "timeouts": "invocations that timed out",
    "errors": "invocations that ended in an error (timeouts not included)",
    "out_of_memory": "invocations that ran out of memory (a subset of errors)",
    "init_failures": "init reports whose status was error or timeout",
    "reset_loops": "environments flagged reset_loop (repeated failure and re-init)",
    "unused_inits": "environments initialized ahead of demand that served no invocation",
    "incomplete": "invocations with a START but no REPORT",
    **{f"start_type_{t}": f"invocations whose start type is {t}" for t in START_TYPES},
    "init_count": "inits with a known duration that a caller waited for (not provisioned or "
                  "proactive ones)",
    "init_p50_ms": "median init duration a caller waited for (ms)",
    "init_p90_ms": "90th percentile init duration a caller waited for (ms)",
    "init_p95_ms": "95th percentile init duration a caller waited for (ms)",
    "init_p99_ms": "99th percentile init duration a caller waited for (ms)",
    "init_max_ms": "longest init duration a caller waited for (ms)",
    "init_ahead_of_demand_count": "provisioned and proactive inits with a known duration",
    **{f"init_ahead_of_demand_{stat}_ms": f"{label} init duration ahead of demand "
                                          "(provisioned, proactive; ms)"
       for stat, label in (("p50", "median"), ("p90", "90th percentile"),
                           ("p95", "95th percentile"), ("p99", "99th percentile"),
                           ("max", "longest"))},
    "restore_count": "SnapStart restores with a known Restore Duration",
    **{f"restore_{stat}_ms": f"{label} SnapStart Restore Duration (ms)"
       for stat, label in (("p50", "median"), ("p90", "90th percentile"),
                           ("p95", "95th percentile"), ("p99", "99th percentile"),
                           ("max", "longest"))},
    "duration_count": "invocations with a duration",
    "duration_p50_ms": "median invocation duration (ms)",
    "duration_p90_ms": "90th percentile invocation duration (ms)",
    "duration_p95_ms": "95th percentile invocation duration (ms)",
    "duration_p99_ms": "99th percentile invocation duration (ms)",
    "duration_max_ms": "longest invocation duration (ms)",
    "cost_total_usd": "estimated cost of the analyzed invocations (USD)",
    "cost_per_million_usd": "estimated cost per million invocations (USD)",
    "init_cost_usd": "the INIT/restore share of the cost (USD)",
    "init_cost_share": "init_cost_usd / cost_total_usd (0 to 1; 0 when the cost is 0)",
}

# Aliases computed from summary["cost"]: name -> the cost key it copies.
COST_ALIASES: dict[str, str] = {
    "cost_per_million_usd": "per_million_invocations_usd",
    "init_cost_usd": "init_usd",
}

# Statistics of a ``*_ms`` dict that are counts, not milliseconds.
_COUNT_STATS = frozenset({"count", "n"})

# Per-function table columns that can stand in for summary statistics the summary lacks.
_FUNCTION_PERCENTILE_COLUMNS: tuple[str, ...] = tuple(
    c for c in FUNCTION_COLUMNS if c == "init_count" or c.endswith("_ms"))


def _number(value: Any) -> float | None:
    """``value`` as a float when it is a number (not a bool), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    # numpy scalars and similar
    if hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iuf":
        return float(value)
    return None


def _stats_stem(key: str) -> str:
    stem = key[: -len("_ms")]
    if stem.endswith("_duration"):
        stem = stem[: -len("_duration")]
    return stem or "duration"


def _flatten(prefix: str, value: Any, out: dict[str, float]) -> None:
    """Add the numbers under a nested dict ``value`` (reached by key ``prefix``) to ``out``."""
    if not isinstance(value, Mapping):
        return
    for key, inner in value.items():
        key = str(key)
        if prefix.endswith("_ms"):
            stem = _stats_stem(prefix)
            name = f"{stem}_{key}" if key in _COUNT_STATS else f"{stem}_{key}_ms"
        elif prefix == "start_types":
            name = f"start_type_{key}"
        else:
            name = f"{prefix}_{key}"
        if isinstance(inner, Mapping):
            _flatten(name, inner, out)
            continue
        number = _number(inner)
        if number is not None:
            out[name] = number
        elif inner is None and (prefix.endswith("_ms") or name in METRIC_DOCS):
            out[name] = math.nan


def _cost_aliases(cost: Any, out: dict[str, float]) -> None:
    if not isinstance(cost, Mapping):
        return
    for alias, key in COST_ALIASES.items():
        number = _number(cost.get(key))
        if number is not None:
            out[alias] = number
    total = _number(cost.get("total_usd"))
    init = _number(cost.get("init_usd"))
    if total is not None and init is not None:
        # rounded as the summary's cost.init_share is (docs/billing.md, "Amounts")
        out["init_cost_share"] = clean_amount(init / total) if total else 0.0


def flat_metrics(
    summary: Mapping[str, Any], functions: pd.DataFrame | None = None
) -> dict[str, float]:
    """Every number of ``summary`` under a flat metric name (see the module docstring).

    ``functions`` is the per-function table; when it has exactly one row, its percentile
    columns fill the statistics the summary does not carry (per-function percentiles of
    several functions cannot be combined, so they are not used then).
    """
    out: dict[str, float] = {}
    for key, value in summary.items():
        key = str(key)
        if isinstance(value, Mapping):
            _flatten(key, value, out)
            continue
        number = _number(value)
        if number is not None:
            out[key] = number
        elif value is None and key in METRIC_DOCS:
            out[key] = math.nan
    _cost_aliases(summary.get("cost"), out)
    if functions is not None and len(functions) == 1:
        row = functions.iloc[0]
        for column in _FUNCTION_PERCENTILE_COLUMNS:
            if column in functions.columns and column not in out:
                number = _number(row[column])
                out[column] = math.nan if number is None else number
    return out


def without_invocations(metrics: Mapping[str, float]) -> dict[str, float]:
    """The metrics of an analysis that saw no invocation: ``invocations`` stays (0), a count
    that saw something (``init_failures`` > 0, ``unused_inits`` > 0) keeps it, and every
    other metric (rates, percentiles, costs, zero counts) is NaN: no data."""
    return {
        name: value if name == "invocations" or (value == value and value != 0) else math.nan
        for name, value in metrics.items()
    }


def is_cost_metric(name: str) -> bool:
    """True for the metrics that come from ``summary["cost"]`` (they need billing)."""
    return name.startswith("cost_") or name in ("init_cost_usd", "init_cost_share")


def cost_without_data(metrics: Mapping[str, float]) -> dict[str, float]:
    """``metrics`` with every cost metric NaN ("no data"), the documented ones included even
    when the summary had no cost to name them: what an analysis whose cost is unknown (a
    price missing, pricing failed) measures. A baseline writes them as ``null`` and a check's
    ``max_increase`` on one of them then has no baseline value (docs/check.md)."""
    out = {name: math.nan if is_cost_metric(name) else value for name, value in metrics.items()}
    out.update({name: math.nan for name in METRIC_DOCS if is_cost_metric(name)})
    return out


def cost_metric_count(metrics: Mapping[str, float]) -> int:
    """How many of ``metrics`` are cost metrics."""
    return sum(1 for name in metrics if is_cost_metric(name))


def missing_metric_reason(name: str) -> str:
    """Why a documented metric can be absent from an analysis's metrics."""
    if is_cost_metric(name):
        return "cost metrics need billing, which this analysis did not compute"
    if name.endswith("_ms") or name.endswith("_count"):
        return "this analysis's summary carries no such statistic"
    return "this analysis's summary does not produce it"


def valid_metric_names(available: Iterable[str] = ()) -> list[str]:
    """The documented names plus the ones an analysis produced, sorted."""
    return sorted(set(METRIC_DOCS) | set(available))
