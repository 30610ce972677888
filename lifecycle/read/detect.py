"""Format detection: the name of a file's format from its first bytes (see ``read_inputs``)."""

from __future__ import annotations

import csv
import json
import re
from typing import Any

from lamlife.lifecycle.read.arrivals import is_arrival_header
from lamlife.lifecycle.schema import INVOCATION_COLUMNS

_ISO_PREFIX = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?"
_TAIL_LINE = re.compile(r"(" + _ISO_PREFIX + r"[+-]\d\d:\d\d) (\S+) ?(.*)", re.S)
_SAM_LINE = re.compile(r"(\S+) (" + _ISO_PREFIX + r") ?(.*)", re.S)
STAMPED_LINE = re.compile(r"(" + _ISO_PREFIX + r"(?:Z|[+-]\d\d:?\d\d)?)(?:[ \t]|$)(.*)", re.S)
_STREAM_LIKE = re.compile(r"\d{4}/\d\d/\d\d/|\[")
_INVOCATION_HEADER = ",".join(INVOCATION_COLUMNS[:5])


# ------------------------------------------------------------------------- detection


def detect_format(head_text: str) -> str | None:
    """The format name of a file from its first bytes (decoded), or None when unknown."""
    lines = [ln for ln in head_text.splitlines()[:50] if ln.strip()]
    if not lines:
        return "empty"
    first = lines[0].lstrip("\ufeff")
    stripped = first.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            obj = json.loads(stripped)
        except ValueError:
            return "json"
        return "jsonl" if isinstance(obj, dict) and _is_jsonl_object(obj) else "json"
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
        if STAMPED_LINE.match(line):
            return "timestamped"
    if "," in first and is_arrival_header(next(csv.reader([first]))):
        return "arrival-csv"
    return None


def _is_jsonl_object(obj: dict[str, Any]) -> bool:
    return ("message" in obj and "timestamp" in obj) or "lamlife_fetch" in obj or (
        isinstance(obj.get("type"), str) and "time" in obj) or (
        "events" in obj and len(obj) <= 4)
