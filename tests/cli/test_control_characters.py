"""Control characters in what lamlife reads (s5-fixes item 3), through the CLI.

- A platform record's text field (version, runtime version, RequestId, error type) holding a
  control character is malformed: no function version or runtime row of its own (golden case
  tests/data/readers/control-chars).
- A log group or stream name holding one is kept (CloudWatch allows any stream name but ``:``
  and ``*``) and shown escaped in every format: ``\\x00`` in CSV, Markdown and the terminal,
  JSON's own ``\\u0000`` in JSON. No output carries a raw control character.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app

_RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
STREAM = "2025/09/04/[$LATEST]1111aaaa\x07111aaaa1111aaaa1111aaaa"
GROUP = "/aws/lambda/pay\x00ments"
RID = "5d6e7f80-1a2b-4c3d-8e4f-000000000001"


def _log(tmp_path: Path) -> Path:
    events = [
        (0, f"START RequestId: {RID} Version: 3\n"),
        (120, f"REPORT RequestId: {RID}\tDuration: 120.00 ms\tBilled Duration: 120 ms\t"
              "Memory Size: 128 MB\tMax Memory Used: 60 MB\tInit Duration: 200.00 ms\t\n"),
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps({"logGroupName": GROUP, "logStreamName": STREAM,
                                        "timestamp": 1756976400000 + dt, "message": m}) + "\n"
                            for dt, m in events), encoding="utf-8")
    return path


def _run(path: Path, fmt: str) -> str:
    result = CliRunner().invoke(app, ["analyze", str(path), "--format", fmt, "--invocations",
                                      "-q"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "table"])
def test_no_output_format_writes_a_raw_control_character(fmt: str, tmp_path: Path) -> None:
    out = _run(_log(tmp_path), fmt)
    assert not _RAW_CONTROL.search(out), repr(out[:300])


def test_names_are_escaped_alike_in_csv_and_markdown_and_exact_in_json(tmp_path: Path) -> None:
    path = _log(tmp_path)
    rows = list(csv.DictReader(io.StringIO(_run(path, "csv"))))
    assert [(r["function"], r["environment"]) for r in rows] == [
        ("pay\\x00ments", STREAM.replace("\x07", "\\x07"))]
    # Markdown escapes the backslash itself: the source "pay\\x00ments" renders as pay\x00ments
    assert "pay\\\\x00ments" in _run(path, "markdown")
    report = json.loads(_run(path, "json"))
    assert [r["function"] for r in report["invocations"]] == ["pay\x00ments"]  # JSON escapes


def test_a_version_with_a_nul_makes_no_version_row(tmp_path: Path) -> None:
    # the brief's example: a JSON-escaped NUL in a platform.start record's version
    record = {"time": "2025-09-04T09:00:00.000Z", "type": "platform.start",
              "record": {"requestId": RID, "version": "3\u0000"}}
    report = {"time": "2025-09-04T09:00:00.120Z", "type": "platform.report",
              "record": {"requestId": RID, "status": "success",
                         "metrics": {"durationMs": 120.0, "billedDurationMs": 120,
                                     "memorySizeMB": 128, "maxMemoryUsedMB": 60}}}
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps(record) + "\n" + json.dumps(report) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(path), "--format", "csv"])
    assert result.exit_code == 0
    assert "\x00" not in result.stdout
    assert [r["version"] for r in csv.DictReader(io.StringIO(result.stdout))] == [""]
    assert "1 malformed platform line(s)" in result.stderr
