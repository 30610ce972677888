"""Per-group reductions over the invocation table's codes, without grouping DataFrames.

The derived tables (environments, functions, the summary) reduce a million-row invocation
table to some hundreds of rows. A pandas ``groupby`` does that by hashing keys row by row and,
for ``for key, part in ...``, copying every column of every group; here the groups come from
integer codes (a Categorical's own codes, or one factorization of a plain column) and from
row runs (the table is ordered by function, environment and start), and each statistic is one
numpy pass over the one column it reads. Temporaries are one or two per-row arrays of 1 to 8
bytes, not copies of the table.

Missing values (None, NaN, a Categorical's code -1) keep their own code, -1, as pandas'
``groupby`` and ``nunique`` treat them; "" is a value like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.engine.coded import category_codes

__all__ = ["ValueCodes", "distinct_pairs", "first_valid_rows", "group_blocks",
           "group_counts", "group_means", "matching",
           "time_ints"]


class ValueCodes:
    """A column as (codes, names): ``names[codes]`` are its values, code -1 where the value is
    missing; ``names`` are the distinct values in sorted order (a Categorical's categories as
    they are). A Categorical gives its own codes (no copy); any other column is factorized
    once.

    codes: int array, one per row; names: object array, one per distinct value.
    """

    def __init__(self, column: pd.Series) -> None:
        if isinstance(column.dtype, pd.CategoricalDtype):
            self.codes = category_codes(column)
            self.names = np.asarray(column.cat.categories, dtype=object)
        else:
            codes, uniques = pd.factorize(column.to_numpy(dtype=object), sort=True,
                                          use_na_sentinel=True)
            self.codes = codes
            self.names = np.asarray(uniques, dtype=object)

    def lookup(self, test: Callable[[Any], bool]) -> np.ndarray:
        """Per code, ``test(name)`` as a bool array of len(names) + 1; the last entry (what
        code -1 reads) is False: a missing value matches nothing."""
        return np.array([bool(test(name)) for name in self.names] + [False], dtype=bool)

    def where(self, test: Callable[[Any], bool]) -> np.ndarray:
        """Per row, ``test`` of its value (bool array; False where missing). The test runs
        once per distinct value."""
        return self.lookup(test)[self.codes]


def matching(column: pd.Series, test: Callable[[Any], bool]) -> np.ndarray:
    """Per row, ``test(value)`` (a bool array; False for a missing value), tested once per
    distinct value."""
    return ValueCodes(column).where(test)


def time_ints(column: pd.Series) -> tuple[np.ndarray, str]:
    """A UTC time column as (integers since the epoch, unit): a view of a datetime column's
    values (no copy), NaT as the int64 minimum; any other column is converted first."""
    if not isinstance(column.dtype, pd.DatetimeTZDtype):
        column = pd.to_datetime(column, utc=True)
    array: Any = column.array
    return array.asi8, str(array.unit)


def group_counts(hits: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per group of consecutive rows (group k is rows ``starts[k]`` up to the next start), how
    many rows ``hits`` (bool per row) sets, as int64. Needs 8 bytes per hit, not per row:
    for the rare rows (failures, cold starts, flags) it counts."""
    bounds = np.append(starts, len(hits))
    return np.diff(np.searchsorted(np.flatnonzero(hits), bounds)).astype(np.int64)


def group_means(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per group of consecutive rows (group k is rows ``starts[k]`` up to the next start),
    the mean of ``values`` (float per row) skipping NaN, NaN for a group without a number.

    Each group's numbers are summed in row order with compensation (Kahan: ``y = v - c;
    t = s + y; c = (t - s) - y; s = t`` from s = c = 0), then divided by their count: the
    sum pandas' groupby ``mean`` makes (its cython ``group_mean``) of values that hold a NaN,
    which the idle times always do (every group starts with one), so the JSON's
    ``mean_idle_s`` stays what it was. pandas sums values that hold no NaN another way (3.1,
    measured), so every call here holds one: a NaN row in a group of its own is appended to
    each block, and a block's means never depend on what the other blocks hold.
    tests/lifecycle/test_groups.py checks the result against that sum written out in Python,
    so a pandas release that sums otherwise fails there before any JSON changes.
    A block of whole groups at a time (``group_blocks``): the per-row group numbers and
    pandas' hash table are made for a block, not the table."""
    out = np.empty(len(starts), dtype=np.float64)
    for first, last, lo, hi in group_blocks(starts, len(values)):
        groups = last - first
        group = np.empty(hi - lo + 1, dtype=np.int32)
        group[:-1] = np.repeat(np.arange(groups, dtype=np.int32),
                               np.diff(np.append(starts[first:last], hi)))
        group[-1] = groups  # the NaN row's own group, dropped below
        part = np.append(values[lo:hi], np.nan)
        means = pd.Series(part).groupby(group, sort=True).mean() \
            .reindex(range(groups + 1)).to_numpy()  # a group without rows: NaN
        out[first:last] = means[:groups]
    return out


def group_blocks(starts: np.ndarray, n: int, block: int = 1 << 18
                 ) -> Iterator[tuple[int, int, int, int]]:
    """Whole groups of consecutive rows (group k is rows ``starts[k]`` up to the next start,
    the last up to row ``n``), about ``block`` rows at a time: (first group, past the last
    group, first row, past the last row) of each block. A group larger than ``block`` is a
    block of its own."""
    bounds = np.append(starts, n)
    first = 0
    while first < len(starts):
        last = int(np.searchsorted(bounds, bounds[first] + block, side="right")) - 1
        last = min(max(last, first + 1), len(starts))
        yield first, last, int(bounds[first]), int(bounds[last])
        first = last


def first_valid_rows(valid: np.ndarray | None, starts: np.ndarray) -> np.ndarray:
    """Per group of consecutive rows, its first row where ``valid`` (None: every row is),
    -1 for a group with none: the row pandas' ``groupby(...).first()`` reads."""
    if valid is None or bool(valid.all()):
        return starts
    rows = np.flatnonzero(valid)
    group = np.searchsorted(starts, rows, side="right") - 1  # ascending, like rows
    first = np.full(len(starts), -1, dtype=np.int64)
    new = np.ones(len(rows), dtype=bool)
    new[1:] = group[1:] != group[:-1]
    first[group[new]] = rows[new]
    return first


def distinct_pairs(group: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (group, code) pairs of per-row arrays, as two arrays sorted by group then
    code. Only the rows where a run of equal pairs begins are looked at, so a table ordered
    by the groups costs one pass and a sort of some thousands of pairs."""
    n = len(group)
    if n == 0:
        return group[:0], codes[:0]
    change = np.ones(n, dtype=bool)
    change[1:] = (group[1:] != group[:-1]) | (codes[1:] != codes[:-1])
    runs = np.flatnonzero(change)
    pairs = np.unique(np.stack([group[runs].astype(np.int64), codes[runs].astype(np.int64)],
                               axis=1), axis=0)
    return pairs[:, 0], pairs[:, 1]
