"""Fetch Lambda platform records from CloudWatch Logs into a ``lamlife fetch`` file.

The file is JSON lines: one header object per function (``"lamlife_fetch": 1`` with the
function's configuration), then one CloudWatch event per line
(``logGroupName, logStreamName, timestamp, message, eventId``). ``lamlife analyze`` reads it.

The module has two halves:

- pure planning over plain data: the time window, its split into units (one log group and a
  half-open time range each), the server-side filter pattern and Insights query, the
  client-side platform filter, the resume state, the header and event records, the mapping
  of boto errors to one clear line;
- the client calls (``connect``, ``read_function_configuration``, ``Fetcher``), which do the
  I/O and report progress through a callback. Nothing here prints.

Resume: the fetch writes each unit's events to ``OUTPUT.parts/<unit>.jsonl`` and records in
``OUTPUT.state.json`` which units are done and, for the others, the last ``nextToken`` and how
many bytes of the part file are committed. A resumed fetch truncates each part to its committed
size, continues from the token and skips eventIds it already wrote. Units cover disjoint time
ranges, so an event can only ever be fetched by one unit. When every unit is done the parts are
joined, in log group and time order, after the headers into OUTPUT, and the state is removed.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lamlife.lifecycle.errors import AwsAccessError, InputError, LamlifeError
from lamlife.lifecycle.read import timeparse

FETCH_FORMAT = 1
STATE_FORMAT = 1

# FilterLogEvents: 5 transactions per second per account and Region, not adjustable.
# Source: https://repost.aws/knowledge-center/cloudwatch-logs-throttling
FILTER_LOG_EVENTS_TPS = 5.0
# FilterLogEvents ``limit``: at most 10,000 events per page (CloudWatch Logs API reference).
FILTER_PAGE_MAX = 10_000
# Logs Insights returns at most 10,000 rows per query (docs CWL_QuerySyntax-Limit.html); up to
# 30 concurrent queries per account, queries time out after 60 minutes (StartQuery reference).
INSIGHTS_MAX_ROWS = 10_000
INSIGHTS_MAX_CONCURRENT = 30
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
        "fields @timestamp, @message, @logStream, @ptr\n"
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
    followed by ``ago``); None if not one. The grammar is ``timeparse.parse_duration``'s."""
    value = text.strip().lower()
    if value.endswith(" ago"):
        value = value[:-4]
    return timeparse.parse_duration(value)


def parse_time(text: str, now: datetime) -> datetime:
    """An instant from ISO 8601 (naive means UTC), ``now``, a relative ``2h`` (= 2 h before
    ``now``) or epoch seconds / milliseconds. Raises InputError otherwise."""
    value = text.strip()
    if value.lower() == "now":
        return now
    seconds = parse_duration(value)
    if seconds is not None:
        return now - timedelta(seconds=seconds)
    if re.fullmatch(r"\d{9,13}(?:\.\d+)?", value):
        number = float(value)
        return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, tz=UTC)
    iso = value.replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        raise InputError(
            f"cannot read time {text!r}: use ISO 8601 (2024-05-20T10:00:00Z), 'now' or a "
            "relative time such as 2h, 30m, 7d"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@dataclass(frozen=True)
class Window:
    """A half-open time range [start_ms, end_ms) in epoch milliseconds."""

    start_ms: int
    end_ms: int

    @property
    def start_iso(self) -> str:
        return ms_to_iso(self.start_ms)

    @property
    def end_iso(self) -> str:
        return ms_to_iso(self.end_ms)

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start_iso, "end": self.end_iso}


def to_ms(instant: datetime) -> int:
    return int(math.floor(instant.timestamp() * 1000))


def ms_to_iso(ms: int) -> str:
    instant = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


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


def function_name(identifier: str) -> str:
    """The plain function name from a name, ``name:qualifier``, or (partial) function ARN."""
    value = identifier.strip()
    if value.startswith("arn:"):
        parts = value.split(":")
        # arn:partition:lambda:region:account:function:name[:qualifier]
        return parts[6] if len(parts) > 6 else value
    parts = value.split(":")
    if len(parts) >= 3 and parts[1] == "function":  # account:function:name[:qualifier]
        return parts[2]
    return parts[0]


def default_log_group(name: str) -> str:
    """The default log group of a function (docs monitoring-cloudwatchlogs-loggroups.html)."""
    return f"/aws/lambda/{name}"


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
    return output.with_name(output.name + ".state.json")


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


# ---------------------------------------------------------------------------------------------
# Units of work and the resume state
# ---------------------------------------------------------------------------------------------


@dataclass
class Unit:
    """One log group over a half-open time range; the unit of parallelism and of resume."""

    group: int  # index into FetchState.log_groups
    start_ms: int
    end_ms: int
    status: str = "pending"  # pending | partial | done | split
    token: str | None = None  # nextToken to continue from (filter mode)
    bytes: int = 0  # committed bytes of the part file
    events: int = 0  # committed events
    truncated: bool = False  # Insights: more rows than one query returns, cannot split further

    @property
    def key(self) -> str:
        return f"{self.group:03d}-{self.start_ms}-{self.end_ms}"

    @property
    def part_name(self) -> str:
        return f"{self.key}.jsonl"


def plan_units(
    groups: int, window: Window, chunk_ms: int, align_ms: int = 1
) -> list[Unit]:
    """Split the window into adjacent units of at most ``chunk_ms`` for every log group.

    Inner boundaries are multiples of ``align_ms`` (1000 for Insights, whose times are seconds).
    """
    if chunk_ms <= 0:
        raise InputError("the chunk size must be positive")
    chunk_ms = max(chunk_ms, align_ms)
    bounds = [window.start_ms]
    cursor = window.start_ms
    while True:
        nxt = ((cursor + chunk_ms) // align_ms) * align_ms
        if nxt <= cursor:
            nxt = cursor + align_ms
        if nxt >= window.end_ms:
            break
        bounds.append(nxt)
        cursor = nxt
    bounds.append(window.end_ms)
    return [
        Unit(group=g, start_ms=a, end_ms=b)
        for g in range(groups)
        for a, b in zip(bounds[:-1], bounds[1:], strict=False)
    ]


def bisect_unit(unit: Unit, align_ms: int = 1000) -> tuple[Unit, Unit] | None:
    """Two halves of a unit at an aligned boundary, or None when it cannot be split further."""
    mid = ((unit.start_ms + unit.end_ms) // 2 // align_ms) * align_ms
    if mid <= unit.start_ms or mid >= unit.end_ms:
        return None
    return (
        Unit(group=unit.group, start_ms=unit.start_ms, end_ms=mid),
        Unit(group=unit.group, start_ms=mid, end_ms=unit.end_ms),
    )


def insights_seconds(unit: Unit) -> tuple[int, int]:
    """Insights start/end (epoch seconds) covering the unit; rows are clipped client-side."""
    return unit.start_ms // 1000, -(-unit.end_ms // 1000)


@dataclass
class FetchState:
    """Everything needed to resume a fetch; saved as OUTPUT.state.json."""

    functions: list[str]
    log_groups: list[str]  # unique, in order of first use
    function_groups: list[int]  # log group index of each function
    window: Window
    mode: str  # "filter" | "insights"
    region: str
    headers: list[dict[str, Any]]
    units: list[Unit]
    filter_pattern: str = ""
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lamlife_fetch_state": STATE_FORMAT,
            "functions": self.functions,
            "log_groups": self.log_groups,
            "function_groups": self.function_groups,
            "window": {"start_ms": self.window.start_ms, "end_ms": self.window.end_ms},
            "mode": self.mode,
            "region": self.region,
            "filter_pattern": self.filter_pattern,
            "headers": self.headers,
            "warnings": self.warnings,
            "units": [asdict(u) for u in self.units],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FetchState:
        if data.get("lamlife_fetch_state") != STATE_FORMAT:
            raise InputError("not a lamlife fetch state file (or from another version)")
        try:
            return cls(
                functions=list(data["functions"]),
                log_groups=list(data["log_groups"]),
                function_groups=[int(i) for i in data["function_groups"]],
                window=Window(int(data["window"]["start_ms"]), int(data["window"]["end_ms"])),
                mode=str(data["mode"]),
                region=str(data["region"]),
                headers=list(data["headers"]),
                units=[Unit(**u) for u in data["units"]],
                filter_pattern=str(data.get("filter_pattern", "")),
                warnings=list(data.get("warnings", [])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"damaged lamlife fetch state file ({exc})") from None

    def open_units(self) -> list[Unit]:
        return [u for u in self.units if u.status in ("pending", "partial")]

    def finished(self) -> bool:
        return not self.open_units()

    def ordered_done_units(self) -> list[Unit]:
        done = [u for u in self.units if u.status == "done"]
        return sorted(done, key=lambda u: (u.group, u.start_ms))

    def split(self, unit: Unit, halves: tuple[Unit, Unit]) -> None:
        unit.status = "split"
        unit.token = None
        self.units.extend(halves)


def save_state(path: Path, state: FetchState) -> None:
    """Write the state atomically (temporary file, then rename)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state.to_dict(), indent=1), encoding="utf-8")
    os.replace(tmp, path)


def load_state(path: Path) -> FetchState:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read fetch state {path}: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"cannot read fetch state {path}: not a JSON object")
    return FetchState.from_dict(data)


def find_resumable(directory: Path, functions: list[str]) -> list[Path]:
    """Outputs in ``directory`` with an unfinished state for exactly these functions."""
    found = []
    wanted = sorted(function_name(f) for f in functions)
    for path in sorted(directory.glob("*.state.json")):
        try:
            state = load_state(path)
        except InputError:
            continue
        if not wanted or sorted(state.functions) == wanted:
            found.append(path.with_name(path.name[: -len(".state.json")]))
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
    """One Insights result row as an output event, or None when it lacks a time or message."""
    fields = {cell.get("field"): cell.get("value", "") for cell in row}
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


def configuration_from_api(
    config: dict[str, Any],
    pc_configs: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """The header's ``configuration`` from GetFunctionConfiguration and the provisioned
    concurrency configs (None when they could not be listed)."""
    logging = config.get("LoggingConfig") or {}
    snap = config.get("SnapStart") or {}
    architectures = config.get("Architectures") or ["x86_64"]
    name = config.get("FunctionName", "")
    pcs = None
    pc_total = None
    if pc_configs is not None:
        pcs = [
            {
                "qualifier": str(c.get("FunctionArn", "")).rsplit(":", 1)[-1],
                "requested": c.get("RequestedProvisionedConcurrentExecutions"),
                "allocated": c.get("AllocatedProvisionedConcurrentExecutions"),
                "available": c.get("AvailableProvisionedConcurrentExecutions"),
                "status": c.get("Status"),
            }
            for c in pc_configs
        ]
        pc_total = sum(int(c["requested"] or 0) for c in pcs)
    return {
        "function_name": name,
        "function_arn": config.get("FunctionArn"),
        "version": config.get("Version"),
        "memory_mb": config.get("MemorySize"),
        "architecture": architectures[0],
        "runtime": config.get("Runtime"),  # None for container images
        "package_type": config.get("PackageType", "Zip"),
        "timeout_s": config.get("Timeout"),
        "ephemeral_storage_mb": (config.get("EphemeralStorage") or {}).get("Size"),
        # SnapStart applies to published versions only; $LATEST always reports Off.
        "snap_start": snap.get("ApplyOn") == "PublishedVersions",
        "provisioned_concurrency": pc_total,
        "provisioned_concurrency_configs": pcs,
        "log_format": logging.get("LogFormat", "Text"),
        "log_group": logging.get("LogGroup") or default_log_group(name),
        "system_log_level": logging.get("SystemLogLevel"),
        "application_log_level": logging.get("ApplicationLogLevel"),
        "last_modified": config.get("LastModified"),
        # Charges lamlife does not price, named in the report when in use (docs/billing.md).
        "tenant_isolation_mode": (config.get("TenancyConfig") or {}).get("TenantIsolationMode"),
        "durable": bool(config.get("DurableConfig")),
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
# Errors
# ---------------------------------------------------------------------------------------------

THROTTLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
        "RequestThrottledException",
        "LimitExceededException",  # StartQuery: too many concurrent Insights queries
        "ServiceUnavailableException",
    }
)
_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException"}
)
_BAD_CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "IncompleteSignature",
        "MissingAuthenticationToken",
    }
)
_KEY_ID = re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b")


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


class FetchInterrupted(LamlifeError):
    """The user interrupted the fetch; what was fetched is kept for ``--resume``."""

    exit_code = 130


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without any credential value and without anything shaped like an access key."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _KEY_ID.sub("***", text)


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str((response.get("Error") or {}).get("Code", ""))
    return ""


def is_throttle(exc: BaseException) -> bool:
    return error_code(exc) in THROTTLE_CODES


def aws_error(
    exc: BaseException, *, action: str, subject: str = "", region: str = "",
    secrets: Iterable[str] = (),
) -> LamlifeError:
    """One clear line for a boto failure. ``action`` is the API call (e.g.
    ``logs:FilterLogEvents``); ``subject`` what it was about (``log group /aws/lambda/x``)."""
    import botocore.exceptions as bex

    where = f" in {region}" if region else ""
    about = f" {subject}" if subject else ""
    if isinstance(exc, bex.NoRegionError):
        message = (
            "no AWS region: pass --region or set AWS_REGION / AWS_DEFAULT_REGION "
            "(or a region in your profile)"
        )
    elif isinstance(exc, bex.ProfileNotFound):
        message = f"AWS profile not found: {getattr(exc, 'kwargs', {}).get('profile', '')}"
    elif isinstance(exc, bex.NoCredentialsError | bex.PartialCredentialsError):
        message = (
            "no AWS credentials found: pass --profile, or set AWS_PROFILE or "
            "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY"
        )
    elif isinstance(exc, bex.CredentialRetrievalError | bex.TokenRetrievalError):
        message = "cannot obtain AWS credentials from the configured provider (see your profile)"
    elif isinstance(exc, bex.EndpointConnectionError | bex.ConnectTimeoutError):
        endpoint = getattr(exc, "kwargs", {}).get("endpoint_url", "")
        message = f"cannot reach the AWS endpoint {endpoint}"
    elif isinstance(exc, bex.ClientError):
        code = error_code(exc)
        detail = str((exc.response.get("Error") or {}).get("Message", "")).strip()
        detail = detail.splitlines()[0][:300] if detail else ""
        if code in _DENIED_CODES:
            message = (
                f"access denied: {action} on{about or ' the resource'}{where} "
                "(the IAM policy lamlife fetch needs is in docs/fetch.md)"
            )
        elif code in _BAD_CREDENTIAL_CODES:
            message = f"AWS rejected the credentials ({code}) calling {action}"
        elif code in ("ResourceNotFoundException", "ResourceNotFound", "404"):
            message = f"{subject or 'resource'} not found{where} ({action})"
        elif code in THROTTLE_CODES:
            message = (
                f"{action} kept being throttled after retries ({code}); "
                "try again later or with a smaller --parallel"
            )
        else:
            message = f"{action} failed{where}: {code or 'error'}" + (
                f": {detail}" if detail else ""
            )
    elif isinstance(exc, bex.BotoCoreError):
        message = f"{action} failed: {exc}"
    else:
        message = f"{action} failed: {type(exc).__name__}: {exc}"
    message = message.strip().splitlines()[0] if message.strip() else f"{action} failed"
    return AwsAccessError(redact(message, secrets))


# ---------------------------------------------------------------------------------------------
# Rate limiting and backoff
# ---------------------------------------------------------------------------------------------


class RateLimiter:
    """At most ``rate`` acquisitions per second, shared by threads (even spacing)."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = -math.inf

    def acquire(self) -> float:
        """Wait for a slot; returns the time waited."""
        if self.interval == 0.0:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return max(delay, 0.0)


def backoff_delay(
    attempt: int, base: float = 1.0, cap: float = 30.0, rand: Callable[[], float] = random.random
) -> float:
    """Full-jitter exponential backoff: uniform in [base*2^attempt/2, base*2^attempt], capped."""
    ceiling = min(cap, base * (2**attempt))
    return ceiling / 2 + rand() * ceiling / 2


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


# ---------------------------------------------------------------------------------------------
# Client side
# ---------------------------------------------------------------------------------------------


@dataclass
class AwsClients:
    logs: Any
    lambda_: Any
    region: str
    secrets: tuple[str, ...] = ()


def connect(
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    max_pool_connections: int = 10,
    max_attempts: int = 10,
) -> AwsClients:
    """Logs and Lambda clients with adaptive retries. Honours AWS_* variables and profiles
    the way boto3 does; fails with one line when region or credentials are missing."""
    import boto3
    import botocore.exceptions as bex
    from botocore.config import Config

    try:
        # AWS_REGION before AWS_DEFAULT_REGION, as the AWS CLI reads them (boto3 reads only
        # the second); --region wins over both.
        region = region or os.environ.get("AWS_REGION", "").strip() or None
        session = boto3.Session(profile_name=profile or None, region_name=region)
    except bex.ProfileNotFound as exc:
        raise aws_error(exc, action="session") from None
    if not session.region_name:
        raise aws_error(bex.NoRegionError(), action="session")
    try:
        credentials = session.get_credentials()
    except bex.BotoCoreError as exc:
        raise aws_error(exc, action="session") from None
    if credentials is None:
        raise aws_error(bex.NoCredentialsError(), action="session")
    frozen = credentials.get_frozen_credentials()
    secrets = tuple(s for s in (frozen.access_key, frozen.secret_key, frozen.token) if s)
    # Adaptive retries (client-side rate limiting plus backoff on throttling) unless the user
    # chose a retry mode or attempt count (AWS_RETRY_MODE / AWS_MAX_ATTEMPTS or the profile).
    try:
        profile_config = session._session.get_scoped_config()
    except bex.BotoCoreError:
        profile_config = {}
    mode = os.environ.get("AWS_RETRY_MODE") or profile_config.get("retry_mode") or "adaptive"
    if os.environ.get("AWS_MAX_ATTEMPTS") or profile_config.get("max_attempts"):
        retries = {"mode": mode}
    else:
        retries = {"mode": mode, "total_max_attempts": max_attempts}
    config = Config(
        retries=retries,  # type: ignore[arg-type]  # mode is a user string, checked by botocore
        max_pool_connections=max_pool_connections,
        user_agent_extra="lamlife-fetch",
    )
    kwargs: dict[str, Any] = {"config": config}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    try:
        logs = session.client("logs", **kwargs)
        lambda_ = session.client("lambda", **kwargs)
    except (bex.BotoCoreError, ValueError) as exc:
        raise aws_error(exc, action="client", secrets=secrets) from None
    return AwsClients(logs=logs, lambda_=lambda_, region=session.region_name, secrets=secrets)


def read_function_configuration(
    clients: AwsClients, function: str
) -> tuple[dict[str, Any], list[str]]:
    """The header configuration of a function and warnings (provisioned concurrency unknown)."""
    import botocore.exceptions as bex

    warnings: list[str] = []
    try:
        config = clients.lambda_.get_function_configuration(FunctionName=function)
    except (bex.ClientError, bex.BotoCoreError) as exc:
        raise aws_error(
            exc, action="lambda:GetFunctionConfiguration", subject=f"function {function}",
            region=clients.region, secrets=clients.secrets,
        ) from None
    pcs: list[dict[str, Any]] | None = []
    marker: str | None = None
    try:
        while True:
            kwargs: dict[str, Any] = {"FunctionName": function_name(function)}
            if marker:
                kwargs["Marker"] = marker
            page = clients.lambda_.list_provisioned_concurrency_configs(**kwargs)
            assert pcs is not None
            pcs.extend(page.get("ProvisionedConcurrencyConfigs") or [])
            marker = page.get("NextMarker")
            if not marker:
                break
    except (bex.ClientError, bex.BotoCoreError) as exc:
        pcs = None
        code = error_code(exc) or type(exc).__name__
        warnings.append(
            redact(
                f"cannot list provisioned concurrency of {function} ({code}); "
                "recorded as unknown",
                clients.secrets,
            )
        )
    return configuration_from_api(config, pcs), warnings


ProgressCallback = Callable[[FetchProgress], None]


class Fetcher:
    """Runs the open units of a FetchState with a thread pool, writing part files and saving
    the state after every page; then joins the parts into the output."""

    def __init__(
        self,
        clients: AwsClients,
        state: FetchState,
        output: Path,
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
        self.output = output
        self.parallel = max(1, parallel)
        if state.mode == "insights":
            self.parallel = min(self.parallel, INSIGHTS_MAX_CONCURRENT)
        self.page_size = min(page_size, FILTER_PAGE_MAX) if page_size else None
        self.limiter = rate_limiter or RateLimiter(FILTER_LOG_EVENTS_TPS)
        self.callback = progress
        self.sleep = sleep
        self.max_throttle_retries = max_throttle_retries
        self.insights_timeout_s = insights_timeout_s
        self.insights_poll_s = insights_poll_s
        self.insights_max_rows = min(insights_max_rows, INSIGHTS_MAX_ROWS)
        self.clock = clock
        self.progress = FetchProgress()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._streams: set[tuple[int, str]] = set()
        self._seen: dict[str, set[str]] = {}  # unit key -> eventIds written (open units only)
        self.state_file = state_path(output)
        self.parts = parts_dir(output)

    # -- bookkeeping ---------------------------------------------------------------------------

    def _report(self) -> None:
        if self.callback is not None:
            self.callback(self.progress)

    def _save(self) -> None:
        save_state(self.state_file, self.state)

    def prepare(self) -> None:
        """Create the parts directory; for a resumed state, truncate every open part to its
        committed size and rebuild counters, streams and the eventIds already written."""
        self.parts.mkdir(parents=True, exist_ok=True)
        for unit in self.state.units:
            if unit.status == "split":
                continue
            path = self.parts / unit.part_name
            if unit.status == "pending":
                unit.bytes = unit.events = 0
                if path.exists():
                    path.unlink()
                continue
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
                self._streams.add((unit.group, event.get("logStreamName", "")))
                if seen is not None:
                    seen.add(str(event.get("eventId", "")))
            self.progress.events += unit.events
            self.progress.bytes += unit.bytes
        self.progress.streams = len(self._streams)
        self.progress.units_total = sum(1 for u in self.state.units if u.status != "split")
        self.progress.units_done = sum(1 for u in self.state.units if u.status == "done")
        self._save()

    def _commit(
        self, unit: Unit, events: list[dict[str, Any]], handle: Any, token: str | None,
        done: bool, dropped: int,
    ) -> None:
        """Write a page's events to the unit's part and record the new committed state."""
        seen = self._seen.setdefault(unit.key, set())
        lines = []
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
            lines.append(dumps_line(event))
        data = "".join(lines).encode("utf-8")
        if data:
            handle.write(data)
            handle.flush()
        with self._lock:
            unit.bytes += len(data)
            unit.events += len(fresh)
            unit.token = None if done else token
            if done:
                unit.status = "done"
                self._seen.pop(unit.key, None)
                self.progress.units_done += 1
            else:
                unit.status = "partial"
            for event in fresh:
                self._streams.add((unit.group, event["logStreamName"]))
            self.progress.events += len(fresh)
            self.progress.bytes += len(data)
            self.progress.streams = len(self._streams)
            self.progress.dropped += dropped
            self.progress.duplicates += duplicates
            self.progress.pages += 1
            self._save()
            self._report()

    def _call(self, method: Callable[..., dict[str, Any]], action: str, subject: str,
              **kwargs: Any) -> dict[str, Any]:
        """One rate-limited API call; throttling that outlived boto's retries is retried here."""
        import botocore.exceptions as bex

        attempt = 0
        while True:
            self.limiter.acquire()
            try:
                response = method(**kwargs)
            except bex.ClientError as exc:
                retry = attempt < self.max_throttle_retries and not self._stop.is_set()
                if retry and is_throttle(exc):
                    with self._lock:
                        self.progress.throttled += 1
                    self.sleep(backoff_delay(attempt))
                    attempt += 1
                    continue
                raise aws_error(
                    exc, action=action, subject=subject, region=self.clients.region,
                    secrets=self.clients.secrets,
                ) from None
            except bex.BotoCoreError as exc:
                raise aws_error(
                    exc, action=action, subject=subject, region=self.clients.region,
                    secrets=self.clients.secrets,
                ) from None
            # botocore's own retries (throttling, transient errors) for this response
            retried = int((response.get("ResponseMetadata") or {}).get("RetryAttempts") or 0)
            if retried:
                with self._lock:
                    self.progress.retried += retried
            return response

    def _page(self, check: Callable[[dict[str, Any]], str | None], unit: Unit,
              method: Callable[..., dict[str, Any]], action: str, subject: str,
              **kwargs: Any) -> dict[str, Any]:
        """``_call``, and a check that the answer is the API's: an HTTP 200 whose body is not
        (``{}``, a proxy's HTML page, a truncated body) is asked again with backoff, then an
        AwsAccessError naming the window. Nothing of such a page is written or marked done,
        so ``--resume`` continues from the last good page."""
        from botocore.parsers import ResponseParserError

        attempt = 0
        while True:
            try:
                page = self._call(method, action, subject, **kwargs)
                problem = check(page)
            except (ResponseParserError, ValueError, TypeError, AttributeError, KeyError) as exc:
                # botocore could not shape the body into the API's answer
                problem = f"an answer botocore cannot parse: {type(exc).__name__}"
            if problem is None:
                return page
            if attempt >= self.max_throttle_retries or self._stop.is_set():
                raise AwsAccessError(
                    f"{action} on {subject} answered {attempt + 1} time(s) with something that "
                    f"is not the API's answer ({problem}) for {ms_to_iso(unit.start_ms)} to "
                    f"{ms_to_iso(unit.end_ms)}; that window is not complete: check any proxy "
                    "between here and AWS, then run the same command with --resume"
                )
            with self._lock:
                self.progress.invalid_pages += 1
            self.sleep(backoff_delay(attempt))
            attempt += 1

    # -- filter mode ---------------------------------------------------------------------------

    def _run_filter_unit(self, unit: Unit) -> list[Unit]:
        group = self.state.log_groups[unit.group]
        path = self.parts / unit.part_name
        token = unit.token
        with path.open("ab") as handle:
            while not self._stop.is_set():
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
                page = self._page(
                    filter_page_problem, unit, self.clients.logs.filter_log_events,
                    "logs:FilterLogEvents", f"log group {group}", **kwargs,
                )
                kept = []
                dropped = 0
                for raw in page.get("events") or []:
                    if not is_platform_message(raw.get("message", "")):
                        dropped += 1
                        continue
                    if not unit.start_ms <= int(raw["timestamp"]) < unit.end_ms:
                        continue
                    kept.append(event_record(group, raw))
                token = page.get("nextToken")
                self._commit(unit, kept, handle, token, done=not token, dropped=dropped)
                if not token:
                    break
        return []

    # -- insights mode -------------------------------------------------------------------------

    def _run_insights_unit(self, unit: Unit) -> list[Unit]:
        group = self.state.log_groups[unit.group]
        subject = f"log group {group}"
        start_s, end_s = insights_seconds(unit)
        started = self._page(
            _start_query_problem, unit, self.clients.logs.start_query, "logs:StartQuery", subject,
            logGroupName=group, startTime=start_s, endTime=end_s,
            queryString=insights_query(self.insights_max_rows), limit=self.insights_max_rows,
        )
        query_id = started["queryId"]
        deadline = self.clock() + self.insights_timeout_s
        while True:
            if self._stop.is_set():
                self._stop_query(query_id)
                return []
            result = self._page(
                query_results_problem, unit, self.clients.logs.get_query_results,
                "logs:GetQueryResults", subject, queryId=query_id,
            )
            status = result.get("status")
            if status == "Complete":
                break
            if status in ("Failed", "Cancelled", "Timeout", "Unknown"):
                raise AwsAccessError(
                    f"Logs Insights query on {group} ended with status {status} "
                    f"({ms_to_iso(unit.start_ms)} to {ms_to_iso(unit.end_ms)})"
                )
            if self.clock() >= deadline:
                self._stop_query(query_id)
                raise AwsAccessError(
                    f"Logs Insights query on {group} did not finish within "
                    f"{self.insights_timeout_s:g} s; use a smaller --chunk or --insights-timeout"
                )
            self.sleep(self.insights_poll_s)
        rows = result.get("results") or []
        if len(rows) >= self.insights_max_rows:
            halves = bisect_unit(unit)
            if halves is not None:
                with self._lock:
                    self.state.split(unit, halves)
                    self.progress.units_total += 1
                    self._save()
                return list(halves)
            unit.truncated = True
            with self._lock:
                self.progress.truncated_units += 1
                self.state.warnings.append(
                    f"{group}: more than {self.insights_max_rows} records in the second at "
                    f"{ms_to_iso(unit.start_ms)}; some were not fetched"
                )
        kept = []
        dropped = 0
        for row in rows:
            event = insights_row_to_event(row, group)
            if event is None:
                continue
            if not is_platform_message(event["message"]):
                dropped += 1
                continue
            if not unit.start_ms <= event["timestamp"] < unit.end_ms:
                continue
            kept.append(event)
        path = self.parts / unit.part_name
        with path.open("ab") as handle:
            self._commit(unit, kept, handle, None, done=True, dropped=dropped)
        return []

    def _stop_query(self, query_id: str) -> None:
        # Best effort: an abandoned query times out on its own.
        with contextlib.suppress(Exception):
            self.clients.logs.stop_query(queryId=query_id)

    # -- driver --------------------------------------------------------------------------------

    def _run_unit(self, unit: Unit) -> list[Unit]:
        if self.state.mode == "insights":
            return self._run_insights_unit(unit)
        return self._run_filter_unit(unit)

    def run(self) -> FetchProgress:
        """Fetch every open unit. Raises the first error (after the other units stop) or
        FetchInterrupted on Ctrl-C; the state on disk stays resumable in both cases."""
        self.prepare()
        self._report()
        queue = list(self.state.open_units())
        queue.sort(key=lambda u: (u.start_ms, u.group))
        pool = ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="lamlife-fetch")
        running: dict[Future[list[Unit]], Unit] = {}
        error: BaseException | None = None
        try:
            while queue or running:
                while queue and len(running) < self.parallel and error is None:
                    unit = queue.pop(0)
                    running[pool.submit(self._run_unit, unit)] = unit
                if not running:
                    break
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in done:
                    running.pop(future)
                    exc = future.exception()
                    if exc is not None:
                        if error is None:
                            error = exc
                            self._stop.set()
                        continue
                    queue.extend(future.result())
                if error is not None:
                    queue.clear()
        except KeyboardInterrupt:
            self._stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            with self._lock:
                self._save()
            raise FetchInterrupted(
                f"interrupted after {self.progress.events} events; "
                "run the same command with --resume to continue"
            ) from None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            self._save()
        if error is not None:
            if isinstance(error, LamlifeError):
                raise error
            if isinstance(error, OSError):  # botocore wraps socket errors in its own types
                raise file_error(error, self.output) from None
            raise aws_error(
                error, action="fetch", region=self.clients.region, secrets=self.clients.secrets
            )
        return self.progress

    def finalize(self) -> None:
        """Join headers and parts into the output (atomically), then drop parts and state."""
        tmp = self.output.with_name(self.output.name + ".tmp")
        try:
            with tmp.open("wb") as out:
                for header in self.state.headers:
                    out.write(dumps_line(header).encode("utf-8"))
                for unit in self.state.ordered_done_units():
                    path = self.parts / unit.part_name
                    if not path.exists():
                        continue
                    with path.open("rb") as part:
                        remaining = unit.bytes
                        while remaining > 0:
                            chunk = part.read(min(remaining, 1 << 20))
                            if not chunk:
                                break
                            out.write(chunk)
                            remaining -= len(chunk)
            os.replace(tmp, self.output)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise  # the state and parts stay: --resume joins them again
        for unit in self.state.units:
            (self.parts / unit.part_name).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.parts.rmdir()
        self.state_file.unlink(missing_ok=True)
        self.progress.finished = True
        self._report()


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
    """What the user asked for (the CLI fills it from its options)."""

    functions: list[str]
    log_groups: list[str]  # empty, or one per function
    window: Window
    mode: str = "filter"  # "filter" | "insights"
    chunk_s: float | None = None
    read_config: bool = True


def plan_fetch(
    request: FetchRequest, clients: AwsClients
) -> FetchState:
    """Read configurations, decide the log groups, check they exist and plan the units."""
    if not request.functions:
        raise InputError("give at least one --function")
    if len({function_name(f) for f in request.functions}) != len(request.functions):
        raise InputError("a function is named twice in --function")
    if request.log_groups and len(request.log_groups) != len(request.functions):
        raise InputError(
            "give one --log-group per --function (in the same order), or none to use each "
            "function's own log group"
        )
    if request.mode not in ("filter", "insights"):
        raise InputError(f"unknown fetch mode {request.mode!r}")
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
    log_groups: list[str] = []
    for group in groups_of:
        if group not in log_groups:
            log_groups.append(group)
    for group in log_groups:
        check_log_group(clients, group, request.window)
    source = "logs_insights" if request.mode == "insights" else "filter_log_events"
    headers = [
        fetch_header(
            function_name(fn), groups_of[i], clients.region, request.window, configs[i], source
        )
        for i, fn in enumerate(request.functions)
    ]
    chunk_s = request.chunk_s or DEFAULT_CHUNK_S[request.mode]
    align = 1000 if request.mode == "insights" else 1
    units = plan_units(len(log_groups), request.window, int(chunk_s * 1000), align)
    return FetchState(
        functions=[function_name(f) for f in request.functions],
        log_groups=log_groups,
        function_groups=[log_groups.index(g) for g in groups_of],
        window=request.window,
        mode=request.mode,
        region=clients.region,
        headers=headers,
        units=units,
        filter_pattern=platform_filter_pattern() if request.mode == "filter" else "",
        warnings=warnings,
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


def open_output(output: Path, *, resume: bool, force: bool) -> FetchState | None:
    """The saved state of OUTPUT when resuming; None for a fresh fetch.

    A fresh fetch refuses to overwrite a finished output or to discard an unfinished one
    unless ``force`` is set, in which case the old output, parts and state are removed.
    """
    state_file = state_path(output)
    if resume:
        if state_file.exists():
            return load_state(state_file)
        if output.exists():
            raise InputError(f"{output} is already complete: nothing to resume")
        raise InputError(f"no unfinished fetch to resume at {output}")
    check_output_folder(output)
    if not force:
        if state_file.exists():
            raise InputError(
                f"an unfinished fetch of {output} exists: pass --resume to continue it "
                "or --force to start over"
            )
        if output.exists():
            raise InputError(f"{output} exists: pass --force to overwrite it")
        return None
    parts = parts_dir(output)
    try:
        if parts.is_dir():
            for path in parts.glob("*.jsonl"):
                path.unlink()
        state_file.unlink(missing_ok=True)
    except OSError as exc:
        raise file_error(exc, output) from None
    return None


def check_resume_matches(
    state: FetchState, functions: list[str], region: str | None = None
) -> None:
    """A resumed state must be for the functions (and Region) named on the command line."""
    names = sorted(function_name(f) for f in functions)
    if names and names != sorted(state.functions):
        raise InputError(
            "the unfinished fetch is for "
            + ", ".join(state.functions)
            + ", not "
            + ", ".join(names)
        )
    if region and region != state.region:
        raise InputError(f"the unfinished fetch is for Region {state.region}, not {region}")


def run_fetch(
    state: FetchState, clients: AwsClients, output: Path, *, resumed: bool = False,
    **fetcher_options: Any,
) -> FetchResult:
    """Run (or continue) a planned fetch to completion and write OUTPUT. A file-system
    failure (folder, parts, state, the joined file) is an InputError naming the path."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fetcher = Fetcher(clients, state, output, **fetcher_options)
        progress = fetcher.run()
        fetcher.finalize()
    except OSError as exc:
        raise file_error(exc, output) from None
    return FetchResult(
        output=output,
        progress=progress,
        functions=list(state.functions),
        log_groups=list(state.log_groups),
        window=state.window,
        warnings=list(state.warnings),
        resumed=resumed,
    )
