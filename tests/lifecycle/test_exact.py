"""REPORT numbers kept as exact integers in the sink (read.exact), and the sink's label codes:
what comes out is bit for bit what went in."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from lamlife.lifecycle.engine.replay import run_engine
from lamlife.lifecycle.read import exact
from lamlife.lifecycle.read.collect import NUMERIC_FIELDS, RecordSink

PRINTED = st.one_of(st.just(np.nan), st.integers(0, 8_640_000_000).map(lambda n: n / 100.0))
ANY = st.one_of(PRINTED, st.floats(min_value=0.0, max_value=86_400_000.0),
                st.just(-0.0), st.just(np.inf))


def _bits(values: np.ndarray) -> list[object]:
    return ["nan" if np.isnan(v) else np.float64(v).view(np.uint64) for v in values]


@given(st.lists(ANY, max_size=20), st.sampled_from([1, 100]))
def test_decode_gives_back_every_bit(values: list[float], scale: int) -> None:
    x = np.asarray(values, dtype=np.float64)
    stored = exact.encode(x, scale)
    assert _bits(exact.decode(stored, scale)) == _bits(x)


def test_printed_values_are_small_integers_and_others_stay_float() -> None:
    durations = np.array([0.0, 1.76, 3003.16, np.nan, 899_999.99])
    stored = exact.encode(durations, 100)
    assert stored.dtype == np.int32
    assert stored.tolist() == [0, 176, 300316, exact.MISSING, 89_999_999]
    assert exact.encode(np.array([128.0, 10_240.0]), 1).dtype == np.int16
    assert exact.encode(np.full(3, np.nan), 100).dtype == np.int8
    assert exact.encode(np.array([86_400_000.0]), 100).dtype == np.int64
    for odd in ([1.005], [0.1 + 0.2], [-0.0], [np.inf], [128.5]):  # not n / scale exactly
        assert exact.encode(np.array(odd), 1 if odd == [128.5] else 100).dtype == np.float64


@given(st.lists(st.lists(ANY, max_size=6), max_size=4))
def test_concat_of_mixed_chunks_is_the_values_in_order(parts: list[list[float]]) -> None:
    chunks = [exact.encode(np.asarray(p, dtype=np.float64), 100) for p in parts]
    joined = exact.decode(exact.concat(chunks, 100), 100)
    assert _bits(joined) == _bits(np.asarray([v for p in parts for v in p], dtype=np.float64))


def test_label_codes_are_shared_across_chunks_and_missing_is_empty() -> None:
    sink = RecordSink()
    first = sink.label_codes(["success", "", "timeout", "success"])
    second = sink.label_codes(np.array(["timeout", None, "error"], dtype=object))
    labels = sink.label_array()
    assert labels[first].tolist() == ["success", "", "timeout", "success"]
    assert labels[second].tolist() == ["timeout", "", "error"]
    assert first.dtype == np.int16 and labels[0] == ""


def test_a_chunk_with_an_inexact_number_gives_the_same_table() -> None:
    """One chunk of numbers Lambda prints (stored as integers), one with a value a JSON
    export might carry (kept as float64): the table holds exactly the values given."""
    sink = RecordSink()
    sink.env_code("f", "2026/01/01/[$LATEST]abc")
    given_numbers = []
    for chunk, duration in enumerate((12.34, 12.345678)):
        ts = np.array([1.0e12 + 1000.0 * chunk])
        numbers = {name: np.array([np.nan]) for name in NUMERIC_FIELDS}
        numbers.update(duration_ms=np.array([duration]), billed_duration_ms=np.array([13.0]),
                       memory_mb=np.array([128.0]), max_memory_used_mb=np.array([70.0]))
        sink.add_reports(np.zeros(1, dtype=np.int64), ts, [f"id-{chunk}"], numbers,
                         ["error"], ["Runtime.Unknown"])
        given_numbers.append(duration)
    sink.finish()
    assert sink.paired["duration_ms"].dtype == np.float64  # one chunk was not exact
    table = run_engine(sink).invocations
    assert table["duration_ms"].tolist() == given_numbers
    assert table["memory_mb"].tolist() == [128.0, 128.0]
    assert table["status"].tolist() == ["error", "error"]
    assert table["error_type"].tolist() == ["Runtime.Unknown"] * 2
    assert np.isnan(table["restore_duration_ms"]).all()


def test_label_codes_widen_past_what_int16_holds() -> None:
    sink = RecordSink()
    many = [f"v{k}" for k in range(40_000)]
    codes = sink.label_codes(many)
    assert codes.dtype == np.int64
    assert sink.label_array()[codes].tolist() == many
    assert sink.label_codes(["v1"]).dtype == np.int16
