"""Tables copied as text: Logs Insights results as a Markdown table, and the CloudWatch
console's text-table copy.

::

    | @timestamp              | @message                                         |
    |-------------------------|--------------------------------------------------|
    | 2025-12-29 14:36:41.795 | REPORT RequestId: 5b1e...	Duration: 12.00 ms ... |

    ---------------------------------------------------------------------
    |   timestamp   |                      message                      |
    |---------------|---------------------------------------------------|
    | 1702763408647 | START RequestId: 9f1e... Version: $LATEST         |
    ---------------------------------------------------------------------

One row is one log event, in any order (Insights shows the newest first). The header names
the columns (``@timestamp``/``timestamp``, ``@message``/``message``, ``@logStream``, ``@log``,
an ``@entity...Function`` column); without a header the first cell is the time (ISO, or
epoch milliseconds) and the last the message. Times without a zone are UTC. Rules (lines of
``-``, ``+``, ``=``, ``:`` and ``|``) are skipped; a row whose time cannot be read is malformed.
A message holding ``|`` keeps it: Markdown's ``\\|`` is read as ``|``, and the cells beyond the
header's count belong to the message.
"""

from __future__ import annotations

import io
import re

from lamlife.lifecycle.read.cloudwatch_json import json_platform_message
from lamlife.lifecycle.read.context import (
    ReadOptions,
    ReadResult,
    Source,
    default_function,
    function_column,
    function_from_group,
)
from lamlife.lifecycle.read.timeparse import any_to_ms

_RULE = re.compile(r"^[\s|+\-=:]*$")
_TIME_NAMES = ("@timestamp", "timestamp", "time", "@ingestiontime")
_MESSAGE_NAMES = ("@message", "message")
_STREAM_NAMES = ("@logstream", "logstreamname", "logstream", "stream")
_GROUP_NAMES = ("@log", "loggroupname", "loggroup")


_PIPE = re.compile(r"(?<!\\)\|")  # a cell border; Markdown writes a "|" inside a cell as "\|"


def _cells(line: str) -> list[str]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _PIPE.split(body)]


def _index(names: list[str], wanted: tuple[str, ...]) -> int | None:
    for i, name in enumerate(names):
        if name in wanted:
            return i
    return None


def read_table(source: Source, text: io.TextIOWrapper, options: ReadOptions,
               result: ReadResult) -> None:
    sink = result.sink
    fallback = default_function(source, options, sink)
    header: list[str] | None = None
    ts_i, msg_i, stream_i, group_i, fn_i = 0, -1, None, None, None
    lineno = 0
    warned = False
    for lineno, raw in enumerate(text, 1):  # noqa: B007
        line = raw.rstrip("\r\n")
        if not line.strip() or _RULE.match(line):
            continue
        if not line.lstrip().startswith("|"):
            sink.counts.events += 1
            sink.counts.ignored += 1  # a title or a note around the table
            continue
        cells = _cells(line)
        if header is None and any_to_ms(cells[0]) is None:
            header = [c.lower() for c in cells]
            found = _index(header, _TIME_NAMES)
            ts_i = found if found is not None else 0
            msg_found = _index(header, _MESSAGE_NAMES)
            msg_i = msg_found if msg_found is not None else len(header) - 1
            stream_i = _index(header, _STREAM_NAMES)
            group_i = _index(header, _GROUP_NAMES)
            fn_i = function_column(header)
            continue
        width = len(header) if header else 2
        if len(cells) > width:  # a "|" inside the message: give the extra cells back to it
            m = msg_i if msg_i >= 0 else width - 1
            extra = len(cells) - width
            cells = [*cells[:m], " | ".join(cells[m:m + extra + 1]), *cells[m + extra + 1:]]
        where = f"{source.name}:{lineno}"
        ts = any_to_ms(cells[ts_i]) if ts_i < len(cells) else None
        message = cells[msg_i] if -len(cells) <= msg_i < len(cells) else ""
        if ts is None:
            sink.counts.events += 1
            sink.add_malformed(line, where)
            continue
        stream = cells[stream_i] if stream_i is not None and stream_i < len(cells) else ""
        group = cells[group_i] if group_i is not None and group_i < len(cells) else ""
        named = cells[fn_i] if fn_i is not None and fn_i < len(cells) else ""
        function = named or (function_from_group(group, stream) if group else fallback)
        if not stream and not warned:
            warned = True
            result.stats.warnings.append(
                f"{source.name}: table without a log stream column, so environments cannot "
                "be rebuilt; start types come from REPORT fields alone")
        if message.startswith("{") and '"platform.' in message:
            json_platform_message(function, stream, ts, message, source, sink)
        else:
            sink.add(function, stream, ts, message, where)
    result.stats.lines += lineno
