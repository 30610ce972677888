"""Parse one log message (text platform line or JSON ``platform.*`` record) into a record tuple.

``parse_message`` is pure and total: it returns a record tuple, ``None`` for application output,
or ``MALFORMED`` for a line that looks like a platform line but cannot be read. It never raises.

Record tuples (first element is the kind):

- ``("start", request_id, version)``
- ``("end", request_id)``
- ``("report", request_id, duration, billed, memory, max_memory, init, restore,
  billed_restore, status, error_type)`` (floats are NaN when absent; status "" when absent)
- ``("init_start", runtime_version, init_type, phase, function_name, instance_id, region)``
  (``region`` from the Runtime Version ARN / ``runtimeVersionArn``, "" when absent)
- ``("init_report", duration, phase, status, error_type, init_type)``
- ``("restore_start", runtime_version, region)``
- ``("restore_report", duration, status, error_type)``
- ``("extension",)``: EXTENSION / TELEMETRY / LOGS lines, JSON extension records
- ``("status", request_id, status, error_type, killed, timeout_ms)``: "Task timed out",
  crash lines, JSON runtimeDone / fault; ``killed`` is true when the runtime process died
  (``signal: killed``, or the old ``Process exited before completing request``);
  ``timeout_ms`` is the N seconds of "Task timed out after N seconds" in ms (NaN otherwise)
- ``("other",)``: a platform record that changes nothing (lone XRAY line, logsDropped, ...)

Formats and their sources: docs/platform.md §2 (text) and §3 (JSON).

Copy artefacts are part of the grammar (docs/lifecycle.md, "Copy artefacts"): a RequestId is a
UUID (``8-4-4-4-12`` hex digits, time-based in very old logs), so a separator lost in a copy
(``...7a11Duration: 12 ms``, ``100 msMemory Size``) does not glue two fields into one; a tab
after ``RequestId:`` reads like a space; tabs expanded into runs of spaces read like tabs. A
line holding a literal backslash-t (``\\t``, an escaped fixture, not a log) is malformed, and no
RequestId ever contains a backslash.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from lamlife.lifecycle.read.timeparse import iso_to_ms

NAN = math.nan
MALFORMED: tuple[str] = ("malformed",)
Record = tuple[Any, ...]

# What Lambda can produce (docs/input-checks.md). A record with a number outside these ranges,
# or a time outside them, is malformed: counted, with an example, never analyzed or priced.
# - Durations: invoke and init phases are limited to 900 s (Lambda quotas: "Function timeout
#   900 seconds"; init of provisioned concurrency and SnapStart: max(130 s, timeout)); one day
#   leaves room for Lambda Managed Instances, which do not enforce the timeout.
# - Memory: CreateFunction's MemorySize is 128 to 32,768 MB (Lambda API reference).
# - Times: 1970-01-01 to 2261-12-31, inside the range of the nanosecond times the tables use
#   (to 2262-04-11, with room for durations added to a time); a time outside would wrap by
#   about 584 years.
MAX_DURATION_MS = 86_400_000.0
MIN_MEMORY_MB = 128.0
MAX_MEMORY_MB = 32_768.0
MIN_TIME_MS = 0.0
MAX_TIME_MS = 9_214_646_400_000.0  # 2262-01-01T00:00:00Z

_NUM = r"([0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)"

# Canonical REPORT layout (tabs, fields in the usual order). Anything else takes the
# general key/value scan below, so field order and separators never matter for correctness.
# A RequestId: a UUID when it starts like one (so a glued next field is not part of it), else
# any run of characters other than whitespace and backslashes.
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_RID = r"(" + _UUID + r"|[^\s\\]+(?=\s|$))"
_REPORT_FAST = re.compile(
    r"REPORT RequestId: ([^\s\\]+)\s+Duration: " + _NUM + r" ms\s+Billed Duration: " + _NUM
    + r" ms\s+Memory Size: " + _NUM + r" MB\s+Max Memory Used: " + _NUM + r" MB"
    r"(?:\s+Init Duration: " + _NUM + r" ms)?"
    r"(?:\s+Status: (\w+)(?:\s+Error Type: (\S+))?)?\s*(?:XRAY |$)"
)
_REPORT_FIELD = re.compile(
    r"(Billed Restore Duration|Restore Duration|Billed Duration|Init Duration|Max Memory Used"
    r"|Memory Size|Duration): *" + _NUM + r" *(?:ms|MB)(?![a-z])"
)
_REQUEST_ID = re.compile(r"RequestId:[ \t]*" + _RID)
_STATUS = re.compile(r"Status: *([A-Za-z_]+)")
_ERROR_TYPE = re.compile(r"Error Type: *([^\s]+)")
_PHASE = re.compile(r"Phase: *([A-Za-z]+)")
_INIT_DURATION = re.compile(r"Init Duration: *" + _NUM + r" *ms")
_RESTORE_DURATION = re.compile(r"Restore Duration: *" + _NUM + r" *ms")
_RUNTIME_VERSION = re.compile(r"Runtime Version: *([^\s]+)")
# The Region inside a runtime version ARN: arn:aws:lambda:af-south-1::runtime:<hash>
_ARN_REGION = re.compile(r"arn:aws[a-z-]*:lambda:([a-z0-9-]+):")
_START = re.compile(r"START RequestId:[ \t]*" + _RID + r"(?:\s*Version: *([^\s]+))?")
_END = re.compile(r"END RequestId:[ \t]*" + _RID)
_TIMEOUT = re.compile(r"(\S+)\s+Task timed out after ([0-9.]+) seconds")
_CRASH = re.compile(
    r"RequestId:[ \t]*" + _RID
    + r"[ \t]*(?:Error: (.*)|(Process exited before completing request))", re.S)
_ERROR_TYPE_LINE = re.compile(r"\n\s*([A-Za-z]+\.[A-Za-z]+)\s*$")

_FIELD_INDEX = {
    "Duration": 0,
    "Billed Duration": 1,
    "Memory Size": 2,
    "Max Memory Used": 3,
    "Init Duration": 4,
    "Restore Duration": 5,
    "Billed Restore Duration": 6,
}

_STATUS_WORDS = {"success": "success", "timeout": "timeout", "error": "error", "failure": "error"}


_REPORT_RANGES = (  # (tuple index, field, lowest, highest) of a "report" record
    (2, "Duration", 0.0, MAX_DURATION_MS),
    (3, "Billed Duration", 0.0, MAX_DURATION_MS),
    (4, "Memory Size", MIN_MEMORY_MB, MAX_MEMORY_MB),
    (5, "Max Memory Used", 0.0, MAX_MEMORY_MB),
    (6, "Init Duration", 0.0, MAX_DURATION_MS),
    (7, "Restore Duration", 0.0, MAX_DURATION_MS),
    (8, "Billed Restore Duration", 0.0, MAX_DURATION_MS),
)


def valid_time(ts_ms: float) -> bool:
    """True for an epoch-ms time inside [MIN_TIME_MS, MAX_TIME_MS] (False for NaN and inf)."""
    return MIN_TIME_MS <= ts_ms <= MAX_TIME_MS


def _outside(value: float, low: float, high: float) -> bool:
    return value == value and not low <= value <= high  # NaN: the field is absent


# The text fields of each record kind (index, name). Lambda writes none of them with a control
# character (RequestIds are UUIDs, versions "$LATEST" or a number, runtime versions such as
# "python:3.12.v40", error types such as "Runtime.ExitError"; docs/platform.md §2, §3), so a
# record holding one (a JSON "\u0000" in its version, say) is damaged: malformed, never a
# function version or runtime of its own.
_TEXT_FIELDS: dict[str, tuple[tuple[int, str], ...]] = {
    "start": ((1, "RequestId"), (2, "version")),
    "report": ((1, "RequestId"), (10, "error type")),
    "init_start": ((1, "runtime version"), (2, "initialization type"), (3, "phase"),
                   (4, "function name"), (5, "instance id")),
    "init_report": ((2, "phase"), (4, "error type"), (5, "initialization type")),
    "restore_start": ((1, "runtime version"),),
    "restore_report": ((3, "error type"),),
    "status": ((1, "RequestId"), (3, "error type")),
}
# C0 controls (tab too), DEL, C1 controls, line/paragraph separators, bidirectional controls
_CONTROL_CHAR = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def record_problem(rec: Record) -> str | None:
    """Why a parsed record holds a value Lambda cannot produce, or None when it holds none.

    Absent fields (NaN) are fine; a negative, infinite or too large value is not, nor is a
    text field (version, runtime version, RequestId, error type, ...) holding a control
    character."""
    kind = rec[0]
    for index, name in _TEXT_FIELDS.get(kind, ()):
        value = rec[index] if index < len(rec) else ""
        if isinstance(value, str) and not value.isprintable() and _CONTROL_CHAR.search(value):
            return f"{name} holds a control character"
    if kind == "report":
        for index, name, low, high in _REPORT_RANGES:
            if _outside(rec[index], low, high):
                return f"{name} {rec[index]:g} out of range"
    elif kind in ("init_report", "restore_report") and _outside(rec[1], 0.0, MAX_DURATION_MS):
        return f"duration {rec[1]:g} ms out of range"
    return None


def arn_region(text: str) -> str:
    """The Region of the first Lambda ARN in ``text`` (a runtime version ARN), "" if none."""
    if "arn:" not in text:
        return ""
    m = _ARN_REGION.search(text)
    return m.group(1) if m else ""


def normalize_status(value: str | None) -> str:
    """Map a logged status (text or JSON) to success / timeout / error; "" when absent."""
    if not value:
        return ""
    return _STATUS_WORDS.get(value.lower(), "error")


def parse_message(message: str) -> Record | None:
    """Classify and parse one log message. See the module docstring for the result shapes.

    Blanks before the message are a copy artefact (a tab after the time expanded into spaces
    by a terminal or an editor): they are skipped (docs/lifecycle.md, "Copy artefacts")."""
    if message[:1] in (" ", "\t"):
        message = message.lstrip(" \t")
    if not message:
        return None
    return _checked(_parse, message)


_ESCAPABLE = ("REPORT ", "START RequestId:", "END RequestId:", "INIT_", "RESTORE_", "RequestId:")


def _parse(message: str) -> Record | None:
    first = message[0]
    if "\\t" in message and first != "{" and message.startswith(_ESCAPABLE):
        return MALFORMED  # literal backslash-t: an escaped copy, not a log line
    if first == "R":
        if message.startswith("REPORT "):
            return _parse_report(message)
        if message.startswith("RESTORE_START"):
            m = _RUNTIME_VERSION.search(message)
            return ("restore_start", m.group(1) if m else "", arn_region(message))
        if message.startswith("RESTORE_REPORT"):
            return _parse_restore_report(message)
        if message.startswith("RequestId:"):
            return _parse_crash(message)
    elif first == "S":
        if message.startswith("START RequestId:"):
            m = _START.match(message)
            if m is None:
                return MALFORMED
            return ("start", m.group(1), m.group(2) or "")
    elif first == "E":
        if message.startswith("END RequestId:"):
            m = _END.match(message)
            return ("end", m.group(1)) if m else MALFORMED
        if message.startswith("EXTENSION") and _is_keyword_line(message, 9):
            return ("extension",)
    elif first == "I":
        if message.startswith("INIT_START"):
            m = _RUNTIME_VERSION.search(message)
            return ("init_start", m.group(1) if m else "", "", "init", "", "",
                    arn_region(message))
        if message.startswith("INIT_REPORT"):
            return _parse_init_report(message)
    elif first == "T":
        if message.startswith("TELEMETRY") and _is_keyword_line(message, 9):
            return ("extension",)
    elif first == "L":
        if message.startswith("LOGS") and _is_keyword_line(message, 4):
            return ("extension",)
    elif first == "X":
        if message.startswith("XRAY TraceId:"):
            return ("other",)
    elif first == "{":
        if '"platform.' in message:
            return _parse_json_record(message)
        return None
    if "Task timed out after" in message:
        m = _TIMEOUT.search(message)
        if m is None:
            return MALFORMED
        return ("status", m.group(1), "timeout", "", False, float(m.group(2)) * 1000.0)
    return None


def _is_keyword_line(message: str, n: int) -> bool:
    """EXTENSION/TELEMETRY/LOGS are platform lines only when followed by a tab or ' Name:'."""
    rest = message[n : n + 40]  # tabs may have been expanded into runs of spaces
    return rest.startswith("\t") or rest.lstrip(" \t").startswith("Name:")


def _num(text: str | None) -> float:
    return float(text) if text else NAN


def _parse_report(message: str) -> Record:
    m = _REPORT_FAST.match(message)
    if m is not None:
        rid, dur, billed, mem, maxmem, init, status, etype = m.groups()
        return (
            "report", rid, float(dur), float(billed), float(mem), float(maxmem), _num(init),
            NAN, NAN, normalize_status(status), etype or "",
        )
    rid_m = _REQUEST_ID.search(message)
    if rid_m is None:
        return MALFORMED
    values = [NAN] * 7
    body = message.split("XRAY TraceId", 1)[0]
    for key, number in _REPORT_FIELD.findall(body):
        values[_FIELD_INDEX[key]] = float(number)
    if math.isnan(values[0]):
        return MALFORMED
    status_m = _STATUS.search(body)
    etype_m = _ERROR_TYPE.search(body)
    return (
        "report", rid_m.group(1), *values,
        normalize_status(status_m.group(1) if status_m else None),
        etype_m.group(1) if etype_m else "",
    )


def _parse_init_report(message: str) -> Record:
    d = _INIT_DURATION.search(message)
    if d is None:
        return MALFORMED
    phase = _PHASE.search(message)
    status = _STATUS.search(message)
    etype = _ERROR_TYPE.search(message)
    return (
        "init_report", float(d.group(1)), phase.group(1).lower() if phase else "init",
        normalize_status(status.group(1) if status else "success"),
        etype.group(1) if etype else "", "",
    )


def _parse_restore_report(message: str) -> Record:
    d = _RESTORE_DURATION.search(message)
    status = _STATUS.search(message)
    etype = _ERROR_TYPE.search(message)
    return (
        "restore_report", float(d.group(1)) if d else NAN,
        normalize_status(status.group(1) if status else "success"),
        etype.group(1) if etype else "",
    )


def _parse_crash(message: str) -> Record:
    m = _CRASH.match(message)
    if m is None:
        return MALFORMED
    rid, error_text, exited = m.groups()
    if exited:  # old runtimes: the process died (an out-of-memory kill at the limit, §2.6)
        return ("status", rid, "error", "", True, NAN)
    etype_m = _ERROR_TYPE_LINE.search(error_text or "")
    etype = etype_m.group(1) if etype_m else ""
    killed = "signal: killed" in (error_text or "")
    return ("status", rid, "error", etype, killed, NAN)


# ---------------------------------------------------------------- JSON log format (§3)


def _parse_json_record(message: str) -> Record | None:
    try:
        obj = json.loads(message)
    except ValueError:
        return MALFORMED
    if not isinstance(obj, dict):
        return None
    return parse_json_platform(obj)


def json_record_time(obj: dict[str, Any]) -> float | None:
    """The ``time`` of a JSON platform record as epoch ms, or None."""
    t = obj.get("time")
    return iso_to_ms(t) if isinstance(t, str) else None


def parse_json_platform(obj: dict[str, Any]) -> Record | None:
    """Parse a decoded JSON log-format record ``{"time", "type", "record"}``: a record tuple,
    None for a non-platform record, MALFORMED for one that cannot be read or holds a number
    out of range (``record_problem``). Never raises."""
    return _checked(_parse_json_platform, obj)


def _checked(parse: Callable[[Any], Record | None], value: Any) -> Record | None:
    """``parse(value)``, or MALFORMED when it raises or gives a record with a number out of
    range (``record_problem``): the one rule of both text and JSON platform records."""
    try:
        rec = parse(value)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError,
            OverflowError):
        return MALFORMED
    if rec is not None and record_problem(rec) is not None:
        return MALFORMED
    return rec


def _parse_json_platform(obj: dict[str, Any]) -> Record | None:
    kind = obj.get("type")
    if not isinstance(kind, str) or not kind.startswith("platform."):
        return None
    rec = obj.get("record")
    name = kind[9:]
    if name in ("start", "report", "runtimeDone", "end") and not isinstance(rec, dict):
        # legacy Logs API string records ("RequestId: ... Process exited ...")
        if isinstance(rec, str) and name != "start":
            return _parse_crash(rec) if "RequestId" in rec else ("other",)
        return MALFORMED
    if not isinstance(rec, dict):
        if name == "fault" and isinstance(rec, str):
            return _parse_crash(rec) if rec.startswith("RequestId") else ("other",)
        return ("other",) if rec is None or isinstance(rec, str) else MALFORMED
    if name == "start":
        rid = rec.get("requestId")
        if not isinstance(rid, str):
            return MALFORMED
        return ("start", rid, str(rec.get("version") or ""))
    if name == "report":
        return _json_report(rec)
    if name == "runtimeDone":
        rid = rec.get("requestId")
        if not isinstance(rid, str):
            return MALFORMED
        status = normalize_status(_str(rec.get("status")))
        return ("status", rid, status or "success", _str(rec.get("errorType")), False, NAN)
    if name == "initStart":
        return (
            "init_start", _str(rec.get("runtimeVersion")), _str(rec.get("initializationType")),
            _str(rec.get("phase")) or "init", _str(rec.get("functionName")),
            _str(rec.get("instanceId")), arn_region(_str(rec.get("runtimeVersionArn"))),
        )
    if name == "initReport":
        metrics = _dict(rec.get("metrics"))
        return (
            "init_report", _float(metrics.get("durationMs")), _str(rec.get("phase")) or "init",
            normalize_status(_str(rec.get("status"))) or "success", _str(rec.get("errorType")),
            _str(rec.get("initializationType")),
        )
    if name == "restoreStart":
        return ("restore_start", _str(rec.get("runtimeVersion")),
                arn_region(_str(rec.get("runtimeVersionArn"))))
    if name == "restoreReport":
        metrics = _dict(rec.get("metrics"))
        return (
            "restore_report", _float(metrics.get("durationMs")),
            normalize_status(_str(rec.get("status"))) or "success", _str(rec.get("errorType")),
        )
    if name in ("extension", "telemetrySubscription", "logsSubscription"):
        return ("extension",)
    return ("other",)


def _json_report(rec: dict[str, Any]) -> Record:
    rid = rec.get("requestId")
    metrics = rec.get("metrics")
    if not isinstance(rid, str) or not isinstance(metrics, dict):
        return MALFORMED
    duration = _float(metrics.get("durationMs"))
    if math.isnan(duration):
        return MALFORMED
    return (
        "report", rid, duration, _float(metrics.get("billedDurationMs")),
        _float(metrics.get("memorySizeMB")), _float(metrics.get("maxMemoryUsedMB")),
        _float(metrics.get("initDurationMs")), _float(metrics.get("restoreDurationMs")),
        _float(metrics.get("billedRestoreDurationMs")),
        normalize_status(_str(rec.get("status"))), _str(rec.get("errorType")),
    )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _float(value: Any) -> float:
    """A JSON metric: NaN when absent (missing or null); a number, or a string holding one,
    as a float (infinite when too large: ``record_problem`` refuses it). Anything else is
    not a metric value: ValueError (the record is malformed)."""
    if value is None:
        return NAN
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"not a number: {value!r}")
    result = float(value)  # ValueError for a string that is no number; OverflowError for 1e400
    if result != result:
        raise ValueError("NaN is not a metric value")
    return result
