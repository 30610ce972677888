"""START/REPORT pairing (collect.pair_starts): by (environment, RequestId) and time, never by
RequestId alone; linear however many invocations share one RequestId (issue 11: redacted logs
print ``RequestId: REDACTED`` on every line)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lamlife.lifecycle.read.collect import RecordSink, hash_ids, pair_starts

NAN = float("nan")


def _columns(envs: list[int], ts: list[float], rids: list[str],
             versions: list[str] | None = None) -> dict[str, np.ndarray]:
    cols = {"env": np.asarray(envs, dtype=np.int64), "ts": np.asarray(ts, dtype=np.float64),
            "rid_hash": hash_ids(rids) if rids else np.zeros(0, np.uint64)}
    if versions is not None:
        cols["version"] = np.asarray(versions, dtype=object)
    return cols


def _naive(starts: list[tuple[int, float, str, str]], reports: list[tuple[int, float, str]]
           ) -> list[tuple[float, str]]:
    """The rule stated plainly: REPORTs in time order (read order on ties) each take the latest
    unpaired START of the same (environment, RequestId) at or before it (the first read among
    STARTs of the same time)."""
    open_starts = list(enumerate(starts))
    out: list[tuple[float, str]] = [(NAN, "")] * len(reports)
    for i in sorted(range(len(reports)), key=lambda k: (reports[k][1], k)):
        env, ts, rid = reports[i]
        best = None
        for pos, (_k, (s_env, s_ts, s_rid, _v)) in enumerate(open_starts):
            if (s_env, s_rid) == (env, rid) and s_ts <= ts and (
                    best is None or s_ts > open_starts[best][1][1]):
                best = pos
        if best is not None:
            _k, (_e, s_ts, _r, ver) = open_starts.pop(best)
            out[i] = (s_ts, ver)
    return out


def test_forty_thousand_invocations_sharing_one_redacted_request_id() -> None:
    # One environment, every line "RequestId: REDACTED": each REPORT pairs with the START just
    # before it (40,000 pairs; quadratic pairing took minutes here).
    n = 40_000
    start_ts = [1000.0 * k for k in range(n)]
    report_ts = [1000.0 * k + 250.0 for k in range(n)]
    versions = [str(k % 7) for k in range(n)]
    starts = _columns([0] * n, start_ts, ["REDACTED"] * n, versions)
    reports = _columns([0] * n, report_ts[::-1], ["REDACTED"] * n)  # read in any order
    got_ts, got_version, matched = pair_starts(starts, reports)
    assert matched == n
    assert got_ts.tolist() == start_ts[::-1]
    assert got_version.tolist() == versions[::-1]


def test_shared_request_id_across_environments_pairs_within_each() -> None:
    starts = _columns([0, 1, 0, 1], [0.0, 5.0, 100.0, 105.0], ["REDACTED"] * 4,
                      ["a", "b", "c", "d"])
    reports = _columns([1, 0, 1, 0, 0], [50.0, 40.0, 150.0, 140.0, 200.0], ["REDACTED"] * 5)
    got_ts, got_version, matched = pair_starts(starts, reports)
    assert matched == 4
    assert got_ts[:4].tolist() == [5.0, 0.0, 105.0, 100.0]
    assert got_version.tolist() == ["b", "a", "d", "c", ""]
    assert np.isnan(got_ts[4])


def test_sink_pairs_repeated_request_ids_end_to_end() -> None:
    sink = RecordSink()
    for k in range(2000):
        sink.add("fn", "s", 10.0 * k, "START RequestId: REDACTED Version: $LATEST")
        sink.add("fn", "s", 10.0 * k + 3, "REPORT RequestId: REDACTED\tDuration: 2.00 ms\t"
                 "Billed Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t")
    assert sink.finish() == 0
    assert (sink.paired["end"] - sink.paired["start"]).tolist() == [3.0] * 2000


@settings(max_examples=60, deadline=None, derandomize=True)
@given(starts=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 6), st.sampled_from("xy"),
                                 st.sampled_from(["1", "2", "3"])), max_size=12),
       reports=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 6), st.sampled_from("xy")),
                        max_size=12))
def test_pairing_equals_the_plain_rule(starts: list[tuple[int, int, str, str]],
                                       reports: list[tuple[int, int, str]]) -> None:
    s = [(e, float(t), r, v) for e, t, r, v in starts]
    r = [(e, float(t), rid) for e, t, rid in reports]
    got_ts, got_version, matched = pair_starts(
        _columns([x[0] for x in s], [x[1] for x in s], [x[2] for x in s], [x[3] for x in s]),
        _columns([x[0] for x in r], [x[1] for x in r], [x[2] for x in r]))
    want = _naive(s, r)
    assert [(t if t == t else None, v) for t, v in zip(got_ts.tolist(), got_version.tolist(),
                                                        strict=True)] == \
        [(t if t == t else None, v) for t, v in want]
    assert matched == sum(1 for t, _v in want if not pd.isna(t))


def test_status_lines_sharing_one_request_id_go_to_their_own_invocation() -> None:
    # Every other invocation times out ("Task timed out" lines, old style), all RequestIds
    # REDACTED: each line marks the invocation it falls in, nothing else (was quadratic too).
    from lamlife.lifecycle.engine.replay import run_engine

    sink = RecordSink()
    n = 20_000
    for k in range(n):
        sink.add("fn", "s", 100.0 * k, "START RequestId: REDACTED Version: $LATEST")
        if k % 2:
            sink.add("fn", "s", 100.0 * k + 60, "2026-07-20T01:50:15.300Z REDACTED "
                     "Task timed out after 0.06 seconds")
        sink.add("fn", "s", 100.0 * k + 61, "REPORT RequestId: REDACTED\tDuration: 60.00 ms\t"
                 "Billed Duration: 60 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t")
    assert sink.finish() == 0
    table = run_engine(sink).invocations
    assert table["status"].tolist() == ["success", "timeout"] * (n // 2)
