"""Shared checks of the HTML report: its chart data against the JSON report of the same input.

Every expectation here is recomputed from the JSON report (``analyze --format json
--invocations``) with plain Python and numpy, never with the HTML module's own helpers.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import Counter, defaultdict
from html.parser import HTMLParser
from typing import Any

import numpy as np

SPEC = re.compile(r'<script type="application/json" id="spec-([a-z0-9-]+)">(.*?)</script>',
                  re.DOTALL)
COLD = ("cold", "restore", "reinit")
BUCKET_S = {"minute": 60, "hour": 3600, "day": 86400}


def specs_of(page: str) -> dict[str, dict[str, Any]]:
    """Chart id -> its Vega-Lite spec, as embedded in the page."""
    return {name: json.loads(body) for name, body in SPEC.findall(page)}


def when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def layer_values(spec: dict[str, Any], mark: str, field: str) -> list[dict[str, Any]]:
    """The inline data of the layer with ``mark`` type whose encoding uses ``field``."""
    for layer in spec["layer"]:
        kind = layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        if kind == mark and field in json.dumps(layer["encoding"]):
            return layer["data"]["values"]
    raise AssertionError(f"no {mark} layer with {field}")


def check_start_types(specs: dict[str, Any], report: dict[str, Any]) -> None:
    summary = report["summary"]
    invocations = report["invocations"]
    counts = layer_values(specs["start-types"], "rect", "start_type")
    totals: Counter[str] = Counter()
    for row in counts:
        totals[row["start_type"]] += row["invocations"]
    assert dict(totals) == {k: v for k, v in summary["start_types"].items() if v}
    # bucket by bucket, from the invocations' own start times
    first = min(when(row["start"]) for row in counts)
    size = (when(counts[0]["end"]) - when(counts[0]["start"])).total_seconds()
    assert size in BUCKET_S.values()
    expected: Counter[tuple[str, str]] = Counter()
    for inv in invocations:
        index = math.floor((when(inv["start"]) - first).total_seconds() / size)
        start = first + dt.timedelta(seconds=index * size)
        expected[(start.isoformat(), inv["start_type"])] += 1
    got = {(when(r["start"]).isoformat(), r["start_type"]): r["invocations"] for r in counts}
    assert got == dict(expected)
    rates = layer_values(specs["start-types"], "line", "cold_start_rate")
    assert sum(r["invocations"] for r in rates) == summary["invocations"]
    assert sum(r["cold_starts"] for r in rates) == summary["cold_starts"]
    for r in rates:
        assert r["cold_start_rate"] == r["cold_starts"] / r["invocations"]


def spans(report: dict[str, Any]) -> dict[tuple[str, str], tuple[dt.datetime, dt.datetime]]:
    """Environment (of the environments table) -> (start of the init its first caller
    waited for, else first start; last end), from the JSON invocations."""
    first: dict[tuple[str, str], dict[str, Any]] = {}
    last: dict[tuple[str, str], dt.datetime] = {}
    known = {(e["function"], e["environment"]) for e in report["environments"]}
    for inv in report["invocations"]:
        key = (inv["function"], inv["environment"])
        if key not in known:  # an input part without log streams: no environment
            continue
        if key not in first or when(inv["start"]) < when(first[key]["start"]):
            first[key] = inv
        last[key] = max(last.get(key, when(inv["end"])), when(inv["end"]))
    out = {}
    for key, inv in first.items():
        start = when(inv["start"])
        wait = inv["restore_duration_ms"] if inv["start_type"] == "restore" \
            else inv["init_duration_ms"]
        if inv["start_type"] in COLD and wait is not None:
            start -= dt.timedelta(milliseconds=wait)
        out[key] = (start, last[key])
    return out


def check_alive(specs: dict[str, Any], report: dict[str, Any]) -> None:
    rows = specs["alive"]["data"]["values"]
    env_spans = spans(report)
    assert len(env_spans) == report["summary"]["environments"]
    for row in rows:
        lo, hi = when(row["start"]), when(row["end"])
        alive = sum(1 for a, b in env_spans.values() if a < hi and b >= lo)
        assert row["environments"] == alive, row


def check_timeline(specs: dict[str, Any], report: dict[str, Any], top: int = 10) -> None:
    spec = specs["timeline"]
    rows = layer_values(spec, "rule", "span_start")
    environments = {(e["function"], e["environment"]): e for e in report["environments"]}
    by_invocations = sorted(
        environments.values(),
        key=lambda e: (-e["invocations"], -(e["lifetime_s"] or 0.0), e["function"],
                       e["environment"]))
    assert [(r["function"], r["environment"]) for r in rows] == [
        (e["function"], e["environment"]) for e in by_invocations[:top]]
    env_spans = spans(report)
    for row in rows:
        env = environments[(row["function"], row["environment"])]
        assert (row["invocations"], row["cold_starts"], row["failures"]) == (
            env["invocations"], env["cold_starts"], env["failures"])
        start, end = env_spans[(row["function"], row["environment"])]
        assert abs((when(row["span_start"]) - start).total_seconds()) < 0.001
        assert when(row["span_end"]) == end
    shown = {(r["function"], r["environment"]): r["row"] for r in rows}
    invocations = [i for i in report["invocations"] if (i["function"], i["environment"]) in shown]
    marks = layer_values(spec, "point", "start_type")
    point = next(layer for layer in spec["layer"] if layer["data"]["values"] is marks)
    hover = {item["field"] for item in point["encoding"]["tooltip"]}
    assert {"reason", "start_type", "status", "time"} <= hover  # hover shows the reason
    by_id = {i["request_id"]: i for i in invocations}
    for mark in marks:
        inv = by_id[mark["request_id"]]
        assert mark["row"] == shown[(inv["function"], inv["environment"])]
        assert mark["start_type"] == inv["start_type"]
        assert mark["status"] == inv["status"]
        assert when(mark["start"]) == when(inv["start"])
        if inv["reason"]:
            assert mark["reason"] == inv["reason"]
    grouped = [layer["data"]["values"] for layer in spec["layer"]
               if '"count"' in json.dumps(layer["encoding"])]
    binned = sum(b["count"] for b in grouped[0]) if grouped else 0
    assert len(marks) + binned <= len(invocations)
    if not grouped:
        assert sorted(m["request_id"] for m in marks) == sorted(by_id)
    else:  # every cold, failed or flagged invocation is drawn; the rest are counted in bins
        special = [i for i in invocations
                   if i["start_type"] != "warm" or i["status"] != "success" or i["flags"]]
        assert len(marks) + binned == len(invocations)
        assert {m["request_id"] for m in marks} == {i["request_id"] for i in special}


def check_init(specs: dict[str, Any], report: dict[str, Any]) -> None:
    summary = report["summary"]["init_duration_ms"]
    panels = specs["init"]["vconcat"]
    seen = []
    for panel in panels:
        bars, rules = panel["layer"][0]["data"]["values"], panel["layer"][1]["data"]["values"]
        title = panel["title"]["text"]
        kind = title.split(":")[0].split(" (")[0]
        if kind == "all inits":  # every init: those a caller waited for and those ahead
            values = [i["init_duration_ms"] for i in report["invocations"]
                      if i["init_duration_ms"] is not None]
            ahead = report["summary"]["init_ahead_of_demand_ms"]
            assert summary["count"] + ahead["count"] == len(values)
        else:
            column = "restore_duration_ms" if kind == "restore" else "init_duration_ms"
            values = [i[column] for i in report["invocations"]
                      if i["start_type"] == kind and i[column] is not None]
        expected = {f"p{p}": round(float(np.percentile(values, p)), 3) for p in (50, 90, 99)}
        seen.append(kind)
        assert sum(b["inits"] for b in bars) == len(values)
        assert f": {len(values):,} init" in title
        assert {r["percentile"]: r["ms"] for r in rules} == expected
    kinds = {i["start_type"] for i in report["invocations"] if i["init_duration_ms"] is not None}
    assert set(seen) - {"all inits"} >= kinds - {"warm"}


def check_cost(specs: dict[str, Any], report: dict[str, Any]) -> None:
    # a function with no priced invocation has no bar (not a $0 one): no chart without any
    records = [r for r in report["summary"]["cost"]["by_function"]
               if r["total_usd"] is not None and r.get("priced_invocations", 1)]
    if not records:
        assert "cost" not in specs
        return
    rows = specs["cost"]["data"]["values"]
    parts: dict[str, dict[str, float]] = defaultdict(dict)
    for row in rows:
        parts[row["function"]][row["part"]] = row["usd"]
    assert set(parts) == {r["function"] for r in records}
    for record in records:
        mine = parts[record["function"]]
        assert math.isclose(sum(mine.values()), record["total_usd"], rel_tol=1e-12,
                            abs_tol=1e-18)
        assert mine["Requests"] == record["requests_usd"]
        assert mine["INIT/restore"] == record["init_usd"]
        assert mine.get("Provisioned allocation", 0.0) == record["provisioned_allocation_usd"]


def check_all(page: str, report: dict[str, Any], top: int = 10) -> dict[str, Any]:
    specs = specs_of(page)
    if not report["invocations"]:  # nothing to draw: no chart, and the page says what was seen
        assert specs == {}
        assert "No invocations found." in page
        return specs
    # no environments (an input without log streams): no timeline, nothing alive to count
    assert ("timeline" in specs) == ("alive" in specs) == bool(report["environments"])
    if report["environments"]:
        check_timeline(specs, report, top)
        check_alive(specs, report)
    check_start_types(specs, report)
    if any(i["init_duration_ms"] is not None or i["restore_duration_ms"] is not None
           for i in report["invocations"]):
        check_init(specs, report)
    else:
        assert "init" not in specs
    if report["summary"].get("cost", {}).get("by_function"):
        check_cost(specs, report)
    return specs


class ChartDom(HTMLParser):
    """After the browser ran: per chart element (``data-chart``), its data-rendered state, the
    number of <svg> inside it and the number of drawn items in each data-mark group."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None, bool]] = []  # tag, chart id, is mark group
        self.charts: dict[str, dict[str, Any]] = {}
        self.marks: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        chart = attr.get("data-chart")
        parent_chart = next((c for _, c, _ in reversed(self.stack) if c), None)
        if chart:
            self.charts[chart] = {"rendered": attr.get("data-rendered"), "svg": 0,
                                  "marks": []}
            parent_chart = chart
        if self.stack and self.stack[-1][2] and parent_chart:
            self.charts[parent_chart]["marks"][-1] += 1
        is_mark = tag == "g" and "role-mark" in (attr.get("class") or "").split()
        if parent_chart:
            if tag == "svg":
                self.charts[parent_chart]["svg"] += 1
            if is_mark:
                self.charts[parent_chart]["marks"].append(0)
        if tag not in ("path", "rect", "line", "circle", "image", "input", "br", "img",
                       "meta"):
            self.stack.append((tag, chart, is_mark))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return


def chart_dom(dom: str) -> dict[str, dict[str, Any]]:
    parser = ChartDom()
    parser.feed(dom)
    return parser.charts
