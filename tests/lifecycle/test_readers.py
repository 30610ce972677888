"""Golden reader pairs: every input format under tests/data/readers/<case>/ with a hand-written
expected.json next to it (the reasoning is in its "notes"), plus detection, stdin and the
lamlife-CSV round trip.

Each expected.json holds:
- ``paths`` (relative to the case folder) and ``options`` (AnalyzeOptions keywords);
- ``formats`` (detected format -> files) and ``input`` (a subset of InputStats counts);
- optional ``warnings_contain``, ``configurations`` and ``summary`` (subsets);
- ``invocations``: every invocation the input holds, each a subset of the invocation columns
  (``flags`` as a list, ``start`` as ISO text, ``null`` for NaN).
"""

from __future__ import annotations

import json
import math
import random
import re
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app
from lamlife.lifecycle.analysis import Analysis, InputStats
from lamlife.lifecycle.engine.causes import explain_cold_starts
from lamlife.lifecycle.engine.replay import run_engine
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths, build_analysis
from lamlife.lifecycle.read import detect_format
from lamlife.lifecycle.read import tail as readers
from lamlife.lifecycle.read.collect import RecordSink
from lamlife.lifecycle.read.timeparse import fast_iso_ms
from lamlife.lifecycle.schema import FLAG_SEPARATOR, INVOCATION_COLUMNS

DATA = Path(__file__).resolve().parent.parent / "data" / "readers"
CASES = sorted(p.parent.name for p in DATA.glob("*/expected.json"))
ALL_FORMATS = {
    "tail", "timestamped", "sam", "json", "jsonl", "insights-csv", "console-csv", "table",
    "invoke-tail",
}
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "orders.log"


def load_case(name: str) -> dict[str, Any]:
    case: dict[str, Any] = json.loads((DATA / name / "expected.json").read_text(encoding="utf-8"))
    return case


def run_case(name: str) -> tuple[dict[str, Any], Analysis]:
    case = load_case(name)
    paths = [str(DATA / name / p) for p in case["paths"]]
    return case, analyze_paths(paths, AnalyzeOptions(**case["options"]))


def _flags(value: Any) -> list[str]:
    if not isinstance(value, str) or not value:
        return []
    return sorted(value.split(FLAG_SEPARATOR))


def assert_invocation(expected: dict[str, Any], actual: pd.Series) -> None:
    """Every key of ``expected`` must match the actual row (floats to 1e-6, times to 1 us)."""
    where = f"{expected['request_id']}"
    for key, want in expected.items():
        got = actual[key]
        if key == "flags":
            assert _flags(got) == sorted(want), f"{where}: flags {got!r} != {want!r}"
        elif key in ("start", "end"):
            diff = abs((pd.Timestamp(got) - pd.Timestamp(want)).total_seconds())
            assert diff < 1e-6, f"{where}: {key} {got} != {want}"
        elif want is None:
            assert got is None or (isinstance(got, float) and math.isnan(got)), (
                f"{where}: {key} {got!r} should be missing")
        elif isinstance(want, (int, float)) and not isinstance(want, bool):
            assert got is not None and not math.isnan(float(got)), f"{where}: {key} missing"
            assert math.isclose(float(got), float(want), rel_tol=0, abs_tol=1e-6), (
                f"{where}: {key} {got!r} != {want!r}")
        else:
            assert got == want, f"{where}: {key} {got!r} != {want!r}"


def assert_matches(case: dict[str, Any], analysis: Analysis) -> None:
    stats = analysis.input
    assert stats.formats == case["formats"]
    for key, want in case["input"].items():
        assert getattr(stats, key) == want, f"input.{key}: {getattr(stats, key)} != {want}"
    # every event accounted for (DESIGN.md principles)
    assert stats.records + stats.ignored + stats.malformed == stats.events
    for fragment in case.get("warnings_contain", []):
        assert any(fragment in w for w in stats.warnings), (fragment, stats.warnings)
    for function, config in case.get("configurations", {}).items():
        got = stats.configurations[function]
        for key, want in config.items():
            assert got[key] == want, (function, key)
    for key, want in case.get("summary", {}).items():
        assert analysis.summary[key] == want, f"summary.{key}: {analysis.summary[key]} != {want}"

    inv = analysis.invocations
    assert len(inv) == len(case["invocations"])
    keys = list(zip(inv["function"], inv["environment"], inv["request_id"], strict=True))
    assert len(set(keys)) == len(keys), "golden cases use unique (function, env, request id)"
    by_key = {k: inv.iloc[i] for i, k in enumerate(keys)}
    for expected in case["invocations"]:
        key = (expected["function"], expected["environment"], expected["request_id"])
        assert key in by_key, f"missing invocation {key}; have {sorted(by_key)}"
        assert_invocation(expected, by_key[key])


def test_golden_cases_cover_every_format() -> None:
    seen: set[str] = set()
    for name in CASES:
        seen.update(load_case(name)["formats"])
    assert seen >= ALL_FORMATS
    assert len(CASES) >= 12


@pytest.mark.parametrize("name", CASES)
def test_golden(name: str) -> None:
    case, analysis = run_case(name)
    assert_matches(case, analysis)


SHAPES = DATA.parent / "shapes"  # golden cases whose records cross environments (README.md)
SHAPE_CASES = sorted(p.parent.name for p in SHAPES.glob("*/expected.json"))


@pytest.mark.parametrize("name", SHAPE_CASES)
def test_golden_same_events_in_two_shapes(name: str) -> None:
    case = json.loads((SHAPES / name / "expected.json").read_text(encoding="utf-8"))
    analysis = analyze_paths([str(SHAPES / name / p) for p in case["paths"]],
                             AnalyzeOptions(**case["options"]))
    assert_matches(case, analysis)


@pytest.mark.parametrize("name", SHAPE_CASES)
def test_same_events_in_two_shapes_read_like_the_input_with_streams(name: str) -> None:
    # the copy adds nothing the input with streams has: its invocations, exactly, plus only
    # the ones it alone holds (none in the example)
    case = json.loads((SHAPES / name / "expected.json").read_text(encoding="utf-8"))
    streamed = analyze_paths([str(SHAPES / name / case["paths"][0])], AnalyzeOptions())
    both = analyze_paths([str(SHAPES / name / p) for p in case["paths"]], AnalyzeOptions())
    have = both.invocations[both.invocations["environment"] != ""].reset_index(drop=True)
    pd.testing.assert_frame_equal(have, streamed.invocations.reset_index(drop=True),
                                  check_categorical=False, check_dtype=False)
    alone = int((both.invocations["environment"] == "").sum())  # in the copy only
    assert alone == (2 if name == "tail-and-console-csv" else 0)
    assert both.input.seen == {**streamed.input.seen,
                               "report": streamed.input.seen["report"] + alone}


def test_copies_in_two_shapes_in_either_order() -> None:
    case = json.loads((SHAPES / "jsonl-and-short" / "expected.json").read_text(encoding="utf-8"))
    paths = [str(SHAPES / "jsonl-and-short" / p) for p in reversed(case["paths"])]
    assert_matches({**case, "formats": case["formats"]}, analyze_paths(paths, AnalyzeOptions()))


def test_a_streamless_input_of_other_invocations_is_not_a_copy(tmp_path: Path) -> None:
    # the same RequestIds with other Durations (another window's invocations, renumbered) are
    # not copies: nothing dropped, no warning
    folder = SHAPES / "jsonl-and-short"
    short = (folder / "orders-short.log").read_text(encoding="utf-8")
    other = re.sub(r"Duration: (\d+)\.(\d\d) ms\tBilled", r"Duration: \1.99 ms\tBilled", short)
    assert other != short
    (tmp_path / "orders-short.log").write_text(other, encoding="utf-8")
    analysis = analyze_paths([str(folder / "orders.jsonl"), str(tmp_path / "orders-short.log")],
                             AnalyzeOptions())
    assert len(analysis.invocations) == 10
    assert analysis.input.duplicates == 0
    assert not any("without log streams are also in" in w for w in analysis.input.warnings)


@pytest.mark.parametrize("name", ["mixed", "tail-detailed"])
def test_invocation_table_is_ordered_by_function_environment_start(name: str) -> None:
    _case, analysis = run_case(name)
    inv = analysis.invocations
    ordered = inv.sort_values(["function", "environment", "start"], kind="stable")
    assert list(ordered.index) == list(inv.index)


def test_stdin_through_cli_reads_a_tail_log() -> None:
    # "-" reads stdin; its function is "stdin" (no file name, no log group).
    case = load_case("tail-detailed")
    data = (DATA / "tail-detailed" / "orders.log").read_bytes()
    result = CliRunner().invoke(app, ["analyze", "-", "--format", "json", "--invocations"],
                                input=data)
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["input"]["formats"] == {"tail": 1}
    assert out["input"]["records"] == case["input"]["records"]
    assert out["input"]["ignored"] == case["input"]["ignored"]
    assert out["summary"]["start_types"] == case["summary"]["start_types"]
    rows = {r["request_id"]: r for r in out["invocations"]}
    assert len(rows) == len(case["invocations"])
    for expected in case["invocations"]:
        row = rows[expected["request_id"]]
        assert row["function"] == "stdin"
        for key in ("environment", "start_type", "status", "error_type", "duration_ms",
                    "billed_duration_ms", "init_duration_ms", "memory_mb"):
            assert row[key] == expected[key], (expected["request_id"], key)
        assert sorted(row["flags"]) == sorted(expected["flags"])


@pytest.mark.parametrize("source", [
    "tail-detailed/orders.log",
    "sam/java-orders.log",
    "json-format-filter/tenner.json",
    "insights-fields/storms-report.csv",
    "jsonl/events.jsonl",
    str(EXAMPLE),
])
def test_lamlife_csv_round_trip(source: str, tmp_path: Path) -> None:
    # `lamlife analyze X --format csv`, then analyze that CSV: same summary, same invocations.
    path = source if Path(source).is_absolute() else str(DATA / source)
    runner = CliRunner()
    csv_file = tmp_path / "invocations.csv"
    first = runner.invoke(app, ["analyze", path, "--format", "csv", "--output", str(csv_file),
                                "--quiet"])
    assert first.exit_code == 0, first.stderr
    original = runner.invoke(app, ["analyze", path, "--format", "json", "--invocations",
                                   "--quiet"])
    again = runner.invoke(app, ["analyze", str(csv_file), "--format", "json", "--invocations",
                                "--quiet"])
    assert original.exit_code == 0 and again.exit_code == 0, again.stderr
    a, b = json.loads(original.stdout), json.loads(again.stdout)
    assert b["input"]["formats"] == {"lamlife-csv": 1}
    # A fetch header's window prices provisioned concurrency over the fetched time; the CSV
    # holds invocations only, so it falls back to their own span (nothing else differs).
    for summary in (a["summary"], b["summary"]):
        summary.get("cost", {}).pop("window", None)
    assert b["summary"] == a["summary"]
    assert b["invocations"] == a["invocations"]
    assert b["environments"] == a["environments"]
    assert b["functions"] == a["functions"]


# ---------------------------------------------------------------- detection, line by line


@pytest.mark.parametrize(("head", "fmt"), [
    ("2026-07-20T01:50:15.828000+00:00 2026/07/20/[$LATEST]b249865adaaf4fad80f95f8ad09725b8 "
     "START RequestId: x Version: $LATEST\n", "tail"),
    ("2026-07-20T01:50:15 START RequestId: x Version: $LATEST\n", "timestamped"),
    ("2020-06-09T15:02:23.085Z START RequestId: x Version: $LATEST\n", "timestamped"),
    ("2023/06/02/[72]88ab219a63d343d294d0a9947e8ab36a 2023-06-02T11:27:22.355000 "
     "START RequestId: x Version: 72\n", "sam"),
    ('{\n  "events": [\n', "json"),
    ('{"events": [], "nextForwardToken": "f/1", "nextBackwardToken": "b/1"}\n', "jsonl"),
    ('{"logStreamName": "s", "timestamp": 1, "message": "START RequestId: x"}\n', "jsonl"),
    ('{"time":"2026-10-08T07:30:28.235Z","type":"platform.start","record":{}}\n', "jsonl"),
    ("@timestamp,@logStream,@log,@message\n", "insights-csv"),
    ('"@timestamp","@message"\n', "insights-csv"),
    ("timestamp,message\n1751235598686,\"x\"\n", "console-csv"),
    ("\ufefftimestamp,message\n", "console-csv"),
    ("function,version,environment,request_id,start,end,start_type\n", "lamlife-csv"),
    ("", "empty"),
    ("\n\n  \n", "empty"),
    ("hello world\nthis is prose\n", None),
    ("a,b,c\n1,2,3\n", None),
])
def test_detect_format(head: str, fmt: str | None) -> None:
    assert detect_format(head) == fmt


# ---------------------------------------------------------------- tail fast path vs per-event path

_TAIL_PREFIX = re.compile(
    r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?[+-]\d\d:\d\d) (\S+)(?: (.*))?$", re.S)


def per_event_reference(path: Path, function: str) -> tuple[Analysis, dict[str, int]]:
    """The doc's rule done the plain way: a line without the ``<time> <stream>`` prefix continues
    the event above it (§1); every event goes through RecordSink.add one by one."""
    sink = RecordSink()
    sink.fallback_functions.add(function)  # a file name: a JSON initStart may name the function
    current: list[str] | None = None
    orphans = 0

    def flush() -> None:
        if current is not None:
            # a time no clock shows (hour 24, second 60) is NaN: sink.add counts it malformed
            sink.add(function, current[1], fast_iso_ms(current[0]), current[2])

    # a byte order mark at the start of the file is not text (sources.text_stream)
    for line in path.read_text(encoding="utf-8-sig").split("\n")[:-1]:
        m = _TAIL_PREFIX.match(line)
        if m:
            flush()
            current = [m.group(1), m.group(2), m.group(3) or ""]
        elif current is not None:
            current[2] += "\n" + line
        elif line.strip():
            orphans += 1
    flush()
    sink.counts.events += orphans
    sink.counts.ignored += orphans
    stats = InputStats(incomplete=sink.finish(), events=sink.counts.events)
    result = run_engine(sink)
    # the pipeline names each cold start's cause after the engine (engine/causes.py)
    analysis = build_analysis(explain_cold_starts(result.invocations), stats,
                              orphan_init_failures=result.orphan_init_failures,
                              unused_inits=result.unused_inits,
                              orphan_events=result.orphan_events)
    c = sink.counts
    return analysis, {"events": c.events, "records": c.records, "ignored": c.ignored,
                      "malformed": c.malformed}


def assert_same_as_per_event_path(path: Path) -> None:
    function = path.name.split(".")[0]
    fast = analyze_paths([str(path)])
    reference, counts = per_event_reference(path, function)
    got = {k: getattr(fast.input, k) for k in counts}
    assert got == counts
    key = ["function", "environment", "start", "request_id"]
    a = fast.invocations.sort_values(key).reset_index(drop=True)
    b = reference.invocations.sort_values(key).reset_index(drop=True)
    assert len(a) == len(b)
    for column in INVOCATION_COLUMNS:
        if column in ("start", "end"):
            gap = (a[column] - b[column]).abs().max()
            assert pd.isna(gap) or gap <= pd.Timedelta(microseconds=1), column
        else:
            pd.testing.assert_series_equal(a[column], b[column], check_dtype=False,
                                           check_names=False, obj=column)
    assert fast.summary == reference.summary


TAIL_INPUTS = [
    DATA / "tail-detailed" / "orders.log",
    DATA / "json-format-tail" / "tenner-tail.log",
    DATA / "mixed" / "logs" / "a-tail.log",
    DATA / "copy-glued" / "checkout.log",  # shapes the fast path must leave to the parser
    DATA / "oom-old" / "legacy.log",
    DATA / "duplicate-report-forms-tail" / "orders.log",  # the first read of two copies kept
    EXAMPLE,
]


@pytest.mark.parametrize("chunk", [None, 256])
@pytest.mark.parametrize("path", TAIL_INPUTS, ids=lambda p: p.name)
def test_tail_fast_path_equals_per_event_path(path: Path, chunk: int | None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # The tail reader scans whole chunks and parses canonical START/REPORT lines in bulk; its
    # results and accounting must equal feeding every event to RecordSink.add. A 256-character
    # chunk puts chunk boundaries everywhere (between a REPORT and its XRAY line, inside
    # pretty-printed JSON).
    if chunk is not None:
        monkeypatch.setattr(readers, "CHUNK_CHARS", chunk)
    assert_same_as_per_event_path(path)


STREAM = "2026/07/20/[$LATEST]0c5d1e3f9a7b4c2d8e6f1a3b5c7d9e0f"


def _tail(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def test_tail_continuation_starting_with_a_digit_is_part_of_its_event(tmp_path: Path) -> None:
    # Multi-line application output whose second line starts with a digit: one event (§1: a
    # line without the prefix continues the event above it), so 4 events: 3 records, 1 ignored.
    path = tmp_path / "fn.log"
    path.write_text(_tail([
        f"2026-07-20T01:50:15.250000+00:00 {STREAM} START RequestId: a1 Version: $LATEST",
        f"2026-07-20T01:50:15.251000+00:00 {STREAM} [INFO]\t2026-07-20T01:50:15.251Z\ta1\tbatch:",
        "2 items accepted",
        "  1 item rejected",
        f"2026-07-20T01:50:15.300000+00:00 {STREAM} END RequestId: a1",
        f"2026-07-20T01:50:15.300000+00:00 {STREAM} REPORT RequestId: a1\tDuration: 50.00 ms\t"
        "Billed Duration: 50 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t",
    ]))
    stats = analyze_paths([str(path)]).input
    assert (stats.events, stats.records, stats.ignored) == (4, 3, 1)
    assert_same_as_per_event_path(path)


def test_tail_application_line_quoting_end_is_ignored(tmp_path: Path) -> None:
    # A log-processing function prints the lines it forwards: its own output contains
    # " END RequestId: ". That is application output (ignored), not an END record.
    path = tmp_path / "forwarder.log"
    path.write_text(_tail([
        f"2026-07-20T01:50:15.250000+00:00 {STREAM} START RequestId: a1 Version: $LATEST",
        f"2026-07-20T01:50:15.260000+00:00 {STREAM} 2026-07-20T01:50:15.260Z\ta1\tINFO\t"
        "forwarding: END RequestId: 7c9567b5-107b-4a6c-8798-0157ac21db52",
        f"2026-07-20T01:50:15.300000+00:00 {STREAM} END RequestId: a1",
        f"2026-07-20T01:50:15.300000+00:00 {STREAM} REPORT RequestId: a1\tDuration: 50.00 ms\t"
        "Billed Duration: 50 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t",
    ]))
    stats = analyze_paths([str(path)]).input
    assert (stats.events, stats.records, stats.ignored) == (4, 3, 1)
    assert_same_as_per_event_path(path)


def test_tail_timestamps_without_fraction(tmp_path: Path) -> None:
    # aws logs tail omits the fraction when it is zero (§1).
    path = tmp_path / "fn.log"
    path.write_text(_tail([
        f"2026-07-20T01:50:15+00:00 {STREAM} START RequestId: a1 Version: $LATEST",
        f"2026-07-20T01:50:16+00:00 {STREAM} END RequestId: a1",
        f"2026-07-20T01:50:16+00:00 {STREAM} REPORT RequestId: a1\tDuration: 1000.00 ms\t"
        "Billed Duration: 1000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t"
        "Init Duration: 200.00 ms",
    ]))
    inv = analyze_paths([str(path)]).invocations
    assert len(inv) == 1
    assert inv.iloc[0]["start"] == pd.Timestamp("2026-07-20T01:50:15Z")
    assert inv.iloc[0]["end"] == pd.Timestamp("2026-07-20T01:50:16Z")
    assert inv.iloc[0]["start_type"] == "cold"


def test_sam_logs_with_reindented_json_records(tmp_path: Path) -> None:
    # sam logs re-indents JSON messages over several lines (§1); the JSON START/REPORT pair.
    # 2 events = 2 records; the report's initDurationMs makes it cold.
    path = tmp_path / "fn.log"
    record = {"requestId": "j1", "status": "success",
              "metrics": {"durationMs": 765.0, "billedDurationMs": 765, "memorySizeMB": 128,
                          "maxMemoryUsedMB": 70, "initDurationMs": 300.5}}
    start = json.dumps({"time": "2026-10-08T07:30:28.235Z", "type": "platform.start",
                        "record": {"requestId": "j1"}}, indent=2)
    report = json.dumps({"time": "2026-10-08T07:30:29.000Z", "type": "platform.report",
                         "record": record}, indent=2)
    path.write_text(_tail([f"{STREAM} 2026-10-08T07:30:28.235000 {start}",
                           f"{STREAM} 2026-10-08T07:30:29 {report}"]))
    analysis = analyze_paths([str(path)])
    assert analysis.input.formats == {"sam": 1}
    assert (analysis.input.events, analysis.input.records) == (2, 2)
    inv = analysis.invocations.iloc[0]
    assert (inv["environment"], inv["start_type"]) == (STREAM, "cold")
    assert inv["init_duration_ms"] == pytest.approx(300.5)
    assert inv["start"] == pd.Timestamp("2026-10-08T07:30:28.235Z")


_RIDS = ["5e6f7a8b-0001", "5e6f7a8b-0002", "5e6f7a8b-0003"]
_UUID = "5b1e0c2a-7d3f-4f6e-9a51-0c2d8e4b7a11"
_STREAMS = ["2026/07/20/[$LATEST]aaaa1111aaaa1111aaaa1111aaaa1111",
            "2026/07/20/[$LATEST]bbbb2222bbbb2222bbbb2222bbbb2222"]


@st.composite
def _tail_message(draw: st.DrawFn) -> str:
    rid = draw(st.sampled_from(_RIDS))
    dur = draw(st.integers(min_value=0, max_value=500000)) / 100
    status = draw(st.sampled_from(["", "\tStatus: timeout",
                                   "\tStatus: error\tError Type: Runtime.OutOfMemory"]))
    init = draw(st.sampled_from(["", f"\tInit Duration: {dur / 3:.2f} ms"]))
    tail = draw(st.sampled_from(["", "\t", "\t\nXRAY TraceId: 1-5e61292c-cc12\tSegmentId: 07a8\t"
                                           "Sampled: true"]))
    return draw(st.sampled_from([
        f"START RequestId: {rid} Version: $LATEST",
        f"END RequestId: {rid}",
        f"REPORT RequestId: {rid}\tDuration: {dur:.2f} ms\tBilled Duration: {math.ceil(dur)} ms"
        f"\tMemory Size: 128 MB\tMax Memory Used: 100 MB{init}{status}{tail}",
        f"REPORT RequestId: {rid}  Duration: {dur:.2f} ms  Billed Duration: 5 ms  Memory Size: "
        "128 MB  Max Memory Used: 128 MB",
        # copy artefacts (issue 10): a glued UUID, a tab after "RequestId:", a lost separator,
        # literal backslash-t, no RequestId at all
        f"REPORT RequestId: {_UUID}Duration: {dur:.2f} ms\tBilled Duration: 5 ms\tMemory Size: "
        "128 MB\tMax Memory Used: 100 MB\t",
        f"START RequestId:\t{_UUID} Version: $LATEST",
        f"END RequestId:\t{_UUID}",
        f"REPORT RequestId:\t{rid}\tDuration: {dur:.2f} ms\tBilled Duration: 5 msMemory Size: "
        "128 MB\tMax Memory Used: 100 MB",
        f"REPORT RequestId: {rid}\\tDuration: {dur:.2f} ms\\tBilled Duration: 5 ms",
        f"REPORT Duration: {dur:.2f} ms\tBilled Duration: 5 ms",
        f"RequestId: {rid} Process exited before completing request",
        "EXTENSION     Name: x   State: Ready    Events: [INVOKE,SHUTDOWN]",
        "INIT_START Runtime Version: python:3.12.v40\tRuntime Version ARN: arn",
        f"INIT_REPORT Init Duration: {dur:.2f} ms\tPhase: init{status}",
        "EXTENSION\tName: x\tState: Ready\tEvents: []",
        f"2024-01-29T16:41:15.998Z {rid} Task timed out after 3.00 seconds",
        f"RequestId: {rid} Error: Runtime exited with error: signal: killed\nRuntime.ExitError",
        f"[INFO]\t2026-07-20T01:50:15.251Z\t{rid}\tmulti\n2 items left\n  more",
        f"2026-07-20T01:50:15.251Z\t{rid}\tINFO\tforwarding END RequestId: {rid}",
        json.dumps({"time": "2026-07-20T01:00:00.000Z", "type": "platform.start",
                    "record": {"requestId": rid}}),
        json.dumps({"time": "2026-07-20T01:00:00.000Z", "type": "platform.report",
                    "record": {"requestId": rid, "metrics": {"durationMs": 12.5}}}, indent=2),
    ]))


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(st.tuples(st.integers(min_value=1, max_value=20000),
                                 st.sampled_from(_STREAMS), _tail_message()),
                       min_size=1, max_size=30),
       chunk=st.sampled_from([None, 200]))
def test_random_tail_files_fast_path_equals_per_event_path(
        events: list[tuple[int, str, str]], chunk: int | None) -> None:
    # Strictly increasing times (two invocations of one environment never start in the same
    # microsecond); a 200-character chunk cuts events everywhere.
    t = pd.Timestamp("2026-07-20T01:00:00Z")
    lines = []
    for step_ms, stream, message in events:
        t += pd.Timedelta(milliseconds=step_ms)
        lines.append(f"{t.strftime('%Y-%m-%dT%H:%M:%S.%f')}+00:00 {stream} {message}")
    saved = readers.CHUNK_CHARS
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fn.log"
        path.write_text(_tail(lines), encoding="utf-8")
        try:
            if chunk is not None:
                readers.CHUNK_CHARS = chunk
            assert_same_as_per_event_path(path)
        finally:
            readers.CHUNK_CHARS = saved


# ---- regressions from the review (each failed before its fix)

TAIL_REPORT = ("REPORT RequestId: r1\tDuration: 100.50 ms\tBilled Duration: 101 ms\t"
               "Memory Size: 128 MB\tMax Memory Used: 60 MB\t")


def _tail_text(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


def test_tail_unparseable_time_is_malformed_not_a_crash(tmp_path: Path) -> None:
    # month 13: the START cannot be placed; the REPORT still makes an invocation
    log = tmp_path / "bad.log"
    log.write_text(_tail_text(
        f"2024-13-01T00:00:00.000000+00:00 {STREAM} START RequestId: r1 Version: $LATEST",
        f"2026-07-20T01:50:10.400000+00:00 {STREAM} {TAIL_REPORT}"))
    a = analyze_paths([str(log)])
    assert (a.input.events, a.input.records, a.input.malformed) == (2, 1, 1)
    assert a.summary["invocations"] == 1


def test_tail_identical_slow_path_lines_are_each_read(tmp_path: Path) -> None:
    # a START without Version takes the per-event path; the same line twice is two events
    line = f"2026-07-20T01:50:10.000000+00:00 {STREAM} START RequestId: r1"
    log = tmp_path / "twice.log"
    log.write_text(_tail_text(line, line))
    a = analyze_paths([str(log)])
    assert (a.input.events, a.input.records, a.input.ignored) == (2, 2, 0)


def test_tail_crlf_reads_like_lf(tmp_path: Path) -> None:
    text = _tail_text(
        f"2026-07-20T01:50:10.000000+00:00 {STREAM} START RequestId: r1 Version: $LATEST",
        f"2026-07-20T01:50:10.400000+00:00 {STREAM} {TAIL_REPORT}")
    lf, crlf = tmp_path / "lf.log", tmp_path / "crlf.log"
    lf.write_text(text)
    crlf.write_bytes(text.replace("\n", "\r\n").encode())
    a, b = analyze_paths([str(lf)]), analyze_paths([str(crlf)])
    assert a.summary == b.summary
    assert (b.input.records, b.input.malformed) == (2, 0)


def test_json_timestamp_outside_any_epoch_is_malformed(tmp_path: Path) -> None:
    events = [{"logStreamName": STREAM, "timestamp": 1e300,
               "message": "START RequestId: r1 Version: $LATEST"}]
    path = tmp_path / "events.json"
    path.write_text(json.dumps({"events": events}))
    a = analyze_paths([str(path)], AnalyzeOptions(function="f"))
    assert (a.input.events, a.input.malformed) == (1, 1)


def test_arrival_headers_are_the_simulators() -> None:
    # the simulator accepts arrival_time; analyze must detect the same file as arrivals
    assert detect_format("arrival_time,duration_ms\n2026-01-01T00:00:00Z,100\n") == "arrival-csv"


def test_bare_json_records_without_a_stream_warn(tmp_path: Path) -> None:
    path = tmp_path / "bare.jsonl"
    path.write_text(
        '{"time":"2026-10-08T07:30:28.235Z","type":"platform.start",'
        '"record":{"requestId":"r1","version":"$LATEST"}}\n'
        '{"time":"2026-10-08T07:30:29.470Z","type":"platform.report","record":{"requestId":'
        '"r1","metrics":{"durationMs":12.0,"initDurationMs":100.0},"status":"success"}}\n')
    a = analyze_paths([str(path)], AnalyzeOptions(function="f"))
    assert a.summary["start_types"]["cold"] == 1  # Init Duration alone says cold
    assert a.summary["environments"] == 0
    assert sum("environments cannot be rebuilt" in w for w in a.input.warnings) == 1


@pytest.mark.parametrize("fast", [True, False])
def test_json_lines_values_that_are_not_events_are_malformed_with_their_line(
        tmp_path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    from lamlife.lifecycle.read import ReadOptions, jsonl, read_inputs

    monkeypatch.setattr(jsonl, "FAST_PATH", fast)
    path = tmp_path / "odd.jsonl"
    path.write_text('{"timestamp": 1772409600008, "message": "app output", '
                    '"logGroupName": "/aws/lambda/a", "logStreamName": "s"}\n'
                    "[1, 2]\n42\n", encoding="utf-8")
    stats = read_inputs([str(path)], ReadOptions()).stats
    assert stats.malformed == 3
    assert stats.malformed_examples[:3] == [f"{path}:2: 1", f"{path}:2: 2", f"{path}:3: 42"]


@pytest.mark.parametrize("source", [EXAMPLE, DATA / "tail-detailed" / "orders.log",
                                    DATA / "jsonl" / "events.jsonl",
                                    DATA / "filter-log-events" / "storms.json",
                                    DATA / "insights-csv" / "storms-insights.csv"])
def test_a_byte_order_mark_at_the_start_changes_nothing(source: Path, tmp_path: Path) -> None:
    # Windows tools and some editors start UTF-8 files with EF BB BF: the first event (an
    # INIT_START in the example) must still be read, and gzip keeps the mark inside
    import gzip

    plain = analyze_paths([str(source)])
    for name, data in (("bom" + source.suffix, b"\xef\xbb\xbf" + source.read_bytes()),
                       ("bom" + source.suffix + ".gz",
                        gzip.compress(b"\xef\xbb\xbf" + source.read_bytes()))):
        marked = tmp_path / name
        marked.write_bytes(data)
        got = analyze_paths([str(marked)])
        assert got.input.records == plain.input.records, name
        assert got.input.ignored == plain.input.ignored, name
        assert got.summary == plain.summary, name


def test_a_byte_order_mark_before_output_only_is_still_a_tail_file(tmp_path: Path) -> None:
    # found by the randomized differential test in CI: detection saw the mark on the first
    # line and called the file unrecognized; with the mark dropped first it is tail text
    line = ("2026-07-20T01:00:00.000000+00:00 2026/07/20/[$LATEST]aaaa1111aaaa1111aaaa1111"
            "aaaa1111 café ünïcödé 日本語 😀 done\n").encode()
    for name, data in (("plain.log", line), ("marked.log", b"\xef\xbb\xbf" + line)):
        path = tmp_path / name
        path.write_bytes(data)
        stats = analyze_paths([str(path)]).input
        assert (stats.formats, stats.events, stats.ignored) == ({"tail": 1}, 1, 1), name


@pytest.mark.parametrize("with_mark", [True, False])
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("source", [EXAMPLE, DATA / "jsonl" / "events.jsonl",
                                    DATA / "filter-log-events" / "storms.json",
                                    DATA / "insights-csv" / "storms-insights.csv"])
def test_utf16_with_its_byte_order_mark_reads_as_utf8(source: Path, encoding: str,
                                                      with_mark: bool, tmp_path: Path) -> None:
    # Windows PowerShell 5.1 writes `aws logs tail ... > x.log` as UTF-16LE with a mark and
    # CRLF line ends; the same text in UTF-16 (gzip too) gives the same analysis. Without the
    # mark (s5-fixes item 4) every other byte is NUL: that is UTF-16 too, in that byte order.
    import gzip

    text = source.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\n", "\r\n")
    mark = b"\xff\xfe" if encoding.endswith("le") else b"\xfe\xff"
    data = (mark if with_mark else b"") + text.encode(encoding)
    want = analyze_paths([str(source)])
    for name, payload in (("ps" + source.suffix, data),
                          ("ps" + source.suffix + ".gz", gzip.compress(data))):
        path = tmp_path / name
        path.write_bytes(payload)
        got = analyze_paths([str(path)])
        assert (got.input.records, got.input.ignored, got.input.malformed) == (
            want.input.records, want.input.ignored, want.input.malformed), name
        assert got.summary == want.summary, name


def test_the_report_only_warning_needs_a_report(tmp_path: Path) -> None:
    # a timeout line alone makes an invocation row but is no REPORT: the warning that says
    # "only REPORT records in the input" would be false
    stream = "2025/09/07/[$LATEST]5555eeee5555eeee5555eeee5555eeee"
    timeout = (f"2025-09-07T06:00:03.004000+00:00 {stream} 2025-09-07T06:00:03.004Z "
               "4c5d6e7f-8888-4f9a-8b0c-2d3e4f5a6b7c Task timed out after 3.00 seconds\n")
    report = (f"2025-09-07T06:00:03.005000+00:00 {stream} REPORT RequestId: "
              "4c5d6e7f-8888-4f9a-8b0c-2d3e4f5a6b7c\tDuration: 3000.00 ms\tBilled Duration: "
              "3000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n")
    only_timeout, only_report = tmp_path / "t.log", tmp_path / "r.log"
    only_timeout.write_text(timeout)
    only_report.write_text(report)
    got = analyze_paths([str(only_timeout)])
    assert got.summary["invocations"] == 1
    assert not any(w.startswith("only REPORT") for w in got.input.warnings)
    warnings = analyze_paths([str(only_report)]).input.warnings
    assert any(w.startswith("only REPORT") for w in warnings)


@pytest.mark.parametrize("lines", [1, 3, 2000])
def test_a_file_of_junk_lines_only_counts_them_malformed(lines: int, tmp_path: Path) -> None:
    # a one-line file whose REPORT holds a NUL byte was 'empty', 0 events, no warning
    junk = ("2025-09-07T06:00:03.005000+00:00 2025/09/07/[$LATEST]5555eeee5555eeee5555eeee"
            "5555eeee REPORT RequestId: 4c5d6e7f\tDuration: 3000.00 ms\tMax Memory Used: 6\x000"
            " MB\t\n")
    path = tmp_path / "nul.log"
    path.write_text(junk * lines + "\n")
    stats = analyze_paths([str(path)]).input
    assert (stats.events, stats.malformed, stats.lines) == (lines, lines, lines + 1)
    assert stats.malformed_examples[0].startswith(f"{path}:1: control bytes in a text line")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf8_joined_to_utf16_is_named_with_how_to_convert(encoding: str,
                                                           tmp_path: Path) -> None:
    # `cat utf8.log utf16.log`: the head is UTF-8, then every other byte NUL. Before, this
    # was "binary file (mostly not text)"; the error now says what it is and how to convert.
    text = (DATA / "tail-detailed" / "orders.log").read_text(encoding="utf-8")
    first, second = text[: len(text) // 3], text[len(text) // 3:]
    first = first[: first.rindex("\n") + 1]
    path = tmp_path / "joined.log"
    path.write_bytes(first.encode("utf-8") + second.encode(encoding))
    result = CliRunner().invoke(app, ["analyze", str(path), "--format", "json", "-q"])
    assert result.exit_code == 2
    assert result.stdout == ""
    line = result.stderr.strip()
    assert "\n" not in line
    # where the UTF-16 part starts, within a byte: alternating bytes read either way by one
    # byte at the join (the mark, when there is one, says where)
    start = len(first.encode())
    assert any(f"joined.log: UTF-16 text near byte {start + d} among" in line
               for d in (-1, 0, 1)), line
    assert "iconv -f UTF-16LE -t UTF-8" in line
    # in a directory the file is skipped with the same reason, the others read
    (tmp_path / "ok.log").write_text(text, encoding="utf-8")
    stats = analyze_paths([str(tmp_path)]).input
    assert stats.files == 1
    assert any("joined.log: skipped, UTF-16 text among other text" in w for w in stats.warnings)


@pytest.mark.parametrize("data", [
    b"\xff\xfe" + random.Random(3).randbytes(8192),
    b"\xfe\xff" + b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 16,
])
def test_a_utf16_mark_before_bytes_that_are_not_text_is_binary(data: bytes,
                                                              tmp_path: Path) -> None:
    # FF FE then noise was decoded as UTF-16 (random code points) and skipped as "not a log
    # format"; it is a binary file, as the same noise without the mark is
    _assert_binary(tmp_path / "blob.log", data)


def test_a_binary_file_holding_a_utf16_string_is_binary(tmp_path: Path) -> None:
    # an executable or a database holds UTF-16 strings among its bytes: it was named "UTF-16
    # text among other text" with advice to convert it; the bytes around the string decide
    noise = random.Random(5).randbytes(3000)
    data = noise[:1000] + "Microsoft Corporation, all rights".encode("utf-16-le") + noise[1000:]
    _assert_binary(tmp_path / "blob.dat", data)


def _assert_binary(path: Path, data: bytes) -> None:
    """``data`` written at ``path``: refused as a binary file when given by name, skipped as
    one (a warning) in its folder."""
    path.write_bytes(data)
    with pytest.raises(InputError, match=rf"{path.name}: binary file \(mostly not text\)"):
        analyze_paths([str(path)])
    stats = analyze_paths([str(path.parent), str(EXAMPLE)]).input
    assert any(f"{path.name}: skipped, binary (mostly not text)" in w for w in stats.warnings)


def test_a_truncated_gzip_of_utf16_text_names_gzip(tmp_path: Path) -> None:
    # the UTF-16 decoder sits over the decompressor: the error still names the compression
    import gzip

    text = EXAMPLE.read_text(encoding="utf-8")
    data = gzip.compress(b"\xff\xfe" + text.encode("utf-16-le"))
    path = tmp_path / "ps.log.gz"
    path.write_bytes(data[: len(data) // 2])
    result = CliRunner().invoke(app, ["analyze", str(path), "--format", "json", "-q"])
    assert result.exit_code == 2
    assert "truncated gzip file" in result.stderr


@pytest.mark.parametrize(("name", "function"), [
    ("checkout.console.txt", "checkout"),  # kept ".console" before
    ("orders.log.gz", "orders"),
    ("payments-api_v2.2026-04-14.jsonl", "payments-api_v2"),
    (".hidden.log", ".hidden"),
    # a leading release tag holding dots is no function name (its dot is not the name's end)
    ("v1.2-orders.log", "orders"),
    ("1.0.3_checkout.console.txt", "checkout"),
    ("V2.10 payments-api.jsonl.gz", "payments-api"),
    ("2026.04.14-orders.log", "orders"),
    # no dot in the leading part: it may be the name (v2-orders is a valid function name)
    ("v2-orders.log", "v2-orders"),
    ("1.2.log", "1"),
    # a trailing release tag or date: per-release and daily files of one function
    ("orders-v1.2.log", "orders"),
    ("checkout_1.0.3.txt", "checkout"),
    ("orders-2026-11-20.log", "orders"),
    ("orders_2026_11_20.log.gz", "orders"),
    ("payments-api-2026-11-20T09-30Z.jsonl", "payments-api"),
    ("orders-v1.2.3-rc1.log", "orders"),
    ("orders-2026-11-20.log.1", "orders"),  # logrotate
    ("orders-20261120.log", "orders"),  # basic ISO 8601 date
    ("orders-2026-11.log.2.gz", "orders"),  # a month; rotated and compressed
    ("job-12345678.log", "job-12345678"),  # eight digits that are no date
    ("orders-2026-11-20.console.txt", "orders"),  # a date before another dotted part
    ("billing-20250101-20250131.log", "billing"),  # a date range
    ("api-v2.log", "api-v2"),  # no dot, no date: may be the name
    ("2026-11-20.log", "2026-11-20"),  # nothing before the date: the name is all there is
])
def test_a_file_names_the_function_before_its_first_dot(name: str, function: str) -> None:
    from lamlife.lifecycle.read.context import Source, file_function

    assert file_function(Source(name=name, path=Path("logs") / name)) == function


@pytest.mark.parametrize(("name", "function"), [("v1.2-orders.log", "orders"),
                                                 ("orders-2026-11-20.log", "orders"),
                                                 ("checkout.console.txt", "checkout")])
def test_analyze_names_a_function_by_its_file_name(name: str, function: str,
                                                   tmp_path: Path) -> None:
    # through the CLI: a short-format log (no stream, no log group) named only by its file
    text = (DATA / "tail-short" / "orders-short.log").read_text(encoding="utf-8")
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(tmp_path / name), "--format", "json",
                                      "--invocations", "-q"])
    assert result.exit_code == 0, result.stderr
    assert {r["function"] for r in json.loads(result.stdout)["invocations"]} == {function}


def test_daily_get_log_events_files_name_one_function_and_stay_two_streams(tmp_path: Path) -> None:
    # get-log-events output names no stream: each file is one (docs/lifecycle.md). Daily file
    # names give the function without the date, but the stream is the whole name, so two
    # days' files are two execution environments, never one
    text = (DATA / "get-log-events" / "b249865a.json").read_text(encoding="utf-8")
    (tmp_path / "orders-2026-11-20.json").write_text(text, encoding="utf-8")
    (tmp_path / "orders-2026-11-21.json").write_text(
        text.replace("60d08d48", "70d08d48").replace("0b5f7e0c", "1b5f7e0c"), encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(tmp_path), "--format", "json", "-q"])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert [f["function"] for f in out["functions"]] == ["orders"]
    assert sorted(e["environment"] for e in out["environments"]) == [
        "orders-2026-11-20", "orders-2026-11-21"]
    assert out["summary"]["cold_starts"] == 2
