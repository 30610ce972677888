"""Spark gives the local engine's SnapStart Restore Duration percentiles: Spark's own
aggregate over all the rows for the summary (``spark._aggregates``), each function's part
for the functions table. Needs pyspark and Java, as test_spark.py (whose ``spark`` fixture
this uses; skipped without them outside CI)."""

from __future__ import annotations

from typing import Any

import pytest
from test_restore_percentiles import MIX, ORDERS, THUMBNAILER
from test_spark import _json, spark  # noqa: F401  (the fixture)

from lamlife.lifecycle.billing.prices import load_table
from lamlife.lifecycle.billing.rules import BillingOptions
from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths
from lamlife.reports import render

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::FutureWarning:pyspark"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


def _restores(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k == "function" or k.startswith("restore_")}
            for row in doc["functions"]]


def test_spark_gives_the_local_restore_percentiles(spark: Any) -> None:  # noqa: F811
    from lamlife.lifecycle.spark import analyze_paths_spark

    paths = [str(MIX), str(ORDERS)]
    options = AnalyzeOptions(billing=BillingOptions(), price_table=load_table())
    local = analyze_paths(paths, options)
    remote = analyze_paths_spark(paths, options, session=spark)
    ours, theirs = _json(remote, rows=False), _json(local, rows=False)
    assert theirs["summary"]["restore_duration_ms"] == THUMBNAILER
    assert ours["summary"]["restore_duration_ms"] == theirs["summary"]["restore_duration_ms"]
    assert _restores(ours) == _restores(theirs)
    assert render(remote, "markdown") == render(local, "markdown")
    assert "## Restore duration by function" in render(local, "markdown")
