"""docs/billing.md, "Amounts": every amount (and share) is rounded to its decimal, 12
significant digits (``billing.rules.clean_amount``), so a figure has the same value in every
section. tests/data/mixed-naming holds three priced functions whose per-invocation sums
carry float noise (checkout's cost 3.2816729100000005e-05 unrounded, 3.28167291e-05 by hand:
the sum of its 8 invocations' exact prices).
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app
from lamlife.lifecycle.billing.rules import clean_amount

MIXED = str(Path(__file__).resolve().parents[1] / "data" / "mixed-naming")
AMOUNTS = ("init_cost_usd", "cost_usd", "total_usd", "init_share")


def test_account_rows_are_rounded_as_the_cost_by_function() -> None:
    result = CliRunner().invoke(app, ["analyze", MIXED, "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    by_function = {r["function"]: r for r in out["summary"]["cost"]["by_function"]}
    checkout = next(r for r in out["account"]["by_init_cost"] if r["function"] == "checkout")
    assert checkout["cost_usd"] == 3.28167291e-05  # hand sum, as its decimal
    assert checkout["total_usd"] == 3.28167291e-05
    for ranking in ("by_init_cost", "by_cold_start_rate", "by_reset_loops"):
        for row in out["account"][ranking]:
            for key in AMOUNTS:
                assert row[key] == clean_amount(row[key]), (ranking, row["function"], key)
            cost = by_function[row["function"]]
            assert row["init_cost_usd"] == cost["init_usd"]
            assert row["total_usd"] == cost["total_usd"]
            assert row["init_share"] == cost["init_share"], row["function"]


def test_check_init_cost_share_is_the_summary_init_share(tmp_path: Path) -> None:
    budget = tmp_path / "budget.yaml"
    budget.write_text("max:\n  cold_start_rate: 0.9\n")
    result = CliRunner().invoke(app, ["check", MIXED, "--budget", str(budget),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)["metrics"]
    assert metrics["init_cost_share"] == metrics["cost_init_share"]
    assert metrics["init_cost_share"] == clean_amount(metrics["init_cost_share"])
