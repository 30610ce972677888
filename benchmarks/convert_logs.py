"""Rewrite a generated ``aws logs tail`` log in the other shapes lamlife reads, same events.

Run by hand (never part of the test suite)::

    python benchmarks/convert_logs.py big.log --to jsonl --output big.jsonl
    python benchmarks/convert_logs.py big.log --to filter-json --output big.json
    python benchmarks/convert_logs.py big.log --to insights-csv --output big.csv

Shapes (the readers' module docstrings name their public sources):

- ``jsonl``: what ``lamlife fetch`` writes, one event a line:
  ``{"logGroupName", "logStreamName", "timestamp", "message", "eventId"}``;
- ``filter-json``: ``aws logs filter-log-events`` output, pages of ``{"events": [...],
  "searchedLogStreams": []}`` written one after another (10,000 events a page);
- ``insights-csv``: a Logs Insights CSV export, ``@timestamp,@logStream,@log,@message`` with
  millisecond ``@timestamp`` (``2026-03-02 00:00:00.123``).

A tail event is a line ``<iso> <stream> <message>`` plus the lines after it that have no such
prefix (the XRAY part of a REPORT, multi-line output), joined by ``\\n``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

GROUP = "/aws/lambda/orders-api"
PAGE_EVENTS = 10_000


def tail_events(path: Path) -> Iterator[tuple[str, str, str]]:
    """(iso time, stream, message) of every event of a tail file."""
    current: list[str] | None = None
    with path.open(encoding="utf-8") as fh:
        for raw in fh:
            line = raw.rstrip("\n")
            if line[4:5] == "-" and line[10:11] == "T" and line[:1].isdigit():
                if current is not None:
                    yield current[0], current[1], current[2]
                parts = line.split(" ", 2)
                current = [parts[0], parts[1], parts[2] if len(parts) > 2 else ""]
            elif current is not None:
                current[2] += "\n" + line
    if current is not None:
        yield current[0], current[1], current[2]


_EPOCH_CACHE: dict[str, int] = {}


def epoch_ms(iso: str) -> int:
    second = iso[:19]
    base = _EPOCH_CACHE.get(second)
    if base is None:
        base = int(datetime.fromisoformat(second + "+00:00").timestamp()) * 1000
        if len(_EPOCH_CACHE) > 100_000:
            _EPOCH_CACHE.clear()
        _EPOCH_CACHE[second] = base
    frac = iso[20:23] if iso[19:20] == "." else "000"
    return base + int(frac.ljust(3, "0"))


def write_jsonl(path: Path, out: Path) -> int:
    n = 0
    with out.open("w", encoding="utf-8") as fh:
        for n, (iso, stream, message) in enumerate(tail_events(path), 1):  # noqa: B007
            fh.write(json.dumps({"logGroupName": GROUP, "logStreamName": stream,
                                 "timestamp": epoch_ms(iso), "message": message,
                                 "eventId": str(n)}, separators=(",", ":")) + "\n")
    return n


def write_filter_json(path: Path, out: Path) -> int:
    n = 0
    page: list[dict[str, object]] = []
    with out.open("w", encoding="utf-8") as fh:
        def flush() -> None:
            fh.write(json.dumps({"events": page, "searchedLogStreams": []}) + "\n")
            page.clear()

        for n, (iso, stream, message) in enumerate(tail_events(path), 1):  # noqa: B007
            page.append({"logStreamName": stream, "timestamp": epoch_ms(iso),
                         "message": message + "\n", "ingestionTime": epoch_ms(iso) + 500,
                         "eventId": str(n)})
            if len(page) >= PAGE_EVENTS:
                flush()
        if page:
            flush()
    return n


def write_insights_csv(path: Path, out: Path) -> int:
    n = 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["@timestamp", "@logStream", "@log", "@message"])
        for n, (iso, stream, message) in enumerate(tail_events(path), 1):  # noqa: B007
            stamp = f"{iso[:10]} {iso[11:19]}.{iso[20:23] if iso[19:20] == '.' else '000'}"
            writer.writerow([stamp, stream, f"123456789012:{GROUP}", message])
    return n


WRITERS = {"jsonl": write_jsonl, "filter-json": write_filter_json,
           "insights-csv": write_insights_csv}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("tail_log", type=Path)
    p.add_argument("--to", choices=sorted(WRITERS), required=True)
    p.add_argument("--output", type=Path, required=True)
    args = p.parse_args(argv)
    n = WRITERS[args.to](args.tail_log, args.output)
    print(f"convert_logs: {n} events -> {args.output} ({args.to})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
