"""Compact text columns of the invocation table: pandas Categoricals (small integer codes plus
each distinct string once) for the columns with few distinct values (schema.CODED_COLUMNS).

A million invocations of one function have one function name, a few versions, start types,
statuses and flags, and some thousands of environments: as codes, comparing, grouping and
sorting them costs integer work, and the table holds one or two bytes a row per column
instead of an 8-byte object pointer. Categories are kept in sorted order, so sorting by a
coded column orders rows exactly as sorting the strings would.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lamlife.lifecycle.schema import CODED_COLUMNS

__all__ = ["category_codes", "code_dtype", "codes_of", "coded", "coded_by_code", "compact_columns",
           "plain_columns", "run_starts", "smallest_int_type"]


def coded(values: np.ndarray | pd.Series | Sequence[str]) -> pd.Categorical:
    """Strings as a Categorical with sorted categories (missing values become "")."""
    codes, names = codes_of(values)
    return pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype=object))


def category_codes(column: pd.Series) -> np.ndarray:
    """A Categorical column's integer codes (-1 where missing), read-only, without a copy:
    ``Series.cat.codes`` copies them (a new Series under pandas' copy-on-write)."""
    return np.asarray(column.array.codes)


def codes_of(values: np.ndarray | pd.Series | Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(codes, names): ``names[codes]`` are the values, with missing values as ""; ``names``
    is the sorted distinct values (an object array). A Categorical's own codes are used."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        codes = category_codes(values).astype(np.int64)
        names = np.asarray(values.cat.categories, dtype=object)
        if codes.size and codes.min() < 0:  # missing: as ""
            names = np.append(names, "")
            codes = np.where(codes < 0, len(names) - 1, codes)
        if not pd.Index(names).is_monotonic_increasing or len(set(names)) < len(names):
            return codes_of(names[codes])
        return codes, names
    array = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else \
        np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(array, sort=True, use_na_sentinel=True)
    names = np.asarray(uniques, dtype=object)
    if codes.size and codes.min() < 0:  # None / NaN: as "" (merged with a real "")
        return codes_of(np.where(codes < 0, "", array))
    return codes.astype(np.int64), names


def coded_by_code(names: Sequence[str], codes: np.ndarray) -> pd.Categorical:
    """``names[codes]`` as a Categorical, without building the strings row by row: ``names``
    is a small lookup (e.g. one name per environment code). As with ``coded``, the categories
    are the sorted values that occur, so equal columns have equal categories. The new codes
    are looked up per name, then taken per row once, in the integer type pandas keeps them in
    (``code_dtype``)."""
    uniques, inverse = np.unique(np.asarray(list(names) or [""], dtype=object),
                                 return_inverse=True)
    present = np.zeros(len(inverse), dtype=bool)  # per name: does a row have it
    present[codes] = True
    used = np.zeros(len(uniques), dtype=bool)
    used[inverse[present]] = True
    lookup = np.cumsum(used) - 1  # per distinct value: its code among those that occur
    per_name = lookup[inverse].astype(code_dtype(int(used.sum())))
    return pd.Categorical.from_codes(np.take(per_name, codes),
                                     categories=pd.Index(uniques[used], dtype=object))


def code_dtype(count: int) -> type[np.signedinteger]:
    """The integer type pandas keeps the codes of ``count`` categories in: the first whose
    maximum is above ``count``."""
    return smallest_int_type(count + 1)


def smallest_int_type(high: int) -> type[np.signedinteger]:
    """The narrowest of int8, int16, int32 and int64 that holds ``high`` (>= 0)."""
    for dtype in (np.int8, np.int16, np.int32):
        if high <= np.iinfo(dtype).max:
            return dtype
    return np.int64


def run_starts(*codes: np.ndarray) -> np.ndarray:
    """The rows where a run of rows equal in every one of ``codes`` (per-row arrays of one
    length) begins: row 0 and each row that differs from the one before in any of them. On a
    table ordered by those columns (the invocation table by function and environment) there
    is one run per distinct combination; per-run work then replaces per-row keys."""
    n = len(codes[0]) if codes else 0
    change = np.zeros(n, dtype=bool)
    change[:1] = True
    for column in codes:
        change[1:] |= column[1:] != column[:-1]
    return np.flatnonzero(change)


def compact_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its CODED_COLUMNS as sorted-category Categoricals (in place; returned).
    Columns already coded with sorted categories are left as they are."""
    for column in CODED_COLUMNS:
        if column not in frame.columns:
            continue
        dtype = frame[column].dtype
        if isinstance(dtype, pd.CategoricalDtype) and dtype.categories.is_monotonic_increasing:
            continue
        frame[column] = coded(frame[column])
    return frame


def plain_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with Categorical columns as plain object strings: for the few rows
    that are turned into text (events, shown rows), where codes only get in the way."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object)
    return out
