"""The Python API (docs/api.md): lamlife.analyze and lamlife.simulate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import lamlife
import lamlife.cli.main  # noqa: F401
from lamlife.cli.app import app
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.schema import INVOCATION_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
ORDERS = ROOT / "examples" / "orders.log"
JSONL = ROOT / "tests" / "data" / "readers" / "jsonl" / "events.jsonl"


def test_importing_lamlife_loads_no_pandas(tmp_path: Path) -> None:
    code = "import sys, lamlife; print('pandas' in sys.modules, lamlife.__version__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, check=True).stdout
    assert out == f"False {lamlife.__version__}\n"


def test_analyze_returns_the_summary_and_dataframes() -> None:
    result = lamlife.analyze(ORDERS)
    # examples/README.md, counted by hand
    assert result.summary["invocations"] == 28
    assert result.summary["cold_starts"] == 5
    assert result.summary["start_types"]["reinit"] == 2
    assert result.summary["cost"]["init_usd"] == pytest.approx(0.0000103584, rel=1e-4)
    for frame in (result.invocations, result.environments, result.functions, result.events):
        assert isinstance(frame, pd.DataFrame)
    assert list(result.invocations.columns[: len(INVOCATION_COLUMNS)]) == list(INVOCATION_COLUMNS)
    assert len(result.invocations) == 28 and len(result.environments) == 4
    assert result.functions["function"].tolist() == ["orders"]
    assert "cost_usd" in result.invocations.columns
    assert result.input["lines"] == 128 and result.warnings == []


def test_analyze_summary_is_the_cli_json_summary() -> None:
    cli = CliRunner().invoke(app, ["analyze", str(ORDERS), "--format", "json"])
    from_cli = json.loads(cli.stdout)
    api = lamlife.analyze([str(ORDERS)])
    assert api.to_dict() == from_cli
    assert api.to_dict()["summary"]["cold_causes"] == api.summary["cold_causes"]


def test_analyze_options() -> None:
    orders = lamlife.analyze(JSONL, function="orders")
    assert orders.functions["function"].tolist() == ["orders"]
    window = lamlife.analyze(ORDERS, since="2026-04-14T09:20:00Z", until="2026-04-14T09:22:00Z")
    assert window.summary["invocations"] == 5
    arm = lamlife.analyze(ORDERS, architecture="arm64", region="us-east-1")
    assert arm.summary["cost"]["total_usd"] < lamlife.analyze(ORDERS).summary["cost"]["total_usd"]
    unpriced = lamlife.analyze(ORDERS, price=False)
    assert "cost" not in unpriced.summary and "cost_usd" not in unpriced.invocations.columns


def test_analyze_errors_are_lamlife_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no function billing in the input"):
        lamlife.analyze(JSONL, function="billing")
    with pytest.raises(InputError):
        lamlife.analyze(tmp_path / "missing.log")
    with pytest.raises(InputError, match="no input"):
        lamlife.analyze([])


def test_simulate_returns_tables_policy_and_comparison() -> None:
    run = lamlife.simulate(ORDERS, keep_alive="1m")
    assert run.policy["keep_alive_s"] == 60.0
    assert run.summary["invocations"] == 28
    assert isinstance(run.invocations, pd.DataFrame) and len(run.invocations) == 28
    assert run.observed is not None and run.observed.summary["cold_starts"] == 5
    comparison = run.comparison.set_index("metric")
    assert comparison.loc["cold_starts", "observed"] == 5
    assert comparison.loc["cold_starts", "simulated"] == run.summary["cold_starts"]
    # the INIT share is a fraction of the cost, not dollars
    share = comparison.loc["init_share", "simulated"]
    assert 0 < share < 1
    assert share == pytest.approx(run.summary["cost"]["init_share"])
    longer = lamlife.simulate(ORDERS, keep_alive=3600, max_lifetime="none")
    assert longer.policy["max_lifetime_s"] is None
    assert longer.summary["cold_starts"] <= run.summary["cold_starts"]
    with pytest.raises(InputError, match="keep_alive"):
        lamlife.simulate(ORDERS, keep_alive="soon")


def test_simulate_chooses_snapstart_as_the_command_does() -> None:
    # the API passed snapstart=False always: a SnapStart function's log (restores, no Init
    # Duration) was simulated with inits here and with restores by `lamlife simulate`
    snap = ROOT / "tests" / "data" / "readers" / "sam" / "java-orders.log"
    run = lamlife.simulate(snap)
    assert run.policy["snapstart"] is True
    assert any("cold starts are SnapStart restores" in note for note in run.notes)
    assert run.summary["start_types"]["restore"] >= 1
    told = lamlife.simulate(snap, snapstart=False, restore_ms=100)
    assert told.policy["snapstart"] is False and told.summary["start_types"]["restore"] == 0
    assert any(note.startswith("--restore-ms ignored") for note in told.notes)


def test_py_typed_is_shipped() -> None:
    assert (Path(lamlife.__file__).parent / "py.typed").is_file()


def test_init_failures_has_one_dtype_whatever_made_the_table(tmp_path: Path) -> None:
    # docs/api.md: the narrowest integer type (int8 here), from the engine, the simulator and
    # lamlife's own CSV read back alike, so tables from different sources concatenate cleanly
    csv_file = tmp_path / "invocations.csv"
    done = CliRunner().invoke(app, ["analyze", str(ORDERS), "--format", "csv", "--output",
                                    str(csv_file), "--quiet"])
    assert done.exit_code == 0, done.stderr
    tables = {"analyze": lamlife.analyze(ORDERS).invocations,
              "simulate": lamlife.simulate(ORDERS, keep_alive="1m").invocations,
              "lamlife csv": lamlife.analyze(csv_file).invocations}
    assert {name: str(t["init_failures"].dtype) for name, t in tables.items()} == {
        name: "int8" for name in tables}
