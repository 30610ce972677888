"""What every reader shares: options, the result being filled, the source being read, and
how a function is named when the input does not say (from its log group, stream or file)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath, PurePosixPath
from typing import IO

import pandas as pd

from lamlife.lifecycle.analysis import InputStats
from lamlife.lifecycle.read.collect import RecordSink
from lamlife.lifecycle.read.overlap import CUSTOM_STREAM

__all__ = ["CUSTOM_STREAM", "ReadOptions", "ReadResult", "Source", "default_function",
           "file_function", "function_column", "function_from_group"]



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
    instances: dict[str, str] = field(default_factory=dict)  # source -> last initStart instanceId
    # initStart instanceId -> its functionName (read before the file name; cloudwatch_json)
    instance_functions: dict[str, str] = field(default_factory=dict)
    # JSON objects that are no log event, page, payload or record (read_inputs refuses a
    # JSON input holding nothing else: it is not a log)
    foreign_json: int = 0
    deep_json_cut: bool = False  # a JSON value nested too deeply was cut (cloudwatch_json)


@dataclass
class Source:
    name: str  # what errors and examples call it
    path: PurePath | None  # None for stdin; bucket/key for an S3 object
    in_directory: bool = False
    member: str = ""  # a file inside the zip archive at ``path``
    # opens the input's bytes when it is not a local file (an S3 object, lifecycle/aws/s3.py)
    opener: Callable[[], IO[bytes]] | None = None

    @property
    def logical(self) -> PurePosixPath | None:
        """The path that names the input: the archive member's path inside the archive."""
        if self.path is None:
            return None
        if self.member:
            return PurePosixPath(self.path.as_posix()) / self.member
        return PurePosixPath(self.path.as_posix())


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


_SUFFIXES = (".gz", ".bz2", ".zst", ".zip", ".log", ".txt", ".jsonl", ".json", ".csv", ".out",
             ".md")


def function_column(header: list[str]) -> int | None:
    """The column of a table or CSV header that names the function: Logs Insights'
    ``@entity.Attributes.Lambda.Function`` (any ``@entity...Function`` column) or a plain
    ``function``/``functionName`` column; None when there is none."""
    for i, name in enumerate(header):
        low = name.strip().lower()
        if (low.startswith("@entity") and low.endswith("function")) or low in (
                "function", "functionname", "function_name", "@functionname"):
            return i
    return None


# a release tag before the function's name: a version or date with dots (v1.2, 1.2.3,
# 2026.04.14), then a separator; a function name holds no dot, so the tag is not part of it
_LEADING_TAG = re.compile(r"v?\d+(?:\.\d+)+[-_ ]+(?=[^.\s])", re.IGNORECASE)
# a release tag or a date after the name, right before the extensions: a separator, then a
# version holding dots, with a pre-release part or not (-v1.2, _1.0.3, -v1.2.3-rc1), or an
# ISO 8601 date, extended or basic, with a time or not, or a month (-2026-11-20,
# _2026-11-20T09-30Z, -20261120, -2026-11): per-release or daily files of one function name it
_DATE = (r"(?:19|20)\d{2}(?:([-_])(?:0[1-9]|1[0-2])(?:\1(?:0[1-9]|[12]\d|3[01]))?"
         r"|(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))")
_TRAILING_TAG = re.compile(
    r"[-_ ]+(?:v?\d+(?:\.\d+)+(?:[-_.]?(?:rc|alpha|beta|pre|dev|a|b)\d*)?"
    r"|" + _DATE + r"(?:[T_ -]?\d{2}(?:[-:_]?\d{2}){0,2}Z?)?)$",
    re.IGNORECASE)
_ROTATED = re.compile(r"\.\d{1,3}$")  # logrotate's orders.log.1


def _without_suffixes(name: str) -> str:
    """``name`` without its known extensions (``orders.log.gz`` is ``orders``), a rotated
    log's number after one of them included (``orders.log.1``)."""
    stripped = True
    while stripped:
        stripped = False
        for suffix in _SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                stripped = True
        rotated = _ROTATED.search(name)
        if rotated and name[:rotated.start()].endswith(_SUFFIXES):
            name = name[:rotated.start()]
            stripped = True
    return name


def file_function(source: Source) -> str:
    """The function a file's name suggests: the name before its first dot, since a Lambda
    function name holds none (CreateFunction's FunctionName: letters, digits, hyphens and
    underscores; Lambda API reference): ``checkout.console.txt`` is ``checkout``. A release
    tag holding dots, or a date, joined to the name by ``-``, ``_`` or a space is no part
    of it: before the name (``v1.2-orders.log``, ``1.0.3_orders.log``) or after it, right
    before the known extensions (``orders-v1.2.log``, ``orders-2026-11-20.log.gz``), the
    name is ``orders``. A name that starts with a dot keeps what is left without the known
    extensions."""
    logical = source.logical
    if logical is None:
        return "stdin"
    name = logical.name
    tag = _LEADING_TAG.match(name)
    if tag:
        name = name[tag.end():]
    name = _without_trailing_tags(_without_suffixes(name))
    # and a date before another dotted part (orders-2026-11-20.console.txt)
    stem = _without_trailing_tags(name.split(".", 1)[0])
    if stem:
        return stem
    return _without_suffixes(name) or logical.name


def _without_trailing_tags(name: str) -> str:
    """``name`` without the release tags and dates at its end (``_TRAILING_TAG``), one after
    another (a date range: ``billing-20250101-20250131``), never down to nothing."""
    while (trailing := _TRAILING_TAG.search(name)) and trailing.start() > 0:
        name = name[:trailing.start()]
    return name


def file_stream(source: Source) -> str:
    """The log stream of a file that holds one stream without naming it (get-log-events
    output): the file's name without its known extensions, whole, so that two such files
    are two streams even where they name one function (``orders-2026-11-20.json`` and
    ``orders-2026-11-21.json`` are two streams of ``orders``)."""
    logical = source.logical
    if logical is None:
        return "stdin"
    return _without_suffixes(logical.name) or logical.name


# ------------------------------------------------------------------------- main loop


def default_function(source: Source, options: ReadOptions, sink: RecordSink) -> str:
    """The function of input that names none: ``options.function``, else the file's name
    (also recorded in ``sink.fallback_functions``); ``sink.default_named`` records it."""
    if options.function:
        sink.default_named[source.name] = options.function
        return options.function
    name = file_function(source)
    sink.fallback_functions.add(name)
    sink.default_named[source.name] = name
    return name
