"""What a simulated run costs against what the observed one cost.

- An unchanged policy costs what the input cost: a provisioned environment's first invocation
  is billed its Duration alone, as its logged REPORT bills it (the init ran ahead of demand
  and is on the INIT_REPORT, not in the REPORT's Billed Duration). The four-function log of
  test_simulate_samples cost $0.0000489; the simulation cost $0.0000536 when billing added a
  500 ms init to pricing's 40 ms first invocation (540 ms at 1024 MB).
- A function seen only on provisioned concurrency draws its spillover (on-demand) inits from
  its own provisioned Init Durations, not from a 500 ms default; a note says so.
- A price missing for one function (tests/data/simulate/three-functions-one-snapstart.jsonl
  with --snapstart: no SnapStart restore price for payments' eu-west-1) leaves that function
  out of the comparison's cost rows, which compare the other two, and says so; a sweep row
  shows the cost of what is priced and is marked incomplete.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from test_simulate_samples import (
    PC_INIT_MS,
    by_metric,
    four_functions_log,
    recycled_provisioned_log,
)
from typer.testing import CliRunner

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app
from lamlife.lifecycle.billing.prices import load_table
from lamlife.lifecycle.billing.rules import BillingOptions
from lamlife.lifecycle.pipeline import load_trace
from lamlife.lifecycle.simulate.scheduler import Policy, simulate
from lamlife.lifecycle.simulate.whatif import (
    Pricing,
    build_policy,
    simulate_trace,
    sweep_trace,
)

MIX = Path(__file__).resolve().parents[1] / "data/simulate/three-functions-one-snapstart.jsonl"


def _pricing() -> Pricing:
    return Pricing(BillingOptions(), load_table())


@pytest.fixture
def four_functions(tmp_path: Path) -> str:
    return four_functions_log(tmp_path / "four-functions.log")


def _by_function(whatif_side: object) -> dict[str, dict]:
    cost = whatif_side.summary["cost"]  # type: ignore[attr-defined]
    return {g["function"]: g for g in cost["by_function"]}


# ------------------------------------------------------------ an unchanged policy's cost


def test_a_provisioned_first_invocation_is_billed_its_duration_alone(
        four_functions: str) -> None:
    trace = load_trace([four_functions])
    policy, _ = build_policy(trace.arrivals)
    whatif = simulate_trace(trace, policy, _pricing())
    sim = whatif.analysis.invocations
    first = sim[sim["start_type"] == "provisioned"]
    assert len(first) == 1
    # the init is kept on the row, as the observed row keeps its INIT_REPORT's
    assert first["init_duration_ms"].tolist() == [PC_INIT_MS]
    # billed as the log billed pricing's 40 ms first invocation: 40 ms, no init in it
    assert first["priced_billed_ms"].tolist() == [40.0]
    assert first["init_billed_ms"].tolist() == [0.0]


def test_an_unchanged_policy_costs_what_the_input_cost(four_functions: str) -> None:
    # pricing (provisioned concurrency only) costs exactly what it cost; the total differs
    # only by the other functions' draws among their own inits (380-405 ms, 555-560 ms): the
    # trial's +9.6 % ($0.0000536 against $0.0000489) came from pricing's 540 ms
    trace = load_trace([four_functions])
    policy, _ = build_policy(trace.arrivals)
    for seed in range(5):
        whatif = simulate_trace(trace, Policy(**{**policy.__dict__, "seed": seed}), _pricing())
        assert whatif.observed is not None
        rows = by_metric(whatif.comparison)
        assert rows["cost_usd"]["observed"] == pytest.approx(0.000048918142075, rel=1e-12)
        assert rows["cost_usd"]["simulated"] == pytest.approx(rows["cost_usd"]["observed"],
                                                              rel=0.01), seed
        assert rows["init_cost_usd"]["simulated"] == pytest.approx(
            rows["init_cost_usd"]["observed"], rel=0.02), seed
        observed, simulated = _by_function(whatif.observed), _by_function(whatif.analysis)
        assert simulated["pricing"]["total_usd"] == observed["pricing"]["total_usd"], seed
        assert simulated["pricing"]["init_usd"] == observed["pricing"]["init_usd"] == 0.0


def test_the_scheduler_bills_provisioned_rows_at_the_eras_granularity() -> None:
    # one provisioned environment, two requests; before 2020-12-01 billing rounded up to
    # 100 ms (AWS What's New, 2020-12-01), after it to 1 ms. Only the provisioned row is
    # given a Billed Duration; the warm one is left to billing.
    policy = Policy(provisioned=1, init_ms=300.0)
    for start_ms, billed in ((1_577_836_800_000.0, 100.0),  # 2020-01-01
                             (1_767_225_600_000.0, 41.0)):  # 2026-01-01
        inv = simulate([start_ms, start_ms + 1000.0], [40.2, 30.0], policy).invocations
        assert inv["start_type"].tolist() == ["provisioned", "warm"]
        assert inv["billed_duration_ms"].iloc[0] == billed
        assert math.isnan(inv["billed_duration_ms"].iloc[1])
        assert inv["init_duration_ms"].iloc[0] == 300.0


# ------------------------------------------------- inits of a provisioned-only function


def test_a_provisioned_only_function_draws_spillover_inits_from_its_own(
        four_functions: str) -> None:
    # --provisioned 0: pricing's first request (50 s) is an on-demand cold start. Its init
    # is its own provisioned Init Duration (1,200 ms), not the 500 ms default
    trace = load_trace([four_functions])
    policy, notes = build_policy(trace.arrivals, {"provisioned": 0})
    assert any(note.startswith("no on-demand init of pricing in the input: its new "
                               "environments' inits drawn from its own 1 "
                               "provisioned-concurrency init") for note in notes)
    assert not any("assumed to take" in note for note in notes)
    sim = simulate_trace(trace, policy).analysis.invocations
    cold = sim[(sim["function"] == "pricing") & (sim["start_type"] == "cold")]
    assert cold["init_duration_ms"].tolist() == [PC_INIT_MS]
    # the on-demand functions still draw only from their own on-demand inits
    others = sim[(sim["function"] == "emailer") & (sim["start_type"] == "cold")]
    assert others["init_duration_ms"].tolist() == [210.0]


def test_a_function_with_on_demand_inits_leaves_its_provisioned_ones_out(
        tmp_path: Path) -> None:
    # pricing has three provisioned inits (1,200 ms) and one on-demand init (450 ms): its
    # new environments draw the on-demand one only, and the note counts the three left out
    trace = load_trace([recycled_provisioned_log(tmp_path / "pricing.log")])
    policy, notes = build_policy(trace.arrivals, {"provisioned": 0})
    assert "(3 provisioned-concurrency inits left out: no caller waited for them)" in notes[0]
    assert not any("drawn from its own" in note for note in notes)
    sim = simulate_trace(trace, policy).analysis.invocations
    assert set(sim[sim["start_type"] == "cold"]["init_duration_ms"]) == {450.0}


# ---------------------------------------------------- a price missing for one function


def test_the_comparison_compares_the_functions_priced_on_both_sides() -> None:
    trace = load_trace([str(MIX)])
    policy, _ = build_policy(trace.arrivals, {"snapstart": True})
    whatif = simulate_trace(trace, policy, _pricing(), strict=False)
    assert whatif.observed is not None
    assert whatif.cost_left_out == ["payments"]
    rows = by_metric(whatif.comparison)
    observed, simulated = _by_function(whatif.observed), _by_function(whatif.analysis)
    # payments' simulated restores are unpriced; orders and thumbnailer are priced in full
    assert simulated["payments"]["unpriced_invocations"] >= 1
    for side, by_fn in (("observed", observed), ("simulated", simulated)):
        kept = [by_fn[f] for f in ("orders", "thumbnailer")]
        assert rows["cost_usd"][side] == pytest.approx(sum(g["total_usd"] for g in kept),
                                                       rel=1e-12)
        assert rows["init_cost_usd"][side] == pytest.approx(sum(g["init_usd"] for g in kept),
                                                            rel=1e-12)
        assert rows["init_share"][side] == pytest.approx(
            rows["init_cost_usd"][side] / rows["cost_usd"][side], rel=1e-9)
    assert any(note.startswith("cost compared without payments") for note in whatif.notes)


def test_a_function_in_an_unknown_region_is_left_out_of_both_sides(
        four_functions: str) -> None:
    # payments' Region (xx-nowhere-1) has no prices: unpriced on both sides. The four
    # functions of the hand-written log are compared, and cost what they cost (pricing's
    # provisioned row included)
    unknown = str(Path(__file__).resolve().parents[1]
                  / "data/check/payments-unknown-region.jsonl")
    trace = load_trace([unknown, four_functions])
    policy, _ = build_policy(trace.arrivals)
    whatif = simulate_trace(trace, policy, _pricing(), strict=False)
    assert whatif.cost_problem is None
    assert whatif.cost_left_out == ["payments"]
    rows = by_metric(whatif.comparison)
    assert rows["cost_usd"]["observed"] == pytest.approx(0.000048918142075, rel=1e-12)
    assert rows["cost_usd"]["simulated"] == pytest.approx(rows["cost_usd"]["observed"],
                                                          rel=0.01)


def test_the_cli_says_which_functions_the_cost_comparison_leaves_out() -> None:
    result = CliRunner().invoke(app, ["simulate", str(MIX), "--snapstart", "--format",
                                      "json"])
    assert result.exit_code == 0, result.stderr
    simulation = json.loads(result.stdout)["simulation"]
    assert simulation["cost_left_out"] == ["payments"]
    assert {r["metric"] for r in simulation["comparison"]} >= {"cost_usd", "init_cost_usd",
                                                                "init_share"}
    assert any(n.startswith("cost compared without payments") for n in simulation["notes"])
    assert "payments left out" not in result.stderr
    assert "its function left out of the cost comparison" in result.stderr
    markdown = CliRunner().invoke(app, ["simulate", str(MIX), "--snapstart", "--format",
                                        "markdown"])
    assert markdown.exit_code == 0, markdown.stderr
    comparison = markdown.stdout.split("## Observed vs simulated", 1)[1].split("\n## ", 1)[0]
    assert "| Cost |" in comparison
    assert "Cost compared without payments:" in comparison
    # nothing missing: no key, no note
    plain = CliRunner().invoke(app, ["simulate", str(MIX), "--format", "json"])
    assert "cost_left_out" not in json.loads(plain.stdout)["simulation"]


def test_a_sweep_row_shows_the_cost_of_what_is_priced() -> None:
    trace = load_trace([str(MIX)])
    policy, _ = build_policy(trace.arrivals, {"snapstart": True})
    (row,) = sweep_trace(trace, policy, "keep_alive_s", [policy.keep_alive_s], _pricing())
    single = simulate_trace(trace, policy, _pricing(), strict=False)
    cost = single.analysis.summary["cost"]
    assert row["cost_usd"] == cost["total_usd"] > 0
    assert row["init_cost_usd"] == cost["init_usd"]
    assert row["cost_incomplete"] == cost["incomplete"]
    assert row["cost_incomplete"][0].startswith("payments: no snapstart_restore_per_gb price")
    assert "cost_problem" not in row


def test_the_cli_marks_an_incomplete_sweep_cost() -> None:
    args = ["simulate", str(MIX), "--snapstart", "--keep-alive", "5m,10m"]
    table = CliRunner().invoke(app, [*args, "--format", "markdown"])
    assert table.exit_code == 0, table.stderr
    rows = [line for line in table.stdout.splitlines() if line.startswith("| 5m00s")
            or line.startswith("| 10m00s")]
    assert len(rows) == 2 and all(row.split("|")[-3].strip().endswith("+") for row in rows)
    assert "+: the cost of the priced invocations only; unpriced: payments: " in table.stdout
    assert "cost incomplete, unpriced: payments: no snapstart_restore_per_gb" in table.stderr
    data = json.loads(CliRunner().invoke(app, [*args, "--format", "json"]).stdout)
    assert all(r["cost_usd"] > 0 and r["cost_incomplete"] for r in data["sweep"]["rows"])
    text = CliRunner().invoke(app, [*args, "--format", "csv"]).stdout
    read = list(csv.DictReader(io.StringIO(text)))
    assert all(float(r["cost_usd"]) > 0 for r in read)
    assert all(r["cost_incomplete"].startswith("payments: ") for r in read)
