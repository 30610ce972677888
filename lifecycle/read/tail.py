"""``aws logs tail`` detailed output: ``<iso+00:00> <log stream> <message>``, read in chunks by
a fast path for canonical START/END/REPORT lines, every other event through the general parser."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.read.collect import RecordSink
from lamlife.lifecycle.read.context import ReadOptions, ReadResult, Source, default_function
from lamlife.lifecycle.read.platform import normalize_status
from lamlife.lifecycle.read.timeparse import datetimes_to_ms, fast_iso_ms


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
    function = default_function(source, options, result.sink)
    scanner = TailChunkScanner(result.sink, function, source.name)
    carry = ""
    while True:
        block = text.read(CHUNK_CHARS)
        if not block:
            break
        block = carry + block
        cut = _cut_point(block)  # keep every event whole: cut before an event line
        if cut < 0:
            carry = block
            continue
        carry = block[cut + 1:]
        scanner.scan(block[: cut + 1])
    if carry:
        scanner.scan(carry if carry.endswith("\n") else carry + "\n")
    result.stats.lines += scanner.lines


CHUNK_CHARS = 4 * 1024 * 1024
_FAST_END = re.compile(r"\S+ \S+ END RequestId: \S+$")
_FAST_START = re.compile(r"(\S+) (\S+) START RequestId: ([^\s\\]+) Version: (\S+)$")
_FAST_REPORT = re.compile(
    r"(\S+) (\S+) REPORT RequestId: ([^\s\\]+)\tDuration: ([0-9]+(?:\.[0-9]+)?) ms"
    r"\tBilled Duration: ([0-9]+) ms\tMemory Size: ([0-9]+) MB\tMax Memory Used: ([0-9]+) MB"
    r"(?:\tInit Duration: ([0-9]+(?:\.[0-9]+)?) ms)?(?:\tStatus: (\w+)(?:\tError Type: (\S+))?)?"
    r"\t?$")
# Messages that are platform records but rare: found by substring search in the whole chunk.
# Crash lines ("RequestId: ... Error: ...") contain "RequestId: " and are found with those.
_RARE_KEYWORDS = ("INIT_", "RESTORE_", "EXTENSION", "TELEMETRY", "LOGS", '"platform.',
                  "Task timed out after", "RequestId:\t")
# Lines starting like a REPORT that the canonical filter cannot take ("REPORT Duration: ..."
# without a RequestId): the general parser counts them malformed, as in every other container.
_REPORT_WORD = " REPORT "


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

    def scan(self, chunk: str) -> None:
        sink = self.sink
        if "\r" in chunk:
            chunk = chunk.replace("\r\n", "\n")
        lines = chunk.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        base_line = self.lines
        self.lines += len(lines)
        continuation = [ln for ln in lines if ln[4:5] != "-" or ln[10:11] != "T"
                        or not ln[:1].isdigit()]
        events = len(lines) - len(continuation)
        if self._first:
            self._first = False
            for line in lines:  # lines before the first event line: application output
                if _is_event_line(line):
                    break
                if line.strip():
                    events += 1
        # event lines only: a continuation line belongs to the event above it
        rid_lines = [ln for ln in lines if "RequestId: " in ln and _is_event_line(ln)]
        start_lines = [ln for ln in rid_lines if " START RequestId: " in ln]
        report_lines = [ln for ln in rid_lines if " REPORT RequestId: " in ln]
        end_lines = [ln for ln in rid_lines if " END RequestId: " in ln
                     and " START RequestId: " not in ln and " REPORT RequestId: " not in ln]
        end_count = sum(1 for ln in end_lines if _FAST_END.match(ln))
        offsets = _LineOffsets(lines)
        slow: set[int] = set()  # line-start offsets that take the per-event path
        if len(start_lines) + len(report_lines) + end_count < len(rid_lines):
            slow.update(offsets.of(ln) for ln in rid_lines
                        if " START RequestId: " not in ln and " REPORT RequestId: " not in ln
                        and not (" END RequestId: " in ln and _FAST_END.match(ln)))
        if chunk.count(_REPORT_WORD) > len(report_lines):
            slow.update(offsets.of(ln) for ln in lines if _REPORT_WORD in ln
                        and " REPORT RequestId: " not in ln and _is_event_line(ln))
        starts = self._fast(_FAST_START, start_lines, offsets, slow)
        reports = self._fast(_FAST_REPORT, report_lines, offsets, slow)
        for keyword in _RARE_KEYWORDS:
            pos = chunk.find(keyword)
            while pos >= 0:
                slow.add(_event_start(chunk, pos))
                pos = chunk.find(keyword, chunk.find("\n", pos) + 1)
                if pos == 0:
                    break
        if slow:  # an event the per-event path reads is not also read by the fast path
            starts = [row for row in starts if offsets.of(row[-1]) not in slow]
            reports = [row for row in reports if offsets.of(row[-1]) not in slow]
            end_count = sum(1 for ln in end_lines
                            if _FAST_END.match(ln) and offsets.of(ln) not in slow)
        starts = [row[:-1] for row in starts]
        reports = [row[:-1] for row in reports]
        malformed_before = sink.counts.malformed
        start_ts, starts = self._timed(starts, "START")
        report_ts, reports = self._timed(reports, "REPORT")
        bad_times = sink.counts.malformed - malformed_before
        fast = len(starts) + len(reports) + end_count
        slow_events = self._slow(chunk, sorted(slow), base_line)
        counts = sink.counts
        counts.events += events - slow_events
        counts.records += end_count
        counts.ignored += max(events - slow_events - fast - bad_times, 0)
        if starts:
            _ts, streams, rids, versions = zip(*starts, strict=True)
            sink.add_starts(self._codes(streams), start_ts, rids, versions)
        if reports:
            self._add_reports(reports, report_ts)

    def _fast(self, pattern: re.Pattern[str], lines: list[str], offsets: _LineOffsets,
              slow: set[int]) -> list[tuple[str, ...]]:
        rows = []
        for ln in lines:
            m = pattern.match(ln)
            if m is None:
                slow.add(offsets.of(ln))
            else:
                rows.append((*m.groups(), ln))  # the line last, dropped once slow is known
        return rows

    def _slow(self, chunk: str, offsets: list[int], base_line: int) -> int:
        """Hand whole events (line + continuation lines) at ``offsets`` to the sink."""
        sink = self.sink
        handled = 0
        counted_to = 0
        line_no = base_line + 1
        for offset in offsets:
            end = chunk.find("\n", offset)
            line = chunk[offset:end]
            line_no += chunk.count("\n", counted_to, offset)
            counted_to = offset
            where = f"{self.name}:{line_no}"
            parts = tail_split(line)
            if parts is None:
                if _is_event_line(line):  # an event line whose time does not parse
                    sink.counts.events += 1
                    sink.add_malformed(line, where)
                    handled += 1
                continue  # otherwise a continuation line: part of the event above it
            extra_end = end
            while extra_end + 1 < len(chunk) and not _event_at(chunk, extra_end + 1):
                extra_end = chunk.find("\n", extra_end + 1)
            stream, ts, message = parts
            if extra_end > end:
                message = (message + chunk[end:extra_end]) if message else \
                    chunk[end + 1:extra_end]
            sink.add(self.function, stream, ts, message, where)
            handled += 1
        return handled

    def _timed(self, rows: list[tuple[str, ...]], word: str
               ) -> tuple[Any, list[tuple[str, ...]]]:
        """Epoch ms of each row's time; rows whose time does not parse are malformed."""
        if not rows:
            return None, rows
        ts = _iso_column([row[0] for row in rows])
        bad = np.isnan(ts)
        if not bad.any():
            return ts, rows
        for i in np.flatnonzero(bad):
            row = rows[i]
            self.sink.add_malformed(f"{row[0]} {row[1]} {word} RequestId: {row[2]}", self.name)
        keep = np.flatnonzero(~bad)
        return ts[keep], [rows[i] for i in keep]

    def _codes(self, streams: Sequence[str]) -> Any:
        codes, uniques = pd.factorize(pd.Series(streams, dtype=object))
        lookup = [self.sink.env_code(self.function, u) for u in uniques]
        return pd.Series(lookup, dtype="int64").to_numpy()[codes]

    def _add_reports(self, rows: list[tuple[str, ...]], ts_ms: Any) -> None:
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
                              etypes)


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
    """ISO times (with offset) -> float epoch ms, vectorized."""
    times = pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601", utc=True,
                           errors="coerce")
    return datetimes_to_ms(times)  # unparseable or out of range: NaN, counted malformed


def _float_column(values: Sequence[str]) -> Any:
    return pd.Series(values, dtype=object).astype("float64").to_numpy()


def _nan_column(n: int) -> Any:
    return pd.Series([float("nan")] * n, dtype="float64").to_numpy()
