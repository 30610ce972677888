"""``aws logs tail`` detailed output: ``<iso+00:00> <log stream> <message>``, read in chunks by
a fast path for canonical START/END/REPORT lines, every other event through the general parser."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Sequence
from typing import IO, Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.read import blocks, compiled
from lamlife.lifecycle.read.collect import RecordSink
from lamlife.lifecycle.read.compiled import PURE_PYTHON_ENV  # noqa: F401  (re-exported)
from lamlife.lifecycle.read.context import ReadOptions, ReadResult, Source, default_function
from lamlife.lifecycle.read.glued import TAIL_HEADER, glued_parts
from lamlife.lifecycle.read.lines import MAX_EVENT_CHARS
from lamlife.lifecycle.read.platform import normalize_status
from lamlife.lifecycle.read.scanned import ReadOrder, column_rows
from lamlife.lifecycle.read.sources import binary_under
from lamlife.lifecycle.read.timeparse import datetimes_to_ms, fast_iso_ms

# the compiled scanner, or None where it is not built (tests switch paths through these names)
_tailscan: Any = compiled.tailscan


def compiled_scanner() -> bool:
    """True when the compiled tail scanner is built and not switched off by
    ``LAMLIFE_PURE_PYTHON=1`` (both paths give the same results)."""
    return _tailscan is not None and compiled.compiled_enabled()


def tail_split(line: str) -> tuple[str, float, str] | None:
    """``<iso+00:00> <stream> <message>`` -> (stream, ts, message); None for continuation lines."""
    if len(line) < 26 or line[4] != "-" or line[10] != "T":
        return None
    parts = line.split(" ", 2)
    if len(parts) < 2:
        return None
    ts = fast_iso_ms(parts[0])
    if ts != ts:
        return None
    return parts[1], ts, parts[2] if len(parts) > 2 else ""



def read_tail(source: Source, text: io.TextIOWrapper, options: ReadOptions,
               result: ReadResult) -> None:
    """Read ``text`` block by block, each cut before an event line so events stay whole.

    With the compiled scanner the bytes under ``text`` are read as they are (``read_blocks``);
    otherwise the decoded text, in blocks of ``CHUNK_CHARS`` characters.

    Memory is bounded by the block size whatever the input: text with no event boundary is
    cut at a newline once it is longer than ``MAX_EVENT_CHARS`` (no CloudWatch event is that
    long), and a single line longer than that keeps only its first ``MAX_EVENT_CHARS``.
    """
    function = default_function(source, options, result.sink)
    scanner = TailChunkScanner(result.sink, function, source.name)
    raw = binary_under(text) if scanner.compiled else None
    if raw is not None:
        read_blocks(raw, scanner)
    else:
        _read_text(text, scanner)
    result.stats.lines += scanner.lines


def _read_text(text: io.TextIOWrapper, scanner: TailChunkScanner) -> None:
    carry = ""
    skipping = False  # inside a line longer than MAX_EVENT_CHARS: drop the rest of it
    while True:
        block = text.read(CHUNK_CHARS)
        if not block:
            break
        if skipping:
            newline = block.find("\n")
            if newline < 0:
                continue
            block = block[newline:]
            skipping = False
        block = carry + block
        cut = _cut_point(block)  # keep every event whole: cut before an event line
        if cut < 0:
            carry, skipping = _oversized(block, scanner)
            continue
        carry = block[cut + 1:]
        scanner.scan(block[: cut + 1])
    if carry:
        scanner.scan(carry if carry.endswith("\n") else carry + "\n")


def _oversized(block: str, scanner: TailChunkScanner) -> tuple[str, bool]:
    """A block with no event boundary: carry it while it is short; once it is longer than any
    CloudWatch event, scan its complete lines now (the event's later lines arrive as
    continuation lines, counted as lines). Returns (carry, skipping the rest of a line)."""
    if len(block) <= MAX_EVENT_CHARS:
        return block, False
    newline = block.rfind("\n")
    if newline < 0:  # one line longer than any event: keep its head
        return block[:MAX_EVENT_CHARS], True
    scanner.scan(block[: newline + 1])
    return block[newline + 1:], False


def read_blocks(raw: IO[bytes], scanner: TailChunkScanner) -> None:
    """The bytes of ``raw`` through the compiled scanner: blocks of whole events
    (``blocks.tail_blocks``, the text path's rules on bytes: ``CHUNK_CHARS`` bytes a read,
    ``MAX_EVENT_CHARS`` bytes at most of text without an event boundary, the same limits as
    the text path's wherever a character is a byte), scanned on worker threads while the
    results of the block before go to the sink."""
    assert _tailscan is not None
    chunks = blocks.tail_blocks(raw, CHUNK_CHARS, MAX_EVENT_CHARS)
    for part, scanned in blocks.scan_ahead(
            chunks, _tailscan.scan, lambda block: blocks.halves(block, blocks.event_boundary)):
        scanner.take(part, scanned)


CHUNK_CHARS = 4 * 1024 * 1024
# The fast path takes only times the general parser and the compiled scanner take too:
# `aws logs tail`'s own shape, a valid clock, years 1970-2261 (timeparse.MIN/MAX); anything
# else goes to the general parser, which counts it malformed with its line.
_TIME = (r"(?:19[7-9]\d|2[01]\d\d|22[0-5]\d|226[01])-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
         r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?[+-](?:[01]\d|2[0-3]):[0-5]\d")
_FAST_END = re.compile(_TIME + r" \S+ END RequestId: [^\s\\]+$")
# A backslash in a platform line or in the lines after it is an escaped copy ("abc\\tDuration",
# "Version: $LATEST\\t"), malformed for the general parser, which reads those events.
_FAST_START = re.compile(
    "(" + _TIME + r") (\S+) START RequestId: ([^\s\\]+) Version: ([^\s\\]+)$")
_FAST_REPORT = re.compile(
    "(" + _TIME + r") (\S+) REPORT RequestId: ([^\s\\]+)\tDuration: ([0-9]+(?:\.[0-9]+)?) ms"
    r"\tBilled Duration: ([0-9]+) ms\tMemory Size: ([0-9]+) MB\tMax Memory Used: ([0-9]+) MB"
    r"(?:\tInit Duration: ([0-9]+(?:\.[0-9]+)?) ms)?"
    r"(?:\tStatus: (\w+)(?:\tError Type: ([^\s\\]+))?)?"
    r"\t?$")
# Messages that are platform records but rare: found by substring search in the whole chunk.
# Crash lines ("RequestId: ... Error: ...") contain "RequestId: " and are found with those.
_RARE_KEYWORDS = ("INIT_", "RESTORE_", "EXTENSION", "TELEMETRY", "LOGS", '"platform.',
                  "Task timed out after", "RequestId:\t")
# Lines starting like a REPORT that the canonical filter cannot take ("REPORT Duration: ..."
# without a RequestId): the general parser counts them malformed, as in every other container.
_REPORT_WORD = " REPORT "
_RID = "RequestId: "


class _LineOffsets:
    """Offsets of lines in their chunk, computed on first use."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._starts: list[int] | None = None
        self._index: dict[int, int] = {}

    def of(self, line: str) -> int:
        """Offset of this very line object (equal lines elsewhere in the chunk are others)."""
        if self._starts is None:
            self._starts = [0, *itertools.accumulate(len(ln) + 1 for ln in self._lines)]
            self._index = {id(ln): i for i, ln in enumerate(self._lines)}
        return self._starts[self._index[id(line)]]


class TailChunkScanner:
    """Fast path for ``aws logs tail`` text: whole chunks of complete events at a time.

    START and REPORT lines in their canonical shape are parsed with one anchored regex each and
    handed to the sink as columns; END lines are counted. Every other line that can be a
    platform record (found by substring search) and every line the canonical shapes miss goes
    through the per-event path (``RecordSink.add``), so results equal the slow path's.
    """

    def __init__(self, sink: RecordSink, function: str, name: str) -> None:
        self.sink = sink
        self.function = function
        self.name = name
        self.lines = 0
        self._first = True
        self.compiled = compiled_scanner()
        self._env_codes: dict[str, int] = {}  # stream -> environment code

    def scan(self, chunk: str) -> None:
        """Read one chunk of whole events (ending with a newline)."""
        if self.compiled:  # text that is not a plain UTF-8 stream (cleaned of ANSI codes)
            self.scan_bytes(chunk.encode("utf-8", "surrogatepass"), "surrogatepass")
            return
        if "\r" in chunk:
            chunk = chunk.replace("\r\n", "\n")
        self._scan_python(chunk)

    def scan_bytes(self, chunk: bytes | bytearray | memoryview, errors: str = "replace") -> None:
        """Read one chunk of whole events as UTF-8 bytes (ending with a newline) with the
        compiled scanner; the events it leaves are decoded with ``errors`` (the text
        wrapper's policy) for the general parser."""
        assert _tailscan is not None
        self.take(chunk, _tailscan.scan(chunk), errors)

    def take(self, chunk: bytes | bytearray | memoryview, scanned: Any,
             errors: str = "replace") -> None:
        """The compiled scanner's result for ``chunk`` (the next chunk of the input) into the
        sink."""
        lines, events, lead, end_count, seen_event, slow, columns = scanned
        if self._first:  # output before the first event of the input is an event each
            events += lead
        base_line = self.lines
        self.lines += lines
        if seen_event:
            self._first = False
        deferred = np.frombuffer(slow, dtype=np.int64).reshape(-1, 3)  # start, line, end
        order = ReadOrder.of(self.sink, columns)  # records numbered in read order all the same
        slow_events = self._slow_bytes(chunk, deferred.tolist(), base_line, errors, order)
        self._account(events, slow_events, column_rows(columns) + end_count, end_count)
        env_of = np.asarray([self._env_code(s) for s in columns[0]], dtype=np.int64)
        order.add(columns, env_of)

    def _env_code(self, stream: str) -> int:
        code = self._env_codes.get(stream)
        if code is None:
            code = self._env_codes[stream] = self.sink.env_code(self.function, stream)
        return code

    def _slow_bytes(self, chunk: bytes | bytearray | memoryview, deferred: list[list[int]],
                    base_line: int, errors: str, order: ReadOrder) -> int:
        """Hand the events the compiled scanner left, ``(start, line index, end)`` in the
        chunk, to the sink (decoded as the text path decodes them), each in its place."""
        for start, index, end in deferred:
            order.before(index)
            text = bytes(chunk[start:end]).decode("utf-8", errors)
            if "\r" in text:
                text = text.replace("\r\n", "\n")
            if text.endswith("\n"):
                text = text[:-1]
            self._add_event(text, f"{self.name}:{base_line + 1 + index}")
        return len(deferred)

    def _add_event(self, text: str, where: str) -> None:
        """One event the fast path left (its line and continuation lines, no final newline)
        to the sink; events glued into its lines (``glued.TAIL_HEADER``) are cut out and
        read as events of their own."""
        sink = self.sink
        parts = glued_parts(text, TAIL_HEADER)
        if len(parts) > 1:
            sink.note_glued(where, len(parts) - 1)
        for part in parts:
            line, newline, rest = part.partition("\n")
            parsed = tail_split(line)
            if parsed is None:  # an event line whose time does not parse
                sink.counts.events += 1
                sink.add_malformed(line, where)
                continue
            stream, ts, message = parsed
            if newline:
                message = f"{message}\n{rest}" if message else rest
            sink.add(self.function, stream, ts, message, where)

    def _account(self, events: int, slow_events: int, fast: int, end_count: int) -> None:
        """Count a chunk's events: the slow ones counted themselves in ``RecordSink.add``;
        of the rest, the fast ones are records and the others application output."""
        counts = self.sink.counts
        counts.events += events - slow_events
        counts.records += end_count
        counts.ignored += max(events - slow_events - fast, 0)

    def _scan_python(self, chunk: str) -> None:
        lines = chunk.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        base_line = self.lines
        self.lines += len(lines)
        events = self._count_events(lines)
        offsets = _LineOffsets(lines)
        slow: set[int] = set()  # line-start offsets that take the per-event path
        start_lines, report_lines, end_lines, rid_lines = _request_lines(
            lines, offsets, slow, chunk.count(_REPORT_WORD))
        if chunk.count(_RID) > rid_lines:  # "RequestId: " in a continuation line too
            slow.update(_continued_request_ids(chunk))
        starts, start_lines = self._fast(_FAST_START, start_lines, offsets, slow)
        reports, report_lines = self._fast(_FAST_REPORT, report_lines, offsets, slow)
        slow.update(_keyword_events(chunk))
        slow.update(_backslash_continued(chunk))
        if slow:  # an event the per-event path reads is not also read by the fast path
            starts, start_lines = _not_slow(starts, start_lines, offsets, slow)
            reports, report_lines = _not_slow(reports, report_lines, offsets, slow)
            end_lines = [ln for ln in end_lines if offsets.of(ln) not in slow]
        end_count = len(end_lines)
        # a time that does not parse: the whole event goes the general way (malformed there)
        start_ts, starts, start_lines = self._timed(starts, start_lines, offsets, slow)
        report_ts, reports, report_lines = self._timed(reports, report_lines, offsets, slow)
        # records numbered in read order (places: offsets in the chunk), as the compiled
        # scanner's are
        start_at = np.array([offsets.of(ln) for ln in start_lines], dtype=np.int64)
        report_at = np.array([offsets.of(ln) for ln in report_lines], dtype=np.int64)
        order = ReadOrder(self.sink, start_at, report_at)
        slow_events = self._slow(chunk, sorted(slow), base_line, order)
        self._account(events, slow_events, len(starts) + len(reports) + end_count, end_count)
        if starts:
            _ts, streams, rids, versions = zip(*starts, strict=True)
            self.sink.add_starts(self._codes(streams), start_ts, rids, versions,
                                 seqs=order.seqs(starts=True))
        if reports:
            self._add_reports(reports, report_ts, order.seqs(starts=False))
        order.finish()

    def _count_events(self, lines: list[str]) -> int:
        """Event lines, plus non-blank lines before the first event of the input (application
        output with no prefix)."""
        events = sum(1 for ln in lines if _is_event_line(ln))
        if self._first:
            for line in lines:
                if _is_event_line(line):
                    self._first = False
                    break
                if line.strip():
                    events += 1
        return events

    def _fast(self, pattern: re.Pattern[str], lines: list[str], offsets: _LineOffsets,
              slow: set[int]) -> tuple[list[tuple[str, ...]], list[str]]:
        """Rows of the lines ``pattern`` reads whole, with those lines; the others go slow."""
        rows = []
        kept = []
        for ln in lines:
            m = pattern.match(ln)
            if m is None:
                slow.add(offsets.of(ln))
            else:
                rows.append(m.groups())
                kept.append(ln)
        return rows, kept

    def _slow(self, chunk: str, offsets: list[int], base_line: int, order: ReadOrder) -> int:
        """Hand whole events (line + continuation lines) at ``offsets`` to the sink, each in
        its place."""
        handled = 0
        counted_to = 0
        line_no = base_line + 1
        for offset in offsets:
            end = chunk.find("\n", offset)
            line = chunk[offset:end]
            line_no += chunk.count("\n", counted_to, offset)
            counted_to = offset
            where = f"{self.name}:{line_no}"
            if not _is_event_line(line):
                continue  # a continuation line: part of the event above it
            order.before(offset)
            extra_end = end
            while extra_end + 1 < len(chunk) and not _event_at(chunk, extra_end + 1):
                extra_end = chunk.find("\n", extra_end + 1)
            self._add_event(chunk[offset:extra_end], where)
            handled += 1
        return handled

    def _timed(self, rows: list[tuple[str, ...]], lines: list[str], offsets: _LineOffsets,
               slow: set[int]) -> tuple[Any, list[tuple[str, ...]], list[str]]:
        """Epoch ms of each row's time, the rows and their lines; rows whose time does not
        parse go the general way."""
        if not rows:
            return None, rows, lines
        ts = _iso_column([row[0] for row in rows])
        bad = np.isnan(ts)
        if not bad.any():
            return ts, rows, lines
        for i in np.flatnonzero(bad):
            slow.add(offsets.of(lines[i]))
        keep = np.flatnonzero(~bad)
        return ts[keep], [rows[i] for i in keep], [lines[i] for i in keep]

    def _codes(self, streams: Sequence[str]) -> Any:
        codes, uniques = pd.factorize(pd.Series(streams, dtype=object))
        lookup = [self.sink.env_code(self.function, u) for u in uniques]
        return pd.Series(lookup, dtype="int64").to_numpy()[codes]

    def _add_reports(self, rows: list[tuple[str, ...]], ts_ms: Any, seqs: Any) -> None:
        _ts, streams, rids, dur, billed, mem, maxmem, init, status, etype = zip(*rows,
                                                                                strict=True)
        nan = float("nan")
        numbers = {
            "duration_ms": _float_column(dur),
            "billed_duration_ms": _float_column(billed),
            "memory_mb": _float_column(mem),
            "max_memory_used_mb": _float_column(maxmem),
            "init_duration_ms": pd.to_numeric(pd.Series(init, dtype=object).replace("", nan),
                                              errors="coerce").to_numpy(dtype="float64"),
            "restore_duration_ms": _nan_column(len(rows)),
            "billed_restore_duration_ms": _nan_column(len(rows)),
        }
        # optional groups that did not match are None
        statuses = [normalize_status(s) for s in status] if any(status) else [""] * len(rows)
        etypes = [e or "" for e in etype] if any(etype) else [""] * len(rows)
        self.sink.add_reports(self._codes(streams), ts_ms, rids, numbers, statuses,
                              etypes, seqs=seqs)


def _request_lines(lines: list[str], offsets: _LineOffsets, slow: set[int],
                   report_words: int) -> tuple[list[str], list[str], list[str], int]:
    """Event lines holding "RequestId: ": (START candidates, REPORT candidates, canonical
    ENDs, how many event lines hold it); the others (crash lines, odd shapes) are added to
    ``slow``. A continuation line belongs to the event above it and is never a candidate.
    ``report_words``: how many times " REPORT " occurs in the chunk."""
    rid_lines = [ln for ln in lines if "RequestId: " in ln and _is_event_line(ln)]
    start_lines = [ln for ln in rid_lines if " START RequestId: " in ln]
    report_lines = [ln for ln in rid_lines if " REPORT RequestId: " in ln]
    end_lines = [ln for ln in rid_lines if " END RequestId: " in ln
                 and " START RequestId: " not in ln and " REPORT RequestId: " not in ln]
    end_lines = [ln for ln in end_lines if _FAST_END.match(ln)]
    if len(start_lines) + len(report_lines) + len(end_lines) < len(rid_lines):
        slow.update(offsets.of(ln) for ln in rid_lines
                    if " START RequestId: " not in ln and " REPORT RequestId: " not in ln
                    and not (" END RequestId: " in ln and _FAST_END.match(ln)))
    if report_words > len(report_lines):  # some " REPORT " is not a canonical candidate
        slow.update(offsets.of(ln) for ln in lines if _REPORT_WORD in ln
                    and " REPORT RequestId: " not in ln and _is_event_line(ln))
    return start_lines, report_lines, end_lines, len(rid_lines)


def _continued_request_ids(chunk: str) -> set[int]:
    """Offsets of the events with "RequestId: " in a continuation line (an event glued to
    the end of it, ``read.glued``: the general parser reads those events)."""
    found: set[int] = set()
    pos = chunk.find(_RID)
    while pos >= 0:
        line_start = chunk.rfind("\n", 0, pos) + 1
        if not _event_at(chunk, line_start):
            found.add(_event_start(chunk, pos))
        pos = chunk.find(_RID, pos + len(_RID))
    return found


def _not_slow(rows: list[tuple[str, ...]], lines: list[str], offsets: _LineOffsets,
              slow: set[int]) -> tuple[list[tuple[str, ...]], list[str]]:
    """The rows (and their lines) whose event does not go the per-event way."""
    keep = [k for k, ln in enumerate(lines) if offsets.of(ln) not in slow]
    return [rows[k] for k in keep], [lines[k] for k in keep]


def _keyword_events(chunk: str) -> set[int]:
    """Offsets of the events holding a rare platform keyword anywhere in their text."""
    found: set[int] = set()
    for keyword in _RARE_KEYWORDS:
        pos = chunk.find(keyword)
        while pos >= 0:
            found.add(_event_start(chunk, pos))
            pos = chunk.find(keyword, chunk.find("\n", pos) + 1)
            if pos == 0:
                break
    return found


def _backslash_continued(chunk: str) -> set[int]:
    """Offsets of the events with a backslash in a continuation line (after a platform line
    that the fast path could read, the general parser decides)."""
    found: set[int] = set()
    pos = chunk.find("\\")
    while pos >= 0:
        line_start = chunk.rfind("\n", 0, pos) + 1
        if not _event_at(chunk, line_start):
            found.add(_event_start(chunk, pos))
        next_line = chunk.find("\n", pos)
        if next_line < 0:
            break
        pos = chunk.find("\\", next_line + 1)
    return found


def _event_start(chunk: str, pos: int) -> int:
    """Offset of the first line of the event holding ``pos`` (continuation lines walk back)."""
    start = chunk.rfind("\n", 0, pos) + 1
    while start > 0 and not _event_at(chunk, start):
        start = chunk.rfind("\n", 0, start - 1) + 1
    return start


def _is_event_line(line: str) -> bool:
    """A tail line that starts an event: ``YYYY-MM-DDT...`` (``tail_split`` decides fully)."""
    return line[4:5] == "-" and line[10:11] == "T" and line[:1].isdigit()


def _event_at(chunk: str, pos: int) -> bool:
    return _is_event_line(chunk[pos:pos + 11])


def _cut_point(block: str) -> int:
    """The last newline that is followed by an event line (-1 when there is none)."""
    cut = block.rfind("\n2")
    while cut >= 0 and not _event_at(block, cut + 1):
        cut = block.rfind("\n2", 0, cut)
    return cut


def _iso_column(values: Sequence[str]) -> Any:
    """ISO times (with offset) -> float epoch ms from integer nanoseconds (whole ms plus the
    fraction), vectorized; NaN where unparseable or outside 1970-01-01 .. 2262-01-01
    (nanosecond times end in 2262), which the caller sends to the general parser. The compiled
    scanner computes the same."""
    times = pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601", utc=True,
                           errors="coerce")
    return datetimes_to_ms(times)  # NaN: unparseable or out of range


def _float_column(values: Sequence[str]) -> Any:
    return pd.Series(values, dtype=object).astype("float64").to_numpy()


def _nan_column(n: int) -> Any:
    return pd.Series([float("nan")] * n, dtype="float64").to_numpy()
