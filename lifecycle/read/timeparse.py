"""Timestamp parsing for the log shapes lamlife reads; everything becomes epoch ms (UTC)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from lamlife.lifecycle.errors import InputError

_ISO = re.compile(
    r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:[.,](\d+))?\s*(Z|[+-]\d\d:?\d\d)?$"
)

_second_cache: dict[str, float] = {}


def _epoch_seconds(date: str, clock: str, tz: str | None) -> float:
    key = f"{date}T{clock}{tz or ''}"
    cached = _second_cache.get(key)
    if cached is not None:
        return cached
    if tz is None or tz == "Z":
        offset = "+00:00"
    elif ":" in tz:
        offset = tz
    else:
        offset = f"{tz[:3]}:{tz[3:]}"
    value = datetime.fromisoformat(f"{date}T{clock}{offset}").timestamp()
    if len(_second_cache) > 200_000:
        _second_cache.clear()
    _second_cache[key] = value
    return value


def iso_to_ms(text: str) -> float | None:
    """Parse an ISO 8601 time (``T`` or space, any fraction, ``Z``/offset/naive=UTC) to epoch ms.

    Returns None when the text is not such a time.
    """
    m = _ISO.match(text.strip())
    if m is None:
        return None
    date, clock, frac, tz = m.groups()
    try:
        seconds = _epoch_seconds(date, clock, tz)
    except ValueError:
        return None
    ms = seconds * 1000.0
    if frac:
        ms += float("0." + frac) * 1000.0
    return ms


def epoch_to_ms(value: float) -> float:
    """Epoch seconds, milliseconds, microseconds or nanoseconds to milliseconds, by magnitude."""
    magnitude = abs(value)
    if magnitude < 1e11:  # seconds until year 5138
        return value * 1000.0
    if magnitude < 1e14:
        return value
    if magnitude < 1e17:
        return value / 1000.0
    return value / 1e6


def any_to_ms(text: str) -> float | None:
    """An ISO time or an epoch number (unit by magnitude) to epoch ms; None when neither."""
    text = text.strip()
    if not text:
        return None
    if text[0].isdigit() and "-" not in text[:5]:
        try:
            value = float(text)
        except ValueError:
            return None
        if math.isnan(value) or math.isinf(value):
            return None
        return epoch_to_ms(value)
    return iso_to_ms(text)


def ms_to_iso(ms: float) -> str:
    """Epoch ms to ``2026-07-20T01:50:15.828Z``."""
    dt = datetime.fromtimestamp(ms / 1000.0, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def fast_iso_ms(text: str) -> float:
    """``iso_to_ms`` for the common shapes (``…T…[.frac](Z|+HH:MM)?``) with a per-second cache.

    Returns NaN when the text is not a time. Used on every line of text logs.
    """
    base = text[:19]
    rest = text[19:]
    if rest.endswith("Z"):
        tz = "Z"
        rest = rest[:-1]
    elif len(rest) >= 6 and rest[-6] in "+-" and rest[-3] == ":":
        tz = rest[-6:]
        rest = rest[:-6]
    else:
        tz = ""
    key = base + tz
    seconds = _second_cache.get(key)
    try:
        if seconds is None:
            if len(base) != 19 or base[10] not in "T ":
                return math.nan
            seconds = _epoch_seconds(base[:10], base[11:], tz or None)
        if not rest:
            return seconds * 1000.0
        if rest[0] not in ".,":
            return math.nan
        return seconds * 1000.0 + float("0." + rest[1:]) * 1000.0
    except ValueError:
        return math.nan


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*(ms|mins?|secs?|hrs?|[smhdw])", re.I)
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "secs": 1.0, "m": 60.0, "min": 60.0,
                 "mins": 60.0, "h": 3600.0, "hr": 3600.0, "hrs": 3600.0, "d": 86400.0,
                 "w": 604800.0}


def parse_duration(text: str) -> float | None:
    """Seconds in a duration with units, one part or several: ``500ms``, ``640s``, ``10m``,
    ``10min``, ``2h``, ``1h30m``, ``7d``, ``1w``. None when the text is not one (a bare number
    has no unit: callers decide what it means)."""
    value = text.strip().lower()
    pos = 0
    total = 0.0
    for match in _DURATION_PART.finditer(value):
        if value[pos:match.start()].strip():
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if pos == 0 or value[pos:].strip():
        return None
    return total


def datetimes_to_ms(times: Any) -> Any:
    """A pandas Series of UTC datetimes (any unit) as float epoch ms, NaN where missing or
    outside 1970-01-01 .. 2262-01-01 (nanosecond times end on 2262-04-11: converting would wrap
    them by about 584 years)."""
    import numpy as np
    import pandas as pd

    low = pd.Timestamp(0, tz="UTC")
    high = pd.Timestamp(2262, 1, 1, tz="UTC")  # platform.MAX_TIME_MS
    bad = (times.isna() | (times < low) | (times > high)).to_numpy()
    safe = times.where(~bad, low)
    ns = safe.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    ms = (ns // 1_000_000).astype(float) + (ns % 1_000_000).astype(float) / 1e6
    ms[bad] = np.nan
    return ms


def parse_relative(text: str) -> float | None:
    """Seconds in a relative duration like ``24h``, ``90m``, ``1h30m``, ``7d`` (optionally
    followed by ``ago``); None if not one. The grammar is ``parse_duration``'s."""
    value = text.strip().lower()
    if value.endswith(" ago"):
        value = value[:-4]
    return parse_duration(value)


def parse_time(text: str, now: datetime) -> datetime:
    """An instant from ISO 8601 (naive means UTC), ``now``, a relative ``2h`` (= 2 h before
    ``now``) or epoch seconds / milliseconds: the grammar of ``fetch --start/--end`` and
    ``analyze --since/--until``. Raises InputError otherwise."""
    value = text.strip()
    if value.lower() == "now":
        return now
    seconds = parse_relative(value)
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
