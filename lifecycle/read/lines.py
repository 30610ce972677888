"""Line formats shared machinery: join continuation lines to their event, skip a platform
line pasted twice."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from lamlife.lifecycle.read.collect import RecordSink
from lamlife.lifecycle.read.context import ReadResult, Source

AddEvent = Callable[[str, str, float, str, str], None]

# PutLogEvents takes at most 1,048,576 bytes a batch, so no CloudWatch event is longer
# (docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html). Text
# without an event boundary for longer than this is not one event: readers keep at most this
# much of it, so memory stays bounded on any input.
MAX_EVENT_CHARS = 4 * 1024 * 1024


def line_events(lines: Iterator[str], split: Callable[[str], tuple[str, float, str] | None],
                 source: Source, function: str, result: ReadResult,
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
    kept = 0  # characters of the current event kept (continuation lines beyond: dropped)
    for lineno, line in enumerate(lines, 1):  # noqa: B007
        if line.endswith("\n"):
            line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
        parts = split(line) if line else None
        if parts is None:
            if message is not None and kept < MAX_EVENT_CHARS:
                extra.append(line)
                kept += len(line) + 1
            elif line.strip():
                orphan += 1
            continue
        if message is not None:
            add(function, env, ts, _joined(message, extra), f"{name}:{start_line}")
            extra = []
        env, ts, message = parts
        kept = len(message)
        start_line = lineno
    if message is not None:
        add(function, env, ts, _joined(message, extra), f"{name}:{start_line}")
    result.stats.lines += lineno
    sink.counts.events += orphan
    sink.counts.ignored += orphan



def _joined(message: str, extra: list[str]) -> str:
    """An event's message with its continuation lines (a time alone on its line: just them,
    without the indentation or blank lines a copy puts before the message)."""
    if not extra:
        return message
    return "\n".join([message, *extra]) if message else "\n".join(extra).lstrip()


_PLATFORM_STARTS = ("START ", "END ", "REPORT ", "INIT_", "RESTORE_", "EXTENSION",
                    "TELEMETRY", "LOGS", "RequestId:")


def deduplicating(sink: RecordSink, duplicates: list[int]) -> AddEvent:
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
