"""The four renderings of check verdicts parse and say what failed."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET

from rich.console import Console

from lamlife.lifecycle.check.budget import Verdict
from lamlife.reports.check_report import (
    fmt_increase,
    fmt_number,
    headline,
    message,
    render_json,
    render_junit,
    render_markdown,
    render_table,
)

VERDICTS = [
    Verdict("init_p95_ms", "max", 800.0, 912.4, False),
    Verdict("timeouts", "max", 0.0, 0.0, True),
    Verdict("invocations", "min", 1000.0, 200.0, False),
    Verdict("cost_per_million_usd", "max_increase", 0.10, 2.75, True, 2.5, 0.10),
    Verdict("init_p50_ms", "max", 500.0, math.nan, True),
]


def test_numbers_and_increases() -> None:
    assert fmt_number(800.0) == "800"
    assert fmt_number(912.4) == "912.4"
    assert fmt_number(2.75) == "2.75"
    assert fmt_number(0.0523456) == "0.0523456"
    assert fmt_number(4.204472294642858) == "4.20447"
    assert fmt_number(0.17857142857142858) == "0.178571"
    assert fmt_number(123456.7) == "123457"
    assert fmt_number(1.035835405e-05) == "1.03584e-05"
    assert fmt_number(math.nan) == "-"
    assert fmt_increase(0.125) == "+12.5%"
    assert fmt_increase(-0.0625) == "-6.2%"
    assert fmt_increase(math.inf) == "+inf"


def test_messages_name_value_and_limit() -> None:
    assert message(VERDICTS[0]) == "init_p95_ms = 912.4 exceeds max 800"
    assert message(VERDICTS[2]) == "invocations = 200 is below min 1000"
    assert message(VERDICTS[3]) == (
        "cost_per_million_usd = 2.75 is +10.0% vs baseline 2.5, within max_increase +10%"
    )
    assert "no data" in message(VERDICTS[4])


def test_json() -> None:
    doc = json.loads(render_json(VERDICTS, {"x": math.nan, "y": 1.0}, {"budget": "b.yaml"}))
    assert doc["ok"] is False
    assert doc["limits"] == 5 and doc["failed"] == 2 and doc["no_data"] == 1
    assert doc["metrics"] == {"x": None, "y": 1.0}
    assert doc["budget"] == "b.yaml"
    first = doc["verdicts"][0]
    assert first == {
        "metric": "init_p95_ms",
        "kind": "max",
        "limit": 800.0,
        "value": 912.4,
        "baseline": None,
        "increase": None,
        "status": "fail",
        "ok": False,
        "message": "init_p95_ms = 912.4 exceeds max 800",
    }
    assert doc["verdicts"][4]["value"] is None


def test_junit_is_well_formed_with_one_case_per_limit() -> None:
    root = ET.fromstring(render_junit(VERDICTS))
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "5" and suite.get("failures") == "2"
    assert suite.get("skipped") == "1" and root.get("failures") == "2"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [
        "max.init_p95_ms",
        "max.timeouts",
        "min.invocations",
        "max_increase.cost_per_million_usd",
        "max.init_p50_ms",
    ]
    failures = [c.find("failure") for c in cases]
    assert [f is not None for f in failures] == [True, False, True, False, False]
    assert failures[0] is not None
    assert failures[0].get("message") == "init_p95_ms = 912.4 exceeds max 800"
    assert cases[4].find("skipped") is not None


def test_markdown_table() -> None:
    text = render_markdown(VERDICTS, notes=["budget: b.yaml"])
    lines = text.splitlines()
    assert lines[0].startswith("### ❌ lamlife check: 2 of 5 limits exceeded")
    header = lines.index("| Metric | Value | Limit | Verdict |")
    rows = lines[header + 2 :]
    assert len(rows) == 5
    assert all(row.startswith("| `") and row.endswith("|") and row.count("|") == 5 for row in rows)
    assert "FAIL" in rows[0] and "912.4" in rows[0] and "≤ 800" in rows[0]
    assert "≤ +10% vs 2.5" in rows[3]
    assert "- budget: b.yaml" in lines


def test_markdown_all_pass() -> None:
    text = render_markdown([VERDICTS[1]])
    assert text.startswith("### ✅ lamlife check: the 1 limit holds")
    assert headline(VERDICTS[1:3]) == "1 of 2 limits exceeded"
    assert headline([VERDICTS[1], VERDICTS[3]]) == "all 2 limits hold"
    assert headline([VERDICTS[1], VERDICTS[4]]) == "all 2 limits hold (1 without data, allowed)"


MISSING = Verdict("cold_start_rate", "max", 0.01, math.nan, False)  # no data, not allowed


def test_a_limit_without_data_that_fails_is_named_in_every_format() -> None:
    assert MISSING.status == "no_data" and MISSING.no_data
    assert headline([VERDICTS[1], MISSING]) == "1 of 2 limits without data"
    assert headline([VERDICTS[0], MISSING, VERDICTS[4]]) == (
        "1 of 3 limits exceeded, 1 without data (1 without data, allowed)")
    assert message(MISSING) == ("cold_start_rate: no data in this analysis, so max <= 0.01 "
                                "does not hold (the budget does not allow_no_data)")
    doc = json.loads(render_json([MISSING, VERDICTS[4]]))
    assert doc["ok"] is False and doc["failed"] == 1 and doc["no_data"] == 2
    assert [v["status"] for v in doc["verdicts"]] == ["no_data", "no_data"]
    assert [v["ok"] for v in doc["verdicts"]] == [False, True]
    suite = ET.fromstring(render_junit([MISSING, VERDICTS[4]])).find("testsuite")
    assert suite is not None
    assert suite.get("failures") == "1" and suite.get("skipped") == "1"
    cases = suite.findall("testcase")
    assert cases[0].find("failure") is not None and cases[0].find("skipped") is None
    assert cases[1].find("skipped") is not None
    rows = render_markdown([MISSING]).splitlines()
    assert rows[0].startswith("### ❌") and rows[-1].endswith("| ❌ **no data** |")


def test_rich_table_renders() -> None:
    console = Console(width=120, record=True, color_system=None)
    console.print(render_table(VERDICTS))
    out = console.export_text()
    assert "2 of 5 limits exceeded" in out
    assert "init_p95_ms" in out and "FAIL" in out and "no data" in out
