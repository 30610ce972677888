"""`lamlife simulate` through typer's CliRunner.

Expected numbers come from AWS's own labels in the pacslab 2020 trace and the reference
replays of the data notes (tests/data/aws_real/README.md), not from this code's output.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app
from lamlife.cli.simulate import parse_count_list, parse_duration_list, parse_duration_s
from lamlife.lifecycle.errors import InputError

REPO = Path(__file__).resolve().parents[2]
PACSLAB = str(REPO / "tests/data/aws_real/pacslab_aws_lambda_2020/res-01-2020-05-28_01-57-40.csv")
ORDERS = str(REPO / "examples" / "orders.log")
# The payments log as `lamlife fetch` writes it, fetched in a Region no price table knows.
UNKNOWN_REGION = str(REPO / "tests" / "data" / "check" / "payments-unknown-region.jsonl")
REPLAY = ["--environment-column", "inst_id", "--prewarmed", "1", "--init-ms", "0",
          "--max-lifetime", "none", "--memory-mb", "128"]


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_parsers():
    assert parse_duration_s("640", "x") == 640.0
    assert parse_duration_s("10m", "x") == 600.0
    assert parse_duration_s("2h", "x") == 7200.0
    assert parse_duration_s("500ms", "x") == 0.5
    assert parse_duration_list("5m,10m, 20m", "x") == [300.0, 600.0, 1200.0]
    assert parse_duration_list("none", "x", allow_none=True) == [None]
    assert parse_count_list("0..3", "x") == [0, 1, 2, 3]
    assert parse_count_list("0,2,5", "x") == [0, 2, 5]
    for bad in ("ten", "5 minutes", "-3s"):
        with pytest.raises(InputError):
            parse_duration_s(bad, "--keep-alive")
    for bad in ("3..1", "a..b", "-1", "x"):
        with pytest.raises(InputError):
            parse_count_list(bad, "--provisioned")


def test_replay_json_side_by_side_with_the_observed_run():
    result = run("simulate", PACSLAB, *REPLAY, "--keep-alive", "640s", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["summary"]["cold_starts"] == 59
    assert doc["summary"]["environments"] == 60
    rows = {r["metric"]: r for r in doc["simulation"]["comparison"]}
    assert rows["cold_starts"] == {"metric": "cold_starts", "unit": "count",
                                   "observed": 59, "simulated": 59}
    assert rows["environments"]["observed"] == 60
    assert rows["cost_usd"]["simulated"] > 0
    assert doc["simulation"]["policy"]["keep_alive_s"] == 640.0
    assert doc["simulation"]["policy"]["max_lifetime_s"] is None
    assert doc["simulation"]["policy"]["prewarmed"] == 1
    assert "invocations" not in doc


def test_ten_minutes_does_not_reproduce_it():
    result = run("simulate", PACSLAB, *REPLAY, "--keep-alive", "10m", "--format", "json",
                 "--invocations")
    doc = json.loads(result.stdout)
    assert doc["summary"]["cold_starts"] == 64
    assert len(doc["invocations"]) == 186
    assert doc["invocations"][0]["environment"].startswith("sim-")


def test_keep_alive_sweep_as_csv():
    result = run("simulate", PACSLAB, *REPLAY, "--keep-alive", "600s,640s", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["value"] for r in rows] == ["600.0", "640.0"]
    assert [int(r["cold_starts"]) for r in rows] == [64, 59]


def test_provisioned_sweep_table_and_json():
    result = run("simulate", PACSLAB, *REPLAY, "--provisioned", "0..2", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["sweep"]["parameter"] == "provisioned"
    assert [r["value"] for r in doc["sweep"]["rows"]] == [0, 1, 2]
    # One request at a time: one provisioned environment serves them all.
    assert [r["cold_starts"] for r in doc["sweep"]["rows"]] == [59, 0, 0]
    allocation = [r["provisioned_allocation_usd"] for r in doc["sweep"]["rows"]]
    assert allocation[0] is None
    assert allocation[2] == pytest.approx(2 * allocation[1])
    result = run("simulate", PACSLAB, *REPLAY, "--provisioned", "0..2", "--format", "table")
    assert result.exit_code == 0
    assert "Sweep: provisioned" in result.stdout
    assert "PC" in result.stdout
    # the policy block names every swept value, not the policy's single default
    assert "Provisioned          swept: 0, 1, 2" in result.stdout


def test_logs_input_markdown_report():
    result = run("simulate", ORDERS, "--function", "orders", "--format", "markdown")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "## Simulated policy" in out
    assert "## Observed vs simulated" in out
    assert "sampled from 3 observed values" in out
    assert "Keep-alive 640 s: measured on AWS in 2020" in out


def test_arrival_csv_without_environments(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("timestamp,duration_ms\n2024-01-02T03:04:05Z,100\n2024-01-02T03:04:06Z,80\n")
    result = run("simulate", str(path), "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "## Simulated run" in result.stdout
    assert "## Observed vs simulated" not in result.stdout
    assert "each cold start assumed to take 500 ms" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--keep-alive", "5m,10m", "--provisioned", "0..2"], "sweep one option at a time"),
        (["--keep-alive", "soon"], "--keep-alive: cannot read 'soon'"),
        (["--start-column", "begin"], "no start column 'begin'"),
        (["--snapstart"], "--snapstart needs restore durations"),
        (["--init-ms", "observed"], "--init-ms observed: the input has no such durations"),
        (["--format", "xml"], "'xml' is not one of"),  # an enum choice: typer says it
    ],
)
def test_bad_usage_is_one_line_and_exit_2(args, message):
    result = run("simulate", PACSLAB, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_unreadable_input_names_the_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("start,duration_ms\nnever,1\n")
    result = run("simulate", str(path))
    assert result.exit_code == 2
    assert "bad.csv: no readable arrival" in result.stderr


def test_warnings_are_one_line_each_when_stderr_is_not_a_terminal():
    # No --memory-mb: the trace says nothing about memory. The warning is longer than 80
    # columns and must not be wrapped (CI logs).
    result = run("simulate", PACSLAB, "--format", "json")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines == ["lamlife: warning: res-01: memory size unknown, priced "
                     "at 128 MB (Lambda's default; lamlife simulate --memory-mb sets it)"]
    assert len(lines[0]) > 80
    assert "warning" not in run("simulate", PACSLAB, "--format", "json", "-q").stderr


def test_a_price_problem_from_the_input_is_a_warning_from_the_user_an_error():
    result = run("simulate", UNKNOWN_REGION, "--format", "json")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0] == ("lamlife: warning: cost not computed: payments: no prices for Region "
                        "xx-nowhere-1 in the price table (built-in); give them with --pricing "
                        "FILE")
    doc = json.loads(result.stdout)
    assert "cost" not in doc["summary"]
    metrics = {r["metric"] for r in doc["simulation"]["comparison"]}
    assert "cost_usd" not in metrics
    assert doc["summary"]["invocations"] > 0
    # --region wins over the input's Region: both sides priced in us-east-1, with a note.
    result = run("simulate", UNKNOWN_REGION, "--region", "us-east-1", "--format", "json")
    assert result.exit_code == 0, result.output
    cost = json.loads(result.stdout)["summary"]["cost"]
    assert cost["pricing"]["regions"] == ["us-east-1"]
    assert ("--region us-east-1 used instead of the Region in the input "
            "(payments xx-nowhere-1)") in cost["notes"]
    # a --region the table does not know at all is a typo: exit 2, one line
    result = run("simulate", UNKNOWN_REGION, "--region", "xx-nowhere-1", "--format", "json")
    assert result.exit_code == 2
    assert result.stderr.startswith("lamlife: error: unknown region 'xx-nowhere-1'")
    assert result.stderr.count("\n") == 1


def test_a_short_bare_keep_alive_is_warned_about():
    # "--keep-alive 5" is 5 seconds: every request cold; a unit, or 0 on purpose, is quiet
    said = run("simulate", ORDERS, "--keep-alive", "5", "--format", "json")
    assert said.exit_code == 0
    assert "--keep-alive 5 is 5 seconds" in said.stderr
    for quiet_value in ("5s", "10m", "600", "0"):
        result = run("simulate", ORDERS, "--keep-alive", quiet_value, "--format", "json")
        assert result.exit_code == 0
        assert "--keep-alive" not in result.stderr, quiet_value
    life = run("simulate", ORDERS, "--max-lifetime", "2", "--format", "json")
    assert life.exit_code == 0
    assert "--max-lifetime 2 is 2 seconds" in life.stderr and "2h for hours" in life.stderr


def test_invocations_in_a_sweep_is_warned_about():
    result = run("simulate", ORDERS, "--keep-alive", "5m,10m", "--invocations")
    assert result.exit_code == 0
    assert "--invocations changes nothing in a sweep" in result.stderr


def test_a_simulated_report_opens_with_the_policy_not_with_figures_that_read_as_measured():
    markdown = run("simulate", ORDERS, "--keep-alive", "30m", "--format", "markdown")
    assert markdown.exit_code == 0
    headings = [line for line in markdown.stdout.splitlines() if line.startswith("#")]
    assert headings[:4] == ["# lamlife simulation", "## Simulated policy",
                            "## Observed vs simulated", "## Cold starts"]
    sweep = run("simulate", ORDERS, "--keep-alive", "5m,10m", "--format", "markdown")
    assert sweep.stdout.startswith("# lamlife simulation\n\n## Simulated policy\n")
    table = run("simulate", ORDERS, "--keep-alive", "30m", "--format", "table")
    lines = table.stdout.splitlines()
    assert lines[0].startswith("Simulated policy")
    assert table.stdout.index("Observed vs simulated") < table.stdout.index("Cold starts")


@pytest.mark.parametrize("memory", ["64", "0", "-5", "40000"])
def test_a_memory_size_lambda_cannot_have_is_refused(memory: str) -> None:
    # 64 MB was accepted and priced; Lambda's MemorySize is 128 to 32,768 MB
    result = run("simulate", ORDERS, "--memory-mb", memory)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"lamlife: error: memory size {float(memory):g} MB is outside Lambda's 128 to 32,768 MB"]


def test_a_csv_without_arrival_columns_names_the_option(tmp_path: Path) -> None:
    # "unrecognized format" said nothing of --start-column for a CSV of arrivals
    trace = tmp_path / "arrivals.csv"
    trace.write_text("ts,ms\n2026-01-01T00:00:00Z,100\n2026-01-01T00:00:01Z,120\n")
    result = run("simulate", str(trace))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"lamlife: error: {trace}: no start column (looked for start, timestamp, start_time, "
        "arrival, arrival_time, time; columns: ts, ms); name it with --start-column"]
    named = run("simulate", str(trace), "--start-column", "ts", "--duration-column", "ms")
    assert named.exit_code == 0, named.stderr
