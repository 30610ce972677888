"""measure(): the budget's function selection, pricing and metrics; require_billing()."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from lamlife.lifecycle.billing.prices import load_table
from lamlife.lifecycle.billing.rules import BillingOptions
from lamlife.lifecycle.check.budget import parse_budget
from lamlife.lifecycle.check.gate import require_billing
from lamlife.lifecycle.errors import ConfigError, InputError
from lamlife.lifecycle.pipeline import AnalyzeOptions, measure

REPO = Path(__file__).resolve().parents[2]
ORDERS = str(REPO / "examples" / "orders.log")
# The payments log as `lamlife fetch` writes it (function "payments" from its header), with a
# configuration in a Region the built-in price table does not know. Hand counts: 4
# invocations in one environment, 1 cold (Init Duration 300.40 ms) and 3 warm.
UNKNOWN_REGION = str(REPO / "tests" / "data" / "check" / "payments-unknown-region.jsonl")


def test_selection_filters_before_the_summary() -> None:
    m = measure([ORDERS, UNKNOWN_REGION], AnalyzeOptions(), ["payments"])
    assert m.functions == ("payments",)
    assert m.present == ["orders", "payments"]
    assert m.missing_functions == []
    assert m.metrics["invocations"] == 4
    assert m.metrics["environments"] == 1
    assert m.metrics["cold_starts"] == 1
    assert m.metrics["start_type_warm"] == 3
    assert m.metrics["init_p95_ms"] == pytest.approx(300.40)
    assert set(m.analysis.invocations["function"]) == {"payments"}
    assert list(m.analysis.functions["function"]) == ["payments"]
    assert "cost" not in m.analysis.summary  # no billing asked for


def test_no_selection_keeps_everything() -> None:
    m = measure([ORDERS, UNKNOWN_REGION], AnalyzeOptions(), None)
    assert m.functions is None
    assert m.metrics["invocations"] == 28 + 4


def test_a_selection_absent_from_the_input_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        measure([ORDERS], AnalyzeOptions(function="orders"), ["payments", "billing"])
    assert "no invocations of function 'payments', 'billing'" in str(info.value)
    assert "functions seen: orders" in str(info.value)
    assert "--function NAME names it" in str(info.value)


def test_a_partly_absent_selection_is_a_warning() -> None:
    m = measure([ORDERS], AnalyzeOptions(function="orders"), ["orders", "billing"])
    assert m.missing_functions == ["billing"]
    assert any("'billing'" in w for w in m.warnings)
    assert m.metrics["invocations"] == 28


def test_pricing_adds_cost_metrics() -> None:
    m = measure([ORDERS], AnalyzeOptions(function="orders"), None, BillingOptions(), load_table())
    assert m.billing_error is None
    # examples/README.md: $0.000117725 for 28 invocations, INIT $0.0000103584
    assert m.metrics["cost_total_usd"] == pytest.approx(0.000117725, rel=1e-5)
    assert m.metrics["init_cost_usd"] == pytest.approx(0.0000103584, rel=1e-5)
    require_billing(parse_budget({"max": {"cost_total_usd": 1}}), m)  # no error


def test_a_missing_price_only_fails_cost_limits() -> None:
    # payments-unknown-region.jsonl names Region xx-nowhere-1 (not in the table): its
    # invocations are unpriced, so every cost metric has no data (NaN: a baseline's null),
    # the documented ones included, and only a cost limit is an error.
    soft = measure([UNKNOWN_REGION], AnalyzeOptions(), None, BillingOptions(), load_table())
    assert soft.billing_error is None
    assert len(soft.cost_incomplete) == 1 and "xx-nowhere-1" in soft.cost_incomplete[0]
    costs = {name: value for name, value in soft.metrics.items() if "cost" in name}
    assert {"cost_total_usd", "cost_per_million_usd", "init_cost_usd", "init_cost_share",
            "cost_gb_seconds"} <= set(costs)
    assert all(math.isnan(value) for value in costs.values())
    assert soft.metrics["invocations"] > 0
    require_billing(parse_budget({"max": {"timeouts": 0}}), soft)  # no cost limit: fine
    with pytest.raises(ConfigError) as info:
        require_billing(parse_budget({"max": {"init_cost_share": 0.1}}, "b.yaml"), soft)
    assert str(info.value).startswith(
        "b.yaml: max.init_cost_share: the cost is incomplete, unpriced: payments: no prices "
        "for Region xx-nowhere-1")
    # Several unpriced parts: the message names three and counts the rest.
    many = dataclasses.replace(soft, cost_incomplete=[f"fn{i}: no prices" for i in range(5)])
    with pytest.raises(ConfigError) as info:
        require_billing(parse_budget({"max": {"cost_total_usd": 1}}, "b.yaml"), many)
    assert str(info.value) == ("b.yaml: max.cost_total_usd: the cost is incomplete, unpriced: "
                               "fn0: no prices; fn1: no prices; fn2: no prices; and 2 more")
    # An explicit --region the table does not know is a usage error, strict or not.
    with pytest.raises(InputError, match="unknown region 'xx-nowhere-1'"):
        measure([UNKNOWN_REGION], AnalyzeOptions(), None,
                BillingOptions(region="xx-nowhere-1"), load_table(), strict_billing=True)
