"""The JSON contract of `lamlife analyze --format json` (DESIGN.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.schema import (
    ENVIRONMENT_COLUMNS,
    EVENT_COLUMNS,
    FUNCTION_COLUMNS,
    INVOCATION_COLUMNS,
    START_TYPES,
)
from lamlife.reports import FORMATS, render
from lamlife.reports.json_report import jsonable, render_json, to_json_dict

ISO_MS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(\d{3}){0,2}Z$")
TIME_KEYS = {"start", "end", "first_start", "last_end", "time"}


def _walk(value: Any) -> list[Any]:
    """Every leaf of a JSON value."""
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _walk(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _walk(item)]
    return [value]


def test_top_level_keys_in_contract_order(sample: Analysis) -> None:
    assert list(to_json_dict(sample)) == [
        "summary",
        "input",
        "functions",
        "environments",
        "events",
    ]
    assert list(to_json_dict(sample, include_invocations=True)) == [
        "summary",
        "input",
        "functions",
        "environments",
        "events",
        "invocations",
    ]


def test_only_plain_json_types(sample: Analysis) -> None:
    data = to_json_dict(sample, include_invocations=True)
    for leaf in _walk(data):
        assert leaf is None or type(leaf) in (str, int, float, bool), repr(leaf)
    # and the text is strict JSON (no NaN) that reads back to the same object
    text = render_json(sample, include_invocations=True)
    assert "NaN" not in text
    assert json.loads(text) == data
    assert text.endswith("}\n")


def test_summary_contract(sample: Analysis) -> None:
    summary = to_json_dict(sample)["summary"]
    for key in (
        "invocations",
        "environments",
        "cold_starts",
        "timeouts",
        "errors",
        "out_of_memory",
        "init_failures",
    ):
        assert type(summary[key]) is int, key
    assert summary["invocations"] == 8  # an np.int64 in the fixture
    assert summary["cold_start_rate"] == 0.375
    assert list(summary["start_types"]) == list(START_TYPES)
    assert summary["start_types"]["reinit"] == 1
    init = summary["init_duration_ms"]
    assert init["count"] == 4
    assert init["p50"] == 460.3 and init["p99"] == 811.5945 and init["max"] == 812.25
    assert summary["duration_ms"]["max"] == 3000.0  # an np.float64 in the fixture


def test_input_is_input_stats_as_dict(sample: Analysis) -> None:
    data = to_json_dict(sample)
    assert data["input"] == sample.input.as_dict()
    assert data["input"]["files"] == 2 and data["input"]["malformed"] == 4


def test_rows_follow_schema_order(sample: Analysis) -> None:
    data = to_json_dict(sample, include_invocations=True)
    for key, schema, count in [
        ("functions", FUNCTION_COLUMNS, 2),
        ("environments", ENVIRONMENT_COLUMNS, 3),
        ("events", EVENT_COLUMNS, 3),
        ("invocations", INVOCATION_COLUMNS, 8),
    ]:
        assert len(data[key]) == count, key
        for row in data[key]:
            assert list(row) == list(schema), key


def test_invocation_values(sample: Analysis) -> None:
    rows = to_json_dict(sample, include_invocations=True)["invocations"]
    by_id = {row["request_id"]: row for row in rows}
    c1 = by_id["c1"]
    assert c1["start"] == "2026-07-20T01:50:15.828Z"
    assert c1["end"] == "2026-07-20T01:50:16.078Z"
    assert c1["init_duration_ms"] == 812.25
    assert c1["restore_duration_ms"] is None  # NaN
    assert type(c1["init_failures"]) is int and c1["init_failures"] == 0
    assert c1["flags"] == []
    assert by_id["c2"]["flags"] == ["timeout"]
    assert by_id["a3"]["status"] == "error"
    assert by_id["a3"]["error_type"] == "Runtime.OutOfMemory"
    assert by_id["a3"]["flags"] == ["out_of_memory"]
    # a start derived from REPORT time - Duration keeps its sub-millisecond part
    assert by_id["b2"]["start"] == "2026-07-20T02:00:00.100250Z"
    assert by_id["b2"]["memory_mb"] is None
    assert by_id["b2"]["billed_duration_ms"] is None


def test_timestamps_are_iso_utc_with_z(sample: Analysis) -> None:
    data = to_json_dict(sample, include_invocations=True)
    seen = 0
    for key in ("environments", "events", "invocations"):
        for row in data[key]:
            for name in TIME_KEYS & set(row):
                assert ISO_MS_Z.match(row[name]), row[name]
                seen += 1
    assert seen == 3 * 2 + 3 + 8 * 2


def test_flags_lists_in_every_table(make_sample: Callable[[], Analysis]) -> None:
    analysis = make_sample()
    analysis.environments.loc[0, "flags"] = "reset_loop;started_before_window"
    analysis.invocations.loc[1, "flags"] = "timeout;init_timeout"
    data = to_json_dict(analysis, include_invocations=True)
    assert data["environments"][0]["flags"] == ["reset_loop", "started_before_window"]
    assert data["environments"][1]["flags"] == []
    assert data["invocations"][1]["flags"] == ["timeout", "init_timeout"]


def test_extra_columns_follow_the_schema(make_sample: Callable[[], Analysis]) -> None:
    analysis = make_sample()
    # billing adds its cost columns to the invocation table
    analysis.invocations["cost_usd"] = np.linspace(1e-6, 8e-6, 8)
    analysis.invocations["init_cost_usd"] = [1e-6] + [float("nan")] * 7
    analysis.summary["cost"] = {"total_usd": np.float64(3.6e-5), "by_start_type": {"cold": 2e-6}}
    data = to_json_dict(analysis, include_invocations=True)
    row = data["invocations"][0]
    assert list(row) == [*INVOCATION_COLUMNS, "cost_usd", "init_cost_usd"]
    assert row["cost_usd"] == 1e-6 and row["init_cost_usd"] == 1e-6
    assert data["invocations"][1]["init_cost_usd"] is None
    assert data["summary"]["cost"] == {"total_usd": 3.6e-5, "by_start_type": {"cold": 2e-6}}


def test_missing_schema_column_is_null_not_a_crash(make_sample: Callable[[], Analysis]) -> None:
    analysis = make_sample()
    analysis.events = analysis.events.drop(columns=["request_id"])
    rows = to_json_dict(analysis)["events"]
    assert list(rows[0]) == list(EVENT_COLUMNS)
    assert rows[0]["request_id"] is None


def test_empty_analysis(empty: Analysis) -> None:
    data = json.loads(render_json(empty, include_invocations=True))
    assert data["functions"] == [] and data["environments"] == [] and data["events"] == []
    assert data["invocations"] == []
    assert data["summary"]["invocations"] == 0
    assert data["summary"]["cold_start_rate"] is None
    assert data["summary"]["init_duration_ms"]["p99"] is None


def test_jsonable() -> None:
    assert jsonable(
        {
            "a": np.int32(3),
            "b": np.float32(0.5),
            "c": float("inf"),
            "d": pd.NA,
            "e": pd.NaT,
            "f": np.bool_(True),
            "g": (1, 2),
            "h": pd.Timestamp("2026-07-20T01:50:15.828Z"),
            "i": pd.Timedelta(milliseconds=1500),
            "j": np.array([1.5, np.nan]),
            4: "int key",
            "k": pd.DataFrame({"n": [np.int64(2)], "t": [pd.Timestamp("2026-07-20", tz="UTC")]}),
        }
    ) == {
        "a": 3,
        "b": 0.5,
        "c": None,
        "d": None,
        "e": None,
        "f": True,
        "g": [1, 2],
        "h": "2026-07-20T01:50:15.828Z",
        "i": 1.5,
        "j": [1.5, None],
        "4": "int key",
        "k": [{"n": 2, "t": "2026-07-20T00:00:00.000Z"}],
    }


def test_layout_one_row_per_line(sample: Analysis) -> None:
    text = render_json(sample, include_invocations=True)
    lines = text.split("\n")
    assert lines[0] == "{" and lines[1] == '  "summary": {' and lines[2] == '    "invocations": 8,'
    assert sum(line.startswith('    {"function": ') for line in lines) == 2 + 3 + 8
    assert sum(line.startswith('    {"time": ') for line in lines) == 3
    assert '  "functions": [' in lines and "  ]," in lines
    assert render_json(Analysis(**{**sample.__dict__, "events": sample.events.iloc[0:0]})).count(
        '"events": []'
    ) == 1


def test_dispatcher(sample: Analysis) -> None:
    assert FORMATS == ("table", "json", "csv", "markdown", "html")
    assert render(sample, "json", include_invocations=True) == render_json(sample, True)
    assert "invocations" not in json.loads(render(sample, "json"))
    assert render(sample, "html").startswith("<!DOCTYPE html>")
    with pytest.raises(InputError, match="unknown format 'yaml'"):
        render(sample, "yaml")
