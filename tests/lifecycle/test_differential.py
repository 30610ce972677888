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
from lamlife.lifecycle.read import blocks, collect, jsonl, tail
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


SHAPES = sorted(p.parent for p in (DATA.parent / "shapes").glob("*/expected.json"))


@needs_compiled
@pytest.mark.parametrize("case", SHAPES, ids=lambda p: p.name)
def test_same_events_in_two_shapes_same_with_either_scanner(case: Path) -> None:
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
        monkeypatch.setattr(blocks, "_HALVES_FROM", 1024)  # each block scanned in two parts
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
    "backslash in a version, an error type or the line after a platform line": [
        f"2026-07-20T01:50:15.250000+00:00 {STREAM} START RequestId: r1 Version: a\\tb",
        f"2026-07-20T01:50:15.300000+00:00 {STREAM} " + _REPORT.format(rid="r1")
        + "Status: error\tError Type: Runtime\\tExit",
        f"2026-07-20T01:50:16.250000+00:00 {STREAM} START RequestId: r2 Version: $LATEST",
        "\\tcontinued",
        f"2026-07-20T01:50:16.300000+00:00 {STREAM} " + _REPORT.format(rid="r2"),
        "XRAY TraceId: 1-5e6\\tSegmentId: 07a8"],
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


# ------------------------------------------------------------------ JSON lines (lamlife fetch)

CONVERTER = ROOT / "benchmarks" / "convert_logs.py"
JSONL_PATHS = ["compiled", "python", "general"]


def _jsonl_golden() -> list[Path]:
    from lamlife.lifecycle.read.detect import detect_format

    cases = []
    for case in GOLDEN:
        for path in sorted(case.rglob("*")):
            if path.is_file() and path.name != "expected.json" and detect_format(
                    path.read_bytes()[:65536].decode("utf-8", "replace")) == "jsonl":
                cases.append(case)
                break
    return cases


JSONL_GOLDEN = _jsonl_golden()


def _use_jsonl(path: str, mp: pytest.MonkeyPatch) -> None:
    """``compiled``: the compiled JSON-lines scanner; ``python``: its pure-Python fallback;
    ``general``: every line through the general per-line parser."""
    mp.setattr(jsonl, "FAST_PATH", path != "general")
    _use("compiled" if path == "compiled" else "python", mp)


def _jsonl_analyses(paths: list[str], options: AnalyzeOptions | None = None,
                    chunk: int | None = None) -> dict[str, Analysis]:
    out = {}
    for path in JSONL_PATHS:
        with pytest.MonkeyPatch.context() as mp:
            if path == "compiled" and tail._tailscan is None:
                continue  # no compiler: the two Python paths still agree
            _use_jsonl(path, mp)
            if chunk is not None:
                mp.setattr(jsonl, "CHUNK_CHARS", chunk)
                mp.setattr(blocks, "_HALVES_FROM", 64)  # each block scanned in two parts
            out[path] = analyze_paths(paths, options)
    return out


def _all_same(analyses: dict[str, Analysis]) -> None:
    reference = analyses["general"]
    for path, analysis in analyses.items():
        if path != "general":
            _same(analysis, reference)


def test_jsonl_golden_inputs_exist() -> None:
    # the golden cases below must hold JSON lines, or the test below tests nothing
    assert {p.name for p in JSONL_GOLDEN} >= {"jsonl", "jsonl-first-line", "bare-json-instance"}


@pytest.mark.parametrize("case", JSONL_GOLDEN, ids=lambda p: p.name)
def test_jsonl_golden_inputs_same_on_every_path(case: Path) -> None:
    import json

    spec: dict[str, Any] = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    paths = [str(case / p) for p in spec["paths"]]
    _all_same(_jsonl_analyses(paths, AnalyzeOptions(**spec["options"])))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_jsonl_same_on_every_path(seed: int, tmp_path: Path) -> None:
    log = _generated(tmp_path, seed)
    path = tmp_path / f"orders-{seed}.jsonl"
    subprocess.run([sys.executable, str(CONVERTER), str(log), "--to", "jsonl", "--output",
                    str(path)], check=True, capture_output=True)
    for chunk in (None, 4096):  # 4 KiB: many chunks, each cut at a line end
        analyses = _jsonl_analyses([str(path)], chunk=chunk)
        _all_same(analyses)
        assert len(analyses["general"].invocations) > 1000


_GROUPS = ["/aws/lambda/orders", "/aws/lambda/payments", "",
           "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/orders:*",
           "/custom/shared-logs", "/aws/lambda/ordérs", "/aws/lambda/a\u0000b"]
_TRICKY = ["START RequestId: r\té Version: $LATEST", "app says \"hi\"\n\tthere",
           "caf\u00e9 \\ back\\slash", "START RequestId: 5e6f7a8b-0001 Version: \u00e9",
           "END RequestId: 5e6f7a8b-0002\n", "REPORT RequestId: x\tDuration: 5 ms",
           " START RequestId: 5e6f7a8b-0003 Version: $LATEST", "XRAY TraceId: 1-5e6",
           "", "{\"not\": \"platform\"}", "arrow \u2192 and \u2028 line separator",
           "REPORT RequestId: 5e6f7a8b-0001\tDuration: 90000000.00 ms\tBilled Duration: 5 ms"
           "\tMemory Size: 128 MB\tMax Memory Used: 100 MB",
           "REPORT RequestId: 5e6f7a8b-0002\tDuration: 1.00 ms\tBilled Duration: 1 ms"
           "\tMemory Size: 64 MB\tMax Memory Used: 60 MB",
           "REPORT RequestId: 5e6f7a8b-0003\tDuration: 1.5 ms\tBilled Duration: 2 ms"
           "\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: SUCCESS\tError Type: X\t"]
_SHAPES = ["plain", "spaced", "ascii", "reordered", "extra", "no-stream", "ts-float",
           "ts-string", "ts-negative", "ts-huge", "ts-bool", "duplicate", "escaped-key",
           "not-string", "blanks", "crlf"]
_OTHER_LINES = ["", "   ", "[1, 2]", "42", "not json at all", '{"logGroupName": "/aws/lambda/x"',
                '{"lamlife_fetch": 1, "function": "orders", "configuration": {"memory_mb": 512}}',
                "{}", '"a string"', "{\"message\": \"START RequestId: q Version: 1\"}"]


@st.composite
def _jsonl_line(draw: st.DrawFn, ts: int) -> str:
    import json

    if draw(st.integers(min_value=0, max_value=9)) == 0:
        return draw(st.sampled_from(_OTHER_LINES))
    message = draw(st.one_of(_tail_message(), st.sampled_from(_TRICKY)))
    shape = draw(st.sampled_from(_SHAPES))
    items: list[tuple[str, Any]] = [
        ("logGroupName", draw(st.sampled_from(_GROUPS))),
        ("logStreamName", draw(st.sampled_from(_STREAMS))),
        ("timestamp", ts), ("message", message), ("eventId", str(ts))]
    ascii_only, separators = shape == "ascii", (",", ":")
    if shape == "spaced":
        separators = (", ", ": ")
    elif shape == "reordered":
        items = draw(st.permutations(items))
    elif shape == "extra":
        items.insert(draw(st.integers(0, len(items))), draw(st.sampled_from(
            [("ingestionTime", ts + 5), ("ingestionTime", 1.5), ("logStream", "other"),
             ("functionName", "named"), ("logGroupArn", "arn:aws:logs:eu-west-1:1:log-group:x"),
             ("nested", {"a": [1, 2]})])))
    elif shape == "no-stream":
        items = [kv for kv in items if kv[0] != "logStreamName"]
    elif shape.startswith("ts-"):
        value = {"ts-float": ts + 0.5, "ts-string": "2026-07-20T01:00:00.000Z",
                 "ts-negative": -ts, "ts-huge": 10 ** 20, "ts-bool": True}[shape]
        items = [(k, value if k == "timestamp" else v) for k, v in items]
    elif shape == "duplicate":
        items.append(draw(st.sampled_from([("message", "END RequestId: dup"),
                                           ("timestamp", ts + 1)])))
    elif shape == "not-string":
        key = draw(st.sampled_from(["logGroupName", "logStreamName", "message", "eventId"]))
        items = [(k, None if k == key else v) for k, v in items]
    body = separators[0].join(
        ("\"\\u006dessage\"" if shape == "escaped-key" and k == "message"
         else json.dumps(k)) + separators[1] + json.dumps(v, ensure_ascii=ascii_only)
        for k, v in items)
    line = "{" + body + "}"
    if shape == "blanks":
        line = " \t" + line + "  "
    elif shape == "crlf":
        line += "\r"
    return line


@st.composite
def _jsonl_text(draw: st.DrawFn) -> str:
    import json

    ts = 1_784_509_200_000  # 2026-07-20T01:00:00Z
    # a first line in the fetch shape: the file is detected as JSON lines
    lines = [json.dumps({"logGroupName": "/aws/lambda/orders", "logStreamName": "s0",
                         "timestamp": ts, "message": "START RequestId: r0 Version: 1",
                         "eventId": "0"})]
    for _ in range(draw(st.integers(min_value=1, max_value=30))):
        ts += draw(st.integers(min_value=0, max_value=20000))  # ties are ordered by read order
        lines.append(draw(_jsonl_line(ts)))
    return "\n".join(lines) + draw(st.sampled_from(["\n", ""]))


def _jsonl_text_same_on_every_path(text: str, chunk: int | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fn.jsonl"
        path.write_bytes(text.encode("utf-8"))
        analyses = _jsonl_analyses([str(path)], chunk=chunk)
        _all_same(analyses)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(text=_jsonl_text(), chunk=st.sampled_from([None, 150]))
def test_hypothesis_jsonl_same_on_every_path(text: str, chunk: int | None) -> None:
    _jsonl_text_same_on_every_path(text, chunk)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_jsonl_text(), chunk=st.sampled_from([None, 150]))
def test_hypothesis_jsonl_same_on_every_path_many(text: str, chunk: int | None) -> None:
    # the same with more and non-derandomized examples (CI runs slow tests)
    _jsonl_text_same_on_every_path(text, chunk)


_FAST_LINES = (
    '{"logGroupName":"/aws/lambda/orders","logStreamName":"s1","timestamp":1784509200000,'
    '"message":"START RequestId: r1 Version: $LATEST","eventId":"1"}\n'
    '{"eventId":"2","message":"REPORT RequestId: r1\\tDuration: 5.25 ms\\tBilled Duration: 6 ms'
    '\\tMemory Size: 128 MB\\tMax Memory Used: 60 MB\\tInit Duration: 100.5 ms\\n",'
    '"timestamp":1784509200006, "logStreamName":"s1", "logGroupName":"/aws/lambda/orders"}\n'
    '{"logGroupName":"/aws/lambda/orders","logStreamName":"s1","timestamp":1784509200001,'
    '"message":"caf\\u00e9 said \\"hi\\"","eventId":"3"}\n'
    '{"logGroupName":"/aws/lambda/orders","logStreamName":"s1","timestamp":1784509200002,'
    '"message":"INIT_START Runtime Version: python:3.12","eventId":"4"}\n')


@pytest.mark.parametrize("path", ["compiled", "python"])
def test_jsonl_scanner_reads_canonical_lines_and_leaves_the_rest(
        path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # START and REPORT (escaped tabs, keys in another order) and application output are read
    # by the scanner; the INIT_START line (4th, offset of its line) goes to the general parser
    if path == "compiled" and tail._tailscan is None:
        pytest.skip("the compiled scanner is not built (no C compiler)")
    # the compiled scanner reads UTF-8 bytes (the text here is ASCII: same offsets)
    lines, events, ignored, end_count, slow, first_use, columns = (
        tail._tailscan.scan_jsonl(_FAST_LINES.encode()) if path == "compiled"
        else jsonl.scan_jsonl_python(_FAST_LINES))
    assert (lines, events, ignored, end_count) == (4, 3, 1, 0)
    assert np.frombuffer(first_use, dtype=np.int64).tolist() == [0]
    offset = _FAST_LINES.index('{"logGroupName":"/aws/lambda/orders","logStreamName":"s1",'
                               '"timestamp":1784509200002')
    length = len(_FAST_LINES.split("\n")[3])
    assert np.frombuffer(slow, dtype=np.int64).tolist() == [offset, length, 3]
    streams, versions, _etypes, starts, reports = columns
    assert streams == ["/aws/lambda/orders\0s1"] and versions == ["$LATEST"]
    # RequestIds: UTF-8 bytes end to end, offsets from 0, FNV-1a hashes (collect.hash_ids)
    assert (starts[3], reports[5]) == (b"r1", b"r1")
    assert np.frombuffer(starts[4], dtype=np.int64).tolist() == [0, 2]
    assert np.frombuffer(reports[7], dtype=np.uint64).tolist() == collect.fnv1a_ids(
        ["r1"]).tolist()
    assert np.frombuffer(reports[1], dtype=np.float64).tolist() == [1784509200006.0]
    assert np.frombuffer(reports[2], dtype=np.float64).tolist() == [5.25, 6.0, 128.0, 60.0,
                                                                      100.5]


# ------------------------------------------------------------------ bytes the scanner reads
# The compiled scanner reads the input's UTF-8 bytes and decodes only the events it leaves to
# the general parser; the pure-Python path reads the text the wrapper decodes (errors=
# "replace"). Both must agree on any bytes: non-ASCII output, bytes that are not UTF-8, a byte
# order mark, CRLF, lines starting with digits other than ASCII ones, read boundaries inside
# characters, lines longer than any event.

_ODD_MESSAGES = [
    "café ünïcödé 日本語 😀 done".encode(),
    "START RequestId: é1 Version: $LATEST".encode(),
    "REPORT RequestId: r1\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\t"
    "Max Memory Used: 60 MB\tError Type: Ünknown".encode(),
    b"bad \xff\xfe bytes", b"cut short caf\xc3", b"\xe2\x82 cut in the middle",
    b"a surrogate \xed\xa0\x80 in UTF-8", b"overlong \xc0\xaf and \xf4\x90\x80\x80",
    "INIT_START Runtime Version: pythön:3.12".encode(),
    "RequestId: r1 Error: Runtime exited — ✗".encode(),
]
_ODD_LINES = [
    "\u00a0\u2003".encode(),                                   # Unicode spaces only
    "²026-07-20T01:50:15.250000+00:00 s1 START RequestId: q Version: 1".encode(),
    "٢٠٢٦-07-20T01:50:15.250000+00:00 s1 app output".encode(),  # Arabic-Indic digits
    "2é26-07-20T01:50:15.250000+00:00 s1 END RequestId: r1".encode(),
    "  at café (/var/task/índex.js:1:2)".encode(),
    b"\xff2026-07-20T01:50:15.250000+00:00 s1 x", b"\xc3",
    "2026-07-20T01:50:1€.250000+00:00 s1 START RequestId: z Version: 1".encode(),
    "é" .encode() * 3000, b"x" * 5000 + "ü".encode() * 10,
]


@st.composite
def _tail_bytes(draw: st.DrawFn) -> bytes:
    t = pd.Timestamp("2026-07-20T01:00:00Z")
    lines: list[bytes] = []
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(_ODD_LINES)))  # before the first event
    for _ in range(draw(st.integers(min_value=1, max_value=25))):
        t += pd.Timedelta(milliseconds=draw(st.integers(min_value=0, max_value=20000)))
        stream = draw(st.sampled_from(_STREAMS)).encode()
        kind = draw(st.integers(min_value=0, max_value=5))
        message = (draw(st.sampled_from(_ODD_MESSAGES)) if kind == 0
                   else draw(_tail_message()).encode())
        lines.append(f"{t.strftime('%Y-%m-%dT%H:%M:%S.%f')}+00:00 ".encode() + stream + b" "
                     + message)
        if kind == 1:
            lines.append(draw(st.sampled_from(_ODD_LINES)))  # continuation lines
    newline = b"\r\n" if draw(st.booleans()) else b"\n"
    text = newline.join(lines) + draw(st.sampled_from([newline, b""]))
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text


def _tail_bytes_same(data: bytes, chunk: int | None, max_event: int | None) -> None:
    from lamlife.lifecycle.read import lines as line_readers

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fn.log"
        path.write_bytes(data)
        analyses = {}
        for scanner in SCANNERS:
            with pytest.MonkeyPatch.context() as mp:
                _use(scanner, mp)
                if chunk is not None:
                    mp.setattr(tail, "CHUNK_CHARS", chunk)
                    mp.setattr(blocks, "_HALVES_FROM", 64)  # each block scanned in two parts
                if max_event is not None:
                    mp.setattr(tail, "MAX_EVENT_CHARS", max_event)
                    mp.setattr(line_readers, "MAX_EVENT_CHARS", max_event)
                analyses[scanner] = analyze_paths([str(path)])
        _same(analyses["compiled"], analyses["python"])


@needs_compiled
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=_tail_bytes(), chunk=st.sampled_from([None, 61, 200]))
def test_tail_bytes_same_compiled_and_in_python(data: bytes, chunk: int | None) -> None:
    # 61 and 200-byte reads put read boundaries inside characters and inside events
    _tail_bytes_same(data, chunk, None)


@needs_compiled
@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_tail_bytes(), chunk=st.sampled_from([None, 61, 200]))
def test_tail_bytes_same_compiled_and_in_python_many(data: bytes, chunk: int | None) -> None:
    # the same with more and non-derandomized examples (CI runs slow tests)
    _tail_bytes_same(data, chunk, None)


@needs_compiled
@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=_tail_bytes())
def test_tail_bytes_with_lines_longer_than_any_event(data: bytes) -> None:
    # events of at most 2,048 characters: the lines of 3,000 "é" and 5,000 "x" are cut
    _tail_bytes_same(data, 512, 2048)


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_non_ascii_output_is_read_like_ascii_output(bom: bytes, newline: bytes,
                                                    tmp_path: Path) -> None:
    # application output beyond ASCII around canonical records: same analysis on every path
    stream = STREAM.encode()
    lines = [f"2026-07-20T01:50:15.250000+00:00 {STREAM} START RequestId: r1 Version: $LATEST"
             .encode(),
             b"2026-07-20T01:50:15.260000+00:00 " + stream + " 注文を受け付けました ✓".encode(),
             "  détails: ünïcödé".encode(),
             f"2026-07-20T01:50:15.300000+00:00 {STREAM} END RequestId: r1".encode(),
             f"2026-07-20T01:50:15.300000+00:00 {STREAM} " .encode()
             + _REPORT.format(rid="r1").encode()]
    path = tmp_path / "fn.log"
    path.write_bytes(bom + newline.join(lines) + newline)
    for scanner in SCANNERS:
        with pytest.MonkeyPatch.context() as mp:
            _use(scanner, mp)
            assert_same_as_per_event_path(path)
            stats = analyze_paths([str(path)]).input
            # a byte order mark at the start is dropped: the first line is the START event
            assert (stats.events, stats.records, stats.ignored) == (4, 3, 1)


@needs_compiled
@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=400), _tail_bytes().map(lambda b: b[:400]),
                      st.lists(st.sampled_from(_ODD_MESSAGES + _ODD_LINES + [
                          b"\n", b"\r", b"{", b"}", b'"', b"\\u", b"\\ud83d", b":", b",",
                          b'"message":', b"2026-07-20T", b"RequestId: ", b"\t"]),
                          max_size=30).map(b"".join)))
def test_compiled_scanners_take_any_bytes(data: bytes) -> None:
    # never a crash, whatever the bytes; what they return is well formed
    lines, events, lead, end_count, _seen, slow, columns = tail._tailscan.scan(data)
    assert lines == data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    assert events + lead <= lines
    deferred = np.frombuffer(slow, dtype=np.int64).reshape(-1, 3)
    assert ((deferred[:, 0] < deferred[:, 2]) & (deferred[:, 2] <= len(data))).all()
    for scanned in (columns, tail._tailscan.scan_jsonl(data)[6]):
        for rows in (scanned[3], scanned[4]):
            offsets = np.frombuffer(rows[-2], dtype=np.int64)
            assert offsets[0] == 0 and offsets[-1] == len(rows[-3])
            assert len(rows[-1]) == 8 * (len(offsets) - 1) == len(rows[1])
    assert events >= 0 and lead >= 0 and end_count >= 0
