"""CloudWatch Logs Insights CSV export (``@timestamp,@message,...`` or REPORT fields)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.read import compiled
from lamlife.lifecycle.read.cloudwatch_json import json_platform_message
from lamlife.lifecycle.read.collect import RecordSink
from lamlife.lifecycle.read.context import (
    ReadOptions,
    ReadResult,
    Source,
    default_function,
    function_column,
    function_from_group,
)
from lamlife.lifecycle.read.scanned import add_columns
from lamlife.lifecycle.read.timeparse import any_to_ms, iso_to_ms

# False: every row read by the csv module and _row (the differential test's reference)
FAST_PATH = True
BLOCK_CHARS = 4 * 1024 * 1024
MAX_SCANNED_COLUMNS = 64  # _tailscan.scan_csv reads rows of at most this many fields

# CloudWatch log events go up to 256 KB (CloudWatch Logs quotas), and a multi-line event in
# an export is one quoted field: above Python's default 131,072-character field limit.
FIELD_LIMIT = 1 << 30
if csv.field_size_limit() < FIELD_LIMIT:
    csv.field_size_limit(FIELD_LIMIT)


def csv_rows(reader: Iterator[list[str]], sink: RecordSink, name: str,
             line_num: Callable[[], int], header: list[str] | None = None
             ) -> Iterator[list[str]]:
    """The rows of ``reader``; a row the csv module cannot read is one malformed event. With
    the file's ``header``, a row with the header glued to its end (``without_glued_header``)
    is given without it."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            sink.counts.events += 1
            sink.add_malformed(f"unreadable CSV row ({exc})", f"{name}:{line_num()}")
            continue
        if header and len(row) == 2 * len(header) - 1:
            row = without_glued_header(row, header) or row
        yield row


def without_glued_header(row: list[str], header: list[str]) -> list[str] | None:
    """``row`` without the header row glued to its end, None when none is: an export without
    a final newline joined with ``cat`` to the next, whose header row follows the last row on
    its line (``...,"REPORT ..."@timestamp,@logStream,@log,@message``). The csv module reads
    that as the last cell with the first name after it (with the quotes around the name when
    the names are quoted and the cell is not; after one quote when both are: the two quotes
    read as one), then the other names."""
    n = len(header)
    if header_cells(row[n:]) != header[1:]:
        return None
    last = row[n - 1]
    for glue in (f'"{header[0]}"', '"' + header[0], header[0]):  # quoted names, or not
        if len(last) > len(glue) and last.endswith(glue):
            return [*row[:n - 1], last[: -len(glue)]]
    return None


def header_cells(row: list[str]) -> list[str]:
    """A CSV header's names as compared: spaces and a byte order mark dropped."""
    return [cell.strip().lstrip("\ufeff") for cell in row]


def repeats_header(row: list[str], header: list[str]) -> bool:
    """``row`` is the file's header again: exports joined with ``cat`` repeat it. Such a row is
    no event (neither read nor malformed)."""
    return header_cells(row) == header


# what to export instead of columns lamlife cannot read invocations from
EXPORT_HINT = ("export the query `fields @timestamp, @logStream, @log, @message` (every "
               "platform line), or REPORT fields with @requestId and @duration")


class NothingUsable(InputError):
    """An input in a known format that holds nothing lamlife can read (exit 2; in a directory
    the file is skipped with ``why``)."""

    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"{name}: {why}")
        self.why = why


def header_problem(index: dict[str, int]) -> str | None:
    """Why a Logs Insights CSV header holds no invocation, None when it can: it needs
    ``@timestamp`` and either ``@message`` (the log lines) or both ``@requestId`` and
    ``@duration`` (a REPORT as fields: a REPORT needs its RequestId and Duration). An export
    of ``@timestamp,@duration`` alone cannot tell its rows' invocations apart."""
    if "@timestamp" not in index:
        return f"Logs Insights CSV without an @timestamp column; {EXPORT_HINT}"
    if "@message" in index:
        return None
    lacking = [name for name in ("@requestId", "@duration") if name not in index]
    if not lacking:
        return None
    return (f"Logs Insights CSV without @message or {' and '.join(lacking)}: no invocation can "
            f"be read from its rows; {EXPORT_HINT}")


def read_insights_csv(source: Source, text: io.TextIOWrapper, options: ReadOptions,
                       result: ReadResult) -> None:
    sink = result.sink
    reader = csv.reader(text)
    header = header_cells(next(reader, []))
    index = {h: i for i, h in enumerate(header)}
    problem = header_problem(index)
    if problem:
        raise NothingUsable(source.name, f"{problem}; found {', '.join(header)}")
    fallback = default_function(source, options, sink)
    columns = _Columns(header, index)
    if (FAST_PATH and compiled.compiled_enabled() and columns.msg_i is not None
            and columns.fn_i is None and columns.region_i is None
            and len(header) <= MAX_SCANNED_COLUMNS):
        _read_scanned(source, text, reader.line_num, columns, fallback, result)
        return
    _read_rows(reader, source, columns, fallback, result, 0)


class _Columns:
    """Where the fields the reader uses are in a row (None: no such column)."""

    def __init__(self, header: list[str], index: dict[str, int]) -> None:
        self.header = header
        self.count = len(header)
        self.index = index
        self.ts_i = index["@timestamp"]
        self.msg_i = index.get("@message")
        self.stream_i = index.get("@logStream")
        self.group_i = index.get("@log")
        self.region_i = index.get("@aws.region")
        self.fn_i = function_column(header)


def _read_rows(reader: Any, source: Source, columns: _Columns, fallback: str,
               result: ReadResult, first_line: int) -> None:
    """Every row of ``reader`` the general way; ``first_line``: the lines before its first."""
    result.stats.lines += _general_rows(reader, first_line, source, columns, fallback,
                                        result.sink)


def _general_rows(reader: Any, first_line: int, source: Source, columns: _Columns,
                  fallback: str, sink: RecordSink) -> int:
    """Read every row of ``reader`` with ``_row``; the lines read, ``first_line`` included."""
    for row in csv_rows(reader, sink, source.name, lambda: first_line + reader.line_num,
                        columns.header):
        _row(row, f"{source.name}:{first_line + reader.line_num}", columns, fallback, source,
             sink)
    return int(first_line + reader.line_num)


def _row(row: list[str], where: str, columns: _Columns, fallback: str, source: Source,
         sink: RecordSink) -> None:
    """One row of the export, read the general way."""
    if not row or row == [""]:
        return
    stream_i, group_i, fn_i, region_i = (columns.stream_i, columns.group_i, columns.fn_i,
                                         columns.region_i)
    ts_i, msg_i = columns.ts_i, columns.msg_i
    stream = row[stream_i] if stream_i is not None and stream_i < len(row) else ""
    group = row[group_i] if group_i is not None and group_i < len(row) else ""
    named = row[fn_i].strip() if fn_i is not None and fn_i < len(row) else ""
    function = named or (function_from_group(group, stream) if group else fallback)
    if region_i is not None and region_i < len(row) and row[region_i]:
        sink.note_region(function, stream, row[region_i].strip())
    ts = iso_to_ms(row[ts_i]) if ts_i < len(row) else None
    if ts is None:
        ts = any_to_ms(row[ts_i]) if ts_i < len(row) else None
    if ts is None:
        if repeats_header(row, columns.header):
            return
        sink.counts.events += 1
        sink.add_malformed(",".join(row), where)
        return
    if msg_i is not None and msg_i < len(row) and row[msg_i]:
        message = row[msg_i].rstrip("\n")
        if message.startswith("{") and '"platform.' in message:
            json_platform_message(function, stream, ts, message, source, sink)
        else:
            sink.add(function, stream, ts, message, where)
        return
    _insights_fields_row(row, columns.index, function, stream, ts, where, sink)


def _blocks(text: io.TextIOWrapper) -> Iterator[str]:
    """The text in blocks of whole lines (a line ends at \\n, \\r or \\r\\n, as the csv
    module's lines do with newline="")."""
    while True:
        block = text.read(BLOCK_CHARS)
        if not block:
            return
        while not block.endswith(("\n", "\r")):  # whole lines
            line = text.readline()
            if not line:
                break
            block += line
        yield block


def _read_scanned(source: Source, text: io.TextIOWrapper, header_lines: int,
                  columns: _Columns, fallback: str, result: ReadResult) -> None:
    """The rows after the header: the compiled ``scan_csv`` reads the plain START, END,
    REPORT and application-output rows into columns, every other row goes to ``_row``."""
    sink = result.sink
    lines = header_lines  # physical lines read
    blocks = _blocks(text)
    buf = ""
    p = 0
    final = False
    args = (columns.count, columns.ts_i, columns.msg_i,
            -1 if columns.stream_i is None else columns.stream_i,
            -1 if columns.group_i is None else columns.group_i)
    environments: dict[str, int] = {}

    def environment(key: str) -> int:
        code = environments.get(key)
        if code is None:
            group, stream = key.split("\0", 1)
            function = function_from_group(group, stream) if group else fallback
            code = environments[key] = sink.env_code(function, stream)
        return code

    while True:
        scanned = compiled.tailscan.scan_csv(buf, p, final, *args)
        if scanned is None:  # a block beyond ASCII: the csv module reads to a row end
            lines = _general_through(buf[p:], text, lines, source, columns, fallback, sink)
            buf, p = "", 0
            continue
        _, p, _, read_lines, _, events, ignored, ends, found, slow, first_use = scanned
        streams = found[0]
        used_at = np.frombuffer(first_use, dtype=np.int64).tolist()
        env_of = np.zeros(len(streams), dtype=np.int64)
        named = 0  # environments are named in the order of the rows, as _row names them
        for offset, end, before, _lines, index in np.frombuffer(
                slow, dtype=np.int64).reshape(-1, 5).tolist():
            while named < len(streams) and used_at[named] < index:
                env_of[named] = environment(streams[named])
                named += 1
            _general_rows(csv.reader(io.StringIO(buf[offset:end], newline="")),
                          lines + before, source, columns, fallback, sink)
        for k in range(named, len(streams)):
            env_of[k] = environment(streams[k])
        sink.counts.events += events
        sink.counts.ignored += ignored
        sink.counts.records += ends
        add_columns(sink, found, env_of)
        lines += read_lines
        if final:
            if p < len(buf):  # a quoted field the file ends in: as the csv module reads it
                reader = csv.reader(io.StringIO(buf[p:], newline=""))
                _read_rows(reader, source, columns, fallback, result, lines)
                return
            break
        block = next(blocks, "")
        buf = buf[p:] + block
        p = 0
        final = not block
    result.stats.lines += lines


class _Feed:
    """The lines of ``rest`` (the unread part of a block), then the text's, for the csv
    module; ``done`` once every line of ``rest`` was taken."""

    def __init__(self, rest: str, text: io.TextIOWrapper) -> None:
        self.pending: list[str] = []
        if rest.endswith("\r"):  # a \r\n cut by the block: one line, as in the file
            line = text.readline()
            if line == "\n":
                rest += line
            elif line:
                self.pending.append(line)
        self.lines = io.StringIO(rest, newline="")
        self.left = len(rest)
        self.text = text

    @property
    def done(self) -> bool:
        return self.left <= 0 and not self.pending

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.left > 0:
            line = self.lines.readline()
            self.left -= len(line)
            return line
        if self.pending:
            return self.pending.pop()
        return next(self.text)


def _general_through(rest: str, text: io.TextIOWrapper, lines: int, source: Source,
                     columns: _Columns, fallback: str, sink: RecordSink) -> int:
    """Read the rows of ``rest`` with the csv module and ``_row``, on into the text until a
    row ends after ``rest``; returns the lines read so far in the file."""
    feed = _Feed(rest, text)
    reader = csv.reader(feed)
    for row in csv_rows(reader, sink, source.name, lambda: lines + reader.line_num):
        _row(row, f"{source.name}:{lines + reader.line_num}", columns, fallback, source, sink)
        if feed.done:
            break
    return int(lines + reader.line_num)


def _insights_fields_row(row: list[str], index: dict[str, int], function: str, stream: str,
                         ts: float, where: str, sink: RecordSink) -> None:
    """A REPORT given as Insights fields only (§1: memory fields are bytes, maybe 1.28E8)."""
    sink.counts.events += 1

    def get(name: str) -> str:
        i = index.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    def number(name: str, scale: float = 1.0) -> float:
        text = get(name)
        if not text:
            return float("nan")
        return float(text) / scale

    rid = get("@requestId")
    try:
        duration = number("@duration")
        rec = ("report", rid, duration, number("@billedDuration"),
               number("@memorySize", 1e6), number("@maxMemoryUsed", 1e6),
               number("@initDuration"), float("nan"), float("nan"), "", "")
    except ValueError:
        sink.add_malformed(",".join(row), where)
        return
    has_duration = duration == duration  # not NaN
    if not rid and not has_duration:  # not a REPORT row at all
        sink.counts.ignored += 1
        return
    if not rid or not has_duration:  # half a REPORT
        sink.add_malformed(",".join(row), where)
        return
    sink.add_record(function, stream, ts, rec)
