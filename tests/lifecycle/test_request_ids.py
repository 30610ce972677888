"""RequestIds: a column of RequestIds as 16-byte UUIDs or UTF-8 bytes and offsets, and its way
through the sink to the invocation table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lamlife.lifecycle.engine.replay import request_id_column, run_engine
from lamlife.lifecycle.read import request_ids as request_ids_module
from lamlife.lifecycle.read.collect import RecordSink
from lamlife.lifecycle.read.request_ids import (
    RequestIds,
    column_ids,
    has_compact_ids,
    id_column,
    text_ids,
    uuid_text,
    uuid_values,
)

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
    assert text_ids(table)["request_id"].tolist() == UUIDS[:4]


def test_with_pyarrow_the_column_is_the_ids_bytes_not_python_strings() -> None:
    pytest.importorskip("pyarrow")
    if pd.Series(["x"]).dtype == object:
        pytest.skip("this pandas keeps a column of strings as Python objects")
    column = request_id_column(RequestIds.from_strings(UUIDS))
    assert isinstance(column.array, pd.arrays.ArrowStringArray)
    assert column.dtype == pd.Series(["x"]).dtype
    # 36 bytes of text and an 8-byte offset a row
    assert column.memory_usage(index=False, deep=True) <= 44 * len(UUIDS) + 8


# ------------------------------------------------------------ the compact form (16-byte UUIDs)

LOWER_UUIDS = st.lists(st.uuids().map(str), min_size=1, max_size=30)


@given(LOWER_UUIDS, st.data())
def test_lowercase_uuids_are_held_in_16_bytes_and_come_back_exactly(
        ids: list[str], data: st.DataObject) -> None:
    column = RequestIds.from_strings(ids).compact()
    assert column.is_compact
    assert column.uuids is not None and column.uuids.nbytes == 16 * len(ids)
    assert column.tolist() == ids
    assert [column[i] for i in range(len(ids))] == ids
    assert column == RequestIds.from_strings(ids)
    rows = np.asarray(data.draw(st.lists(st.integers(0, len(ids) - 1), max_size=40)),
                      dtype=np.int64)
    taken = column.take(rows)
    assert taken.is_compact and taken.tolist() == [ids[i] for i in rows]
    assert column.general().data.tobytes() == "".join(ids).encode()
    assert column.offsets.tolist() == [36 * i for i in range(len(ids) + 1)]


@given(LOWER_UUIDS, st.integers(0, 29), st.sampled_from(["upper", "brace", "suffix", "hyphen",
                                                         "digit", "short"]))
def test_a_column_with_any_other_id_keeps_the_general_form(ids: list[str], at: int,
                                                          how: str) -> None:
    at %= len(ids)
    one = ids[at]
    changed = {"upper": one.upper() if one.upper() != one else "A" + one[1:],
               "brace": "{" + one[1:-1] + "}", "suffix": one + "-1",
               "hyphen": one[:8] + one[9] + "-" + one[10:],
               "digit": one[:5] + "g" + one[6:], "short": one[:-1]}[how]
    ids = [*ids[:at], changed, *ids[at + 1:]]
    column = RequestIds.from_strings(ids)
    assert not column.compact().is_compact
    assert column.compact().tolist() == ids


def test_uuid_values_and_text_are_inverse() -> None:
    text = np.frombuffer("".join(UUIDS).encode(), dtype=np.uint8).reshape(-1, 36)
    values = uuid_values(text)
    assert values is not None and values.shape == (len(UUIDS), 16)
    assert bytes(values[0]) == bytes.fromhex(UUIDS[0].replace("-", ""))
    assert uuid_text(values).tobytes() == "".join(UUIDS).encode()
    assert uuid_values(np.frombuffer(UUIDS[0].upper().encode(), np.uint8).reshape(1, 36)) is None


@given(st.lists(st.tuples(st.booleans(), LOWER_UUIDS), max_size=4))
def test_concat_of_compact_and_general_parts(parts: list[tuple[bool, list[str]]]) -> None:
    columns = [RequestIds.from_strings(p).compact() if compact else RequestIds.from_strings(p)
               for compact, p in parts]
    joined = RequestIds.concat(columns)
    assert joined.tolist() == [s for _c, p in parts for s in p]
    assert joined.is_compact == (bool(parts) and all(c for c, _p in parts))


def _sink_with_report_chunks(chunks: list[list[str]]) -> RecordSink:
    sink = RecordSink()
    sink.env_code("f", "2026/01/01/[$LATEST]abc")
    t = 1.0e12
    for ids in chunks:
        n = len(ids)
        env = np.zeros(n, dtype=np.int64)
        ts = t + 100.0 * np.arange(n)
        numbers = {name: np.full(n, value) for name, value in (
            ("duration_ms", 1.5), ("billed_duration_ms", 2.0), ("memory_mb", 128.0),
            ("max_memory_used_mb", 64.0), ("init_duration_ms", np.nan),
            ("restore_duration_ms", np.nan), ("billed_restore_duration_ms", np.nan))}
        sink.add_starts(env, ts - 1, RequestIds.from_strings(ids), ["1"] * n)
        sink.add_reports(env, ts + 5, RequestIds.from_strings(ids), numbers, [""] * n, [""] * n)
        t += 100.0 * n + 1000
    return sink


def test_the_sink_holds_uuid_chunks_in_16_bytes_and_the_table_as_binary() -> None:
    ids = UUIDS[:5] + ["0a" + u[2:] for u in UUIDS]
    sink = _sink_with_report_chunks([ids[:5], ids[5:]])
    assert sink.finish() == 0
    paired = sink.paired["request_id"]
    assert paired.is_compact and paired.tolist() == ids
    table = run_engine(sink).invocations
    if pd.Series(["x"]).dtype != object:  # pyarrow-backed str (pandas 3 with pyarrow)
        assert has_compact_ids(table)
        assert table["request_id"].memory_usage(index=False, deep=True) <= 16 * len(ids) + 8
    assert text_ids(table)["request_id"].tolist() == sorted(ids, key=ids.index)


def test_a_chunk_with_another_id_makes_the_joined_column_general() -> None:
    ids = UUIDS[:5] + ["retry-1", *UUIDS[5:]]
    sink = _sink_with_report_chunks([ids[:5], ids[5:]])
    assert sink.finish() == 0
    paired = sink.paired["request_id"]
    assert not paired.is_compact and paired.tolist() == ids
    table = run_engine(sink).invocations
    assert not has_compact_ids(table)
    assert table["request_id"].tolist() == ids


def test_text_ids_gives_the_column_pandas_makes_of_the_strings() -> None:
    pytest.importorskip("pyarrow")
    ids = [UUIDS[i] for i in (3, 1, 4, 1, 5, 9, 2, 6)]
    compact = RequestIds.from_strings(ids).compact()
    frame = pd.DataFrame({"n": np.arange(len(ids)), "request_id": id_column(compact)})
    # rows taken, filtered and joined as the pipeline does keep the binary column
    frame = pd.concat([frame[frame["n"] % 2 == 0], frame[frame["n"] % 2 == 1]])
    frame = frame.sort_values("n", kind="stable").reset_index(drop=True)
    if pd.Series(["x"]).dtype == object:
        assert not has_compact_ids(frame)
        return
    assert has_compact_ids(frame) and column_ids(frame["request_id"]).tolist() == ids
    text = text_ids(frame)
    assert has_compact_ids(frame)  # left as it is
    pd.testing.assert_frame_equal(text, pd.DataFrame({"n": np.arange(len(ids)),
                                                      "request_id": ids}))
    assert text_ids(text) is text


def test_an_analysis_gives_text_ids_when_rows_are_read() -> None:
    from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths

    one = analyze_paths(["examples/orders.log"], AnalyzeOptions())
    twin = analyze_paths(["examples/orders.log"], AnalyzeOptions())
    held = one.held_invocations
    arrow_str = pd.Series(["x"]).dtype != object
    assert has_compact_ids(held) == arrow_str
    assert one.rows_pending == arrow_str
    rows = one.invocations
    assert not has_compact_ids(rows) and not one.rows_pending
    assert rows["request_id"].dtype == pd.Series(["x"]).dtype
    assert rows["request_id"].tolist() == text_ids(held)["request_id"].tolist()
    assert one == twin  # read or not, the same analysis
    assert twin.events["request_id"].tolist() == one.events["request_id"].tolist()


def test_a_log_beside_a_lamlife_csv_gives_one_text_column(tmp_path: Path) -> None:
    # the log's RequestIds are UUIDs (16 bytes), the CSV's rows are text: the pipeline joins
    # them as text (pipeline.observed_invocations), not bytes beside strings
    from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths

    other = analyze_paths(["examples/orders.log"], AnalyzeOptions()).invocations.copy()
    other["function"] = "other"
    other["request_id"] = [f"id-{i}" for i in range(len(other))]
    other["environment"] = other["environment"].astype(str) + "-other"
    csv = tmp_path / "other.csv"
    csv.write_text(other.to_csv(index=False))
    log_only = analyze_paths(["examples/orders.log"], AnalyzeOptions())
    both = analyze_paths(["examples/orders.log", str(csv)], AnalyzeOptions())
    held = both.held_invocations
    assert not has_compact_ids(held)
    assert all(type(v) is str for v in held["request_id"])
    mine = held[held["function"] != "other"]["request_id"].tolist()
    assert mine == log_only.invocations["request_id"].tolist()
    assert held[held["function"] == "other"]["request_id"].tolist() == other[
        "request_id"].tolist()
