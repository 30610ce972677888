"""The cost tables' group sums (``_GroupKey``) are a plain pandas groupby's, bit for bit.

pandas adds a group's rows with ``np.add.reduceat`` where the group numbers ascend and no
value is NaN, with its compensated kernel otherwise: the two can differ in the last digit,
so the key must number the groups exactly as a groupby by the plain codes does (ascending,
or in order of first appearance) for the same route to be taken."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lamlife.lifecycle.billing.rules import _code_counts, _GroupKey


def plain(values: np.ndarray, codes: np.ndarray, sort: bool, min_count: int = 0) -> pd.Series:
    """What the cost tables summed before: a groupby by the plain integer codes."""
    return pd.Series(values).groupby(codes, sort=sort).sum(min_count=min_count)


def same(got: pd.Series, want: pd.Series) -> bool:
    """Same index and the same float64 bits (NaN where NaN)."""
    return (list(got.index) == list(want.index)
            and got.to_numpy().tobytes() == want.to_numpy(dtype=float).tobytes())


# Values of many magnitudes, whose sums depend on the route of the additions.
_RNG = np.random.default_rng(0)
AWKWARD = _RNG.random(70) * 10.0 ** _RNG.integers(-3, 3, 70)


def test_first_appearance_numbers_take_the_same_route() -> None:
    # codes 5 then 0: not ascending as codes, ascending in order of first appearance
    codes = np.array([5] * 30 + [0] * 40, dtype=np.int8)
    key = _GroupKey.of(codes, 6, sort=False)
    want = plain(AWKWARD, codes, sort=False)
    assert same(key.sum(AWKWARD), want)
    assert list(key.size()) == [30, 40] and list(key.size().index) == [5, 0]
    # the routes do differ on these values: a key numbered by code would not match
    by_code = pd.Series(AWKWARD).groupby(codes, sort=True).sum()
    assert by_code[5] != want[5] or by_code[0] != want[0]


def test_nan_and_min_count() -> None:
    codes = np.array([0, 0, 1, 1, 2, 2], dtype=np.int8)
    values = np.array([1.5, np.nan, np.nan, np.nan, 2.0, 3.0])
    for sort in (True, False):
        key = _GroupKey.of(codes, 3, sort=sort)
        assert same(key.sum(values, min_count=1), plain(values, codes, sort, min_count=1))
        assert same(key.sum(values), plain(values, codes, sort))


def test_codes_no_row_holds_are_left_out() -> None:
    codes = np.array([3, 3, 1, 1, 3], dtype=np.int8)  # 0 and 2 absent
    for sort in (True, False):
        key = _GroupKey.of(codes, 4, sort=sort)
        assert same(key.sum(AWKWARD[:5]), plain(AWKWARD[:5], codes, sort))
        assert list(key.size()) == list(pd.Series(codes).groupby(codes, sort=sort).size())


def test_code_counts_by_blocks() -> None:
    codes = np.arange(10, dtype=np.int8).repeat(7)
    assert list(_code_counts(codes, 12, block=4)) == [7] * 10 + [0, 0]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4),
                          st.one_of(st.floats(-1e17, 1e17), st.just(float("nan")))),
                min_size=1, max_size=60),
       st.booleans(), st.booleans())
def test_any_codes_and_values(rows: list[tuple[int, float]], sort: bool, runs: bool) -> None:
    if runs:  # runs of one code, as a table ordered by function: numbers often ascend
        rows = sorted(rows, key=lambda r: r[0])
    codes = np.array([c for c, _ in rows], dtype=np.int8)
    values = np.array([v for _, v in rows], dtype=float)
    key = _GroupKey.of(codes, 5, sort=sort)
    assert same(key.sum(values), plain(values, codes, sort))
    assert same(key.sum(values, min_count=1), plain(values, codes, sort, min_count=1))
    want_size = pd.Series(codes).groupby(codes, sort=sort).size()
    assert list(key.size()) == list(want_size) and list(key.size().index) == list(
        want_size.index)


def test_held_masks_of_one_value_take_no_memory_per_row() -> None:
    from lamlife.lifecycle.billing.rules import _held

    same_value = np.ones(1000, dtype=bool)
    held = _held(same_value)
    assert held.strides == (0,) and held.all() and len(held) == 1000
    assert not held.flags.writeable  # never written to once decided
    mixed = np.array([0, 0, 1], dtype=np.int8)
    assert _held(mixed) is mixed
    empty = np.zeros(0, dtype=bool)
    assert _held(empty) is empty
