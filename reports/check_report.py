"""Rendering of ``lamlife check`` verdicts: a rich table, Markdown, JSON and JUnit XML.

The verdicts come from ``lamlife.lifecycle.check.budget.evaluate``; nothing here decides pass
or fail.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from lamlife.lifecycle.check.budget import Verdict
from lamlife.reports.sections import Column, Section
from lamlife.reports.tables import header_cell, id_cell, records, table_layout

NO_DATA = "no data"
JUNIT_SUITE = "lamlife check"
JUNIT_CLASS = "lamlife.check"


def fmt_number(value: float | None) -> str:
    """A metric value: integers plain, else up to 6 significant digits (no exponent from
    1e-4 to 1e5), so that a value close to its limit still reads as different from it."""
    if value is None or math.isnan(value):
        return "-"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    if abs(value) >= 1e5:
        return f"{value:.0f}"
    return f"{value:.6g}"


def fmt_increase(increase: float | None) -> str:
    """A relative change as a signed percentage; infinite (from a zero baseline) as ``+inf``."""
    if increase is None or math.isnan(increase):
        return "-"
    if math.isinf(increase):
        return "+inf" if increase > 0 else "-inf"
    return f"{100.0 * increase:+.1f}%"


def _limit_percent(limit: float) -> str:
    if math.isinf(limit):
        return "+inf" if limit > 0 else "-inf"
    return f"{100.0 * limit:+.4g}%"


def limit_text(verdict: Verdict, ascii_only: bool = False) -> str:
    """``≤ 800``, ``≥ 1000`` or ``≤ +10% vs 2.5`` (the baseline value)."""
    le, ge = ("<=", ">=") if ascii_only else ("≤", "≥")
    if verdict.kind == "max":
        return f"{le} {fmt_number(verdict.limit)}"
    if verdict.kind == "min":
        return f"{ge} {fmt_number(verdict.limit)}"
    return f"{le} {_limit_percent(verdict.limit)} vs {fmt_number(verdict.baseline)}"


def value_text(verdict: Verdict) -> str:
    """The measured value; with the change from the baseline for ``max_increase``."""
    if math.isnan(verdict.value):
        return NO_DATA
    if verdict.kind == "max_increase":
        return f"{fmt_number(verdict.value)} ({fmt_increase(verdict.increase)})"
    return fmt_number(verdict.value)


def verdict_text(verdict: Verdict) -> str:
    return {"pass": "pass", "fail": "FAIL", "no_data": NO_DATA}[verdict.status]


def message(verdict: Verdict) -> str:
    """One sentence naming the metric, its value and the limit (ASCII)."""
    name, value = verdict.metric, fmt_number(verdict.value)
    if verdict.no_data:
        what = "the baseline" if not math.isnan(verdict.value) else "this analysis"
        if not verdict.ok:
            return (
                f"{name}: no data in {what}, so {verdict.kind} {limit_text(verdict, True)} "
                "does not hold (the budget does not allow_no_data)"
            )
        return (
            f"{name}: no data in {what}; {verdict.kind} {limit_text(verdict, True)} not evaluated"
        )
    if verdict.kind == "max":
        word = "within" if verdict.ok else "exceeds"
        return f"{name} = {value} {word} max {fmt_number(verdict.limit)}"
    if verdict.kind == "min":
        word = "meets" if verdict.ok else "is below"
        return f"{name} = {value} {word} min {fmt_number(verdict.limit)}"
    change = fmt_increase(verdict.increase)
    word = "within" if verdict.ok else "exceeds"
    return (
        f"{name} = {value} is {change} vs baseline {fmt_number(verdict.baseline)}, "
        f"{word} max_increase {_limit_percent(verdict.limit)}"
    )


def headline(verdicts: Sequence[Verdict]) -> str:
    """``2 of 7 limits exceeded`` or ``all 7 limits hold`` (plus how many had no data)."""
    exceeded = sum(1 for v in verdicts if not v.ok and not v.no_data)
    missing = sum(1 for v in verdicts if not v.ok and v.no_data)
    skipped = sum(1 for v in verdicts if v.ok and v.no_data)
    total = len(verdicts)
    noun = "limit" if total == 1 else "limits"
    if exceeded and missing:
        text = f"{exceeded} of {total} {noun} exceeded, {missing} without data"
    elif exceeded:
        text = f"{exceeded} of {total} {noun} exceeded"
    elif missing:
        text = f"{missing} of {total} {noun} without data"
    else:
        text = "the 1 limit holds" if total == 1 else f"all {total} limits hold"
    if skipped:
        text += f" ({skipped} without data, allowed)"
    return text


def _json_number(value: float | None) -> float | None:
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return value


# --- rich ----------------------------------------------------------------------------------


_STYLES = {"pass": "green", "fail": "bold red", "no_data": "dim"}


def render_table(verdicts: Sequence[Verdict], title: str | None = None) -> VerdictTable:
    """A rich renderable: metric, value, limit, verdict, laid out for the width it is drawn at
    (``VerdictTable``)."""
    return VerdictTable(verdicts, title)


class VerdictTable:
    """The verdicts as a boxed table laid out like analyze's tables (``reports/tables.py``):
    when the natural widths do not fit, values and limits wrap between words and a metric
    name breaks after its ``_`` (``init_ahead_of_`` / ``demand_p95_ms``), never inside a
    piece between separators and never with an ellipsis (``cold_star…`` could be either of
    two limits); when even that cannot fit, one ``Header  value`` record per limit."""

    def __init__(self, verdicts: Sequence[Verdict], title: str | None = None) -> None:
        self.verdicts = list(verdicts)
        self.title = title or f"lamlife check: {headline(self.verdicts)}"
        self.title_style = "bold green" if all(v.ok for v in self.verdicts) else "bold red"

    def _section(self) -> Section:
        return Section(
            title=self.title,
            columns=(Column("Metric", keep_words=True), Column("Value", "right"),
                     Column("Limit", "right"), Column("Verdict", keep_words=True)),
            rows=tuple((v.metric, value_text(v), limit_text(v), verdict_text(v))
                       for v in self.verdicts),
        )

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        section = self._section()
        columns = len(section.columns)
        # a boxed table takes an edge each side and a pad each side of every column; the
        # layout counts one pad per column and one separator between columns
        widths, as_records = table_layout(section, options.max_width - (columns + 2))
        if as_records:
            yield Text(self.title, style=self.title_style)
            yield records(section, options.max_width)
            return
        table = Table(title=self.title, title_style=self.title_style, title_justify="left")
        for index, column in enumerate(section.columns):
            table.add_column(
                header_cell(column.header, widths[index]) if widths else column.header,
                justify=column.align, overflow="fold", style="bold" if index == 0 else "",
                width=widths[index] if widths else None,
            )
        for v, row in zip(self.verdicts, section.rows, strict=True):
            metric = id_cell(row[0], widths[0]) if widths else row[0]
            table.add_row(Text(metric), row[1], row[2],
                          Text(row[3], style=_STYLES[v.status] if v.ok else "bold red"))
        yield table


# --- markdown ------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(
    verdicts: Sequence[Verdict], notes: Sequence[str] = (), title: str = "lamlife check"
) -> str:
    """A Markdown section for a pull-request comment or ``$GITHUB_STEP_SUMMARY``."""
    ok = all(v.ok for v in verdicts)
    mark = "✅" if ok else "❌"
    lines = [f"### {mark} {title}: {headline(verdicts)}", ""]
    for note in notes:
        lines.append(f"- {_md_cell(note)}")
    if notes:
        lines.append("")
    lines += ["| Metric | Value | Limit | Verdict |", "|---|---:|---:|---|"]
    icons = {"pass": "✅ pass", "fail": "❌ **FAIL**", "no_data": "➖ no data"}
    for v in verdicts:
        lines.append(
            f"| `{v.metric}` | {_md_cell(value_text(v))} | {_md_cell(limit_text(v))} "
            f"| {icons[v.status] if v.ok or not v.no_data else '❌ **no data**'} |"
        )
    return "\n".join(lines) + "\n"


# --- json ----------------------------------------------------------------------------------


def verdict_dict(verdict: Verdict) -> dict[str, Any]:
    return {
        "metric": verdict.metric,
        "kind": verdict.kind,
        "limit": _json_number(verdict.limit) if math.isfinite(verdict.limit) else None,
        "value": _json_number(verdict.value),
        "baseline": _json_number(verdict.baseline),
        "increase": _json_number(verdict.increase),
        "status": verdict.status,
        "ok": verdict.ok,
        "message": message(verdict),
    }


def render_json(
    verdicts: Sequence[Verdict],
    metrics: Mapping[str, float] | None = None,
    context: Mapping[str, Any] | None = None,
) -> str:
    """``{"ok", "limits", "failed", "no_data", "verdicts": [...], "metrics": {...}, ...}``.

    NaN and infinite numbers are written as null; ``context`` keys (budget, baseline,
    functions, ...) are added at the top level.
    """
    document: dict[str, Any] = {
        "ok": all(v.ok for v in verdicts),
        "limits": len(verdicts),
        "failed": sum(1 for v in verdicts if not v.ok),
        "no_data": sum(1 for v in verdicts if v.no_data),
        "verdicts": [verdict_dict(v) for v in verdicts],
    }
    if metrics is not None:
        document["metrics"] = {k: _json_number(float(x)) for k, x in sorted(metrics.items())}
    if context:
        document.update(context)
    return json.dumps(document, indent=2) + "\n"


# --- junit ---------------------------------------------------------------------------------


def render_junit(verdicts: Sequence[Verdict], suite_name: str = JUNIT_SUITE) -> str:
    """JUnit XML: one test case per limit, named ``<kind>.<metric>``; a failure per exceeded
    limit (or limit without data the budget does not allow) with a message naming the value and
    the limit; limits allowed to have no data are skipped."""
    failures = sum(1 for v in verdicts if not v.ok)
    skipped = sum(1 for v in verdicts if v.ok and v.no_data)
    counts = {
        "tests": str(len(verdicts)),
        "failures": str(failures),
        "errors": "0",
        "skipped": str(skipped),
    }
    root = ET.Element("testsuites", {"name": suite_name, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": suite_name, **counts})
    for v in verdicts:
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": JUNIT_CLASS, "name": f"{v.kind}.{v.metric}", "time": "0"},
        )
        if not v.ok:
            failure = ET.SubElement(case, "failure", {"message": message(v), "type": v.kind})
            failure.text = message(v)
        elif v.no_data:
            ET.SubElement(case, "skipped", {"message": message(v)})
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
