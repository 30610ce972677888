"""``--function`` on input where some files name their functions and one does not.

tests/data/mixed-naming (hand counts of its files):
- emailer-export.json: filter-log-events JSON with logGroupName /aws/lambda/emailer,
  3 invocations of emailer;
- logs-insights-results.csv: Logs Insights CSV with @log, 3 invocations of inventory;
- checkout.json: filter-log-events JSON without logGroupName (no function name in it),
  8 invocations, named by its file: checkout.

The rule (README, docs/lifecycle.md): when any input names its functions, ``--function``
only selects, and input without a name keeps its file name; the selected function never
receives another input's invocations.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app

DATA = Path(__file__).resolve().parents[1] / "data" / "mixed-naming"
MIXED = str(DATA)
EMAILER = str(DATA / "emailer-export.json")
INSIGHTS = str(DATA / "logs-insights-results.csv")
CHECKOUT = str(DATA / "checkout.json")


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def counts(stdout: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for row in json.loads(stdout)["functions"]:
        out[row["function"]] = out.get(row["function"], 0) + row["invocations"]
    return out


def budget(tmp_path: Path, text: str = "max:\n  cold_start_rate: 0.9\n") -> str:
    path = tmp_path / "budget.yaml"
    path.write_text(text)
    return str(path)


def test_all_functions_without_selection() -> None:
    result = run("analyze", MIXED, "--format", "json")
    assert result.exit_code == 0, result.output
    assert counts(result.stdout) == {"checkout": 8, "emailer": 3, "inventory": 3}


def test_missing_name_is_an_error_not_the_unnamed_file() -> None:
    result = run("analyze", MIXED, "--function", "nosuch", "--format", "json")
    assert result.exit_code == 2, result.output
    assert "no function nosuch in the input (it has checkout, emailer, inventory)" \
        in result.stderr


def test_selected_function_gets_only_its_own_invocations() -> None:
    result = run("analyze", MIXED, "--function", "emailer", "--format", "json")
    assert result.exit_code == 0, result.output
    assert counts(result.stdout) == {"emailer": 3}
    assert "checkout.json" in result.stderr and "checkout" in result.stderr


def test_unnamed_file_selected_by_its_file_name() -> None:
    result = run("analyze", MIXED, "--function", "checkout", "--format", "json")
    assert result.exit_code == 0, result.output
    assert counts(result.stdout) == {"checkout": 8}


def test_unnamed_input_alone_is_still_named_by_function() -> None:
    result = run("analyze", CHECKOUT, "--function", "shop", "--format", "json")
    assert result.exit_code == 0, result.output
    assert counts(result.stdout) == {"shop": 8}
    assert "warning" not in result.stderr


def test_named_input_alone_still_refuses_another_name() -> None:
    result = run("analyze", EMAILER, "--function", "nosuch")
    assert result.exit_code == 2
    assert "no function nosuch in the input (it has emailer)" in result.stderr


def test_check_with_function_lists_only_the_selected_function(tmp_path: Path) -> None:
    b = budget(tmp_path)
    md = run("check", EMAILER, INSIGHTS, "--function", "emailer", "--budget", b,
             "--format", "markdown")
    assert md.exit_code == 0, md.output
    assert "- functions: emailer; invocations: 3\n" in md.stdout
    js = run("check", EMAILER, INSIGHTS, "--function", "emailer", "--budget", b,
             "--format", "json")
    assert js.exit_code == 0, js.output
    out = json.loads(js.stdout)
    assert out["functions"] == ["emailer"]
    assert out["metrics"]["invocations"] == 3


def test_check_function_option_agrees_with_budget_selection(tmp_path: Path) -> None:
    by_option = run("check", MIXED, "--function", "emailer", "--budget", budget(tmp_path),
                    "--format", "json")
    by_budget = run("check", MIXED, "--format", "json", "--budget", budget(
        tmp_path, "function: emailer\nmax:\n  cold_start_rate: 0.9\n"))
    assert by_option.exit_code == 0, by_option.output
    assert by_budget.exit_code == 0, by_budget.output
    assert json.loads(by_option.stdout)["metrics"]["invocations"] == 3
    assert json.loads(by_budget.stdout)["metrics"]["invocations"] == 3
    assert json.loads(by_option.stdout)["functions"] == ["emailer"]


def test_baseline_with_function_on_mixed_input(tmp_path: Path) -> None:
    out = tmp_path / "base.json"
    result = run("baseline", MIXED, "--function", "emailer", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["metrics"]["invocations"] == 3


def test_simulate_function_does_not_rename_beside_named_input() -> None:
    result = run("simulate", MIXED, "--function", "emailer", "--format", "json")
    assert result.exit_code == 0, result.output
    assert counts(result.stdout) == {"checkout": 8, "emailer": 3, "inventory": 3}
    assert "checkout.json as checkout" in result.stderr


def test_stdin_beside_named_input_is_refused() -> None:
    text = Path(CHECKOUT).read_text()
    result = CliRunner().invoke(app, ["analyze", "-", EMAILER, "--function", "emailer"],
                                input=text)
    assert result.exit_code == 2
    assert "standard input" in result.stderr
    assert "<stdin> name no function" in result.stderr  # the input without a name


def test_named_stdin_beside_an_unnamed_file_blames_the_file() -> None:
    # standard input names its function here; the file without a name is checkout.json
    text = Path(EMAILER).read_text()
    result = CliRunner().invoke(app, ["analyze", "-", CHECKOUT, "--function", "emailer"],
                                input=text)
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "\n" not in line
    assert f"{CHECKOUT} name no function" in line
    assert "standard input cannot be read twice" in line


@pytest.mark.slow
def test_spark_engine_selects_alike() -> None:
    result = run("analyze", MIXED, "--function", "emailer", "--format", "json",
                 "--engine", "spark", "--spark-master", "local[2]")
    assert result.exit_code == 0, result.output
    assert counts(result.stdout) == {"emailer": 3}
    assert "checkout.json as checkout" in result.stderr


def test_files_without_records_do_not_count_as_named_input(tmp_path: Path) -> None:
    # an arrival trace (left out beside logs) and an empty export name no function of
    # the logs: --function still names the unnamed log
    (tmp_path / "checkout.json").write_text(Path(CHECKOUT).read_text())
    (tmp_path / "trace.csv").write_text("start,duration_ms\n2026-11-20T09:00:00Z,100\n")
    (tmp_path / "empty.json").write_text('{"events": []}\n')
    result = run("analyze", str(tmp_path), "--function", "shop", "--format", "json")
    assert result.exit_code == 0, result.output
    assert counts(result.stdout) == {"shop": 8}
