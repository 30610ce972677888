"""Simulated rows keep the input's runtime, so billing prices them as it prices the input.

A log's runtime is known from its INIT_START / RESTORE_START ``Runtime Version`` (no fetch
header). The SnapStart restore fee is charged for Python and .NET only, so a simulated
restore of a Python function without its runtime went unpriced: a trial saw an unchanged
Python SnapStart log cost $0.00827 observed and $0.00000339 simulated, and a Python function
simulated with ``--snapstart`` in a Region without a Python restore price priced in full with
no warning instead of being left out of the cost comparison.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app
from lamlife.lifecycle.billing.prices import load_table
from lamlife.lifecycle.billing.rules import BillingOptions
from lamlife.lifecycle.pipeline import load_trace
from lamlife.lifecycle.simulate.whatif import Pricing, build_policy, simulate_trace

ARN = "arn:aws:lambda:{region}::runtime:0f1e2d3c4b5a6978"
STREAM = "2026/11/20/[$LATEST]{:032x}"


def _invocation(lines: list[str], stream: str, at: str, rid: int, duration_ms: float,
                billed_ms: int, extra: str = "") -> None:
    """The START and REPORT lines of one invocation whose START is at 10:``at`` (``MM:SS.fff``)
    on 2026-11-20 UTC; ``extra`` ends the REPORT."""
    request = f"00000000-0000-4000-8000-{rid:012d}"
    lines.append(f"2026-11-20T10:{at}+00:00 {stream} START RequestId: {request} "
                 "Version: $LATEST")
    lines.append(f"2026-11-20T10:{at}+00:00 {stream} REPORT RequestId: {request}\t"
                 f"Duration: {duration_ms:.2f} ms\tBilled Duration: {billed_ms} ms\t"
                 f"Memory Size: 512 MB\tMax Memory Used: 90 MB{extra}")


def python_snapstart_log(path: Path, region: str = "us-east-1") -> str:
    """Two SnapStart restores of a Python 3.12 function (300 ms, billed 150 ms: the same, so
    any draw costs the same), each followed by a warm invocation, 20 minutes apart (past the
    keep-alive); no fetch header, so the runtime is known only from RESTORE_START."""
    lines: list[str] = []
    for i, (minute, restore, billed, duration) in enumerate(
            [(0, 300.0, 150, 80.0), (20, 300.0, 150, 60.4)]):
        stream = STREAM.format(i + 1)
        lines.append(f"2026-11-20T10:{minute:02d}:00.000+00:00 {stream} RESTORE_START "
                     f"Runtime Version: python:3.12.v30\tRuntime Version ARN: "
                     f"{ARN.format(region=region)}")
        lines.append(f"2026-11-20T10:{minute:02d}:00.{int(restore):03d}+00:00 {stream} "
                     f"RESTORE_REPORT Restore Duration: {restore:.2f} ms")
        _invocation(lines, stream, f"{minute:02d}:01.000", 2 * i + 1, duration,
                    int(duration + billed + 0.999),
                    f"\tRestore Duration: {restore:.2f} ms\tBilled Restore Duration: {billed} ms")
        _invocation(lines, stream, f"{minute:02d}:05.000", 2 * i + 2, 10.0, 10)
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def python_on_demand_log(path: Path, region: str) -> str:
    """One cold (400 ms init) and one warm invocation of a Python 3.12 function."""
    stream = STREAM.format(7)
    lines = [f"2026-11-20T10:00:00.000+00:00 {stream} INIT_START Runtime Version: "
             f"python:3.12.v30\tRuntime Version ARN: {ARN.format(region=region)}"]
    _invocation(lines, stream, "00:00.400", 1, 50.0, 450, "\tInit Duration: 400.00 ms")
    _invocation(lines, stream, "00:05.000", 2, 20.0, 20)
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _pricing() -> Pricing:
    return Pricing(BillingOptions(), load_table())


def test_simulated_rows_keep_the_runtime_of_the_log(tmp_path: Path) -> None:
    trace = load_trace([python_snapstart_log(tmp_path / "thumbs.log")])
    policy, _ = build_policy(trace.arrivals)
    whatif = simulate_trace(trace, policy, _pricing())
    sim = whatif.analysis.invocations
    assert (sim["start_type"] == "restore").sum() == 2
    assert sim["runtime_version"].tolist() == ["python:3.12.v30"] * 4


def test_an_environment_started_before_the_log_gets_its_functions_runtime(
        tmp_path: Path) -> None:
    # an environment whose RESTORE_START is before the log (warm rows only) has no runtime of
    # its own: its requests take the one the function's other rows show
    log = Path(python_snapstart_log(tmp_path / "thumbs.log"))
    early: list[str] = []
    _invocation(early, STREAM.format(9), "00:00.100", 99, 12.0, 12)
    log.write_text("\n".join(early) + "\n" + log.read_text())
    trace = load_trace([str(log)])
    assert trace.arrivals.runtime_version is not None
    assert set(trace.arrivals.runtime_version.tolist()) == {"python:3.12.v30"}


def test_an_unchanged_python_snapstart_log_costs_what_it_cost(tmp_path: Path) -> None:
    trace = load_trace([python_snapstart_log(tmp_path / "thumbs.log")])
    policy, _ = build_policy(trace.arrivals)
    whatif = simulate_trace(trace, policy, _pricing())
    assert whatif.observed is not None
    observed = whatif.observed.summary["cost"]
    simulated = whatif.analysis.summary["cost"]
    # the Python restore fee: 2 restores x 0.5 GB x $0.0001397998 per GB restored (us-east-1)
    obs_fee = whatif.observed.invocations["restore_fee_usd"].sum()
    sim_fee = whatif.analysis.invocations["restore_fee_usd"].sum()
    assert obs_fee == pytest.approx(2 * 0.5 * 0.0001397998, rel=1e-9)
    assert sim_fee == pytest.approx(obs_fee, rel=1e-12)
    assert simulated["total_usd"] == pytest.approx(observed["total_usd"], rel=1e-9)
    assert not simulated.get("incomplete")


def test_a_python_function_without_a_restore_price_is_left_out(tmp_path: Path) -> None:
    # --snapstart in eu-west-1, where the built-in table has no Python SnapStart restore
    # price (docs/simulate.md): the simulated restores of the Python function are unpriced,
    # with a warning, and the comparison leaves the function out
    emailer = python_on_demand_log(tmp_path / "emailer.log", "eu-west-1")
    result = CliRunner().invoke(app, ["simulate", emailer, "--snapstart", "--restore-ms",
                                      "300", "--region", "eu-west-1", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["simulation"]["cost_left_out"] == ["emailer"]
    assert "cost incomplete, unpriced: emailer: no snapstart_restore_per_gb" in result.stderr


def test_a_sweep_marks_an_allocation_that_leaves_a_function_out(tmp_path: Path) -> None:
    # il-central-1 has no provisioned-concurrency price in the built-in table: emailer's
    # allocation is not priced, thumbs' (us-east-1) is, so the allocation shown is partial
    emailer = python_on_demand_log(tmp_path / "emailer.log", "il-central-1")
    thumbs = python_snapstart_log(tmp_path / "thumbs.log")
    result = CliRunner().invoke(app, ["simulate", emailer, thumbs, "--provisioned", "0..1",
                                      "--format", "markdown"])
    assert result.exit_code == 0, result.stderr
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[1:-1]]
            for line in result.stdout.splitlines() if line.startswith("| 0 ")
            or line.startswith("| 1 ")}
    assert rows["0"][-1] == "-"
    assert rows["1"][-2].endswith("+") and rows["1"][-1].endswith("+")
    assert "PC allocation +: the allocation of the functions whose provisioned-concurrency " \
           "price is known only." in result.stdout
    assert "emailer: provisioned concurrency allocation not priced: " in result.stdout
