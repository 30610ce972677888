"""Differential test of the streaming readers of filter-log-events JSON and Logs Insights CSV
(issue 12): the compiled scanners (``_tailscan.scan_events`` / ``scan_csv``), the
pure-Python fallback (``LAMLIFE_PURE_PYTHON=1``) and the general path (the whole file decoded
at once, every event by ``_json_event``; every CSV row by the csv module and ``_row``) give
identical analyses and identical errors on every golden input of these formats, on generated
logs at several seeds and on hypothesis-built inputs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_differential import _generated, _same
from test_readers import _STREAMS, _tail_message

from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.errors import LamlifeError
from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths
from lamlife.lifecycle.read import cloudwatch_json, compiled, insights_csv
from lamlife.lifecycle.read.detect import detect_format

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "readers"
CONVERTER = ROOT / "benchmarks" / "convert_logs.py"
GOLDEN = sorted(p.parent for p in DATA.glob("*/expected.json"))
PATHS = ["compiled", "python", "general"]


def _use(path: str, block: int | None, mp: pytest.MonkeyPatch) -> None:
    """``compiled``: the compiled scanners; ``python``: the pure-Python fallback;
    ``general``: the whole file the general way."""
    mp.setattr(cloudwatch_json, "FAST_PATH", path != "general")
    mp.setattr(insights_csv, "FAST_PATH", path != "general")
    if path == "compiled":
        mp.delenv(compiled.PURE_PYTHON_ENV, raising=False)
    else:
        mp.setenv(compiled.PURE_PYTHON_ENV, "1")
    if block is not None:
        mp.setattr(cloudwatch_json, "BLOCK_CHARS", block)
        mp.setattr(insights_csv, "BLOCK_CHARS", block)


def _outcomes(paths: list[str], options: AnalyzeOptions | None = None,
              block: int | None = None) -> dict[str, Analysis | str]:
    """Each path's analysis, or the one-line message of the error it raised."""
    out: dict[str, Analysis | str] = {}
    for path in PATHS:
        if path == "compiled" and compiled.tailscan is None:
            continue  # no compiler: the two Python paths still agree
        with pytest.MonkeyPatch.context() as mp:
            _use(path, block, mp)
            try:
                out[path] = analyze_paths(paths, options)
            except LamlifeError as exc:
                out[path] = f"{type(exc).__name__}: {exc}"
    return out


def _all_same(outcomes: dict[str, Analysis | str]) -> Analysis | str:
    reference = outcomes["general"]
    for path, got in outcomes.items():
        if isinstance(reference, str) or isinstance(got, str):
            assert got == reference, path
        else:
            _same(got, reference)
    return reference


def _golden(formats: set[str]) -> list[Path]:
    cases = []
    for case in GOLDEN:
        for path in sorted(case.rglob("*")):
            if path.is_file() and path.name != "expected.json" and detect_format(
                    path.read_bytes()[:65536].decode("utf-8", "replace")) in formats:
                cases.append(case)
                break
    return cases


BULK_GOLDEN = _golden({"json", "insights-csv"})


def test_bulk_golden_inputs_exist() -> None:
    # the golden cases below must hold these formats, or the test below tests nothing
    assert {p.name for p in BULK_GOLDEN} >= {"filter-log-events", "get-log-events",
                                             "insights-csv", "insights-fields", "subscription"}


@pytest.mark.parametrize("block", [None, 64])
@pytest.mark.parametrize("case", BULK_GOLDEN, ids=lambda p: p.name)
def test_bulk_golden_inputs_same_on_every_path(case: Path, block: int | None) -> None:
    spec: dict[str, Any] = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    paths = [str(case / p) for p in spec["paths"]]
    _all_same(_outcomes(paths, AnalyzeOptions(**spec["options"]), block))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("shape", ["filter-json", "insights-csv"])
def test_generated_bulk_exports_same_on_every_path(seed: int, shape: str,
                                                   tmp_path: Path) -> None:
    log = _generated(tmp_path, seed)
    path = tmp_path / f"orders-{seed}.{'json' if shape == 'filter-json' else 'csv'}"
    subprocess.run([sys.executable, str(CONVERTER), str(log), "--to", shape, "--output",
                    str(path)], check=True, capture_output=True)
    for block in (None, 4096):  # 4 KiB: blocks cut inside events and rows everywhere
        reference = _all_same(_outcomes([str(path)], block=block))
        assert not isinstance(reference, str) and len(reference.invocations) > 1000


# ------------------------------------------------------------------ filter-log-events JSON

_GROUPS = ["/aws/lambda/orders", "", "arn:aws:logs:us-east-1:123456789012:log-group:"
           "/aws/lambda/orders:*", "/custom/shared-logs", "/aws/lambda/ordérs",
           "/aws/lambda/a\u0000b"]
_TRICKY = ["START RequestId: r\té Version: $LATEST", "app says \"hi\"\n\tthere",
           "caf\u00e9 \\ back\\slash", "END RequestId: 5e6f7a8b-0002\n",
           "REPORT RequestId: x\tDuration: 5 ms", "", "{\"not\": \"platform\"}",
           "arrow \u2192 and \u2028 line separator",
           "INIT_START Runtime Version: python:3.12\tRuntime Version ARN: arn:x",
           "REPORT RequestId: 5e6f7a8b-0001\tDuration: 90000000.00 ms\tBilled Duration: 5 ms"
           "\tMemory Size: 128 MB\tMax Memory Used: 100 MB",
           '{"time": "2026-07-20T01:00:01.000Z", "type": "platform.start", "record": '
           '{"requestId": "j1", "version": "$LATEST"}}']
_EVENT_SHAPES = ["plain"] * 12 + [
    "ascii", "reordered", "extra", "no-stream", "ts-float", "ts-string", "ts-huge",
    "duplicate", "escaped-key", "not-string", "not-object", "deep"]
_PAGE_KEYS = [("searchedLogStreams", []), ("nextToken", "Bxk3"), ("logGroupName",
              "/aws/lambda/payments"), ("logStreamName", "late-stream"),
              ("logGroupArn", "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/x"),
              ("events", []), ("lamlife_fetch", 1), ("other", {"a": [1, {"b": 2}]})]


@st.composite
def _event(draw: st.DrawFn, ts: int) -> Any:
    shape = draw(st.sampled_from(_EVENT_SHAPES))
    if shape == "not-object":
        return draw(st.sampled_from([1, "text", None, [], {}]))
    message = draw(st.one_of(_tail_message(), st.sampled_from(_TRICKY)))
    message += draw(st.sampled_from(["", "\n"]))
    items: list[tuple[str, Any]] = [("logStreamName", draw(st.sampled_from(_STREAMS))),
                                    ("timestamp", ts), ("message", message),
                                    ("ingestionTime", ts + 500), ("eventId", str(ts))]
    if draw(st.booleans()):
        items.insert(0, ("logGroupName", draw(st.sampled_from(_GROUPS))))
    if shape == "reordered":
        items = draw(st.permutations(items))
    elif shape == "extra":
        items.append(draw(st.sampled_from([("logStream", "other"), ("functionName", "named"),
                                           ("nested", {"a": [1, 2]})])))
    elif shape == "no-stream":
        items = [kv for kv in items if kv[0] != "logStreamName"]
    elif shape.startswith("ts-"):
        value = {"ts-float": ts + 0.5, "ts-string": "2026-07-20T01:00:00.000Z",
                 "ts-huge": 10 ** 20}[shape]
        items = [(k, value if k == "timestamp" else v) for k, v in items]
    elif shape == "duplicate":
        items.append(draw(st.sampled_from([("message", "END RequestId: dup"),
                                           ("timestamp", ts + 1)])))
    elif shape == "not-string":
        key = draw(st.sampled_from(["logStreamName", "message", "eventId"]))
        items = [(k, None if k == key else v) for k, v in items]
    elif shape == "deep" and draw(st.integers(min_value=0, max_value=3)) == 0:
        items.append(("deep", json.loads("[" * 1200 + "]" * 1200)))
    return (shape, items)


def _dump(value: Any, ascii_only: bool, spaced: bool) -> str:
    """JSON text of a value; an event drawn as (shape, items) keeps its key order and
    duplicate keys."""
    separators = (", ", ": ") if spaced else (",", ":")
    if isinstance(value, tuple):
        shape, items = value
        return "{" + separators[0].join(
            ('"\\u006dessage"' if shape == "escaped-key" and k == "message" else json.dumps(k))
            + separators[1] + _dump(v, ascii_only, spaced) for k, v in items) + "}"
    return json.dumps(value, ensure_ascii=ascii_only, separators=separators)


@st.composite
def _filter_json_text(draw: st.DrawFn) -> str:
    ts = 1_784_509_200_000  # 2026-07-20T01:00:00Z
    pages = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        events = []
        for _ in range(draw(st.integers(min_value=0, max_value=12))):
            ts += draw(st.integers(min_value=0, max_value=20000))
            events.append(draw(_event(ts)))
        ascii_only, spaced = draw(st.booleans()), draw(st.booleans())
        before = draw(st.lists(st.sampled_from(_PAGE_KEYS[:5]), max_size=1))
        after = draw(st.lists(st.sampled_from(_PAGE_KEYS), max_size=2))
        body = [f'"{k}": {_dump(v, ascii_only, spaced)}' for k, v in before]
        body.append('"events": [' + (", " if spaced else ",").join(
            _dump(e, ascii_only, spaced) for e in events) + "]")
        body += [f'"{k}": {_dump(v, ascii_only, spaced)}' for k, v in after]
        pages.append("{" + (",\n " if draw(st.booleans()) else ", ").join(body) + "}")
    return draw(st.sampled_from(["\n", "", ",\n", " "])).join(pages) + draw(
        st.sampled_from(["\n", ""]))


def _text_same_on_every_path(text: str, name: str, block: int | None) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(text.encode("utf-8"))
        _all_same(_outcomes([str(path)], block=block))


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(text=_filter_json_text(), block=st.sampled_from([None, 97]))
def test_hypothesis_filter_json_same_on_every_path(text: str, block: int | None) -> None:
    _text_same_on_every_path(text, "fn.json", block)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_filter_json_text(), block=st.sampled_from([None, 97]))
def test_hypothesis_filter_json_same_on_every_path_many(text: str, block: int | None) -> None:
    _text_same_on_every_path(text, "fn.json", block)


_PAGE = ('{"events": [{"logStreamName": "s1", "timestamp": 1784509200000, '
         '"message": "START RequestId: r1 Version: $LATEST\\n"},\n'
         ' {"logStreamName": "s1", "timestamp": 1784509200006, "message": "REPORT RequestId: '
         'r1\\tDuration: 5.25 ms\\tBilled Duration: 6 ms\\tMemory Size: 128 MB\\t'
         'Max Memory Used: 60 MB\\n"}], "searchedLogStreams": [], "nextToken": "x"}\n')


@pytest.mark.parametrize("block", [None, 7])
def test_cut_or_broken_pages_fail_with_the_same_message(block: int | None) -> None:
    # a page cut anywhere, or with a character replaced: the same one-line error (line,
    # column, char) on every path, or the same analysis when it is still valid JSON
    texts = [_PAGE[:n] for n in range(12, len(_PAGE), 7)]
    texts += [_PAGE[:n] + c + _PAGE[n + 1:] for n in range(11, len(_PAGE), 11)
              for c in ("]", "x")]
    texts += [_PAGE + _PAGE[:n] for n in (30, 120)]
    messages = 0
    for text in texts:
        reference = _text_same_on_every_path_outcome(text, block)
        messages += isinstance(reference, str)
    assert messages > len(texts) // 2  # most of them are errors: the messages were compared


def _text_same_on_every_path_outcome(text: str, block: int | None) -> Analysis | str:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fn.json"
        path.write_bytes(text.encode("utf-8"))
        return _all_same(_outcomes([str(path)], block=block))


def test_invalid_json_error_names_line_column_and_char(tmp_path: Path) -> None:
    path = tmp_path / "fn.json"
    path.write_text(_PAGE + _PAGE.replace('"s1", "timestamp"', '"s1" "timestamp"', 1),
                    encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        _use("compiled" if compiled.tailscan is not None else "python", 7, mp)
        with pytest.raises(LamlifeError) as info:
            analyze_paths([str(path)])
    column = _PAGE.index('"s1", "timestamp"') + len('"s1"') + 2
    assert str(info.value) == (f"{path}: invalid JSON (Expecting ',' delimiter: line 3 "
                               f"column {column} (char {len(_PAGE) + column - 1}))")


def test_compiled_scanner_reads_a_page_and_leaves_the_rest() -> None:
    if compiled.tailscan is None:
        pytest.skip("the compiled scanner is not built (no C compiler)")
    import numpy as np

    start = _PAGE.index("[") + 1
    status, pos, first, quiet, left, events, ignored, ends, columns, first_use = (
        compiled.tailscan.scan_events(_PAGE, start, True))
    assert (status, pos, first, quiet, left, events, ignored, ends) == (
        0, _PAGE.index("]") + 1, False, [], b"", 2, 0, 0)
    assert columns[0] == ["\0s1"] and columns[3][3] == b"r1" and columns[4][5] == b"r1"
    assert np.frombuffer(first_use, dtype=np.int64).tolist() == [0]
    # an INIT_START event is left to the caller (offset, length, index), the rest is read
    odd = _PAGE.replace("START RequestId: r1 Version: $LATEST", "INIT_START Runtime Version: x")
    status, pos, first, _, left, events, *_, first_use = compiled.tailscan.scan_events(
        odd, start, True)
    element = odd[start:odd.index(",\n")]
    assert (status, pos, first, events) == (0, odd.index("]") + 1, False, 1)
    assert np.frombuffer(left, dtype=np.int64).tolist() == [start, len(element), 0]
    assert np.frombuffer(first_use, dtype=np.int64).tolist() == [1]
    # an element cut by the end of the chunk: stop before it
    cut = _PAGE[:_PAGE.index("REPORT")]
    status, pos, first, *_ = compiled.tailscan.scan_events(cut, start, True)
    assert (status, pos, first) == (1, _PAGE.index(",\n"), False)


# ------------------------------------------------------------------ Logs Insights CSV

_HEADERS = [["@timestamp", "@logStream", "@log", "@message"]] * 4 + [
            ["@timestamp", "@message"],
            ["@message", "@timestamp", "@logStream"],
            ["@timestamp", "@logStream", "@log", "@message", "@aws.region"],
            ["@timestamp", "@log", "@message", "@requestId", "@duration"]]
_TIMES = ["2026-07-20 01:00:{s:02d}.123"] * 8 + ["2026-07-20T01:00:{s:02d}.5Z",
          "2026-07-20 01:00:{s:02d}", " 2026-07-20 01:00:{s:02d}.123", "1784509200{s:03d}",
          "2026-07-20 01:00:{s:02d}.123456789123", "2026-02-30 01:00:{s:02d}.000", "nope"]


def _csv_field(value: str, quote: str) -> str:
    if quote == "always" or any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    if quote == "odd":
        return value + '"x'
    return value


@st.composite
def _insights_text(draw: st.DrawFn) -> str:
    header = draw(st.sampled_from(_HEADERS))
    newline = draw(st.sampled_from(["\n", "\n", "\n", "\r\n"]))
    rows = [",".join(header)]
    for _ in range(draw(st.integers(min_value=1, max_value=25))):
        second = draw(st.integers(min_value=0, max_value=59))
        fields = {
            "@timestamp": draw(st.sampled_from(_TIMES)).format(s=second),
            "@logStream": draw(st.sampled_from(_STREAMS)),
            "@log": draw(st.sampled_from(["123456789012:/aws/lambda/orders", "",
                                          "/aws/lambda/payments"])),
            "@message": draw(st.one_of(_tail_message(), st.sampled_from(_TRICKY))),
            "@aws.region": "eu-west-1", "@requestId": "r9", "@duration": "12.5"}
        quote = draw(st.sampled_from(["minimal"] * 6 + ["always"] * 2 + ["odd"]))
        cells = [_csv_field(fields[h], quote if h == "@message" else "minimal")
                 for h in header]
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            cells = cells[:-1]  # a short row
        rows.append(",".join(cells))
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            rows.append("")  # a blank line
    return newline.join(rows) + draw(st.sampled_from([newline, "", newline + '"open']))


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(text=_insights_text(), block=st.sampled_from([None, 61]))
def test_hypothesis_insights_csv_same_on_every_path(text: str, block: int | None) -> None:
    _text_same_on_every_path(text, "fn.csv", block)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_insights_text(), block=st.sampled_from([None, 61]))
def test_hypothesis_insights_csv_same_on_every_path_many(text: str, block: int | None) -> None:
    _text_same_on_every_path(text, "fn.csv", block)


def test_compiled_scanner_reads_plain_rows_and_leaves_the_rest() -> None:
    if compiled.tailscan is None:
        pytest.skip("the compiled scanner is not built (no C compiler)")
    import numpy as np

    rows = ('2026-07-20 01:00:00.123,s1,123456789012:/aws/lambda/orders,'
            'START RequestId: r1 Version: $LATEST\n'
            '2026-07-20 01:00:00.130,s1,123456789012:/aws/lambda/orders,"REPORT RequestId: r1'
            '\tDuration: 5.25 ms\tBilled Duration: 6 ms\tMemory Size: 128 MB\t'
            'Max Memory Used: 60 MB\t\nXRAY TraceId: 1-5e6"\n'
            '\n'
            '2026-07-20 01:00:01.000,s1,123456789012:/aws/lambda/orders,INIT_START x\n'
            '2026-07-20 01:00:02.000,s1,123456789012:/aws/lambda/orders,"app said ""hi"""\n'
            '2026-07-20 01:00:03.000,s1,123456789012:/aws/lambda/orders,"open')
    init, app = rows.index("2026-07-20 01:00:01"), rows.index("2026-07-20 01:00:02")
    last = rows.index("2026-07-20 01:00:03")
    for final in (False, True):  # a quoted field the file ends in is left whole to the caller
        status, pos, _, lines, _, events, ignored, ends, columns, left, first_use = (
            compiled.tailscan.scan_csv(rows, 0, final, 4, 0, 3, 1, 2))
        assert (status, pos, lines, events, ignored, ends) == (0, last, 6, 3, 1, 0)
        # offset, end, physical lines before it, its lines, index
        assert np.frombuffer(left, dtype=np.int64).tolist() == [init, app, 4, 1, 3]
        assert np.frombuffer(first_use, dtype=np.int64).tolist() == [0]
        assert columns[0] == ["123456789012:/aws/lambda/orders\0s1"]
        assert columns[3][3] == b"r1" and columns[4][5] == b"r1"


def test_a_block_beyond_latin1_is_scanned_up_to_its_first_wide_character(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # one event with an arrow (U+2192): the scanner still reads the events before it and
    # after it; that one event goes to the general parser; the analysis is the general one
    if compiled.tailscan is None:
        pytest.skip("the compiled scanner is not built (no C compiler)")
    real = compiled.tailscan
    read: list[int] = []

    class Counting:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        @staticmethod
        def scan_events(chunk: str, pos: int, first: bool) -> Any:
            scanned = real.scan_events(chunk, pos, first)
            read.append(-1 if scanned is None else scanned[5])
            return scanned

    page = _PAGE.replace('"message": "REPORT', '"message": "app \\u2192 ok"}, {"logStreamName": '
                         '"s1", "timestamp": 1784509200003, "message": "REPORT', 1)
    page = page.replace("\\u2192", "\u2192")
    path = tmp_path / "fn.json"
    path.write_text(page, encoding="utf-8")
    monkeypatch.setattr(compiled, "tailscan", Counting())
    outcomes = _outcomes([str(path)])
    assert sum(n for n in read if n > 0) == 2 and -1 in read  # START, REPORT; not the arrow
    reference = _all_same(outcomes)
    assert not isinstance(reference, str) and len(reference.invocations) == 1


# ------------------------------------------------------------------ one record in two forms

@pytest.mark.parametrize("shape", ["filter-json", "insights-csv"])
@pytest.mark.parametrize("block", [None, 64])
def test_duplicate_in_two_forms_keeps_the_first_read(shape: str, block: int | None,
                                                     tmp_path: Path) -> None:
    # the tail golden case (a START and a REPORT each twice: canonical first, then a form the
    # general parser reads) as a bulk export: the first read is kept on every path
    log = DATA / "duplicate-report-forms-tail" / "orders.log"
    path = tmp_path / f"orders.{'json' if shape == 'filter-json' else 'csv'}"
    subprocess.run([sys.executable, str(CONVERTER), str(log), "--to", shape, "--output",
                    str(path)], check=True, capture_output=True)
    reference = _all_same(_outcomes([str(path)], block=block))
    assert not isinstance(reference, str)
    row = reference.invocations.iloc[0]
    assert len(reference.invocations) == 1
    assert (row["version"], row["billed_duration_ms"], row["max_memory_used_mb"]) == (
        "3", 12.0, 80.0)
