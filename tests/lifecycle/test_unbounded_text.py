"""Text without event boundaries (issue 11): memory stays bounded by the block size, and what
is read is still accounted for (lines counted, events around it analyzed)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from lamlife.lifecycle.pipeline import analyze_paths
from lamlife.lifecycle.read import lines as line_readers
from lamlife.lifecycle.read import tail
from lamlife.lifecycle.read.collect import RecordSink

STREAM = "2026/07/20/[$LATEST]0c5d1e3f9a7b4c2d8e6f1a3b5c7d9e0f"
START = f"2026-07-20T01:50:15.250000+00:00 {STREAM} START RequestId: a1 Version: $LATEST"
REPORT = (f"2026-07-20T01:50:15.300000+00:00 {STREAM} REPORT RequestId: a1\tDuration: 50.00 ms\t"
          "Billed Duration: 50 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tInit Duration: "
          "100.00 ms\t")
LATER = (f"2026-07-20T01:51:15.250000+00:00 {STREAM} START RequestId: b2 Version: $LATEST\n"
         f"2026-07-20T01:51:15.300000+00:00 {STREAM} REPORT RequestId: b2\tDuration: 40.00 ms\t"
         "Billed Duration: 40 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n")


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Blocks of 4 KiB, events of at most 16 KiB; records the size of every scanned chunk."""
    monkeypatch.setattr(tail, "CHUNK_CHARS", 4096)
    monkeypatch.setattr(tail, "MAX_EVENT_CHARS", 16384)
    monkeypatch.setattr(line_readers, "MAX_EVENT_CHARS", 16384)
    sizes: list[int] = []
    scan = tail.TailChunkScanner.scan
    take = tail.TailChunkScanner.take

    def recording(self: tail.TailChunkScanner, chunk: str) -> None:
        sizes.append(len(chunk))
        scan(self, chunk)

    def recording_bytes(self: tail.TailChunkScanner, chunk: bytes, scanned: Any,
                        errors: str = "replace") -> None:
        # the compiled scanner reads bytes (the text path reads characters)
        sizes.append(len(chunk))
        take(self, chunk, scanned, errors)

    monkeypatch.setattr(tail.TailChunkScanner, "scan", recording)
    monkeypatch.setattr(tail.TailChunkScanner, "take", recording_bytes)
    return sizes


def test_event_with_a_long_run_of_continuation_lines(tmp_path: Path,
                                                     small_blocks: list[int]) -> None:
    # a REPORT followed by 20,000 lines of stack-trace-like text, then another invocation
    filler = "".join(f"    at frame {k} (/var/task/index.js:{k}:7)\n" for k in range(20_000))
    path = tmp_path / "fn.log"
    path.write_text(f"{START}\n{REPORT}\n{filler}{LATER}", encoding="utf-8")
    analysis = analyze_paths([str(path)])
    assert analysis.summary["invocations"] == 2
    assert analysis.summary["start_types"]["cold"] == 1
    assert analysis.input.lines == 4 + 20_000
    assert max(small_blocks) <= 16384 + 4096 * 2


def test_text_with_no_event_line_at_all(tmp_path: Path, small_blocks: list[int]) -> None:
    # no event boundary anywhere: every non-blank line is application output, read in pieces
    body = "".join(f"2026 was a year, line {k}\n" for k in range(10_000))
    notes = tmp_path / "notes.log"
    notes.write_text(START + "\n" + REPORT + "\n" + body + LATER, encoding="utf-8")
    analysis = analyze_paths([str(notes)])
    assert analysis.summary["invocations"] == 2
    assert analysis.input.lines == 4 + 10_000


def test_a_single_line_longer_than_any_event(tmp_path: Path, small_blocks: list[int]) -> None:
    path = tmp_path / "fn.log"
    path.write_text(f"{START}\n{REPORT}\n" + "x" * 200_000 + "\n" + LATER, encoding="utf-8")
    analysis = analyze_paths([str(path)])
    assert analysis.summary["invocations"] == 2
    assert analysis.input.lines == 5
    assert max(small_blocks) <= 16384 + 4096 * 2


def test_memory_does_not_grow_with_boundary_free_text(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # 8 MB of continuation lines after one event; with 64 KiB blocks and 256 KiB events the
    # reader's peak allocation stays a small multiple of that, not of the 8 MB
    monkeypatch.setattr(tail, "CHUNK_CHARS", 65536)
    monkeypatch.setattr(tail, "MAX_EVENT_CHARS", 262144)
    filler = ("    at handler (/var/task/node_modules/some/deep/module/path.js:120:7)\n"
              * 120_000)
    path = tmp_path / "fn.log"
    path.write_text(f"{START}\n{REPORT}\n{filler}{LATER}", encoding="utf-8")
    assert path.stat().st_size > 8_000_000
    tracemalloc.start()
    try:
        analysis = analyze_paths([str(path)])
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert analysis.summary["invocations"] == 2
    assert peak < 6_000_000


def test_sam_event_keeps_at_most_the_longest_event(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(line_readers, "MAX_EVENT_CHARS", 1000)
    longest = [0]
    add = RecordSink.add

    def recording(self: RecordSink, function: str, environment: str, ts: float, message: str,
                  where: str = "") -> None:
        longest[0] = max(longest[0], len(message))
        add(self, function, environment, ts, message, where)

    monkeypatch.setattr(RecordSink, "add", recording)
    sam_stream = STREAM
    lines = [f"{sam_stream} 2026-07-20T01:50:15.250000 START RequestId: a1 Version: $LATEST",
             f"{sam_stream} 2026-07-20T01:50:15.260000 [INFO] trace:"]
    lines += [f"  frame {k}" for k in range(5000)]
    lines += [f"{sam_stream} 2026-07-20T01:50:15.300000 REPORT RequestId: a1\tDuration: 50.00 "
              "ms\tBilled Duration: 50 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t"]
    path = tmp_path / "fn.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    analysis = analyze_paths([str(path)])
    assert analysis.summary["invocations"] == 1
    assert analysis.input.lines == len(lines)
    assert 1000 <= longest[0] < 1100  # the trace's first 1000 characters or so, not 60,000
