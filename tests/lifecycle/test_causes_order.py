"""Cold-start causes do not depend on the order of the table's rows: the engine's table is
ordered by function (each function's rows are taken as one slice), any other table is
grouped by one stable sort."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lamlife.lifecycle.engine.causes import explain_cold_starts
from lamlife.lifecycle.pipeline import analyze_paths

ROOT = Path(__file__).resolve().parents[2]
TWO_FUNCTIONS = ROOT / "tests" / "data" / "readers" / "jsonl" / "events.jsonl"


def test_causes_are_the_same_in_any_row_order() -> None:
    table = analyze_paths([str(TWO_FUNCTIONS)]).invocations
    assert table["function"].nunique() == 2 and (table["start_type"] == "cold").any()
    cold = table["start_type"] == "cold"
    plain = table.assign(reason=table["reason"].astype(object).where(~cold, "cold"))
    ordered = explain_cold_starts(plain)
    shuffled = plain.iloc[np.random.default_rng(7).permutation(len(plain))]
    again = explain_cold_starts(shuffled.reset_index(drop=True))
    by_id = dict(zip(ordered["request_id"], ordered["reason"].astype(str), strict=True))
    assert dict(zip(again["request_id"], again["reason"].astype(str), strict=True)) == by_id
    # and the engine's own reasons are what the step gives
    assert list(ordered["reason"].astype(str)) == list(table["reason"].astype(str))
