"""The account-level view: one row per function, to rank many functions by what their cold
starts cost them.

Built from the invocation table (and, once billing priced it, its ``init_cost_usd`` and
``cost_usd`` columns) and the environment table. Rankings are sorts of this table; which
rows a report shows (``--top N``) is the renderer's choice.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from lamlife.lifecycle.billing.amounts import clean_amounts
from lamlife.lifecycle.engine.coded import run_starts
from lamlife.lifecycle.engine.summarize import has_flag
from lamlife.lifecycle.schema import COLD_START_TYPES

ACCOUNT_COLUMNS: tuple[str, ...] = (
    "function",
    "invocations",
    "environments",
    "cold_starts",  # cold + restore + reinit
    "cold_start_rate",  # cold_starts / invocations
    "init_ms",  # float: summed init / restore time of the function's cold starts (ms)
    "init_cost_usd",  # float: the INIT/restore share of the cost, NaN when not priced
    "cost_usd",  # float: all invocations, NaN when not priced
    "total_usd",  # float: cost_usd plus the function's fixed charges (provisioned-concurrency
    # allocation, SnapStart cache): its total in the cost-by-function table; NaN when neither
    "init_share",  # float: init_cost_usd / total_usd, NaN when not priced or no cost
    "unpriced_invocations",  # int: priced, but left unpriced (no price, memory unknown); the
    # cost columns cover the other invocations only (0 when pricing did not run)
    "reset_loops",  # int: environments flagged reset_loop
    "failures",  # int: timeout + error invocations
)

RANKINGS: dict[str, tuple[str, ...]] = {
    # ranking -> sort keys, all descending, then the function name
    "by_init_cost": ("init_cost_usd", "init_ms"),
    "by_cold_start_rate": ("cold_start_rate", "cold_starts"),
    "by_reset_loops": ("reset_loops", "failures"),
}


def account_table(invocations: pd.DataFrame, environments: pd.DataFrame,
                  costs: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per function (ACCOUNT_COLUMNS), ordered by function name.

    Grouped by the function column's own codes where it is a sorted Categorical (the observed
    engine's table), by its strings otherwise; the per-row work is a few bool arrays and one
    float array of init time (8 bytes a row), the cost columns are read in place. A table
    without them takes the cost of each function from ``costs`` when given (index: function
    name; columns init_cost_usd and cost_usd, summed as here: what billing computed while it
    left the rows unpriced, ``Analysis.deferred_prices``; a ``priced_invocations`` column
    there gives ``unpriced_invocations``, as a NaN ``cost_usd`` does in the rows).

    The charges no invocation carries (provisioned-concurrency allocation, SnapStart cache)
    come from ``costs["fixed_usd"]``, or for a priced table from the
    ``attrs["billing_fixed_usd"]`` billing sets on it; ``total_usd`` adds them to
    ``cost_usd``, and ``init_share`` is ``init_cost_usd / total_usd``: the one definition of
    INIT share every report uses (docs/billing.md, "INIT share")."""
    if invocations.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ACCOUNT_COLUMNS})
    inv = invocations
    fn_codes, fn_names = _function_codes(inv["function"])
    cold = _isin(inv["start_type"], COLD_START_TYPES)
    columns = {"init_ms": _init_ms(inv, cold)}
    priced = "init_cost_usd" in inv and "cost_usd" in inv
    if priced:  # read in place (setting them on a frame would copy them)
        columns["init_cost_usd"] = inv["init_cost_usd"].to_numpy(dtype=float)
        columns["cost_usd"] = inv["cost_usd"].to_numpy(dtype=float)
    work = pd.DataFrame(columns, copy=False)
    del columns
    g = work.groupby(fn_codes, sort=True)  # codes in name order: groups in name order
    out = pd.DataFrame({"invocations": g.size(), "init_ms": g["init_ms"].sum()})
    # counts of the few cold and failed rows by function code (no per-row cast to int64)
    out["cold_starts"] = _count_by(fn_codes, cold, len(fn_names))[out.index]
    failed = _isin(inv["status"], ("timeout", "error"))
    out["failures"] = _count_by(fn_codes, failed, len(fn_names))[out.index]
    del cold, failed
    out["environments"] = _named_environments(fn_codes, len(fn_names),
                                              inv["environment"])[out.index]
    out.index = pd.Index([fn_names[k] for k in out.index], dtype=str, name="function")
    out["cold_start_rate"] = out["cold_starts"] / out["invocations"]
    out["unpriced_invocations"] = 0
    fixed = pd.Series(0.0, index=out.index)
    if priced:
        out["init_cost_usd"] = g["init_cost_usd"].sum(min_count=1).to_numpy()
        out["cost_usd"] = g["cost_usd"].sum(min_count=1).to_numpy()
        out["unpriced_invocations"] = (g.size() - g["cost_usd"].count()).to_numpy()
        fixed = fixed_by_function(inv.attrs.get("billing_fixed_usd"), out.index)
    elif costs is not None:
        for column in ("init_cost_usd", "cost_usd"):
            out[column] = costs[column].reindex(out.index).to_numpy(dtype=float)
        if "priced_invocations" in costs:
            out["unpriced_invocations"] = out["invocations"] - costs[
                "priced_invocations"].reindex(out.index).fillna(0).to_numpy(dtype=np.int64)
        if "fixed_usd" in costs:
            fixed = costs["fixed_usd"].reindex(out.index).fillna(0.0).astype(float)
    if priced or costs is not None:
        with_fixed(out, fixed)
    else:
        out["init_cost_usd"] = out["cost_usd"] = out["total_usd"] = out["init_share"] = np.nan
    del g, work
    loops = pd.Series(0, index=out.index, dtype=np.int64)
    if not environments.empty:
        flagged = environments[has_flag(environments["flags"], "reset_loop").to_numpy()]
        counts = flagged.groupby(flagged["function"].astype(str)).size()
        loops = loops.add(counts, fill_value=0).astype(np.int64)
    out["reset_loops"] = loops
    out = out.reset_index()
    for column in ("invocations", "environments", "cold_starts", "failures", "reset_loops",
                   "unpriced_invocations"):
        out[column] = out[column].astype(np.int64)
    return out[list(ACCOUNT_COLUMNS)]


def fixed_by_function(fixed: Mapping[str, Mapping[str, float]] | None,
                      functions: pd.Index) -> pd.Series:
    """Per function of ``functions``: the sum of its fixed charges in USD (billing's
    ``{"provisioned_allocation_usd": {function: usd}, "snapstart_cache_usd": {...}}``),
    0 for a function without any."""
    out = pd.Series(0.0, index=functions)
    for by_function in (fixed or {}).values():
        out = out.add(pd.Series(by_function, dtype=float).reindex(functions).fillna(0.0),
                      fill_value=0.0)
    return out


def with_fixed(table: pd.DataFrame, fixed: pd.Series | np.ndarray) -> None:
    """Set ``total_usd`` (``cost_usd`` plus ``fixed``, the function's fixed charges in USD,
    row by row) and ``init_share`` (``init_cost_usd / total_usd``; NaN when the INIT cost is
    unknown or the total is 0) on an account table, in place. A function with no priced
    invocation has a total only when it has fixed charges, as in the cost-by-function
    table.

    The four amounts are rounded as every amount is (``billing.amounts.clean_amounts``,
    docs/billing.md "Amounts"), the share computed before rounding as the cost-by-function
    table computes it, so that a function's figures here equal its cost-by-function row."""
    extra = np.asarray(fixed, dtype=float)
    cost = table["cost_usd"].to_numpy(dtype=float)
    init = table["init_cost_usd"].to_numpy(dtype=float)
    total = np.where(np.isnan(cost), np.where(extra > 0, extra, np.nan), cost + extra)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, init / np.where(total > 0, total, 1.0), np.nan)
    table["init_cost_usd"] = clean_amounts(init)
    table["cost_usd"] = clean_amounts(cost)
    table["total_usd"] = clean_amounts(total)
    table["init_share"] = clean_amounts(share)


def _function_codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Per-row function codes and the names they stand for, codes in name order: a sorted
    Categorical's own codes (no string per row), any other column factorized as strings (a
    missing name groups as "nan")."""
    dtype = column.dtype
    if (isinstance(dtype, pd.CategoricalDtype) and dtype.categories.is_monotonic_increasing
            and dtype.categories.is_unique and (len(column) == 0
                                                or column.array.codes.min() >= 0)):
        return column.array.codes, [str(f) for f in dtype.categories]
    codes, names = pd.factorize(column.astype(str), sort=True)
    return codes, [str(f) for f in names]


def _count_by(codes: np.ndarray, rows: np.ndarray, size: int) -> np.ndarray:
    """Per code (0 .. size - 1): how many of ``rows`` (bool per row) have it."""
    return np.bincount(codes[rows], minlength=size)


def _isin(column: pd.Series, labels: tuple[str, ...]) -> np.ndarray:
    """Per row: is the value one of ``labels`` (bool array; a Categorical read by its codes)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        per_code = [c in labels for c in column.cat.categories] + [False]  # [-1]: missing
        return np.array(per_code, dtype=bool)[column.array.codes]
    return column.isin(labels).to_numpy()


def _named_environments(fn_codes: np.ndarray, functions: int,
                        environment: pd.Series) -> np.ndarray:
    """Per function code: how many distinct environments other than "" (or missing) its rows
    name. Read from the runs of rows of one (function, environment): one run each in a table
    ordered by function and environment, a few where it is not."""
    if isinstance(environment.dtype, pd.CategoricalDtype):
        env_codes, env_names = environment.array.codes, list(environment.cat.categories)
    else:
        env_codes, uniques = pd.factorize(environment, use_na_sentinel=True)
        env_names = list(uniques)
    starts = run_starts(fn_codes, env_codes)
    width = len(env_names) + 1  # env code -1 (missing) counts as one more value
    keys = np.unique(fn_codes[starts].astype(np.int64) * width + env_codes[starts] + 1)
    fn_of, env_of = keys // width, keys % width - 1
    named = np.array([str(e) != "" for e in env_names] + [False], dtype=bool)[env_of]
    return np.bincount(fn_of[named], minlength=functions)


def _init_ms(inv: pd.DataFrame, cold: np.ndarray) -> np.ndarray:
    """Per row: the init time plus the restore time of a cold start, 0 otherwise (ms; a
    missing time counts 0). One new float array; the restore time is added in place."""
    init_ms = inv["init_duration_ms"].to_numpy(dtype=float, copy=True)
    init_ms[np.isnan(init_ms) | ~cold] = 0.0
    if "restore_duration_ms" in inv:
        restore = inv["restore_duration_ms"].to_numpy(dtype=float)
        np.add(init_ms, restore, out=init_ms, where=cold & ~np.isnan(restore))
    return init_ms


def ranked(table: pd.DataFrame, ranking: str, top: int | None = None) -> pd.DataFrame:
    """The table in one ranking's order (largest first; NaN last; ties by function name);
    ``by_reset_loops`` keeps only functions with a reset loop. ``top`` keeps the first rows."""
    keys = RANKINGS[ranking]
    frame = table
    if ranking == "by_reset_loops":
        frame = frame[frame["reset_loops"] > 0]
    frame = frame.sort_values([*keys, "function"], ascending=[False] * len(keys) + [True],
                              na_position="last", kind="stable")
    if top is not None:
        frame = frame.head(top)
    return frame.reset_index(drop=True)
