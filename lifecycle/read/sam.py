"""``sam logs`` output: ``<log stream> <naive iso> <message>``."""

from __future__ import annotations

import io

from lamlife.lifecycle.read.context import ReadOptions, ReadResult, Source, default_function
from lamlife.lifecycle.read.glued import SAM_HEADER
from lamlife.lifecycle.read.lines import line_events
from lamlife.lifecycle.read.timeparse import fast_iso_ms


def read_sam(source: Source, text: io.TextIOWrapper, options: ReadOptions,
              result: ReadResult) -> None:
    function = default_function(source, options, result.sink)

    def split(line: str) -> tuple[str, float, str] | None:
        parts = line.split(" ", 2)
        if len(parts) < 2 or len(parts[1]) < 19 or parts[1][4:5] != "-":
            return None
        ts = fast_iso_ms(parts[1])
        if ts != ts:
            return None
        return parts[0], ts, parts[2] if len(parts) > 2 else ""

    line_events(iter(text), split, source, function, result, glued=SAM_HEADER)
