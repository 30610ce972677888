"""Fetch Lambda platform records from CloudWatch Logs into a ``lamlife fetch`` file.

The file is JSON lines: one header object per function (``"lamlife_fetch": 1`` with the
function's configuration), then one CloudWatch event per line
(``logGroupName, logStreamName, timestamp, message, eventId``). ``lamlife analyze`` reads it.
One function or thousands: named with ``--function``, or selected from the Region's functions
(``--all``, ``--prefix``, see ``functions.py``); the output is one combined file, a folder with
one file per function, or stdout.

The module has two halves:

- pure planning over plain data: the time window, its split into units (``state.py``: one log
  group, or an Insights batch of log groups, over a half-open time range each), the
  server-side filter pattern and Insights query, the client-side platform filter, the header
  and event records;
- the fetch itself, in named parts: ``ApiCaller`` (rate limit and throttling retries),
  ``Checkpoint`` (part files and the sqlite resume state), ``FilterUnitRunner`` and
  ``InsightsUnitRunner`` (one unit each), ``run_units`` (the thread pool) and ``OutputJoiner``
  (the output). They report progress through a callback; nothing here prints.

Resume: each unit's events go to ``<base>.parts/<unit>.jsonl`` and its progress (the last
``nextToken``, how many bytes of the part are committed, done or not) to one row of
``<base>.state.sqlite``. A resumed fetch truncates each part to its committed size, continues
from the token and skips eventIds it already wrote. Units cover disjoint time ranges of their
log groups, so an event can only ever be fetched by one unit. When every unit is done the
parts are joined, in log group and time order, after the headers into the output, and the
state is removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from lamlife.lifecycle.aws.common import (
    THROTTLE_CODES,
    AwsClients,
    FetchInterrupted,
    RateLimiter,
    aws_error,
    backoff_delay,
    connect,
    error_code,
    is_throttle,
    redact,
)
from lamlife.lifecycle.aws.functions import (
    LAMBDA_CONTROL_TPS,
    configuration_from_api,
    default_log_group,
    discovered_configurations,
    existing_log_groups,
    function_name,
    list_functions,
    read_function_configuration,
)
from lamlife.lifecycle.aws.state import (
    STATE_FORMAT,
    FetchState,
    StateStore,
    Unit,
    Window,
    batch_groups,
    bisect_unit,
    load_state,
    ms_to_iso,
    plan_units,
    save_state,
    to_ms,
)
from lamlife.lifecycle.errors import AwsAccessError, InputError, LamlifeError
from lamlife.lifecycle.files import write_atomic
from lamlife.lifecycle.read import timeparse
from lamlife.lifecycle.read.timeparse import parse_time

__all__ = [  # what callers and tests use from here (some live in common / functions / state)
    "STATE_FORMAT", "THROTTLE_CODES", "AwsClients", "FetchInterrupted", "FetchState",
    "RateLimiter", "StateStore", "Unit", "Window", "aws_error", "backoff_delay", "bisect_unit",
    "configuration_from_api", "connect", "error_code", "function_name", "load_state",
    "ms_to_iso", "plan_units", "read_function_configuration", "redact", "save_state", "to_ms",
]

FETCH_FORMAT = 1
# FilterLogEvents: 5 transactions per second per account and Region, not adjustable.
# Source: https://repost.aws/knowledge-center/cloudwatch-logs-throttling
FILTER_LOG_EVENTS_TPS = 5.0
# FilterLogEvents ``limit``: at most 10,000 events per page (CloudWatch Logs API reference).
FILTER_PAGE_MAX = 10_000
# Logs Insights returns at most 10,000 rows per query (docs CWL_QuerySyntax-Limit.html); up to
# 30 concurrent queries per account, queries time out after 60 minutes (StartQuery reference).
INSIGHTS_MAX_ROWS = 10_000
INSIGHTS_MAX_CONCURRENT = 30
# StartQuery takes up to 50 log groups (``logGroupNames``, StartQuery API reference); lamlife
# queries 20 at a time, the limit Logs Insights had before, so a query stays well inside the
# 10,000-row limit more often and works where the older limit still applies.
INSIGHTS_MAX_LOG_GROUPS = 50
INSIGHTS_BATCH = 20
# Filter patterns are limited to 1024 characters (PutMetricFilter / FilterLogEvents reference).
FILTER_PATTERN_MAX = 1024

DEFAULT_CHUNK_S = {"filter": 3600.0, "insights": 6 * 3600.0}
DEFAULT_PARALLEL = 4


# ---------------------------------------------------------------------------------------------
# What is a platform record (docs/platform.md §1, §2, §3)
# ---------------------------------------------------------------------------------------------

# Text platform messages start with these (§1 "Telling platform lines from application output").
PLATFORM_PREFIXES: tuple[str, ...] = (
    "START RequestId:",
    "END RequestId:",
    "REPORT RequestId:",
    "INIT_START",
    "INIT_REPORT",
    "RESTORE_START",
    "RESTORE_REPORT",
    "EXTENSION\t",
    "TELEMETRY\t",
    "LOGS\t",
    "XRAY ",
)
# Platform evidence that can sit inside an application-shaped line (§2.6).
PLATFORM_FRAGMENTS: tuple[str, ...] = ("Task timed out after", "Runtime exited")
_CRASH_LINE = re.compile(r"^RequestId: \S+ (?:Error: |Process exited before completing request)")
_JSON_PLATFORM = re.compile(r'"type"\s*:\s*"platform\.')

# JSON platform record types (docs telemetry-schema-reference.html; platform.fault / end are
# the legacy Logs API records of §3.3).
JSON_PLATFORM_TYPES: tuple[str, ...] = (
    "initStart",
    "initRuntimeDone",
    "initReport",
    "start",
    "runtimeDone",
    "report",
    "restoreStart",
    "restoreRuntimeDone",
    "restoreReport",
    "extension",
    "telemetrySubscription",
    "logsDropped",
    "fault",
    "end",
)

# Terms of the server-side filter. Unstructured filter-pattern syntax: a quoted term matches the
# exact phrase, ``?term`` ORs terms, matching is case sensitive (CloudWatch Logs User Guide,
# "Filter pattern syntax ... unstructured log events"). The client-side check below is the
# authority: the pattern only has to be a superset that keeps application output off the wire.
FILTER_TERMS: tuple[str, ...] = (
    "START RequestId",
    "END RequestId",
    "REPORT RequestId",
    "INIT_START",
    "INIT_REPORT",
    "RESTORE_START",
    "RESTORE_REPORT",
    "EXTENSION",
    "TELEMETRY",
    "LOGS",
    "Task timed out",
    "Runtime exited",
    "Process exited before completing request",
    *(f"platform.{t}" for t in JSON_PLATFORM_TYPES),
)


def platform_filter_pattern(terms: Iterable[str] = FILTER_TERMS) -> str:
    """The FilterLogEvents ``filterPattern`` that selects platform records (any of the terms)."""
    parts = []
    for term in terms:
        if '"' in term:
            raise ValueError(f"filter term must not contain a double quote: {term!r}")
        parts.append(f'?"{term}"')
    return " ".join(parts)


# Logs Insights: the same records, oldest first. ``@ptr`` identifies an event uniquely and is
# used as its eventId (Insights does not return CloudWatch eventIds).
def insights_query(limit: int = INSIGHTS_MAX_ROWS) -> str:
    """The Logs Insights query that selects platform records, oldest first."""
    return (
        "fields @timestamp, @message, @logStream, @log, @ptr\n"
        "| filter @message like /^(START|END|REPORT) RequestId:|^(INIT|RESTORE)_(START|REPORT)"
        "|^(EXTENSION|TELEMETRY|LOGS)\\t|Task timed out after|Runtime exited"
        '|Process exited before completing request|"type"\\s*:\\s*"platform\\./\n'
        "| sort @timestamp asc\n"
        f"| limit {limit}"
    )


def is_platform_message(message: str) -> bool:
    """True when a CloudWatch message is (or may be) a Lambda platform record.

    Cheap and a little generous: a false positive only costs a line the reader ignores;
    a false negative would lose a record.
    """
    head = message.lstrip("\n")
    if head.startswith(PLATFORM_PREFIXES):
        return True
    if any(fragment in message for fragment in PLATFORM_FRAGMENTS):
        return True
    if head.startswith("RequestId: ") and _CRASH_LINE.match(head):
        return True
    return "platform." in message and _JSON_PLATFORM.search(message) is not None


# ---------------------------------------------------------------------------------------------
# Time window
# ---------------------------------------------------------------------------------------------

def parse_duration(text: str) -> float | None:
    """Seconds in a relative duration like ``24h``, ``90m``, ``1h30m``, ``7d`` (optionally
    followed by ``ago``); None if not one (``timeparse.parse_relative``)."""
    return timeparse.parse_relative(text)


def resolve_window(
    since: str | None, start: str | None, end: str | None, now: datetime
) -> Window:
    """The fetch window from ``--since`` or ``--start/--end`` (default: the last 24 hours)."""
    if since is not None and start is not None:
        raise InputError("give either --since or --start, not both")
    end_at = parse_time(end, now) if end is not None else now
    if since is not None:
        seconds = parse_duration(since)
        if seconds is None or seconds <= 0:
            raise InputError(f"cannot read --since {since!r}: use a duration such as 24h, 90m, 7d")
        start_at = end_at - timedelta(seconds=seconds)
    elif start is not None:
        start_at = parse_time(start, now)
    else:
        start_at = end_at - timedelta(hours=24)
    window = Window(to_ms(start_at), to_ms(end_at))
    if window.end_ms <= window.start_ms:
        raise InputError(
            f"empty time window: start {window.start_iso} is not before end {window.end_iso}"
        )
    return window



# ---------------------------------------------------------------------------------------------
# Names and paths
# ---------------------------------------------------------------------------------------------


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "function"


def _compact_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y%m%dT%H%M%SZ")


def default_output_name(functions: list[str], window: Window) -> str:
    """``<function>_<start>_<end>.jsonl`` (UTC, second resolution)."""
    names = [_safe(function_name(f)) for f in functions]
    label = names[0] if len(names) == 1 else "+".join(names[:3])
    if len(names) > 3:
        label = f"{names[0]}+{len(names) - 1}-more"
    return f"{label}_{_compact_time(window.start_ms)}_{_compact_time(window.end_ms)}.jsonl"


def state_path(output: Path) -> Path:
    """The sqlite resume state of an output file (or of a folder's ``base``)."""
    return output.with_name(output.name + ".state.sqlite")


def parts_dir(output: Path) -> Path:
    return output.with_name(output.name + ".parts")


def file_error(exc: OSError, output: Path) -> InputError:
    """One line for a file-system failure while writing OUTPUT (its folder, parts, state or
    the joined file): the output, the path that failed when it is another one, the reason."""
    problem = exc.strerror or str(exc) or type(exc).__name__
    problem = problem.splitlines()[0] if problem.strip() else type(exc).__name__
    failed = os.fsdecode(exc.filename) if exc.filename is not None else ""
    if failed and Path(failed) != output:
        return InputError(f"cannot write {output}: {failed}: {problem}")
    return InputError(f"cannot write {output}: {problem}")


def check_output_folder(output: Path) -> None:
    """Refuse an OUTPUT whose nearest existing ancestor is not a folder (``/dev/null/x``)
    before any AWS call; other failures surface (as file_error) when the fetch writes."""
    parent = output.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise InputError(f"cannot write {output}: {parent} is not a folder")



def insights_seconds(unit: Unit) -> tuple[int, int]:
    """Insights start/end (epoch seconds) covering the unit; rows are clipped client-side."""
    return unit.start_ms // 1000, -(-unit.end_ms // 1000)



def find_resumable(directory: Path, functions: list[str]) -> list[Path]:
    """Outputs in ``directory`` with an unfinished state for exactly these functions."""
    found = []
    wanted = sorted(function_name(f) for f in functions)
    for path in sorted(directory.glob("*.state.sqlite")):
        try:
            state = load_state(path)
        except InputError:
            continue
        if not wanted or sorted(state.functions) == wanted:
            found.append(path.with_name(path.name[: -len(".state.sqlite")]))
    return found


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


def event_record(group: str, event: dict[str, Any]) -> dict[str, Any]:
    """The output line of one FilterLogEvents event (the fields the reader needs)."""
    return {
        "logGroupName": group,
        "logStreamName": event.get("logStreamName", ""),
        "timestamp": int(event["timestamp"]),
        "message": event.get("message", ""),
        "eventId": str(event.get("eventId", "")),
    }


_INSIGHTS_TS = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)")


def parse_insights_timestamp(value: str) -> int | None:
    """Epoch ms from an Insights ``@timestamp`` (``2021-08-11 09:29:13.095``, UTC) or epoch ms."""
    text = value.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        number = float(text)
        return int(number if number > 1e11 else number * 1000)
    match = _INSIGHTS_TS.match(text)
    if not match:
        return None
    instant = datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}").replace(tzinfo=UTC)
    return int(round(instant.timestamp() * 1000))


def insights_row_to_event(row: list[dict[str, str]], group: str) -> dict[str, Any] | None:
    """One Insights result row as an output event, or None when it lacks a time or message.

    The row's ``@log`` (``ACCOUNT:GROUP``) names its log group in a query over several; else
    it is ``group``."""
    fields = {cell.get("field"): cell.get("value", "") for cell in row}
    log = fields.get("@log") or ""
    if log:
        group = log.split(":", 1)[1] if re.match(r"^\d{12}:", log) else log
    ts = parse_insights_timestamp(fields.get("@timestamp") or "")
    message = fields.get("@message")
    if ts is None or message is None:
        return None
    return {
        "logGroupName": group,
        "logStreamName": fields.get("@logStream", "") or "",
        "timestamp": ts,
        "message": message,
        "eventId": fields.get("@ptr", "") or "",
    }



def fetch_header(
    function: str,
    log_group: str,
    region: str,
    window: Window,
    configuration: dict[str, Any],
    source: str,
) -> dict[str, Any]:
    """The header line of one function (format in DESIGN.md / common brief)."""
    return {
        "lamlife_fetch": FETCH_FORMAT,
        "function": function,
        "log_group": log_group,
        "region": region,
        "window": window.as_dict(),
        "source": source,
        "configuration": configuration,
    }


def dumps_line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


# ---------------------------------------------------------------------------------------------
# Answers that are not the API's
# ---------------------------------------------------------------------------------------------


def filter_page_problem(page: dict[str, Any]) -> str | None:
    """What makes a FilterLogEvents answer not the API's, or None when it is one.

    The API always answers with an ``events`` list (empty at the end), each event with a
    ``timestamp`` (epoch ms) and a ``message``, and a ``nextToken`` string when more pages
    follow (CloudWatch Logs API reference, FilterLogEvents, "Response Syntax"). botocore turns
    a 200 body that is not JSON (an HTML page, a truncated body) into ``{"message": body}``.
    """
    events = page.get("events")
    if not isinstance(events, list):
        return "no events list in the answer"
    for event in events:
        if not (isinstance(event, dict) and isinstance(event.get("timestamp"), int)
                and not isinstance(event.get("timestamp"), bool)
                and isinstance(event.get("message"), str)):
            return "an event without a timestamp and a message"
    token = page.get("nextToken")
    if token is not None and not isinstance(token, str):
        return "a nextToken that is not a string"
    return None


def _start_query_problem(page: dict[str, Any]) -> str | None:
    return None if isinstance(page.get("queryId"), str) else "no queryId in the answer"


def query_results_problem(page: dict[str, Any]) -> str | None:
    """What makes a GetQueryResults answer not the API's (a ``status`` string, and a
    ``results`` list once it is Complete), or None when it is one."""
    status = page.get("status")
    if not isinstance(status, str):
        return "no query status in the answer"
    if status == "Complete" and not isinstance(page.get("results"), list):
        return "a complete query without a results list"
    return None


# ---------------------------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------------------------


@dataclass
class FetchProgress:
    """Counters reported to the progress callback (and in the result)."""

    events: int = 0  # platform events written
    bytes: int = 0  # bytes written to the output
    streams: int = 0  # distinct (log group, stream) pairs
    dropped: int = 0  # non-platform events the server returned, dropped here
    duplicates: int = 0  # events skipped because their eventId was already written
    pages: int = 0  # API responses processed
    throttled: int = 0  # throttling errors retried by lamlife (after boto's own retries)
    invalid_pages: int = 0  # HTTP 200 answers that were not the API's answer, asked again
    retried: int = 0  # requests botocore retried (adaptive mode: throttling, transient errors)
    units_done: int = 0
    units_total: int = 0
    truncated_units: int = 0
    finished: bool = False


@dataclass
class FetchResult:
    output: Path
    progress: FetchProgress
    functions: list[str]
    log_groups: list[str]
    window: Window
    warnings: list[str]
    resumed: bool
    files: list[Path] = field(default_factory=list)  # written (none for stdout)
    kind: str = "file"  # file | dir | stdout




# ---------------------------------------------------------------------------------------------
# Where the fetch writes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchOutput:
    """Where a fetch goes: one combined ``file``, a ``dir`` with one file per function, or
    ``stdout`` (the combined file streamed; parts in a temporary working folder).

    ``base`` is the path the state (``<base>.state.sqlite``) and parts (``<base>.parts/``)
    hang off: the file itself, or ``<DIR>/.lamlife-fetch``.
    """

    kind: str  # file | dir | stdout
    path: Path

    @property
    def base(self) -> Path:
        return self.path if self.kind == "file" else self.path / ".lamlife-fetch"

    def __str__(self) -> str:
        return "stdout" if self.kind == "stdout" else str(self.path)


def as_output(output: Path | FetchOutput) -> FetchOutput:
    return output if isinstance(output, FetchOutput) else FetchOutput("file", output)


def function_file(folder: Path, function: str) -> Path:
    """The file of one function in an output folder: ``<DIR>/<function>.jsonl``."""
    return folder / f"{_safe(function)}.jsonl"


# ---------------------------------------------------------------------------------------------
# The fetch, in named parts
# ---------------------------------------------------------------------------------------------

ProgressCallback = Callable[[FetchProgress], None]


class Tally:
    """The progress counters shared by the workers, and the callback that reports them."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.progress = FetchProgress()
        self.lock = threading.Lock()
        self.callback = callback
        self.streams: set[tuple[int, str]] = set()

    def report(self) -> None:
        if self.callback is not None:
            self.callback(self.progress)


class ApiCaller:
    """One rate-limited API call at a time per worker; throttling that outlived botocore's own
    retries is retried here with full-jitter backoff, up to ``max_throttle_retries`` times."""

    def __init__(self, clients: AwsClients, limiter: RateLimiter, tally: Tally,
                 stop: threading.Event, sleep: Callable[[float], None],
                 max_throttle_retries: int) -> None:
        self.clients = clients
        self.limiter = limiter
        self.tally = tally
        self.stop = stop
        self.sleep = sleep
        self.max_throttle_retries = max_throttle_retries

    def __call__(self, method: Callable[..., dict[str, Any]], action: str, subject: str,
                 **kwargs: Any) -> dict[str, Any]:
        import botocore.exceptions as bex

        attempt = 0
        while True:
            self.limiter.acquire()
            try:
                response = method(**kwargs)
            except bex.ClientError as exc:
                self._count_retries(exc.response)  # botocore's retries before it gave up
                retry = attempt < self.max_throttle_retries and not self.stop.is_set()
                if retry and is_throttle(exc):
                    with self.tally.lock:
                        self.tally.progress.throttled += 1
                    self.sleep(backoff_delay(attempt))
                    attempt += 1
                    continue
                raise self._error(exc, action, subject) from None
            except bex.BotoCoreError as exc:
                raise self._error(exc, action, subject) from None
            self._count_retries(response)
            return response

    def page(self, check: Callable[[dict[str, Any]], str | None], unit: Unit,
             method: Callable[..., dict[str, Any]], action: str, subject: str,
             **kwargs: Any) -> dict[str, Any]:
        """One call, and a check that the answer is the API's: an HTTP 200 whose body is not
        (``{}``, a proxy's HTML page, a truncated body) is asked again with backoff, then an
        AwsAccessError naming the window. Nothing of such a page is written or marked done,
        so ``--resume`` continues from the last good page."""
        from botocore.parsers import ResponseParserError

        attempt = 0
        while True:
            try:
                page = self(method, action, subject, **kwargs)
                problem = check(page)
            except (ResponseParserError, ValueError, TypeError, AttributeError, KeyError) as exc:
                # botocore could not shape the body into the API's answer
                problem = f"an answer botocore cannot parse: {type(exc).__name__}"
            if problem is None:
                return page
            if attempt >= self.max_throttle_retries or self.stop.is_set():
                raise AwsAccessError(
                    f"{action} on {subject} answered {attempt + 1} time(s) with something that "
                    f"is not the API's answer ({problem}) for {ms_to_iso(unit.start_ms)} to "
                    f"{ms_to_iso(unit.end_ms)}; that window is not complete: check any proxy "
                    "between here and AWS, then run the same command with --resume"
                )
            with self.tally.lock:
                self.tally.progress.invalid_pages += 1
            self.sleep(backoff_delay(attempt))
            attempt += 1

    def _count_retries(self, response: Any) -> None:
        """Add botocore's own retries (throttling, transient errors) of one request."""
        meta = (response or {}).get("ResponseMetadata") or {}
        retried = int(meta.get("RetryAttempts") or 0)
        if retried:
            with self.tally.lock:
                self.tally.progress.retried += retried

    def _error(self, exc: BaseException, action: str, subject: str) -> LamlifeError:
        return aws_error(exc, action=action, subject=subject, region=self.clients.region,
                         secrets=self.clients.secrets)


class Checkpoint:
    """The part files and the sqlite state of one fetch: what is committed is on disk.

    ``commit`` appends a page of one unit to its part and updates that unit's row;
    ``commit_batch`` writes an Insights unit's rows, one part per log group, in one go;
    ``split`` records the halves of a unit that returned too many rows.
    """

    def __init__(self, state: FetchState, base: Path, tally: Tally) -> None:
        self.state = state
        self.state_file = state_path(base)
        self.parts = parts_dir(base)
        self.tally = tally
        self.store: StateStore | None = None
        self._seen: dict[str, set[str]] = {}  # unit key -> eventIds written (open units only)

    def open(self) -> None:
        """Create the parts folder, bring a resumed state's parts back to what was committed
        (``restore``) and write the whole state once; pages then update single rows."""
        self.parts.mkdir(parents=True, exist_ok=True)
        self.restore()
        self.store = StateStore(self.state_file)
        self.store.write(self.state)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

    def remove(self) -> None:
        """Drop the parts and the state (after the output is complete)."""
        self.close()
        for unit in self.state.units:
            for group in unit.group_indices:
                (self.parts / unit.part_of(group)).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.parts.rmdir()
        for suffix in ("", "-wal", "-shm"):
            self.state_file.with_name(self.state_file.name + suffix).unlink(missing_ok=True)

    def _store(self) -> StateStore:
        assert self.store is not None, "Checkpoint.open() first"
        return self.store

    def restore(self) -> None:
        """For a resumed state: truncate every open part to its committed size and rebuild
        counters, streams and the eventIds already written."""
        progress = self.tally.progress
        for unit in self.state.units:
            if unit.status == "split":
                continue
            paths = [self.parts / unit.part_of(g) for g in unit.group_indices]
            if unit.status == "pending":
                unit.bytes = unit.events = 0
                for path in paths:
                    path.unlink(missing_ok=True)
                continue
            if len(paths) > 1:  # an Insights batch is written whole: done or not at all
                progress.events += unit.events
                progress.bytes += unit.bytes
                continue
            path = paths[0]
            if not path.exists():
                if unit.status == "done" and unit.events:
                    raise InputError(f"missing part file {path}: cannot resume, use --force")
                unit.bytes = unit.events = 0
                unit.token = None
                if unit.status == "partial":
                    unit.status = "pending"
                continue
            with path.open("rb+") as handle:
                handle.truncate(unit.bytes)
            seen = self._seen.setdefault(unit.key, set()) if unit.status == "partial" else None
            for event in _read_part(path):
                self.tally.streams.add((unit.group, event.get("logStreamName", "")))
                if seen is not None:
                    seen.add(str(event.get("eventId", "")))
            progress.events += unit.events
            progress.bytes += unit.bytes
        progress.streams = len(self.tally.streams)
        progress.units_total = sum(1 for u in self.state.units if u.status != "split")
        progress.units_done = sum(1 for u in self.state.units if u.status == "done")

    def _fresh(self, unit: Unit, events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]],
                                                                         int]:
        seen = self._seen.setdefault(unit.key, set())
        fresh = []
        duplicates = 0
        for event in events:
            event_id = event["eventId"]
            if event_id and event_id in seen:
                duplicates += 1
                continue
            if event_id:
                seen.add(event_id)
            fresh.append(event)
        return fresh, duplicates

    def commit(
        self, unit: Unit, events: list[dict[str, Any]], handle: Any, token: str | None,
        done: bool, dropped: int,
    ) -> None:
        """Write a page's events to the unit's part and record the new committed state."""
        fresh, duplicates = self._fresh(unit, events)
        data = "".join(dumps_line(event) for event in fresh).encode("utf-8")
        if data:
            handle.write(data)
            handle.flush()
        self._record(unit, fresh, len(data), token, done, dropped, duplicates)

    def commit_batch(self, unit: Unit, events: list[dict[str, Any]], dropped: int) -> None:
        """Write a whole Insights unit: each log group's events to its own part."""
        by_group: dict[str, list[dict[str, Any]]] = {}
        for event in events:
            by_group.setdefault(event["logGroupName"], []).append(event)
        size = 0
        for index in unit.group_indices:
            rows = by_group.get(self.state.log_groups[index], [])
            data = "".join(dumps_line(event) for event in rows).encode("utf-8")
            with (self.parts / unit.part_of(index)).open("wb") as handle:
                handle.write(data)
            size += len(data)
        self._record(unit, events, size, None, True, dropped, 0)

    def _record(self, unit: Unit, fresh: list[dict[str, Any]], size: int, token: str | None,
                done: bool, dropped: int, duplicates: int) -> None:
        tally = self.tally
        with tally.lock:
            progress = tally.progress
            unit.bytes += size
            unit.events += len(fresh)
            unit.token = None if done else token
            if done:
                unit.status = "done"
                self._seen.pop(unit.key, None)
                progress.units_done += 1
            else:
                unit.status = "partial"
            groups = {self.state.log_groups[g]: g for g in unit.group_indices}
            for event in fresh:
                group = groups.get(event.get("logGroupName", ""), unit.group)
                tally.streams.add((group, event["logStreamName"]))
            progress.events += len(fresh)
            progress.bytes += size
            progress.streams = len(tally.streams)
            progress.dropped += dropped
            progress.duplicates += duplicates
            progress.pages += 1
            self._store().save_unit(unit)  # one row: the state is never rewritten whole
            tally.report()

    def split(self, unit: Unit, halves: tuple[Unit, Unit]) -> None:
        with self.tally.lock:
            self.state.split(unit, halves)
            self.tally.progress.units_total += 1
            self._store().add_units(list(halves), unit)

    def truncated(self, unit: Unit, warning: str) -> None:
        with self.tally.lock:
            unit.truncated = True
            self.tally.progress.truncated_units += 1
            self.state.warnings.append(warning)
            self._store().save_meta(self.state)


class FilterUnitRunner:
    """Pages FilterLogEvents through one unit, committing every page."""

    def __init__(self, state: FetchState, call: ApiCaller, checkpoint: Checkpoint,
                 page_size: int | None, stop: threading.Event) -> None:
        self.state = state
        self.call = call
        self.checkpoint = checkpoint
        self.page_size = page_size
        self.stop = stop

    def __call__(self, unit: Unit) -> list[Unit]:
        group = self.state.log_groups[unit.group]
        path = self.checkpoint.parts / unit.part_name
        token = unit.token
        with path.open("ab") as handle:
            while not self.stop.is_set():
                page = self.call.page(
                    filter_page_problem, unit, self.call.clients.logs.filter_log_events,
                    "logs:FilterLogEvents", f"log group {group}",
                    **self.request(group, unit, token),
                )
                kept, dropped = self.platform_events(group, unit, page)
                token = page.get("nextToken")
                self.checkpoint.commit(unit, kept, handle, token, done=not token,
                                       dropped=dropped)
                if not token:
                    break
        return []

    def request(self, group: str, unit: Unit, token: str | None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "logGroupName": group,
            "startTime": unit.start_ms,
            "endTime": unit.end_ms - 1,  # endTime is inclusive; units are half-open
        }
        if self.state.filter_pattern:
            kwargs["filterPattern"] = self.state.filter_pattern
        if self.page_size:
            kwargs["limit"] = self.page_size
        if token:
            kwargs["nextToken"] = token
        return kwargs

    @staticmethod
    def platform_events(group: str, unit: Unit, page: dict[str, Any]
                        ) -> tuple[list[dict[str, Any]], int]:
        """The page's platform events inside the unit, and how many were application output."""
        kept = []
        dropped = 0
        for raw in page.get("events") or []:
            if not is_platform_message(raw.get("message", "")):
                dropped += 1
                continue
            if not unit.start_ms <= int(raw["timestamp"]) < unit.end_ms:
                continue
            kept.append(event_record(group, raw))
        return kept, dropped


class InsightsUnitRunner:
    """Runs one Logs Insights query over a unit (one log group or a batch of up to
    ``INSIGHTS_BATCH`` groups); a full result splits the unit and queries the halves."""

    def __init__(self, state: FetchState, call: ApiCaller, checkpoint: Checkpoint,
                 stop: threading.Event, *, timeout_s: float, poll_s: float, max_rows: int,
                 clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self.state = state
        self.call = call
        self.checkpoint = checkpoint
        self.stop = stop
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self.max_rows = max_rows
        self.clock = clock
        self.sleep = sleep

    def __call__(self, unit: Unit) -> list[Unit]:
        groups = [self.state.log_groups[g] for g in unit.group_indices]
        rows = self.query(unit, groups)
        if rows is None:  # stopped
            return []
        if len(rows) >= self.max_rows:
            halves = bisect_unit(unit)
            if halves is not None:
                self.checkpoint.split(unit, halves)
                return list(halves)
            self.checkpoint.truncated(
                unit, f"{groups[0]}: more than {self.max_rows} records in the second at "
                f"{ms_to_iso(unit.start_ms)}; some were not fetched")
        kept, dropped = self.platform_rows(unit, groups, rows)
        if len(groups) == 1:
            with (self.checkpoint.parts / unit.part_name).open("ab") as handle:
                self.checkpoint.commit(unit, kept, handle, None, done=True, dropped=dropped)
        else:
            self.checkpoint.commit_batch(unit, kept, dropped)
        return []

    def query(self, unit: Unit, groups: list[str]) -> list[list[dict[str, str]]] | None:
        """The rows of one query, or None when the fetch was stopped meanwhile."""
        logs = self.call.clients.logs
        subject = f"log group {groups[0]}" if len(groups) == 1 else (
            f"log groups {groups[0]} and {len(groups) - 1} more")
        target: dict[str, Any] = ({"logGroupName": groups[0]} if len(groups) == 1
                                  else {"logGroupNames": groups})
        start_s, end_s = insights_seconds(unit)
        started = self.call.page(
            _start_query_problem, unit, logs.start_query, "logs:StartQuery", subject, **target,
            startTime=start_s, endTime=end_s, queryString=insights_query(self.max_rows),
            limit=self.max_rows,
        )
        query_id = started["queryId"]
        deadline = self.clock() + self.timeout_s
        while True:
            if self.stop.is_set():
                self._stop_query(query_id)
                return None
            result = self.call.page(query_results_problem, unit, logs.get_query_results,
                                    "logs:GetQueryResults", subject, queryId=query_id)
            status = result.get("status")
            if status == "Complete":
                return list(result.get("results") or [])
            if status in ("Failed", "Cancelled", "Timeout", "Unknown"):
                raise AwsAccessError(
                    f"Logs Insights query on {subject[len('log group '):]} ended with status "
                    f"{status} ({ms_to_iso(unit.start_ms)} to {ms_to_iso(unit.end_ms)})"
                )
            if self.clock() >= deadline:
                self._stop_query(query_id)
                raise AwsAccessError(
                    f"Logs Insights query on {subject[len('log group '):]} did not finish "
                    f"within {self.timeout_s:g} s; use a smaller --chunk or --insights-timeout"
                )
            self.sleep(self.poll_s)

    @staticmethod
    def platform_rows(unit: Unit, groups: list[str], rows: list[list[dict[str, str]]]
                      ) -> tuple[list[dict[str, Any]], int]:
        kept = []
        dropped = 0
        for row in rows:
            event = insights_row_to_event(row, groups[0])
            if event is None:
                continue
            if event["logGroupName"] not in groups:
                event["logGroupName"] = groups[0] if len(groups) == 1 else event["logGroupName"]
                if event["logGroupName"] not in groups:
                    continue  # a row of a group this unit did not ask for
            if not is_platform_message(event["message"]):
                dropped += 1
                continue
            if not unit.start_ms <= event["timestamp"] < unit.end_ms:
                continue
            kept.append(event)
        return kept, dropped

    def _stop_query(self, query_id: str) -> None:
        # Best effort: an abandoned query times out on its own.
        with contextlib.suppress(Exception):
            self.call.clients.logs.stop_query(queryId=query_id)


def run_units(units: list[Unit], run_one: Callable[[Unit], list[Unit]], parallel: int,
              stop: threading.Event) -> BaseException | None:
    """Run every unit (and the units they hand back, e.g. halves) on ``parallel`` threads.

    Returns the first error (the other units are stopped); KeyboardInterrupt propagates
    after the workers have stopped.
    """
    queue = sorted(units, key=lambda u: (u.start_ms, u.group))
    pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="lamlife-fetch")
    running: dict[Future[list[Unit]], Unit] = {}
    error: BaseException | None = None
    try:
        while queue or running:
            while queue and len(running) < parallel and error is None:
                unit = queue.pop(0)
                running[pool.submit(run_one, unit)] = unit
            if not running:
                break
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                running.pop(future)
                exc = future.exception()
                if exc is not None:
                    if error is None:
                        error = exc
                        stop.set()
                    continue
                queue.extend(future.result())
            if error is not None:
                queue.clear()
    except KeyboardInterrupt:
        stop.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return error


class OutputJoiner:
    """Joins the headers and the parts into the output: one file (atomically: a temporary
    file, then rename), one file per function in a folder, or a stream (stdout)."""

    def __init__(self, state: FetchState, checkpoint: Checkpoint, output: FetchOutput) -> None:
        self.state = state
        self.checkpoint = checkpoint
        self.output = output

    def join(self, stream: IO[bytes] | None = None) -> list[Path]:
        """Write the output; returns the files written (none for a stream)."""
        if self.output.kind == "dir":
            return self._join_folder()
        if self.output.kind == "stdout":
            target = stream if stream is not None else sys.stdout.buffer
            try:
                self._write_all(target)
                target.flush()
            except BrokenPipeError:  # the reader went away (``| head``): drop the rest
                _reader_gone(target)
            return []
        self._atomic(self.output.path, self._write_all)
        return [self.output.path]

    def _write_all(self, out: IO[bytes]) -> None:
        for header in self.state.headers:
            out.write(dumps_line(header).encode("utf-8"))
        for group in range(len(self.state.log_groups)):
            self._copy_group(group, out)

    def _copy_group(self, group: int, out: IO[bytes],
                    keep: Callable[[dict[str, Any]], bool] | None = None) -> None:
        for unit in self.state.done_units_of(group):
            path = self.checkpoint.parts / unit.part_of(group)
            if not path.exists():
                continue
            if keep is not None:
                with path.open("rb") as part:
                    for line in part:
                        try:
                            event = json.loads(line)
                        except json.JSONDecodeError:
                            continue
                        if keep(event):
                            out.write(line)
                continue
            whole = len(unit.group_indices) > 1  # batch parts are written whole
            with path.open("rb") as part:
                remaining = None if whole else unit.bytes
                while remaining is None or remaining > 0:
                    chunk = part.read(1 << 20 if remaining is None else min(remaining, 1 << 20))
                    if not chunk:
                        break
                    out.write(chunk)
                    if remaining is not None:
                        remaining -= len(chunk)

    def _join_folder(self) -> list[Path]:
        """One file per function: its header, then its log group's events (a group shared by
        several functions is split by the function each stream names, docs/platform.md §4)."""
        from lamlife.lifecycle.read.context import function_from_group

        users: dict[int, list[str]] = {}
        for name, group in zip(self.state.functions, self.state.function_groups, strict=True):
            users.setdefault(group, []).append(name)
        written = []
        for header, name, group in zip(self.state.headers, self.state.functions,
                                       self.state.function_groups, strict=True):
            keep = None
            sharing = users[group]
            if len(sharing) > 1:
                def keep(event: dict[str, Any], name: str = name,
                         sharing: list[str] = sharing) -> bool:
                    owner = function_from_group(str(event.get("logGroupName", "")),
                                                str(event.get("logStreamName", "")))
                    return owner == name or (owner not in sharing and name == sharing[0])

            def write(out: IO[bytes], header: dict[str, Any] = header, group: int = group,
                      keep: Callable[[dict[str, Any]], bool] | None = keep) -> None:
                out.write(dumps_line(header).encode("utf-8"))
                self._copy_group(group, out, keep)

            path = function_file(self.output.path, name)
            self._atomic(path, write)
            written.append(path)
        return written

    @staticmethod
    def _atomic(path: Path, write: Callable[[IO[bytes]], None]) -> None:
        write_atomic(path, write)  # on failure the state and parts stay: --resume joins them


def _reader_gone(stream: IO[bytes]) -> None:
    """Point a stream whose pipe reader has gone at /dev/null, so the interpreter's final
    flush does not fail again (Python docs, "Note on SIGPIPE")."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)


class Fetcher:
    """Runs the open units of a FetchState with a thread pool, writing part files and
    checkpointing each page in the sqlite state; then joins the parts into the output.

    The parts: ``ApiCaller`` (rate limit, throttling), ``Checkpoint`` (parts and state),
    ``FilterUnitRunner`` / ``InsightsUnitRunner`` (one unit each), ``run_units`` (the pool)
    and ``OutputJoiner`` (the output).
    """

    def __init__(
        self,
        clients: AwsClients,
        state: FetchState,
        output: Path | FetchOutput,
        *,
        parallel: int = DEFAULT_PARALLEL,
        page_size: int | None = None,
        rate_limiter: RateLimiter | None = None,
        progress: ProgressCallback | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_throttle_retries: int = 6,
        insights_timeout_s: float = 900.0,
        insights_poll_s: float = 1.0,
        insights_max_rows: int = INSIGHTS_MAX_ROWS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clients = clients
        self.state = state
        self.output = as_output(output)
        self.parallel = max(1, parallel)
        if state.mode == "insights":
            self.parallel = min(self.parallel, INSIGHTS_MAX_CONCURRENT)
        self.tally = Tally(progress)
        self.progress = self.tally.progress
        self._stop = threading.Event()
        self.checkpoint = Checkpoint(state, self.output.base, self.tally)
        self.state_file = self.checkpoint.state_file
        self.parts = self.checkpoint.parts
        call = ApiCaller(clients, rate_limiter or RateLimiter(FILTER_LOG_EVENTS_TPS),
                         self.tally, self._stop, sleep, max_throttle_retries)
        self.run_one: Callable[[Unit], list[Unit]]
        if state.mode == "insights":
            self.run_one = InsightsUnitRunner(
                state, call, self.checkpoint, self._stop, timeout_s=insights_timeout_s,
                poll_s=insights_poll_s, max_rows=min(insights_max_rows, INSIGHTS_MAX_ROWS),
                clock=clock, sleep=sleep)
        else:
            page = min(page_size, FILTER_PAGE_MAX) if page_size else None
            self.run_one = FilterUnitRunner(state, call, self.checkpoint, page, self._stop)

    def prepare(self) -> None:
        """Open the state and parts; for a resumed state, truncate the open parts."""
        self.checkpoint.open()

    def _commit(self, unit: Unit, events: list[dict[str, Any]], handle: Any,
                token: str | None, done: bool, dropped: int) -> None:
        self.checkpoint.commit(unit, events, handle, token, done, dropped)

    def run(self) -> FetchProgress:
        """Fetch every open unit. Raises the first error (after the other units stop) or
        FetchInterrupted on Ctrl-C; the state on disk stays resumable in both cases."""
        self.prepare()
        self.tally.report()
        try:
            error = run_units(self.state.open_units(), self.run_one, self.parallel, self._stop)
        except KeyboardInterrupt:
            self.checkpoint.close()
            raise FetchInterrupted(
                f"interrupted after {self.progress.events} events; "
                "run the same command with --resume to continue"
            ) from None
        if error is not None:
            self.checkpoint.close()
            if isinstance(error, LamlifeError):
                raise error
            if isinstance(error, sqlite3.Error):
                raise state_error(error, self.output) from None
            if isinstance(error, OSError):  # botocore wraps socket errors in its own types
                raise file_error(error, self.output.path) from None
            raise aws_error(
                error, action="fetch", region=self.clients.region, secrets=self.clients.secrets
            )
        return self.progress

    def finalize(self, stream: IO[bytes] | None = None) -> list[Path]:
        """Join headers and parts into the output, then drop parts and state."""
        try:
            written = OutputJoiner(self.state, self.checkpoint, self.output).join(stream)
        finally:
            self.checkpoint.close()
        self.checkpoint.remove()
        self.progress.finished = True
        self.tally.report()
        return written


def state_error(exc: sqlite3.Error, output: FetchOutput | Path) -> InputError:
    """One line for a failure of the sqlite state: the output, the state file, the reason."""
    out = as_output(output)
    return InputError(f"cannot write {out}: {state_path(out.base)}: {exc}")


def _read_part(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("r", encoding="utf-8") as handle:
        for line in handle:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                yield obj


# ---------------------------------------------------------------------------------------------
# The whole fetch
# ---------------------------------------------------------------------------------------------


@dataclass
class FetchRequest:
    """What the user asked for (the CLI fills it from its options).

    ``functions`` names them; or ``all_functions`` / ``prefix`` select them from a ListFunctions
    listing of the Region (functions without a log group are then skipped with a warning,
    where a named function without one is an error).
    """

    functions: list[str]
    log_groups: list[str]  # empty, or one per function
    window: Window
    mode: str = "filter"  # "filter" | "insights"
    chunk_s: float | None = None
    read_config: bool = True
    all_functions: bool = False
    prefix: str | None = None
    insights_batch: int = INSIGHTS_BATCH

    @property
    def selection(self) -> str:
        if self.all_functions:
            return "all"
        return f"prefix:{self.prefix}" if self.prefix is not None else ""


def _check_request(request: FetchRequest) -> None:
    selecting = request.all_functions or request.prefix is not None
    if request.all_functions and request.prefix is not None:
        raise InputError("give either --all or --prefix, not both")
    if selecting and request.functions:
        raise InputError("give --function, or --all / --prefix to select functions, not both")
    if selecting and request.log_groups:
        raise InputError("--log-group goes with --function (one per function)")
    if request.prefix is not None and not request.prefix.strip():
        raise InputError("--prefix needs the start of a function name")
    if not selecting and not request.functions:
        raise InputError("give at least one --function (or --all, or --prefix NAME)")
    if len({function_name(f) for f in request.functions}) != len(request.functions):
        raise InputError("a function is named twice in --function")
    if request.log_groups and len(request.log_groups) != len(request.functions):
        raise InputError(
            "give one --log-group per --function (in the same order), or none to use each "
            "function's own log group"
        )
    if request.mode not in ("filter", "insights"):
        raise InputError(f"unknown fetch mode {request.mode!r}")


def _named_functions(request: FetchRequest, clients: AwsClients
                     ) -> tuple[list[str], list[dict[str, Any]], list[str], list[str]]:
    """Functions named with --function: names, configurations, log groups, warnings."""
    warnings: list[str] = []
    configs: list[dict[str, Any]] = []
    groups_of: list[str] = []
    for index, fn in enumerate(request.functions):
        if request.read_config:
            config, notes = read_function_configuration(clients, fn)
            warnings.extend(notes)
        else:
            config = {}
        configs.append(config)
        if request.log_groups:
            groups_of.append(request.log_groups[index])
        else:
            groups_of.append(config.get("log_group") or default_log_group(function_name(fn)))
    for group in dict.fromkeys(groups_of):
        check_log_group(clients, group, request.window)
    return [function_name(f) for f in request.functions], configs, groups_of, warnings


def _selected_functions(request: FetchRequest, clients: AwsClients
                        ) -> tuple[list[str], list[dict[str, Any]], list[str], list[str]]:
    """Functions selected by --all / --prefix: those with a log group, and a warning naming
    the ones without (never invoked, or logging elsewhere)."""
    limiter = RateLimiter(LAMBDA_CONTROL_TPS)
    listed = list_functions(clients, request.prefix, limiter)
    where = f"whose name starts with {request.prefix!r} " if request.prefix is not None else ""
    if not listed:
        raise InputError(f"no function {where}in {clients.region}")
    configs, warnings = discovered_configurations(clients, listed, request.read_config, limiter)
    if not request.read_config:
        configs = [{} for _ in listed]
    names = [str(c["FunctionName"]) for c in listed]
    groups_of = [str(configuration_from_api(raw, None)["log_group"]) for raw in listed]
    logs_limiter = RateLimiter(FILTER_LOG_EVENTS_TPS)
    existing = existing_log_groups(clients, default_log_group(request.prefix or ""), logs_limiter)
    for group in dict.fromkeys(g for g in groups_of if g not in existing):
        if not group.startswith(default_log_group("")):  # a custom group: look it up
            existing |= existing_log_groups(clients, group, logs_limiter) & {group}
    keep = [i for i, g in enumerate(groups_of) if g in existing]
    missing = [names[i] for i in range(len(names)) if i not in set(keep)]
    if not keep:
        raise InputError(f"no function {where}in {clients.region} has a log group "
                         f"({len(names)} found, none has logged yet)")
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more"
                                           if len(missing) > 5 else "")
        warnings.append(f"{len(missing)} function(s) without a log group skipped (never "
                        f"invoked, or logging elsewhere): {shown}")
    return ([names[i] for i in keep], [configs[i] for i in keep], [groups_of[i] for i in keep],
            warnings)


def plan_fetch(
    request: FetchRequest, clients: AwsClients
) -> FetchState:
    """Choose the functions, read their configurations, decide the log groups, check they
    exist and plan the units.

    Units: every log group over time pieces of ``chunk_s`` (default 1 h for one log group,
    the whole window for several, where the log groups already give the parallelism); in
    Insights mode, batches of up to ``insights_batch`` log groups per query.
    """
    _check_request(request)
    if request.all_functions or request.prefix is not None:
        names, configs, groups_of, warnings = _selected_functions(request, clients)
    else:
        names, configs, groups_of, warnings = _named_functions(request, clients)
    log_groups = list(dict.fromkeys(groups_of))
    source = "logs_insights" if request.mode == "insights" else "filter_log_events"
    headers = [
        fetch_header(name, groups_of[i], clients.region, request.window, configs[i], source)
        for i, name in enumerate(names)
    ]
    window_s = (request.window.end_ms - request.window.start_ms) / 1000
    chunk_s = request.chunk_s or (
        DEFAULT_CHUNK_S[request.mode] if len(log_groups) == 1 else max(
            DEFAULT_CHUNK_S[request.mode], window_s))
    align = 1000 if request.mode == "insights" else 1
    batches = None
    if request.mode == "insights":
        batches = batch_groups(len(log_groups), min(request.insights_batch,
                                                    INSIGHTS_MAX_LOG_GROUPS))
    units = plan_units(len(log_groups), request.window, int(chunk_s * 1000), align, batches)
    return FetchState(
        functions=names,
        log_groups=log_groups,
        function_groups=[log_groups.index(g) for g in groups_of],
        window=request.window,
        mode=request.mode,
        region=clients.region,
        headers=headers,
        units=units,
        filter_pattern=platform_filter_pattern() if request.mode == "filter" else "",
        warnings=warnings,
        selection=request.selection,
    )


def check_log_group(clients: AwsClients, group: str, window: Window) -> None:
    """Fail early, with the group's name, when it does not exist or cannot be read."""
    import botocore.exceptions as bex

    try:
        clients.logs.filter_log_events(
            logGroupName=group, startTime=window.start_ms, endTime=window.start_ms, limit=1
        )
    except (bex.ClientError, bex.BotoCoreError) as exc:
        raise aws_error(
            exc, action="logs:FilterLogEvents", subject=f"log group {group}",
            region=clients.region, secrets=clients.secrets,
        ) from None


def output_for(path: str | Path | None, *, several: bool = False) -> FetchOutput | None:
    """The output an ``--output`` value names: ``-`` is stdout, an existing folder or a path
    ending in ``/`` is a folder (one file per function), anything else one combined file."""
    if path is None:
        return None
    text = os.fspath(path)
    if text == "-":
        return FetchOutput("stdout", Path(tempfile.gettempdir()))
    if text.endswith(("/", os.sep)) or Path(text).is_dir():
        return FetchOutput("dir", Path(text))
    return FetchOutput("file", Path(text))


def open_output(output: Path | FetchOutput, *, resume: bool, force: bool
                ) -> FetchState | None:
    """The saved state of OUTPUT when resuming; None for a fresh fetch.

    A fresh fetch refuses to overwrite a finished output or to discard an unfinished one
    unless ``force`` is set, in which case the old output, parts and state are removed. A
    folder output is checked for existing function files by ``check_folder_free`` once the
    functions are known.
    """
    out = as_output(output)
    if out.kind == "stdout":
        if resume:
            raise InputError("--resume needs --output FILE or DIR (a fetch to stdout is not "
                             "kept)")
        return None
    state_file = state_path(out.base)
    if resume:
        if state_file.exists():
            return load_state(state_file)
        if out.kind == "file" and out.path.exists():
            raise InputError(f"{out} is already complete: nothing to resume")
        raise InputError(f"no unfinished fetch to resume at {out}")
    check_output_folder(out.base)
    if not force:
        if state_file.exists():
            raise InputError(
                f"an unfinished fetch of {out} exists: pass --resume to continue it "
                "or --force to start over"
            )
        if out.kind == "file" and out.path.exists():
            raise InputError(f"{out} exists: pass --force to overwrite it")
        return None
    parts = parts_dir(out.base)
    try:
        if parts.is_dir():
            for path in parts.glob("*.jsonl"):
                path.unlink()
        for suffix in ("", "-wal", "-shm"):
            state_file.with_name(state_file.name + suffix).unlink(missing_ok=True)
    except OSError as exc:
        raise file_error(exc, out.path) from None
    return None


def check_folder_free(output: FetchOutput, functions: list[str], force: bool) -> None:
    """A folder output must not already hold the file of a function unless ``force``."""
    if output.kind != "dir" or force:
        return
    taken = [function_file(output.path, f) for f in functions
             if function_file(output.path, f).exists()]
    if taken:
        more = f" and {len(taken) - 1} more" if len(taken) > 1 else ""
        raise InputError(f"{taken[0]}{more} exist(s): pass --force to overwrite")


def check_resume_matches(
    state: FetchState, functions: list[str], region: str | None = None, selection: str = "",
) -> None:
    """A resumed state must be for the functions (or the selection) and Region named on the
    command line."""
    names = sorted(function_name(f) for f in functions)
    if names and names != sorted(state.functions):
        raise InputError(
            "the unfinished fetch is for "
            + ", ".join(state.functions)
            + ", not "
            + ", ".join(names)
        )
    if selection and selection != state.selection:
        stored = state.selection or "the functions " + ", ".join(state.functions)
        raise InputError(f"the unfinished fetch is for {stored}, not {selection}")
    if region and region != state.region:
        raise InputError(f"the unfinished fetch is for Region {state.region}, not {region}")


def run_fetch(
    state: FetchState, clients: AwsClients, output: Path | FetchOutput, *,
    resumed: bool = False, stream: IO[bytes] | None = None, **fetcher_options: Any,
) -> FetchResult:
    """Run (or continue) a planned fetch to completion and write the output (``stream`` for
    an stdout output, default ``sys.stdout.buffer``). A file-system failure (folder, parts,
    state, the joined file) is an InputError naming the path."""
    out = as_output(output)
    workdir: str | None = None
    if out.kind == "stdout":
        workdir = tempfile.mkdtemp(prefix="lamlife-fetch-")
        out = FetchOutput("stdout", Path(workdir))
    try:
        out.base.parent.mkdir(parents=True, exist_ok=True)
        fetcher = Fetcher(clients, state, out, **fetcher_options)
        progress = fetcher.run()
        written = fetcher.finalize(stream)
    except OSError as exc:
        raise file_error(exc, out.path) from None
    except sqlite3.Error as exc:
        raise state_error(exc, out) from None
    except FetchInterrupted:
        if workdir is not None:  # nothing is kept of a fetch to stdout
            raise FetchInterrupted("interrupted; a fetch to stdout starts over when run "
                                   "again (use --output FILE or DIR to be able to resume)"
                                   ) from None
        raise
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    return FetchResult(
        output=out.path if out.kind != "stdout" else Path("-"),
        progress=progress,
        functions=list(state.functions),
        log_groups=list(state.log_groups),
        window=state.window,
        warnings=list(state.warnings),
        resumed=resumed,
        files=written,
        kind=out.kind,
    )
