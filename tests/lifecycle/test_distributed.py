"""An analysis cut into per-function parts (what Spark's executors compute) and merged
again (what the driver does) equals the local analysis: every golden input, unpriced and
priced, with a time window and with --function. No Spark here: these are the pure pandas
halves of ``lamlife.lifecycle.spark.analyze_unit_rows``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from hypothesis import given, settings
from hypothesis import strategies as st
from same_json import close  # noqa: E402

from lamlife.lifecycle.billing.prices import load_table
from lamlife.lifecycle.billing.rules import BillingOptions
from lamlife.lifecycle.distributed import (
    PartOptions,
    function_part,
    merge_notes,
    merge_parts,
    percentiles_of_counts,
    pricing_window,
)
from lamlife.lifecycle.engine.summarize import column_percentiles, percentiles
from lamlife.lifecycle.pipeline import (
    AnalyzeOptions,
    TimeWindow,
    analyze_paths,
    narrow,
    observe,
    time_window,
)
from lamlife.reports import render

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "readers"
EVERYTHING = [str(ROOT / "examples" / "orders.log"),
              *sorted(str(p.parent) for p in DATA.glob("*/expected.json")),
              str(ROOT / "tests" / "data" / "check")]


def merged(paths: list[str], options: AnalyzeOptions) -> Any:
    """What the Spark engine computes, with pandas: parts per function, then the merge."""
    observed = observe(paths, options)
    inv, orphans = observed.invocations, observed.orphan_events
    names = inv["function"].unique()
    probe = pd.DataFrame({"function": names, "start": pd.Series(
        pd.NaT, index=range(len(names)), dtype="datetime64[ns, UTC]")})
    _probe, orphans, _n = narrow(probe, orphans, options)
    if options.select:
        inv = inv[inv["function"].isin(options.select)]
    inside, _events, _left = narrow(inv, [], AnalyzeOptions(window=options.window))
    billing = options.billing
    if billing is not None:
        last = pd.concat([inside["start"], inside["end"]]).max() if len(inside) else None
        billing = pricing_window(billing, observed.stats.configurations,
                                 inside["start"].min() if len(inside) else None, last)
    part_options = PartOptions(
        window=options.window, billing=billing, table=options.price_table,
        configurations=observed.stats.configurations, regions=observed.stats.regions,
        orphan_init_failures={e.function: [o.environment for o in orphans
                                           if o.function == e.function
                                           and o.event == "init_failure"]
                              for e in orphans})
    parts = [function_part(group.reset_index(drop=True), part_options)
             for _name, group in inv.groupby("function", sort=False)]
    distributions = column_percentiles(inside)
    span = (inv["start"].min(), inv["start"].max()) if len(inv) else None
    return merge_parts(parts, observed.stats, orphans, distributions, options, span)


PRICED = {"billing": BillingOptions(), "price_table": load_table()}


@pytest.mark.parametrize("kind", ["plain", "priced", "window", "select", "region"])
def test_parts_merged_equal_the_local_analysis(kind: str) -> None:
    options = {
        "plain": AnalyzeOptions(),
        "priced": AnalyzeOptions(**PRICED),
        "window": AnalyzeOptions(window=time_window("2026-04-14T09:10:00Z",
                                                    "2026-04-14T09:40:00Z"), **PRICED),
        "select": AnalyzeOptions(select=("orders", "payments"), **PRICED),
        "region": AnalyzeOptions(billing=BillingOptions(region="eu-west-1"),
                                 price_table=load_table()),
    }[kind]
    local_analysis, merged_analysis = analyze_paths(EVERYTHING, options), merged(EVERYTHING,
                                                                                  options)
    local = json.loads(render(local_analysis, "json"))
    mine = json.loads(render(merged_analysis, "json"))
    assert local["summary"]["invocations"] > 20
    if kind in ("plain", "priced"):
        assert len(local["functions"]) > 10  # many functions: the merge has work to do
    for key in local:
        assert close(mine[key], local[key]), key
    if kind != "plain":
        assert mine["summary"]["cost"]["total_usd"] > 0
    if kind == "priced":  # and the rendered report, to the last printed digit
        assert render(merged_analysis, "markdown") == render(local_analysis, "markdown")
    if kind == "window":
        assert local["summary"]["window"]["left_out"] > 0


def test_a_window_that_leaves_out_everything_says_so_in_both() -> None:
    window = TimeWindow(since_ms=4102444800000.0)  # 2100-01-01
    options = AnalyzeOptions(window=window, **PRICED)
    local = analyze_paths(EVERYTHING, options)
    mine = merged(EVERYTHING, options)
    assert mine.summary["invocations"] == 0
    assert [w for w in mine.input.warnings if "left out all" in w] == [
        w for w in local.input.warnings if "left out all" in w] != []
    assert close(mine.summary["cost"], local.summary["cost"])


COST = ROOT / "tests" / "data" / "cost"
PC_FETCH = str(COST / "provisioned-payments.jsonl")  # payments, provisioned_concurrency: 2
PC_TAIL = str(COST / "payments-tail.log")  # payments-tail: a provisioned env, level unknown


@pytest.mark.parametrize("paths", [
    [PC_FETCH, PC_TAIL],
    [PC_TAIL],
    [PC_FETCH],
    [str(ROOT / "tests" / "data" / "reports" / "all-funcs-provisioned.jsonl"),
     str(ROOT / "examples" / "orders.log")],  # the new-user trial's two files
], ids=["fetch-and-plain-log", "plain-log", "fetch", "trial"])
def test_provisioned_inputs_merge_as_the_local_analysis(paths: list[str]) -> None:
    # A function on provisioned environments with its level unknown: both say so in the
    # notes, neither calls the cost incomplete (no price is missing); before, the merge
    # listed the level note in "incomplete" and warned "cost incomplete" where a local run
    # did not. The account view's INIT share counts the allocation in both.
    options = AnalyzeOptions(**PRICED)
    local_analysis, merged_analysis = analyze_paths(paths, options), merged(paths, options)
    local = json.loads(render(local_analysis, "json"))
    mine = json.loads(render(merged_analysis, "json"))
    for key in local:
        assert close(mine[key], local[key]), key
    assert mine["summary"]["cost"]["incomplete"] == local["summary"]["cost"]["incomplete"] == []
    assert merged_analysis.input.warnings == local_analysis.input.warnings
    level_unknown = ("provisioned concurrency allocation not priced: level unknown "
                     "(pass --provisioned N)")
    assert (level_unknown in mine["summary"]["cost"]["notes"]) == (PC_TAIL in paths)
    if "account" in local:
        assert {r["function"]: r["init_share"] for r in mine["account"]["by_init_cost"]} == {
            r["function"]: r["init_share"] for r in local["account"]["by_init_cost"]}
    assert render(merged_analysis, "markdown") == render(local_analysis, "markdown")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1e6, allow_nan=False),
                          st.sampled_from([0.0, 1.5, 2.25, float("nan")])), max_size=40))
def test_percentiles_from_counts_are_numpys(values: list[float]) -> None:
    arr = np.asarray(values, dtype=float)
    distinct, counts = np.unique(arr[~np.isnan(arr)], return_counts=True)
    assert percentiles_of_counts(distinct[::-1], counts[::-1]) == percentiles(arr)


def test_notes_keep_their_order_sum_their_counts_and_join_their_lists() -> None:
    a = ["a: architecture arm64 from its fetched configuration (not --architecture x)",
         "3 invocations had no Billed Duration in the input: computed",
         "free tier not applied"]
    b = ["--region eu-west-1 used instead of the Region in the input (b us-east-1)",
         "b: architecture arm64 from its fetched configuration (not --architecture x)",
         "4 invocations had no Billed Duration in the input: computed",
         "free tier not applied"]
    c = ["--region eu-west-1 used instead of the Region in the input (c us-west-2)",
         "free tier not applied"]
    assert merge_notes([a, b, c]) == [
        "a: architecture arm64 from its fetched configuration (not --architecture x)",
        "--region eu-west-1 used instead of the Region in the input (b us-east-1; "
        "c us-west-2)",
        "b: architecture arm64 from its fetched configuration (not --architecture x)",
        "7 invocations had no Billed Duration in the input: computed",
        "free tier not applied"]
