"""Vega-Lite specs (plain dicts) for the HTML report's charts.

Each function takes the rows of :mod:`lamlife.reports.html.data` and returns one spec with
its data inline (``data.values``), so a page needs no file and no network. Times are UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lamlife.lifecycle.schema import START_TYPES

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier, never fetched
WIDTH = 760

START_TYPE_COLOURS: dict[str, str] = {
    "cold": "#e6550d",
    "warm": "#9ecae1",
    "proactive": "#31a354",
    "provisioned": "#756bb1",
    "restore": "#3182bd",
    "reinit": "#de2d26",
}
FAILURE_SHAPES: dict[str, str] = {
    "timeout": "triangle-down",
    "error": "cross",
    "out of memory": "diamond",
}
EVENT_SHAPE = "square"

_START_SCALE = {"domain": list(START_TYPES), "range": [START_TYPE_COLOURS[k] for k in START_TYPES]}


TIME_FORMATS: dict[str, str] = {"minute": "%H:%M", "hour": "%b %d %H:%M", "day": "%Y-%m-%d"}


def _time_axis(bucket: str | None, title: str = "time (UTC)") -> dict[str, Any]:
    """A time axis labelled in 24-hour UTC (the utc scale makes the format apply in UTC),
    with dates once the window is longer than a few hours."""
    return {"title": title, "labelOverlap": True, "tickCount": 8,
            "format": TIME_FORMATS.get(bucket or "minute", "%H:%M")}


def _base(title: str, description: str) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": {"text": title, "anchor": "start"},
        "description": description,
        "config": {"view": {"stroke": None}, "axis": {"labelFontSize": 11},
                   "legend": {"orient": "bottom", "direction": "horizontal", "columns": 7}},
    }


def _span_layers(rows: list[dict[str, Any]], y: dict[str, Any], bucket: str | None
                 ) -> list[dict[str, Any]]:
    """Each environment's span (grey), the init its first caller waited for (orange) and an
    init ahead of demand up to the first request (green dashes) where one is known."""
    layers: list[dict[str, Any]] = [{
        "data": {"values": rows},
        "mark": {"type": "rule", "strokeWidth": 3, "color": "#d9d9d9"},
        "encoding": {
            "x": {"field": "span_start", "type": "temporal", "scale": {"type": "utc"},
                  "axis": _time_axis(bucket)},
            "x2": {"field": "span_end"},
            "y": y,
            "tooltip": [
                {"field": "function", "title": "function"},
                {"field": "environment", "title": "environment"},
                {"field": "invocations", "title": "invocations"},
                {"field": "cold_starts", "title": "cold starts"},
                {"field": "failures", "title": "failures"},
                {"field": "lifetime_s", "title": "lifetime s", "format": ",.1f"},
            ],
        },
    }]
    for waited, mark in ((True, {"type": "rule", "strokeWidth": 7, "color": "#fdae6b"}),
                         (False, {"type": "rule", "strokeWidth": 3, "color": "#31a354",
                                  "strokeDash": [3, 2]})):
        values = [r for r in rows if r["init_start"] and r["init_waited"] is waited]
        if values:  # an empty layer would only make Vega warn about an empty extent
            layers.append({
                "data": {"values": values},
                "mark": mark,
                "encoding": {"x": {"field": "init_start", "type": "temporal"},
                             "x2": {"field": "first_start"}, "y": y},
            })
    return layers


def _bin_layer(bins: list[dict[str, Any]], y: dict[str, Any]) -> dict[str, Any]:
    """Grouped plain warm invocations: one rect per (row, time bin), darker for more."""
    return {
        "data": {"values": bins},
        "mark": {"type": "rect", "height": 10},
        "encoding": {
            "x": {"field": "start", "type": "temporal"},
            "x2": {"field": "end"},
            "y": y,
            "color": {"field": "count", "type": "quantitative", "title": "warm per bin",
                      "scale": {"scheme": "blues"}},
            "tooltip": [{"field": "time", "title": "UTC"},
                        {"field": "count", "title": "warm invocations"}],
        },
    }


def _invocation_layer(marks: list[dict[str, Any]], y: dict[str, Any]) -> dict[str, Any]:
    """One symbol per drawn invocation: colour by start type, shape and outline by failure,
    the reason on hover."""
    failed = "datum.failure !== ''"
    return {
        "data": {"values": marks},
        "mark": {"type": "point", "filled": True, "opacity": 0.9, "strokeWidth": 1.5},
        "encoding": {
            "x": {"field": "start", "type": "temporal"},
            "y": y,
            "color": {"field": "start_type", "type": "nominal", "title": "start type",
                      "scale": _START_SCALE, "legend": {"orient": "top"}},
            "stroke": {"condition": {"test": failed, "value": "#000000"}, "value": None},
            "size": {"condition": {"test": failed, "value": 110}, "value": 55},
            "shape": {"field": "failure", "type": "nominal", "title": "failure",
                      "scale": {"domain": ["", *FAILURE_SHAPES],
                                "range": ["circle", *FAILURE_SHAPES.values()]},
                      "legend": {"labelExpr": "datum.label || 'none'"}},
            "tooltip": [
                {"field": "time", "title": "start (UTC)"},
                {"field": "start_type", "title": "start type"},
                {"field": "status", "title": "status"},
                {"field": "error_type", "title": "error type"},
                {"field": "duration_ms", "title": "duration ms", "format": ",.2f"},
                {"field": "reason", "title": "reason"},
                {"field": "request_id", "title": "request id"},
            ],
        },
    }


def _event_layer(events: list[dict[str, Any]], y: dict[str, Any]) -> dict[str, Any]:
    """Environment-level events (init failures, reset loops) as open squares."""
    return {
        "data": {"values": events},
        "mark": {"type": "point", "shape": EVENT_SHAPE, "size": 90, "color": "#000000",
                 "filled": False, "strokeWidth": 2},
        "encoding": {
            "x": {"field": "time", "type": "temporal"},
            "y": y,
            "tooltip": [{"field": "clock", "title": "time (UTC)"},
                        {"field": "event", "title": "event"},
                        {"field": "reason", "title": "reason"}],
        },
    }


def timeline_spec(data: Mapping[str, Any], bucket: str | None = None) -> dict[str, Any]:
    """One row per environment: its span, each invocation (colour: start type; shape: what
    failed), grouped warm invocations and environment events; hover shows the reason."""
    rows = data["rows"]
    y = {"field": "row", "type": "nominal", "sort": [row["row"] for row in rows], "title": None,
         "axis": {"labelLimit": 260}}
    layers = _span_layers(rows, y, bucket)
    if data["bins"]:
        layers.append(_bin_layer(data["bins"], y))
    layers.append(_invocation_layer(data["marks"], y))
    if data["events"]:
        layers.append(_event_layer(data["events"], y))
    spec = _base("Environment timeline", data["note"])
    spec.update({
        "width": WIDTH,
        "height": {"step": 26},
        "layer": layers,
        "resolve": {"scale": {"color": "independent"}},
    })
    return spec


def start_types_spec(data: Mapping[str, Any]) -> dict[str, Any]:
    """Stacked invocations per bucket by start type, with the cold-start rate as a line."""
    x = {"field": "start", "type": "temporal", "scale": {"type": "utc"},
         "axis": _time_axis(data["bucket"])}
    spec = _base(f"Start types per {data['bucket']}, cold-start rate", data["note"])
    spec.update({
        "width": WIDTH,
        "height": 220,
        "layer": [
            {
                "data": {"values": data["counts"]},
                # rect marks (a bucket's own start and end) are not stacked by Vega-Lite's
                # encoding: the stack transform gives each start type its band of the bucket
                "transform": [{"stack": "invocations", "groupby": ["start"],
                               "sort": [{"field": "start_type", "order": "ascending"}],
                               "as": ["stack_from", "stack_to"]}],
                "mark": {"type": "rect"},
                "encoding": {
                    "x": x,
                    "x2": {"field": "end"},
                    "y": {"field": "stack_from", "type": "quantitative", "title": "invocations"},
                    "y2": {"field": "stack_to"},
                    "color": {"field": "start_type", "type": "nominal", "title": "start type",
                              "scale": _START_SCALE},
                    "tooltip": [
                        {"field": "from", "title": "from (UTC)"},
                        {"field": "start_type", "title": "start type"},
                        {"field": "invocations", "title": "invocations"},
                    ],
                },
            },
            {
                "data": {"values": data["rates"]},
                "mark": {"type": "line", "color": "#000000",
                         "interpolate": "step-after"},
                "encoding": {
                    "x": {"field": "start", "type": "temporal"},
                    "y": {"field": "cold_start_rate", "type": "quantitative",
                          "title": "cold-start rate", "axis": {"format": ".1~%"}},
                    "tooltip": [
                        {"field": "from", "title": "from (UTC)"},
                        {"field": "invocations", "title": "invocations"},
                        {"field": "cold_starts", "title": "cold starts"},
                        # as the tables print it (a rate that is not 0 never reads 0.0%)
                        {"field": "cold_start_rate_text", "title": "cold-start rate"},
                    ],
                },
            },
        ],
        "resolve": {"scale": {"y": "independent"}},
    })
    return spec


def alive_spec(data: Mapping[str, Any]) -> dict[str, Any]:
    """Environments alive per bucket (from the init the first caller waited for, or the
    first request, to the last invocation's end)."""
    spec = _base(f"Environments alive per {data['bucket']}",
                 "Environments between their init (or first request) and last invocation.")
    spec.update({
        "width": WIDTH,
        "height": 140,
        "data": {"values": data["alive"]},
        "mark": {"type": "rect", "color": "#6baed6"},
        "encoding": {
            "x": {"field": "start", "type": "temporal", "scale": {"type": "utc"},
                  "axis": _time_axis(data["bucket"])},
            "x2": {"field": "end"},
            "y": {"field": "environments", "type": "quantitative", "title": "environments"},
            "tooltip": [
                {"field": "from", "title": "from (UTC)"},
                {"field": "environments", "title": "environments alive"},
            ],
        },
    })
    return spec


def init_spec(data: Mapping[str, Any]) -> dict[str, Any]:
    """One histogram per init kind with p50/p90/p99 rules; the title gives the count."""
    charts = []
    for group in data["groups"]:
        subtitle = group["few"] and f"{group['few']} ({group['count']} inits)"
        charts.append({
            "title": {"text": group["title"], "subtitle": subtitle or None,
                      "anchor": "start", "fontSize": 12},
            "width": WIDTH - 60,
            "height": 90,
            "layer": [
                {
                    "data": {"values": group["histogram"]},
                    "mark": {"type": "rect", "color": START_TYPE_COLOURS.get(group["key"],
                                                                            "#636363")},
                    "encoding": {
                        "x": {"field": "from_ms", "type": "quantitative", "title": "ms",
                              "scale": {"zero": False}},
                        "x2": {"field": "to_ms"},
                        "y": {"field": "inits", "type": "quantitative", "title": "inits"},
                        "tooltip": [
                            {"field": "from_ms", "title": "from ms", "format": ",.1f"},
                            {"field": "to_ms", "title": "to ms", "format": ",.1f"},
                            {"field": "inits", "title": "inits"},
                        ],
                    },
                },
                {
                    "data": {"values": group["marks"]},
                    "mark": {"type": "rule", "color": "#000000", "strokeDash": [4, 3]},
                    "encoding": {
                        "x": {"field": "ms", "type": "quantitative"},
                        "tooltip": [{"field": "percentile"},
                                    {"field": "ms", "title": "ms", "format": ",.2f"}],
                    },
                },
                {
                    "data": {"values": group["marks"]},
                    "mark": {"type": "text", "align": "left", "dx": 3, "dy": -4, "y": 0,
                             "baseline": "top", "fontSize": 10},
                    "encoding": {
                        "x": {"field": "ms", "type": "quantitative"},
                        "text": {"field": "percentile"},
                    },
                },
            ],
        })
    spec = _base("Init duration by start type",
                 "Histograms of init and restore durations with p50, p90 and p99.")
    spec["vconcat"] = charts
    return spec


def cost_spec(data: Mapping[str, Any]) -> dict[str, Any]:
    """Cost per function, stacked by part."""
    functions = [row["function"] for row in data["totals"]]
    spec = _base("Cost by function and part (USD)", "Cost per function, stacked by part.")
    spec.update({
        "width": WIDTH - 160,
        "height": {"step": 28},
        "data": {"values": data["rows"]},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "function", "type": "nominal", "sort": functions, "title": None},
            "x": {"aggregate": "sum", "field": "usd", "type": "quantitative", "title": "USD",
                  "stack": "zero"},
            "color": {"field": "part", "type": "nominal", "title": "part",
                      "scale": {"scheme": "tableau10"}},
            "tooltip": [
                {"field": "function"},
                {"field": "part"},
                {"field": "usd", "title": "USD", "format": "$.6~g"},
                # as the tables print it (<0.1%: a share that is not 0 never reads 0.0%)
                {"field": "share_text", "title": "share of the function"},
            ],
        },
    })
    return spec


def comparison_spec(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Observed against simulated, one small bar chart per metric (each its own unit)."""
    values = []
    for row in rows:
        for side in ("observed", "simulated"):
            value = row.get(side)
            if value is not None:
                values.append({"metric": row["label"], "side": side, "value": float(value)})
    spec = _base("Observed against simulated", "One panel per metric, each on its own scale.")
    spec.update({
        "data": {"values": values},
        "facet": {"field": "metric", "type": "nominal", "title": None,
                  "sort": [row["label"] for row in rows]},
        "columns": 4,
        "spec": {
            "width": 150,
            "height": 110,
            "mark": {"type": "bar"},
            "encoding": {
                "x": {"field": "side", "type": "nominal", "title": None,
                      "sort": ["observed", "simulated"], "axis": {"labelAngle": 0}},
                "y": {"field": "value", "type": "quantitative", "title": None},
                "color": {"field": "side", "type": "nominal", "legend": None,
                          "scale": {"domain": ["observed", "simulated"],
                                    "range": ["#9e9ac8", "#fd8d3c"]}},
                "tooltip": [{"field": "metric"}, {"field": "side"},
                            {"field": "value", "format": ",.6~g"}],
            },
        },
        "resolve": {"scale": {"y": "independent"}},
    })
    return spec


def sweep_spec(points: Sequence[Mapping[str, Any]], label: str, priced: bool
               ) -> dict[str, Any]:
    """Cold starts, p99 added latency and (when priced) cost against the swept value."""
    order = [p["value"] for p in points]
    x = {"field": "value", "type": "ordinal", "sort": order, "title": label,
         "axis": {"labelAngle": 0}}

    def panel(field: str, title: str, fmt: str, colour: str) -> dict[str, Any]:
        return {
            "width": 230,
            "height": 200,
            "title": title,
            "mark": {"type": "line", "point": True, "color": colour},
            "encoding": {
                "x": x,
                "y": {"field": field, "type": "quantitative", "title": None},
                "tooltip": [{"field": "value", "title": label},
                            {"field": field, "title": title, "format": fmt}],
            },
        }

    panels = [
        panel("cold_starts", "cold starts", ",d", "#e6550d"),
        panel("added_latency_p99_ms", "p99 added ms", ",.1f", "#756bb1"),
    ]
    if priced:
        panels.append(panel("cost_usd", "cost (USD)", "$.6~g", "#31a354"))
    spec = _base(f"Sweep of {label.lower()}: where the curve bends",
                 "Cold starts, added latency and cost for each swept value.")
    spec.update({"data": {"values": list(points)}, "hconcat": panels})
    return spec
