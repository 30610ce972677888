"""`lamlife check` and `lamlife baseline` through typer's CliRunner.

Expected values are the hand counts of examples/README.md (orders.log, read as function
``orders``) and of tests/data/check/payments.log (counted below), not this code's output.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app

REPO = Path(__file__).resolve().parents[2]
ORDERS = str(REPO / "examples" / "orders.log")
# payments.log: one environment, 4 invocations: a cold start (Init Duration 300.40 ms,
# Billed 351 ms = ceil(50.00 + 300.40)) and 3 warm ones (10, 20, 30 ms), 256 MB.
PAYMENTS = str(REPO / "tests" / "data" / "check" / "payments.log")
UNKNOWN_REGION = str(REPO / "tests" / "data" / "check" / "payments-unknown-region.jsonl")

# examples/README.md: 28 invocations, 5 cold starts (3 cold + 2 reinit), 1 timeout, Init
# Durations 398.17, 412.63, 433.09 ms; p95 by linear interpolation between closest ranks:
# 412.63 + 0.9 x (433.09 - 412.63) = 431.044. Cost $0.000117725 for 28 invocations.
ORDERS_RATE = 5 / 28
ORDERS_INIT_P95 = 431.044
ORDERS_PER_MILLION = 0.000117725 / 28 * 1e6
ORDERS_INIT_SHARE = 0.0000103584 / 0.000117725


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def write(tmp_path: Path, text: str, name: str = "budget.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def check_orders(budget: str, *extra: str) -> Result:
    return run("check", ORDERS, "--function", "orders", "--budget", budget, *extra)


# --- pass and fail ---------------------------------------------------------------------------


def test_pass_exits_0(tmp_path: Path) -> None:
    budget = write(
        tmp_path,
        "max:\n  cold_start_rate: 0.2\n  init_p95_ms: 450\n  timeouts: 1\n  reset_loops: 0\n"
        "min:\n  invocations: 28\n",
    )
    result = check_orders(budget, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["ok"] is True and doc["failed"] == 0 and doc["limits"] == 5
    assert [v["status"] for v in doc["verdicts"]] == ["pass"] * 5
    metrics = doc["metrics"]
    assert metrics["invocations"] == 28
    assert metrics["cold_starts"] == 5
    assert metrics["cold_start_rate"] == pytest.approx(ORDERS_RATE)
    assert metrics["init_p95_ms"] == pytest.approx(ORDERS_INIT_P95)
    assert metrics["timeouts"] == 1
    assert "all 5 limits hold" in result.stderr


def test_fail_exits_1_and_names_the_metric(tmp_path: Path) -> None:
    budget = write(tmp_path, "max:\n  init_p95_ms: 400\n  timeouts: 0\n  cold_start_rate: 0.2\n")
    result = check_orders(budget, "--format", "json")
    assert result.exit_code == 1, result.output
    assert "init_p95_ms = 431.044 exceeds max 400" in result.stderr
    assert "timeouts = 1 exceeds max 0" in result.stderr
    assert "cold_start_rate" not in result.stderr  # it holds
    doc = json.loads(result.stdout)
    assert doc["ok"] is False and doc["failed"] == 2
    failing = [v["metric"] for v in doc["verdicts"] if v["status"] == "fail"]
    assert failing == ["init_p95_ms", "timeouts"]


def test_min_limit_fails_below(tmp_path: Path) -> None:
    result = check_orders(write(tmp_path, "min:\n  invocations: 29\n"), "--format", "json")
    assert result.exit_code == 1
    assert "invocations = 28 is below min 29" in result.stderr


def test_table_format(tmp_path: Path) -> None:
    budget = write(tmp_path, "max:\n  init_p95_ms: 400\n  timeouts: 1\n")
    result = check_orders(budget, "--format", "table")
    assert result.exit_code == 1
    assert "1 of 2 limits exceeded" in result.stdout
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if line.startswith("│")}
    assert "FAIL" in lines["init_p95_ms"] and "431.044" in lines["init_p95_ms"]
    assert "pass" in lines["timeouts"]


def test_output_file(tmp_path: Path) -> None:
    budget = write(tmp_path, "max:\n  timeouts: 1\n")
    out = tmp_path / "report.json"
    result = check_orders(budget, "--format", "json", "--output", str(out))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads(out.read_text())["ok"] is True


# --- cost ------------------------------------------------------------------------------------


def test_cost_metrics_from_billing(tmp_path: Path) -> None:
    budget = write(tmp_path, "max:\n  cost_per_million_usd: 4.3\n  init_cost_share: 0.088\n")
    result = check_orders(budget, "--format", "json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)["metrics"]
    assert metrics["cost_per_million_usd"] == pytest.approx(ORDERS_PER_MILLION, rel=1e-5)
    assert metrics["init_cost_share"] == pytest.approx(ORDERS_INIT_SHARE, rel=1e-4)

    tight = write(tmp_path, "max:\n  cost_per_million_usd: 4.2\n", "tight.yaml")
    result = check_orders(tight, "--format", "json")
    assert result.exit_code == 1
    assert "cost_per_million_usd = 4.20447 exceeds max 4.2" in result.stderr


def test_cost_limit_without_billing_is_exit_2(tmp_path: Path) -> None:
    # payments-unknown-region.jsonl: the payments log as `lamlife fetch` writes it, with a
    # fetched configuration in a Region the built-in price table does not know
    budget = write(tmp_path, "max:\n  cost_per_million_usd: 5\n")
    result = run("check", UNKNOWN_REGION, "--budget", budget)
    assert result.exit_code == 2
    assert result.stderr == (
        f"lamlife: error: {budget}: max.cost_per_million_usd: the cost is incomplete, "
        "unpriced: payments: no prices for Region xx-nowhere-1 in the price table (built-in); "
        "give them with --pricing FILE\n")
    # without a cost limit, a price missing for the input's Region is only a warning
    plain = write(tmp_path, "max:\n  timeouts: 0\n", "plain.yaml")
    result = run("check", UNKNOWN_REGION, "--budget", plain, "--format", "json")
    assert result.exit_code == 0, result.output
    assert "warning: cost incomplete, unpriced: payments: no prices for Region xx-nowhere-1" \
        in result.stderr
    costs = {k: v for k, v in json.loads(result.stdout)["metrics"].items() if "cost" in k}
    assert "cost_per_million_usd" in costs and set(costs.values()) == {None}


def test_an_unknown_region_asked_for_is_exit_2(tmp_path: Path) -> None:
    # --region is the user's choice: an error even when no limit needs cost (as in analyze)
    result = check_orders(write(tmp_path, "max:\n  timeouts: 1\n"), "--region", "xx-nowhere-1")
    assert result.exit_code == 2
    assert "unknown region 'xx-nowhere-1'" in result.stderr


# --- bad usage and input (exit 2) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("maximum:\n  timeouts: 0\n", "unknown key 'maximum'; valid keys: function, max, min"),
        ("max:\n  timeouts: none\n", "max.timeouts must be a number"),
        ("max:\n  init_p95: 800\n", "unknown metric 'init_p95'; did you mean 'init_p95_ms'? "),
        ("max:\n  timeouts: 0\n  timeouts: 1\n", "duplicate key 'timeouts'"),
        ("function: orders\n", "no limits"),
        ("max: [\n", "not valid YAML"),
    ],
)
def test_bad_budget_exits_2(tmp_path: Path, text: str, expected: str) -> None:
    result = check_orders(write(tmp_path, text), "--format", "json")
    assert result.exit_code == 2, result.output
    assert expected in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_unknown_metric_lists_the_valid_names(tmp_path: Path) -> None:
    result = check_orders(write(tmp_path, "max:\n  cold_rate: 0.1\n"))
    assert result.exit_code == 2
    valid = result.stderr.split("valid metrics: ", 1)[1]
    for name in ("cold_start_rate", "init_p95_ms", "start_type_reinit", "cost_per_million_usd"):
        assert name in valid


def test_missing_budget_file_and_option(tmp_path: Path) -> None:
    result = check_orders(str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2 and "cannot read the budget" in result.stderr
    assert run("check", ORDERS).exit_code == 2  # --budget is required (typer usage error)


def test_unknown_format_exits_2(tmp_path: Path) -> None:
    result = check_orders(write(tmp_path, "max:\n  timeouts: 1\n"), "--format", "xml")
    assert result.exit_code == 2 and "'xml' is not one of" in result.stderr


def test_max_increase_without_baseline_exits_2(tmp_path: Path) -> None:
    result = check_orders(write(tmp_path, "max_increase:\n  cold_start_rate: 0.2\n"))
    assert result.exit_code == 2
    assert "pass --baseline FILE" in result.stderr


# --- baselines -------------------------------------------------------------------------------


def make_baseline(tmp_path: Path) -> Path:
    out = tmp_path / "baseline.json"
    result = run("baseline", ORDERS, "--function", "orders", "--output", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_baseline_file(tmp_path: Path) -> None:
    doc = json.loads(make_baseline(tmp_path).read_text())
    assert doc["lamlife_baseline"] == 1
    assert doc["inputs"] == [ORDERS]
    assert doc["functions"] is None
    assert doc["created"]
    assert doc["metrics"]["invocations"] == 28
    assert doc["metrics"]["cold_start_rate"] == pytest.approx(ORDERS_RATE)
    assert doc["metrics"]["cost_per_million_usd"] == pytest.approx(ORDERS_PER_MILLION, rel=1e-5)


def test_same_run_against_its_baseline_passes(tmp_path: Path) -> None:
    baseline = make_baseline(tmp_path)
    budget = write(
        tmp_path,
        "max_increase:\n  cold_start_rate: 0\n  init_p95_ms: 0\n  cost_per_million_usd: 0\n",
    )
    result = check_orders(budget, "--baseline", str(baseline), "--format", "json")
    assert result.exit_code == 0, result.output
    increases = [v["increase"] for v in json.loads(result.stdout)["verdicts"]]
    assert increases == [0.0, 0.0, 0.0]


def edited_baseline(tmp_path: Path, **metrics: float) -> str:
    path = make_baseline(tmp_path)
    doc = json.loads(path.read_text())
    doc["metrics"].update(metrics)
    path.write_text(json.dumps(doc))
    return str(path)


def test_a_baseline_from_before_the_init_split_is_warned_about(tmp_path: Path) -> None:
    # init_* metrics leave out provisioned and proactive inits since init_ahead_of_demand_*
    # exist; a baseline without them may count those inits, and an init_* increase limit says so
    budget = write(tmp_path, "max_increase:\n  init_p95_ms: 0\n  cold_start_rate: 0\n")
    fresh = make_baseline(tmp_path)
    result = check_orders(budget, "--baseline", str(fresh))
    assert result.exit_code == 0, result.output
    assert "write the baseline again" not in result.stderr
    doc = json.loads(fresh.read_text())
    doc["metrics"] = {k: v for k, v in doc["metrics"].items()
                      if not k.startswith("init_ahead_of_demand")}
    old = tmp_path / "old-baseline.json"
    old.write_text(json.dumps(doc))
    result = check_orders(budget, "--baseline", str(old))
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "write the baseline again" in line]
    assert len(lines) == 1
    assert "init_p95_ms left out provisioned and proactive inits" in lines[0]
    # a budget without an init_* increase limit has nothing to warn about
    rate_only = write(tmp_path, "max_increase:\n  cold_start_rate: 0\n", "rate.yaml")
    result = check_orders(rate_only, "--baseline", str(old))
    assert "write the baseline again" not in result.stderr


def test_increase_over_the_limit_fails(tmp_path: Path) -> None:
    # baseline 0.10 -> now 5/28 = 0.17857: +78.6 %, over +20 %
    baseline = edited_baseline(tmp_path, cold_start_rate=0.10)
    budget = write(tmp_path, "max_increase:\n  cold_start_rate: 0.20\n")
    result = check_orders(budget, "--baseline", baseline, "--format", "json")
    assert result.exit_code == 1, result.output
    assert "cold_start_rate = 0.178571 is +78.6% vs baseline 0.1" in result.stderr
    verdict = json.loads(result.stdout)["verdicts"][0]
    assert verdict["increase"] == pytest.approx(ORDERS_RATE / 0.10 - 1)
    assert verdict["baseline"] == 0.10


def test_decrease_from_a_worse_baseline_passes(tmp_path: Path) -> None:
    # baseline 0.25 -> now 0.17857: -28.6 %
    baseline = edited_baseline(tmp_path, cold_start_rate=0.25)
    budget = write(tmp_path, "max_increase:\n  cold_start_rate: 0.20\n")
    result = check_orders(budget, "--baseline", baseline, "--format", "json")
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.stdout)["verdicts"][0]
    assert verdict["increase"] == pytest.approx(ORDERS_RATE / 0.25 - 1)
    assert verdict["status"] == "pass"


def test_increase_from_a_zero_baseline_fails(tmp_path: Path) -> None:
    baseline = edited_baseline(tmp_path, timeouts=0)
    budget = write(tmp_path, "max_increase:\n  timeouts: 10\n")
    result = check_orders(budget, "--baseline", baseline, "--format", "json")
    assert result.exit_code == 1
    assert "timeouts = 1 is +inf vs baseline 0" in result.stderr


def test_baseline_without_the_metric_exits_2(tmp_path: Path) -> None:
    path = make_baseline(tmp_path)
    doc = json.loads(path.read_text())
    del doc["metrics"]["init_p95_ms"]
    path.write_text(json.dumps(doc))
    budget = write(tmp_path, "max_increase:\n  init_p95_ms: 0.1\n")
    result = check_orders(budget, "--baseline", str(path))
    assert result.exit_code == 2
    assert "has no metric 'init_p95_ms'" in result.stderr


def test_not_a_baseline_exits_2(tmp_path: Path) -> None:
    budget = write(tmp_path, "max_increase:\n  init_p95_ms: 0.1\n")
    bogus = write(tmp_path, '{"metrics": {}}', "bogus.json")
    result = check_orders(budget, "--baseline", bogus)
    assert result.exit_code == 2 and "not a lamlife baseline" in result.stderr


def test_logs_given_as_the_baseline_say_so(tmp_path: Path) -> None:
    budget = write(tmp_path, "max_increase:\n  init_p95_ms: 0.1\n")
    result = check_orders(budget, "--baseline", ORDERS)
    assert result.exit_code == 2
    assert "orders.log: not a lamlife baseline" in result.stderr
    assert "Extra data" not in result.stderr and result.stderr.count("\n") == 1
    lines = tmp_path / "orders.jsonl"  # lamlife fetch output: one JSON object per line
    lines.write_text('{"timestamp": 1, "message": "START"}\n{"timestamp": 2, "message": "END"}\n')
    fetched = check_orders(budget, "--baseline", str(lines))
    assert fetched.exit_code == 2 and "orders.jsonl: not a lamlife baseline" in fetched.stderr
    assert "line 2" in fetched.stderr and fetched.stderr.count("\n") == 1


def test_baseline_of_an_empty_input_exits_2(tmp_path: Path) -> None:
    empty = write(tmp_path, "", "empty.log")
    result = run("baseline", empty, "--output", str(tmp_path / "b.json"))
    assert result.exit_code == 2
    assert "no invocations" in result.stderr
    assert not (tmp_path / "b.json").exists()


# --- the budget's function selection ----------------------------------------------------------


def test_budget_function_restricts_the_analysis(tmp_path: Path) -> None:
    # without --function each file is named after itself: orders and payments
    budget = write(tmp_path, "function: payments\nmin:\n  invocations: 1\n")
    result = run("check", ORDERS, PAYMENTS, "--budget", budget, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["functions"] == ["payments"]
    assert doc["metrics"]["invocations"] == 4
    assert doc["metrics"]["environments"] == 1
    assert doc["metrics"]["init_p95_ms"] == pytest.approx(300.40)

    both = write(tmp_path, "function: [orders, payments]\nmin:\n  invocations: 1\n", "b.yaml")
    result = run("check", ORDERS, PAYMENTS, "--budget", both, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["metrics"]["invocations"] == 32


def test_the_selected_function_keeps_its_start_types(tmp_path: Path) -> None:
    # a tail log whose REPORTs carry no Status at all (every invocation succeeded)
    budget = write(tmp_path, "function: payments\nmax:\n  cold_starts: 1\n")
    result = run("check", PAYMENTS, "--budget", budget, "--format", "json")
    doc = json.loads(result.stdout)
    assert doc["metrics"]["start_type_cold"] == 1
    assert doc["metrics"]["start_type_warm"] == 3
    assert doc["metrics"]["cold_starts"] == 1
    assert result.exit_code == 0, result.output


def test_budget_function_absent_from_the_input_exits_2(tmp_path: Path) -> None:
    budget = write(tmp_path, "function: orderz\nmax:\n  timeouts: 0\n")
    result = run("check", ORDERS, PAYMENTS, "--budget", budget)
    assert result.exit_code == 2
    assert "no invocations of function 'orderz'" in result.stderr
    assert "functions seen: orders, payments" in result.stderr
    # the way to name a log that carries no function name (orders.log is named after its file)
    assert "--function orderz names it" in result.stderr
    # input that names its functions, given --function orderz already: the hint would only
    # repeat that option (which cannot rename such input)
    named = run("check", str(REPO / "tests" / "data" / "readers" / "jsonl" / "events.jsonl"),
                "--function", "orderz", "--budget", budget)
    assert named.exit_code == 2
    assert "no invocations of function 'orderz'" in named.stderr
    assert "functions seen: orders, tenner-notifier)" in named.stderr
    assert "names it" not in named.stderr


def test_one_absent_function_of_several_is_a_warning(tmp_path: Path) -> None:
    budget = write(tmp_path, "function: [payments, orderz]\nmin:\n  invocations: 4\n")
    result = run("check", ORDERS, PAYMENTS, "--budget", budget, "--format", "json")
    assert result.exit_code == 0, result.output
    assert "'orderz'" in result.stderr and "warning" in result.stderr
    assert json.loads(result.stdout)["metrics"]["invocations"] == 4


def test_baseline_takes_the_budget_selection(tmp_path: Path) -> None:
    budget = write(tmp_path, "function: payments\nmin:\n  invocations: 1\n")
    out = tmp_path / "b.json"
    result = run("baseline", ORDERS, PAYMENTS, "--budget", budget, "--output", str(out))
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["functions"] == ["payments"]
    assert doc["metrics"]["invocations"] == 4


# --- output formats parse ----------------------------------------------------------------------

MIXED = "max:\n  init_p95_ms: 400\n  timeouts: 0\n  cold_start_rate: 0.2\nmin:\n  invocations: 1\n"


def test_junit_is_well_formed_with_the_failure_count(tmp_path: Path) -> None:
    result = check_orders(write(tmp_path, MIXED), "--format", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == 4 and suite.get("tests") == "4"
    assert suite.get("failures") == "2" and root.get("failures") == "2"
    failures = {c.get("name"): c.find("failure") for c in cases}
    assert {name for name, f in failures.items() if f is not None} == {
        "max.init_p95_ms",
        "max.timeouts",
    }
    failure = failures["max.init_p95_ms"]
    assert failure is not None
    assert failure.get("message") == "init_p95_ms = 431.044 exceeds max 400"


def test_markdown_is_a_table(tmp_path: Path) -> None:
    result = check_orders(write(tmp_path, MIXED), "--format", "markdown")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "### ❌ lamlife check: 2 of 4 limits exceeded"
    start = lines.index("| Metric | Value | Limit | Verdict |")
    assert set(lines[start + 1].replace("|", "").replace(":", "")) == {"-"}
    rows = [line.strip("|").split("|") for line in lines[start + 2 :] if line.startswith("|")]
    assert len(rows) == 4 and all(len(r) == 4 for r in rows)
    by_metric = {r[0].strip().strip("`"): [c.strip() for c in r[1:]] for r in rows}
    assert by_metric["init_p95_ms"] == ["431.044", "≤ 400", "❌ **FAIL**"]
    assert by_metric["invocations"] == ["28", "≥ 1", "✅ pass"]
    assert "- functions: orders; invocations: 28" in lines


def test_json_carries_the_context(tmp_path: Path) -> None:
    budget = write(tmp_path, MIXED)
    result = check_orders(budget, "--format", "json")
    doc = json.loads(result.stdout)
    assert doc["budget"] == budget and doc["baseline"] is None
    assert doc["functions"] == ["orders"]
    assert doc["limits"] == 4 and doc["failed"] == 2


def test_an_arrival_trace_is_checked_not_passed_vacuously(tmp_path: Path) -> None:
    # Three arrivals under the default policy (640 s keep-alive, 500 ms init): the first is
    # cold; the second, 5 s later, reuses that environment (free since 0.62 s): warm; the
    # third, 30 min later, is past the keep-alive: cold. 2 of 3 = 0.667 > 0.1, so the check
    # fails (it used to see 0 invocations and pass).
    trace = tmp_path / "arrivals.csv"
    trace.write_text("start,duration_ms\n2026-01-01T00:00:00Z,120\n"
                     "2026-01-01T00:00:05Z,100\n2026-01-01T00:30:00Z,100\n")
    budget = tmp_path / "budget.yaml"
    budget.write_text("max:\n  cold_start_rate: 0.1\n")
    result = CliRunner().invoke(app, ["check", str(trace), "--budget", str(budget),
                                      "--format", "json", "-q"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["metrics"]["invocations"] == 3
    assert report["metrics"]["cold_starts"] == 2


def test_a_percentage_written_as_an_increase_is_warned_about(tmp_path: Path) -> None:
    # 5/28 against a baseline of 0.10 is +78.6 %: within "20" (+2000 %), so the check passes,
    # but the stderr says what the number allows and how +20 % is written
    baseline = edited_baseline(tmp_path, cold_start_rate=0.10)
    budget = write(tmp_path, "max_increase:\n  cold_start_rate: 20\n")
    result = check_orders(budget, "--baseline", baseline, "--format", "json")
    assert result.exit_code == 0, result.output
    assert ("max_increase.cold_start_rate: 20 allows +2,000 %; if you meant 20 %, write 0.2"
            in result.stderr)
    quiet = check_orders(budget, "--baseline", baseline, "--format", "json", "--quiet")
    assert quiet.exit_code == 0 and "allows" not in quiet.stderr


def test_a_baseline_to_dash_goes_to_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("baseline", ORDERS, "--function", "orders", "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["metrics"]["invocations"] == 28
    assert "written to stdout" in result.stderr and not (tmp_path / "-").exists()


def test_baseline_refuses_a_budget_check_would_refuse(tmp_path: Path) -> None:
    # a misspelt metric was accepted by baseline and refused only later by check
    budget = write(tmp_path, "max:\n  cold_start_ratio: 0.05\n")
    result = run("baseline", ORDERS, "--budget", budget, "-o", str(tmp_path / "b.json"))
    assert result.exit_code == 2
    assert "did you mean 'cold_start_rate'" in result.stderr
    assert not (tmp_path / "b.json").exists()


def _table_rows(text: str) -> list[list[str]]:
    """The Metric cells of a boxed verdict table, a row's lines together (a row starts at its
    verdict), blank lines of a cell included."""
    cells: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("│"):
            parts = [part.strip() for part in line.split("│")]
            if parts[4]:
                cells.append([])
            cells[-1].append(parts[1])
    return cells


def test_the_verdict_table_never_cuts_a_metric_name() -> None:
    # at 50 columns "cold_star…" named two limits alike; names fold instead, whole in the text
    import io

    from rich.console import Console

    from lamlife.lifecycle.check.budget import Verdict
    from lamlife.reports.check_report import render_table

    verdicts = [Verdict("cold_start_rate", "max", 0.1, 0.2, ok=False),
                Verdict("cost_per_million_usd", "max", 5.0, 4.2, ok=True)]
    console = Console(width=40, record=True, color_system=None, force_terminal=False,
                      file=io.StringIO())
    console.print(render_table(verdicts))
    text = console.export_text()
    assert "…" not in text
    # each name whole once the lines of its cell are joined (a row starts at its verdict),
    # broken only after its "_"
    cells = _table_rows(text)
    assert ["".join(c) for c in cells] == ["cold_start_rate", "cost_per_million_usd"]
    assert all(piece.endswith("_") for c in cells for piece in c[:-1])


# not tests/data/check: other tests read that directory whole as logs
CHECK_DATA = Path(__file__).resolve().parents[1] / "data" / "check-trial"


@pytest.mark.parametrize("width", [60, 50])
def test_the_trial_check_table_breaks_metric_names_at_separators(width: int) -> None:
    # the new-user trial at 60 columns: "init_ahead_of" / "_demand_p95_m" / "s"; names now
    # break after their "_" as analyze's tables do, and every name reads whole
    result = CliRunner().invoke(app, [
        "check", str(CHECK_DATA / "payments-slower.jsonl"),
        "--budget", str(CHECK_DATA / "payments-slower-budget.yaml"),
        "--baseline", str(CHECK_DATA / "payments-baseline.json"), "--format", "table"],
        env={"COLUMNS": str(width)}, terminal_width=width)
    assert result.exit_code == 1, result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= width
    cells = [[piece for piece in c if piece] for c in _table_rows(result.stdout)]
    assert ["".join(c) for c in cells] == [
        "init_p95_ms", "init_ahead_of_demand_p95_ms", "cold_start_rate", "invocations",
        "init_p95_ms", "init_ahead_of_demand_p95_ms", "init_ahead_of_demand_count"]
    assert all(piece.endswith("_") for c in cells for piece in c[:-1])
    assert any(len(c) > 1 for c in cells)


def test_the_check_table_is_records_when_names_cannot_break_to_fit() -> None:
    # variant: 40 columns leave too little for the four columns without cutting a number or
    # a piece of a name: one "Header  value" line per cell, as analyze draws such tables
    import io

    from rich.console import Console

    from lamlife.lifecycle.check.budget import Verdict
    from lamlife.reports.check_report import render_table

    verdicts = [Verdict("init_ahead_of_demand_p95_ms", "max_increase", 0.1, 2847.5,
                        baseline=1847.5, increase=2847.5 / 1847.5 - 1, ok=False),
                Verdict("invocations", "min", 1, 28, ok=True)]
    for width, name_lines in ((40, ["Metric   init_ahead_of_demand_p95_ms"]),
                              (30, ["Metric   init_ahead_of_demand_", "         p95_ms"])):
        console = Console(width=width, record=True, color_system=None, force_terminal=False,
                          file=io.StringIO())
        console.print(render_table(verdicts))
        lines = [line.rstrip() for line in console.export_text().splitlines()]
        assert lines[0].startswith("lamlife check: 1 of 2 limits")
        at = lines.index(name_lines[0])
        assert lines[at:at + len(name_lines) + 3] == [
            *name_lines, "Value    2847.5 (+54.1%)", "Limit    ≤ +10% vs 1847.5",
            "Verdict  FAIL"]
        assert "Metric   invocations" in lines
