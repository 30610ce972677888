"""JSON lines (``lamlife fetch`` output: one CloudWatch event an object a line) read in chunks.

Most lines of a fetched log are events in one shape, ``{"logGroupName", "logStreamName",
"timestamp", "message", "eventId"}`` (the fields of a CloudWatch Logs ``FilteredLogEvent``,
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilteredLogEvent.html,
plus the log group), whose message is a canonical START, END or REPORT line or application
output. A chunk scanner reads those lines into compact columns; every other line (a fetch
header, a JSON log-format record, INIT_START/INIT_REPORT and the other rare platform lines, a
line that is not an object, a field of another type, an escape it does not decode) goes to the
general per-line parser, so the results equal reading every line the general way.

The scanner is compiled (``_tailscan.scan_jsonl``, the same message grammar as the ``aws logs
tail`` scanner) where built; ``scan_jsonl_python`` is the pure-Python scanner used without it
or with ``LAMLIFE_PURE_PYTHON=1``, with the same results.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, cast

import numpy as np

from lamlife.lifecycle.read import blocks, compiled
from lamlife.lifecycle.read.collect import RecordSink
from lamlife.lifecycle.read.context import function_from_group
from lamlife.lifecycle.read.platform import (
    MAX_DURATION_MS,
    MAX_MEMORY_MB,
    MAX_TIME_MS,
    MIN_MEMORY_MB,
)
from lamlife.lifecycle.read.scanned import Columns, ReadOrder, id_columns
from lamlife.lifecycle.read.sources import TEXT_ERRORS, binary_under

CHUNK_CHARS = 4 * 1024 * 1024
# False: every line through the general parser (the differential test's reference)
FAST_PATH = True

_tailscan: Any = compiled.tailscan

# lines, events, ignored, END count, slow lines (offset, length, line index), first use of
# each stream, columns
Scanned = tuple[int, int, int, int, bytes, bytes, Columns]


def read_jsonl_chunks(text: io.TextIOWrapper, sink: RecordSink,
                      general_line: Callable[[str, int], None]) -> int:
    """Read JSON lines from ``text`` (not read from yet) chunk by chunk into ``sink``;
    ``general_line(line, line number)`` reads a line the scanner leaves to the general parser.
    Returns the number of lines (a last line without a newline counts).

    With the compiled scanner, a plain UTF-8 ``TextIOWrapper``'s bytes are read as they are
    (``sources.binary_under``): the scanner reads UTF-8, and the lines it leaves are decoded
    as the wrapper would (``errors="replace"``; chunks end at a newline, so no character is
    cut)."""
    enabled = _tailscan is not None and compiled.compiled_enabled()
    raw = binary_under(text) if enabled else None
    lines = 0
    codes: dict[str, int] = {}
    if raw is not None:  # scanned on worker threads while the sink reads the block before
        for part, scanned in blocks.scan_ahead(
                blocks.line_blocks(raw, CHUNK_CHARS), _tailscan.scan_jsonl,
                lambda block: blocks.halves(block, blocks.line_boundary)):
            lines += _take(part, scanned, lines, sink, general_line, TEXT_ERRORS, codes)
        return lines
    for text_block in _text_blocks(text):
        # a text stream that is not plain UTF-8 (cleaned of ANSI codes): its UTF-8 bytes for
        # the compiled scanner (lone surrogates kept), else the pure-Python scanner
        chunk: str | bytes = text_block.encode("utf-8", "surrogatepass") if enabled \
            else text_block
        lines += _take(chunk, _scanned(chunk), lines, sink, general_line, "surrogatepass",
                       codes)
    return lines


def _text_blocks(text: io.TextIOWrapper) -> Iterator[str]:
    """Blocks of whole lines (the last may lack its newline)."""
    carry = ""
    while True:
        block = text.read(CHUNK_CHARS)
        if not block:
            break
        block = carry + block
        cut = block.rfind("\n")
        if cut < 0:  # one line longer than a chunk: read on to its end
            carry = block
            continue
        carry = block[cut + 1:]
        yield block[:cut + 1]
    if carry:
        yield carry


def _scanned(chunk: str | bytes | memoryview) -> Scanned:
    """The chunk's columns: compiled for UTF-8 bytes, else the pure-Python scanner on text."""
    if isinstance(chunk, str):
        return scan_jsonl_python(chunk)
    return cast(Scanned, _tailscan.scan_jsonl(chunk))


def _take(chunk: str | bytes | memoryview, scanned: Scanned, base_line: int,
          sink: RecordSink, general_line: Callable[[str, int], None], errors: str,
          codes: dict[str, int]) -> int:
    """A chunk's scanned columns into the sink, the lines the scanner left through
    ``general_line``; returns the chunk's lines. ``codes``: the environment code of every
    stream key met so far (the sink's, kept to skip naming a stream again each chunk)."""
    lines, events, ignored, end_count, slow, first_use, columns = scanned
    streams = columns[0]
    used_at = np.frombuffer(first_use, dtype=np.int64).tolist()
    env_of = np.zeros(len(streams), dtype=np.int64)
    named = 0  # environments are registered in read order, as the general parser does (the
    # first of two functions sharing a log stream names it, read.overlap)
    # the lines the scanner left go first, as the tail scanner does: read order within a
    # chunk does not change the records' order (they are ordered by time, then by kind)
    order = ReadOrder.of(sink, columns)  # records numbered in read order all the same
    for offset, length, index in np.frombuffer(slow, dtype=np.int64).reshape(-1, 3).tolist():
        while named < len(streams) and used_at[named] < index:
            env_of[named] = _env_code(sink, streams[named], codes)
            named += 1
        order.before(index)
        line = chunk[offset:offset + length]
        general_line(line if isinstance(line, str) else bytes(line).decode("utf-8", errors),
                     base_line + index + 1)
    for k in range(named, len(streams)):
        env_of[k] = _env_code(sink, streams[k], codes)
    counts = sink.counts
    counts.events += events
    counts.ignored += ignored
    counts.records += end_count
    order.add(columns, env_of)
    return lines


def _env_code(sink: RecordSink, key: str, codes: dict[str, int]) -> int:
    """The environment of a scanner's stream key ``<log group>\\0<log stream>``, named as the
    general parser names it (``cloudwatch_json._json_event``)."""
    code = codes.get(key)
    if code is None:
        group, stream = key.split("\0", 1)
        code = codes[key] = sink.env_code(function_from_group(group, stream), stream)
    return code


# ------------------------------------------------------------------ the pure-Python scanner

_EVENT_KEYS = frozenset(("logGroupName", "logStreamName", "timestamp", "message", "eventId",
                         "ingestionTime"))
_TOKEN = r"[\x21-\x7e]"
_RID = r"([\x21-\x5b\x5d-\x7e]+)"  # a token without a backslash
_PRINTABLE = re.compile(r"[\t\x20-\x7e]*")
_START = re.compile(r"START RequestId: " + _RID + " Version: (" + _TOKEN + "+)")
_END = re.compile(r"END RequestId: " + _RID)
_REPORT = re.compile(
    r"REPORT RequestId: " + _RID + r"\tDuration: ([0-9]+(?:\.[0-9]+)?) ms"
    r"\tBilled Duration: ([0-9]+) ms\tMemory Size: ([0-9]+) MB\tMax Memory Used: ([0-9]+) MB"
    r"(?:\tInit Duration: ([0-9]+(?:\.[0-9]+)?) ms)?"
    r"(?:\tStatus: ([0-9A-Za-z_]+)(?:\tError Type: (" + _TOKEN + r"+))?)?\t?")
# the rare platform keywords of the tail scanner (tail._RARE_KEYWORDS)
_RARE_KEYWORDS = ("INIT_", "RESTORE_", "EXTENSION", "TELEMETRY", "LOGS", '"platform.',
                  "Task timed out after", "RequestId:\t")
_RECORD_FIRST = frozenset(" \tRSEITLX{")  # first characters platform._parse dispatches on
_RANGES = ((0.0, MAX_DURATION_MS), (0.0, MAX_DURATION_MS), (MIN_MEMORY_MB, MAX_MEMORY_MB),
           (0.0, MAX_MEMORY_MB), (0.0, MAX_DURATION_MS))
_STATUS_CODES = {"success": 1, "timeout": 2}  # others: 3 (error); none: 0
_NAN = float("nan")

_SLOW = "slow"  # the general parser reads the line
_IGNORED = "ignored"  # application output


def _keyword(text: str) -> bool:
    return any(k in text for k in _RARE_KEYWORDS)


def _event(line: str) -> tuple[str, int, str] | None:
    """(environment key, timestamp, message) of a stripped line in the event shape the
    compiled scanner reads; None for every other line."""
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if type(obj) is not dict or not obj.keys() <= _EVENT_KEYS:
        return None
    group = obj.get("logGroupName")
    stream = obj.get("logStreamName", "")
    ts = obj.get("timestamp")
    message = obj.get("message")
    if (type(group) is not str or not group or "\0" in group or type(stream) is not str
            or type(message) is not str or type(ts) is not int
            or not 0 <= ts <= MAX_TIME_MS):
        return None
    return f"{group}\0{stream}", ts, message.rstrip("\n")


def classify_message(message: str) -> str | tuple[Any, ...]:
    """How the general parser takes a message: a canonical record as a tuple (``("start",
    rid, version)``, ``("end",)``, ``("report", rid, five numbers, status code, error
    type)``), ``_IGNORED`` for application output, ``_SLOW`` for anything else (the compiled
    scanner's ``classify_message``)."""
    if not message:
        return _IGNORED
    if "\\" in message:  # escaped copies ("\t" as two characters)
        return _SLOW
    first, newline, rest = message.partition("\n")
    row = _canonical(first) if _PRINTABLE.fullmatch(first) else None
    if row is not None:
        if _keyword("\0".join(str(v) for v in row[1:] if isinstance(v, str))) or (
                newline and _keyword(rest)):
            return _SLOW
        if row[0] == "report" and any(v == v and not low <= v <= high
                                      for v, (low, high) in zip(row[2], _RANGES, strict=True)):
            return _SLOW  # numbers Lambda cannot produce: malformed, the general way
        return row
    if message[0] in _RECORD_FIRST or _keyword(message):
        return _SLOW
    return _IGNORED


def _canonical(line: str) -> tuple[Any, ...] | None:
    first = line[:1]
    if first == "S":
        m = _START.fullmatch(line)
        return ("start", m.group(1), m.group(2)) if m else None
    if first == "E":
        return ("end",) if _END.fullmatch(line) else None
    if first == "R":
        r = _REPORT.fullmatch(line)
        if r is None:
            return None
        rid, dur, billed, mem, maxmem, init, status, etype = r.groups()
        nums = (float(dur), float(billed), float(mem), float(maxmem),
                float(init) if init else _NAN)
        code = _STATUS_CODES.get(status.lower(), 3) if status else 0
        return ("report", rid, nums, code, etype or "")
    return None


class _Table:
    """Distinct strings in first-use order (the compiled scanner's tables)."""

    def __init__(self, *initial: str) -> None:
        self.index: dict[str, int] = {}
        self.first_use: list[int] = []  # the line index where each is first used
        for text in initial:
            self.of(text)

    def of(self, text: str, line: int = 0) -> int:
        code = self.index.setdefault(text, len(self.index))
        if code == len(self.first_use):
            self.first_use.append(line)
        return code

    def values(self) -> list[str]:
        return list(self.index)


def scan_jsonl_python(chunk: str) -> Scanned:
    """The pure-Python scanner: what ``_tailscan.scan_jsonl`` returns for ``chunk`` (whole
    lines), with the same results once read into a sink."""
    lines = chunk.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    streams, versions, etypes = _Table(), _Table(), _Table("")
    starts: list[tuple[int, int, int, str, int]] = []
    reports: list[tuple[int, int, tuple[float, ...], int, int, str, int]] = []
    slow: list[tuple[int, int, int]] = []  # offset, length, line index
    events = ignored = end_count = 0
    offset = 0
    for index, line in enumerate(lines):
        here = offset
        offset += len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        event = _event(stripped)
        row = classify_message(event[2]) if event is not None else _SLOW
        if row is _SLOW or event is None:
            slow.append((here, len(line), index))
            continue
        events += 1
        if row is _IGNORED:
            ignored += 1
            continue
        assert isinstance(row, tuple)
        key, ts, _message = event
        if row[0] == "end":
            streams.of(key, index)  # an END names its environment too
            end_count += 1
        elif row[0] == "start":
            starts.append((streams.of(key, index), ts, versions.of(row[2]), row[1], index))
        else:
            stream = streams.of(key, index)
            etype = etypes.of(row[4]) if row[4] else 0
            reports.append((stream, ts, row[2], row[3], etype, row[1], index))
    columns: Columns = (
        streams.values(), versions.values(), etypes.values(),
        (_raw([s[0] for s in starts], np.int32), _raw([s[1] for s in starts], np.float64),
         _raw([s[2] for s in starts], np.int32), *id_columns([s[3] for s in starts]),
         _raw([s[4] for s in starts], np.int32)),
        (_raw([r[0] for r in reports], np.int32), _raw([r[1] for r in reports], np.float64),
         _raw([r[2] for r in reports], np.float64), _raw([r[3] for r in reports], np.int8),
         _raw([r[4] for r in reports], np.int32), *id_columns([r[5] for r in reports]),
         _raw([r[6] for r in reports], np.int32)))
    return (len(lines), events, ignored, end_count,
            np.asarray(slow, dtype=np.int64).reshape(-1, 3).tobytes(),
            _raw(streams.first_use, np.int64), columns)


def _raw(values: list[Any], dtype: Any) -> bytes:
    return np.asarray(values, dtype=dtype).tobytes()
