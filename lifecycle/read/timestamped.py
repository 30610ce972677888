"""``<iso> <message>`` lines without a stream: S3 export chunks (the stream is the object
path), ``aws logs tail --format short``, console copy and paste."""

from __future__ import annotations

import io
import re

from lamlife.lifecycle.read.context import (
    CUSTOM_STREAM,
    ReadOptions,
    ReadResult,
    Source,
    default_function,
)
from lamlife.lifecycle.read.detect import STAMPED_LINE
from lamlife.lifecycle.read.glued import STAMPED_HEADER
from lamlife.lifecycle.read.lines import line_events
from lamlife.lifecycle.read.timeparse import fast_iso_ms

_S3_PATH = re.compile(
    r"(?:^|/)(?P<task>[^/]+)/(?P<stream>\d{4}/\d\d/\d\d/[^/]*\[[^/]*\][^/]*)/\d+(?:\.gz)?$")


def read_timestamped(source: Source, text: io.TextIOWrapper, options: ReadOptions,
                      result: ReadResult) -> None:
    env = ""
    function = None
    if source.path is not None:
        m = _S3_PATH.search(source.path.as_posix())
        if m:
            env = m.group("stream")
            custom = CUSTOM_STREAM.match(env)
            prefix = source.path.as_posix()[: m.start("task")].rstrip("/")
            if custom:
                function = custom.group(1)
            elif options.function:
                function = options.function
                result.sink.default_named[source.name] = function
            elif prefix:
                function = prefix.rsplit("/", 1)[-1]
    if function is None:
        function = default_function(source, options, result.sink)
    if not env:
        result.stats.warnings.append(
            f"{source.name}: no log stream in this format, so environments cannot be rebuilt; "
            "start types come from REPORT fields alone (cold needs Init Duration, "
            "reinit and proactive are not detectable)")

    def split(line: str) -> tuple[str, float, str] | None:
        if len(line) < 19 or line[4] != "-":
            return None
        m = STAMPED_LINE.match(line)
        if m is None:
            return None
        ts = fast_iso_ms(m.group(1))
        if ts != ts:
            return None
        return env, ts, m.group(2)

    # a copy pasted twice (raw, then tab-collapsed) parses to the same records, which the
    # sink drops as duplicates like any event read twice (read.overlap)
    line_events(iter(text), split, source, function, result, glued=STAMPED_HEADER)


# ------------------------------------------------------------------------- JSON
