"""CloudWatch Logs Insights CSV export (``@timestamp,@message,...`` or REPORT fields)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.read.cloudwatch_json import json_platform_message
from lamlife.lifecycle.read.collect import RecordSink
from lamlife.lifecycle.read.context import (
    ReadOptions,
    ReadResult,
    Source,
    default_function,
    function_column,
    function_from_group,
)
from lamlife.lifecycle.read.timeparse import any_to_ms, iso_to_ms

# CloudWatch log events go up to 256 KB (CloudWatch Logs quotas), and a multi-line event in
# an export is one quoted field: above Python's default 131,072-character field limit.
FIELD_LIMIT = 1 << 30
if csv.field_size_limit() < FIELD_LIMIT:
    csv.field_size_limit(FIELD_LIMIT)


def csv_rows(reader: Iterator[list[str]], sink: RecordSink, name: str,
             line_num: Callable[[], int]) -> Iterator[list[str]]:
    """The rows of ``reader``; a row the csv module cannot read is one malformed event."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            sink.counts.events += 1
            sink.add_malformed(f"unreadable CSV row ({exc})", f"{name}:{line_num()}")
            continue
        yield row


def read_insights_csv(source: Source, text: io.TextIOWrapper, options: ReadOptions,
                       result: ReadResult) -> None:
    sink = result.sink
    reader = csv.reader(text)
    header = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
    index = {h: i for i, h in enumerate(header)}
    if "@timestamp" not in index or not ("@message" in index or "@duration" in index):
        raise InputError(f"{source.name}: Logs Insights CSV needs @timestamp and @message "
                         f"(or @requestId/@duration) columns; found {', '.join(header)}")
    fallback = default_function(source, options, sink)
    ts_i = index["@timestamp"]
    msg_i = index.get("@message")
    stream_i = index.get("@logStream")
    group_i = index.get("@log")
    region_i = index.get("@aws.region")
    fn_i = function_column(header)
    for row in csv_rows(reader, sink, source.name, lambda: reader.line_num):
        if not row or row == [""]:
            continue
        where = f"{source.name}:{reader.line_num}"
        stream = row[stream_i] if stream_i is not None and stream_i < len(row) else ""
        group = row[group_i] if group_i is not None and group_i < len(row) else ""
        named = row[fn_i].strip() if fn_i is not None and fn_i < len(row) else ""
        function = named or (function_from_group(group, stream) if group else fallback)
        if region_i is not None and region_i < len(row) and row[region_i]:
            sink.note_region(function, stream, row[region_i].strip())
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
                json_platform_message(function, stream, ts, message, source, sink)
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
