"""CloudWatch JSON: ``filter-log-events`` / ``get-log-events`` output (pages, concatenated
pages), decoded subscription payloads, JSON lines (lamlife fetch output) and bare JSON
log-format records."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.read import jsonl
from lamlife.lifecycle.read.collect import RecordSink
from lamlife.lifecycle.read.context import (
    CUSTOM_STREAM,
    ReadOptions,
    ReadResult,
    Source,
    default_function,
    file_function,
    function_from_group,
)
from lamlife.lifecycle.read.detect import decoded_base64_tail
from lamlife.lifecycle.read.invoke_tail import feed_invoke_tail
from lamlife.lifecycle.read.platform import (
    MAX_DURATION_MS,
    MAX_MEMORY_MB,
    MIN_MEMORY_MB,
    json_record_time,
    parse_json_platform,
)
from lamlife.lifecycle.read.timeparse import any_to_ms

_MAX_EPOCH_MS = 1e14  # year 5138: anything larger is not a time


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
    content = text.read()
    result.stats.lines += content.count("\n") + (0 if content.endswith("\n") else 1)
    decoder = json.JSONDecoder()
    pos = 0
    length = len(content)
    cut = False
    while True:
        while pos < length and content[pos] in " \t\r\n,":
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
        _json_value(obj, source, options, result, context={})


def _json_value(obj: Any, source: Source, options: ReadOptions, result: ReadResult,
                context: dict[str, str], where: str | None = None) -> None:
    """Read one JSON value: a page, a payload, an event or a list of them. ``where`` locates
    a value that is not an event in the malformed examples (the JSON-lines line)."""
    if isinstance(obj, list):
        for item in obj:
            _json_value(item, source, options, result, context, where)
        return
    if not isinstance(obj, dict):
        result.sink.counts.events += 1
        result.sink.add_malformed(str(obj), where or source.name)
        return
    if "lamlife_fetch" in obj:
        _fetch_header(obj, result)
        return
    if isinstance(obj.get("LogResult"), str):  # aws lambda invoke --log-type Tail output
        _invoke_response(obj, source, options, result)
        return
    page_context = dict(context)
    for key in ("logGroupName", "logGroup"):
        if isinstance(obj.get(key), str):
            page_context["group"] = obj[key]
    for key in ("logStreamName", "logStream"):
        if isinstance(obj.get(key), str):
            page_context["stream"] = obj[key]
    _note_group_region(obj, page_context, result)
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
        _fetch_header(event, result)
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
            stream = file_function(source)
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
        if rec is None:
            sink.counts.ignored += 1
        elif rec[0] == "malformed" or record_time is None:
            sink.add_malformed(json.dumps(event)[:120], source.name)
        else:
            if not stream:
                # initStart's instanceId is the log stream (§3.3): the environment of the
                # records that follow it in this input
                if rec[0] == "init_start" and rec[5]:
                    result.instances[source.name] = rec[5]
                stream = result.instances.get(source.name, "")
                custom = CUSTOM_STREAM.match(stream)
                if custom and function in sink.fallback_functions:
                    function = custom.group(1)
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


def _invoke_response(obj: dict[str, Any], source: Source, options: ReadOptions,
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


def _fetch_header(obj: dict[str, Any], result: ReadResult) -> None:
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
        result.sink.counts.events += 1
        if stripped.startswith("{"):
            result.sink.add_malformed(stripped, f"{source.name}:{lineno}")
        else:
            result.sink.counts.ignored += 1
        return
    _json_value(obj, source, options, result, context={}, where=f"{source.name}:{lineno}")


# ------------------------------------------------------------------------- CSV
