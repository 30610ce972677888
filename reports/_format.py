"""Value formatting shared by every renderer: numbers, times, environment names, flags.

Pure functions over plain values and pandas Series; no domain logic.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.schema import FLAG_SEPARATOR

MISSING = "-"  # what a table cell shows for an unknown value

_NS_PER_MS = 1_000_000
_NS_PER_US = 1_000


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays: never "missing" as a whole
        return False


def iso_utc(series: pd.Series) -> list[str | None]:
    """ISO 8601 UTC strings with a ``Z`` suffix, ``None`` for NaT.

    Milliseconds are always written (``2026-07-20T01:50:15.828Z``). A value with a finer part
    (a START derived as REPORT time minus Duration) gets microseconds or nanoseconds instead, so
    that nothing is lost when the text is read back.
    """
    if len(series) == 0:
        return []
    times = pd.to_datetime(series, utc=True)
    ns = times.dt.tz_localize(None).to_numpy().astype("datetime64[ns]")
    missing = np.isnat(ns)
    as_int = ns.view("int64")
    out = np.datetime_as_string(ns, unit="ms").astype(object)
    sub_ms = (np.mod(as_int, _NS_PER_MS) != 0) & ~missing
    if sub_ms.any():
        sub_us = sub_ms & (np.mod(as_int, _NS_PER_US) != 0)
        us_only = sub_ms & ~sub_us
        out[us_only] = np.datetime_as_string(ns[us_only], unit="us")
        out[sub_us] = np.datetime_as_string(ns[sub_us], unit="ns")
    out = out + "Z"
    out[missing] = None
    return list(out)


def iso_utc_one(value: Any) -> str | None:
    """:func:`iso_utc` for a single timestamp."""
    return iso_utc(pd.Series([value]))[0]


def split_flags(value: Any) -> list[str]:
    """A ``;``-joined flags string as a list; empty or missing gives ``[]``."""
    if is_missing(value):
        return []
    return [flag for flag in str(value).split(FLAG_SEPARATOR) if flag]


def fmt_int(value: Any) -> str:
    """An integer count with thousands separators, ``-`` when unknown."""
    if is_missing(value):
        return MISSING
    return f"{int(value):,}"


def fmt_ms(value: Any) -> str:
    """Milliseconds with two decimals (the precision of the logs), ``-`` when unknown."""
    if is_missing(value):
        return MISSING
    return f"{float(value):,.2f}"


def fmt_rate(value: Any) -> str:
    """A fraction as a percentage with one decimal, ``-`` when unknown.

    A value that is not 0 never reads as 0, and one short of 1 never reads as all: a
    fraction between 0 and 0.0005 (exclusive) prints ``<0.1%`` and one between 0.9995 and 1
    prints ``>99.9%``, where one decimal would round them to ``0.0%`` and ``100.0%``
    (an INIT share of $0.0000332 in $0.100 is not nothing)."""
    if is_missing(value):
        return MISSING
    fraction = float(value)
    text = f"{100.0 * fraction:.1f}%"
    if 0.0 < fraction < 1.0 and text in ("0.0%", "100.0%"):
        return "<0.1%" if text == "0.0%" else ">99.9%"
    return text


def fmt_share(count: Any, total: Any) -> str:
    """``count / total`` as a percentage; ``-`` when the total is zero or unknown."""
    if is_missing(count) or is_missing(total) or float(total) == 0:
        return MISSING
    return fmt_rate(float(count) / float(total))


def fmt_seconds(value: Any) -> str:
    """A span of seconds for people, without spaces: ``42.1s``, ``21m01s``, ``3h05m``, ``2d04h``.

    Larger units truncate (``21m01.9s`` is ``21m01s``).
    """
    if is_missing(value):
        return MISSING
    seconds = float(value)
    if not math.isfinite(seconds):
        return MISSING
    if seconds < 60:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    if whole < 86400:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"{whole // 86400}d{whole % 86400 // 3600:02d}h"


def fmt_time(value: Any) -> str:
    """A timestamp for a table: ``2026-07-20 01:50:15`` (UTC, whole seconds, truncated)."""
    if is_missing(value):
        return MISSING
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%d %H:%M:%S")


def fmt_text(value: Any) -> str:
    """A string cell; missing values and empty strings show as ``-``."""
    if is_missing(value):
        return MISSING
    text = str(value)
    return text if text else MISSING


# A Lambda log stream name ends with "[<version>]<32 hex>" (default and custom log groups).
_STREAM_TAIL = re.compile(r"\[([^\]]*)\]([0-9a-fA-F]{9,})$")
_MAX_PLAIN_ENV = 24


def short_environment(name: Any) -> str:
    """A short, deterministic label for an environment.

    ``2026/07/20/[$LATEST]b249865adaaf4fad80f95f8ad09725b8`` becomes ``[$LATEST]…d09725b8``
    (the version bracket and the last 8 hex digits). Other names longer than 24 characters keep
    their last 23 characters after an ellipsis.
    """
    if is_missing(name) or str(name) == "":
        return MISSING
    text = str(name)
    match = _STREAM_TAIL.search(text)
    if match:
        return f"[{match.group(1)}]…{match.group(2)[-8:]}"
    if len(text) <= _MAX_PLAIN_ENV:
        return text
    return "…" + text[-(_MAX_PLAIN_ENV - 1) :]


def fmt_flags(value: Any) -> str:
    """Flags for a table cell: ``timeout, out_of_memory``; ``-`` when none."""
    flags = split_flags(value)
    return ", ".join(flags) if flags else MISSING
