"""Unpriced invocations in the cost tables, baselines and checks, end to end (CliRunner).

tests/data/cost/partly-unpriced.jsonl (2026-11-02, eu-west-1, x86_64):
- resizer (Python, SnapStart): a restore invocation (Billed 250 ms at 1024 MB, Billed
  Restore Duration 150 ms), unpriced because the table has no eu-west-1 SnapStart restore
  price, and a warm one, 50 ms at 1024 MB = 0.05 GB-s.
- orders (Node.js): a cold invocation, Duration 80.00 ms + Init 300.20 ms billed 381 ms at
  512 MB = 0.1905 GB-s (INIT share 381 - 80 = 301 ms = 0.1505 GB-s), and a warm one, 20 ms
  at 512 MB = 0.01 GB-s.
tests/data/cost/unpriced-function.jsonl: orders as above, and the same two invocations as
function legacy in il-central-1, which has no request price: legacy is wholly unpriced.

Prices (built-in table, eu-west-1 x86_64, the AWS pricing calculator's Lambda map):
$0.20 per 1M requests, $0.0000166667 per GB-s. Worked by hand:
- resizer warm: 0.05 x 0.0000166667 + 0.0000002 = $0.000001033335 ($0.00000103)
- orders cold: 0.1905 x 0.0000166667 + 0.0000002 = $0.00000337500635, INIT
  0.1505 x 0.0000166667 = $0.00000250833835; orders warm: 0.01 x 0.0000166667 +
  0.0000002 = $0.000000366667; orders total $0.00000374167335, per 1M / 2 = $1.87
- warm start type: $0.000000366667 + $0.000001033335 = $0.000001400002, mean / 2 =
  $0.000000700001; total $0.00000477500835, per 1M over 3 priced = $1.59
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from lamlife.cli.main import app

DATA = Path(__file__).resolve().parents[1] / "data" / "cost"
PARTLY = str(DATA / "partly-unpriced.jsonl")
WHOLLY = str(DATA / "unpriced-function.jsonl")
NOTE = ("+ partly priced: the amount leaves out the row's unpriced invocations (see the "
        "notes); its mean, shares and per-1M figures are over its priced ones.")
WARNING = ("lamlife: warning: cost incomplete, unpriced: resizer: no snapstart_restore_per_gb "
           "price for eu-west-1 x86_64 in the price table (built-in): regions.eu-west-1.x86_64."
           "snapstart_restore_per_gb is null (unknown); give it with --pricing FILE")


def run(*args: str, columns: int | None = None) -> Result:
    env = {"COLUMNS": str(columns)} if columns else None
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture(autouse=True)
def _no_region_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


# --- item: unpriced rows read unpriced, partly priced ones are marked -----------------------


def test_markdown_cost_tables_never_show_an_unknown_part_as_zero() -> None:
    result = run("analyze", PARTLY, "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [WARNING]
    lines = result.stdout.splitlines()
    for line in (
        "| Total | $0.00000478+ |",
        "| INIT/restore share | $0.00000251+ (52.5%) |",
        "| Per million invocations | $1.59 |",
        "| Unpriced invocations | 1 of 4 |",
        "| orders | eu-west-1 | 2 | 1 | 0.2005 | $0.00000374 | $0.00000251 | 67.0% | $1.87 |",
        "| resizer | eu-west-1 | 2 | 1 | 0.3000 | $0.00000103+ | $0+ | 0.0% | $1.03 |",
        "| cold | 1 | $0.00000338 | 70.7% | $0.00000338 | $0.00000251 | 74.3% |",
        "| warm | 2 | $0.00000140 | 29.3% | $0.000000700 | $0 | 0.0% |",
        "| restore | 1 | unpriced | - | - | - | - |",
        # the account view: resizer's only INIT-bearing invocation is unpriced
        "| resizer | 2 | 1 (50.0%) | 250.00 | $0+ | 0.0% | 0 |",
    ):
        assert line in lines, line
    assert NOTE in lines
    # the first screen escapes "$" in Markdown text
    assert "| INIT cost | \\$0.00000251 of \\$0.00000478 (52.5% of the cost), 1 invocation " \
           "unpriced |" in lines


def test_terminal_cost_by_start_type_at_120_columns() -> None:
    lines = [line.rstrip() for line in
             run("analyze", PARTLY, "--format", "table", columns=120).stdout.splitlines()]
    at = lines.index("Cost by start type")
    assert lines[at + 1:at + 6] == [
        "Start type  Invocations        Total  Share of cost          Mean         INIT"
        "  INIT share",
        "─" * 90,
        "cold                  1  $0.00000338          70.7%   $0.00000338  $0.00000251"
        "       74.3%",
        "warm                  2  $0.00000140          29.3%  $0.000000700           $0"
        "        0.0%",
        "restore               1     unpriced              -             -            -"
        "           -",
    ]
    at = lines.index("Cost by function")
    assert lines[at + 4] == ("resizer   eu-west-1            2            1  0.3000  $0.00000103+"
                             "          $0+        0.0%   $1.03")
    assert NOTE[:60] in lines[at + 5]


def test_json_cost_tables_say_null_and_count_the_unpriced() -> None:
    result = run("analyze", PARTLY, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    cost = data["summary"]["cost"]
    by_st = {row["start_type"]: row for row in cost["by_start_type"]}
    assert by_st["restore"] == {
        "start_type": "restore", "invocations": 1, "priced_invocations": 0,
        "gb_seconds": 0.25, "total_usd": None, "init_usd": None, "mean_usd": None,
        "share_of_cost": None, "init_share": None, "unpriced_invocations": 1}
    assert by_st["warm"]["priced_invocations"] == 2
    assert by_st["warm"]["mean_usd"] == pytest.approx(0.000000700001)
    resizer = next(r for r in cost["by_function"] if r["function"] == "resizer")
    assert (resizer["priced_invocations"], resizer["unpriced_invocations"]) == (1, 1)
    assert resizer["total_usd"] == pytest.approx(0.000001033335)
    account = {r["function"]: r for r in data["account"]["by_init_cost"]}
    assert account["resizer"]["unpriced_invocations"] == 1
    assert account["orders"]["unpriced_invocations"] == 0


def test_a_wholly_unpriced_function_is_null_in_json_and_unpriced_in_every_table() -> None:
    result = run("analyze", WHOLLY, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    legacy = next(r for r in data["summary"]["cost"]["by_function"] if r["function"] == "legacy")
    assert legacy["priced_invocations"] == 0 and legacy["gb_seconds"] == pytest.approx(0.2005)
    for key in ("total_usd", "requests_usd", "duration_usd", "init_usd", "init_share",
                "per_million_usd"):
        assert legacy[key] is None, key
    account = {r["function"]: r for r in data["account"]["by_init_cost"]}
    assert account["legacy"]["init_cost_usd"] is None
    assert account["legacy"]["unpriced_invocations"] == 2
    md = run("analyze", WHOLLY, "--format", "markdown").stdout.splitlines()
    for line in (
        "| legacy | il-central-1 | 2 | 1 | 0.2005 | unpriced | - | - | - |",
        "| orders | eu-west-1 | 2 | 1 | 0.2005 | $0.00000374 | $0.00000251 | 67.0% | $1.87 |",
        # every start type mixes legacy's unpriced and orders' priced invocations
        "| cold | 2 | $0.00000338+ | 90.2% | $0.00000338 | $0.00000251+ | 74.3% |",
        "| warm | 2 | $0.000000367+ | 9.8% | $0.000000367 | $0+ | 0.0% |",
        "| legacy | 2 | 1 (50.0%) | 300.20 | unpriced | - | 0 |",
    ):
        assert line in md, line


def test_html_cards_and_cost_chart_say_what_is_unpriced(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert run("analyze", PARTLY, "--output", str(out)).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert ('<div class="detail">$0.00000251+ of $0.00000478+; 1 invocation unpriced</div>'
            in page)
    assert ("Partly priced, the bar leaves out the unpriced invocations: resizer." in page)
    assert ('<td class="text">restore</td><td class="num">1</td><td class="num">unpriced</td>'
            '<td class="num">-</td>' in page)
    assert run("analyze", WHOLLY, "--output", str(out)).exit_code == 0
    assert "Unpriced, no bar: legacy." in out.read_text(encoding="utf-8")


# --- item: a baseline keeps its cost metrics as null, and check reads them -------------------


def test_baseline_writes_cost_metrics_as_null_and_says_why(tmp_path: Path) -> None:
    out = tmp_path / "base.json"
    result = run("baseline", PARTLY, "--output", str(out))
    assert result.exit_code == 0, result.output
    metrics = json.loads(out.read_text())["metrics"]
    costs = {k: v for k, v in metrics.items() if k.startswith("cost_") or "init_cost" in k}
    assert {"cost_total_usd", "cost_per_million_usd", "init_cost_usd", "init_cost_share"} \
        <= set(costs)
    assert set(costs.values()) == {None}
    assert metrics["invocations"] == 4
    assert result.stderr.splitlines() == [
        WARNING,
        f"lamlife: warning: the baseline's {len(costs)} cost metrics are null (no data): a "
        "price is missing for resizer (see the warning above); give it with --pricing FILE "
        "and write the baseline again, or a check's max_increase on a cost metric has no "
        "baseline value and fails",
        f"lamlife: baseline of {len(metrics)} metrics (4 invocations) written to {out}",
    ]


def test_check_against_a_baseline_without_cost_reads_no_data_not_a_missing_metric(
        tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    assert run("baseline", PARTLY, "--output", str(base)).exit_code == 0
    budget = tmp_path / "budget.yaml"
    budget.write_text("max_increase:\n  cost_per_million_usd: 0.10\n", encoding="utf-8")
    # orders alone is priced in full: its value is there, the baseline's is null
    result = run("check", WHOLLY, "--function", "orders", "--budget", str(budget),
                 "--baseline", str(base), "--format", "json")
    assert result.exit_code == 1, result.output
    verdict = json.loads(result.stdout)["verdicts"][0]
    assert (verdict["status"], verdict["baseline"]) == ("no_data", None)
    assert verdict["value"] == pytest.approx(1.870836675)
    assert "cost_per_million_usd: no data in the baseline" in result.stderr
    # allowed without data, the same check passes
    budget.write_text("max_increase:\n  cost_per_million_usd: 0.10\n"
                      "allow_no_data: [cost_per_million_usd]\n", encoding="utf-8")
    result = run("check", WHOLLY, "--function", "orders", "--budget", str(budget),
                 "--baseline", str(base), "--format", "json")
    assert result.exit_code == 0, result.output


def test_pricing_that_failed_also_leaves_null_cost_metrics(tmp_path: Path) -> None:
    # a fetched configuration in a Region the table does not know: nothing priced
    unknown = Path(__file__).resolve().parents[1] / "data" / "check" / \
        "payments-unknown-region.jsonl"
    out = tmp_path / "base.json"
    result = run("baseline", str(unknown), "--output", str(out))
    assert result.exit_code == 0, result.output
    metrics = json.loads(out.read_text())["metrics"]
    assert metrics["cost_per_million_usd"] is None and metrics["init_cost_share"] is None
    assert not any(isinstance(v, float) and math.isnan(v) for v in metrics.values())
    assert "cost metrics are null (no data)" in result.stderr


# --- item: a timeout without REPORT takes its environment's memory size ---------------------

# timeout-no-report.log (us-east-1, 2026-11-02, Node.js): environment 1111... has a cold
# invocation (Duration 50.00 ms, Billed 300 ms, 128 MB) and later a START whose invocation
# ends with "Task timed out after 6.00 seconds" and no REPORT; environment 9999... has one
# proactive invocation (40 ms billed, 128 MB). timeout-alone.log: the timeout is the only
# invocation of its environment, so no REPORT gives its memory size.
TIMEOUT = str(DATA / "timeout-no-report.log")
ALONE = str(DATA / "timeout-alone.log")


def test_a_timeout_without_report_is_priced_at_its_environments_memory() -> None:
    # 6000 ms (the timeout line) x 128 MB = 0.75 GB-s x $0.0000166667 + $0.0000002 =
    # $0.000012700025; with the cold one ($0.00000082500125) and the proactive one
    # ($0.0000002833335): $0.0000138083597 in all, 1 Billed Duration of 3 computed.
    result = run("analyze", TIMEOUT, "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    for line in ("| Total | $0.0000138 |", "| Billed Duration computed | 1 of 3 |",
                 "| warm | 1 | $0.0000127 | 92.0% | $0.0000127 | $0 | 0.0% |"):
        assert line in lines, line
    assert ("1 invocation(s) of timeout-no-report without a memory size in the input (a "
            "timeout with no REPORT) priced at the 128 MB the other REPORTs of their execution "
            "environment state: an environment keeps the memory size it was set up with"
            ) in lines


def test_a_timeout_whose_memory_nothing_states_is_unpriced_and_warned_about() -> None:
    result = run("analyze", ALONE, "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "lamlife: warning: cost incomplete, unpriced: 1 invocation(s) of timeout-alone: memory "
        "size or duration unknown (no REPORT of theirs or of their execution environment "
        "states the memory size); they are in no amount"]
    lines = result.stdout.splitlines()
    for line in ("| Billed Duration computed | 0 of 2 |", "| Unpriced invocations | 1 of 2 |",
                 "| warm | 1 | unpriced | - | - | - | - |"):
        assert line in lines, line
    # the same warning from check and baseline
    base = run("baseline", ALONE, "--output", "-")
    assert base.exit_code == 0
    assert "1 invocation(s) of timeout-alone: memory size or duration unknown" in base.stderr
