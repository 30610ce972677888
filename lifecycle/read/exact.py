"""REPORT numbers as exact small integers while they wait in the sink.

Lambda prints Duration, Init Duration and Restore Duration with two decimals (hundredths of a
millisecond), Billed Duration in whole milliseconds and memory in whole MB (docs/platform.md
§2.2). Stored as float64 each takes 8 bytes; as an integer count of its unit (``SCALES``: 100
a millisecond for durations, 1 for billed durations and MB) it fits in 1, 2 or 4 bytes, and
``decode`` gives back the very same float64 (``n / 100.0`` is the double nearest to the
printed decimal, as parsing the text gives).

A chunk is encoded only when every value in it comes back bit for bit (checked, not assumed):
a value with more decimals (a JSON export may carry any float), a negative zero or an
infinity keeps the whole chunk as float64. Missing values (NaN) are ``MISSING`` (-1: every
field is at least 0). Integer dtype means encoded, float dtype means milliseconds or MB as
they are; ``concat`` joins chunks of either kind.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SCALES: dict[str, int] = {  # NUMERIC_FIELDS -> integer units per ms (or per MB)
    "duration_ms": 100,
    "billed_duration_ms": 1,
    "memory_mb": 1,
    "max_memory_used_mb": 1,
    "init_duration_ms": 100,
    "restore_duration_ms": 100,
    "billed_restore_duration_ms": 1,
}
MISSING = -1
_INT_TYPES = (np.int8, np.int16, np.int32, np.int64)
_EXACT_LIMIT = 2.0 ** 53  # integers up to this are exact in float64


def encode(values: np.ndarray, scale: int) -> np.ndarray:
    """``values`` (float64, NaN = missing) as the smallest integer dtype holding every value
    times ``scale`` exactly, or as float64 when some value would not come back bit for bit.
    Whole-column passes only (no boolean-indexed copies): this runs on every chunk read."""
    x = np.asarray(values, dtype=np.float64)
    missing = np.isnan(x)
    if missing.all():  # a column no row has (Restore Duration in most logs)
        return np.full(len(x), MISSING, dtype=np.int8)
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = x * scale
        np.round(scaled, out=scaled)
        # NaN and infinities fail both bounds; missing rows are let through
        if not bool(((scaled >= 0) & (scaled < _EXACT_LIMIT) | missing).all()):
            return x
    scaled[missing] = MISSING
    ints = scaled.astype(np.int64)
    back = ints.astype(np.float64)  # what decode gives: from the integers
    if scale != 1:
        back /= scale
    same = back.view(np.uint64) == x.view(np.uint64)  # bit for bit: -0.0 is not 0
    if not bool((same | missing).all()):
        return x
    high = int(ints.max()) if len(ints) else 0
    for dtype in _INT_TYPES:
        if high <= np.iinfo(dtype).max:
            return ints.astype(dtype)
    return x  # pragma: no cover  (below 2**53 always fits int64)


def decode(values: np.ndarray, scale: int) -> np.ndarray:
    """float64 milliseconds (or MB) of an ``encode``-d column (NaN where missing); a float
    column is returned as it is."""
    if values.dtype.kind == "f":
        return values
    out = values.astype(np.float64)
    if scale != 1:
        out /= scale
    out[values == MISSING] = np.nan
    return out


def concat(chunks: Sequence[np.ndarray], scale: int) -> np.ndarray:
    """Encoded chunks one after the other: integers if every chunk is, else float64."""
    if not chunks:
        return np.zeros(0, dtype=np.int8)
    if all(c.dtype.kind in "iu" for c in chunks):
        return chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
    return np.concatenate([decode(c, scale) for c in chunks])
