"""The account-level view: one row per function, to rank many functions by what their cold
starts cost them.

Built from the invocation table (and, once billing priced it, its ``init_cost_usd`` and
``cost_usd`` columns) and the environment table. Rankings are sorts of this table; which
rows a report shows (``--top N``) is the renderer's choice.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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
    "init_share",  # float: init_cost_usd / cost_usd, NaN when not priced or no cost
    "reset_loops",  # int: environments flagged reset_loop
    "failures",  # int: timeout + error invocations
)

RANKINGS: dict[str, tuple[str, ...]] = {
    # ranking -> sort keys, all descending, then the function name
    "by_init_cost": ("init_cost_usd", "init_ms"),
    "by_cold_start_rate": ("cold_start_rate", "cold_starts"),
    "by_reset_loops": ("reset_loops", "failures"),
}


def account_table(invocations: pd.DataFrame, environments: pd.DataFrame) -> pd.DataFrame:
    """One row per function (ACCOUNT_COLUMNS), ordered by function name."""
    if invocations.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ACCOUNT_COLUMNS})
    inv = invocations
    cold = inv["start_type"].isin(COLD_START_TYPES)
    init_ms = inv["init_duration_ms"].fillna(0.0).where(cold, 0.0)
    if "restore_duration_ms" in inv:
        init_ms = init_ms + inv["restore_duration_ms"].fillna(0.0).where(cold, 0.0)
    work = pd.DataFrame({
        "function": inv["function"].astype(str),
        "cold": cold,
        "init_ms": init_ms,
        "failed": inv["status"].isin(("timeout", "error")),
        "environment": inv["environment"].where(inv["environment"] != ""),
    })
    priced = "init_cost_usd" in inv and "cost_usd" in inv
    if priced:
        work["init_cost_usd"] = inv["init_cost_usd"].astype(float)
        work["cost_usd"] = inv["cost_usd"].astype(float)
    g = work.groupby("function", sort=True, observed=True)
    out = pd.DataFrame({
        "invocations": g.size(),
        "environments": g["environment"].nunique(),
        "cold_starts": g["cold"].sum(),
        "init_ms": g["init_ms"].sum(),
        "failures": g["failed"].sum(),
    })
    out["cold_start_rate"] = out["cold_starts"] / out["invocations"]
    if priced:
        out["init_cost_usd"] = g["init_cost_usd"].sum(min_count=1)
        out["cost_usd"] = g["cost_usd"].sum(min_count=1)
        out["init_share"] = out["init_cost_usd"] / out["cost_usd"].where(out["cost_usd"] > 0)
    else:
        out["init_cost_usd"] = out["cost_usd"] = out["init_share"] = np.nan
    loops = pd.Series(0, index=out.index, dtype=np.int64)
    if not environments.empty:
        flagged = environments[has_flag(environments["flags"], "reset_loop").to_numpy()]
        counts = flagged.groupby(flagged["function"].astype(str)).size()
        loops = loops.add(counts, fill_value=0).astype(np.int64)
    out["reset_loops"] = loops
    out = out.reset_index()
    for column in ("invocations", "environments", "cold_starts", "failures", "reset_loops"):
        out[column] = out[column].astype(np.int64)
    return out[list(ACCOUNT_COLUMNS)]


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
