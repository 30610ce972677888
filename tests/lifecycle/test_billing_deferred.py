"""Pricing an analysis computes ``summary["cost"]`` from the priced columns one at a time and
keeps none of them; the rows get their priced columns when ``analysis.invocations`` is read
(``Analysis.deferred_prices``). The summary, the cost tables, the account table and the
priced rows are those of the table priced whole (``price_invocations``), and the reports
that show no invocation row never price the rows."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_billing_codes import GOLDEN, OPTIONS, TABLE, unpriced  # noqa: E402

import lamlife  # noqa: E402
from lamlife.lifecycle.analysis import Analysis  # noqa: E402
from lamlife.lifecycle.billing.rules import (  # noqa: E402
    BILLING_COLUMNS,
    BillingOptions,
    cost_records,
    cost_tables,
    price_analysis,
    price_invocations,
    price_summary,
)
from lamlife.lifecycle.engine.account import account_table  # noqa: E402
from lamlife.lifecycle.pipeline import with_account  # noqa: E402
from lamlife.lifecycle.schema import COST_COLUMNS  # noqa: E402
from lamlife.reports import FORMATS, render  # noqa: E402

MIXED = GOLDEN[3]  # several functions: an account table


def priced_whole(analysis: Analysis, options: BillingOptions
                 ) -> tuple[pd.DataFrame, dict[str, object]]:
    """The table priced with every column kept, and its summary["cost"] with the tables."""
    rows, cost = price_invocations(analysis.invocations, options, TABLE,
                                   analysis.input.configurations, analysis.input.regions)
    tables = cost_tables(rows, cost)
    return rows, {**cost, "by_function": cost_records(tables["by_function"]),
                  "by_start_type": cost_records(tables["by_start_type"])}


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
@pytest.mark.parametrize("options", OPTIONS, ids=["default", "region-pc-arm", "tiers-image"])
def test_deferred_prices_are_those_of_the_whole_priced_table(path: Path,
                                                             options: BillingOptions) -> None:
    plain = unpriced(path)
    rows, cost = priced_whole(plain, options)
    analysis = price_analysis(plain, options, TABLE)
    assert analysis.summary["cost"] == cost
    held = analysis.held_invocations
    assert analysis.deferred_prices is not None
    assert not set(COST_COLUMNS + BILLING_COLUMNS) & set(held.columns)
    read = analysis.invocations  # priced now, once
    assert analysis.deferred_prices is None
    assert analysis.invocations is read and analysis.held_invocations is read
    pd.testing.assert_frame_equal(read, rows)
    assert read.attrs == rows.attrs
    assert list(read.columns) == [*held.columns, *COST_COLUMNS, *BILLING_COLUMNS]


@pytest.mark.parametrize("options", OPTIONS, ids=["default", "region-pc-arm", "tiers-image"])
def test_the_account_table_reads_the_cost_sums_while_rows_are_unpriced(
        options: BillingOptions) -> None:
    plain = unpriced(MIXED)
    assert plain.invocations["function"].nunique() > 1
    rows, _cost = priced_whole(plain, options)
    analysis = with_account(price_analysis(plain, options, TABLE))
    assert analysis.deferred_prices is not None and analysis.account is not None
    expected = account_table(rows, plain.environments)
    assert expected["cost_usd"].notna().all()
    pd.testing.assert_frame_equal(analysis.account, expected)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "csv"])
def test_reports_that_show_no_row_leave_the_rows_unpriced(fmt: str) -> None:
    analysis = with_account(price_analysis(unpriced(MIXED), BillingOptions(), TABLE))
    text = render(analysis, fmt)
    assert analysis.deferred_prices is not None
    priced = with_account(price_analysis(unpriced(MIXED), BillingOptions(), TABLE))
    priced.invocations  # noqa: B018 - priced before rendering, as before deferring
    assert render(priced, fmt) == text


@pytest.mark.parametrize("fmt,invocations", [("csv", False), ("json", True)])
def test_reports_that_show_rows_price_them(fmt: str, invocations: bool) -> None:
    analysis = price_analysis(unpriced(GOLDEN[0]), BillingOptions(), TABLE)
    text = render(analysis, fmt, include_invocations=invocations)
    assert analysis.deferred_prices is None
    assert "cost_usd" in text and "unpriced_reason" in text


def test_the_api_prices_invocations_on_first_read() -> None:
    result = lamlife.analyze(str(GOLDEN[1]))
    assert result.analysis is not None and result.analysis.deferred_prices is not None
    assert result.summary["cost"]["total_usd"] > 0
    assert "cost_usd" not in result.analysis.held_invocations.columns
    inv = result.invocations
    assert result.analysis.deferred_prices is None
    assert {"cost_usd", "init_cost_usd", "priced_as"} <= set(inv.columns)
    assert result.invocations is inv is result.analysis.invocations
    assert inv["cost_usd"].sum() == pytest.approx(result.summary["cost"]["total_usd"])


def varied_analysis() -> Analysis:
    """Rows of every pricing path: Lambda@Edge, Lambda Managed Instances, SnapStart Python
    restores, ephemeral storage above 512 MB, 2019's 100 ms granularity, Billed Duration
    computed (none logged), provisioned concurrency, memory unknown, a Region the built-in
    table lacks prices for."""
    from billing_rows import invocations

    from lamlife.lifecycle.analysis import InputStats

    rows = invocations(
        dict(function="a", start_type="cold", duration_ms=101.5, billed_duration_ms=350.0,
             init_duration_ms=248.7),
        dict(function="a", duration_ms=12.25, billed_duration_ms=13.0),
        dict(function="a", start="2019-06-01T00:00:00Z", duration_ms=619.31,
             start_type="cold", init_duration_ms=300.0),
        dict(function="a", duration_ms=5.0, memory_mb=float("nan")),
        dict(function="us-east-1.edge", environment="e1", duration_ms=40.0,
             billed_duration_ms=40.0, start_type="cold", init_duration_ms=120.0),
        dict(function="lmi", environment="m1", duration_ms=30.0,
             init_type="lambda-managed-instances"),
        dict(function="snap", environment="s1", start_type="restore", duration_ms=80.0,
             billed_duration_ms=80.0, restore_duration_ms=400.0,
             billed_restore_duration_ms=250.0, runtime_version="python:3.12.v7",
             init_type="snap-start"),
        dict(function="pc", environment="p1", start_type="provisioned", duration_ms=20.0,
             billed_duration_ms=20.0, init_type="provisioned-concurrency"),
        dict(function="pc", environment="p1", duration_ms=21.0, billed_duration_ms=21.0),
        dict(function="disk", environment="d1", duration_ms=1000.0,
             billed_duration_ms=1000.0),
        dict(function="far", environment="f1", duration_ms=10.0, billed_duration_ms=10.0),
    ).sort_values(["function", "environment", "start"], kind="stable").reset_index(drop=True)
    configurations = {"disk": {"ephemeral_storage_mb": 2048}, "pc": {"memory_mb": 512},
                      "far": {"region": "xx-nowhere-1"}}
    empty = pd.DataFrame()
    return Analysis(rows, empty, empty, empty, {},
                    InputStats(configurations=configurations))


@pytest.mark.parametrize("options", [*OPTIONS, BillingOptions(provisioned=1)],
                         ids=["default", "region-pc-arm", "tiers-image", "provisioned"])
def test_deferred_prices_of_every_pricing_path(options: BillingOptions) -> None:
    plain = varied_analysis()
    rows, cost = priced_whole(plain, options)
    assert set(rows["priced_as"]) >= {"edge", "lmi"}
    analysis = price_analysis(plain, options, TABLE)
    assert analysis.summary["cost"] == cost
    pd.testing.assert_frame_equal(analysis.invocations, rows)


def test_price_summary_is_price_invocations_cost() -> None:
    plain = varied_analysis()
    options = BillingOptions(monthly_gb_seconds=5.99999e9)
    _rows, cost = price_invocations(plain.invocations, options, TABLE,
                                    plain.input.configurations)
    assert price_summary(plain.invocations, options, TABLE,
                         plain.input.configurations) == cost


@pytest.mark.parametrize("args", [("--format", "json"), ("--format", "markdown"),
                                  ("--format", "table"), ("--format", "html")])
def test_the_command_prices_no_row_for_a_report_without_rows(
        args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import lamlife.cli.main  # noqa: F401  (registers the commands)
    from lamlife.cli.app import app
    from lamlife.lifecycle.billing import rules

    expected = CliRunner().invoke(app, ["analyze", str(MIXED), *args])
    assert expected.exit_code == 0 and "cost" in expected.stdout.lower()

    def no_rows(*_args: object, **_kwargs: object) -> pd.DataFrame:
        raise AssertionError("the rows were priced")

    monkeypatch.setattr(rules, "_with_prices", no_rows)
    result = CliRunner().invoke(app, ["analyze", str(MIXED), *args])
    assert result.exit_code == 0, result.output
    assert result.stdout == expected.stdout
    rows = CliRunner().invoke(app, ["analyze", str(MIXED), "--format", "csv"])
    assert isinstance(rows.exception, AssertionError)
