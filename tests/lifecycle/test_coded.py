"""The compact text columns (engine.coded): codes with sorted categories, same values as the
strings, and the engine's table built with them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from lamlife.lifecycle.engine.coded import coded, coded_by_code, codes_of, compact_columns
from lamlife.lifecycle.engine.summarize import environments_table, has_flag
from lamlife.lifecycle.pipeline import observe
from lamlife.lifecycle.read.request_ids import has_compact_ids, text_ids
from lamlife.lifecycle.schema import CODED_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "orders.log"

texts = st.lists(st.one_of(st.none(), st.sampled_from(["", "b", "a", "$LATEST", "12", "é"]),
                           st.text(max_size=4)), max_size=40)


@given(texts)
def test_coded_holds_the_same_values_with_sorted_categories(values: list[str | None]) -> None:
    column = coded(np.asarray(values, dtype=object))
    expected = ["" if v is None else v for v in values]
    assert list(column) == expected
    assert list(column.categories) == sorted(set(expected))


@given(texts)
def test_codes_of_a_categorical_and_of_strings_agree(values: list[str | None]) -> None:
    plain = pd.Series(values, dtype=object)
    shuffled = pd.Series(pd.Categorical(values, categories=sorted(
        {v for v in values if v is not None}, reverse=True)))
    for series in (plain, shuffled):
        codes, names = codes_of(series)
        assert [names[c] for c in codes] == ["" if v is None else v for v in values]
        assert list(names) == sorted(names)


def test_coded_by_code_keeps_only_the_names_used() -> None:
    column = coded_by_code(["env-b", "env-a", "env-c", ""], np.array([1, 0, 1, 3]))
    assert list(column) == ["env-a", "env-b", "env-a", ""]
    assert list(column.categories) == ["", "env-a", "env-b"]


def test_sorting_a_coded_column_orders_rows_as_the_strings() -> None:
    names = ["z", "a", "m", "a", ""]
    frame = compact_columns(pd.DataFrame({"environment": names, "n": range(5)}))
    assert isinstance(frame["environment"].dtype, pd.CategoricalDtype)
    assert list(frame.sort_values("environment", kind="stable")["n"]) == [4, 1, 3, 2, 0]


def test_has_flag_is_the_same_on_codes_and_strings() -> None:
    flags = ["", "timeout", "error;reset_loop", "reset_loop", "reset_loop_x", None]
    plain = pd.Series(flags, dtype=object)
    expected = [False, False, True, True, False, False]
    assert has_flag(plain, "reset_loop").tolist() == expected
    assert has_flag(pd.Series(coded(np.asarray(flags, dtype=object))),
                    "reset_loop").tolist() == expected


def test_the_engine_table_codes_its_text_columns() -> None:
    invocations = observe([str(EXAMPLE)]).invocations
    for column in CODED_COLUMNS:
        dtype = invocations[column].dtype
        assert isinstance(dtype, pd.CategoricalDtype), column
        assert dtype.categories.is_monotonic_increasing, column
    # RequestIds held as 16-byte UUIDs where pandas keeps strings in pyarrow (the rows' text
    # made when read: read.request_ids.text_ids), as Python strings as pandas stores them
    assert has_compact_ids(invocations) == (pd.Series(["x"]).dtype != object)
    ids = text_ids(invocations)["request_id"]
    assert ids.dtype in (object, pd.Series(["x"]).dtype)
    assert all(type(r) is str for r in ids)
    assert set(invocations["start_type"]) >= {"cold", "warm"}


def test_environments_table_does_not_depend_on_the_row_order() -> None:
    """The engine hands over a table ordered by environment and start (no sort needed);
    a shuffled one (a re-read CSV, the Python API) gives the same environments."""
    invocations = observe([str(EXAMPLE)]).invocations
    shuffled = invocations.sample(frac=1.0, random_state=7).reset_index(drop=True)
    assert not shuffled["start"].equals(invocations["start"])
    pd.testing.assert_frame_equal(environments_table(shuffled), environments_table(invocations))
