"""SnapStart Restore Duration percentiles in the summary, the functions table and the check
metrics (docs/lifecycle.md, "Restore Duration percentiles"): a caller waits for a restore
as an on-demand caller waits for an init, so the headline and a budget must see them.

tests/data/simulate/three-functions-one-snapstart.jsonl has three SnapStart restores, all of
thumbnailer (version 3), with Restore Durations 397.08, 397.60 and 489.48 ms (each REPORT
carries the same value as its RESTORE_REPORT). Worked by hand (linear interpolation between
closest ranks, as numpy; ranks from 0 over n - 1 = 2): p50 at rank 1: 397.60; p90 at rank
1.8: 397.60 + 0.8 x 91.88 = 471.104; p95 at 1.9: 397.60 + 0.9 x 91.88 = 480.292; p99 at
1.98: 397.60 + 0.98 x 91.88 = 487.6424, rounded to 487.642; max 489.48. orders and payments
have no restore: count 0 and no percentile (None), as a function with no init has for its
init_* columns.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_distributed import merged

from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.check.metrics import flat_metrics
from lamlife.lifecycle.engine.summarize import column_percentiles, restore_samples
from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths
from lamlife.reports import render

NAN = math.nan
ROOT = Path(__file__).resolve().parents[2]
MIX = ROOT / "tests" / "data" / "simulate" / "three-functions-one-snapstart.jsonl"
ORDERS = ROOT / "examples" / "orders.log"  # no SnapStart
THUMBNAILER = {"count": 3, "p50": 397.6, "p90": 471.104, "p95": 480.292, "p99": 487.642,
               "max": 489.48}
NO_DATA = {"count": 0, "p50": None, "p90": None, "p95": None, "p99": None, "max": None}


def test_restore_samples_are_the_restores_with_a_known_duration() -> None:
    inv = pd.DataFrame({
        "start_type": ["restore", "warm", "restore", "cold", "restore"],
        # the third restore was seen from RESTORE_START alone: no duration, left out
        "restore_duration_ms": [400.0, NAN, NAN, NAN, 300.0],
        "init_duration_ms": [NAN, NAN, NAN, 500.0, NAN],
        "duration_ms": [10.0, 20.0, 30.0, 40.0, 50.0],
    })
    np.testing.assert_array_equal(restore_samples(inv), [400.0, 300.0])
    spread = column_percentiles(inv)
    assert spread["restore_duration_ms"] == {"count": 2, "p50": 350.0, "p90": 390.0,
                                             "p95": 395.0, "p99": 399.0, "max": 400.0}
    # a restore is not an init: the init percentiles stay those of the one cold start
    assert spread["init_duration_ms"]["count"] == 1


def test_the_summary_functions_and_metrics_carry_restore_percentiles() -> None:
    analysis = analyze_paths([str(MIX)])
    summary = analysis.summary
    assert summary["start_types"]["restore"] == 3
    assert summary["restore_duration_ms"] == THUMBNAILER
    functions = analysis.functions.set_index("function")
    thumbnailer = functions.loc["thumbnailer"]
    assert thumbnailer["restore_count"] == 3
    assert [thumbnailer[f"restore_{s}_ms"] for s in ("p50", "p90", "p95", "p99", "max")] == [
        397.6, 471.104, 480.292, 487.642, 489.48]
    for name in ("orders", "payments"):
        assert functions.loc[name, "restore_count"] == 0
        assert pd.isna(functions.loc[name, "restore_p95_ms"])
    metrics = flat_metrics(summary, analysis.functions)
    assert metrics["restore_count"] == 3
    assert metrics["restore_p95_ms"] == 480.292
    assert metrics["restore_max_ms"] == 489.48


def test_without_snapstart_restore_percentiles_have_no_data() -> None:
    analysis = analyze_paths([str(ORDERS)])
    assert analysis.summary["restore_duration_ms"] == NO_DATA
    assert set(analysis.functions["restore_count"]) == {0}
    metrics = flat_metrics(analysis.summary, analysis.functions)
    assert metrics["restore_count"] == 0
    assert math.isnan(metrics["restore_p95_ms"])  # no data, as init_p95_ms without inits


@pytest.mark.parametrize("paths", [[MIX], [MIX, ORDERS]])
def test_parts_merged_give_the_local_restore_percentiles(paths: list[Path]) -> None:
    """What Spark does with pandas (test_distributed.merged): one part per function, merged
    with the percentiles of the whole input."""
    names = [str(p) for p in paths]
    local, parts = analyze_paths(names), merged(names, AnalyzeOptions())
    assert parts.summary["restore_duration_ms"] == local.summary["restore_duration_ms"]
    assert parts.summary["restore_duration_ms"] == THUMBNAILER
    def restores(analysis: Analysis) -> list[dict[str, object]]:
        rows = json.loads(render(analysis, "json"))["functions"]
        return [{k: v for k, v in row.items() if k == "function" or k.startswith("restore_")}
                for row in rows]

    assert restores(parts) == restores(local)
    assert {"function": "thumbnailer", "restore_count": 3, "restore_p50_ms": 397.6,
            "restore_p90_ms": 471.104, "restore_p95_ms": 480.292, "restore_p99_ms": 487.642,
            "restore_max_ms": 489.48} in restores(local)
