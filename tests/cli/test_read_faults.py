"""Inputs that were read wrongly or silently (new-user trials): each is refused or warned about
in one line, through the CLI, with both readers (the compiled scanner and
``LAMLIFE_PURE_PYTHON=1``) giving the same answer.

- an Insights export of ``@timestamp,@duration`` (no ``@message``, no ``@requestId``);
- JSON that is not a log (a package.json) exits 2 as non-log text does;
- a symbolic link to nothing inside a directory is named, not skipped silently;
- a UTF-16 file joined after more than 64 KiB of UTF-8 text is refused as the shorter case is.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from cli_checks import one_error_line
from typer.testing import CliRunner, Result

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app
from lamlife.lifecycle.read import tail
from lamlife.lifecycle.read.sources import HEAD_BYTES

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "orders.log"
EXAMPLE_INVOCATIONS = 28  # examples/orders.log holds 28 REPORTs (counted by hand: grep -c)
SCANNERS = ["compiled", "python"]


@pytest.fixture(params=SCANNERS)
def scanner(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "python":
        monkeypatch.setenv(tail.PURE_PYTHON_ENV, "1")
    else:
        monkeypatch.delenv(tail.PURE_PYTHON_ENV, raising=False)
        if tail._tailscan is None:
            pytest.skip("the compiled scanner is not built (no C compiler)")
    return str(request.param)


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_example_holds_the_invocations_counted_by_hand() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.count(" REPORT RequestId: ") == EXAMPLE_INVOCATIONS


# ------------------------------------------------ Insights export without what an invocation needs


@pytest.mark.parametrize(("header", "row", "lacking"), [
    # the example: duration and time only
    ("@timestamp,@duration", "2026-04-14 09:14:02.531,184.22", "@message or @requestId"),
    # a variant: the RequestId without a Duration
    ("@timestamp,@requestId,@billedDuration",
     "2026-04-14 09:14:02.531,0a1b2c3d-4e5f-4607-8819-2a3b4c5d6e7f,185", "@message or @duration"),
])
def test_insights_export_without_message_or_request_id_says_what_to_export(
        header: str, row: str, lacking: str, tmp_path: Path, scanner: str) -> None:
    path = tmp_path / "storms.csv"
    path.write_text(f"{header}\n{row}\n{row}\n", encoding="utf-8")
    line = one_error_line(run("analyze", str(path), "--format", "json"))
    assert f"storms.csv: Logs Insights CSV without {lacking}" in line
    assert "fields @timestamp, @logStream, @log, @message" in line
    assert f"found {header.replace(',', ', ')}" in line


@pytest.mark.parametrize("extra", [[], ["--start-column", "@timestamp"],
                                   ["--start-column", "@timestamp", "--duration-column",
                                    "@duration"]])
def test_simulate_says_what_an_insights_export_lacks(extra: list[str], tmp_path: Path) -> None:
    # before: "no invocations to simulate", or "no end or duration column ... name it with
    # --duration-column", which then led to the former
    path = tmp_path / "storms.csv"
    path.write_text("@timestamp,@duration\n2026-04-14 09:14:02.531,184.22\n", encoding="utf-8")
    line = one_error_line(run("simulate", str(path), *extra))
    assert "Logs Insights CSV without @message or @requestId" in line
    assert "no invocations to simulate" not in line


def test_insights_export_without_what_an_invocation_needs_is_skipped_in_a_directory(
        tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "storms.csv").write_text("@timestamp,@duration\n2026-04-14 09:14:02.531,184.22\n",
                                     encoding="utf-8")
    (logs / "orders.log").write_bytes(EXAMPLE.read_bytes())
    result = run("analyze", str(logs), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["invocations"] == EXAMPLE_INVOCATIONS
    assert (f"{logs / 'storms.csv'}: skipped, Logs Insights CSV without @message or @requestId"
            in result.stderr)
    (logs / "orders.log").unlink()  # nothing usable left: exit 2
    assert run("analyze", str(logs)).exit_code == 2


def test_insights_report_fields_export_is_still_read(tmp_path: Path) -> None:
    # @requestId and @duration are enough (the golden insights-fields case reads them)
    path = tmp_path / "storms.csv"
    path.write_text("@timestamp,@requestId,@duration\n"
                    "2026-04-14 09:14:02.531,0a1b2c3d-4e5f-4607-8819-2a3b4c5d6e7f,184.22\n",
                    encoding="utf-8")
    result = run("analyze", str(path), "--format", "json", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["invocations"] == 1


# ------------------------------------------------------------------------ JSON that is no log


PACKAGE_JSON = ('{\n  "name": "orders",\n  "version": "1.0.0",\n'
                '  "dependencies": {"aws-sdk": "^2"}\n}\n')


@pytest.mark.parametrize(("name", "content"), [
    ("package.json", PACKAGE_JSON),  # the example
    ("settings.jsonl", '{"stage": "prod"}\n{"stage": "dev", "debug": true}\n'),  # a variant
    ("list.json", '[{"id": 1}, {"id": 2}]\n'),
    # npm's "type" field ("module", "commonjs") is no record type: a record's is platform.*,
    # or it carries a "record" (Telemetry API function and extension events)
    ("module/package.json", PACKAGE_JSON.replace('"version"', '"type": "module",\n  "version"')),
    ("events.jsonl", '{"type": "deploy", "stage": "prod"}\n{"type": "rollback"}\n'),
])
def test_json_that_is_no_log_exits_2_like_text_that_is_no_log(
        name: str, content: str, tmp_path: Path, scanner: str) -> None:
    path = tmp_path / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(content, encoding="utf-8")
    line = one_error_line(run("analyze", str(path), "--format", "json"))
    assert line.startswith(f"lamlife: error: {path}: JSON without Lambda log events")
    text = tmp_path / "notes.txt"
    text.write_text("hello world\nthis is not a log\n", encoding="utf-8")
    assert "unrecognized format" in one_error_line(run("analyze", str(text)))


def test_json_that_is_no_log_is_skipped_in_a_directory(tmp_path: Path, scanner: str) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "package.json").write_text(PACKAGE_JSON, encoding="utf-8")
    (tmp_path / "logs" / "orders.log").write_bytes(EXAMPLE.read_bytes())
    result = run("analyze", str(tmp_path / "logs"), "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["summary"]["invocations"] == EXAMPLE_INVOCATIONS
    # the skipped file's line and object are not counted as the log's
    alone = json.loads(run("analyze", str(EXAMPLE), "--format", "json", "--quiet").stdout)
    for key in ("files", "lines", "events", "ignored"):
        assert document["input"][key] == alone["input"][key], key
    assert (f"{tmp_path / 'logs' / 'package.json'}: skipped, JSON without Lambda log events"
            in result.stderr)


@pytest.mark.parametrize("invocations", [False, True])
def test_lamlifes_own_json_report_is_no_log(invocations: bool, tmp_path: Path,
                                            scanner: str) -> None:
    # analyze's JSON holds "events" (its findings), which are no CloudWatch events: read
    # again, it exits 2 alone and is skipped with a warning in a directory
    report = run("analyze", str(EXAMPLE), "--format", "json", "--quiet",
                 *(["--invocations"] if invocations else []))
    assert report.exit_code == 0, report.stderr
    (tmp_path / "logs").mkdir()
    path = tmp_path / "logs" / "orders-report.json"
    path.write_text(report.stdout, encoding="utf-8")
    line = one_error_line(run("analyze", str(path), "--format", "json"))
    assert line.startswith(f"lamlife: error: {path}: JSON without Lambda log events")
    (tmp_path / "logs" / "orders.log").write_bytes(EXAMPLE.read_bytes())
    result = run("analyze", str(tmp_path / "logs"), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["invocations"] == EXAMPLE_INVOCATIONS
    assert f"{path}: skipped, JSON without Lambda log events" in result.stderr


@pytest.mark.parametrize("content", ['{"events": []}\n', "[]\n",
                                     '{"logGroupName": "/aws/lambda/orders", "events": []}\n'])
def test_an_empty_log_in_json_is_still_no_invocations_and_exit_0(content: str,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    path.write_text(content, encoding="utf-8")
    result = run("analyze", str(path), "--format", "json", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["invocations"] == 0


# ----------------------------------------------------------- links to nothing in a directory


def test_a_dangling_link_in_a_directory_is_named(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    (logs / "old").mkdir(parents=True)
    (logs / "orders.log").write_bytes(EXAMPLE.read_bytes())
    (logs / "rotated.log").symlink_to(tmp_path / "gone.log")  # the example
    (logs / "old" / "loop.log").symlink_to("loop.log")  # a variant: a link to itself
    (logs / ".hidden.log").symlink_to(tmp_path / "gone.log")  # hidden: skipped quietly
    result = run("analyze", str(logs), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["invocations"] == EXAMPLE_INVOCATIONS
    warnings = [w for w in result.stderr.splitlines() if "skipped" in w]
    assert warnings == [
        f"lamlife: warning: {logs / 'old' / 'loop.log'}: skipped, symbolic link loop",
        f"lamlife: warning: {logs / 'rotated.log'}: skipped, symbolic link to "
        f"{tmp_path / 'gone.log'}, which does not exist",
    ]


def test_a_directory_of_dangling_links_names_the_first(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.log").symlink_to("../gone-a.log")
    (logs / "b.log").symlink_to("../gone-b.log")
    line = one_error_line(run("analyze", str(logs)))
    assert line == (f"lamlife: error: {logs}: directory has no files to read ({logs / 'a.log'}: "
                    "skipped, symbolic link to ../gone-a.log, which does not exist)")


# ------------------------------------------------------- UTF-16 joined after the first 64 KiB


def _utf8_then_utf16(encoding: str, mark: bytes, copies: int) -> tuple[bytes, int]:
    text = EXAMPLE.read_text(encoding="utf-8")
    utf8 = (text * copies).encode("utf-8")
    return utf8 + mark + text.encode(encoding), len(utf8)


@pytest.mark.parametrize(("encoding", "mark", "compress", "name"), [
    ("utf-16-le", b"\xff\xfe", False, "orders.log"),  # the example: PowerShell's > after cat
    ("utf-16-be", b"", True, "orders.log.gz"),  # a variant: no mark, big-endian, gzip
])
def test_utf16_joined_after_the_head_is_refused(encoding: str, mark: bytes, compress: bool,
                                                name: str, tmp_path: Path,
                                                scanner: str) -> None:
    data, at = _utf8_then_utf16(encoding, mark, copies=12)
    assert at > HEAD_BYTES  # beyond what the head's check sees
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if compress else data)
    line = one_error_line(run("analyze", str(path), "--format", "json"))
    # where the UTF-16 text starts, within a byte (alternating bytes read either way)
    found = int(line.split("near byte ")[1].split()[0])
    assert at - 1 <= found <= at + 1
    assert f"{path}: UTF-16 text near byte" in line
    assert "iconv -f UTF-16LE -t UTF-8 FILE" in line


def test_utf16_joined_inside_the_head_gives_the_same_words(tmp_path: Path) -> None:
    short, at_short = _utf8_then_utf16("utf-16-le", b"\xff\xfe", copies=1)
    long, at_long = _utf8_then_utf16("utf-16-le", b"\xff\xfe", copies=12)
    (tmp_path / "a.log").write_bytes(short)
    (tmp_path / "b.log").write_bytes(long)
    first = one_error_line(run("analyze", str(tmp_path / "a.log")))
    second = one_error_line(run("analyze", str(tmp_path / "b.log")))
    assert first.replace(f"a.log: UTF-16 text near byte {at_short}", "") == \
        second.replace(f"b.log: UTF-16 text near byte {at_long}", "")


def test_nul_bytes_far_in_without_utf16_text_are_still_read(tmp_path: Path) -> None:
    # a junk line of NUL bytes past the head is no UTF-16 text: read as an ordinary line
    text = EXAMPLE.read_text(encoding="utf-8")
    data = (text * 12).encode("utf-8") + b"\x00" * 40 + b"\n" + text.encode("utf-8")
    path = tmp_path / "orders.log"
    path.write_bytes(data)
    result = run("analyze", str(path), "--format", "json", "--quiet")
    assert result.exit_code == 0, result.stderr
