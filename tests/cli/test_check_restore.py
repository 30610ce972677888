"""`lamlife check` and `lamlife baseline` on SnapStart Restore Duration (``restore_*``
metrics, docs/check.md), through typer's CliRunner.

tests/data/simulate/three-functions-one-snapstart.jsonl: thumbnailer's three restores have
Restore Durations 397.08, 397.60 and 489.48 ms; p95 by linear interpolation between closest
ranks at rank 0.95 x 2 = 1.9: 397.60 + 0.9 x (489.48 - 397.60) = 480.292 ms
(tests/lifecycle/test_restore_percentiles.py). examples/orders.log has no SnapStart.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app

REPO = Path(__file__).resolve().parents[2]
MIX = str(REPO / "tests" / "data" / "simulate" / "three-functions-one-snapstart.jsonl")
ORDERS = str(REPO / "examples" / "orders.log")
RESTORE_P95 = 480.292


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def write(tmp_path: Path, text: str, name: str = "budget.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("limit, exit_code", [(450, 1), (500, 0)])
def test_a_restore_p95_budget_gates_snapstart(tmp_path: Path, limit: int,
                                              exit_code: int) -> None:
    budget = write(tmp_path, f"function: thumbnailer\nmax:\n  restore_p95_ms: {limit}\n")
    result = run("check", MIX, "--budget", budget, "--format", "json")
    assert result.exit_code == exit_code, result.output
    doc = json.loads(result.stdout)
    assert doc["metrics"]["restore_count"] == 3
    assert doc["metrics"]["restore_p95_ms"] == pytest.approx(RESTORE_P95)
    assert doc["metrics"]["restore_max_ms"] == 489.48
    verdict = doc["verdicts"][0]
    assert (verdict["metric"], verdict["value"]) == ("restore_p95_ms", pytest.approx(RESTORE_P95))
    if exit_code:
        assert "restore_p95_ms = 480.292 exceeds max 450" in result.stderr


def test_without_restores_a_restore_limit_has_no_data(tmp_path: Path) -> None:
    budget = write(tmp_path, "max:\n  restore_p95_ms: 500\n")
    result = run("check", ORDERS, "--budget", budget, "--format", "json")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert doc["metrics"]["restore_count"] == 0
    assert doc["metrics"]["restore_p95_ms"] is None
    assert doc["verdicts"][0]["status"] == "no_data"
    assert "restore_p95_ms: no data" in result.stderr
    allowed = write(tmp_path, "max:\n  restore_p95_ms: 500\nallow_no_data: [restore_p95_ms]\n",
                    "allowed.yaml")
    result = run("check", ORDERS, "--budget", allowed, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verdicts"][0]["status"] == "no_data"


def test_a_restore_increase_against_a_baseline(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    made = run("baseline", MIX, "--output", str(path))
    assert made.exit_code == 0, made.output
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["metrics"]["restore_p95_ms"] == pytest.approx(RESTORE_P95)
    assert doc["metrics"]["restore_count"] == 3
    budget = write(tmp_path, "max_increase:\n  restore_p95_ms: 0.10\n")
    same = run("check", MIX, "--budget", budget, "--baseline", str(path))
    assert same.exit_code == 0, same.output
    # a baseline restore p95 of 400 ms: 480.292 is +20.1 %, over +10 %
    doc["metrics"]["restore_p95_ms"] = 400.0
    path.write_text(json.dumps(doc), encoding="utf-8")
    worse = run("check", MIX, "--budget", budget, "--baseline", str(path))
    assert worse.exit_code == 1, worse.output
    assert "restore_p95_ms = 480.292 is +20.1% vs baseline 400" in worse.stderr
