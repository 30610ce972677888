"""Differential test of the fast readers (issue 12): the compiled tail scanner, the pure-Python
chunk scanner and the general per-event parser give identical analyses on every golden input,
on generated logs at several seeds and on hypothesis-built logs.

The per-event reference (``test_readers.per_event_reference``) feeds every event to
``RecordSink.add`` one at a time, the doc's rule done the plain way.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_readers import _STREAMS, _tail, _tail_message, assert_same_as_per_event_path

from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths
from lamlife.lifecycle.read import tail
from lamlife.lifecycle.schema import INVOCATION_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "readers"
GENERATOR = ROOT / "benchmarks" / "generate_logs.py"
GOLDEN = sorted(p.parent for p in DATA.glob("*/expected.json"))
SCANNERS = ["compiled", "python"]

needs_compiled = pytest.mark.skipif(
    tail._tailscan is None, reason="the compiled scanner is not built (no C compiler)")


def _use(scanner: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if scanner == "python":
        monkeypatch.setenv(tail.PURE_PYTHON_ENV, "1")
    else:
        monkeypatch.delenv(tail.PURE_PYTHON_ENV, raising=False)
        if tail._tailscan is None:
            pytest.skip("the compiled scanner is not built (no C compiler)")


def _analysis_with(scanner: str, paths: list[str], options: AnalyzeOptions | None = None
                   ) -> Analysis:
    with pytest.MonkeyPatch.context() as mp:
        _use(scanner, mp)
        return analyze_paths(paths, options)


def _same(a: Analysis, b: Analysis) -> None:
    """Every invocation column, the summary and the input accounting, exactly."""
    assert len(a.invocations) == len(b.invocations)
    for column in INVOCATION_COLUMNS:
        pd.testing.assert_series_equal(a.invocations[column], b.invocations[column],
                                       check_dtype=False, check_names=False, obj=column)
    assert a.summary == b.summary
    stats = ("files", "lines", "events", "records", "ignored", "malformed", "incomplete",
             "malformed_examples", "warnings")
    assert {k: getattr(a.input, k) for k in stats} == {k: getattr(b.input, k) for k in stats}


@needs_compiled
def test_compiled_scanner_is_used_when_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(tail.PURE_PYTHON_ENV, raising=False)
    assert tail.compiled_scanner()
    monkeypatch.setenv(tail.PURE_PYTHON_ENV, "1")
    assert not tail.compiled_scanner()


@needs_compiled
@pytest.mark.parametrize("case", GOLDEN, ids=lambda p: p.name)
def test_golden_inputs_same_with_either_scanner(case: Path) -> None:
    import json

    spec: dict[str, Any] = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    paths = [str(case / p) for p in spec["paths"]]
    options = AnalyzeOptions(**spec["options"])
    _same(_analysis_with("compiled", paths, options), _analysis_with("python", paths, options))


def _generated(tmp: Path, seed: int, invocations: int = 1500) -> Path:
    path = tmp / f"orders-{seed}.log"
    subprocess.run([sys.executable, str(GENERATOR), "--invocations", str(invocations),
                    "--seed", str(seed), "--rate", "0.5", "--timeout-prob", "0.03",
                    "--crash-prob", "0.02", "--proactive-prob", "0.3", "--output", str(path)],
                   check=True, capture_output=True)
    return path


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("chunk", [None, 4096])
def test_generated_logs_same_on_every_path(seed: int, chunk: int | None,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # a 4 KiB chunk puts chunk boundaries inside events everywhere
    if chunk is not None:
        monkeypatch.setattr(tail, "CHUNK_CHARS", chunk)
    with tempfile.TemporaryDirectory() as folder:
        path = _generated(Path(folder), seed)
        for scanner in SCANNERS:
            with pytest.MonkeyPatch.context() as mp:
                _use(scanner, mp)
                assert_same_as_per_event_path(path)


@pytest.mark.parametrize("scanner", SCANNERS)
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(events=st.lists(st.tuples(st.integers(min_value=0, max_value=20000),
                                 st.sampled_from(_STREAMS), _tail_message()),
                       min_size=1, max_size=30),
       chunk=st.sampled_from([None, 200]),
       crlf=st.booleans())
def test_hypothesis_logs_same_on_every_path(scanner: str, events: list[tuple[int, str, str]],
                                            chunk: int | None, crlf: bool,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # times may repeat (step 0): ties are ordered by read order on every path
    t = pd.Timestamp("2026-07-20T01:00:00Z")
    lines = []
    for step_ms, stream, message in events:
        t += pd.Timedelta(milliseconds=step_ms)
        lines.append(f"{t.strftime('%Y-%m-%dT%H:%M:%S.%f')}+00:00 {stream} {message}")
    text = _tail(lines)
    if crlf:
        text = text.replace("\n", "\r\n")
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as mp:
        path = Path(folder) / "fn.log"
        path.write_bytes(text.encode("utf-8"))
        _use(scanner, mp)
        if chunk is not None:
            mp.setattr(tail, "CHUNK_CHARS", chunk)
        assert_same_as_per_event_path(path)


@needs_compiled
@settings(max_examples=200, deadline=None, derandomize=True)
@given(ids=st.lists(st.one_of(st.text(max_size=80), st.from_regex(r"[0-9a-f-]{36}",
                                                                   fullmatch=True)),
                    max_size=20))
def test_request_id_hashes_same_compiled_and_in_python(ids: list[str]) -> None:
    # pairing joins records of both paths by these hashes: they must be the same function
    from lamlife.lifecycle.read import collect, compiled

    got = np.frombuffer(compiled.tailscan.hash_ids(ids), dtype=np.uint64)
    assert got.tolist() == collect.fnv1a_ids(ids).tolist()


STREAM = "2026/07/20/[$LATEST]0c5d1e3f9a7b4c2d8e6f1a3b5c7d9e0f"
_REPORT = ("REPORT RequestId: {rid}\tDuration: 50.00 ms\tBilled Duration: 50 ms\t"
           "Memory Size: 128 MB\tMax Memory Used: 60 MB\t")
ODD_LINES = {
    "backslash in a RequestId": [
        f"2026-07-20T01:50:15.250000+00:00 {STREAM} START RequestId: a\\tb Version: $LATEST",
        f"2026-07-20T01:50:15.300000+00:00 {STREAM} " + _REPORT.format(rid="a\\tb")],
    "REPORT without a RequestId": [
        f"2026-07-20T01:50:15.300000+00:00 {STREAM} REPORT Duration: 50.00 ms\t"
        "Billed Duration: 50 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB"],
    "RequestId and a tab": [
        f"2026-07-20T01:50:15.250000+00:00 {STREAM} START RequestId: r1 Version: $LATEST",
        f"2026-07-20T01:50:15.260000+00:00 {STREAM} RequestId:\tr1 Error: Runtime exited",
        f"2026-07-20T01:50:15.300000+00:00 {STREAM} " + _REPORT.format(rid="r1")],
    "a time before 1970": [
        f"1969-12-31T23:59:59.000000+00:00 {STREAM} START RequestId: r1 Version: $LATEST",
        f"1969-12-31T23:59:59.500000+00:00 {STREAM} " + _REPORT.format(rid="r1"),
        f"2026-07-20T01:50:15.300000+00:00 {STREAM} " + _REPORT.format(rid="r3")],
    "times the general parser refuses (hour 24, second 60, before 1970)": [
        f"2026-07-20T01:50:15.250000+00:00 {STREAM} START RequestId: r1 Version: $LATEST",
        f"2026-07-20T24:00:00.000000+00:00 {STREAM} END RequestId: r1",
        f"2026-07-20T01:50:15.300000+00:00 {STREAM} " + _REPORT.format(rid="r1"),
        f"2026-07-20T01:50:60.000000+00:00 {STREAM} START RequestId: r2 Version: $LATEST",
        f"1969-12-31T23:59:59.000000+00:00 {STREAM} END RequestId: r3"],
    "an offset and nine fraction digits": [
        f"2026-07-20T03:50:15.123456789+02:00 {STREAM} START RequestId: r1 Version: $LATEST",
        f"2026-07-20T01:50:15.2+00:00 {STREAM} " + _REPORT.format(rid="r1")],
}


@pytest.mark.parametrize("scanner", SCANNERS)
@pytest.mark.parametrize("name", sorted(ODD_LINES))
def test_odd_lines_same_on_every_path(name: str, scanner: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # shapes the fast paths must leave to the general parser (or read exactly as it does)
    path = tmp_path / "fn.log"
    path.write_text(_tail(ODD_LINES[name]), encoding="utf-8")
    _use(scanner, monkeypatch)
    assert_same_as_per_event_path(path)
