"""`lamlife analyze` over several functions: the account-level view in JSON and tables."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from lamlife.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
READERS = ROOT / "tests" / "data" / "readers"


def test_account_view_ranks_the_functions_of_every_input() -> None:
    result = CliRunner().invoke(app, ["analyze", str(ROOT / "examples" / "orders.log"),
                                      str(READERS), "--format", "json", "--top", "2", "-q"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    names = {f["function"] for f in data["functions"]}
    account = data["account"]
    assert account["functions"] == len(names) > 2
    assert [len(account[k]) for k in ("by_init_cost", "by_cold_start_rate")] == [2, 2]
    by_name = {f["function"]: f for f in data["functions"]}
    for row in account["by_cold_start_rate"]:  # agrees with the functions table
        assert row["cold_starts"] == sum(f["cold_starts"] for f in data["functions"]
                                         if f["function"] == row["function"])
    rates = [r["cold_start_rate"] for r in account["by_cold_start_rate"]]
    assert rates == sorted(rates, reverse=True)
    assert all(r["reset_loops"] > 0 for r in account["by_reset_loops"])
    assert "orders" in by_name
    table = CliRunner().invoke(app, ["analyze", str(ROOT / "examples" / "orders.log"),
                                     str(READERS), "--format", "markdown", "--top", "2", "-q"])
    assert "## Functions by INIT cost (top 2 of" in table.stdout


def test_one_function_has_no_account_key() -> None:
    result = CliRunner().invoke(app, ["analyze", str(ROOT / "examples" / "orders.log"),
                                      "--format", "json", "-q"])
    assert result.exit_code == 0
    assert "account" not in json.loads(result.stdout)


def test_help_names_the_spark_extra_and_the_s3_options() -> None:
    result = CliRunner().invoke(app, ["analyze", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "'lamlife[spark]'" in result.stdout  # not eaten as rich markup
    for option in ("--engine", "--spark-master", "--profile", "--endpoint-url"):
        assert option in result.stdout
