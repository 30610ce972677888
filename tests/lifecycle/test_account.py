"""The account-level table: one row per function, numbers worked out by hand."""

from __future__ import annotations

import math

import pandas as pd

from lamlife.lifecycle.engine.account import ACCOUNT_COLUMNS, account_table, ranked

NAN = float("nan")


def _inv(rows: list[tuple[str, str, str, str, float, float, float]]) -> pd.DataFrame:
    """(function, environment, start_type, status, init_ms, cost_usd, init_cost_usd)."""
    return pd.DataFrame(
        [{"function": f, "environment": e, "start_type": st, "status": s,
          "init_duration_ms": i, "restore_duration_ms": NAN, "cost_usd": c,
          "init_cost_usd": ic} for f, e, st, s, i, c, ic in rows])


INVOCATIONS = _inv([
    # a: 4 invocations in 2 environments, 2 cold (200 + 300 ms init), 1 timeout then reinit
    ("a", "e1", "cold", "success", 200.0, 0.010, 0.004),
    ("a", "e1", "warm", "timeout", NAN, 0.020, 0.0),
    ("a", "e1", "reinit", "success", NAN, 0.010, 0.0),
    ("a", "e2", "cold", "success", 300.0, 0.010, 0.006),
    # b: 2 invocations, 1 environment, 1 cold start (100 ms), 1 error
    ("b", "e3", "cold", "error", 100.0, 0.005, 0.005),
    ("b", "e3", "warm", "success", NAN, 0.005, 0.0),
    # c: 1 warm invocation without environment
    ("c", "", "warm", "success", NAN, 0.001, 0.0),
])
ENVIRONMENTS = pd.DataFrame({"function": ["a", "a", "b"], "environment": ["e1", "e2", "e3"],
                             "flags": ["reset_loop", "", ""]})


def test_account_table_by_hand() -> None:
    table = account_table(INVOCATIONS, ENVIRONMENTS)
    assert list(table.columns) == list(ACCOUNT_COLUMNS)
    rows = {r["function"]: r for r in table.to_dict(orient="records")}
    a, b, c = rows["a"], rows["b"], rows["c"]
    assert (a["invocations"], a["environments"], a["cold_starts"]) == (4, 2, 3)
    assert a["cold_start_rate"] == 0.75
    assert a["init_ms"] == 500.0  # the reinit's init time is not in the log here
    assert math.isclose(a["init_cost_usd"], 0.010)
    assert math.isclose(a["cost_usd"], 0.050)
    assert math.isclose(a["init_share"], 0.2)
    assert (a["reset_loops"], a["failures"]) == (1, 1)
    assert (b["cold_starts"], b["init_ms"], b["failures"], b["reset_loops"]) == (1, 100.0, 1, 0)
    assert math.isclose(b["init_share"], 0.5)
    assert (c["environments"], c["cold_starts"], c["init_share"]) == (0, 0, 0.0)


def test_rankings() -> None:
    table = account_table(INVOCATIONS, ENVIRONMENTS)
    assert ranked(table, "by_init_cost")["function"].tolist() == ["a", "b", "c"]
    assert ranked(table, "by_cold_start_rate")["function"].tolist() == ["a", "b", "c"]
    assert ranked(table, "by_reset_loops")["function"].tolist() == ["a"]
    assert ranked(table, "by_init_cost", top=1)["function"].tolist() == ["a"]


def test_unpriced_table_ranks_by_init_time() -> None:
    unpriced = INVOCATIONS.drop(columns=["cost_usd", "init_cost_usd"])
    unpriced.loc[unpriced["function"] == "b", "init_duration_ms"] = 900.0
    table = account_table(unpriced, ENVIRONMENTS)
    assert table["init_cost_usd"].isna().all() and table["init_share"].isna().all()
    assert ranked(table, "by_init_cost")["function"].tolist() == ["b", "a", "c"]
