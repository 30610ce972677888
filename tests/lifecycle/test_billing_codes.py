"""Pricing reads the invocation table through integer codes: the same answer whether its
string columns are object, ``str`` or Categorical, and the invocation table is not copied."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from billing_rows import invocations  # noqa: E402

from lamlife.lifecycle.analysis import Analysis  # noqa: E402
from lamlife.lifecycle.billing.prices import load_builtin  # noqa: E402
from lamlife.lifecycle.billing.rules import (  # noqa: E402
    BillingOptions,
    _codes,
    cost_tables,
    price_analysis,
    price_invocations,
)
from lamlife.lifecycle.pipeline import AnalyzeOptions, analysis_from_observed, observe  # noqa: E402
from lamlife.reports.csv_report import render_csv  # noqa: E402
from lamlife.reports.json_report import render_json  # noqa: E402
from lamlife.reports.markdown_report import render_markdown  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data"
GOLDEN = [
    DATA / "readers" / "tail-short" / "orders-short.log",
    DATA / "readers" / "tail-detailed" / "orders.log",
    DATA / "readers" / "sam" / "java-orders.log",  # SnapStart restores
    DATA / "readers" / "mixed",
    DATA / "check" / "payments.log",
    DATA / "check" / "payments-unknown-region.jsonl",
]
# The low-cardinality string columns of the invocation table.
STRING_COLUMNS = ("function", "version", "environment", "start_type", "reason", "status",
                  "error_type", "init_type", "runtime_version", "flags")
OPTIONS = [
    BillingOptions(),
    BillingOptions(region="eu-west-1", provisioned=2, architecture="arm64"),
    BillingOptions(monthly_gb_seconds=5.99999e9, package="image", runtime="python3.12"),
]
TABLE = load_builtin()


def unpriced(path: Path) -> Analysis:
    options = AnalyzeOptions()
    return analysis_from_observed(observe([str(path)], options), [str(path)], options)


def categorical(analysis: Analysis) -> Analysis:
    frame = analysis.invocations.copy()
    for name in STRING_COLUMNS:
        frame[name] = frame[name].astype("category")
    return replace(analysis, invocations=frame)


def rendered(analysis: Analysis) -> tuple[str, str, str]:
    return (render_json(analysis, include_invocations=True), render_csv(analysis),
            render_markdown(analysis))


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
@pytest.mark.parametrize("options", OPTIONS, ids=["default", "region-pc-arm", "tiers-image"])
def test_categorical_string_columns_price_identically(path: Path, options: BillingOptions
                                                      ) -> None:
    plain = unpriced(path)
    as_categories = categorical(plain)
    assert isinstance(as_categories.invocations["function"].dtype, pd.CategoricalDtype)
    priced = price_analysis(plain, options, TABLE)
    priced_categories = price_analysis(as_categories, options, TABLE)
    assert priced.summary["cost"]["invocations"] == len(plain.invocations) > 0
    assert priced_categories.summary["cost"] == priced.summary["cost"]
    assert rendered(priced_categories) == rendered(priced)


def test_str_dtype_and_object_columns_price_identically() -> None:
    plain = unpriced(GOLDEN[0])
    as_object = replace(plain, invocations=plain.invocations.astype(
        {name: object for name in STRING_COLUMNS}))
    as_str = replace(plain, invocations=plain.invocations.astype(
        {name: "str" for name in STRING_COLUMNS}))
    expected = rendered(price_analysis(as_object, BillingOptions(), TABLE))
    assert rendered(price_analysis(as_str, BillingOptions(), TABLE)) == expected


def test_the_invocation_table_is_shared_not_copied() -> None:
    rows = invocations(
        {"function": "a", "start_type": "cold", "duration_ms": 100.0,
         "billed_duration_ms": 350.0, "init_duration_ms": 250.0},
        {"function": "a", "duration_ms": 20.0, "billed_duration_ms": 20.0},
    )
    before = rows.copy()
    priced, _ = price_invocations(rows, BillingOptions(), TABLE)
    pd.testing.assert_frame_equal(rows, before)  # the input is left as it was
    assert np.shares_memory(priced["duration_ms"].to_numpy(), rows["duration_ms"].to_numpy())
    assert list(priced["priced_as"]) == ["on-demand", "on-demand"]
    # 250 ms of init billed: (350 - 100) / 1000 s x 0.125 GB x $0.0000166667
    assert priced["init_cost_usd"].iloc[0] == pytest.approx(0.25 * 0.125 * 0.0000166667)


def test_priced_string_columns_are_categorical_and_read_as_strings() -> None:
    rows = invocations(
        {"function": "b", "duration_ms": 10.0, "billed_duration_ms": 10.0},
        {"function": "a", "duration_ms": 10.0, "billed_duration_ms": 10.0,
         "memory_mb": float("nan")},
    )
    priced, _ = price_invocations(rows, BillingOptions(region="eu-west-1"), TABLE)
    for name in ("priced_as", "region", "region_from", "unpriced_reason"):
        assert isinstance(priced[name].dtype, pd.CategoricalDtype), name
        categories = list(priced[name].cat.categories)
        assert categories == sorted(categories), name  # sorts as the strings would
    assert list(priced["priced_as"]) == ["on-demand", "unpriced"]
    assert list(priced["region"]) == ["eu-west-1", "eu-west-1"]
    assert list(priced["region_from"]) == ["option", "option"]
    assert list(priced["unpriced_reason"]) == ["", "memory size or duration unknown"]
    by_fn = cost_tables(priced, {})["by_function"]
    assert list(by_fn["function"]) == ["a", "b"]
    assert list(by_fn["unpriced_invocations"]) == [1, 0]


@pytest.mark.parametrize("kind", ["object", "str", "category"])
def test_codes_merge_missing_with_empty(kind: str) -> None:
    column = pd.Series(["x", None, "", "y", "x", None], dtype=object).astype(kind)
    for codes in (_codes(column), _codes(column, in_order=True)):
        assert [codes.names[c] for c in codes.codes] == ["x", "", "", "y", "x", ""]
        assert sorted(codes.names) == ["", "x", "y"]
        assert codes.names[codes.na] == ""
        assert list(codes.isin("x", "y")) == [True, False, False, True, True, False]
    assert _codes(column, in_order=True).names == ["x", "", "y"]  # first appearance
    assert _codes(pd.Series(["a", "b"], dtype=kind)).na == -1


def test_codes_in_order_leave_out_unused_categories() -> None:
    column = pd.Series(pd.Categorical(["b", "a", "b"], categories=["a", "b", "unused"]))
    assert _codes(column).names == ["a", "b", "unused"]  # the Categorical's own codes
    in_order = _codes(column, in_order=True)
    assert in_order.names == ["b", "a"]
    assert list(in_order.codes) == [0, 1, 0]
