"""What every reader shares: options, the result being filled, the source being read, and
how a function is named when the input does not say (from its log group, stream or file)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import IO

import pandas as pd

from lamlife.lifecycle.analysis import InputStats
from lamlife.lifecycle.read.collect import RecordSink

CUSTOM_STREAM = re.compile(r"^\d{4}/\d\d/\d\d/([^\[/]+)\[")


@dataclass
class ReadOptions:
    function: str | None = None  # --function: the name when the input carries no log group


@dataclass
class ReadResult:
    sink: RecordSink
    stats: InputStats
    classified: list[pd.DataFrame] = field(default_factory=list)  # re-read lamlife CSVs
    arrivals: list[str] = field(default_factory=list)  # arrival CSV paths (for the simulator)
    streamless: set[str] = field(default_factory=set)  # sources already warned of no stream


@dataclass
class Source:
    name: str  # what errors and examples call it
    path: PurePath | None  # None for stdin; bucket/key for an S3 object
    in_directory: bool = False
    # opens the input's bytes when it is not a local file (an S3 object, lifecycle/aws/s3.py)
    opener: Callable[[], IO[bytes]] | None = None


# ------------------------------------------------------------------------- discovery

# ------------------------------------------------------------------------- naming


def function_from_group(group: str, stream: str = "") -> str:
    """The function a log group (and stream) belongs to (§4): custom group streams name it."""
    m = CUSTOM_STREAM.match(stream)
    if m:
        return m.group(1)
    if group.startswith("arn:") and ":log-group:" in group:  # a log group ARN
        group = group.split(":log-group:", 1)[1].removesuffix(":*")
    group = group.split(":", 1)[1] if re.match(r"^\d{12}:", group) else group
    if group.startswith("/aws/lambda/"):
        return group[len("/aws/lambda/"):]
    return group.rsplit("/", 1)[-1] or group


def file_function(source: Source) -> str:
    if source.path is None:
        return "stdin"
    name = source.path.name
    for suffix in (".gz", ".log", ".txt", ".jsonl", ".json", ".csv", ".out"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name or source.path.name


# ------------------------------------------------------------------------- main loop


def default_function(source: Source, options: ReadOptions, sink: RecordSink) -> str:
    if options.function:
        return options.function
    name = file_function(source)
    sink.fallback_functions.add(name)
    return name
