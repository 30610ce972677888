"""simulate with some functions on SnapStart and others not: each keeps its own mechanism.

tests/data/simulate/three-functions-one-snapstart.jsonl is the shape a new user brought: a
`lamlife fetch` JSONL of orders (on-demand inits, us-east-1), payments (version 7, two
provisioned-concurrency environments, eu-west-1) and thumbnailer (version 3, SnapStart: its
3 cold starts are restores, no Init Duration). An unchanged policy restores thumbnailer's new
environments and inits the others'; --snapstart / --no-snapstart set every function's. The
built-in table has no SnapStart restore price for eu-west-1, so --snapstart leaves payments'
restores unpriced: the other invocations keep their cost, as `lamlife analyze` keeps them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_simulate_samples import (
    CHECKOUT,
    RUNTIME,
    _environment,
    _snapstart_environment,
    _stamp,
)
from typer.testing import CliRunner

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app
from lamlife.lifecycle.billing.prices import load_table
from lamlife.lifecycle.billing.rules import BillingOptions
from lamlife.lifecycle.pipeline import load_trace
from lamlife.lifecycle.simulate.whatif import Pricing, build_policy, simulate_trace

MIX = Path(__file__).resolve().parents[1] / "data/simulate/three-functions-one-snapstart.jsonl"


def _starts(frame: object, function: str) -> set[str]:
    inv = frame  # a DataFrame
    return set(inv[inv["function"] == function]["start_type"])  # type: ignore[index]


def test_an_unchanged_policy_restores_only_the_snapstart_function() -> None:
    trace = load_trace([str(MIX)])
    assert trace.observed is not None
    obs = trace.observed.held_invocations
    assert _starts(obs, "thumbnailer") >= {"restore"} and "cold" not in _starts(obs,
                                                                               "thumbnailer")
    policy, notes = build_policy(trace.arrivals)
    assert not policy.snapstart
    assert policy.snapstart_functions == ("thumbnailer",)
    # no 500 ms init is assumed for thumbnailer: it does not init
    assert not any("assumed to take" in note for note in notes)
    assert any(note.startswith("the cold starts of thumbnailer are SnapStart restores")
               for note in notes)
    observed_restores = set(obs[obs["start_type"] == "restore"]["restore_duration_ms"])
    for seed in range(3):
        sim = simulate_trace(trace, type(policy)(**{**policy.__dict__, "seed": seed}))
        inv = sim.analysis.held_invocations
        thumb = inv[inv["function"] == "thumbnailer"]
        assert "cold" not in set(thumb["start_type"])
        restored = thumb[thumb["start_type"] == "restore"]
        assert len(restored) >= 1
        assert set(restored["restore_duration_ms"]) <= observed_restores
        assert set(restored["init_type"]) == {"snap-start"}
        others = inv[inv["function"] != "thumbnailer"]
        assert "restore" not in set(others["start_type"])
        assert "snap-start" not in set(others["init_type"])
        assert (others["start_type"] == "cold").any()


@pytest.mark.parametrize("snapstart", [True, False])
def test_snapstart_told_is_every_functions(snapstart: bool) -> None:
    trace = load_trace([str(MIX)])
    policy, notes = build_policy(trace.arrivals, {"snapstart": snapstart})
    assert policy.snapstart is snapstart and policy.snapstart_functions == ()
    inv = simulate_trace(trace, policy).analysis.held_invocations
    on_demand = set(inv["start_type"]) & {"cold", "restore"}
    assert on_demand == ({"restore"} if snapstart else {"cold"})
    if not snapstart:  # thumbnailer has no init of its own: the assumed one is said
        assert any("no on-demand init of thumbnailer" in note for note in notes)


def test_a_price_missing_for_one_function_keeps_the_others_costs() -> None:
    trace = load_trace([str(MIX)])
    policy, _ = build_policy(trace.arrivals, {"snapstart": True})
    whatif = simulate_trace(trace, policy, Pricing(BillingOptions(), load_table()), strict=False)
    assert whatif.cost_problem is None
    assert len(whatif.cost_incomplete) == 1
    assert whatif.cost_incomplete[0].startswith("payments: no snapstart_restore_per_gb price")
    cost = whatif.analysis.summary["cost"]
    assert cost["total_usd"] > 0
    # every invocation of orders and thumbnailer is priced, their restores included
    inv = whatif.analysis.invocations
    for function in ("orders", "thumbnailer"):
        assert (inv[inv["function"] == function]["priced_as"] != "unpriced").all(), function
    # the payments restore is the one left out
    unpriced = inv[inv["priced_as"] == "unpriced"]
    assert set(unpriced["function"]) == {"payments"}
    assert set(unpriced["start_type"]) == {"restore"}
    # totals over different invocations do not compare: the cost rows compare orders and
    # thumbnailer, priced in full on both sides (test_simulate_cost.py has the amounts)
    assert whatif.cost_left_out == ["payments"]
    assert {"cost_usd", "init_cost_usd", "init_share"} <= {r["metric"]
                                                          for r in whatif.comparison}


def test_the_cli_keeps_the_other_functions_cost_and_warns() -> None:
    result = CliRunner().invoke(app, ["simulate", str(MIX), "--snapstart", "--format",
                                      "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["summary"]["cost"]["total_usd"] > 0
    assert "cost incomplete, unpriced: payments: no snapstart_restore_per_gb" in result.stderr
    # unchanged policy: thumbnailer restores, nothing is unpriced
    plain = CliRunner().invoke(app, ["simulate", str(MIX), "--format", "json"])
    assert plain.exit_code == 0, plain.stderr
    data = json.loads(plain.stdout)
    assert data["summary"]["cost"]["incomplete"] == []
    assert data["simulation"]["policy"]["snapstart_functions"] == ["thumbnailer"]
    assert "unpriced" not in plain.stderr
    assert data["summary"]["start_types"]["restore"] >= 1


def test_a_function_with_both_restores_and_inits_inits(tmp_path: Path) -> None:
    # a variant of our own, plain text: checkout-api inits on demand, quotes restores,
    # ledger shows both a restore and an on-demand init (SnapStart turned on mid-log): it
    # inits, as the input had inits of it
    lines = [line for hexid, requests in CHECKOUT.items()
             for line in _environment("checkout-api", hexid, requests, 512)]
    lines += _snapstart_environment("quotes", "a" * 32, 250.0, 104, [(0.0, 80.0), (5.0, 40.0)])
    lines += _snapstart_environment("quotes", "b" * 32, 260.0, 110, [(2000.0, 90.0)])
    lines += _snapstart_environment("ledger", "c" * 32, 600.0, 300, [(10.0, 200.0)])
    lines += _environment("ledger", "9" * 32, [(3000.0, 700.0, 100.0, "l2")], 2048)
    lines.sort(key=lambda line: line[0])
    path = tmp_path / "mixed.log"
    path.write_text("".join(f"{_stamp(t)} {stream} {message}\n" for t, stream, message in lines))
    trace = load_trace([str(path)])
    policy, notes = build_policy(trace.arrivals)
    assert not policy.snapstart and policy.snapstart_functions == ("quotes",)
    inv = simulate_trace(trace, policy).analysis.held_invocations
    assert _starts(inv, "quotes") & {"cold", "restore"} == {"restore"}
    assert set(inv[(inv["function"] == "quotes") & (inv["start_type"] == "restore")][
        "restore_duration_ms"]) <= {250.0, 260.0}
    assert _starts(inv, "ledger") & {"cold", "restore"} == {"cold"}
    assert _starts(inv, "checkout-api") & {"cold", "restore"} == {"cold"}


EXAMPLE = Path(__file__).resolve().parents[2] / "examples/orders.log"


def test_observed_proactive_inits_are_counted_in_a_note() -> None:
    # examples/orders.log has one proactive start; the simulator has no proactive inits, so
    # it may turn it into a cold start: a note says so rather than nothing
    trace = load_trace([str(EXAMPLE)])
    assert trace.observed is not None
    proactive = trace.observed.summary["start_types"]["proactive"]
    assert proactive == 1
    _policy, notes = build_policy(trace.arrivals)
    assert any(note.startswith("the input has 1 proactive init (") and "not modelled" in note
               for note in notes)


def test_several_proactive_inits_are_counted(tmp_path: Path) -> None:
    # a variant of our own: two environments whose INIT_START comes a minute before their
    # first START (proactive, the gap over analyze's 10 s threshold) and one plain cold start
    lines = _environment("checkout-api", "a" * 32, [(0.0, 380.0, 120.0, "c1")], 512)
    for hexid, at, rid in (("b" * 32, 100.0, "p1"), ("c" * 32, 200.0, "p2")):
        stream = f"2026/09/01/checkout-api[$LATEST]{hexid}"
        lines += [(at - 60.0, stream, RUNTIME),
                  (at, stream, f"START RequestId: {rid} Version: $LATEST"),
                  (at + 0.05, stream, f"END RequestId: {rid}"),
                  (at + 0.05, stream, f"REPORT RequestId: {rid}\tDuration: 50.00 ms\tBilled "
                   "Duration: 440 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB\tInit "
                   "Duration: 390.00 ms\t")]
    lines.sort(key=lambda line: line[0])
    path = tmp_path / "proactive.log"
    path.write_text("".join(f"{_stamp(t)} {stream} {message}\n" for t, stream, message in lines))
    trace = load_trace([str(path)])
    assert trace.observed is not None
    assert trace.observed.summary["start_types"]["proactive"] == 2
    _policy, notes = build_policy(trace.arrivals)
    assert any(note.startswith("the input has 2 proactive inits (")
               and "may become cold starts" in note for note in notes)
