"""Amounts as their decimals (docs/billing.md, "Amounts"): the one rounding every USD
amount, share and GB-s figure gets, wherever it is computed (billing, the account table,
check's metrics). A leaf module: the engine's tables import it without billing's rules."""

from __future__ import annotations

import math

import numpy as np


def clean_amounts(values: np.ndarray | float, digits: int = 12,
                  out: np.ndarray | None = None) -> np.ndarray:
    """Amounts as their decimals, so sums of exact prices print as a person would write them
    (5.17500995e-06, not 5.1750099499999995e-06). NaN stays NaN.

    Below $8 (every per-invocation amount in practice) this rounds to 1e-15 USD, which is
    exact and cheap (x * 1e15 stays under 2**53); larger amounts are rounded to ``digits``
    significant digits. ``out`` (float64, the shape of ``values``; ``values`` itself to round
    in place) receives the result; a new array otherwise."""
    x = np.atleast_1d(np.asarray(values, dtype=float))  # read only: no copy needed
    small = x < 8.0  # |x| < 8 without a float temporary; False for NaN and inf
    small &= x > -8.0
    rest = None if small.all() else ~small
    kept = None if rest is None else x[rest]  # the few amounts 1e-15 does not fit, saved
    del small
    # np.round(x, 15): the same multiply, rint and divide numpy's round does.
    out = np.multiply(x, 1e15, out=out)
    np.rint(out, out=out)
    np.divide(out, 1e15, out=out)
    if rest is None or kept is None:
        return out
    big = np.isfinite(kept)
    if big.any():
        k = np.clip(digits - 1 - np.floor(np.log10(np.abs(kept[big]))), 0, 22)
        scale = 10.0 ** k  # exact powers of ten up to 1e22: the division rounds correctly
        kept[big] = np.rint(kept[big] * scale) / scale
    out[rest] = kept
    return out


def clean_amount(value: float) -> float:
    """One amount rounded like :func:`clean_amounts` (NaN and inf become 0)."""
    return float(clean_amounts(value)[0]) if math.isfinite(value) else 0.0
