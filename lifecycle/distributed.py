"""An analysis in per-function parts, and the parts merged: what lets Spark price and
aggregate the invocation rows where they are, so that only aggregates reach the driver.

Pure pandas (no Spark here): ``function_part`` runs on an executor over one function's
invocation table and returns that function's share of every report table, priced by
``billing.rules.price_invocations`` (the same rules as a local run); ``merge_parts`` runs on
the driver and joins the parts into the ``Analysis`` ``pipeline.analyze_paths`` gives for
the same input. Every table the report shows is per function (environments, functions, the
account view, cost by function) or a sum of per-function counts, so a part holds it whole;
what is not (the duration percentiles of the whole input, the pricing window) is given by
the caller (Spark computes both exactly over all rows).

Like the pipeline, this module wires rooms together; it never prints.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.analysis import Analysis, InputStats
from lamlife.lifecycle.billing.prices import PriceTable
from lamlife.lifecycle.billing.rules import (
    MISSING_SIZE,
    BillingOptions,
    billing_window,
    clean_amount,
    cost_records,
    cost_tables,
    function_setups,
    incomplete_notes,
    price_invocations,
    size_unknown_warnings,
)
from lamlife.lifecycle.engine.account import account_table, fixed_by_function, with_fixed
from lamlife.lifecycle.engine.replay import OrphanEvent
from lamlife.lifecycle.engine.summarize import (
    PERCENTILES,
    column_percentiles,
    empty_invocations,
    environments_table,
    events_table,
    functions_table,
    has_flag,
    summary_dict,
)
from lamlife.lifecycle.errors import LamlifeError
from lamlife.lifecycle.pipeline import AnalyzeOptions, TimeWindow, narrow
from lamlife.lifecycle.schema import ENVIRONMENT_COLUMNS

# summary["cost"] amounts that add up over functions (each rounded again after the sum)
_SUMMED_AMOUNTS: tuple[str, ...] = (
    "total_usd", "requests_usd", "duration_usd", "edge_duration_usd", "provisioned_usd",
    "provisioned_duration_usd", "restore_usd", "snapstart_cache_usd", "ephemeral_storage_usd",
    "init_usd", "init_duration_usd", "init_billed_ms", "init_billed_gb_s", "init_unbilled_ms",
    "init_unbilled_gb_s", "init_usd_at_current_rules", "gb_seconds")
_SUMMED_COUNTS: tuple[str, ...] = (
    "invocations", "priced_invocations", "unpriced_invocations", "billed_observed",
    "billed_computed", "timeout_capped", "lmi_invocations", "edge_invocations",
    "provisioned_invocations", "unbilled_init_invocations", "memory_from_environment")
_COUNTED_NOTE = re.compile(r"^(\d+) (.+)$", re.S)
_LISTED_NOTE = re.compile(r"^(.+) \((.+)\)$", re.S)


@dataclass
class PartOptions:
    """What every executor needs to build a function's part (small: sent with the task)."""

    window: TimeWindow | None = None  # --since/--until
    billing: BillingOptions | None = None  # with the analysed window of the whole input set
    table: PriceTable | None = None
    configurations: dict[str, dict[str, Any]] = field(default_factory=dict)
    regions: dict[str, dict[str, str]] = field(default_factory=dict)
    # function -> environments of its failed inits that belong to no invocation
    orphan_init_failures: dict[str, list[str]] = field(default_factory=dict)


def pricing_window(options: BillingOptions, configurations: dict[str, dict[str, Any]],
                   first_start: pd.Timestamp | None, last_time: pd.Timestamp | None
                   ) -> BillingOptions:
    """``options`` with the analysed window ``price_invocations`` would find over all the
    invocations (``first_start``: their earliest start, ``last_time``: their latest start or
    end), so that every function's part prices its fixed charges over the same window."""
    probe = pd.DataFrame({"start": pd.Series([first_start], dtype="datetime64[ns, UTC]"),
                          "end": pd.Series([last_time], dtype="datetime64[ns, UTC]")})
    if first_start is None:
        probe = probe.iloc[:0]
    start, end, _seconds = billing_window(probe, options, configurations)
    return replace(options, window_start=start, window_end=end)


def percentiles_of_counts(values: np.ndarray, counts: np.ndarray) -> dict[str, Any]:
    """``summarize.percentiles`` of a table of distinct values and how often each occurs
    (what Spark sends instead of every value): the same numbers, computed as
    ``numpy.percentile`` computes them (linear between closest ranks: for the rank
    (n - 1) x q, a + (b - a) x g, or b - (b - a) x (1 - g) from g = 0.5 on)."""
    values = np.asarray(values, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.int64)
    keep = ~np.isnan(values) & (counts > 0)
    values, counts = values[keep], counts[keep]
    n = int(counts.sum())
    out: dict[str, Any] = {"count": n}
    if n == 0:
        out.update({f"p{p}": None for p in PERCENTILES})
        out["max"] = None
        return out
    order = np.argsort(values, kind="stable")
    values, ends = values[order], np.cumsum(counts[order])
    virtual = (n - 1) * np.true_divide(np.asarray(PERCENTILES, dtype=np.float64), 100)
    below = np.floor(virtual)
    gamma = virtual - below
    low = below.astype(np.int64)
    high = np.minimum(low + 1, n - 1)
    a = values[np.searchsorted(ends, low, side="right")]
    b = values[np.searchsorted(ends, high, side="right")]
    diff = b - a
    result = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    out.update({f"p{p}": round(float(q), 3) for p, q in zip(PERCENTILES, result, strict=True)})
    out["max"] = round(float(values[-1]), 3)
    return out


def function_part(invocations: pd.DataFrame, options: PartOptions) -> dict[str, Any]:
    """One function's share of the analysis.

    ``invocations``: one function's invocation table (``INVOCATION_COLUMNS``, causes
    explained, as ``pipeline.observed_invocations`` gives it). Returns a dict of plain
    values and small DataFrames: ``left_out`` (invocations outside ``options.window``),
    ``summary`` (``summary_dict`` of the function), ``environments``, ``functions``,
    ``rows`` (the invocations ``events_table`` reads and the first of every version),
    ``account`` (its row), and when priced ``cost`` (``summary["cost"]`` of the
    function), ``by_function`` (its cost row) and ``by_start_type`` (sums per start
    type), or ``problem`` (why pricing failed)."""
    function = str(invocations["function"].iloc[0]) if len(invocations) else ""
    inv, _events, left_out = narrow(invocations, [], AnalyzeOptions(window=options.window))
    part: dict[str, Any] = {"function": function, "left_out": left_out}
    envs = environments_table(inv)
    orphans = [(function, env) for env in options.orphan_init_failures.get(function, [])]
    part["environments"] = envs
    whole = column_percentiles(inv)  # the summary's, and the function's one version's
    part["functions"] = functions_table(inv, envs, orphans, whole=whole)
    part["summary"] = summary_dict(inv, envs, whole=whole)
    # what events_table reads, and one invocation of every version (the report names a
    # function or version once when there is one)
    part["rows"] = inv[(inv["status"] != "success")
                       | inv["start_type"].isin(("reinit", "proactive"))
                       | (inv["init_failures"] > 0)
                       | has_flag(inv["flags"], "reset_loop")
                       | ~inv["version"].astype(str).duplicated()].reset_index(drop=True)
    priced = inv
    if options.billing is not None and options.table is not None and len(inv):
        try:
            priced, cost = price_invocations(inv, options.billing, options.table,
                                             options.configurations, options.regions)
        except LamlifeError as exc:
            part["problem"] = str(exc)
        else:
            part["cost"] = cost
            part["amounts"] = _amounts(priced, function, options)
    part["account"] = account_table(priced, envs)
    return part


# the columns of a priced invocation table that cost_tables and the summary's totals read
_AMOUNT_COLUMNS: tuple[str, ...] = (
    "function", "region", "priced_as", "start_type", "gb_seconds", "request_usd",
    "duration_usd", "restore_fee_usd", "init_cost_usd", "cost_usd", "init_unbilled_ms",
    "init_billed_ms")


def _amounts(priced: pd.DataFrame, function: str, options: PartOptions) -> pd.DataFrame:
    """The per-invocation amounts ``cost_tables`` and the cost summary's GB-s and ms totals
    add up (a dozen numbers and labels, not the invocation row).

    Floating-point sums depend on the order of the terms: these columns go to the driver
    so that it adds them in the order a local run does, and every printed digit is the
    same (money alone is rounded enough to be summed per function)."""
    assert options.billing is not None
    setup = function_setups([function], options.billing, options.configurations,
                             options.regions, [])[function]
    memory = priced["memory_mb"].to_numpy(dtype=float)
    memory = np.where(np.isnan(memory), setup.memory_mb, memory)  # as price_invocations
    out = pd.DataFrame({c: priced[c].to_numpy() for c in _AMOUNT_COLUMNS})
    for c in ("function", "region", "priced_as", "start_type"):
        out[c] = out[c].astype(str).astype("category")
    out["request_id"] = 0  # cost_tables counts rows with it
    out["gb_mb"] = memory
    out.attrs = dict(priced.attrs)
    return out


def merge_parts(parts: Sequence[dict[str, Any]], stats: InputStats,
                orphan_events: Sequence[OrphanEvent], distributions: dict[str, dict[str, Any]],
                options: AnalyzeOptions, span: tuple[pd.Timestamp, pd.Timestamp] | None = None
                ) -> Analysis:
    """The Analysis of every function's part (``function_part``), in function-name order.

    ``distributions``: ``summary["init_duration_ms"]``, ``["init_ahead_of_demand_ms"]``,
    ``["restore_duration_ms"]`` and ``["duration_ms"]`` of all the invocations
    (``summarize.column_percentiles`` of the whole table, one entry per
    ``summarize.PERCENTILE_COLUMNS``); ``span``: the earliest and
    latest start before the time window (for the warning when the window left out all).
    ``orphan_events`` are those of the analysed functions. The returned ``invocations``
    table holds only the invocations ``events`` is made of and the first invocation of
    every function version; the summary and the other tables count all of them. Pricing
    problems become warnings as in ``pipeline.price``."""
    parts = sorted(parts, key=lambda p: p["function"])
    kept = [p["rows"] for p in parts if len(p["rows"])]
    invocations = pd.concat(kept, ignore_index=True) if kept else empty_invocations()
    envs = [p["environments"] for p in parts if len(p["environments"])]
    environments = (pd.concat(envs, ignore_index=True) if envs else
                    pd.DataFrame({c: pd.Series(dtype=object) for c in ENVIRONMENT_COLUMNS}))
    analysed = {p["function"] for p in parts}
    left_out = sum(int(p["left_out"]) for p in parts)
    n = sum(int(p["summary"]["invocations"]) for p in parts)
    if left_out and n == 0 and span is not None:
        from lamlife.lifecycle.pipeline import iso_z

        stats.warnings.append(
            f"the time window left out all {left_out} invocation(s): the input runs from "
            f"{iso_z(span[0])} to {iso_z(span[1])} (relative --since/--until count "
            "back from now)")
    extra = [{"time": pd.Timestamp(e.time_ms, unit="ms", tz="UTC"), "function": e.function,
              "environment": e.environment, "request_id": "", "event": e.event,
              "reason": e.reason} for e in orphan_events]
    summary = _merged_summary([p["summary"] for p in parts], distributions, orphan_events)
    summary["reset_loops"] = (int(has_flag(environments["flags"], "reset_loop").sum())
                              if not environments.empty else 0)
    summary["incomplete"] = stats.incomplete
    analysis = Analysis(
        invocations=invocations,
        environments=environments,
        functions=_merged_functions(parts, analysed, orphan_events),
        events=events_table(invocations, extra),
        summary=summary,
        input=stats,
    )
    if options.window is not None:
        analysis.summary["window"] = {**options.window.as_dict(), "left_out": left_out}
    accounts = [p["account"] for p in parts if len(p["account"])]
    if len(accounts) > 1:
        analysis.account = pd.concat(accounts, ignore_index=True)
    if options.billing is not None and options.price_table is not None:
        _merge_cost(analysis, parts, options)
    return analysis


def _merged_summary(summaries: list[dict[str, Any]], distributions: dict[str, dict[str, Any]],
                    orphan_events: Sequence[OrphanEvent]) -> dict[str, Any]:
    out = summary_dict(empty_invocations(), pd.DataFrame(),
                       orphan_init_failures=sum(1 for e in orphan_events
                                                if e.event == "init_failure"),
                       unused_inits=sum(1 for e in orphan_events if e.event == "unused_init"))
    for part in summaries:
        for key, value in part.items():
            if key in ("cold_start_rate", "unused_inits", "incomplete", "reset_loops"):
                continue
            if isinstance(value, dict) and key not in distributions:
                for k, v in value.items():
                    out[key][k] = out[key].get(k, 0) + v
            elif isinstance(value, int) and not isinstance(value, bool):
                out[key] += value
    n = out["invocations"]
    out["cold_start_rate"] = out["cold_starts"] / n if n else 0.0
    out.update({k: dict(v) for k, v in distributions.items()})
    return out


def _merged_functions(parts: Sequence[dict[str, Any]], analysed: set[str],
                      orphan_events: Sequence[OrphanEvent]) -> pd.DataFrame:
    """Every function's rows, and rows of functions with failed inits and no invocation."""
    frames = [p["functions"] for p in parts if len(p["functions"])]
    lonely = [(e.function, e.environment) for e in orphan_events
              if e.event == "init_failure" and e.function not in analysed]
    if lonely:
        frames.append(functions_table(empty_invocations(), pd.DataFrame(), lonely))
    if not frames:
        return functions_table(empty_invocations(), pd.DataFrame())
    out = pd.concat(frames, ignore_index=True)
    order = sorted(range(len(out)), key=lambda i: (str(out["function"].iloc[i]),
                                                   str(out["version"].iloc[i])))
    return out.iloc[order].reset_index(drop=True)


def _merge_cost(analysis: Analysis, parts: Sequence[dict[str, Any]],
                options: AnalyzeOptions) -> None:
    """summary["cost"] from the functions' costs, and the warnings ``pipeline.price`` adds."""
    problems = [p["problem"] for p in parts if "problem" in p]
    costs = [p for p in parts if "cost" in p]
    if problems:
        if options.strict_billing:
            raise LamlifeError(problems[0])
        analysis.input.warnings.append(f"cost not computed: {problems[0]}")
        return
    if not costs:  # no invocation left: the cost of nothing, as price_invocations says it
        assert options.billing is not None and options.price_table is not None
        priced, empty = price_invocations(empty_invocations(), options.billing,
                                          options.price_table,
                                          analysis.input.configurations,
                                          analysis.input.regions)
        tables = cost_tables(priced, empty)
        empty["by_function"] = cost_records(tables["by_function"])
        empty["by_start_type"] = cost_records(tables["by_start_type"])
        analysis.summary["cost"] = empty
        return
    cost = merge_costs([p["cost"] for p in costs])
    frames = [p["amounts"] for p in costs]
    amounts = pd.concat([f.astype({c: str for c in ("function", "region", "priced_as",
                                                     "start_type")}) for f in frames],
                        ignore_index=True)
    fixed: dict[str, dict[str, float]] = {}
    for frame in frames:
        for kind, by_function in frame.attrs.get("billing_fixed_usd", {}).items():
            fixed.setdefault(kind, {}).update(by_function)
    amounts.attrs["billing_fixed_usd"] = fixed
    # the totals a local run sums over every row (billing.rules._summary), in its order
    memory = amounts.pop("gb_mb").to_numpy()
    billed = amounts["init_billed_ms"].to_numpy(dtype=float)
    unbilled = amounts["init_unbilled_ms"].to_numpy()
    cost["gb_seconds"] = clean_amount(float(np.nansum(amounts["gb_seconds"].to_numpy(
        dtype=float))))
    cost["init_billed_ms"] = clean_amount(float(np.nansum(billed)))
    cost["init_billed_gb_s"] = clean_amount(float(np.nansum(billed / 1000.0 * memory
                                                            / 1024.0)))
    cost["init_unbilled_ms"] = clean_amount(float(amounts["init_unbilled_ms"].sum()))
    cost["init_unbilled_gb_s"] = clean_amount(float(np.nansum(unbilled / 1000.0 * memory
                                                              / 1024.0)))
    tables = cost_tables(amounts, cost)
    cost["by_function"] = cost_records(tables["by_function"])
    cost["by_start_type"] = cost_records(tables["by_start_type"])
    if analysis.account is not None:  # its cost columns summed as account_table sums them
        g = amounts.assign(init_cost_usd=amounts["init_cost_usd"].astype(float),
                           cost_usd=amounts["cost_usd"].astype(float)).groupby("function")
        account = analysis.account
        account["init_cost_usd"] = account["function"].map(
            g["init_cost_usd"].sum(min_count=1))
        account["cost_usd"] = account["function"].map(g["cost_usd"].sum(min_count=1))
        with_fixed(account, fixed_by_function(fixed, pd.Index(account["function"])))
        account["unpriced_invocations"] = account["invocations"] - account["function"].map(
            g["cost_usd"].count()).fillna(0).astype("int64")
    analysis.summary["cost"] = cost
    for reason in cost.get("incomplete", []):
        analysis.input.warnings.append(f"cost incomplete, unpriced: {reason}")
    analysis.input.warnings.extend(size_unknown_warnings(cost))


def merge_costs(costs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One ``summary["cost"]`` from the per-function ones ``price_invocations`` returned
    (the same analysed window and options for every function): amounts and counts summed,
    lists joined, ratios computed again from the sums, notes merged in the order each part
    lists them (a note that counts invocations, ``N ...``, counts them all)."""
    first = costs[0]
    out: dict[str, Any] = {k: v for k, v in first.items() if k not in ("by_function",
                                                                      "by_start_type")}
    for key in _SUMMED_AMOUNTS:
        out[key] = clean_amount(sum(float(c[key]) for c in costs))
    for key in _SUMMED_COUNTS:
        out[key] = sum(int(c[key]) for c in costs)
    allocations = [c["provisioned_allocation_usd"] for c in costs
                   if c["provisioned_allocation_usd"] is not None]
    out["provisioned_allocation_usd"] = (clean_amount(sum(allocations)) if allocations
                                         else None)
    total = out["total_usd"]
    out["total_usd_at_current_rules"] = clean_amount(total + out["init_usd_at_current_rules"])
    out["init_share"] = clean_amount(out["init_usd"] / total) if total > 0 else 0.0
    priced = out["priced_invocations"]
    out["per_million_invocations_usd"] = (clean_amount(total / priced * 1e6) if priced > 0
                                          else 0.0)
    out["unpriced"] = [g for c in costs for g in c["unpriced"]]
    out["provisioned_concurrency"] = {k: v for c in costs
                                      for k, v in c["provisioned_concurrency"].items()}
    out["notes"] = merge_notes([c["notes"] for c in costs])
    groups = sorted({f"{g['function']}: {g['reason']}" for g in out["unpriced"]
                     if g["reason"] != MISSING_SIZE})
    out["incomplete"] = groups + incomplete_notes(out["notes"])  # as a local run lists them
    pricing = dict(first["pricing"])
    regions = sorted({r for c in costs for r in c["pricing"]["regions"]})
    archs = sorted({a for c in costs for a in c["pricing"]["architectures"]})
    pricing["regions"], pricing["architectures"] = regions, archs
    pricing["region"] = regions[0] if len(regions) == 1 else "mixed"
    pricing["architecture"] = archs[0] if len(archs) == 1 else "mixed"
    pricing["function_regions"] = {k: v for c in costs
                                   for k, v in c["pricing"]["function_regions"].items()}
    defaults = list(dict.fromkeys(d for c in costs for d in c["pricing"]["defaults"]))
    pricing["defaults"] = sorted(defaults, key=lambda d: not d.startswith("region "))
    pricing["approximate"] = sorted({a for c in costs for a in c["pricing"]["approximate"]})
    out["pricing"] = pricing
    return out


def merge_notes(lists: Sequence[Sequence[str]]) -> list[str]:
    """Notes of several parts as one list: each part's order kept (a note new to the merge
    goes before the next note of its part that is already there), a repeated note once,
    ``N text`` notes with the same text summed, ``text (a)`` and ``text (b)`` joined as
    ``text (a; b)``."""
    merged: list[str] = []

    def key(note: str) -> tuple[str, str]:
        counted = _COUNTED_NOTE.match(note)
        if counted:
            return ("count", counted.group(2))
        listed = _LISTED_NOTE.match(note)
        if listed:
            return ("list", listed.group(1))
        return ("same", note)

    for notes in lists:
        keys = [key(n) for n in notes]
        for i, note in enumerate(notes):
            found = next((j for j, m in enumerate(merged) if key(m) == keys[i]), None)
            if found is not None:
                old = merged[found]
                kind = keys[i][0]
                if kind == "count":
                    total = int(_COUNTED_NOTE.match(old).group(1)) + int(  # type: ignore[union-attr]
                        _COUNTED_NOTE.match(note).group(1))  # type: ignore[union-attr]
                    merged[found] = f"{total} {keys[i][1]}"
                elif kind == "list" and old != note:
                    items = _LISTED_NOTE.match(note).group(2)  # type: ignore[union-attr]
                    merged[found] = f"{old[:-1]}; {items})"
                continue
            later = [next((j for j, m in enumerate(merged) if key(m) == k), None)
                     for k in keys[i + 1:]]
            at = next((j for j in later if j is not None), len(merged))
            merged.insert(at, note)
    return merged
