"""Readers: find input files, open them (gzip transparently), detect each file's format by
content, and feed every log event to a ``RecordSink``.

Formats (docs/platform.md §1):

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

import csv
import io
from collections.abc import Callable, Collection, Sequence
from typing import IO, cast

from lamlife.lifecycle.analysis import InputStats
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.read.clean import CleanText, clean_line, needs_cleaning
from lamlife.lifecycle.read.cloudwatch_json import read_json, read_jsonl
from lamlife.lifecycle.read.collect import RecordSink
from lamlife.lifecycle.read.console_csv import read_console_csv
from lamlife.lifecycle.read.context import ReadOptions, ReadResult, Source
from lamlife.lifecycle.read.detect import detect_format
from lamlife.lifecycle.read.insights_csv import NothingUsable, read_insights_csv
from lamlife.lifecycle.read.invoke_tail import read_invoke_tail
from lamlife.lifecycle.read.lamlife_csv import read_arrivals, read_lamlife_csv
from lamlife.lifecycle.read.overlap import Naming
from lamlife.lifecycle.read.sam import read_sam
from lamlife.lifecycle.read.sources import (
    STREAM_ERRORS,
    Utf16Inside,
    discover,
    gzip_problem,
    looks_binary,
    open_binary,
    read_head,
    text_stream,
    utf16_inside,
)
from lamlife.lifecycle.read.table import read_table
from lamlife.lifecycle.read.tail import read_tail
from lamlife.lifecycle.read.timestamped import read_timestamped

Progress = Callable[[int], None]  # called with bytes read so far (all files)


class UnrecognizedFormat(InputError):
    """A file given by name whose content is no format lamlife reads (exit 2); ``path`` is
    the name it was given by."""

    def __init__(self, path: str, what: str = "unrecognized format") -> None:
        super().__init__(f"{path}: {what} (expected Lambda logs: aws logs tail, "
                         "sam logs, CloudWatch JSON or CSV exports, S3 exports, or a "
                         "lamlife/arrival CSV)")
        self.path = path


# a JSON input that holds JSON objects and nothing of a log (read_inputs, not_a_log)
NOT_LOG_JSON = "JSON without Lambda log events (no CloudWatch event, page or platform record)"


def read_inputs(paths: Sequence[str | Source], options: ReadOptions | None = None,
                progress: Progress | None = None, sink: RecordSink | None = None,
                require_readable: bool = True) -> ReadResult:
    """Read every input (paths, ``-``, or Sources with an opener such as S3 objects) into one
    sink (a new RecordSink unless given). Raises InputError for unreadable input, and when
    nothing was readable unless ``require_readable`` is False (one file of many read
    alone, as the Spark engine reads them)."""
    options = options or ReadOptions()
    stats = InputStats()
    sources = discover(paths, stats.warnings)
    sink = sink if sink is not None else RecordSink()
    naming = Naming(sink.fallback_functions)
    sink.naming = naming
    result = ReadResult(sink, stats)
    total = [0]

    def on_bytes(n: int) -> None:
        total[0] += n
        if progress is not None:
            progress(total[0])

    readable = 0
    for source in sources:
        opened: list[IO[bytes]] = []
        sink.start_input(source.name)
        before = _Before(result)
        classified_before = len(result.classified)
        try:
            fmt = _read_source(source, options, result, on_bytes, opened)
        except Utf16Inside as exc:  # past the head: what was read of it cannot be taken back
            raise InputError(f"{source.name}: {_utf16_why(exc.offset)}") from None
        except NothingUsable as exc:  # refused before any of it was read
            if not source.in_directory:
                raise
            stats.warnings.append(f"{source.name}: skipped, {exc.why}")
            continue
        except InputError:
            raise
        except STREAM_ERRORS as exc:
            stream = opened[0] if opened else None
            raise InputError(f"{source.name}: cannot decompress "
                             f"({gzip_problem(exc, stream)})") from exc
        except OSError as exc:
            raise InputError(f"{source.name}: read failed ({exc})") from exc
        except (ValueError, RecursionError, csv.Error) as exc:
            raise InputError(f"{source.name}: cannot read ({exc})") from exc
        if fmt in ("json", "jsonl") and before.not_a_log(result):
            before.undo(result)  # its objects are not events of a log: not counted as such
            fmt = _NOT_LOG
        if fmt is None or fmt in (_BINARY, _UTF16, _NOT_LOG):
            if source.in_directory:
                why = ("binary (mostly not text)" if fmt == _BINARY
                       else _utf16_why(None) if fmt == _UTF16
                       else NOT_LOG_JSON if fmt == _NOT_LOG
                       else "not a log format lamlife reads")
                stats.warnings.append(f"{source.name}: skipped, {why}")
                continue
            if fmt == _NOT_LOG:
                raise UnrecognizedFormat(source.name, NOT_LOG_JSON)
            raise UnrecognizedFormat(source.name)
        readable += 1
        if source.name not in sink.default_named and (  # named its own platform records
                sink.counts.records > before.records
                or len(result.classified) > classified_before):
            sink.content_named.add(source.name)
        stats.files += 1
        stats.formats[fmt] = stats.formats.get(fmt, 0) + 1
    if readable == 0 and require_readable:
        raise nothing_readable(paths)
    for code, name in naming.display_names(sink.environments).items():
        sink.function_from_record.setdefault(code, name)  # a log split into parts
    for name, names in naming.joined.items():
        stats.warnings.append(f"inputs named {', '.join(names)} share log streams: read as one "
                              f"function, {name} (pass --function NAME to name it)")
    counts = sink.counts
    stats.records += counts.records
    stats.ignored += counts.ignored
    stats.malformed += counts.malformed
    stats.malformed_examples.extend(counts.malformed_examples)
    if counts.glued:
        stats.warnings.append(glued_warning(counts.glued, counts.glued_first))
    return result


def option_names_named_input(function: str | None, option_named: Collection[str],
                             content_named: Collection[str], functions: Collection[str]
                             ) -> bool:
    """Whether ``--function``'s one name (``function``) named input that carries no function
    name (the inputs ``option_named``) beside input that names its own (``content_named``, or
    ``functions``, the names read, holding another name). Then the read is to be done again
    without it: when any input names its functions, --function only selects, and input that
    names none keeps its file name (README, "--function"), so that the selected function
    never receives another input's invocations under its name."""
    if not function or not option_named or function not in functions:
        return False
    return bool(content_named) or any(name != function for name in functions)


def file_named_warning(function: str, default_named: dict[str, str],
                       functions: Collection[str]) -> str | None:
    """The warning for a read done again without ``--function NAME`` (see
    ``option_names_named_input``): the inputs read under their file names (``default_named``,
    input -> name, of the read done again), or None."""
    named = [f"{source} as {name}" for source, name in sorted(default_named.items())
             if name in functions]
    if not named:
        return None
    return (f"--function {function} names no input when other inputs name their functions; "
            f"input that carries no function name is read under its file name: "
            f"{', '.join(named[:5])}{', ...' if len(named) > 5 else ''}")


def glued_warning(count: int, first: str) -> str:
    """The warning for ``count`` events cut out of lines they were glued into (read.glued),
    the first at ``first`` ("file:line")."""
    return (f"{count} log event(s) glued to the end of the line before (a file without a final "
            f"newline joined to the next?), first at {first}: read as separate events")


_BINARY = "binary"
_UTF16 = "utf-16 inside"
_NOT_LOG = "not a log"


class _Before:
    """The counts before an input was read, to tell a JSON input that held nothing of a log
    (``not_a_log``: every event it gave was an object that is no log event, page or record,
    such as a package.json) and take its counts back (``undo``)."""

    def __init__(self, result: ReadResult) -> None:
        counts = result.sink.counts
        self.events, self.records, self.malformed = counts.events, counts.records, \
            counts.malformed
        self.ignored, self.foreign = counts.ignored, result.foreign_json
        self.lines, self.configurations = result.stats.lines, len(result.stats.configurations)

    def not_a_log(self, result: ReadResult) -> bool:
        counts = result.sink.counts
        foreign = result.foreign_json - self.foreign
        return (foreign > 0 and counts.events - self.events == foreign
                and counts.records == self.records and counts.malformed == self.malformed
                and len(result.stats.configurations) == self.configurations)

    def undo(self, result: ReadResult) -> None:
        counts = result.sink.counts
        counts.events, counts.ignored = self.events, self.ignored
        result.stats.lines = self.lines


def _utf16_why(offset: int | None) -> str:
    """Why a file holding UTF-16 text among other text is not read, and how to convert it."""
    where = f" near byte {offset}" if offset is not None else ""
    return (f"UTF-16 text{where} among other text (a UTF-16 file joined to a UTF-8 one, or "
            "UTF-16 saved without its byte order mark): convert each file to UTF-8 before "
            "joining them (iconv -f UTF-16LE -t UTF-8 FILE, or PowerShell's Set-Content "
            "-Encoding utf8)")


def nothing_readable(paths: Sequence[str | Source]) -> InputError:
    """The error for inputs none of which is in a format lamlife reads."""
    where = ", ".join(p if isinstance(p, str) else p.name for p in paths)
    return InputError(f"{where}: nothing readable (no file in a log format lamlife reads)")


def _read_source(source: Source, options: ReadOptions, result: ReadResult,
                 on_bytes: Callable[[int], None], opened: list[IO[bytes]]) -> str | None:
    stream = open_binary(source, on_bytes)
    opened.append(stream)
    try:
        head = read_head(source, stream)
        utf16 = utf16_inside(head)
        if utf16 is not None:
            if source.in_directory:
                return _UTF16
            raise InputError(f"{source.name}: {_utf16_why(utf16)}")
        if looks_binary(head):
            if source.in_directory:
                return _BINARY
            raise InputError(f"{source.name}: binary file (mostly not text), not a text log")
        head_text = head.decode("utf-8", errors="replace")
        dirty = needs_cleaning(head_text)
        if dirty:  # ANSI colour codes or junk lines: detect on the cleaned text
            head_text = "\n".join(_cleaned_for_detection(head_text.split("\n")))
        fmt = detect_format(head_text)
        if fmt is None or fmt == "empty":
            if fmt == "empty" and dirty:  # junk lines only, blanked for detection:
                with text_stream(head, stream, "\n") as raw:  # malformed, not nothing
                    result.stats.lines += _count_junk(raw, _junk_counter(source, result))
            elif fmt == "empty":  # blank lines only: count them all, not just the head's
                result.stats.lines += _count_lines(head, stream)
            return fmt
        reader = _READERS[fmt]
        newline = "" if fmt.endswith("csv") else "\n"
        with text_stream(head, stream, newline) as raw:
            # CleanText offers what the readers use of a TextIOWrapper (read, readline, lines)
            text = cast(io.TextIOWrapper, CleanText(raw, _junk_counter(source, result))
                        ) if dirty else raw
            reader(source, text, options, result)
        return fmt
    finally:
        stream.close()


def _cleaned_for_detection(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        text, junk = clean_line(line)
        out.append("" if junk else text)
    return out


def _count_junk(text: io.TextIOBase, on_junk: Callable[[int, str], None]) -> int:
    """Call ``on_junk`` for each line of ``text`` (the whole input) that cleaning would
    blank; the lines read."""
    lines = 0
    for lines, raw in enumerate(text, 1):
        line = raw.rstrip("\n")
        if clean_line(line)[1]:
            on_junk(lines, line)
    return lines


def _junk_counter(source: Source, result: ReadResult) -> Callable[[int, str], None]:
    """Count a junk line (control bytes in a text log) as a malformed event, quoted escaped."""
    sink = result.sink

    def on_junk(lineno: int, line: str) -> None:
        sink.counts.events += 1
        shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in line[:60])
        sink.add_malformed(f"control bytes in a text line: {shown}", f"{source.name}:{lineno}")

    return on_junk



def _count_lines(head: bytes, stream: IO[bytes]) -> int:
    """Physical lines of a file from its head on: a last line without a newline counts."""
    lines = head.count(b"\n")
    last = head[-1:]
    while block := stream.read(1 << 20):
        lines += block.count(b"\n")
        last = block[-1:]
    return lines + (1 if last not in (b"", b"\n") else 0)


_READERS: dict[str, Callable[[Source, io.TextIOWrapper, ReadOptions, ReadResult], None]] = {
    "tail": read_tail,
    "sam": read_sam,
    "timestamped": read_timestamped,
    "json": read_json,
    "jsonl": read_jsonl,
    "insights-csv": read_insights_csv,
    "console-csv": read_console_csv,
    "lamlife-csv": read_lamlife_csv,
    "arrival-csv": read_arrivals,
    "invoke-tail": read_invoke_tail,
    "table": read_table,
}
