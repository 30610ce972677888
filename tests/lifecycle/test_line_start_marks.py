"""UTF-8 byte order marks at the start of a line further into an input (files joined with
``cat``, each saved by a Windows tool with a mark): dropped before any reader sees them, so
the event after one is read (before, a tail event was joined to the one above and a JSON line
was ignored), and nothing else changes."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lamlife.lifecycle.pipeline import analyze_paths
from lamlife.lifecycle.read import sources
from lamlife.lifecycle.read.compiled import PURE_PYTHON_ENV
from lamlife.lifecycle.read.context import Source

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "readers"
MARK = b"\xef\xbb\xbf"


def _reference(data: bytes) -> bytes:
    """What the reader must see: every run of marks at the start of a line removed."""
    return re.sub(rb"(?:^|(?<=\n))(?:\xef\xbb\xbf)+", b"", data)


class _Trickle(io.RawIOBase):
    """A stream that gives at most ``step`` bytes a read (a pipe, a decompressor)."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data, self._step, self._at = data, step, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: object) -> int:
        view = memoryview(buffer)  # type: ignore[arg-type]
        n = min(len(view), self._step, len(self._data) - self._at)
        view[:n] = self._data[self._at:self._at + n]
        self._at += n
        return n


def _read_through(data: bytes, step: int, head_bytes: int,
                  monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setattr(sources, "HEAD_BYTES", head_bytes)
    stream = io.BufferedReader(_Trickle(data, step), buffer_size=max(step, 8))
    head = sources.read_head(Source(name="t", path=None), stream)
    text = sources.text_stream(head, stream, newline="\n")
    under = sources.binary_under(text)
    assert under is not None
    return under.read()


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(st.sampled_from([b"\n", MARK, b"\xef", b"\xef\xbb", b"\xbb\xbf",
                                        b"a", b"\r\n", "é日".encode()]), max_size=40),
       step=st.integers(1, 9), head_bytes=st.integers(1, 12), compiled=st.booleans())
def test_marks_at_line_starts_are_dropped_wherever_reads_cut(
        pieces: list[bytes], step: int, head_bytes: int, compiled: bool,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # reads and the head cut marks anywhere; the bytes given on are the same, with the
    # compiled byte search or without it (a build without a compiler)
    if not compiled:
        monkeypatch.setattr(sources, "tailscan", None)
    elif sources.tailscan is None:
        return
    data = b"".join(pieces)
    assert _read_through(data, step, head_bytes, monkeypatch) == _reference(data)


def test_a_mark_inside_a_line_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"x" + MARK + b"y\n" + MARK + b"z\n"
    assert _read_through(data, 1 << 16, 1 << 16, monkeypatch) == b"x" + MARK + b"y\nz\n"


def _joined(source: Path) -> tuple[bytes, bytes]:
    """The file twice, as ``cat`` joins it: plainly, and with a mark before the second."""
    data = source.read_bytes()
    if not data.endswith(b"\n"):
        data += b"\n"
    return data + data, data + MARK + data


@pytest.mark.parametrize("pure_python", [False, True])
@pytest.mark.parametrize("source", [ROOT / "examples" / "orders.log",
                                    DATA / "tail-detailed" / "orders.log",
                                    DATA / "jsonl" / "events.jsonl",
                                    DATA / "insights-csv" / "storms-insights.csv"])
def test_a_mark_before_a_joined_file_loses_nothing(source: Path, pure_python: bool,
                                                   tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    if pure_python:
        monkeypatch.setenv(PURE_PYTHON_ENV, "1")
    else:
        monkeypatch.delenv(PURE_PYTHON_ENV, raising=False)
    plain, marked = _joined(source)
    results = {}
    for name, data in (("plain", plain), ("marked", marked)):
        path = tmp_path / (name + source.suffix)
        path.write_bytes(data)
        results[name] = analyze_paths([str(path)])
    got, want = results["marked"], results["plain"]
    assert (got.input.records, got.input.events, got.input.ignored, got.input.malformed) == (
        want.input.records, want.input.events, want.input.ignored, want.input.malformed)
    assert got.summary == want.summary
    assert want.input.records > 0


def test_the_example_joined_after_a_marked_file_keeps_every_record(tmp_path: Path) -> None:
    # the trial's case: the second file's first line is the INIT_START of an environment
    lines = (ROOT / "examples" / "orders.log").read_bytes().splitlines(keepends=True)
    first, second = b"".join(lines[12:]), b"".join(lines[:12])
    path = tmp_path / "joined.log"
    path.write_bytes(first + MARK + second)
    alone = [tmp_path / "a.log", tmp_path / "b.log"]
    alone[0].write_bytes(first)
    alone[1].write_bytes(MARK + second)
    got = analyze_paths([str(path)]).input
    want = analyze_paths([str(p) for p in alone]).input
    assert (got.records, got.events) == (want.records, want.events)


@pytest.mark.parametrize("streamed", [True, False])
def test_json_documents_joined_on_one_line_after_a_mark(streamed: bool, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # a page without a final newline, then one saved with a mark: "}<U+FEFF>{" mid-line
    from lamlife.lifecycle.read import cloudwatch_json

    monkeypatch.setattr(cloudwatch_json, "FAST_PATH", streamed)
    page = (DATA / "filter-log-events" / "storms.json").read_bytes().rstrip(b"\n")
    results = {}
    for name, data in (("plain", page + page), ("marked", page + MARK + page)):
        path = tmp_path / f"{name}.json"
        path.write_bytes(data + b"\n")
        results[name] = analyze_paths([str(path)])
    assert results["marked"].summary == results["plain"].summary
    assert results["marked"].input.records == results["plain"].input.records > 0


@pytest.mark.parametrize("pure_python", [False, True])
@pytest.mark.parametrize("source", [DATA / "insights-csv" / "storms-insights.csv",
                                    *sorted((DATA / "console-csv").glob("*.csv")),
                                    *sorted((DATA / "insights-fields").glob("*.csv"))])
def test_csv_exports_joined_with_cat_repeat_their_header_harmlessly(
        source: Path, pure_python: bool, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # the second file's header (after a mark or not) is no event, not a malformed row
    if pure_python:
        monkeypatch.setenv(PURE_PYTHON_ENV, "1")
    else:
        monkeypatch.delenv(PURE_PYTHON_ENV, raising=False)
    one = analyze_paths([str(source)]).input
    for name, data in zip(("plain", "marked"), _joined(source), strict=True):
        path = tmp_path / (name + source.suffix)
        path.write_bytes(data)
        got = analyze_paths([str(path)]).input
        assert (got.events, got.malformed) == (2 * one.events, one.malformed), name
