"""Printing or comparing an analysis never prices its rows (``Analysis.deferred_prices``).

examples/orders.log (examples/README.md): 28 invocations in 4 execution environments, 5 cold
starts (cold 3, reinit 2) and 5 flagged events. Pricing it defers the per-row priced columns;
``repr`` and ``==`` must leave them deferred: they read the tables as held.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import lamlife
from lamlife.lifecycle.analysis import Analysis, DeferredPrices, InputStats, same_values
from lamlife.lifecycle.billing.prices import load_builtin
from lamlife.lifecycle.billing.rules import BillingOptions, price_analysis
from lamlife.lifecycle.pipeline import AnalyzeOptions, analysis_from_observed, observe

ORDERS = str(Path(__file__).resolve().parents[2] / "examples" / "orders.log")
COUNTS = "28 invocations, 4 environments, 5 cold starts, 5 events"


def plain() -> Analysis:
    options = AnalyzeOptions()
    return analysis_from_observed(observe([ORDERS], options), [ORDERS], options)


def test_repr_is_a_short_summary_and_leaves_the_rows_unpriced() -> None:
    result = lamlife.analyze(ORDERS)
    analysis = result.analysis
    assert analysis is not None and analysis.deferred_prices is not None
    assert repr(analysis) == f"<Analysis: {COUNTS}; priced, rows priced on read>"
    assert repr(result) == f"<AnalysisResult: {COUNTS}; priced, rows priced on read>"
    assert str(result) == repr(result)  # print() as well
    assert analysis.deferred_prices is not None
    assert "cost_usd" not in analysis.held_invocations.columns
    result.invocations  # noqa: B018 - the first read prices the rows
    assert analysis.deferred_prices is None
    assert repr(analysis) == f"<Analysis: {COUNTS}; priced>"
    assert repr(result) == f"<AnalysisResult: {COUNTS}; priced>"
    unpriced = lamlife.analyze(ORDERS, price=False)
    assert repr(unpriced) == f"<AnalysisResult: {COUNTS}; not priced>"


def test_a_simulation_result_prints_as_one_line_too() -> None:
    run = lamlife.simulate(ORDERS, keep_alive="5m")
    assert run.analysis is not None and run.analysis.deferred_prices is not None
    text = repr(run)
    assert text.startswith("<SimulationResult: 28 invocations, ") and "\n" not in text
    assert text.endswith("; priced, rows priced on read>")
    assert run.analysis.deferred_prices is not None


def test_equal_analyses_compare_equal_without_pricing() -> None:
    one, two = lamlife.analyze(ORDERS), lamlife.analyze(ORDERS)
    assert one.analysis is not None and two.analysis is not None
    assert one.analysis is not two.analysis
    assert one.analysis == two.analysis  # raised "truth value of a DataFrame is ambiguous"
    assert one == two
    assert one.analysis.deferred_prices is not None
    assert two.analysis.deferred_prices is not None
    # other prices: another summary["cost"] and other deferred prices
    assert lamlife.analyze(ORDERS, region="eu-west-1").analysis != one.analysis
    # not priced at all
    assert lamlife.analyze(ORDERS, price=False) != one
    # rows read (priced) hold 14 more columns than an unread twin: documented as unequal
    two.invocations  # noqa: B018
    assert two.analysis != one.analysis and two != one
    one.invocations  # noqa: B018
    assert two.analysis == one.analysis and two == one


def test_deferred_prices_are_equal_when_they_would_price_alike() -> None:
    table = load_builtin()
    base = price_analysis(plain(), BillingOptions(), table).deferred_prices
    again = price_analysis(plain(), BillingOptions(), table).deferred_prices
    other = price_analysis(plain(), BillingOptions(region="eu-west-1"), table).deferred_prices
    assert base is not None and again is not None and other is not None
    assert base.price is not again.price
    assert base == again
    assert base != other  # another Region: other price inputs (and other sums)
    # the same sums priced by another function are not the same prices
    assert DeferredPrices(lambda rows: rows, base.function_costs) != base
    costs = base.function_costs.copy()
    costs.iloc[0, 0] += 1.0
    assert DeferredPrices(base.price, costs) != base


def test_analyses_differ_by_any_table() -> None:
    empty = pd.DataFrame()
    one = plain()
    assert one == plain()
    events = one.events.iloc[1:]
    assert Analysis(one.invocations, one.environments, one.functions, events, one.summary,
                    one.input) != one
    assert Analysis(one.invocations, one.environments, one.functions, one.events,
                    one.summary, InputStats()) != one
    assert Analysis(empty, empty, empty, empty, {}, InputStats()) \
        == Analysis(empty, empty, empty, empty, {}, InputStats())


@pytest.mark.parametrize("one,other,equal", [
    (float("nan"), float("nan"), True),
    ({"p50": None, "max": float("nan")}, {"p50": None, "max": float("nan")}, True),
    ([1, 2], (1, 2), False),
    (pd.DataFrame({"a": [1.0]}), pd.DataFrame({"a": [1]}), False),  # dtype differs
    (pd.DataFrame({"a": [float("nan")]}), pd.DataFrame({"a": [float("nan")]}), True),
    (pd.DataFrame({"a": [1]}), {"a": [1]}, False),
])
def test_same_values(one: object, other: object, equal: bool) -> None:
    assert same_values(one, other) is equal


def test_one_price_on_read_descriptor_serves_the_analysis_and_the_api() -> None:
    from lamlife._api import AnalysisResult

    assert type(Analysis.__dict__["invocations"]) is type(AnalysisResult.__dict__["invocations"])
