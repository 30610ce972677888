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


def test_fixed_charges_are_in_the_total_and_the_init_share() -> None:
    # a carries a provisioned-concurrency allocation of $0.95 and b a SnapStart cache of
    # $0.005 (billing's attrs on a priced table): a's total is 0.050 + 0.95 = 1.0 and its
    # INIT share 0.010 / 1.0 = 1 %, as the cost-by-function table has it (not 0.010 / 0.050);
    # b's is 0.005 / (0.010 + 0.005); c has no fixed charge
    inv = INVOCATIONS.copy()
    inv.attrs["billing_fixed_usd"] = {"provisioned_allocation_usd": {"a": 0.95},
                                      "snapstart_cache_usd": {"b": 0.005}}
    rows = {r["function"]: r for r in account_table(inv, ENVIRONMENTS).to_dict("records")}
    assert math.isclose(rows["a"]["cost_usd"], 0.050)
    assert math.isclose(rows["a"]["total_usd"], 1.0)
    assert math.isclose(rows["a"]["init_share"], 0.01)
    assert math.isclose(rows["b"]["total_usd"], 0.015)
    assert math.isclose(rows["b"]["init_share"], 1 / 3)
    assert math.isclose(rows["c"]["total_usd"], 0.001) and rows["c"]["init_share"] == 0.0


def test_fixed_charges_from_the_deferred_costs() -> None:
    # the account table of an analysis whose rows are not priced reads billing's sums,
    # fixed charges among them; a function with no priced invocation has its fixed charges
    # for a total and no INIT share (unknown), as in the cost-by-function table
    unpriced = INVOCATIONS.drop(columns=["cost_usd", "init_cost_usd"])
    costs = pd.DataFrame({"init_cost_usd": [0.010, NAN, 0.0], "cost_usd": [0.050, NAN, 0.001],
                          "priced_invocations": [4, 0, 1], "fixed_usd": [0.95, 0.2, 0.0]},
                         index=pd.Index(["a", "b", "c"], name="function"))
    rows = {r["function"]: r for r in account_table(unpriced, ENVIRONMENTS, costs)
            .to_dict("records")}
    assert math.isclose(rows["a"]["total_usd"], 1.0)
    assert math.isclose(rows["a"]["init_share"], 0.01)
    assert rows["b"]["total_usd"] == 0.2 and math.isnan(rows["b"]["init_share"])
    assert rows["b"]["unpriced_invocations"] == 2
    assert rows["c"]["total_usd"] == 0.001 and rows["c"]["init_share"] == 0.0
