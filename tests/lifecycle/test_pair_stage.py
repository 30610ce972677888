"""The sink's finishing steps on their own: joining stored chunks (``_Columns.join``), key
membership (``member_of`` / ``KeySet``), duplicates dropped in place, and pairing split into
key slices. Each is checked against a plain reference (numpy's concatenate and isin, a
per-row walk), including the cases the compact paths treat apart."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamlife.lifecycle.read import collect, exact
from lamlife.lifecycle.read.collect import RecordSink, _Columns, hash_ids, start_rows
from lamlife.lifecycle.read.overlap import KeySet, drop_duplicates, member_of
from lamlife.lifecycle.read.request_ids import RequestIds


def _columns() -> _Columns:
    return _Columns({"env": "env", "ts": "ts", "duration_ms": "exact", "request_id": "ids",
                     "status": "label"}, RecordSink().label_codes)


def test_join_takes_the_widest_chunk_type_and_consumes_the_chunks() -> None:
    cols = _columns()
    encoded = [exact.encode(np.array([1.0, np.nan]), 100),  # int8
               exact.encode(np.array([300.25]), 100),  # int16
               exact.encode(np.array([2.0]), 100)]
    chunks = list(encoded)
    joined = cols.join("duration_ms", chunks)
    assert chunks == []
    assert joined.dtype == np.int16
    assert exact.decode(joined, 100).tolist()[:1] + exact.decode(joined, 100).tolist()[2:] == \
        [1.0, 300.25, 2.0]
    assert np.isnan(exact.decode(joined, 100)[1])


def test_join_of_exact_chunks_with_a_float_chunk_is_float_milliseconds() -> None:
    cols = _columns()
    chunks = [exact.encode(np.array([1.5]), 100), exact.encode(np.array([0.123456]), 100)]
    assert chunks[1].dtype == np.float64  # not exact in hundredths: kept as float
    joined = cols.join("duration_ms", chunks)
    assert joined.dtype == np.float64
    assert joined.tolist() == [1.5, 0.123456]


def test_join_of_request_ids_equals_concat(monkeypatch: pytest.MonkeyPatch) -> None:
    parts = [RequestIds.from_strings(["a", "bcd"]), RequestIds.from_strings([]),
             RequestIds.from_strings(["ééé", "x" * 40]).take(np.array([1, 0]))]
    want = RequestIds.concat(parts)
    monkeypatch.setattr(collect, "_TRIM_BYTES", 1)  # hand memory back after every part
    got = _columns().join("request_id", list(parts))
    assert got == want
    assert got.tolist() == ["a", "bcd", "x" * 40, "ééé"]


def test_frame_keeps_only_the_columns_asked_for_in_read_order() -> None:
    cols = _columns()
    for k in range(5):
        cols.append(env=k, ts=float(k), duration_ms=1.0, request_id=f"r{k}", status="")
    cols.extend(env=np.array([9]), ts=np.array([9.0]), duration_ms=np.array([2.0]),
                request_id=["r9"], status=["error"])
    frame = cols.frame(("env", "request_id"))
    assert list(frame) == ["env", "request_id"]
    assert frame["env"].tolist() == [0, 1, 2, 3, 4, 9]
    assert frame["request_id"].tolist() == ["r0", "r1", "r2", "r3", "r4", "r9"]


@settings(max_examples=50, deadline=None, derandomize=True)
@given(values=st.lists(st.integers(0, 2**64 - 1), max_size=40),
       keys=st.lists(st.integers(0, 2**64 - 1), max_size=8),
       low=st.lists(st.integers(0, 7), max_size=10))
def test_member_of_equals_isin(values: list[int], keys: list[int], low: list[int]) -> None:
    # values sharing a key's low 20 bits but not the key (past the bitmap, caught by the search)
    near = [(k & ~0xFFFFF) ^ (1 << 40) | (k & 0xFFFFF) for k in keys] + low
    v = np.array(values + keys + near, dtype=np.uint64)
    k = np.array(keys + low[:2], dtype=np.uint64)
    assert member_of(v, k).tolist() == np.isin(v, k).tolist()
    signed = v.astype(np.int64)  # not hash keys: the search alone
    assert member_of(signed, k.astype(np.int64)).tolist() == np.isin(signed, k.astype(
        np.int64)).tolist()
    assert KeySet(k).contains(v).tolist() == np.isin(v, k).tolist()


def test_drop_duplicates_filters_the_columns_in_place_keeping_the_first() -> None:
    starts = {"env": np.array([0, 0, 1, 0], np.int32), "ts": np.array([1.0, 2.0, 1.0, 1.0]),
              "rid_hash": hash_ids(["a", "b", "a", "a"]),
              "version": np.array([1, 2, 3, 4], np.int16)}
    reports = {"env": np.array([0, 0], np.int32), "ts": np.array([5.0, 5.0]),
               "rid_hash": hash_ids(["a", "a"]), "duration_ms": np.array([400, 400], np.int32),
               "request_id": RequestIds.from_strings(["a", "a"])}
    s, r, _marks, _lines, dropped = drop_duplicates(starts, reports, [], [])
    assert s is starts and r is reports
    assert dropped == 2
    assert starts["version"].tolist() == [1, 2, 3]  # the 4th repeats the 1st
    assert list(reports) == ["env", "ts", "rid_hash", "duration_ms", "request_id"]
    assert reports["request_id"].tolist() == ["a"]


def test_start_rows_pairs_across_every_key_slice() -> None:
    # thousands of keys: every one of the 16 slices has STARTs and REPORTs; a REPORT before
    # its START and a REPORT without START stay unpaired; retried ids take the latest START
    n = 4000
    rids = [f"id-{k}" for k in range(n)]
    starts = {"env": np.zeros(n + 2, np.int32),
              "ts": np.array([10.0 * k for k in range(n)] + [5.0, 50_000.0]),
              "rid_hash": hash_ids(rids + ["id-7", "late"])}
    reports = {"env": np.zeros(n + 2, np.int32),
               "ts": np.array([10.0 * (n - 1 - k) + 3 for k in range(n)] + [60.0, 49_000.0]),
               "rid_hash": hash_ids(rids[::-1] + ["none", "late"])}
    slices = collect._key_slices(starts)
    assert len(np.unique(slices)) == 16
    rows = start_rows(starts, reports)
    assert rows.dtype == np.int32
    # id-7 has two STARTs (5 ms, read last, and 70 ms): its REPORT at 73 ms takes 70 ms's
    assert rows[:n].tolist() == list(range(n))[::-1]
    assert rows[n:].tolist() == [-1, -1]  # no START; the START after the REPORT
    ts, _version, matched = collect.pair_starts({**starts, "version": np.zeros(n + 2, np.int16)},
                                                reports)
    assert matched == n
    assert np.isnan(ts[n:]).all()
