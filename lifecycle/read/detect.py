"""Format detection: the name of a file's format from its first bytes (see ``read_inputs``)."""

from __future__ import annotations

import base64
import csv
import json
import re
from typing import Any

from lamlife.lifecycle.read.arrivals import is_arrival_header
from lamlife.lifecycle.schema import INVOCATION_COLUMNS

_ISO_PREFIX = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?"
_TAIL_LINE = re.compile(r"(" + _ISO_PREFIX + r"[+-]\d\d:\d\d) (\S+) ?(.*)", re.S)
_SAM_LINE = re.compile(r"(\S+) (" + _ISO_PREFIX + r") ?(.*)", re.S)
# <time> <message>: ISO with T, or with a space as Logs Insights and the console show it
STAMPED_LINE = re.compile(
    r"(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)(?:[ \t]|$)(.*)", re.S)
_STREAM_LIKE = re.compile(r"\d{4}/\d\d/\d\d/|\[")
_INVOCATION_HEADER = ",".join(INVOCATION_COLUMNS[:5])
# platform lines as Lambda writes them, without any time or stream in front (the log tail of
# ``aws lambda invoke --log-type Tail``)
BARE_PLATFORM = ("START RequestId:", "END RequestId:", "REPORT RequestId:")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_BASE64_LINE = re.compile(r"^[A-Za-z0-9+/]{16,}={0,2}$")


# ------------------------------------------------------------------------- detection


def detect_format(head_text: str) -> str | None:
    """The format name of a file from its first bytes (decoded), or None when unknown.

    The first line decides for JSON and CSV shapes; a JSON-lines file whose first line is cut
    (a 4 KB log tail, a truncated export) or is plain text is still JSON lines when the lines
    after it are JSON objects. Line formats are told apart on the first 20 lines.
    """
    lines = [ln for ln in head_text.splitlines()[:50] if ln.strip()]
    if not lines:
        return "empty"
    first = lines[0].lstrip("\ufeff")
    stripped = first.lstrip()
    parsed = _json_line(stripped) if stripped.startswith(("{", "[")) else None
    if parsed is not None:
        obj = parsed[0]
        return "jsonl" if isinstance(obj, dict) and _is_jsonl_object(obj) else "json"
    if _json_lines_follow(lines[1:11]):
        return "jsonl"
    if stripped.startswith(("{", "[")):
        return "json"
    if _is_table(lines):
        return "table"
    if first.startswith(_INVOCATION_HEADER):
        return "lamlife-csv"
    header = [h.strip().strip('"').lower() for h in first.split(",")]
    if any(h.startswith("@") for h in header):
        return "insights-csv"
    if header[:2] == ["timestamp", "message"]:
        return "console-csv"
    for line in lines[:20]:
        if _TAIL_LINE.match(line) and _STREAM_LIKE.search(line.split(" ", 2)[1]):
            return "tail"
        if _SAM_LINE.match(line) and _STREAM_LIKE.search(line.split(" ", 1)[0]):
            return "sam"
    if _is_invoke_tail(lines):
        return "invoke-tail"
    for line in lines[:20]:
        if STAMPED_LINE.match(line):
            return "timestamped"
    if "," in first and is_arrival_header(next(csv.reader([first]))):
        return "arrival-csv"
    return None


def _json_line(text: str) -> tuple[Any] | None:
    """(value,) when ``text`` is one whole JSON value, else None (deep nesting included)."""
    try:
        return (json.loads(text),)
    except (ValueError, RecursionError):
        return None


def _json_lines_follow(lines: list[str]) -> bool:
    """True when most of these lines are JSON objects of the JSON-lines shapes."""
    if not lines:
        return False
    good = 0
    for line in lines:
        stripped = line.strip()
        if not stripped.startswith("{"):
            continue
        parsed = _json_line(stripped)
        if parsed is not None and isinstance(parsed[0], dict) and _is_jsonl_object(parsed[0]):
            good += 1
    return good > 0 and good * 2 >= len(lines)


def _is_table(lines: list[str]) -> bool:
    """A Markdown table or the console's text table: ``| ... |`` rows, maybe between rules."""
    rows = [ln for ln in lines[:20] if _TABLE_ROW.match(ln)]
    if len(rows) < 2:
        return False
    head = rows[0].lower()
    if "timestamp" in head or "message" in head:
        return True
    cell = rows[0].strip().strip("|").split("|")[0].strip()
    return bool(re.fullmatch(r"\d{12,16}(?:\.\d+)?", cell)) or bool(STAMPED_LINE.match(cell))


def _is_invoke_tail(lines: list[str]) -> bool:
    """Bare platform lines (no time in front) and no time alone on a line (a console paste puts
    the message on the line after its time): the log tail ``aws lambda invoke`` returns, as
    text or base64."""
    if all(_BASE64_LINE.match(ln.strip()) for ln in lines[:3]):
        return decoded_base64_tail(lines[0].strip()) is not None
    bare = any(ln.startswith(BARE_PLATFORM) for ln in lines)
    alone = any((m := STAMPED_LINE.match(ln)) is not None and not m.group(2).strip()
                for ln in lines)
    return bare and not alone


def decoded_base64_tail(text: str) -> str | None:
    """The log tail in a base64 ``LogResult``, or None when ``text`` is not one."""
    try:
        decoded = base64.b64decode(text, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    return decoded if "RequestId:" in decoded or '"platform.' in decoded else None


def _is_jsonl_object(obj: dict[str, Any]) -> bool:
    return ("message" in obj and "timestamp" in obj) or "lamlife_fetch" in obj or (
        isinstance(obj.get("type"), str) and "time" in obj) or (
        "events" in obj and len(obj) <= 4)
