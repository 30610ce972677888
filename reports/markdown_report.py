"""The human report as GitHub-flavoured Markdown: the same sections as the terminal tables."""

from __future__ import annotations

from collections.abc import Sequence

from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.text import printable
from lamlife.reports import sections as sec
from lamlife.reports.sections import Section

TITLE = "# lamlife analysis"


# Characters that could start Markdown markup in a cell or a note. Brackets and underscores
# are left alone: "[$LATEST]" is not followed by "(", and names use underscores inside words.
_SPECIAL = "\\|`*<"


def escape_cell(text: str) -> str:
    """Text for a table cell or a note: line breaks flattened, markup characters escaped.

    ``$`` is escaped only when a text holds two of them, which GitHub could read as math.
    """
    flat = printable(" ".join(text.splitlines()))  # no terminal control from log text
    special = _SPECIAL + "$" if flat.count("$") >= 2 else _SPECIAL
    return "".join("\\" + char if char in special else char for char in flat)


def section_markdown(section: Section) -> str:
    """One section: a ``##`` heading, a pipe table (when it has rows) and its notes."""
    lines: list[str] = []
    if section.title:
        lines += [f"## {escape_cell(section.title)}", ""]
    if section.columns and section.rows:
        headers = section.markdown_headers or tuple(column.header for column in section.columns)
        lines.append("| " + " | ".join(escape_cell(h) for h in headers) + " |")
        lines.append(
            "| "
            + " | ".join("---:" if column.align == "right" else "---" for column in section.columns)
            + " |"
        )
        for row in section.rows:
            lines.append("| " + " | ".join(escape_cell(cell) for cell in row) + " |")
        if section.notes:
            lines.append("")
    for index, note in enumerate(section.notes):
        if index:
            lines.append("")  # one paragraph per note
        lines.append(escape_cell(note))
    return "\n".join(lines)


def render_markdown(
    analysis: Analysis,
    top: int = 10,
    sort_by: str = "invocations",
    max_events: int = 20,
    extra_sections: Sequence[Section | str] = (),
    lead_sections: Sequence[Section] = (),
    title: str = TITLE,
) -> str:
    """The whole report as Markdown text ending with one newline, under ``title``.

    ``extra_sections`` go where the terminal report puts them (``sections.extras_position``):
    a :class:`Section` is drawn
    like the others, a string is taken as ready Markdown. ``lead_sections`` come first.
    """
    built = sec.report_sections(analysis, top=top, sort_by=sort_by, max_events=max_events)
    blocks = [section_markdown(section) for section in built]
    if not sec.is_empty(analysis):
        at = sec.extras_position(built)
        blocks[at:at] = [
            section_markdown(extra) if isinstance(extra, Section) else extra.rstrip("\n")
            for extra in extra_sections
        ]
    blocks[:0] = [title, *(section_markdown(section) for section in lead_sections)]
    return "\n\n".join(blocks) + "\n"
