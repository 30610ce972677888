"""Comparing two JSON reports where NaN equals NaN (shared by the Spark and parts tests)."""

from __future__ import annotations

import math
from typing import Any


def close(a: Any, b: Any) -> bool:
    """Equal; NaN equals NaN."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
