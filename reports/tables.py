"""Rich renderables for a terminal: the sections of ``sections.py`` as rich tables.

Every cell is a ``rich.text.Text``, so names such as ``[$LATEST]`` are never read as markup.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import NamedTuple

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.text import printable
from lamlife.reports import sections as sec
from lamlife.reports.sections import Section


def _longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


# Ids (function names, log streams, Regions) break after these before they fold anywhere:
# "checkout-service-" / "production", "2026/04/14/[$LATEST]" / "3f9c2a7e..."
_ID_BREAK = re.compile(r"(?<=[-_/.:\]])")
# An id spreads over at most this many lines at its separators before number headers fold;
# ids of at most ID_SHORT cells (Regions, versions, short names) are not broken that way
ID_LINES = 3
ID_SHORT = 16
# Text cells (reasons, meanings) wrap between words down to this many cells before ids break
TEXT_COMFORT = 24


def id_lines(word: str, width: int) -> list[str]:
    """``word`` cut after separators into lines of at most ``width`` cells, greedily (a
    piece longer than ``width`` stays whole: the table folds it)."""
    lines: list[str] = []
    for piece in _ID_BREAK.split(word):
        if lines and cell_len(lines[-1]) + cell_len(piece) <= width:
            lines[-1] += piece
        else:
            lines.append(piece)
    return lines or [""]


def _id_width(text: str, most_lines: int = ID_LINES) -> int:
    """The narrowest width at which every word of ``text`` breaks at separators into at
    most ``most_lines`` lines, none folded."""
    widest = 0
    for word in text.split():
        if cell_len(word) <= ID_SHORT:
            widest = max(widest, cell_len(word))
            continue
        pieces = _ID_BREAK.split(word)
        width = max(cell_len(p) for p in pieces)
        while len(id_lines(word, width)) > most_lines:
            width += 1
        widest = max(widest, width)
    return widest


# A name made of words joined by "-" or "_" ("tenner-notifier", "java_orders"); not a code
# such as a Region ("us-east-1") or a time ("09:19:12")
_NAME_WORDS = re.compile(r"[A-Za-z0-9]{3,}(?:[-_][A-Za-z0-9]{3,})+")


def _name_width(text: str) -> int:
    """The narrowest width at which every word of ``text`` that is a name of words
    (``_NAME_WORDS``) breaks after its ``-``/``_`` into at most ``ID_LINES`` lines; other
    words keep their width."""
    widest = 0
    for word in text.split():
        width = cell_len(word)
        if _NAME_WORDS.fullmatch(word):
            width = max(cell_len(p) for p in re.split(r"(?<=[-_])", word))
            while len(id_lines(word, width)) > ID_LINES:
                width += 1
        widest = max(widest, width)
    return widest


def _header_lines(header: str, width: int) -> int:
    """Lines ``header`` takes at ``width`` cells: words wrapped, a longer word folded."""
    lines, used = 0, width  # ``used`` past ``width``: the next word starts a line
    for word in header.split():
        size = cell_len(word)
        if size > width:
            lines += -(-size // width)
            used = width  # a folded word ends its last line
        elif used + 1 + size <= width:
            used += 1 + size
        else:
            lines += 1
            used = size
    return lines


def _two_line_width(header: str, narrowest: int) -> int:
    """The narrowest width, at least ``narrowest``, at which ``header`` takes two lines at most."""
    width = narrowest
    while _header_lines(header, width) > 2:
        width += 1
    return width


class _Fit(NamedTuple):
    widths: list[int] | None  # None: more columns than cells to draw them
    # the widths fold a number or an id between its separators: the section is drawn as
    # records instead (one "Header  value" line per cell)
    folds_words: bool


def fit_widths(section: Section, width: int) -> list[int] | None:
    """Column content widths that fit ``width``, or ``None`` when the natural widths fit."""
    fit = _fit(section, width)
    return fit.widths if fit is not None else None


def _fit(section: Section, width: int) -> _Fit | None:
    """Column content widths that fit ``width``, or ``None`` when the natural widths fit.

    Space is taken back in rounds, each time one character from the widest column that can
    still give: first headers wider than their column's cells wrap between words ("Cold
    starts" over two lines; a number header never past two lines before its own round),
    then text (reasons, meanings) wraps between words down to ``TEXT_COMFORT`` cells, then
    ids longer than ``ID_SHORT`` break after their separators over up to ``ID_LINES`` lines
    (``id_lines``), then text wraps down to its longest word, then long words of text columns
    fold (never below their header's longest word), then short names break between words,
    then headers of number columns fold down to their numbers' width (two lines at most),
    then every id (a Region, a short name too) breaks after any of its separators down to
    its widest piece ("us-" / "east-1"), so that no piece folds where breaking another id
    makes room (a partly priced amount's "+" takes one more cell in its number column), then
    words of ids, and only when that is not enough do numbers fold (``folds_words``).
    """
    columns = len(section.columns)
    # rich measures one pad per column and one separator between columns
    available = width - (2 * columns - 1)
    headers = [column.header for column in section.columns]
    cells = [[row[i] for row in section.rows] for i in range(columns)]
    widest_cell = [max((cell_len(cell) for cell in cells[i]), default=0) for i in range(columns)]
    natural = [max(cell_len(headers[i]), widest_cell[i]) for i in range(columns)]
    if sum(natural) <= available:
        return None
    if columns > available:
        return _Fit(None, True)
    longest_word = [
        max([_longest_word(headers[i])] + [_longest_word(cell) for cell in cells[i]])
        for i in range(columns)
    ]
    # text columns fold their long words ("reset_loop;started_before_window") but not their
    # header's words ("Flags" one letter a line)
    is_number = [section.columns[i].align == "right" for i in range(columns)]
    is_text = [not section.columns[i].keep_words and not is_number[i] for i in range(columns)]
    floor_text = [_longest_word(headers[i]) if is_text[i] else longest_word[i]
                  for i in range(columns)]
    # a number header wraps between words onto two lines at most until the header-fold round
    number_header = [max(longest_word[i], _two_line_width(headers[i], 1))
                     if is_number[i] else 0 for i in range(columns)]
    # text (reasons, meanings) wraps between words down to TEXT_COMFORT cells before ids break
    comfort = [max(longest_word[i], min(natural[i], TEXT_COMFORT)) if is_text[i]
               else max(longest_word[i], number_header[i]) for i in range(columns)]
    floors = (
        [max(widest_cell[i], longest_word[i], number_header[i])
         for i in range(columns)],  # wrap headers between words
        comfort,  # wrap text between words, keeping it readable
        # then ids break at their separators, over a few lines ("checkout-service-")
        [max(_id_width(headers[i]), *(_id_width(cell) for cell in cells[i]))
         if section.columns[i].keep_words else comfort[i] for i in range(columns)],
        [max(longest_word[i], number_header[i]) for i in range(columns)],  # text between words
        # fold words of text columns first: numbers and headers stay whole
        [max(floor_text[i], number_header[i]) for i in range(columns)],
        # then short names break between their words too ("tenner-/notifier"), so that a
        # header word does not fold
        [max(_name_width(headers[i]), *(_name_width(cell) for cell in cells[i]))
         if section.columns[i].keep_words else max(floor_text[i], number_header[i])
         for i in range(columns)],
        # then headers of number columns, down to their numbers' width but each header over
        # two lines at most ("Invoca/tions", "Cold/starts")
        (header_fold := [_two_line_width(headers[i], max(widest_cell[i], 1))
                         if is_number[i] and not section.columns[i].keep_words
                         else longest_word[i] for i in range(columns)]),
        # then ids (Regions and short names too) break after any of their separators
        # ("us-/east-1"), no piece and no header word folded
        [max(_longest_word(headers[i]), *(_piece_width(cell) for cell in cells[i]))
         if section.columns[i].keep_words else header_fold[i] for i in range(columns)],
        # then words of ids (keep_words: environments, function names), rather than numbers
        [longest_word[i] if is_number[i] else 1 for i in range(columns)],
        # and only then any word
        [1] * columns,
    )
    widths = list(natural)
    excess = sum(widths) - available
    for floor in floors:
        while excess > 0:
            candidates = [i for i in range(columns) if widths[i] > floor[i]]
            if not candidates:
                break
            # the widest column that can give; on a tie the rightmost (reasons, flags)
            index = max(candidates, key=lambda i: (widths[i], i))
            widths[index] -= 1
            excess -= 1
        if excess <= 0:
            break
    # unreadable: a number narrower than a word of its cells, an id or a text narrower than a
    # piece between its separators, a text header's word folded, any header past two lines
    unbroken = [max((_longest_word(cell) for cell in cells[i]), default=0) if is_number[i]
                else max(_longest_word(headers[i]) if is_text[i] else 0,
                         *(_piece_width(cell) for cell in cells[i]))
                for i in range(columns)]
    return _Fit(widths, any(widths[i] < unbroken[i] or _header_lines(headers[i], widths[i]) > 2
                            for i in range(columns)))


def table_layout(section: Section, width: int) -> tuple[list[int] | None, bool]:
    """How ``section`` fits ``width`` cells (of columns, pads and one separator between
    columns): (content widths, ``None`` when the natural ones fit; ``True`` when the table
    would cut a number or a piece of a name between separators and is to be drawn as
    records, ``records``)."""
    fit = _fit(section, width)
    return (None, False) if fit is None else (fit.widths, fit.folds_words)


def records(section: Section, width: int) -> RenderableType:
    """``section``'s rows as ``Header  value`` records (``_records``), ``width`` cells wide."""
    return _records(section, width)


def id_cell(text: str, width: int) -> str:
    """An id cell with its words longer than ``width`` broken after their separators."""
    return _id_cell(text, width)


def _piece_width(text: str) -> int:
    """The widest piece of ``text`` between spaces and id separators (``_ID_BREAK``)."""
    return max((cell_len(piece) for word in text.split() for piece in _ID_BREAK.split(word)),
               default=0)


def _folded(section: Section, widths: list[int] | None) -> int:
    """How many characters of words (in cells and headers) these widths fold onto another
    line: 0 when every word fits its column."""
    if widths is None:
        return 0
    rows = (*section.rows, tuple(column.header for column in section.columns))
    return sum(max(_longest_word(row[i]) - widths[i], 0) for row in rows
               for i in range(len(section.columns)))


def fitted(section: Section, width: int) -> Section:
    """``section`` without its ``optional`` columns when leaving them out folds fewer words at
    this width; else ``section`` as it is."""
    keep = [i for i, column in enumerate(section.columns) if not column.optional]
    if len(keep) == len(section.columns):
        return section
    folded = _folded(section, fit_widths(section, width))
    if not folded:
        return section
    narrow = replace(section, columns=tuple(section.columns[i] for i in keep),
                     rows=tuple(tuple(row[i] for i in keep) for row in section.rows),
                     markdown_headers=())
    return narrow if _folded(narrow, fit_widths(narrow, width)) < folded else section


def _build(section: Section, width: int) -> RenderableType:
    whole, section = section, fitted(section, width)
    parts: list[RenderableType] = []
    title = Text(section.title, style="bold") if section.title else None
    fit = _fit(section, width) if section.columns and section.rows else None
    if fit is not None and fit.folds_words and section.show_header:
        if title is not None:
            parts.append(title)
        parts.append(_records(whole, width))  # optional columns too: records have room
    elif section.columns and section.rows:
        table = Table(
            title=title,
            title_justify="left",
            title_style="bold",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            show_header=section.show_header,
            header_style="bold",
            pad_edge=False,
            padding=(0, 1, 0, 0),
        )
        widths = fit.widths if fit is not None else None
        for index, column in enumerate(section.columns):
            # "fold" breaks a too-long word over lines instead of cutting it with an ellipsis.
            table.add_column(
                Text(header_cell(column.header, widths[index]) if widths else column.header),
                justify=column.align,
                overflow="fold",
                width=widths[index] if widths else None,
            )
        # ids and text break a word too long for its column after its separators ("reset_",
        # "loop;started_"), before rich folds what is left
        breaks = [bool(widths) and column.align != "right" for column in section.columns]
        for row in section.rows:
            # printable: a RequestId or stream name from a log cannot drive the terminal
            table.add_row(*(Text(_id_cell(printable(cell), widths[i]) if breaks[i] and widths
                                 else printable(cell)) for i, cell in enumerate(row)))
        parts.append(table)
    elif title is not None:
        parts.append(title)
    parts.extend(Text(printable(note)) for note in section.notes)
    return Group(*parts)


def header_cell(header: str, width: int) -> str:
    """``header`` with each word longer than ``width`` cells folded into the fewest lines,
    of even length ("Invocations" at 10 cells: ``Invoca`` / ``tions``, not ``Invocation`` /
    ``s``); shorter words as they are (the table wraps between them)."""
    words = []
    for word in header.split(" "):
        size = cell_len(word)
        if size <= width or width < 1 or size != len(word):
            words.append(word)
            continue
        lines = -(-size // width)
        piece = -(-size // lines)
        words.append("\n".join(word[i:i + piece] for i in range(0, size, piece)))
    return " ".join(words)


def _records(section: Section, width: int) -> RenderableType:
    """``section``'s rows as records, for a terminal too narrow for its table: one
    ``Header  value`` line per cell, a blank line between rows; ids break after their
    separators and long values wrap, so no number or name folds as the table would."""
    labels = [" ".join(column.header.split()) for column in section.columns]
    label_width = max(cell_len(label) for label in labels)
    value_width = max(width - label_width - 2, 1)
    table = Table(box=None, show_header=False, show_edge=False, pad_edge=False,
                  padding=(0, 2, 0, 0))
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for number, row in enumerate(section.rows):
        if number:
            table.add_row("", "")
        for label, column, cell in zip(labels, section.columns, row, strict=True):
            value = printable(cell)
            if column.keep_words:
                value = _id_cell(value, value_width)
            table.add_row(Text(label), Text(value))
    return table


def _id_cell(text: str, width: int) -> str:
    """An id cell with its words longer than ``width`` broken after separators."""
    return " ".join("\n".join(id_lines(word, width)) if cell_len(word) > width else word
                    for word in text.split(" "))


class SectionView:
    """A rich renderable for a :class:`Section`, laid out for the width it is drawn at.

    It draws the title, the table (when the section has rows) and the notes, one per line.
    """

    def __init__(self, section: Section) -> None:
        self.section = section

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield _build(self.section, options.max_width)


def section_renderable(section: Section) -> RenderableType:
    return SectionView(section)


def summary_table(analysis: Analysis) -> RenderableType:
    return section_renderable(sec.summary_section(analysis))


def functions_table(analysis: Analysis) -> RenderableType:
    return section_renderable(sec.functions_section(analysis))


def start_types_table(analysis: Analysis) -> RenderableType:
    return section_renderable(sec.start_types_section(analysis))


def init_percentiles_table(analysis: Analysis) -> RenderableType:
    return section_renderable(sec.init_percentiles_section(analysis))


def environments_table(
    analysis: Analysis, top: int = 10, sort_by: str = "invocations"
) -> RenderableType:
    return section_renderable(sec.environments_section(analysis, top=top, sort_by=sort_by))


def events_table(analysis: Analysis, max_events: int = 20) -> RenderableType:
    return section_renderable(sec.events_section(analysis, max_events=max_events))


def render_terminal(
    analysis: Analysis,
    console: Console,
    top: int = 10,
    sort_by: str = "invocations",
    max_events: int = 20,
    extra_sections: Sequence[RenderableType | Section] = (),
    lead_sections: Sequence[Section] = (),
) -> None:
    """Print the whole report to ``console``, sections separated by a blank line.

    ``extra_sections`` (the cost sections, for example) are printed after the counts and
    init durations, before the flagged events (``sections.extras_position``);
    a :class:`Section` is drawn like the others, any other rich renderable as it is.
    ``lead_sections`` come first (a simulation's policy and comparison). With no
    invocations only "No invocations found." and the input accounting are printed.
    """
    built = sec.report_sections(analysis, top=top, sort_by=sort_by, max_events=max_events)
    renderables: list[RenderableType] = [section_renderable(section) for section in built]
    if not sec.is_empty(analysis):
        at = sec.extras_position(built)
        renderables[at:at] = [
            section_renderable(extra) if isinstance(extra, Section) else extra
            for extra in extra_sections
        ]
    renderables[:0] = [section_renderable(section) for section in lead_sections]
    for index, renderable in enumerate(renderables):
        if index:
            console.print()
        console.print(renderable)


def render_text(
    analysis: Analysis,
    width: int = 100,
    top: int = 10,
    sort_by: str = "invocations",
    max_events: int = 20,
    extra_sections: Sequence[RenderableType | Section] = (),
    lead_sections: Sequence[Section] = (),
) -> str:
    """The terminal report as plain text of a fixed width (no colours), e.g. for a file."""
    console = Console(
        width=width, record=True, color_system=None, force_terminal=False, file=io.StringIO()
    )
    render_terminal(
        analysis,
        console,
        top=top,
        sort_by=sort_by,
        max_events=max_events,
        extra_sections=extra_sections,
        lead_sections=lead_sections,
    )
    return console.export_text()

