"""What people actually paste, copy and export (issue 10): compressed inputs, binary junk,
files that overlap or belong together, what an input without invocations says, and property
tests for the copy grammars (glued fields, expanded tabs, ANSI codes, copied tables).

The golden pairs for each shape are in tests/data/readers/ (see test_readers.py); these tests
check the equivalences the issue states: a compressed file reads like the plain one, a log
split into parts like the whole, a file given twice like once.
"""

from __future__ import annotations

import base64
import builtins
import bz2
import functools
import gzip
import io
import json
import random
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app
from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths
from lamlife.lifecycle.read import detect_format
from lamlife.lifecycle.read.overlap import common_name
from lamlife.lifecycle.read.platform import MALFORMED, parse_message
from lamlife.lifecycle.read.seen import REPORT_ONLY
from lamlife.lifecycle.read.table import _cells as table_cells
from lamlife.reports.tables import render_text

DATA = Path(__file__).resolve().parent.parent / "data" / "readers"
TAIL = DATA / "tail-detailed" / "orders.log"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "orders.log"
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


@functools.cache
def clean_tail() -> Analysis:
    """The analysis of tests/data/readers/tail-detailed/orders.log (read once)."""
    return analyze_paths([str(TAIL)])


def same_analysis(a: Analysis, b: Analysis) -> None:
    """Same summary and the same invocations (every column)."""
    assert a.summary == b.summary
    key = ["function", "environment", "start", "request_id"]
    x = a.invocations.sort_values(key).reset_index(drop=True)
    y = b.invocations.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(x, y)


# ---------------------------------------------------------------- compressed inputs


def _zstd(data: bytes) -> bytes:
    zstandard = pytest.importorskip("zstandard")
    return bytes(zstandard.ZstdCompressor().compress(data))


@pytest.mark.parametrize(("name", "pack"), [
    ("orders.log.gz", gzip.compress),
    ("orders.log.bz2", bz2.compress),
    ("orders.log.zst", _zstd),
    ("orders.bin", bz2.compress),  # detected by magic bytes, whatever the name
])
def test_compressed_file_reads_like_the_plain_file(name: str, pack: Any, tmp_path: Path) -> None:
    packed = tmp_path / name
    packed.write_bytes(pack(TAIL.read_bytes()))
    plain = analyze_paths([str(TAIL)])
    got = analyze_paths([str(packed)], AnalyzeOptions(function="orders"))
    assert got.input.formats == {"tail": 1}
    assert (got.input.lines, got.input.events, got.input.records) == (
        plain.input.lines, plain.input.events, plain.input.records)
    same_analysis(got, plain)


def test_zip_archive_is_read_like_a_directory(tmp_path: Path) -> None:
    # Two members (one gzip inside the zip), a hidden file and a macOS resource folder skipped.
    archive = tmp_path / "logs.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("orders.log", TAIL.read_bytes())
        z.writestr("more/notifier.log.gz", gzip.compress(
            (DATA / "copy-expanded-tabs" / "notifier.log").read_bytes()))
        z.writestr(".DS_Store", b"\x00\x01")
        z.writestr("__MACOSX/._orders.log", b"\x00\x05\x16\x07")
    folder = tmp_path / "plain"
    (folder / "more").mkdir(parents=True)
    (folder / "orders.log").write_bytes(TAIL.read_bytes())
    (folder / "more" / "notifier.log").write_bytes(
        (DATA / "copy-expanded-tabs" / "notifier.log").read_bytes())
    got = analyze_paths([str(archive)])
    assert got.input.formats == {"tail": 1, "sam": 1}
    assert set(got.invocations["function"]) == {"orders", "notifier"}
    same_analysis(got, analyze_paths([str(folder)]))


def test_zstd_without_a_decompressor_is_one_clear_line(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "orders.log.zst"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00" * 32)
    real_import = builtins.__import__

    def no_zstd(name: str, *args: Any, **kwargs: Any) -> Any:
        if name in ("zstandard", "compression"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_zstd)
    result = CliRunner().invoke(app, ["analyze", str(path), "--format", "json"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "zstd" in lines[0] and "zstandard" in lines[0] and str(path) in lines[0]


def test_zip_on_stdin_is_refused_with_one_line() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("orders.log", TAIL.read_bytes())
    result = CliRunner().invoke(app, ["analyze", "-", "--format", "json"],
                                input=buffer.getvalue())
    assert result.exit_code == 2
    assert "zip archive on standard input" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_truncated_bzip2_names_the_compression(tmp_path: Path) -> None:
    packed = bz2.compress(TAIL.read_bytes())
    cut = tmp_path / "orders.log.bz2"
    cut.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(InputError, match="orders.log.bz2: cannot decompress"):
        analyze_paths([str(cut)])


@pytest.mark.parametrize("suffix", ["log", "jsonl"])
def test_damage_found_while_blocks_are_read_ahead_stops_with_one_error(
        suffix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the compiled readers read the next block on a worker thread: a truncated gzip found
    # there, far past the head, is the same one-line error as anywhere else
    from lamlife.lifecycle.read import jsonl, tail

    monkeypatch.setattr(tail, "CHUNK_CHARS", 4096)
    monkeypatch.setattr(jsonl, "CHUNK_CHARS", 4096)
    stream = "2026/07/20/[$LATEST]0c5d1e3f9a7b4c2d8e6f1a3b5c7d9e0f"
    events = [(f"2026-07-20T01:{k // 60 % 60:02d}:{k % 60:02d}.250000+00:00",
               f"START RequestId: r{k} Version: $LATEST") for k in range(6000)]
    if suffix == "log":
        text = "".join(f"{t} {stream} {m}\n" for t, m in events)
    else:
        text = "".join(json.dumps({"logGroupName": "/aws/lambda/orders", "logStreamName": stream,
                                   "timestamp": 1784509200000 + k, "message": m}) + "\n"
                       for k, (_t, m) in enumerate(events))
    packed = gzip.compress(text.encode())
    assert len(text) > 4 * 65536  # damage well past the head the format is detected on
    cut = tmp_path / f"orders.{suffix}.gz"
    cut.write_bytes(packed[: len(packed) * 3 // 4])
    with pytest.raises(InputError, match=f"orders.{suffix}.gz: cannot decompress"):
        analyze_paths([str(cut)])
    result = CliRunner().invoke(app, ["analyze", str(cut), "--format", "json"])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# ---------------------------------------------------------------- binary junk (issue 11)


def test_text_log_with_junk_lines_is_read_and_junk_counted(tmp_path: Path) -> None:
    # Every tenth line replaced by binary junk: the file is read; each junk line is one
    # malformed event; the other events are read as before.
    lines = TAIL.read_text(encoding="utf-8").splitlines()
    junk = ["\x00\x01\x02\x03 binary \x00" if i % 10 == 9 else ln for i, ln in enumerate(lines)]
    path = tmp_path / "orders.log"
    path.write_text("\n".join(junk) + "\n", encoding="utf-8")
    a = analyze_paths([str(path)])
    replaced = sum(1 for i in range(len(lines)) if i % 10 == 9)
    assert a.input.lines == len(lines)
    assert a.input.malformed == replaced
    assert a.input.records + a.input.ignored + a.input.malformed == a.input.events
    assert all("control bytes" in e for e in a.input.malformed_examples)
    assert all("\x00" not in e for e in a.input.malformed_examples)  # shown escaped


@pytest.mark.parametrize("data", [
    b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 16,   # an executable
    # (UTF-16 text, half NUL, is read as UTF-16 now: test_readers' UTF-16 tests)
    random.Random(7).randbytes(8192),  # noise (one generator: not one byte repeated)
])
def test_mostly_binary_file_is_refused_with_one_line(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "blob.log"
    path.write_bytes(data)
    with pytest.raises(InputError, match=r"blob.log: binary file \(mostly not text\)"):
        analyze_paths([str(path)])


# ---------------------------------------------------------------- overlap and split files


def _split_at_event(text: str, fraction: float) -> tuple[str, str]:
    lines = text.splitlines(keepends=True)
    cut = int(len(lines) * fraction)
    while not lines[cut][:2].isdigit():  # cut before an event line, never inside an event
        cut += 1
    return "".join(lines[:cut]), "".join(lines[cut:])


@pytest.mark.parametrize("fraction", [0.3, 0.5, 0.8])
def test_log_split_into_parts_analyzes_like_the_whole(fraction: float, tmp_path: Path) -> None:
    # issue 10: orders-part1.log + orders-part2.log (same streams) = orders.log
    first, second = _split_at_event(EXAMPLE.read_text(encoding="utf-8"), fraction)
    (tmp_path / "orders-part1.log").write_text(first, encoding="utf-8")
    (tmp_path / "orders-part2.log").write_text(second, encoding="utf-8")
    whole = analyze_paths([str(EXAMPLE)])
    parts = analyze_paths([str(tmp_path / "orders-part1.log"), str(tmp_path / "orders-part2.log")])
    assert parts.summary["environments"] == whole.summary["environments"] == 4
    same_analysis(parts, whole)


@pytest.mark.parametrize(("names", "shown"), [
    (("checkout.log", "cart.log"), "checkout"),  # no common base: the first input's name
    (("cart.log", "checkout.log"), "cart"),
])
def test_parts_without_a_common_base_keep_a_real_name(names: tuple[str, str], shown: str,
                                                      tmp_path: Path) -> None:
    # Two file-named parts sharing streams are one function; a name is never made up from
    # their shared first letters ("c"), and the reader says what it did.
    first, second = _split_at_event(EXAMPLE.read_text(encoding="utf-8"), 0.5)
    (tmp_path / names[0]).write_text(first, encoding="utf-8")
    (tmp_path / names[1]).write_text(second, encoding="utf-8")
    parts = analyze_paths([str(tmp_path / n) for n in names])
    assert set(parts.invocations["function"]) == {shown}
    assert parts.summary["environments"] == 4
    stems = sorted(n.removesuffix(".log") for n in names)
    assert (f"inputs named {', '.join(stems)} share log streams: read as one function, "
            f"{shown} (pass --function NAME to name it)") in parts.input.warnings


def test_same_file_twice_counts_once() -> None:
    once = analyze_paths([str(EXAMPLE)])
    twice = analyze_paths([str(EXAMPLE), str(EXAMPLE)])
    same_analysis(twice, once)
    assert once.input.duplicates == 0
    assert twice.input.duplicates > 0
    assert twice.input.events == 2 * once.input.events  # every event is still accounted for


@pytest.mark.parametrize("tail_first", [True, False])
def test_the_same_events_in_json_and_tail_count_once(tail_first: bool, tmp_path: Path) -> None:
    # A tail capture (named by its file only) and a JSON export of the same group and window:
    # the shared streams say the file is the group's function, in either order of reading.
    stream = "2026/07/20/[$LATEST]b249865adaaf4fad80f95f8ad09725b8"
    lines = [ln for ln in TAIL.read_text().splitlines() if stream in ln and " START " in ln
             or stream in ln and " REPORT " in ln]
    events = []
    for ln in lines:
        stamp, s, message = ln.split(" ", 2)
        events.append({"logStreamName": s, "message": message,
                       "timestamp": int(pd.Timestamp(stamp).value // 1_000_000)})
    export = tmp_path / "export.json"
    export.write_text(json.dumps({"events": events, "logGroupName": "/aws/lambda/orders"}))
    capture = tmp_path / "captured-at-noon.log"
    capture.write_bytes(TAIL.read_bytes())
    paths = [str(capture), str(export)] if tail_first else [str(export), str(capture)]
    both = analyze_paths(paths)
    alone = analyze_paths([str(TAIL)])
    assert both.input.duplicates == len(lines)
    assert set(both.invocations["function"]) == {"orders"}
    same_analysis(both, alone)


def test_two_log_groups_reusing_a_stream_name_stay_apart(tmp_path: Path) -> None:
    # Names from content never join: a stream name reused by two groups (a fixture, a copy)
    # stays two environments of two functions.
    stream = "2026/07/20/[$LATEST]b249865adaaf4fad80f95f8ad09725b8"
    for group in ("a", "b"):
        (tmp_path / f"{group}.json").write_text(json.dumps({"logGroupName": f"/aws/lambda/{group}",
            "events": [{"logStreamName": stream, "timestamp": 1784512215250,
                        "message": f"START RequestId: r-{group} Version: $LATEST"},
                       {"logStreamName": stream, "timestamp": 1784512215300,
                        "message": f"REPORT RequestId: r-{group}\tDuration: 50.00 ms"}]}))
    a = analyze_paths([str(tmp_path / "a.json"), str(tmp_path / "b.json")])
    assert sorted(a.invocations["function"]) == ["a", "b"]
    assert a.summary["environments"] == 2


@pytest.mark.parametrize(("names", "expected"), [
    (["orders-part1", "orders-part2"], "orders"),
    (["orders.1", "orders"], "orders"),
    (["orders_2", "orders_10"], "orders"),
    (["orders (1)", "orders"], "orders"),
    (["api-eu", "api-us"], None),  # no part suffix: not one name, and none made up
    (["alpha", "beta"], None),
    (["checkout", "cart"], None),
])
def test_common_name_of_a_split_log(names: list[str], expected: str | None) -> None:
    assert common_name(names) == expected


# ---------------------------------------------------------------- saying what was seen


def test_empty_report_says_what_was_seen() -> None:
    a = analyze_paths([str(DATA / "snapstart-no-invocation" / "snap.log")])
    text = render_text(a, width=200)
    assert text.splitlines()[:2] == [
        "No invocations found.",
        "Seen: 1 START without its REPORT (incomplete), 1 INIT_REPORT, 1 RESTORE_START, "
        "1 RESTORE_REPORT.",
    ]


def test_failure_only_window_says_it_saw_the_failure(tmp_path: Path) -> None:
    stream = "2026/07/20/[$LATEST]0c5d1e3f9a7b4c2d8e6f1a3b5c7d9e0f"
    path = tmp_path / "fn.log"
    path.write_text(
        f"2026-07-20T01:50:10.000000+00:00 {stream} INIT_REPORT Init Duration: 10003.12 ms\t"
        "Phase: init\tStatus: timeout\n")
    a = analyze_paths([str(path)])
    assert a.input.seen == {"init_failure": 1}
    assert "Seen: 1 failed INIT_REPORT." in render_text(a, width=200)


def test_seen_counts_timeout_lines_not_as_reports() -> None:
    a = analyze_paths([str(DATA / "timeout-no-report" / "slow.log")])
    assert a.input.seen == {"timeout": 1}
    assert a.summary["invocations"] == 1


def test_report_only_limits_are_said_once_for_many_files() -> None:
    case = DATA / "report-only"
    a = analyze_paths([str(case / "monday.csv"), str(case / "tuesday.csv")])
    assert a.input.warnings.count(REPORT_ONLY) == 1


def test_report_only_limits_are_in_the_human_report_once() -> None:
    case = DATA / "report-only"
    a = analyze_paths([str(case / "monday.csv"), str(case / "tuesday.csv")])
    text = render_text(a, width=300)
    assert text.count("only REPORT records in the input") == 1


def test_custom_group_stream_names_the_function_over_function_option() -> None:
    a = analyze_paths([str(DATA / "custom-stream" / "shared-group.log")],
                      AnalyzeOptions(function="given"))
    assert set(a.invocations["function"]) == {"billing"}


def test_an_input_with_starts_does_not_claim_report_only() -> None:
    a = analyze_paths([str(TAIL)])
    assert REPORT_ONLY not in a.input.warnings


# ---------------------------------------------------------------- accounting across containers


@pytest.mark.parametrize("message", [
    "REPORT Duration: 12.00 ms Billed Duration: 12 ms",  # no RequestId
    "REPORT RequestId: r1\\tDuration: 10.00 ms\\tBilled Duration: 10 ms",  # literal \t
])
def test_unreadable_report_is_malformed_in_every_container(message: str, tmp_path: Path) -> None:
    stream = "2026/07/20/[$LATEST]0c5d1e3f9a7b4c2d8e6f1a3b5c7d9e0f"
    tail = tmp_path / "a.log"
    tail.write_text(f"2026-07-20T01:50:10.000000+00:00 {stream} {message}\n")
    events = tmp_path / "b.json"
    events.write_text(json.dumps({"events": [
        {"logStreamName": stream, "timestamp": 1784512210000, "message": message}]}))
    short = tmp_path / "c.log"
    short.write_text(f"2026-07-20T01:50:10.000Z {message}\n")
    for path in (tail, events, short):
        stats = analyze_paths([str(path)]).input
        assert (stats.events, stats.malformed, stats.ignored) == (1, 1, 0), path.name


# ---------------------------------------------------------------- detection of the new shapes


@pytest.mark.parametrize(("head", "fmt"), [
    ("2025-12-29 14:36:41.795\tSTART RequestId: x Version: 1\n", "timestamped"),
    ("2025-12-29 14:36:41.795\nSTART RequestId: x Version: 1\n", "timestamped"),
    ("| @timestamp | @message |\n|---|---|\n| 2025-12-29 14:36:41.795 | START RequestId: x |\n",
     "table"),
    ("-----\n|   timestamp   |  message  |\n| 1702763408647 | START RequestId: x |\n-----\n",
     "table"),
    ("| 1702763408647 | START RequestId: x |\n| 1702763408700 | END RequestId: x |\n", "table"),
    ("START RequestId: x Version: $LATEST\nEND RequestId: x\n", "invoke-tail"),
    ("START RequestId: x Version: 1\n2020-06-09T15:02:26.150Z x INFO hi\nEND RequestId: x\n",
     "invoke-tail"),
    ("U1RBUlQgUmVxdWVzdElkOiB4IFZlcnNpb246IDEKRU5EIFJlcXVlc3RJZDogeAo=\n", "invoke-tail"),
    ('ion":"$LATEST"}}\n{"time":"2026-10-08T07:30:28.235Z","type":"platform.report",'
     '"record":{}}\n', "jsonl"),
    ('exported by hand\n{"timestamp": 1, "message": "START RequestId: x"}\n', "jsonl"),
    ('{"a":' * 5000 + "1" + "}" * 5000 + '\n{"timestamp": 1, "message": "x"}\n'
     '{"timestamp": 2, "message": "y"}\n', "jsonl"),
    ('{"StatusCode": 200, "LogResult": "U1RBUlQ=", "ExecutedVersion": "$LATEST"}\n', "json"),
    ("| a | b |\n| c | d |\n", None),  # a table of something else
])
def test_detect_new_shapes(head: str, fmt: str | None) -> None:
    assert detect_format(head) == fmt


def test_markdown_escaped_pipe_stays_in_the_message(tmp_path: Path) -> None:
    rid = "5b1e0c2a-7d3f-4f6e-9a51-0c2d8e4b7a11"
    path = tmp_path / "fn.md"
    path.write_text(
        "| @timestamp | @message |\n|---|---|\n"
        f"| 2025-12-29 15:00:00.100 | START RequestId: {rid} Version: $LATEST |\n"
        f"| 2025-12-29 15:00:00.200 | INFO a \\| b |\n"
        f"| 2025-12-29 15:00:00.300 | REPORT RequestId: {rid}\tDuration: 200.00 ms |\n")
    a = analyze_paths([str(path)])
    assert (a.input.events, a.input.records, a.input.ignored, a.input.malformed) == (3, 2, 1, 0)
    assert a.invocations.iloc[0]["start"] == pd.Timestamp("2025-12-29T15:00:00.100Z")
    # the cells themselves: an escaped pipe is text, not a border
    assert table_cells("| 2025 | a \\| b | s |") == ["2025", "a | b", "s"]


# ---------------------------------------------------------------- property tests (grammars)

UUIDS = st.uuids().map(str)
FIELDS = [("Duration", "ms"), ("Billed Duration", "ms"), ("Memory Size", "MB"),
          ("Max Memory Used", "MB"), ("Init Duration", "ms")]
POSITION = {"Duration": 2, "Billed Duration": 3, "Memory Size": 4, "Max Memory Used": 5,
            "Init Duration": 6}


@SETTINGS
@given(rid=UUIDS, upper=st.booleans(),
       values=st.lists(st.integers(min_value=1, max_value=900000), min_size=5, max_size=5),
       separators=st.lists(st.sampled_from(["", "\t", " ", "  ", "    ", " \t", "\t "]),
                           min_size=5, max_size=5))
def test_report_with_glued_or_expanded_separators(rid: str, upper: bool, values: list[int],
                                                  separators: list[str]) -> None:
    # Any separator may be lost in a copy ("" glues two fields) or expanded to spaces: the
    # RequestId is still the UUID and every field keeps its value.
    rid = rid.upper() if upper else rid
    text = f"REPORT RequestId: {rid}"
    numbers = {}
    for (key, unit), value, sep in zip(FIELDS, values, separators, strict=True):
        number = value / 100
        if key == "Memory Size":  # Lambda's range, 128 MB and up (smaller is malformed)
            number = 128 + value % 10113
        numbers[key] = number
        text += f"{sep}{key}: {number:.2f} {unit}"
    rec = parse_message(text)
    assert rec is not None and rec is not MALFORMED and rec[0] == "report", (text, rec)
    assert rec[1] == rid
    for key, number in numbers.items():
        assert rec[POSITION[key]] == pytest.approx(number), (key, text)


@SETTINGS
@given(word=st.sampled_from(["EXTENSION", "TELEMETRY", "LOGS"]),
       widths=st.lists(st.integers(min_value=1, max_value=12), min_size=3, max_size=3))
def test_init_phase_lines_with_tabs_expanded(word: str, widths: list[int]) -> None:
    gap = [" " * w for w in widths]
    line = f"{word}{gap[0]}Name: agent{gap[1]}State: Ready{gap[2]}Events: [INVOKE,SHUTDOWN]"
    assert parse_message(line) == ("extension",)
    assert parse_message(f"{word}S are loaded{gap[0]}lazily") is None  # prose stays prose


_ANSI_CODES = ["\x1b[0m", "\x1b[32m", "\x1b[1;36m", "\x1b[K", "\x1b[38;5;208m", "\x1b[2J"]


@SETTINGS
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_ansi_codes_anywhere_read_like_the_clean_file(seed: int, tmp_path: Path) -> None:
    # aws logs tail --color on colours times, streams and messages; terminals add erase codes.
    # Codes put at random token boundaries of every line: the analysis equals the clean one.
    rnd = random.Random(seed)
    lines = TAIL.read_text(encoding="utf-8").splitlines()
    coloured = []
    for line in lines:
        tokens = line.split(" ")
        for _ in range(rnd.randint(0, 3)):
            k = rnd.randrange(len(tokens))
            tokens[k] = rnd.choice(_ANSI_CODES) + tokens[k] + rnd.choice(_ANSI_CODES)
        coloured.append(" ".join(tokens))
    path = tmp_path / f"orders-{seed}.log"
    path.write_text("\n".join(coloured) + "\n", encoding="utf-8")
    got = analyze_paths([str(path)], AnalyzeOptions(function="orders"))
    clean = clean_tail()
    assert (got.input.events, got.input.records, got.input.malformed) == (
        clean.input.events, clean.input.records, clean.input.malformed)
    same_analysis(got, clean)


@SETTINGS
@given(seed=st.integers(min_value=0, max_value=10_000),
       style=st.sampled_from(["markdown", "console", "markdown-epoch"]))
def test_copied_tables_read_like_the_log(seed: int, style: str, tmp_path: Path) -> None:
    # The events of a tail log as a copied table (Markdown from Logs Insights, or the console's
    # text table), rows in any order (Insights: newest first): the same invocations.
    rnd = random.Random(seed)
    rows = []
    for line in TAIL.read_text(encoding="utf-8").split("\n"):
        if line[:2].isdigit():
            stamp, stream, message = line.split(" ", 2)
            rows.append([stamp, stream, message])
        elif rows and line:
            rows[-1][2] += " " + line  # a continuation line: part of the row's message
    rnd.shuffle(rows)
    out = []
    if style == "console":
        out += ["-" * 40, "| timestamp | logStream | message |", "|---|---|---|"]
    else:
        out += ["| @timestamp | @logStream | @message |", "|:--|:--|:--|"]
    for stamp, stream, message in rows:
        when = pd.Timestamp(stamp)
        shown = (str(int(when.value // 1_000_000)) if style != "markdown"
                 else when.tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S.%f")[:-3])
        out.append(f"| {shown} | {stream} | {message} |")
    if style == "console":
        out.append("-" * 40)
    path = tmp_path / f"orders-{style}-{seed}.md"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    got = analyze_paths([str(path)], AnalyzeOptions(function="orders"))
    clean = clean_tail()
    assert got.input.formats == {"table": 1}
    assert (got.input.records, got.input.malformed) == (clean.input.records, 0)
    assert got.summary == clean.summary
    key = ["environment", "request_id"]
    cols = ["environment", "request_id", "start_type", "status", "duration_ms", "start"]
    x = got.invocations.sort_values(key)[cols].reset_index(drop=True)
    y = clean.invocations.sort_values(key)[cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(x, y)


def test_invoke_response_of_a_json_log_format_function_keeps_record_times(
        tmp_path: Path) -> None:
    # LogResult of a function with the JSON log format: JSON records with their own time.
    rid = "79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36"
    records = [
        {"time": "2026-10-08T07:30:28.235Z", "type": "platform.start",
         "record": {"requestId": rid, "version": "$LATEST"}},
        {"timestamp": "2026-10-08T07:30:28.300Z", "level": "INFO", "requestId": rid,
         "message": "sent"},
        {"time": "2026-10-08T07:30:29.470Z", "type": "platform.report",
         "record": {"requestId": rid, "status": "success",
                    "metrics": {"durationMs": 1233.96, "billedDurationMs": 1698,
                                "memorySizeMB": 256, "maxMemoryUsedMB": 123,
                                "initDurationMs": 463.512}}},
    ]
    text = "".join(json.dumps(r) + "\n" for r in records)
    path = tmp_path / "response.json"
    path.write_text(json.dumps({"StatusCode": 200, "LogResult": base64.b64encode(
        text.encode()).decode(), "ExecutedVersion": "$LATEST"}))
    a = analyze_paths([str(path)])
    assert (a.input.events, a.input.records, a.input.ignored) == (3, 2, 1)
    row = a.invocations.iloc[0]
    assert row["start"] == pd.Timestamp("2026-10-08T07:30:28.235Z")
    assert row["end"] == pd.Timestamp("2026-10-08T07:30:29.470Z")
    assert row["start_type"] == "cold"


def test_arrival_csv_inside_a_zip_is_one_clear_error(tmp_path: Path) -> None:
    archive = tmp_path / "trace.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("trace.csv", "start,duration_ms\n2026-01-01T00:00:00Z,100\n")
    with pytest.raises(InputError, match="arrival CSV inside a zip archive"):
        analyze_paths([str(archive)])
