"""RequestIds: a column of RequestIds as UTF-8 bytes and offsets, and its way through the sink
to the invocation table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lamlife.lifecycle.engine.replay import request_id_column, run_engine
from lamlife.lifecycle.read import request_ids as request_ids_module
from lamlife.lifecycle.read.collect import RecordSink
from lamlife.lifecycle.read.request_ids import RequestIds

UUIDS = ["8f5a1c2e-0000-4000-8000-00000000000" + str(i) for i in range(10)]
IDS = st.lists(st.text(max_size=40), max_size=30)


@given(IDS, st.data())
def test_take_and_index_give_the_strings_at_those_rows(ids: list[str], data: st.DataObject
                                                       ) -> None:
    column = RequestIds.from_strings(ids)
    assert len(column) == len(ids)
    assert column.tolist() == ids
    rows = data.draw(st.lists(st.integers(0, max(len(ids) - 1, 0)), max_size=40)
                     if ids else st.just([]))
    positions = np.asarray(rows, dtype=np.int64)
    assert column.take(positions).tolist() == [ids[i] for i in rows]
    assert column[positions].tolist() == [ids[i] for i in rows]
    mask = np.asarray(data.draw(st.lists(st.booleans(), min_size=len(ids),
                                         max_size=len(ids))), dtype=bool)
    assert column[mask].tolist() == [s for s, keep in zip(ids, mask, strict=True) if keep]
    assert [column[i] for i in range(len(ids))] == ids
    assert column[1:-1].tolist() == ids[1:-1]


@given(st.lists(IDS, max_size=4))
def test_concat_is_the_parts_one_after_the_other(parts: list[list[str]]) -> None:
    # parts taken from a larger column start at an offset other than 0
    columns = [RequestIds.from_strings(["x", *p])[1:] for p in parts]
    assert RequestIds.concat(columns).tolist() == [s for p in parts for s in p]
    assert RequestIds.concat(columns) == RequestIds.from_strings([s for p in parts for s in p])


def test_take_of_mixed_lengths_crosses_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [("é" * (i % 7)) + str(i) for i in range(1000)]
    column = RequestIds.from_strings(ids)
    monkeypatch.setattr(request_ids_module, "_TAKE_BLOCK", 64)
    rows = np.arange(999, -1, -3)
    assert column.take(rows).tolist() == [ids[i] for i in rows]


def test_the_table_column_is_what_pandas_makes_of_the_strings() -> None:
    ids = [*UUIDS, "abc\udcffdef", "ünïcode"]
    for values in (ids, ids[:10]):  # with a lone surrogate (not UTF-8) and without
        column = request_id_column(RequestIds.from_strings(values))
        assert column.tolist() == values
        assert all(type(v) is str for v in column)
        assert column.dtype in (object, pd.Series(["x"]).dtype)
        pd.testing.assert_series_equal(column.astype(object), pd.Series(values, dtype=object))
        assert (column == values[0]).tolist() == [v == values[0] for v in values]


def test_the_sink_keeps_request_ids_as_bytes_to_the_table() -> None:
    sink = RecordSink()
    env = np.zeros(3, dtype=np.int64)
    ts = np.array([1.0e12, 1.0e12 + 10, 1.0e12 + 20])
    numbers = {"duration_ms": np.array([1.0, 2.0, 3.0]),
               "billed_duration_ms": np.array([1.0, 2.0, 3.0]),
               "memory_mb": np.full(3, 128.0), "max_memory_used_mb": np.full(3, 64.0),
               "init_duration_ms": np.full(3, np.nan), "restore_duration_ms": np.full(3, np.nan),
               "billed_restore_duration_ms": np.full(3, np.nan)}
    sink.env_code("f", "2026/01/01/[$LATEST]abc")
    sink.add_starts(env, ts - 5, RequestIds.from_strings(UUIDS[:3]), ["1", "1", "1"])
    sink.add_reports(env, ts + 5, UUIDS[:3], numbers, ["", "", ""], ["", "", ""])
    sink.add("f", "2026/01/01/[$LATEST]abc", 1.0e12 + 40,
             "REPORT RequestId: " + UUIDS[3] + "\tDuration: 4.00 ms\tBilled Duration: 4 ms\t"
             "Memory Size: 128 MB\tMax Memory Used: 64 MB\t")
    assert sink.finish() == 0
    assert isinstance(sink.paired["request_id"], RequestIds)
    table = run_engine(sink).invocations
    assert table["request_id"].tolist() == UUIDS[:4]


def test_with_pyarrow_the_column_is_the_ids_bytes_not_python_strings() -> None:
    pytest.importorskip("pyarrow")
    if pd.Series(["x"]).dtype == object:
        pytest.skip("this pandas keeps a column of strings as Python objects")
    column = request_id_column(RequestIds.from_strings(UUIDS))
    assert isinstance(column.array, pd.arrays.ArrowStringArray)
    assert column.dtype == pd.Series(["x"]).dtype
    # 36 bytes of text and an 8-byte offset a row
    assert column.memory_usage(index=False, deep=True) <= 44 * len(UUIDS) + 8
