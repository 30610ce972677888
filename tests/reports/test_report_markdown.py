"""`lamlife analyze --format markdown`: the terminal sections as GitHub Markdown tables."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from lamlife.lifecycle.analysis import Analysis
from lamlife.reports import render
from lamlife.reports.markdown_report import escape_cell, render_markdown, section_markdown
from lamlife.reports.sections import Column, Section

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "reports"
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def tables(text: str) -> list[list[str]]:
    """Each run of consecutive lines starting with "|"."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def cells(line: str) -> list[str]:
    assert line.startswith("| ") and line.endswith(" |"), line
    return [cell.strip() for cell in UNESCAPED_PIPE.split(line)[1:-1]]


def test_sample_matches_golden(sample: Analysis) -> None:
    assert render_markdown(sample) == (GOLDEN / "sample.md").read_text(encoding="utf-8")


def test_sections_and_table_shape(sample: Analysis) -> None:
    text = render_markdown(sample)
    headings = [line for line in text.split("\n") if line.startswith("#")]
    assert headings == [
        "# lamlife analysis",
        "## Cold starts",
        "## Summary",
        "## Functions",
        "## Start types",
        "## Init duration",
        "## Init duration by function",
        "## Environments (3, by invocations)",
        "## Flagged events (3), 2026-07-20 (UTC)",
    ]
    blocks = tables(text)
    # rows below the header and separator: the headline 4 (how many, init ahead, INIT cost,
    # init duration: the sample has no causes), summary 12, functions 2, start types 6 +
    # total, percentiles 4, per function 2, environments 3, events 3
    assert [len(block) - 2 for block in blocks] == [4, 12, 2, 7, 4, 2, 3, 3]
    for block in blocks:
        width = len(cells(block[0]))
        assert all(len(cells(line)) == width for line in block), block[0]
        assert all(re.fullmatch(r"-{3}:?", cell) for cell in cells(block[1])), block[1]
        # every table is preceded and followed by a blank line (or the end)
        start = text.index(block[0])
        assert text[start - 2 : start] == "\n\n"


def test_numbers_align_right(sample: Analysis) -> None:
    block = tables(render_markdown(sample))[2]  # functions
    assert cells(block[0])[:3] == ["Function", "Version", "Invocations"]
    assert cells(block[1])[:3] == ["---", "---", "---:"]
    assert cells(block[2]) == [
        "billing-worker", "7", "3", "1", "2 (66.7%)", "1", "0", "0", "0"
    ]


def test_notes_are_paragraphs_and_marks_escaped(sample: Analysis) -> None:
    text = render_markdown(sample)
    # the footnote starts with "*": unescaped it would become a list item
    assert "\n\\* from 10 inits or fewer (p90)" in text
    assert "| 810.07\\* |" in text


def test_cells_escape_pipes_and_flatten_lines(make_sample: Callable[[], Analysis]) -> None:
    analysis = make_sample()
    analysis.events.loc[0, "reason"] = "a | b\nc `d` <e> $1 and $2"
    text = render_markdown(analysis)
    row = next(line for line in text.split("\n") if "| timeout |" in line)
    assert row.endswith("| a \\| b c \\`d\\` \\<e> \\$1 and \\$2 |")
    assert len(cells(row)) == 5
    assert escape_cell("[$LATEST]…d09725b8") == "[$LATEST]…d09725b8"


def test_caps_lines(many: Analysis) -> None:
    text = render_markdown(many, top=2, max_events=3, sort_by="lifetime")
    assert "## Environments: top 2 of 12 by lifetime" in text
    assert "\n... 10 more environments\n" in text
    assert text.endswith("\n... 22 more events\n")


def test_empty(empty: Analysis) -> None:
    text = render_markdown(empty)
    assert text == (GOLDEN / "empty.md").read_text(encoding="utf-8")
    assert text == (
        "# lamlife analysis\n\nNo invocations found.\n\n"
        "Read 1 file, 3 lines, 3 log events: 0 platform records, 3 ignored, 0 malformed.\n"
    )


def test_extra_sections(sample: Analysis) -> None:
    cost = Section(
        title="Cost", columns=(Column("Item"), Column("USD", "right")), rows=(("Total", "$1"),)
    )
    text = render_markdown(sample, extra_sections=[cost, "Prices as of 2026-07-01.\n"])
    # after the counts and init durations, before the environments (as on a terminal)
    assert (
        "## Cost\n\n| Item | USD |\n| --- | ---: |\n| Total | $1 |\n\nPrices as of 2026-07-01.\n"
        "\n## Environments"
    ) in text
    assert text.index("## Init duration by function") < text.index("## Cost")
    assert section_markdown(cost).startswith("## Cost\n")


def test_dispatcher(sample: Analysis) -> None:
    assert render(sample, "markdown") == render_markdown(sample)
