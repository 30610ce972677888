"""Billing in every Region (issue 9): one invocation priced per Region and architecture,
INIT at today's rules in whole milliseconds, missing prices, tiers past what is known, and
amounts without float noise. Every expected amount is worked by hand below."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from billing_rows import invocations  # noqa: E402

from lamlife.lifecycle.billing.prices import load_table  # noqa: E402
from lamlife.lifecycle.billing.rules import (  # noqa: E402
    BillingOptions,
    clean_amounts,
    price_invocations,
)

TABLE = load_table()

# A 100 ms / 1024 MB invocation = 0.1 GB-s; cost = 0.1 x duration price + request price.
# Prices: the AWS pricing calculator's Lambda map (requests per 1M, tier-1 per GB-s).
HUNDRED_MS_AT_1_GB = [
    # region, architecture, expected USD
    ("us-east-1", "x86_64", 0.1 * 0.0000166667 + 0.20e-6),        # 0.00000186667
    ("us-east-1", "arm64", 0.1 * 0.0000133334 + 0.20e-6),         # 0.00000153334
    ("af-south-1", "x86_64", 0.1 * 0.0000221 + 0.27e-6),          # 0.00000248
    ("af-south-1", "arm64", 0.1 * 0.00001768 + 0.27e-6),          # 0.000002038
    ("ap-east-1", "x86_64", 0.1 * 0.00002292 + 0.28e-6),          # 0.000002572
    ("ap-east-1", "arm64", 0.1 * 0.0000183 + 0.28e-6),            # 0.00000211
    ("eu-south-1", "x86_64", 0.1 * 0.0000195172 + 0.23e-6),       # 0.00000218172
    ("eu-south-1", "arm64", 0.1 * 0.0000156138 + 0.23e-6),        # 0.00000179138
    ("me-south-1", "x86_64", 0.1 * 0.0000206667 + 0.25e-6),       # 0.00000231667
    ("me-south-1", "arm64", 0.1 * 0.0000165334 + 0.25e-6),        # 0.00000190334
    ("ap-northeast-3", "x86_64", 0.1 * 0.0000166667 + 0.20e-6),   # 0.00000186667
    ("ap-northeast-3", "arm64", 0.1 * 0.0000133334 + 0.20e-6),    # 0.00000153334
    ("eu-west-1", "x86_64", 0.1 * 0.0000166667 + 0.20e-6),        # 0.00000186667
    ("eu-west-1", "arm64", 0.1 * 0.0000133334 + 0.20e-6),         # 0.00000153334
    ("sa-east-1", "x86_64", 0.1 * 0.0000166667 + 0.20e-6),        # 0.00000186667
    ("sa-east-1", "arm64", 0.1 * 0.0000133334 + 0.20e-6),         # 0.00000153334
    ("eu-central-2", "x86_64", 0.1 * 0.0000183334 + 0.22e-6),     # 0.00000205334
    ("eu-central-2", "arm64", 0.1 * 0.0000146667 + 0.22e-6),      # 0.00000168667
    ("ap-southeast-5", "x86_64", 0.1 * 0.000015 + 0.18e-6),       # 0.00000168
    ("ap-southeast-5", "arm64", 0.1 * 0.000012 + 0.18e-6),        # 0.00000138
]
DECIMALS = {  # the same amounts as decimals, as they must print in JSON
    "us-east-1": ("1.86667e-06", "1.53334e-06"), "af-south-1": ("2.48e-06", "2.038e-06"),
    "ap-east-1": ("2.572e-06", "2.11e-06"), "eu-south-1": ("2.18172e-06", "1.79138e-06"),
    "me-south-1": ("2.31667e-06", "1.90334e-06"), "ap-northeast-3": ("1.86667e-06", "1.53334e-06"),
    "eu-west-1": ("1.86667e-06", "1.53334e-06"), "sa-east-1": ("1.86667e-06", "1.53334e-06"),
    "eu-central-2": ("2.05334e-06", "1.68667e-06"),
    "ap-southeast-5": ("1.68e-06", "1.38e-06"),
}


@pytest.mark.parametrize(("region", "arch", "expected"), HUNDRED_MS_AT_1_GB)
def test_hundred_ms_at_1024_mb_in_every_region(region: str, arch: str, expected: float) -> None:
    out, cost = price_invocations(
        invocations(dict(duration_ms=99.43, billed_duration_ms=100, memory_mb=1024)),
        BillingOptions(region=region, architecture=arch), TABLE)
    assert out.iloc[0]["priced_as"] == "on-demand"
    assert out.iloc[0]["region"] == region
    assert out.iloc[0]["cost_usd"] == pytest.approx(expected, rel=1e-12)
    assert cost["total_usd"] == pytest.approx(expected, rel=1e-12)
    # no float noise: the JSON number is the decimal amount
    printed = json.dumps(cost["total_usd"])
    assert printed == DECIMALS[region][0 if arch == "x86_64" else 1]


def test_init_at_todays_rules_in_whole_milliseconds() -> None:
    # The AWS blog's example, a ZIP cold start on 2025-07 (before INIT was billed), 1024 MB:
    # Duration 250.06, Billed 251, Init 100.77. Today's rule bills ceil(250.06 + 100.77)
    # = 351 ms, i.e. 100 ms more: 0.1 GB-s x $0.0000166667 = $0.00000166667.
    out, cost = price_invocations(invocations(dict(
        start="2025-07-15T12:00:00Z", start_type="cold", duration_ms=250.06,
        billed_duration_ms=251, init_duration_ms=100.77, memory_mb=1024)),
        BillingOptions(), TABLE)
    assert out.iloc[0]["init_unbilled_ms"] == 100
    assert cost["init_unbilled_gb_s"] == pytest.approx(0.1, rel=1e-12)
    assert cost["init_usd_at_current_rules"] == pytest.approx(0.00000166667, rel=1e-12)
    assert json.dumps(cost["init_usd_at_current_rules"]) == "1.66667e-06"


def test_a_region_without_any_price_is_unpriced_not_copied() -> None:
    out, cost = price_invocations(
        invocations(dict(function="a", duration_ms=99.4, billed_duration_ms=100,
                         memory_mb=1024)),
        BillingOptions(region="mx-central-1"), TABLE)
    assert out.iloc[0]["priced_as"] == "unpriced"
    assert out.iloc[0]["unpriced_reason"] == (
        "no requests_per_million price for mx-central-1 x86_64 in the price table (built-in): "
        "regions.mx-central-1.x86_64.requests_per_million is null (unknown); give it with "
        "--pricing FILE")
    assert cost["total_usd"] == 0 and cost["priced_invocations"] == 0


def test_unsupported_region_from_the_input_says_why() -> None:
    out, cost = price_invocations(
        invocations(dict(duration_ms=99.4, billed_duration_ms=100, memory_mb=1024)),
        BillingOptions(), TABLE, regions={"fn": {"env-1": "cn-north-1"}})
    assert out.iloc[0]["priced_as"] == "unpriced"
    assert "priced in CNY" in out.iloc[0]["unpriced_reason"]
    assert cost["incomplete"] == [f"fn: {out.iloc[0]['unpriced_reason']}"]


def test_an_unknown_explicit_region_is_a_usage_error() -> None:
    from lamlife.lifecycle.errors import InputError

    with pytest.raises(InputError, match="unknown region 'eu-west-9'"):
        price_invocations(invocations(dict(duration_ms=1, billed_duration_ms=1)),
                          BillingOptions(region="eu-west-9"), TABLE)


def test_past_the_known_tier_the_invocation_is_unpriced() -> None:
    # eu-west-1 knows tier 1 only (up to 6 B GB-s x86). On top of 6e9 GB-s already used,
    # 1 GB-s has no sourced price; in us-east-1 it is priced at tier 2: 1 x 0.000015 + 0.0000002.
    row = dict(duration_ms=999.2, billed_duration_ms=1000, memory_mb=1024)
    eu, eu_cost = price_invocations(invocations(row), BillingOptions(
        region="eu-west-1", monthly_gb_seconds=6e9), TABLE)
    assert eu.iloc[0]["priced_as"] == "unpriced"
    assert "past the first 6 B GB-s a month" in eu.iloc[0]["unpriced_reason"]
    us, _ = price_invocations(invocations(row), BillingOptions(
        region="us-east-1", monthly_gb_seconds=6e9), TABLE)
    assert us.iloc[0]["cost_usd"] == pytest.approx(0.0000152, rel=1e-12)


def test_region_per_environment_from_the_input() -> None:
    # env-1 ran in af-south-1 (runtime ARN), env-2 in eu-west-1; 100 ms at 1024 MB each.
    out, cost = price_invocations(
        invocations(dict(environment="env-1", duration_ms=99.4, billed_duration_ms=100,
                         memory_mb=1024),
                    dict(environment="env-2", duration_ms=99.4, billed_duration_ms=100,
                         memory_mb=1024)),
        BillingOptions(), TABLE, regions={"fn": {"env-1": "af-south-1", "env-2": "eu-west-1"}})
    assert out["region"].tolist() == ["af-south-1", "eu-west-1"]
    assert out["region_from"].tolist() == ["input", "input"]
    assert cost["total_usd"] == pytest.approx(0.00000248 + 0.00000186667, rel=1e-12)
    assert cost["pricing"]["region"] == "mixed"


def test_clean_amounts_keeps_decimals_and_nan() -> None:
    values = clean_amounts([5.1750099499999995e-06, float("nan"), 0.0, 0.03000024000000001])
    assert json.dumps([values[0], values[2], values[3]]) == "[5.17500995e-06, 0.0, 0.03000024]"
    assert values[1] != values[1]


def test_charges_lamlife_does_not_price_are_named_when_the_configuration_shows_them() -> None:
    _, cost = price_invocations(
        invocations(dict(duration_ms=99.4, billed_duration_ms=100, memory_mb=1024)),
        BillingOptions(), TABLE,
        configurations={"fn": {"tenant_isolation_mode": "PER_TENANT", "durable": True}})
    assert ("fn: tenant isolation mode PER_TENANT: the charge per tenant-isolated execution "
            "environment is not priced") in cost["notes"]
    assert ("fn: durable function: durable operations and the data they write and keep are "
            "not priced") in cost["notes"]
    # the invocation itself is priced as usual: 0.1 GB-s x 0.0000166667 + 0.0000002
    assert cost["total_usd"] == pytest.approx(0.00000186667, rel=1e-12)


def test_managed_instances_are_priced_for_requests_and_named() -> None:
    # LMI: no per-invocation duration; eu-west-1 requests $0.20/1M -> $0.0000002.
    out, cost = price_invocations(
        invocations(dict(duration_ms=99.4, memory_mb=1024, init_type="lambda-managed-instances")),
        BillingOptions(region="eu-west-1"), TABLE)
    assert out.iloc[0]["priced_as"] == "lmi"
    assert cost["total_usd"] == pytest.approx(0.0000002, rel=1e-12)
    assert any("Lambda Managed Instances" in n and "management fee" in n for n in cost["notes"])
