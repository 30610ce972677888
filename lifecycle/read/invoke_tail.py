"""The log tail ``aws lambda invoke --log-type Tail`` returns (``LogResult``: the last 4 KB of
the invocation's log, base64 in the response, often decoded with ``base64 -d``).

Its lines carry no time and no stream::

    START RequestId: 6b3c... Version: $LATEST
    2020-06-09T15:02:26.150Z	6b3c...	INFO	hello
    RequestId: 6b3c... Error: Runtime exited with error: exit status 1
    Runtime.ExitError
    END RequestId: 6b3c...
    REPORT RequestId: 6b3c...	Duration: 12.31 ms	Billed Duration: 13 ms	...

Every line is its own event except the lines that continue one (an error type under a crash
line, the XRAY line of a REPORT, an indented line). Times are not logged, so they are built
from the durations: the first START is at 1970-01-01T00:00:00Z (epoch 0), a REPORT ends Duration
after its START, a "Task timed out after N seconds" line N seconds after it, and the next
event follows. A function with the JSON log format writes JSON records: they keep their own
``time``. Invocations therefore keep their order and durations but not their wall-clock
times; a warning says so. There is no stream, so environments cannot be rebuilt.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator

from lamlife.lifecycle.read.context import ReadOptions, ReadResult, Source, default_function
from lamlife.lifecycle.read.detect import decoded_base64_tail
from lamlife.lifecycle.read.platform import parse_message

_ERROR_TYPE_ONLY = re.compile(r"[A-Za-z]+\.[A-Za-z]+\s*$")
_GAP_MS = 1.0  # between one invocation's REPORT and the next event


def read_invoke_tail(source: Source, text: io.TextIOWrapper, options: ReadOptions,
                     result: ReadResult) -> None:
    content = text.read()
    result.stats.lines += content.count("\n") + (0 if content.endswith("\n") or not content
                                                 else 1)
    feed_invoke_tail(decode_tails(content), source, options, result)


def decode_tails(content: str) -> str:
    """The text of a log tail, base64 lines (one LogResult per line) decoded."""
    lines = [ln.strip() for ln in content.splitlines() if ln.strip()]
    decoded = [decoded_base64_tail(ln) for ln in lines]
    if lines and all(d is not None for d in decoded):
        return "\n".join(d.rstrip("\n") for d in decoded if d is not None) + "\n"
    return content


def feed_invoke_tail(content: str, source: Source, options: ReadOptions,
                     result: ReadResult, function: str | None = None) -> None:
    """Hand the events of a log tail's text to the sink on the built clock (module docstring)."""
    sink = result.sink
    function = function or default_function(source, options, sink)
    if source.name not in result.streamless:
        result.streamless.add(source.name)
        result.stats.warnings.append(
            f"{source.name}: an invoke log tail (aws lambda invoke --log-type Tail) has no "
            "times and no log stream: times are rebuilt from the durations starting at "
            "1970-01-01T00:00:00Z, environments cannot be rebuilt, start types come from "
            "REPORT fields alone")
    from lamlife.lifecycle.read.cloudwatch_json import json_platform_message

    clock = 0.0
    started: dict[str, float] = {}
    for lineno, message in _events(content):
        if message.startswith("{") and '"platform.' in message:
            # a function with the JSON log format: its records carry their own time
            json_platform_message(function, "", clock, message, source, sink)
            continue
        rec = parse_message(message)
        ts = clock
        if rec is not None and isinstance(rec, tuple) and len(rec) > 1:
            kind = rec[0]
            if kind == "start":
                started[rec[1]] = clock
            elif kind == "report" and not math.isnan(rec[2]):
                ts = started.pop(rec[1], clock) + rec[2]
                clock = max(clock, ts) + _GAP_MS
            elif kind == "status" and len(rec) > 5 and not math.isnan(rec[5]):
                ts = started.get(rec[1], clock) + rec[5]  # Task timed out after N seconds
                clock = max(clock, ts)
        sink.add(function, "", ts, message, f"{source.name}:{lineno}")


def _events(content: str) -> Iterator[tuple[int, str]]:
    """(first line number, message) of each event; continuation lines joined to their event."""
    current: list[str] = []
    first = 0
    for lineno, line in enumerate(content.split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        continues = current and (line[:1] in " \t" or line.startswith("XRAY TraceId")
                                 or _ERROR_TYPE_ONLY.match(line) is not None)
        if continues:
            current.append(line)
            continue
        if current:
            yield first, "\n".join(current)
        current = [line]
        first = lineno
    if current:
        yield first, "\n".join(current)
