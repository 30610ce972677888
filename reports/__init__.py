"""Rendering of lamlife analyses: rich tables, JSON, CSV, Markdown, HTML. No domain logic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lamlife.lifecycle.errors import InputError

if TYPE_CHECKING:
    from lamlife.lifecycle.analysis import Analysis
    from lamlife.reports.sections import Section

FORMATS: tuple[str, ...] = ("table", "json", "csv", "markdown", "html")


def render(
    analysis: Analysis,
    fmt: str,
    *,
    include_invocations: bool = False,
    top: int = 10,
    sort_by: str = "invocations",
    max_events: int = 20,
    width: int = 100,
    extra_sections: Sequence[Section] = (),
) -> str:
    """The analysis as text in one of :data:`FORMATS`.

    ``json`` follows DESIGN.md's contract (``include_invocations`` adds the per-invocation
    list); ``csv`` is the invocation table; ``markdown`` and ``table`` (the terminal report as
    plain text, ``width`` columns wide) show the human sections, with ``extra_sections``
    appended; ``html`` is one self-contained page with charts and those sections as tables.
    For a live terminal use :func:`lamlife.reports.tables.render_terminal`.
    """
    if fmt == "json":
        from lamlife.reports.json_report import render_json

        return render_json(analysis, include_invocations=include_invocations, top=top)
    if fmt == "csv":
        from lamlife.reports.csv_report import render_csv

        return render_csv(analysis)
    if fmt == "markdown":
        from lamlife.reports.markdown_report import render_markdown

        return render_markdown(
            analysis,
            top=top,
            sort_by=sort_by,
            max_events=max_events,
            extra_sections=extra_sections,
        )
    if fmt == "html":
        from lamlife.reports.html import render_analysis_html

        return render_analysis_html(
            analysis, top=top, sort_by=sort_by, max_events=max_events,
            extra_sections=extra_sections,
        )
    if fmt == "table":
        from lamlife.reports.tables import render_text

        return render_text(
            analysis,
            width=width,
            top=top,
            sort_by=sort_by,
            max_events=max_events,
            extra_sections=extra_sections,
        )
    raise InputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
