"""Line formats shared machinery: join continuation lines to their event, skip a platform
line pasted twice."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from lamlife.lifecycle.read.context import ReadResult, Source
from lamlife.lifecycle.read.glued import GLUE_WORDS, glued_parts

AddEvent = Callable[[str, str, float, str, str], None]

# PutLogEvents takes at most 1,048,576 bytes a batch, so no CloudWatch event is longer
# (docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html). Text
# without an event boundary for longer than this is not one event: readers keep at most this
# much of it, so memory stays bounded on any input.
MAX_EVENT_CHARS = 4 * 1024 * 1024


def line_events(lines: Iterator[str], split: Callable[[str], tuple[str, float, str] | None],
                 source: Source, function: str, result: ReadResult,
                 add: AddEvent | None = None, glued: re.Pattern[str] | None = None) -> None:
    """Join continuation lines to their event and hand each event to ``add`` (the sink).
    ``glued``: the format's event header where it can follow other text on a line (an event
    glued to the end of the line before, ``read.glued``): the line is cut before it."""
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
    for lineno, whole in enumerate(lines, 1):  # noqa: B007
        if whole.endswith("\n"):
            whole = whole[:-1]
        if whole.endswith("\r"):
            whole = whole[:-1]
        pieces = [whole]
        if glued is not None and any(word in whole for word in GLUE_WORDS):
            pieces = glued_parts(whole, glued)
            if len(pieces) > 1:
                sink.note_glued(f"{name}:{lineno}", len(pieces) - 1)
        for line in pieces:
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
