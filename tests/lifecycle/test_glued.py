"""Events glued into one line (s5-fixes item 1): a file without a final newline joined to the
next with ``cat`` puts the next file's first event at the end of the last line before it.

The rule (docs/lifecycle.md, "Lines glued together"): a line is cut before an embedded event
header where the format makes it unambiguous, every cut is counted and named in one warning,
and the glued file reads as the same file with its newlines back. Both tail scanners (compiled
and pure Python) cut the same lines.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_differential import SCANNERS, _use
from test_readers import _STREAMS, _tail_message

from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.pipeline import analyze_paths
from lamlife.lifecycle.read import jsonl, tail
from lamlife.lifecycle.read.glued import STAMPED_HEADER, TAIL_HEADER, glued_parts, json_objects
from lamlife.lifecycle.schema import INVOCATION_COLUMNS

# a glued tail event is cut when the first line of its message holds one of these (the words
# the tail scanners look for)
_GLUEABLE = re.compile(r'RequestId:[ \t]|INIT_|RESTORE_|EXTENSION|TELEMETRY|LOGS|"platform\.'
                       r"|Task timed out after")
_STREAM = "2026/07/20/[$LATEST]aaaa1111aaaa1111aaaa1111aaaa1111"
_DATA = Path(__file__).resolve().parent.parent / "data" / "readers"


def _same_reading(glued: Analysis, plain: Analysis, cuts: int) -> None:
    """The glued input reads as the one with its newlines: same invocations, summary and
    accounting (events, records, ignored, malformed); fewer lines, and a warning."""
    a, b = glued.invocations, plain.invocations
    assert len(a) == len(b)
    for column in INVOCATION_COLUMNS:
        pd.testing.assert_series_equal(a[column], b[column], check_dtype=False,
                                       check_names=False, obj=column)
    assert glued.summary == plain.summary
    for key in ("events", "records", "ignored", "malformed", "incomplete", "duplicates"):
        assert getattr(glued.input, key) == getattr(plain.input, key), key
    assert glued.input.lines == plain.input.lines - cuts
    warned = [w for w in glued.input.warnings if "glued to the end of the line" in w]
    assert (len(warned), cuts) in ((0, 0), (1, cuts))
    if cuts:
        assert warned[0].startswith(f"{cuts} log event(s) glued")


def _analyse(path: Path, text: str, scanner: str, chunk: int | None) -> Analysis:
    path.write_bytes(text.encode("utf-8"))
    with pytest.MonkeyPatch.context() as mp:
        _use(scanner, mp)
        if chunk is not None:
            mp.setattr(tail, "CHUNK_CHARS", chunk)
        return analyze_paths([str(path)])


@pytest.mark.parametrize("scanner", SCANNERS)
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(events=st.lists(st.tuples(st.integers(min_value=1, max_value=20000),
                                 st.sampled_from(_STREAMS), _tail_message(), st.booleans()),
                       min_size=2, max_size=25),
       chunk=st.sampled_from([None, 300]))
def test_glued_tail_reads_as_with_its_newlines(scanner: str,
                                               events: list[tuple[int, str, str, bool]],
                                               chunk: int | None) -> None:
    # Each event that holds a platform keyword on its first line may be glued to the line
    # before it (the newline dropped); the file must read as the one with every newline.
    t = pd.Timestamp("2026-07-20T01:00:00Z")
    plain = ""
    glued = ""
    cuts = 0
    for k, (step_ms, stream, message, glue) in enumerate(events):
        t += pd.Timedelta(milliseconds=step_ms)
        line = f"{t.strftime('%Y-%m-%dT%H:%M:%S.%f')}+00:00 {stream} {message}"
        if k and glue and _GLUEABLE.search(message.split("\n", 1)[0]):
            glued += line  # the line before lost its newline
            cuts += 1
        else:
            glued += ("\n" if k else "") + line
        plain += line + "\n"
    glued += "\n"
    with tempfile.TemporaryDirectory() as folder:
        a = _analyse(Path(folder) / "fn.log", glued, scanner, chunk)
        b = _analyse(Path(folder) / "fn.log", plain, scanner, chunk)
    _same_reading(a, b, cuts)


def test_the_brief_example_in_either_scanner(tmp_path: Path) -> None:
    # s5-fixes item 1's example: an END with the next file's START glued after it. Before the
    # fix the START was lost ("Incomplete 1" the only trace).
    end = ("2024-05-01T10:00:00.123000+00:00 2024/05/01/[$LATEST]abc END RequestId: "
           "11111111-1111-1111-1111-111111111111")
    start = ("2024-05-01T10:00:01.000000+00:00 2024/05/01/[$LATEST]def START RequestId: "
             "22222222-2222-2222-2222-222222222222 Version: $LATEST")
    report = ("2024-05-01T10:00:01.100000+00:00 2024/05/01/[$LATEST]def REPORT RequestId: "
              "22222222-2222-2222-2222-222222222222\tDuration: 100.00 ms\tBilled Duration: "
              "100 ms\tMemory Size: 128 MB\tMax Memory Used: 50 MB\t")
    for scanner in SCANNERS:
        a = _analyse(tmp_path / "fn.log", f"{end}{start}\n{report}\n", scanner, None)
        b = _analyse(tmp_path / "fn.log", f"{end}\n{start}\n{report}\n", scanner, None)
        _same_reading(a, b, 1)
        assert a.input.incomplete == 0
        assert a.invocations["start"].iloc[0] == pd.Timestamp("2024-05-01T10:00:01Z")


@pytest.mark.parametrize("text", [
    # application output that quotes a tail-looking time is not cut: no Lambda stream follows
    f"2026-07-20T01:00:00.000000+00:00 {_STREAM} [INFO]\t2026-07-20T01:00:00.000000+00:00 "
    "x START RequestId: r1 Version: $LATEST",
    # the old timeout line: '<time> <id> Task timed out', its id is not a stream
    f"2026-07-20T01:00:00.000000+00:00 {_STREAM} 2026-07-20T01:00:00.000Z "
    "5e6f7a8b-0001 Task timed out after 3.00 seconds",
    # a header with a Lambda stream but no platform keyword after it
    f"2026-07-20T01:00:00.000000+00:00 {_STREAM} hello2026-07-20T01:00:01.000000+00:00 "
    f"{_STREAM} world",
])
def test_tail_lines_that_are_not_glued_stay_whole(text: str) -> None:
    assert glued_parts(text, TAIL_HEADER) == [text]


@pytest.mark.parametrize("text", [
    "2026-07-20T01:00:00.000Z [INFO]\t2026-07-20T01:00:00.000Z\tr1\tSTART of the batch",
    "2026-07-20T01:00:00.000Z 2026-07-20T01:00:00.000Z r1 Task timed out after 3.00 seconds",
    "2026-07-20T01:00:00.000Z\tr1\tINFO\tat 2026-07-20T01:00:00Z\tthe END RequestId: r1",
])
def test_stamped_lines_that_are_not_glued_stay_whole(text: str) -> None:
    assert glued_parts(text, STAMPED_HEADER) == [text]


@pytest.mark.parametrize(("line", "parts"), [
    ('{"a": 1}{"b": 2}', ['{"a": 1}', '{"b": 2}']),
    ('{"a": "}{"} \ufeff{"b": [1, {"c": 2}]}', ['{"a": "}{"}', '{"b": [1, {"c": 2}]}']),
    ('{"a": 1}', None),  # one object: not glued
    ('{"a": 1}{"b": ', None),  # the second cut short: malformed as a whole line
    ('{"a": 1} tail', None),
    ('[1]{"a": 1}', None),
])
def test_json_objects_glued_into_a_line(line: str, parts: list[str] | None) -> None:
    assert json_objects(line) == parts


@pytest.mark.parametrize("scanner", SCANNERS)
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(messages=st.lists(st.tuples(_tail_message(), st.booleans()), min_size=3, max_size=15),
       fast=st.booleans())
def test_glued_json_lines_read_as_with_their_newlines(scanner: str,
                                                      messages: list[tuple[str, bool]],
                                                      fast: bool) -> None:
    # lamlife fetch JSON lines: any event may be glued to the line before ("}{")
    lines = [json.dumps({"logGroupName": "/aws/lambda/fn", "logStreamName": _STREAM,
                         "timestamp": 1784509200000 + 250 * k, "message": m})
             for k, (m, _glue) in enumerate(messages)]
    plain = "".join(line + "\n" for line in lines)
    # the first line stays whole: a first line that is not one JSON value makes the file a
    # JSON document (concatenated values, read as such), not JSON lines
    glued = lines[0] + "\n" + lines[1]
    cuts = 0
    for line, (_m, glue) in zip(lines[2:], messages[2:], strict=True):
        glued += line if glue else "\n" + line
        cuts += glue
    glued += "\n"
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as mp:
        _use(scanner, mp)  # the compiled JSON-lines scanner, or its pure-Python twin
        mp.setattr(jsonl, "FAST_PATH", fast)
        path = Path(folder) / "fn.jsonl"
        path.write_text(glued, encoding="utf-8")
        a = analyze_paths([str(path)])
        path.write_text(plain, encoding="utf-8")
        b = analyze_paths([str(path)])
    assert a.input.formats == {"jsonl": 1}
    _same_reading(a, b, cuts)


_STREAM_CSV = "2021/08/11/[$LATEST]5c1d4e2f3a4b5c6d7e8f9a0b1c2d3e4f"
_RID_CSV = "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901"
_REPORT_CSV = (f"REPORT RequestId: {_RID_CSV}\tDuration: 1.50 ms\tBilled Duration: 2 ms\t"
               "Memory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 120.00 ms\t")
_CSV_EXPORTS = {
    # Logs Insights CSV, newest first: the START is the last row
    "insights": ["@timestamp,@logStream,@log,@message",
                 f"2021-08-11 09:29:14.400,{_STREAM_CSV},123456789012:/aws/lambda/storms,"
                 f'"{_REPORT_CSV}"',
                 f"2021-08-11 09:29:14.398,{_STREAM_CSV},123456789012:/aws/lambda/storms,"
                 f"START RequestId: {_RID_CSV} Version: 7"],
    # the console's Download (CSV): epoch ms, the message quoted (without its newline)
    "console": ["timestamp,message",
                f'1628674154400,"{_REPORT_CSV}"',
                f'1628674154398,"START RequestId: {_RID_CSV} Version: 7"'],
}


@pytest.mark.parametrize("scanner", SCANNERS)
@pytest.mark.parametrize("shape", sorted(_CSV_EXPORTS))
@pytest.mark.parametrize("quoted", [False, True])
def test_csv_export_glued_to_the_next_reads_as_joined_exports(
        shape: str, quoted: bool, scanner: str, tmp_path: Path) -> None:
    # Two CSV exports joined with cat, the first without its final newline: the next
    # export's header row follows the last row (a START) on its line. Read as the same two
    # exports with the newline (whose repeated header row is skipped): before, the START's
    # version was "7@timestamp", a function version of its own.
    header, *rows = _CSV_EXPORTS[shape]
    if quoted:  # header names quoted, as some tools write them
        header = ",".join(f'"{h}"' for h in header.split(","))
    text = "\n".join([header, *rows]) + "\n"
    first = text.rstrip("\n")
    glued, plain = tmp_path / "glued.csv", tmp_path / "plain.csv"
    glued.write_text(first + text, encoding="utf-8")
    plain.write_text(first + "\n" + text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        _use(scanner, mp)
        a, b = analyze_paths([str(glued)]), analyze_paths([str(plain)])
    assert a.input.malformed == b.input.malformed == 0
    for key in ("events", "records", "ignored", "duplicates"):
        assert getattr(a.input, key) == getattr(b.input, key), key
    assert a.input.duplicates == 2  # the START and the REPORT, read twice
    assert a.summary == b.summary
    assert len(a.invocations) == 1
    assert a.invocations["init_duration_ms"].tolist() == [120.0]
    assert a.invocations["version"].tolist() == ["7"]


_PLATFORM_WORD = re.compile(r"(?:START|END|REPORT) RequestId:|INIT_START|INIT_REPORT"
                            r"|RESTORE_START|RESTORE_REPORT|EXTENSION|TELEMETRY|LOGS")


@pytest.mark.parametrize(("source", "message_at"), [
    ("sam/java-orders.log", 2),  # <stream> <time> <message>
    ("tail-short/orders-short.log", 1),  # <time> <message>
    ("console-paste/paste.log", 1),
])
def test_line_formats_glued_read_as_with_their_newlines(source: str, message_at: int,
                                                        tmp_path: Path) -> None:
    # every platform line that starts a line is glued to the line before it, at once
    lines = (_DATA / source).read_text(encoding="utf-8").split("\n")[:-1]
    glued = lines[0]
    cuts = 0
    for line in lines[1:]:
        parts = re.split(r"[ \t]+", line, maxsplit=message_at)
        if len(parts) > message_at and _PLATFORM_WORD.match(parts[message_at]) \
                and parts[0][:1].isdigit():
            glued += line
            cuts += 1
        else:
            glued += "\n" + line
    assert cuts >= 3
    (tmp_path / "g").mkdir()
    (tmp_path / "p").mkdir()
    name = Path(source).name
    (tmp_path / "g" / name).write_text(glued + "\n", encoding="utf-8")
    (tmp_path / "p" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    a = analyze_paths([str(tmp_path / "g" / name)])
    b = analyze_paths([str(tmp_path / "p" / name)])
    _same_reading(a, b, cuts)
