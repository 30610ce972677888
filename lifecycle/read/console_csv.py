"""The CloudWatch console's "Download (CSV)" (``timestamp,message``)."""

from __future__ import annotations

import csv
import io

from lamlife.lifecycle.read.context import ReadOptions, ReadResult, Source, default_function
from lamlife.lifecycle.read.insights_csv import csv_rows, header_cells, repeats_header
from lamlife.lifecycle.read.timeparse import any_to_ms


def read_console_csv(source: Source, text: io.TextIOWrapper, options: ReadOptions,
                      result: ReadResult) -> None:
    sink = result.sink
    function = default_function(source, options, sink)
    result.stats.warnings.append(
        f"{source.name}: console CSV has no log stream, so environments cannot be rebuilt; "
        "start types come from REPORT fields alone")
    reader = csv.reader(text)
    header = header_cells(next(reader, []))
    for row in csv_rows(reader, sink, source.name, lambda: reader.line_num, header):
        if not row or row == [""]:
            continue
        where = f"{source.name}:{reader.line_num}"
        ts = any_to_ms(row[0]) if row else None
        if ts is None and repeats_header(row, header):  # files joined with cat
            continue
        if ts is None or len(row) < 2:
            sink.counts.events += 1
            sink.add_malformed(",".join(row), where)
            continue
        sink.add(function, "", ts, row[1].rstrip("\n"), where)
    result.stats.lines += reader.line_num
