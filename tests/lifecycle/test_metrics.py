"""flat_metrics on hand-built summaries (the summary shape of DESIGN.md's JSON contract)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from lamlife.lifecycle.check.metrics import (
    METRIC_DOCS,
    flat_metrics,
    missing_metric_reason,
    valid_metric_names,
)


def summary(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "invocations": 200,
        "environments": 12,
        "cold_starts": 10,
        "cold_start_rate": 0.05,
        "start_types": {
            "cold": 8,
            "warm": 187,
            "proactive": 3,
            "provisioned": 0,
            "restore": 0,
            "reinit": 2,
        },
        "timeouts": 2,
        "errors": 3,
        "out_of_memory": 1,
        "init_failures": 0,
        "reset_loops": 0,
        "unused_inits": 0,
        "incomplete": 1,
        "init_duration_ms": {
            "count": 11,
            "p50": 310.5,
            "p90": 702.0,
            "p95": 750.25,
            "p99": 790.0,
            "max": 801.3,
        },
        "init_ahead_of_demand_ms": {  # the 3 proactive inits (summarize.split_inits)
            "count": 3,
            "p50": 640.0,
            "p90": 688.0,
            "p95": 694.0,
            "p99": 698.8,
            "max": 700.0,
        },
        "restore_duration_ms": {  # SnapStart restores (summarize.restore_samples)
            "count": 4,
            "p50": 398.0,
            "p90": 460.0,
            "p95": 470.0,
            "p99": 478.0,
            "max": 480.0,
        },
        "duration_ms": {
            "count": 200,
            "p50": 12.5,
            "p90": 80.0,
            "p95": 450.0,
            "p99": 900.0,
            "max": 3000.0,
        },
        "cost": {
            "total_usd": 0.0005,
            "init_usd": 0.0001,
            "per_million_invocations_usd": 2.5,
            "currency": "USD",
        },
    }
    base.update(overrides)
    return base


def test_top_level_numbers_keep_their_names() -> None:
    m = flat_metrics(summary())
    assert m["invocations"] == 200
    assert m["environments"] == 12
    assert m["cold_starts"] == 10
    assert m["cold_start_rate"] == 0.05
    assert m["timeouts"] == 2
    assert m["errors"] == 3
    assert m["out_of_memory"] == 1
    assert m["init_failures"] == 0
    assert m["reset_loops"] == 0
    assert m["incomplete"] == 1
    assert all(isinstance(v, float) for v in m.values())


def test_start_types_are_prefixed_so_cold_starts_keeps_its_meaning() -> None:
    m = flat_metrics(summary())
    assert m["start_type_cold"] == 8
    assert m["start_type_warm"] == 187
    assert m["start_type_proactive"] == 3
    assert m["start_type_reinit"] == 2
    # cold_starts is the cold + restore + reinit total, not start_types["cold"]
    assert m["cold_starts"] == 10
    assert "cold" not in m and "warm_starts" not in m


def test_statistics_dicts_become_stem_stat_ms() -> None:
    m = flat_metrics(summary())
    assert m["init_count"] == 11
    assert m["init_p50_ms"] == 310.5
    assert m["init_p90_ms"] == 702.0
    assert m["init_p95_ms"] == 750.25
    assert m["init_p99_ms"] == 790.0
    assert m["init_max_ms"] == 801.3
    assert m["duration_count"] == 200
    assert m["duration_p50_ms"] == 12.5
    assert m["duration_p99_ms"] == 900.0
    assert m["duration_p95_ms"] == 450.0
    assert m["duration_max_ms"] == 3000.0


def test_a_statistic_the_summary_lacks_is_absent() -> None:
    m = flat_metrics(summary(duration_ms={"count": 3, "p50": 1.0}))
    assert m["duration_p50_ms"] == 1.0
    assert "duration_p95_ms" not in m


def test_cost_numbers_and_aliases() -> None:
    m = flat_metrics(summary())
    assert m["cost_total_usd"] == 0.0005
    assert m["cost_per_million_usd"] == 2.5
    assert m["cost_per_million_invocations_usd"] == 2.5
    assert m["init_cost_usd"] == 0.0001
    assert m["init_cost_share"] == pytest.approx(0.2)
    assert "cost_currency" not in m  # strings are not metrics


def test_init_cost_share_is_zero_when_the_total_is_zero() -> None:
    m = flat_metrics(summary(cost={"total_usd": 0, "init_usd": 0}))
    assert m["init_cost_share"] == 0.0


def test_without_billing_there_are_no_cost_metrics() -> None:
    s = summary()
    del s["cost"]
    m = flat_metrics(s)
    assert not [name for name in m if "cost" in name]
    assert "billing" in missing_metric_reason("cost_per_million_usd")
    assert "billing" in missing_metric_reason("init_cost_share")


def test_missing_percentiles_are_nan_not_absent() -> None:
    s = summary(
        init_duration_ms={
            "count": 0,
            "p50": None,
            "p90": None,
            "p95": None,
            "p99": None,
            "max": float("nan"),
        },
    )
    m = flat_metrics(s)
    assert m["init_count"] == 0
    assert math.isnan(m["init_p95_ms"])
    assert math.isnan(m["init_max_ms"])


def test_booleans_strings_and_lists_are_not_metrics() -> None:
    m = flat_metrics(summary(truncated=True, region="us-east-1", functions=["orders"]))
    assert "truncated" not in m
    assert "region" not in m
    assert "functions" not in m


def test_new_summary_numbers_become_metrics_automatically() -> None:
    s = summary(
        snapshot_versions=4,
        restore_duration_ms={"count": 2, "p50": 398.97, "max": 500.0},
        memory={"max_used_mb": 173},
    )
    m = flat_metrics(s)
    assert m["snapshot_versions"] == 4
    assert m["restore_count"] == 2
    assert m["restore_p50_ms"] == 398.97
    assert m["restore_max_ms"] == 500.0
    assert m["memory_max_used_mb"] == 173


def test_numpy_numbers_count_as_numbers() -> None:
    m = flat_metrics({"invocations": pd.Series([7]).iloc[0], "cold_start_rate": pd.NA})
    assert m["invocations"] == 7
    assert "cold_start_rate" not in m  # pandas NA is not a number


def test_a_single_function_row_fills_statistics_the_summary_lacks() -> None:
    s = summary(init_duration_ms={"count": 11, "p50": 310.5, "max": 801.3})
    one = pd.DataFrame({"function": ["orders"], "init_p95_ms": [755.0], "init_p50_ms": [1.0]})
    m = flat_metrics(s, one)
    assert m["init_p95_ms"] == 755.0
    assert m["init_p50_ms"] == 310.5  # the summary wins
    two = pd.DataFrame({"function": ["a", "b"], "init_p95_ms": [755.0, 10.0]})
    assert "init_p95_ms" not in flat_metrics(s, two)


def test_every_documented_metric_comes_from_a_full_summary() -> None:
    m = flat_metrics(summary())
    assert set(METRIC_DOCS) <= set(m)


def test_valid_names_include_documented_and_produced_ones() -> None:
    names = valid_metric_names(["unused_inits"])
    assert "unused_inits" in names
    assert "init_p95_ms" in names
    assert names == sorted(names)
