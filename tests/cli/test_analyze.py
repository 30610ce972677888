"""`lamlife analyze` through the CLI: bad input (exit 2, one line on stderr naming the file and
the problem, no traceback), empty input (exit 0, zero invocations said plainly), and the
output options (--format json/csv/markdown/table, --output FILE, --invocations).

click >= 8.2 (installed: 8.x) keeps stderr apart from stdout in CliRunner results, so
``result.stdout`` and ``result.stderr`` are separate streams.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app
from lamlife.lifecycle.schema import INVOCATION_COLUMNS

DATA = Path(__file__).resolve().parent.parent / "data" / "readers"
TAIL = DATA / "tail-detailed" / "orders.log"  # 5 invocations, hand-counted in expected.json
STREAM = "2026/07/20/[$LATEST]0123456789abcdef0123456789abcdef"


def run(*args: str, input: bytes | str | None = None) -> Result:
    return CliRunner().invoke(app, ["analyze", *args], input=input)


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert lines[0].startswith("lamlife: error: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert result.stdout == ""
    assert result.exception is None or isinstance(result.exception, SystemExit)


def big_tail_text(invocations: int) -> str:
    lines = []
    for i in range(invocations):
        second = f"{i % 60:02d}"
        minute = f"{(i // 60) % 60:02d}"
        stamp = f"2026-07-20T03:{minute}:{second}.100000+00:00"
        rid = f"00000000-0000-4000-8000-{i:012d}"
        lines.append(f"{stamp} {STREAM} START RequestId: {rid} Version: $LATEST")
        lines.append(f"{stamp} {STREAM} END RequestId: {rid}")
        lines.append(f"{stamp} {STREAM} REPORT RequestId: {rid}\tDuration: 1.00 ms\t"
                     "Billed Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ bad input: exit 2


def test_nonexistent_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.log"
    assert_one_line_error(run(str(missing), "--format", "json"), str(missing),
                          "no such file")


def test_directory_with_nothing_readable(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("These are notes, not logs.\nNothing here.\n")
    (folder / "blob.bin").write_bytes(bytes(range(256)) * 4)
    assert_one_line_error(run(str(folder), "--format", "json"), str(folder), "nothing readable")


def test_empty_directory(tmp_path: Path) -> None:
    folder = tmp_path / "empty-dir"
    folder.mkdir()
    assert_one_line_error(run(str(folder), "--format", "json"), str(folder))


def test_binary_file(tmp_path: Path) -> None:
    blob = tmp_path / "core.dump"
    blob.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 16)
    assert_one_line_error(run(str(blob), "--format", "json"), str(blob), "binary")


def test_truncated_gzip_small(tmp_path: Path) -> None:
    # Cut inside the first 64 KiB that detection reads.
    packed = gzip.compress(TAIL.read_bytes())
    cut = tmp_path / "orders.log.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    assert_one_line_error(run(str(cut), "--format", "json"), str(cut), "truncated gzip")


def test_truncated_gzip_large(tmp_path: Path) -> None:
    # Cut far past the detection head: the error comes while the reader streams the file.
    packed = gzip.compress(big_tail_text(3000).encode())
    cut = tmp_path / "big.log.gz"
    cut.write_bytes(packed[: int(len(packed) * 0.8)])
    assert_one_line_error(run(str(cut), "--format", "json"), str(cut), "truncated gzip")


def test_unknown_csv(tmp_path: Path) -> None:
    table = tmp_path / "sales.csv"
    table.write_text("region,units,price\nnorth,3,9.99\nsouth,5,4.50\n")
    assert_one_line_error(run(str(table), "--format", "json"), str(table), "unrecognized format")


def test_invalid_json(tmp_path: Path) -> None:
    broken = tmp_path / "events.json"
    broken.write_text('{\n  "events": [\n    {"timestamp": 1591714943146, "message": "START\n')
    assert_one_line_error(run(str(broken), "--format", "json"), str(broken), "invalid JSON")


def test_insights_csv_without_usable_columns(tmp_path: Path) -> None:
    export = tmp_path / "insights.csv"
    export.write_text("@timestamp,@logStream\n2021-08-11 09:29:13.095,s\n")
    assert_one_line_error(run(str(export), "--format", "json"), str(export), "@message")


def test_lamlife_csv_with_unknown_start_type(tmp_path: Path) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(INVOCATION_COLUMNS)
    values = {c: "" for c in INVOCATION_COLUMNS}
    values.update(function="f", environment="e", request_id="r", start="2026-07-20T01:00:00Z",
                  end="2026-07-20T01:00:01Z", start_type="lukewarm", status="success",
                  duration_ms="1000", init_failures="0")
    writer.writerow([values[c] for c in INVOCATION_COLUMNS])
    bad = tmp_path / "invocations.csv"
    bad.write_text(out.getvalue())
    assert_one_line_error(run(str(bad), "--format", "json"), str(bad), "lukewarm")


def test_unknown_output_format() -> None:
    assert_one_line_error(run(str(TAIL), "--format", "yaml"), "yaml")


# ------------------------------------------------------------------ empty input: exit 0


def test_empty_file_json(tmp_path: Path) -> None:
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    result = run(str(empty), "--format", "json", "--invocations")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["summary"]["invocations"] == 0
    assert out["summary"]["cold_starts"] == 0
    assert out["invocations"] == []
    assert out["input"]["files"] == 1


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_empty_file_says_no_invocations(tmp_path: Path, fmt: str) -> None:
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    result = run(str(empty), "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert "no invocations" in result.stdout.lower()


def test_empty_stdin(tmp_path: Path) -> None:
    result = run("-", "--format", "json", input=b"")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["invocations"] == 0


# ------------------------------------------------------------------ output options


def test_format_json_without_and_with_invocations() -> None:
    plain = run(str(TAIL), "--format", "json")
    assert plain.exit_code == 0, plain.stderr
    out = json.loads(plain.stdout)
    assert list(out)[:5] == ["summary", "input", "functions", "environments", "events"]
    assert "invocations" not in out
    assert out["summary"]["invocations"] == 5
    assert out["summary"]["start_types"] == {"cold": 2, "warm": 2, "proactive": 0,
                                             "provisioned": 0, "restore": 0, "reinit": 1}
    listed = run(str(TAIL), "--format", "json", "--invocations")
    assert listed.exit_code == 0
    rows = json.loads(listed.stdout)["invocations"]
    assert sorted(r["request_id"][:8] for r in rows) == [
        "13222b1e", "32f5cbf1", "8329c002", "db275f87", "f08bb4c8"]
    for r in rows:
        assert isinstance(r["flags"], list)
        assert set(INVOCATION_COLUMNS) <= set(r)


def test_format_csv_is_the_invocation_table() -> None:
    result = run(str(TAIL), "--format", "csv")
    assert result.exit_code == 0, result.stderr
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(table) == 5
    assert list(table[0])[: len(INVOCATION_COLUMNS)] == list(INVOCATION_COLUMNS)
    types = sorted(r["start_type"] for r in table)
    assert types == ["cold", "cold", "reinit", "warm", "warm"]


def test_format_markdown() -> None:
    result = run(str(TAIL), "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("#")
    assert "|" in result.stdout  # Markdown tables
    assert "reinit" in result.stdout


def test_format_table() -> None:
    result = run(str(TAIL), "--format", "table")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip()
    assert "orders" in result.stdout


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    result = run(str(TAIL), "--output", str(target), "--invocations")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""  # data went to the file
    out = json.loads(target.read_text(encoding="utf-8"))  # json is the default with --output
    assert out["summary"]["invocations"] == 5
    assert len(out["invocations"]) == 5


def test_output_file_csv(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    result = run(str(TAIL), "--format", "csv", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert target.read_text(encoding="utf-8").startswith(",".join(INVOCATION_COLUMNS))


def test_output_dash_is_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # "-o -" wrote a file named "-"; it is standard output, as "-" is standard input
    monkeypatch.chdir(tmp_path)
    result = run(str(TAIL), "--format", "csv", "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(",".join(INVOCATION_COLUMNS))
    assert not (tmp_path / "-").exists()


def test_output_file_in_missing_directory_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "dir" / "report.json"
    assert_one_line_error(run(str(TAIL), "--output", str(target)), str(target))


def test_function_option_names_inputs_without_a_group() -> None:
    result = run(str(TAIL), "--format", "json", "--function", "checkout")
    assert result.exit_code == 0, result.stderr
    assert [f["function"] for f in json.loads(result.stdout)["functions"]] == ["checkout"]


def test_warnings_go_to_stderr_data_to_stdout() -> None:
    # tail --format short has no stream: the reader warns (stderr); stdout stays pure JSON.
    short = DATA / "tail-short" / "orders-short.log"
    result = run(str(short), "--format", "json")
    assert result.exit_code == 0
    assert "warning" in result.stderr
    json.loads(result.stdout)
    quiet = run(str(short), "--format", "json", "--quiet")
    assert quiet.stderr == ""


def test_deeply_nested_json_is_one_line_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000)
    result = CliRunner().invoke(app, ["analyze", str(path), "--format", "json"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "deep.json" in result.stderr
    assert "Traceback" not in result.stderr


def test_lamlife_csv_with_an_unknown_status_is_one_line_exit_2(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "orders.log"
    good = CliRunner().invoke(app, ["analyze", str(example), "--format", "csv", "-q"])
    assert good.exit_code == 0
    path = tmp_path / "table.csv"
    path.write_text(good.stdout.replace(",success,", ",weird,", 1))
    result = CliRunner().invoke(app, ["analyze", str(path), "--format", "json"])
    assert result.exit_code == 2
    assert "unknown status 'weird'" in result.stderr
