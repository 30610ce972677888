"""CloudWatch JSON: ``filter-log-events`` / ``get-log-events`` output (pages, concatenated
pages), decoded subscription payloads, JSON lines (lamlife fetch output) and bare JSON
log-format records."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import numpy as np

from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.read import compiled, jsonl
from lamlife.lifecycle.read.collect import RecordSink
from lamlife.lifecycle.read.context import (
    CUSTOM_STREAM,
    ReadOptions,
    ReadResult,
    Source,
    default_function,
    file_stream,
    function_from_group,
)
from lamlife.lifecycle.read.detect import decoded_base64_tail
from lamlife.lifecycle.read.glued import json_objects
from lamlife.lifecycle.read.invoke_tail import feed_invoke_tail
from lamlife.lifecycle.read.platform import (
    MAX_DURATION_MS,
    MAX_MEMORY_MB,
    MIN_MEMORY_MB,
    json_record_time,
    parse_json_platform,
)
from lamlife.lifecycle.read.scanned import ReadOrder
from lamlife.lifecycle.read.timeparse import any_to_ms

_MAX_EPOCH_MS = 1e14  # year 5138: anything larger is not a time
# False: every file decoded whole and every event read by _json_event (the differential
# test's reference)
FAST_PATH = True


# JSON nested deeper than this is cut at this depth (``_cut_deep``): no CloudWatch event or
# platform record comes near it, and Python's decoder would fail the whole file on ~1,000.
MAX_JSON_DEPTH = 100
TOO_DEEP = "\x00lamlife: JSON nested too deeply"
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


def _cut_deep(content: str, limit: int = MAX_JSON_DEPTH) -> str:
    """``content`` with every JSON value nested deeper than ``limit`` replaced by the string
    ``TOO_DEEP`` (strings are skipped whole, so brackets inside them do not count)."""
    out: list[str] = []
    depth = 0
    kept_to = 0
    cut_at = -1
    for m in _JSON_TOKEN.finditer(content):
        token = m.group()
        if token[0] == '"':
            continue
        if token in "[{":
            depth += 1
            if depth == limit + 1:
                out.append(content[kept_to:m.start()])
                cut_at = m.start()
        else:
            if depth == limit + 1 and cut_at >= 0:
                out.append(json.dumps(TOO_DEEP))
                kept_to = m.end()
                cut_at = -1
            depth = max(depth - 1, 0)
    out.append(content[kept_to:] if cut_at < 0 else json.dumps(TOO_DEEP))
    return "".join(out)


def _holds_too_deep(value: Any) -> bool:
    if isinstance(value, str):
        return value == TOO_DEEP
    if isinstance(value, dict):
        return any(_holds_too_deep(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_too_deep(v) for v in value)
    return False


def read_json(source: Source, text: io.TextIOWrapper, options: ReadOptions,
               result: ReadResult) -> None:
    """CloudWatch JSON values one after another (pages, payloads, events, lists of them).

    With ``FAST_PATH`` (the default) the text is read block by block : the
    ``events`` of a page that opens with them (``filter-log-events`` and ``get-log-events``
    output, one page or the AWS CLI's merged pages) are read as they come, so memory grows
    with the events, not with the file; every other value is decoded whole. Without it (the
    differential test's reference) the whole text is decoded at once."""
    if FAST_PATH:
        read_json_stream(source, text, options, result)
        return
    content = text.read()
    result.stats.lines += content.count("\n") + (0 if content.endswith("\n") else 1)
    decoder = json.JSONDecoder()
    pos = 0
    length = len(content)
    cut = False
    while True:
        while pos < length and content[pos] in _BETWEEN_VALUES:
            pos += 1
        if pos >= length:
            break
        try:
            obj, end = decoder.raw_decode(content, pos)
        except RecursionError:
            if cut:  # already cut: give up on the file (cannot happen)
                raise
            # one deeply nested value: cut it (its event becomes malformed), read the rest
            content = content[:pos] + _cut_deep(content[pos:])
            length = len(content)
            cut = result.deep_json_cut = True
            continue
        except ValueError as exc:
            raise InputError(f"{source.name}: invalid JSON ({exc})") from exc
        pos = end
        json_value(obj, source, options, result, context={})


def json_value(obj: Any, source: Source, options: ReadOptions, result: ReadResult,
                context: dict[str, str], where: str | None = None) -> None:
    """Read one JSON value: a page, a payload, an event or a list of them. ``where`` locates
    a value that is not an event in the malformed examples (the JSON-lines line)."""
    if isinstance(obj, list):
        for item in obj:
            json_value(item, source, options, result, context, where)
        return
    if not isinstance(obj, dict):
        result.sink.counts.events += 1
        result.sink.add_malformed(str(obj), where or source.name)
        return
    if "lamlife_fetch" in obj:
        fetch_header(obj, result)
        return
    if isinstance(obj.get("LogResult"), str):  # aws lambda invoke --log-type Tail output
        invoke_response(obj, source, options, result)
        return
    if _own_report(obj):  # its "events" are findings of an analysis, not log events
        result.foreign_json += 1
        result.sink.counts.events += 1
        result.sink.counts.ignored += 1
        return
    page_context = page_context_of(obj, context, result)
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
    if "message" not in obj and not _record_like(obj):
        result.foreign_json += 1  # no event, page or record: package.json, a config file
    _json_event(obj, source, options, result, page_context)


def page_context_of(obj: dict[str, Any], context: dict[str, str],
                    result: ReadResult) -> dict[str, str]:
    """The log group and stream a page names for its events (``group``, ``stream``); notes
    the Region its log group ARN names."""
    page_context = dict(context)
    for key in ("logGroupName", "logGroup"):
        if isinstance(obj.get(key), str):
            page_context["group"] = obj[key]
    for key in ("logStreamName", "logStream"):
        if isinstance(obj.get(key), str):
            page_context["stream"] = obj[key]
    _note_group_region(obj, page_context, result)
    return page_context


def _note_group_region(obj: dict[str, Any], context: dict[str, str],
                       result: ReadResult) -> None:
    """A log group ARN (``logGroupArn``, or an ARN as ``logGroup``) names the Region."""
    arn = next((obj[k] for k in ("logGroupArn", "logGroupARN", "logGroup")
                if isinstance(obj.get(k), str) and obj[k].startswith("arn:")), None)
    group = context.get("group")
    if arn is None or not group:
        return
    parts = arn.split(":")
    if len(parts) > 4 and parts[2] == "logs" and parts[3]:
        result.sink.note_region(function_from_group(group, context.get("stream", "")),
                                None, parts[3])


def _json_event(event: Any, source: Source, options: ReadOptions, result: ReadResult,
                context: dict[str, str]) -> None:
    sink = result.sink
    if not isinstance(event, dict) or (result.deep_json_cut and _holds_too_deep(event)):
        sink.counts.events += 1
        sink.add_malformed(str(event)[:120], source.name)
        return
    if "lamlife_fetch" in event:
        fetch_header(event, result)
        return
    group = event.get("logGroupName") or event.get("logGroup") or context.get("group")
    stream = event.get("logStreamName") or event.get("logStream") or context.get("stream")
    if not isinstance(stream, str):
        stream = ""
    named = event.get("functionName")
    custom = CUSTOM_STREAM.match(stream)
    if isinstance(group, str) and group:
        function = function_from_group(group, stream)
    elif custom:  # a custom log group's stream names the function (§4)
        function = custom.group(1)
    elif isinstance(named, str) and named:
        function = named
    else:
        function = default_function(source, options, sink)
        if not stream and "message" in event and source.path is not None:
            # get-log-events output has no stream in it: the file is one stream (§1)
            stream = file_stream(source)
    if "message" in event:
        message = event.get("message")
        ts_raw = event.get("timestamp")
        ts = _event_time(ts_raw)
        if not isinstance(message, str) or ts is None:
            sink.counts.events += 1
            sink.add_malformed(json.dumps(event)[:120], source.name)
            return
        if message.startswith("{") and '"platform.' in message:
            json_platform_message(function, stream, ts, message, source, sink)
            return
        sink.add(function, stream, ts, message.rstrip("\n"), source.name)
        return
    if isinstance(event.get("type"), str):  # a bare JSON log-format record
        sink.counts.events += 1
        record_time = json_record_time(event)
        rec = parse_json_platform(event)
        if not stream:
            # initStart's instanceId is the log stream (§3.3): the environment of the
            # records that follow it in this input, even when this record itself is
            # rejected (a time or a field it cannot be read with)
            _note_instance(event, function, source, result)
        if rec is None:
            sink.counts.ignored += 1
        elif rec[0] == "malformed" or record_time is None:
            sink.add_malformed(json.dumps(event)[:120], source.name)
        else:
            if not stream:
                stream = result.instances.get(source.name, "")
                custom = CUSTOM_STREAM.match(stream)
                named = result.instance_functions.get(stream)
                if custom and function in sink.fallback_functions:
                    function = custom.group(1)
                elif named and function in sink.fallback_functions:
                    sink.function_from_record.setdefault(sink.env_code(function, stream), named)
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


def _own_report(obj: dict[str, Any]) -> bool:
    """Whether ``obj`` is lamlife's own JSON report (``analyze --format json``: a ``summary``
    and an ``input`` object beside its ``events`` findings), which is no log to read again."""
    return isinstance(obj.get("summary"), dict) and isinstance(obj.get("input"), dict)


def _record_like(obj: dict[str, Any]) -> bool:
    """Whether a JSON object without a ``message`` has the shape of a Lambda JSON log-format
    or Telemetry API record, ``{"time", "type", "record"}``: a ``platform.*`` type, or a
    ``record`` (the ``function`` and ``extension`` events). Another ``type`` (npm's
    package.json ``"type": "module"``, a config file's) does not make one."""
    kind = obj.get("type")
    return "record" in obj or (isinstance(kind, str) and kind.startswith("platform."))


def _note_instance(event: dict[str, Any], function: str, source: Source,
                   result: ReadResult) -> None:
    """A bare ``platform.initStart``'s ``instanceId`` (a non-empty string) becomes the stream
    of the records after it in ``source``; its ``functionName`` is kept to name that
    environment's function over a file name (``RecordSink.add_record`` does so for an
    accepted initStart; ``instance_functions`` for a rejected one)."""
    if event.get("type") != "platform.initStart":
        return
    record = event.get("record")
    if not isinstance(record, dict):
        return
    instance = record.get("instanceId")
    if not isinstance(instance, str) or not instance:
        return
    result.instances[source.name] = instance
    named = record.get("functionName")
    if isinstance(named, str) and named and function in result.sink.fallback_functions:
        result.instance_functions.setdefault(instance, named)


def json_platform_message(function: str, stream: str, ts: float, message: str,
                           source: Source, sink: RecordSink) -> None:
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


def invoke_response(obj: dict[str, Any], source: Source, options: ReadOptions,
                     result: ReadResult) -> None:
    """``aws lambda invoke --log-type Tail`` output: its base64 ``LogResult`` is a log tail."""
    text = decoded_base64_tail(obj["LogResult"])
    if text is None:
        result.sink.counts.events += 1
        result.sink.add_malformed(f"LogResult: {obj['LogResult'][:80]}", source.name)
        return
    feed_invoke_tail(text, source, options, result)


def _event_time(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if not -_MAX_EPOCH_MS < value < _MAX_EPOCH_MS:  # a 400-digit int cannot be a float
            return None
        ms = float(value)  # CloudWatch event timestamps are epoch ms (§1)
        return ms if 0 <= ms < _MAX_EPOCH_MS else None
    if isinstance(value, str):
        return any_to_ms(value)
    return None


# Numbers of a fetch header's configuration and what Lambda allows for them (Lambda API
# reference, CreateFunction and PutProvisionedConcurrencyConfig): a value outside is malformed.
_CONFIG_RANGES: dict[str, tuple[float, float]] = {
    "memory_mb": (MIN_MEMORY_MB, MAX_MEMORY_MB),
    "memory_size": (MIN_MEMORY_MB, MAX_MEMORY_MB),
    "timeout_s": (1.0, MAX_DURATION_MS / 1000.0),
    "ephemeral_storage_mb": (512.0, 10_240.0),
    "provisioned_concurrency": (0.0, 1_000_000.0),
}


def config_problems(config: dict[str, Any]) -> list[str]:
    """The keys of a fetch header's configuration whose value Lambda cannot have (a negative
    provisioned concurrency, an infinite memory size), as ``key value`` texts."""
    problems = []
    for key, (low, high) in _CONFIG_RANGES.items():
        value = config.get(key)
        if value is None:
            continue
        number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        if number is None or not low <= number <= high:
            problems.append(f"{key} {value!r}")
    return problems


def fetch_header(obj: dict[str, Any], result: ReadResult) -> None:
    function = obj.get("function")
    config = obj.get("configuration")
    if isinstance(function, str) and isinstance(config, dict):
        problems = config_problems(config)
        if problems:  # the header is malformed: none of its configuration is used
            result.sink.counts.events += 1
            result.sink.add_malformed(f"lamlife fetch header of {function}: "
                                      f"{', '.join(problems)} out of range")
            return
        merged = dict(config)
        for key in ("region", "log_group"):
            if isinstance(obj.get(key), str):
                merged.setdefault(key, obj[key])
        if isinstance(obj.get("window"), dict):  # the fetched window prices PC and the cache
            merged.setdefault("window", obj["window"])
        result.stats.configurations[function] = merged


def read_jsonl(source: Source, text: io.TextIOWrapper, options: ReadOptions,
                result: ReadResult) -> None:
    """One JSON value a line: the chunk scanner of ``jsonl.py`` reads the common event lines,
    ``_jsonl_line`` every other line (``jsonl.FAST_PATH = False``: every line)."""

    def general(line: str, lineno: int) -> None:
        _jsonl_line(line, lineno, source, options, result)

    if jsonl.FAST_PATH:
        result.stats.lines += jsonl.read_jsonl_chunks(text, result.sink, general)
        return
    lineno = 0
    for lineno, line in enumerate(text, 1):  # noqa: B007
        general(line, lineno)
    result.stats.lines += lineno


def _jsonl_line(line: str, lineno: int, source: Source, options: ReadOptions,
                result: ReadResult) -> None:
    stripped = line.strip()
    if not stripped:
        return
    try:
        obj = json.loads(stripped)
    except (ValueError, RecursionError):
        objects = json_objects(stripped)  # objects glued into one line (read.glued)
        if objects is not None:
            result.sink.note_glued(f"{source.name}:{lineno}", len(objects) - 1)
            for text in objects:
                _jsonl_line(text, lineno, source, options, result)
            return
        result.sink.counts.events += 1
        if stripped.startswith("{"):
            result.sink.add_malformed(stripped, f"{source.name}:{lineno}")
        else:
            result.sink.counts.ignored += 1
        return
    json_value(obj, source, options, result, context={}, where=f"{source.name}:{lineno}")


# ------------------------------------------------------------------------- CSV


# ------------------------------------------------------------------ streaming pages
# read_json's default path: the text block by block, the events of a page as they come.

BLOCK_CHARS = 4 * 1024 * 1024
# what read_json skips between top-level values: JSON whitespace, commas, and a byte order mark
# (documents joined with cat, each saved with one, meet as "}<U+FEFF>{")
_BETWEEN_VALUES = " \t\r\n,\ufeff"
_SEPARATORS = re.compile("[" + re.escape(_BETWEEN_VALUES) + "]*")
_WHITESPACE = re.compile(r"[ \t\r\n]*")  # JSON whitespace
_PAGE_START = re.compile(r'\{[ \t\r\n]*"events"[ \t\r\n]*:[ \t\r\n]*\[')
_DECODER = json.JSONDecoder()
_SCANSTRING: Any = json.decoder.scanstring  # type: ignore[attr-defined]  # the decoder's own
_STREAMED = object()  # the page's "events" value while its events are read as they come


class _Window:
    """The part of a text still needed: ``buf`` (positions relative to it) from the text's
    character ``base`` on, read block by block; errors locate themselves in the whole text
    as ``json`` does (line, column, char)."""

    def __init__(self, text: io.TextIOWrapper, name: str) -> None:
        self.text = text
        self.name = name
        self.buf = ""
        self.base = 0
        self.eof = False
        self.newlines = 0  # in all the text read
        self.last = ""  # its last character
        self.lines_before = 0  # newlines before base
        self.last_newline = -1  # where the last one before base is

    def more(self, keep: int, want: int = 0) -> int:
        """Drop ``buf[:keep]`` and read on (at least as much as is kept, so that a value
        decoded again and again costs linear time); returns ``keep``'s new position (0)."""
        if keep:
            newlines = self.buf.count("\n", 0, keep)
            if newlines:
                self.lines_before += newlines
                self.last_newline = self.base + self.buf.rfind("\n", 0, keep)
            self.buf = self.buf[keep:]
            self.base += keep
        block = self.text.read(max(want, BLOCK_CHARS, len(self.buf)))
        if not block:
            self.eof = True
        else:
            self.newlines += block.count("\n")
            self.last = block[-1]
            self.buf += block
        return 0

    def skip(self, p: int, pattern: re.Pattern[str] = _WHITESPACE) -> int:
        """Past the run of ``pattern`` at ``p`` (reading on); at ``len(buf)`` only at the end."""
        while True:
            p = pattern.match(self.buf, p).end()  # type: ignore[union-attr]
            if p < len(self.buf) or self.eof:
                return p
            p = self.more(p)

    def ahead(self, p: int, n: int) -> int:
        """``p`` with at least ``n`` characters after it in ``buf`` (unless the text ends)."""
        if len(self.buf) - p < n and not self.eof:
            p = self.more(p)
        return p

    def error(self, msg: str, p: int) -> InputError:
        """The error json's decoder gives for ``msg`` at ``p`` of the whole text."""
        where = self.base + p
        lineno = self.lines_before + self.buf.count("\n", 0, p) + 1
        newline = self.buf.rfind("\n", 0, p)
        colno = p - newline if newline >= 0 else where - self.last_newline
        return InputError(f"{self.name}: invalid JSON ({msg}: line {lineno} column {colno} "
                          f"(char {where}))")

    def decode(self, p: int, depth: int, result: ReadResult) -> tuple[Any, int]:
        """The JSON value at ``p`` (``depth`` containers deep in the text) and the position
        after it; reads on until it is whole."""
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, p)
                if end < len(self.buf) or self.eof:  # (a number may go on in the next block)
                    return obj, end
            except RecursionError:
                if result.deep_json_cut:
                    raise
                p = self._cut(p, depth)
                result.deep_json_cut = True
                continue
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise self.error(exc.msg, exc.pos) from exc
            except ValueError as exc:
                if self.eof:
                    raise InputError(f"{self.name}: invalid JSON ({exc})") from exc
            p = self.more(p)

    def string(self, p: int) -> tuple[str, int]:
        """The JSON string whose quote is at ``p`` and the position after it."""
        while True:
            try:
                text, end = _SCANSTRING(self.buf, p + 1)
                return text, end
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise self.error(exc.msg, exc.pos) from exc
            p = self.more(p)

    def _cut(self, p: int, depth: int) -> int:
        """A value nested too deeply for the decoder at ``p``: the rest of the text read and
        cut as read_json cuts it (every value nested deeper than MAX_JSON_DEPTH, counted
        from the top of the text: ``depth`` containers are open at ``p``). Positions before
        ``p`` stay as they are."""
        while not self.eof:
            self.more(0)
        self.buf = self.buf[:p] + _cut_deep("[" * depth + self.buf[p:])[depth:]
        return p

    def element(self, offset: int, length: int) -> Any:
        """The array element the compiled scanner found whole at ``offset``: decoded, or the
        error the decoder gives for the whole text; ``_TooDeep`` when it nests too deeply."""
        try:
            obj, end = _DECODER.raw_decode(self.buf, offset)
        except RecursionError:
            raise _TooDeep(offset) from None
        except json.JSONDecodeError as exc:
            raise self.error(exc.msg, exc.pos) from exc
        except ValueError as exc:
            raise InputError(f"{self.name}: invalid JSON ({exc})") from exc
        if end != offset + length:  # a scalar followed by more than a separator (1.5e)
            raise self.error("Expecting ',' delimiter", end)
        return obj


class _TooDeep(Exception):
    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


def read_json_stream(source: Source, text: io.TextIOWrapper, options: ReadOptions,
                     result: ReadResult) -> None:
    """``read_json``'s streaming path: the same values read in the same order, the events of
    a page that opens with ``"events": [`` as they come (by the compiled ``scan_events``
    where built), each page's events kept as compact columns until its closing brace says
    how to read them (a page key after the events, such as ``logGroupName``, names their log
    group)."""
    window = _Window(text, source.name)
    p = 0
    while True:
        p = window.skip(p, _SEPARATORS)
        if p >= len(window.buf):
            break
        p = window.ahead(p, 4096)
        page = _PAGE_START.match(window.buf, p)
        if page is not None:
            p = _Page(window, source, options, result).read(page.end())
            continue
        obj, p = window.decode(p, 0, result)
        json_value(obj, source, options, result, context={})
    result.stats.lines += window.newlines + (0 if window.last == "\n" else 1)


_NOT_ASCII = re.compile("[^\x00-\x7f]")


def _scan_events(buf: str, p: int, first: bool) -> tuple[Any, int]:
    """``scan_events`` from ``p``, and what to add to the positions it returns. A block
    holding characters beyond ASCII (the scanner reads ASCII text, its own UTF-8) is scanned
    up to the next of them: the element holding it is read the general way, and the next
    call goes on after it."""
    scanned = compiled.tailscan.scan_events(buf, p, first)
    if scanned is not None:
        return scanned, 0
    wide = _NOT_ASCII.search(buf, p)
    end = len(buf) if wide is None else wide.start()
    if end == p:
        return None, 0
    return compiled.tailscan.scan_events(buf[p:end], 0, first), p


class _Page:
    """One page whose first key is ``events``, read from its events array on."""

    def __init__(self, window: _Window, source: Source, options: ReadOptions,
                 result: ReadResult) -> None:
        self.window = window
        self.source = source
        self.options = options
        self.result = result
        # in read order: ("columns", scan_events' result) or ("event", a decoded event)
        self.parts: list[tuple[str, Any]] = []

    def read(self, p: int) -> int:
        """Read the page from just after ``[``; the position after its closing brace."""
        window = self.window
        first = True
        while True:
            if compiled.compiled_enabled() and not self.result.deep_json_cut:
                p = window.ahead(p, BLOCK_CHARS // 4)
                scanned, shift = _scan_events(window.buf, p, first)
                if scanned is not None:
                    left = (np.frombuffer(scanned[4], dtype=np.int64).reshape(-1, 3)
                            + np.array([shift, 0, 0], dtype=np.int64)).tolist()
                    try:  # in read order: an error here comes before anything after it
                        events = [window.element(offset, length) for offset, length, _ in left]
                    except _TooDeep as deep:  # cut as read_json cuts, read on in Python
                        window._cut(deep.offset, 2)
                        self.result.deep_json_cut = True
                        continue
                    status, p, first = scanned[:3]
                    p += shift
                    if scanned[5] or left:
                        self.parts.append(("columns", (scanned, left, events)))
                    if status == 0:
                        break
            p, first, closed = self._element(p, first)
            if closed:
                break
        pairs, p = self._rest(p)
        self._commit(pairs)
        return p

    def _element(self, p: int, first: bool) -> tuple[int, bool, bool]:
        """The separator and element at ``p`` read the general way: (position after them,
        first, whether the array closed instead)."""
        window = self.window
        p = window.skip(p)
        if p >= len(window.buf):
            raise window.error("Expecting value" if first else "Expecting ',' delimiter", p)
        c = window.buf[p]
        if c == "]":
            return p + 1, first, True
        if not first:
            if c != ",":
                raise window.error("Expecting ',' delimiter", p)
            p = window.skip(p + 1)
        event, p = window.decode(p, 2, self.result)
        self.parts.append(("event", event))
        return p, False, False

    def _rest(self, p: int) -> tuple[list[tuple[str, Any]], int]:
        """The page's keys after its events and the position after its closing brace."""
        window = self.window
        pairs: list[tuple[str, Any]] = []
        while True:
            p = window.skip(p)
            c = window.buf[p:p + 1]
            if c == "}":
                return pairs, p + 1
            if c != ",":
                raise window.error("Expecting ',' delimiter", p)
            p = window.skip(p + 1)
            if window.buf[p:p + 1] != '"':
                raise window.error("Expecting property name enclosed in double quotes", p)
            key, p = window.string(p)
            p = window.skip(p)
            if window.buf[p:p + 1] != ":":
                raise window.error("Expecting ':' delimiter", p)
            p = window.skip(p + 1)
            value, p = window.decode(p, 1, self.result)
            pairs.append((key, value))

    def _commit(self, pairs: list[tuple[str, Any]]) -> None:
        """Read the page as json_value reads the whole object."""
        obj: dict[str, Any] = {"events": _STREAMED}
        for key, value in pairs:
            obj[key] = value
        source, options, result = self.source, self.options, self.result
        if obj["events"] is not _STREAMED:  # a later "events" key replaced these events
            json_value(obj, source, options, result, context={})
            return
        if "lamlife_fetch" in obj:
            fetch_header(obj, result)
            return
        if isinstance(obj.get("LogResult"), str):
            invoke_response(obj, source, options, result)
            return
        context = page_context_of(obj, {}, result)
        for kind, part in self.parts:
            if kind == "event":
                _json_event(part, source, options, result, context)
            else:
                self._columns(part, context)

    def _columns(self, part: tuple[Any, ...], context: dict[str, str]) -> None:
        """A scanner's columns and the events it left (decoded), in read order: environments
        are named in the order their events come, as the general parser names them."""
        scanned, left, decoded = part
        quiet, events, ignored, end_count, columns, first_use = (
            scanned[3], scanned[5], scanned[6], scanned[7], scanned[8], scanned[9])
        for key in quiet:  # application output: named as the general parser names it
            self._environment(key, context)
        streams = columns[0]
        used_at = np.frombuffer(first_use, dtype=np.int64).tolist()
        env_of = np.zeros(len(streams), dtype=np.int64)
        named = 0
        order = ReadOrder.of(self.result.sink, columns)  # records numbered in read order
        for (_offset, _length, index), event in zip(left, decoded, strict=True):
            while named < len(streams) and used_at[named] < index:
                env_of[named] = self._environment(streams[named], context, register=True)
                named += 1
            order.before(index)
            _json_event(event, self.source, self.options, self.result, context)
        for k in range(named, len(streams)):
            env_of[k] = self._environment(streams[k], context, register=True)
        counts = self.result.sink.counts
        counts.events += events
        counts.ignored += ignored
        counts.records += end_count
        order.add(columns, env_of)

    def _environment(self, key: str, context: dict[str, str], register: bool = False) -> int:
        """The environment of a scanned stream ``<logGroupName>\\0<logStreamName>`` of an
        event of this page, named as ``_json_event`` names it."""
        group, stream = key.split("\0", 1)
        group = group or context.get("group", "")
        stream = stream or context.get("stream", "")
        custom = CUSTOM_STREAM.match(stream)
        sink = self.result.sink
        if group:
            function = function_from_group(group, stream)
        elif custom:
            function = custom.group(1)
        else:
            function = default_function(self.source, self.options, sink)
            if not stream and self.source.path is not None:
                stream = file_stream(self.source)
        return sink.env_code(function, stream) if register else -1
