"""Readers: find input files, open them (gzip transparently), detect each file's format by
content, and feed every log event to a ``RecordSink``.

Formats (docs/lambda-platform.md §1):

- ``tail``: ``aws logs tail`` detailed output, ``<iso+00:00> <log stream> <message>``
- ``sam``: ``sam logs`` output, ``<log stream> <naive iso> <message>``
- ``timestamped``: ``<iso> <message>`` lines without a stream: S3 export chunks (the stream is
  the object path), ``aws logs tail --format short``, console copy and paste
- ``json``: ``filter-log-events`` / ``get-log-events`` output (``{"events": [...]}``, pages,
  concatenated pages) and decoded subscription payloads
- ``jsonl``: one event (or JSON platform record, or lamlife fetch header) per line
- ``insights-csv``: CloudWatch Logs Insights CSV export (``@timestamp,@message,...``)
- ``console-csv``: CloudWatch console "Download (CSV)" (``timestamp,message``)
- ``lamlife-csv``: lamlife's own invocation CSV (already classified rows)
- ``arrival-csv``: a plain trace of arrivals (``start`` + ``end``/``duration_ms``), handed to the
  simulator by the pipeline

In line formats, a line without the format's prefix continues the event above it (the XRAY
second line of a REPORT, multi-line application output, pretty-printed JSON).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import json
import re
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.analysis import InputStats
from lamlife.lifecycle.arrivals import is_arrival_header
from lamlife.lifecycle.collect import RecordSink
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.platform import json_record_time, normalize_status, parse_json_platform
from lamlife.lifecycle.schema import INVOCATION_COLUMNS, START_TYPES, STATUSES
from lamlife.lifecycle.timeparse import any_to_ms, fast_iso_ms, iso_to_ms

HEAD_BYTES = 64 * 1024
_MAX_EPOCH_MS = 1e14  # year 5138: anything larger is not a time
Progress = Callable[[int], None]  # called with bytes read so far (all files)

_ISO_PREFIX = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?"
_TAIL_LINE = re.compile(r"(" + _ISO_PREFIX + r"[+-]\d\d:\d\d) (\S+) ?(.*)", re.S)
_SAM_LINE = re.compile(r"(\S+) (" + _ISO_PREFIX + r") ?(.*)", re.S)
_STAMPED_LINE = re.compile(r"(" + _ISO_PREFIX + r"(?:Z|[+-]\d\d:?\d\d)?)(?:[ \t]|$)(.*)", re.S)
_S3_PATH = re.compile(
    r"(?:^|/)(?P<task>[^/]+)/(?P<stream>\d{4}/\d\d/\d\d/[^/]*\[[^/]*\][^/]*)/\d+(?:\.gz)?$")
_CUSTOM_STREAM = re.compile(r"^\d{4}/\d\d/\d\d/([^\[/]+)\[")
_STREAM_LIKE = re.compile(r"\d{4}/\d\d/\d\d/|\[")
_INVOCATION_HEADER = ",".join(INVOCATION_COLUMNS[:5])


@dataclass
class ReadOptions:
    function: str | None = None  # --function: the name when the input carries no log group


@dataclass
class ReadResult:
    sink: RecordSink
    stats: InputStats
    classified: list[pd.DataFrame] = field(default_factory=list)  # re-read lamlife CSVs
    arrivals: list[str] = field(default_factory=list)  # arrival CSV paths (for the simulator)
    streamless: set[str] = field(default_factory=set)  # sources already warned of no stream


@dataclass
class _Source:
    name: str  # what errors and examples call it
    path: Path | None  # None for stdin
    in_directory: bool = False


# ------------------------------------------------------------------------- discovery


def discover(paths: Sequence[str]) -> list[_Source]:
    """Expand files, directories (recursively) and ``-`` into sources, in a stable order."""
    if not paths:
        raise InputError("no input given: pass log files, directories or - for stdin")
    sources: list[_Source] = []
    for raw in paths:
        if raw == "-":
            sources.append(_Source("<stdin>", None))
            continue
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{raw}: no such file or directory")
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in
                                           p.relative_to(path).parts)
                and p.name != "aws-logs-write-test"
            )
            if not found:
                raise InputError(f"{raw}: directory has no files to read")
            sources.extend(_Source(str(p), p, in_directory=True) for p in found)
        elif path.is_file():
            sources.append(_Source(raw, path))
        else:
            raise InputError(f"{raw}: not a regular file or directory")
    return sources


# ------------------------------------------------------------------------- opening


class _Prefixed(io.RawIOBase):
    """A raw stream that replays ``head`` before the rest of ``stream``."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)


class _Counting(io.RawIOBase):
    """Counts compressed/raw bytes read, for progress."""

    def __init__(self, stream: IO[bytes], on_bytes: Callable[[int], None] | None) -> None:
        self._stream = stream
        self._on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if self._on_bytes is not None and n:
            self._on_bytes(n)
        return n


def _open_binary(source: _Source, on_bytes: Callable[[int], None] | None) -> IO[bytes]:
    try:
        raw: IO[bytes] = (sys.stdin.buffer if source.path is None
                          else open(source.path, "rb"))  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"{source.name}: cannot open ({exc.strerror or exc})") from exc
    counted = io.BufferedReader(_Counting(raw, on_bytes), buffer_size=1 << 20)
    magic = counted.peek(2)[:2]
    if magic == b"\x1f\x8b":
        return io.BufferedReader(gzip.GzipFile(fileobj=counted, mode="rb"),
                                 buffer_size=1 << 20)
    return counted


def _read_head(source: _Source, stream: IO[bytes]) -> bytes:
    try:
        return stream.read(HEAD_BYTES)
    except (EOFError, OSError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"{source.name}: cannot decompress ({_gzip_problem(exc)})") from exc


def _gzip_problem(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "truncated gzip file"
    return str(exc) or type(exc).__name__


def _text(head: bytes, stream: IO[bytes], newline: str | None) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BufferedReader(_Prefixed(head, stream), buffer_size=1 << 20),
                            encoding="utf-8", errors="replace", newline=newline)


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    sample = head[:4096]
    if not sample:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
        return controls > len(sample) // 20
    return False


# ------------------------------------------------------------------------- detection


def detect_format(head_text: str) -> str | None:
    """The format name of a file from its first bytes (decoded), or None when unknown."""
    lines = [ln for ln in head_text.splitlines()[:50] if ln.strip()]
    if not lines:
        return "empty"
    first = lines[0].lstrip("\ufeff")
    stripped = first.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            obj = json.loads(stripped)
        except ValueError:
            return "json"
        return "jsonl" if isinstance(obj, dict) and _is_jsonl_object(obj) else "json"
    if first.startswith(_INVOCATION_HEADER):
        return "lamlife-csv"
    header = [h.strip().strip('"').lower() for h in first.split(",")]
    if any(h.startswith("@") for h in header):
        return "insights-csv"
    if header[:2] == ["timestamp", "message"]:
        return "console-csv"
    for line in lines[:20]:
        if _TAIL_LINE.match(line) and _STREAM_LIKE.search(line.split(" ", 2)[1]):
            return "tail"
        if _SAM_LINE.match(line) and _STREAM_LIKE.search(line.split(" ", 1)[0]):
            return "sam"
        if _STAMPED_LINE.match(line):
            return "timestamped"
    if "," in first and is_arrival_header(next(csv.reader([first]))):
        return "arrival-csv"
    return None


def _is_jsonl_object(obj: dict[str, Any]) -> bool:
    return ("message" in obj and "timestamp" in obj) or "lamlife_fetch" in obj or (
        isinstance(obj.get("type"), str) and "time" in obj) or (
        "events" in obj and len(obj) <= 4)


# ------------------------------------------------------------------------- naming


def function_from_group(group: str, stream: str = "") -> str:
    """The function a log group (and stream) belongs to (§4): custom group streams name it."""
    m = _CUSTOM_STREAM.match(stream)
    if m:
        return m.group(1)
    group = group.split(":", 1)[1] if re.match(r"^\d{12}:", group) else group
    if group.startswith("/aws/lambda/"):
        return group[len("/aws/lambda/"):]
    return group.rsplit("/", 1)[-1] or group


def _file_function(source: _Source) -> str:
    if source.path is None:
        return "stdin"
    name = source.path.name
    for suffix in (".gz", ".log", ".txt", ".jsonl", ".json", ".csv", ".out"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name or source.path.name


# ------------------------------------------------------------------------- main loop


def read_inputs(paths: Sequence[str], options: ReadOptions | None = None,
                progress: Progress | None = None) -> ReadResult:
    """Read every input into one sink. Raises InputError for unreadable input."""
    options = options or ReadOptions()
    sources = discover(paths)
    sink = RecordSink()
    stats = InputStats()
    result = ReadResult(sink, stats)
    total = [0]

    def on_bytes(n: int) -> None:
        total[0] += n
        if progress is not None:
            progress(total[0])

    readable = 0
    for source in sources:
        try:
            fmt = _read_source(source, options, result, on_bytes)
        except InputError:
            raise
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise InputError(f"{source.name}: cannot decompress ({_gzip_problem(exc)})") from exc
        except OSError as exc:
            raise InputError(f"{source.name}: read failed ({exc})") from exc
        except (ValueError, RecursionError) as exc:
            raise InputError(f"{source.name}: cannot read ({exc})") from exc
        if fmt is None:
            if source.in_directory:
                stats.warnings.append(f"{source.name}: skipped, not a log format lamlife reads")
                continue
            raise InputError(f"{source.name}: unrecognized format (expected Lambda logs: "
                             "aws logs tail, sam logs, CloudWatch JSON or CSV exports, "
                             "S3 exports, or a lamlife/arrival CSV)")
        readable += 1
        stats.files += 1
        stats.formats[fmt] = stats.formats.get(fmt, 0) + 1
    if readable == 0:
        where = ", ".join(paths)
        raise InputError(f"{where}: nothing readable (no file in a log format lamlife reads)")
    counts = sink.counts
    stats.records += counts.records
    stats.ignored += counts.ignored
    stats.malformed += counts.malformed
    stats.malformed_examples.extend(counts.malformed_examples)
    return result


def _read_source(source: _Source, options: ReadOptions, result: ReadResult,
                 on_bytes: Callable[[int], None]) -> str | None:
    stream = _open_binary(source, on_bytes)
    try:
        head = _read_head(source, stream)
        if _looks_binary(head):
            if source.in_directory:
                return None
            raise InputError(f"{source.name}: binary file, not a text log")
        head_text = head.decode("utf-8", errors="replace")
        fmt = detect_format(head_text)
        if fmt is None or fmt == "empty":
            if fmt == "empty":
                result.stats.lines += head_text.count("\n")
            return fmt
        reader = _READERS[fmt]
        newline = "" if fmt.endswith("csv") else "\n"
        with _text(head, stream, newline) as text:
            reader(source, text, options, result)
        return fmt
    finally:
        stream.close()


def _default_function(source: _Source, options: ReadOptions, sink: RecordSink) -> str:
    if options.function:
        return options.function
    name = _file_function(source)
    sink.fallback_functions.add(name)
    return name


AddEvent = Callable[[str, str, float, str, str], None]


def _line_events(lines: Iterator[str], split: Callable[[str], tuple[str, float, str] | None],
                 source: _Source, function: str, result: ReadResult,
                 add: AddEvent | None = None) -> None:
    """Join continuation lines to their event and hand each event to ``add`` (the sink)."""
    sink = result.sink
    add = add or sink.add
    name = source.name
    env = ""
    ts = 0.0
    message: str | None = None
    extra: list[str] = []
    start_line = 0
    lineno = 0
    orphan = 0
    for lineno, line in enumerate(lines, 1):  # noqa: B007
        if line.endswith("\n"):
            line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
        parts = split(line) if line else None
        if parts is None:
            if message is not None:
                extra.append(line)
            elif line.strip():
                orphan += 1
            continue
        if message is not None:
            add(function, env, ts, _joined(message, extra), f"{name}:{start_line}")
            extra = []
        env, ts, message = parts
        start_line = lineno
    if message is not None:
        add(function, env, ts, _joined(message, extra), f"{name}:{start_line}")
    result.stats.lines += lineno
    sink.counts.events += orphan
    sink.counts.ignored += orphan


def _tail_split(line: str) -> tuple[str, float, str] | None:
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


def _joined(message: str, extra: list[str]) -> str:
    """An event's message with its continuation lines (a time alone on its line: just them)."""
    if not extra:
        return message
    return "\n".join([message, *extra]) if message else "\n".join(extra)


_PLATFORM_STARTS = ("START ", "END ", "REPORT ", "INIT_", "RESTORE_", "EXTENSION",
                    "TELEMETRY", "LOGS", "RequestId:")


def _deduplicating(sink: RecordSink, duplicates: list[int]) -> AddEvent:
    """``sink.add`` that skips a platform line seen before at the same time, whitespace aside:
    a console copy pasted twice, raw and then tab-collapsed (counted as ignored)."""
    seen: set[int] = set()

    def add(function: str, env: str, ts: float, message: str, where: str) -> None:
        if message.startswith(_PLATFORM_STARTS):
            key = hash((ts, " ".join(message.split())))
            if key in seen:
                sink.counts.events += 1
                sink.counts.ignored += 1
                duplicates[0] += 1
                return
            seen.add(key)
        sink.add(function, env, ts, message, where)

    return add


def _read_tail(source: _Source, text: io.TextIOWrapper, options: ReadOptions,
               result: ReadResult) -> None:
    function = _default_function(source, options, result.sink)
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
_FAST_START = re.compile(r"(\S+) (\S+) START RequestId: (\S+) Version: (\S+)$")
_FAST_REPORT = re.compile(
    r"(\S+) (\S+) REPORT RequestId: (\S+)\tDuration: ([0-9]+(?:\.[0-9]+)?) ms"
    r"\tBilled Duration: ([0-9]+) ms\tMemory Size: ([0-9]+) MB\tMax Memory Used: ([0-9]+) MB"
    r"(?:\tInit Duration: ([0-9]+(?:\.[0-9]+)?) ms)?(?:\tStatus: (\w+)(?:\tError Type: (\S+))?)?"
    r"\t?$")
# Messages that are platform records but rare: found by substring search in the whole chunk.
# Crash lines ("RequestId: ... Error: ...") contain "RequestId: " and are found with those.
_RARE_KEYWORDS = ("INIT_", "RESTORE_", "EXTENSION", "TELEMETRY", "LOGS", '"platform.',
                  "Task timed out after")


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
        starts = self._fast(_FAST_START, start_lines, offsets, slow)
        reports = self._fast(_FAST_REPORT, report_lines, offsets, slow)
        for keyword in _RARE_KEYWORDS:
            pos = chunk.find(keyword)
            while pos >= 0:
                slow.add(_event_start(chunk, pos))
                pos = chunk.find(keyword, chunk.find("\n", pos) + 1)
                if pos == 0:
                    break
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
                rows.append(m.groups())
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
            parts = _tail_split(line)
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
    """A tail line that starts an event: ``YYYY-MM-DDT...`` (``_tail_split`` decides fully)."""
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
    ms = times.to_numpy(dtype="datetime64[ns]").astype("int64") / 1e6
    ms[times.isna().to_numpy()] = np.nan  # unparseable: NaN, counted malformed by the caller
    return ms


def _float_column(values: Sequence[str]) -> Any:
    return pd.Series(values, dtype=object).astype("float64").to_numpy()


def _nan_column(n: int) -> Any:
    return pd.Series([float("nan")] * n, dtype="float64").to_numpy()


def _read_sam(source: _Source, text: io.TextIOWrapper, options: ReadOptions,
              result: ReadResult) -> None:
    function = _default_function(source, options, result.sink)

    def split(line: str) -> tuple[str, float, str] | None:
        parts = line.split(" ", 2)
        if len(parts) < 2 or len(parts[1]) < 19 or parts[1][4:5] != "-":
            return None
        ts = fast_iso_ms(parts[1])
        if ts != ts:
            return None
        return parts[0], ts, parts[2] if len(parts) > 2 else ""

    _line_events(iter(text), split, source, function, result)


def _read_timestamped(source: _Source, text: io.TextIOWrapper, options: ReadOptions,
                      result: ReadResult) -> None:
    env = ""
    function = None
    if source.path is not None:
        m = _S3_PATH.search(source.path.as_posix())
        if m:
            env = m.group("stream")
            custom = _CUSTOM_STREAM.match(env)
            prefix = source.path.as_posix()[: m.start("task")].rstrip("/")
            if custom:
                function = custom.group(1)
            elif options.function:
                function = options.function
            elif prefix:
                function = prefix.rsplit("/", 1)[-1]
    if function is None:
        function = _default_function(source, options, result.sink)
    if not env:
        result.stats.warnings.append(
            f"{source.name}: no log stream in this format, so environments cannot be rebuilt; "
            "start types come from REPORT fields alone (cold needs Init Duration, "
            "reinit and proactive are not detectable)")

    def split(line: str) -> tuple[str, float, str] | None:
        if len(line) < 19 or line[4] != "-":
            return None
        m = _STAMPED_LINE.match(line)
        if m is None:
            return None
        ts = fast_iso_ms(m.group(1))
        if ts != ts:
            return None
        return env, ts, m.group(2)

    duplicates = [0]
    add = None if env else _deduplicating(result.sink, duplicates)
    _line_events(iter(text), split, source, function, result, add)
    if duplicates[0]:
        result.stats.warnings.append(
            f"{source.name}: {duplicates[0]} duplicate platform line(s) skipped (the same "
            "lines pasted twice, e.g. raw and tab-collapsed)")


# ------------------------------------------------------------------------- JSON


def _read_json(source: _Source, text: io.TextIOWrapper, options: ReadOptions,
               result: ReadResult) -> None:
    content = text.read()
    result.stats.lines += content.count("\n") + (0 if content.endswith("\n") else 1)
    decoder = json.JSONDecoder()
    pos = 0
    length = len(content)
    while True:
        while pos < length and content[pos] in " \t\r\n,":
            pos += 1
        if pos >= length:
            break
        try:
            obj, pos = decoder.raw_decode(content, pos)
        except ValueError as exc:
            raise InputError(f"{source.name}: invalid JSON ({exc})") from exc
        _json_value(obj, source, options, result, context={})


def _json_value(obj: Any, source: _Source, options: ReadOptions, result: ReadResult,
                context: dict[str, str]) -> None:
    if isinstance(obj, list):
        for item in obj:
            _json_value(item, source, options, result, context)
        return
    if not isinstance(obj, dict):
        result.sink.counts.events += 1
        result.sink.add_malformed(str(obj), source.name)
        return
    if "lamlife_fetch" in obj:
        _fetch_header(obj, result)
        return
    page_context = dict(context)
    for key in ("logGroupName", "logGroup"):
        if isinstance(obj.get(key), str):
            page_context["group"] = obj[key]
    for key in ("logStreamName", "logStream"):
        if isinstance(obj.get(key), str):
            page_context["stream"] = obj[key]
    if isinstance(obj.get("events"), list):
        for event in obj["events"]:
            _json_event(event, source, options, result, page_context)
        return
    if isinstance(obj.get("logEvents"), list):  # decoded subscription payload
        if obj.get("messageType", "DATA_MESSAGE") != "DATA_MESSAGE":
            return
        for event in obj["logEvents"]:
            _json_event(event, source, options, result, page_context)
        return
    _json_event(obj, source, options, result, page_context)


def _json_event(event: Any, source: _Source, options: ReadOptions, result: ReadResult,
                context: dict[str, str]) -> None:
    sink = result.sink
    if not isinstance(event, dict):
        sink.counts.events += 1
        sink.add_malformed(str(event)[:120], source.name)
        return
    if "lamlife_fetch" in event:
        _fetch_header(event, result)
        return
    group = event.get("logGroupName") or event.get("logGroup") or context.get("group")
    stream = event.get("logStreamName") or event.get("logStream") or context.get("stream")
    if not isinstance(stream, str):
        stream = ""
    if isinstance(group, str) and group:
        function = function_from_group(group, stream)
    else:
        function = _default_function(source, options, sink)
        if not stream and "message" in event and source.path is not None:
            # get-log-events output has no stream in it: the file is one stream (§1)
            stream = _file_function(source)
    if "message" in event:
        message = event.get("message")
        ts_raw = event.get("timestamp")
        ts = _event_time(ts_raw)
        if not isinstance(message, str) or ts is None:
            sink.counts.events += 1
            sink.add_malformed(json.dumps(event)[:120], source.name)
            return
        if message.startswith("{") and '"platform.' in message:
            _json_platform_message(function, stream, ts, message, source, sink)
            return
        sink.add(function, stream, ts, message.rstrip("\n"), source.name)
        return
    if isinstance(event.get("type"), str):  # a bare JSON log-format record
        sink.counts.events += 1
        record_time = json_record_time(event)
        rec = parse_json_platform(event)
        if rec is None:
            sink.counts.ignored += 1
        elif rec[0] == "malformed" or record_time is None:
            sink.add_malformed(json.dumps(event)[:120], source.name)
        else:
            sink.add_record(function, stream, record_time, rec)
            if not stream and source.name not in result.streamless:
                result.streamless.add(source.name)
                result.stats.warnings.append(
                    f"{source.name}: JSON log-format records with no log stream, so "
                    "environments cannot be rebuilt; start types come from the report "
                    "records alone")
        return
    sink.counts.events += 1
    sink.counts.ignored += 1


def _json_platform_message(function: str, stream: str, ts: float, message: str,
                           source: _Source, sink: RecordSink) -> None:
    """A JSON log-format message: its own ``time`` orders it (§5.6), the event time otherwise."""
    try:
        obj = json.loads(message)
    except ValueError:
        sink.add(function, stream, ts, message, source.name)
        return
    if not isinstance(obj, dict):
        sink.add(function, stream, ts, message, source.name)
        return
    sink.counts.events += 1
    rec = parse_json_platform(obj)
    if rec is None:
        sink.counts.ignored += 1
        return
    if rec[0] == "malformed":
        sink.add_malformed(message, source.name)
        return
    record_time = json_record_time(obj)
    sink.add_record(function, stream, record_time if record_time is not None else ts, rec)


def _event_time(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        ms = float(value)  # CloudWatch event timestamps are epoch ms (§1)
        return ms if 0 <= ms < _MAX_EPOCH_MS else None
    if isinstance(value, str):
        return any_to_ms(value)
    return None


def _fetch_header(obj: dict[str, Any], result: ReadResult) -> None:
    function = obj.get("function")
    config = obj.get("configuration")
    if isinstance(function, str) and isinstance(config, dict):
        merged = dict(config)
        for key in ("region", "log_group"):
            if isinstance(obj.get(key), str):
                merged.setdefault(key, obj[key])
        result.stats.configurations[function] = merged


def _read_jsonl(source: _Source, text: io.TextIOWrapper, options: ReadOptions,
                result: ReadResult) -> None:
    lineno = 0
    for lineno, line in enumerate(text, 1):  # noqa: B007
        stripped = line.strip()
        if not stripped:
            continue
        try:
            obj = json.loads(stripped)
        except (ValueError, RecursionError):
            result.sink.counts.events += 1
            if stripped.startswith("{"):
                result.sink.add_malformed(stripped, f"{source.name}:{lineno}")
            else:
                result.sink.counts.ignored += 1
            continue
        _json_value(obj, source, options, result, context={})
    result.stats.lines += lineno


# ------------------------------------------------------------------------- CSV


def _read_insights_csv(source: _Source, text: io.TextIOWrapper, options: ReadOptions,
                       result: ReadResult) -> None:
    sink = result.sink
    reader = csv.reader(text)
    header = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
    index = {h: i for i, h in enumerate(header)}
    if "@timestamp" not in index or not ("@message" in index or "@duration" in index):
        raise InputError(f"{source.name}: Logs Insights CSV needs @timestamp and @message "
                         f"(or @requestId/@duration) columns; found {', '.join(header)}")
    fallback = _default_function(source, options, sink)
    ts_i = index["@timestamp"]
    msg_i = index.get("@message")
    stream_i = index.get("@logStream")
    group_i = index.get("@log")
    for row in reader:
        if not row or row == [""]:
            continue
        where = f"{source.name}:{reader.line_num}"
        stream = row[stream_i] if stream_i is not None and stream_i < len(row) else ""
        group = row[group_i] if group_i is not None and group_i < len(row) else ""
        function = function_from_group(group, stream) if group else fallback
        ts = iso_to_ms(row[ts_i]) if ts_i < len(row) else None
        if ts is None:
            ts = any_to_ms(row[ts_i]) if ts_i < len(row) else None
        if ts is None:
            sink.counts.events += 1
            sink.add_malformed(",".join(row), where)
            continue
        if msg_i is not None and msg_i < len(row) and row[msg_i]:
            message = row[msg_i].rstrip("\n")
            if message.startswith("{") and '"platform.' in message:
                _json_platform_message(function, stream, ts, message, source, sink)
            else:
                sink.add(function, stream, ts, message, where)
            continue
        _insights_fields_row(row, index, function, stream, ts, where, sink)
    result.stats.lines += reader.line_num


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


def _read_console_csv(source: _Source, text: io.TextIOWrapper, options: ReadOptions,
                      result: ReadResult) -> None:
    sink = result.sink
    function = _default_function(source, options, sink)
    result.stats.warnings.append(
        f"{source.name}: console CSV has no log stream, so environments cannot be rebuilt; "
        "start types come from REPORT fields alone")
    reader = csv.reader(text)
    next(reader, None)
    for row in reader:
        if not row or row == [""]:
            continue
        where = f"{source.name}:{reader.line_num}"
        ts = any_to_ms(row[0]) if row else None
        if ts is None or len(row) < 2:
            sink.counts.events += 1
            sink.add_malformed(",".join(row), where)
            continue
        sink.add(function, "", ts, row[1].rstrip("\n"), where)
    result.stats.lines += reader.line_num


def _read_lamlife_csv(source: _Source, text: io.TextIOWrapper, options: ReadOptions,
                      result: ReadResult) -> None:
    try:
        frame = pd.read_csv(text, dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"{source.name}: unreadable lamlife CSV ({exc})") from exc
    missing = [c for c in INVOCATION_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{source.name}: lamlife CSV lacks columns {', '.join(missing)}")
    result.stats.lines += len(frame) + 1
    result.classified.append(invocations_from_strings(frame[list(INVOCATION_COLUMNS)],
                                                      source.name))


def invocations_from_strings(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Types for an invocation table read as strings (lamlife CSV)."""
    out = frame.copy()
    for column in ("start", "end"):
        out[column] = pd.to_datetime(out[column], utc=True, errors="coerce", format="ISO8601")
        if out[column].isna().any():
            bad = int(out[column].isna().sum())
            raise InputError(f"{name}: {bad} row(s) with an unreadable {column} time")
    numeric = [c for c in INVOCATION_COLUMNS if c.endswith("_ms") or c.endswith("_mb")]
    for column in numeric:
        text = out[column]
        values = pd.to_numeric(text.replace("", None), errors="coerce").astype(float)
        unreadable = values.isna() & (text != "")
        if unreadable.any():
            raise InputError(f"{name}: {int(unreadable.sum())} row(s) with an unreadable "
                             f"{column} ({text[unreadable].iloc[0]!r})")
        out[column] = values
    out["init_failures"] = pd.to_numeric(out["init_failures"].replace("", "0"),
                                         errors="coerce").fillna(0).astype("int64")
    for column, allowed in (("start_type", START_TYPES), ("status", STATUSES)):
        unknown = set(out[column]) - set(allowed)
        if unknown:
            raise InputError(f"{name}: unknown {column} {sorted(unknown)[0]!r} "
                             f"(expected one of {', '.join(allowed)})")
    return out


def _read_arrivals(source: _Source, text: io.TextIOWrapper, options: ReadOptions,
                   result: ReadResult) -> None:
    if source.path is None:
        raise InputError("<stdin>: an arrival CSV must be given as a file")
    result.arrivals.append(str(source.path))
    result.stats.lines += sum(1 for _ in text)


_READERS: dict[str, Callable[[_Source, io.TextIOWrapper, ReadOptions, ReadResult], None]] = {
    "tail": _read_tail,
    "sam": _read_sam,
    "timestamped": _read_timestamped,
    "json": _read_json,
    "jsonl": _read_jsonl,
    "insights-csv": _read_insights_csv,
    "console-csv": _read_console_csv,
    "lamlife-csv": _read_lamlife_csv,
    "arrival-csv": _read_arrivals,
}
