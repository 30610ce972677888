"""Init Duration percentiles are of the inits a caller waited for (docs/lifecycle.md, "Init
Duration percentiles"): provisioned and proactive inits, run ahead of demand, are counted
apart in ``init_ahead_of_demand_ms``.

The four-function log of test_simulate_samples.py has eight on-demand cold starts (Init
210, 380, 385, 390, 395, 402, 555 and 560 ms) and one provisioned environment (Init
1,200 ms). Worked by hand (linear interpolation between closest ranks, as numpy): of the
eight, p50 = (390 + 395) / 2 = 392.5; p95 at rank 0.95 x 7 = 6.65: 555 + 0.65 x 5 = 558.25;
max 560. With the provisioned init mixed in (nine values) p95 was at rank 7.6:
560 + 0.6 x 640 = 944 and the max 1,200: a budget of init_p95_ms 600 failed on an init no
caller waited for.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_simulate_samples import four_functions_log

from lamlife.lifecycle.check.metrics import flat_metrics
from lamlife.lifecycle.engine.summarize import column_percentiles, init_samples, split_inits
from lamlife.lifecycle.pipeline import analyze_paths

NAN = math.nan


def test_split_by_start_type() -> None:
    inv = pd.DataFrame({
        "start_type": ["cold", "provisioned", "proactive", "reinit", "warm", "cold"],
        "init_duration_ms": [400.0, 1200.0, 650.0, 300.0, NAN, NAN],
        "duration_ms": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
    })
    waited, ahead = split_inits(inv)
    np.testing.assert_array_equal(waited, [400.0, NAN, NAN, 300.0, NAN, NAN])
    np.testing.assert_array_equal(ahead, [NAN, 1200.0, 650.0, NAN, NAN, NAN])
    waited_only, ahead_only = init_samples(inv)  # the same, without the missing values
    np.testing.assert_array_equal(waited_only, [400.0, 300.0])
    np.testing.assert_array_equal(ahead_only, [1200.0, 650.0])
    spread = column_percentiles(inv)
    assert spread["init_duration_ms"] == {"count": 2, "p50": 350.0, "p90": 390.0,
                                          "p95": 395.0, "p99": 399.0, "max": 400.0}
    assert spread["init_ahead_of_demand_ms"]["count"] == 2
    assert spread["init_ahead_of_demand_ms"]["max"] == 1200.0
    assert spread["duration_ms"]["count"] == 6


def test_the_summary_and_check_leave_provisioned_inits_out(tmp_path: Path) -> None:
    analysis = analyze_paths([four_functions_log(tmp_path / "four.log")])
    summary = analysis.summary
    assert summary["init_duration_ms"] == {
        "count": 8, "p50": 392.5, "p90": pytest.approx(556.5), "p95": pytest.approx(558.25),
        "p99": pytest.approx(559.65), "max": 560.0}
    assert summary["init_ahead_of_demand_ms"]["count"] == 1
    assert summary["init_ahead_of_demand_ms"]["max"] == 1200.0
    metrics = flat_metrics(summary)
    assert metrics["init_p95_ms"] == pytest.approx(558.25)
    assert metrics["init_ahead_of_demand_p95_ms"] == 1200.0
    # per function: pricing's only init was provisioned, so it has no waited-for init
    functions = analysis.functions.set_index("function")
    assert functions.loc["pricing", "init_count"] == 0
    assert functions.loc["checkout-api", "init_count"] == 5
    assert functions.loc["checkout-api", "init_max_ms"] == 402.0
