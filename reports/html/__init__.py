"""``--format html``: one self-contained page with charts and the report's tables.

Charts are Vega-Lite specs drawn by the vendored vega, vega-lite and vega-embed scripts
(``vendor/``, BSD-3-Clause, with the licences of everything they bundle in
``vendor/LICENSES.txt``). What each chart draws is built by :mod:`.data` from the same
:class:`~lamlife.lifecycle.analysis.Analysis` the JSON report is written from; the tables
are the terminal report's sections (:mod:`lamlife.reports.sections`) as HTML tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lamlife.lifecycle import __version__
from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.check.budget import Verdict
from lamlife.reports import sections as sec
from lamlife.reports._format import fmt_int, fmt_rate, fmt_time
from lamlife.reports.cost import PARTLY_MARK, nothing_priced
from lamlife.reports.html import data, specs
from lamlife.reports.html.page import card, chart, document, esc, section_html
from lamlife.reports.sections import Section

__all__ = [
    "analysis_body",
    "render_analysis_html",
    "render_check_html",
    "render_simulation_html",
    "render_sweep_html",
]


def _usd(value: Any) -> str:
    from lamlife.reports.cost import usd

    return usd(value)


def _count(value: Any, word: str) -> str:
    return f"{fmt_int(value)} {word}{'' if value == 1 else 's'}"


def headline_cards(analysis: Analysis) -> str:
    """Invocations, cold-start rate with its split, INIT share of cost, failures."""
    summary = analysis.summary or {}
    kinds = summary.get("start_types") or {}
    split = " · ".join(f"{kind} {fmt_int(kinds.get(kind, 0))}" for kind in
                       ("cold", "restore", "reinit"))
    others = " · ".join(f"{kind} {fmt_int(kinds.get(kind, 0))}" for kind in
                        ("warm", "proactive", "provisioned"))
    cards = [
        card("Invocations", fmt_int(summary.get("invocations")),
             f"in {fmt_int(summary.get('environments'))} environments"),
        card("Cold-start rate", fmt_rate(summary.get("cold_start_rate")),
             f"{fmt_int(summary.get('cold_starts'))} cold starts: {split}; {others}"),
    ]
    cost = summary.get("cost")
    if cost and nothing_priced(cost):  # $0 of $0 would read as free
        cards.append(card("INIT share of cost", "-", "unpriced: no price for any invocation"))
    elif cost:
        unpriced = int(cost.get("unpriced_invocations") or 0)
        mark = PARTLY_MARK if unpriced else ""
        cards.append(card("INIT share of cost", fmt_rate(cost.get("init_share")),
                          f"{_usd(cost.get('init_usd'))}{mark} of "
                          f"{_usd(cost.get('total_usd'))}{mark}"
                          + (f"; {_count(unpriced, 'invocation')} unpriced" if unpriced else "")))
    else:
        cards.append(card("INIT share of cost", "-", "not priced"))
    failures = sum(int(summary.get(key) or 0) for key in ("timeouts", "errors", "init_failures"))
    cards.append(card(
        "Failures", fmt_int(failures),
        f"{_count(summary.get('timeouts'), 'timeout')} · {_count(summary.get('errors'), 'error')}"
        f" ({fmt_int(summary.get('out_of_memory'))} out of memory) · "
        f"{_count(summary.get('init_failures'), 'init failure')} · "
        f"{_count(summary.get('reset_loops'), 'reset loop')}",
        bad=failures > 0,
    ))
    return '<section class="cards">' + "".join(cards) + "</section>"


def analysis_charts(analysis: Analysis, top: int = 10, sort_by: str = "invocations",
                    prefix: str = "") -> list[str]:
    """The charts of an analysis, as HTML figures (ids prefixed with ``prefix``)."""
    over = data.over_time(analysis)
    if len(analysis.environments):
        parts = _environment_charts(analysis, over, top, sort_by, prefix)
    else:
        parts = ['<p class="note">No timeline and no environments-alive chart: the input names '
                 "no execution environment (no log stream), so environments cannot be "
                 "rebuilt.</p>"]
    parts.append(chart(prefix + "start-types", specs.start_types_spec(over),
                       over["note"] + " Bars: invocations by start type; line: cold-start "
                       "rate (cold + restore + reinit over invocations)."))
    inits = data.init_distribution(analysis)
    if inits["groups"]:
        parts.append(chart(prefix + "init", specs.init_spec(inits),
                           "Each panel: how many inits took how long, with p50, p90 and p99 "
                           "(linear interpolation between closest ranks) and the count they "
                           "are over. Restore: SnapStart Restore Duration."))
    costs = data.cost_by_function((analysis.summary or {}).get("cost"))
    if costs["rows"]:
        parts.append(chart(prefix + "cost", specs.cost_spec(costs),
                           "INIT/restore: the INIT share of billed duration plus SnapStart "
                           "restore charges; duration: the rest of each function's duration "
                           "charges (and ephemeral storage)." + _unpriced_caption(costs)))
    return parts


def _unpriced_caption(costs: Mapping[str, Any]) -> str:
    """What the cost chart leaves out: functions with no priced invocation (no bar, not a
    $0 one) and the unpriced invocations of the others."""
    text = ""
    if costs.get("unpriced"):
        text += f" Unpriced, no bar: {', '.join(costs['unpriced'])}."
    if costs.get("partly"):
        text += (f" Partly priced, the bar leaves out the unpriced invocations: "
                 f"{', '.join(costs['partly'])}.")
    return text


def _environment_charts(analysis: Analysis, over: dict[str, Any], top: int, sort_by: str,
                        prefix: str) -> list[str]:
    """The environment timeline and environments alive over time."""
    line = data.timeline(analysis, top=top, sort_by=sort_by)
    caption = (line["note"] + " Orange: the init a caller waited for; grey: from there to "
               "the last invocation's end; hover a mark for its reason.")
    if any(row["init_start"] and not row["init_waited"] for row in line["rows"]):
        caption += " Green dashes: an init ahead of demand, up to the first request."
    elif any(mark["start_type"] == "proactive" for mark in line["marks"]):
        caption += (" A proactive environment starts at its first request (green): its reason "
                    "says how long before that it was initialized.")
    return [
        chart(prefix + "timeline", specs.timeline_spec(line, over["bucket"]), caption),
        chart(prefix + "alive", specs.alive_spec(over),
              "Environments alive in each bucket: from the init the first caller waited for "
              "(else the first request) to the last invocation's end."),
    ]


def analysis_body(
    analysis: Analysis,
    top: int = 10,
    sort_by: str = "invocations",
    max_events: int = 20,
    extra_sections: Sequence[Section] = (),
    prefix: str = "",
) -> list[str]:
    """Headline cards, charts, then the terminal report's sections as tables."""
    built = sec.report_sections(analysis, top=top, sort_by=sort_by, max_events=max_events)
    if sec.is_empty(analysis):
        return [section_html(s) for s in built]
    return [
        headline_cards(analysis),
        '<h2>Charts</h2>',
        *analysis_charts(analysis, top=top, sort_by=sort_by, prefix=prefix),
        *[section_html(s) for s in built],
        *[section_html(s) for s in extra_sections],
    ]


def _window(analysis: Analysis) -> str | None:
    inv = analysis.held_invocations
    if not len(inv):
        return None
    return (f"From {fmt_time(inv['start'].min())} to {fmt_time(inv['end'].max())} UTC.")


def render_analysis_html(
    analysis: Analysis,
    top: int = 10,
    sort_by: str = "invocations",
    max_events: int = 20,
    extra_sections: Sequence[Section] = (),
    title: str = "lamlife analysis",
) -> str:
    """The analyze report as one HTML page (see the module docstring)."""
    meta = [sec.input_line(analysis.input)]
    if window := _window(analysis):
        meta.append(window)
    body = analysis_body(analysis, top=top, sort_by=sort_by, max_events=max_events,
                         extra_sections=extra_sections)
    return document(title, meta, body, __version__)


def render_simulation_html(
    analysis: Analysis,
    comparison: Sequence[Mapping[str, Any]],
    lead_sections: Sequence[Section],
    top: int = 10,
    extra_sections: Sequence[Section] = (),
) -> str:
    """A simulated run: the policy and observed-against-simulated first (table and chart),
    then the simulated analysis as :func:`render_analysis_html` draws it."""
    from lamlife.reports.simulate import METRIC_LABELS

    body = [section_html(s) for s in lead_sections]
    rows = [{**row, "label": METRIC_LABELS.get(str(row["metric"]), str(row["metric"]))}
            for row in comparison]
    if any(row.get("observed") is not None for row in rows):
        body.append(chart("comparison", specs.comparison_spec(rows),
                          "Observed: the input as analyzed; simulated: the same arrivals "
                          "replayed under the policy above. Each panel has its own scale."))
    body.append("<h2>The simulated run</h2>")
    body += analysis_body(analysis, top=top, extra_sections=extra_sections)
    meta = [sec.input_line(analysis.input)]
    if window := _window(analysis):
        meta.append(window)
    return document("lamlife simulation", meta, body, __version__)


def render_sweep_html(rows: Sequence[Mapping[str, Any]], sections: Sequence[Section]) -> str:
    """A sweep: the chart of cold starts, added latency and cost against the swept value,
    then the policy and sweep tables."""
    from lamlife.reports.simulate import PARAMETER_LABELS

    parameter = str(rows[0]["parameter"]) if rows else "value"
    label = PARAMETER_LABELS.get(parameter, parameter)
    points = data.sweep_points(rows, label)
    priced = any(row.get("cost_usd") is not None for row in rows)
    body = []
    if points:
        body.append(chart("sweep", specs.sweep_spec(points, label, priced),
                          "Pick the level where the curve bends: past it, more costs more "
                          "and saves few cold starts."))
    body += [section_html(s) for s in sections]
    meta = [f"{len(rows)} runs of the same arrivals, one per {label.lower()} value."]
    return document("lamlife simulation sweep", meta, body, __version__)


def render_check_html(verdicts: Sequence[Verdict], notes: Sequence[str] = ()) -> str:
    """The check verdicts as a table with failing limits highlighted."""
    from lamlife.reports.check_report import headline, limit_text, value_text, verdict_text

    ok = all(v.ok for v in verdicts)
    banner = (f'<div class="verdict-banner {"ok" if ok else "failed"}">'
              f'{"Passed" if ok else "Failed"}: {esc(headline(verdicts))}</div>')
    table = Section(
        title="Limits",
        columns=(sec.Column("Metric"), sec.Column("Value", "right"),
                 sec.Column("Limit", "right"), sec.Column("Verdict")),
        rows=tuple((v.metric, value_text(v), limit_text(v), verdict_text(v)) for v in verdicts),
    )
    body = [banner, section_html(table, [v.status for v in verdicts])]
    return document("lamlife check", list(notes), body, __version__)
