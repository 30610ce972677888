"""Duplicates in a lossy format (s5-fixes item 2): ``aws logs tail --format short`` prints no
stream and whole seconds, so two environments starting in one second print two INIT_STARTs
alike. They are two events of one input; the same lines in two inputs (overlapping exports,
a file given twice) or an input pasted twice are one event read twice (docs/lifecycle.md,
"Files that overlap or belong together"; goldens short-same-second and short-overlap).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lamlife.lifecycle.analysis import InputStats
from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths

_INIT = ("2024-05-01T10:00:00 INIT_START Runtime Version: python:3.12.v40\tRuntime Version ARN: "
         "arn:aws:lambda:us-east-1::runtime:abc")
_EXTENSION = "2024-05-01T10:00:00 EXTENSION\tName: agent\tState: Ready\tEvents: [INVOKE]"


def _invocation(k: int) -> list[str]:
    rid = f"a1b2c3d4-{k:04d}-4000-8000-{k:012d}"
    t = f"2024-05-01T10:00:{1 + k // 10:02d}"
    return [f"{t} START RequestId: {rid} Version: $LATEST", f"{t} END RequestId: {rid}",
            f"{t} REPORT RequestId: {rid}\tDuration: 100.00 ms\tBilled Duration: 100 ms\t"
            "Memory Size: 128 MB\tMax Memory Used: 50 MB\tInit Duration: 200.00 ms\t"]


def _read(folder: Path, files: dict[str, str]) -> InputStats:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return analyze_paths([str(folder / name) for name in files],
                         AnalyzeOptions(function="orders")).input


def _twice_warning(stats: InputStats) -> bool:
    return any("read more than once" in w for w in stats.warnings)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(inits=st.integers(min_value=1, max_value=4), extensions=st.integers(0, 3),
       invocations=st.integers(min_value=1, max_value=12))
def test_alike_marks_in_one_input_are_kept_and_read_twice_are_dropped(
        inits: int, extensions: int, invocations: int) -> None:
    lines = [_INIT] * inits + [_EXTENSION] * extensions
    for k in range(invocations):
        lines += _invocation(k)
    text = "\n".join(lines) + "\n"
    marks = inits + extensions
    records_read_twice = marks + 2 * invocations  # END lines are not stored
    with tempfile.TemporaryDirectory() as folder:
        alone = _read(Path(folder), {"a.log": text})
    assert alone.seen.get("init_start") == inits
    assert alone.seen.get("extension", 0) == extensions
    assert alone.duplicates == 0 and not _twice_warning(alone)
    for files in ({"a.log": text, "b.log": text},  # a file given twice / an overlap
                  {"a.log": text + text}):  # a copy pasted twice into one file
        with tempfile.TemporaryDirectory() as folder:
            stats = _read(Path(folder), files)
        assert stats.seen.get("init_start") == inits, files.keys()
        assert stats.seen.get("extension", 0) == extensions
        assert stats.duplicates == records_read_twice
        assert _twice_warning(stats)


@pytest.mark.parametrize("joined", [False, True])
def test_two_overlapping_windows_keep_the_larger_count(joined: bool, tmp_path: Path) -> None:
    # window A holds the two INIT_STARTs of 10:00:00; window B only one of them (it starts
    # between them) and another at 10:00:05: the union holds 3, of which 1 was read twice.
    # Joined with cat into one file, the part from B starts after A's last REPORT.
    first, second = _invocation(1), _invocation(2)
    later = _INIT.replace("10:00:00", "10:00:05")
    a = "\n".join([_INIT, _INIT, *first]) + "\n"
    b = "\n".join([_INIT, *first, later, *second]) + "\n"
    stats = _read(tmp_path, {"all.log": a + b} if joined else {"a.log": a, "b.log": b})
    assert stats.seen.get("init_start") == 3
    assert stats.duplicates == 1 + 2  # one INIT_START, the START and REPORT of `first`


def test_the_spark_unit_tells_files_apart_by_their_sequence_numbers() -> None:
    # Spark reads files apart and hands each environment's events to engine.unit with
    # seq = file index * FILE_SEQ + place, request records repeated across files already
    # dropped: the unit must still see the files, or the marks of a file given twice (no
    # repeated REPORT left to find the copy by) were all kept, unlike the local read
    import pandas as pd

    from lamlife.lifecycle.engine.unit import _replay
    from lamlife.lifecycle.read.collect import FILE_SEQ, RecordSink

    ts = 1714557600.0 * 1000

    def marks(files: list[list[str]]) -> int:
        rows = [{"function": "orders", "environment": "", "timestamp": ts,
                 "message": line.split(" ", 1)[1], "seq": f * FILE_SEQ + k}
                for f, lines in enumerate(files) for k, line in enumerate(lines)]
        sink = RecordSink()
        _replay(pd.DataFrame(rows), sink)
        sink.finish()
        return len(sink.marks)

    whole = [_INIT, _INIT, *_invocation(0), *_invocation(1)]
    assert marks([whole]) == 2  # two environments started in one second: both kept
    assert marks([whole, [_INIT, _INIT]]) == 2  # the same marks in a second file: once
    assert marks([whole, [_INIT, _INIT, _INIT]]) == 3  # the most one file holds
