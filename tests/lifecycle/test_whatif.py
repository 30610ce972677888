"""What-if runs (lamlife.lifecycle.simulate.whatif): traces, comparison with the observed run,
sweeps."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lamlife.lifecycle.billing.prices import load_table
from lamlife.lifecycle.billing.rules import BillingOptions
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.pipeline import load_trace, simulate_default
from lamlife.lifecycle.read.arrivals import ArrivalColumns, Arrivals
from lamlife.lifecycle.simulate.scheduler import (
    DEFAULT_INIT_MS,
    DEFAULT_KEEP_ALIVE_S,
    Policy,
    Samples,
)
from lamlife.lifecycle.simulate.whatif import (
    OBSERVED,
    Pricing,
    build_policy,
    describe_policy,
    simulate_trace,
    sweep_trace,
)

REPO = Path(__file__).resolve().parents[2]
PACSLAB_0528 = str(
    REPO / "tests/data/aws_real/pacslab_aws_lambda_2020/res-01-2020-05-28_01-57-40.csv"
)
ORDERS = str(REPO / "examples" / "orders.log")
# The payments log as `lamlife fetch` writes it, fetched in a Region no price table knows.
UNKNOWN_REGION = str(REPO / "tests" / "data" / "check" / "payments-unknown-region.jsonl")
# docs/platform.md §6.3: provisioned concurrency enabled, us-east-1 x86, per GB-s.
PC_ALLOCATION_PER_GB_S = 0.0000041667


def pacslab_trace():
    return load_trace([PACSLAB_0528], ArrivalColumns(environment="inst_id"), memory_mb=128.0)


def by_metric(rows):
    return {r["metric"]: r for r in rows}


def test_arrival_csv_with_environments_compares_with_the_observed_run():
    trace = pacslab_trace()
    assert trace.kind == "arrival-csv"
    assert trace.observed is not None
    # The observed side is AWS's own: 59 cold flags, 60 environment ids (data notes).
    assert trace.observed.summary["cold_starts"] == 59
    assert trace.observed.summary["environments"] == 60
    policy = Policy(keep_alive_s=640.0, max_lifetime_s=None, prewarmed=1, init_ms=0.0)
    whatif = simulate_trace(trace, policy)
    rows = by_metric(whatif.comparison)
    assert rows["cold_starts"]["observed"] == 59
    assert rows["cold_starts"]["simulated"] == 59
    assert rows["environments"]["simulated"] == 60
    assert rows["invocations"]["simulated"] == 186
    assert "cost_usd" not in rows  # not priced
    # At a 10-minute keep-alive the simulation makes 64 (data notes, replay T = 600 s).
    rows = by_metric(simulate_trace(trace, replace(policy, keep_alive_s=600.0)).comparison)
    assert rows["cold_starts"]["simulated"] == 64
    assert rows["environments"]["simulated"] == 65


def test_arrival_csv_without_environments_has_no_observed_side(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("start,duration_ms\n1000,100\n1000.05,100\n1500,100\n")
    trace = load_trace([str(path)])
    assert trace.observed is None
    assert trace.arrivals.stats.warnings  # memory size unknown: priced at 128 MB
    policy, notes = build_policy(trace.arrivals)
    assert policy.init_ms == DEFAULT_INIT_MS
    assert any("500 ms" in n for n in notes)
    whatif = simulate_trace(trace, policy)
    rows = by_metric(whatif.comparison)
    assert rows["cold_starts"]["observed"] is None
    # 1000 s and 1000.05 s overlap (two cold starts, 500 ms init each); 1500 s reuses one
    # (idle about 499 s, under the 640 s keep-alive).
    assert rows["cold_starts"]["simulated"] == 2
    assert rows["init_wait_s"]["simulated"] == pytest.approx(1.0)


def test_simulate_default_says_what_it_did(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("start,duration_ms\n1000,100\n")
    whatif, notes = simulate_default([str(path)])
    assert "simulated with the default policy" in notes[0]
    assert whatif.policy.keep_alive_s == DEFAULT_KEEP_ALIVE_S
    assert whatif.analysis.summary["cold_starts"] == 1


def test_logs_are_replayed_with_their_observed_inits():
    trace = load_trace([ORDERS], function="orders")
    assert trace.kind == "logs"
    assert trace.observed is not None
    # examples/README.md: 28 invocations; Init Durations 398.17, 412.63 and 433.09 ms.
    assert len(trace.arrivals) == 28
    assert sorted(trace.arrivals.init_samples_ms.tolist()) == [398.17, 412.63, 433.09]
    policy, _ = build_policy(trace.arrivals)
    assert isinstance(policy.init_ms, Samples)  # drawn per function and version
    assert sorted(policy.init_ms) == [398.17, 412.63, 433.09]
    whatif = simulate_trace(trace, policy)
    sim = whatif.analysis.invocations
    assert set(sim["init_duration_ms"].dropna()) <= {398.17, 412.63, 433.09}
    assert by_metric(whatif.comparison)["invocations"]["observed"] == 28
    info = describe_policy(policy)
    assert info["init"]["sampled_from"] == 3
    assert info["keep_alive_s"] == 640.0
    assert "pacslab" in info["keep_alive_source"]


def test_mixing_arrival_csvs_and_logs_is_refused(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("start,duration_ms\n1000,100\n")
    with pytest.raises(InputError, match="not both"):
        load_trace([str(path), ORDERS])


def test_sweep_keep_alive_matches_the_reference_replays():
    trace = pacslab_trace()
    base = Policy(max_lifetime_s=None, prewarmed=1, init_ms=0.0)
    rows = sweep_trace(trace, base, "keep_alive_s", [600.0, 640.0])
    # Data notes, res-01-2020-05-28: replay T = 600 s predicts 64 cold starts, 640 s 59.
    assert [r["cold_starts"] for r in rows] == [64, 59]
    assert [r["environments"] for r in rows] == [65, 60]
    assert all("cost_usd" not in r for r in rows)
    with pytest.raises(InputError):
        sweep_trace(trace, base, "colour", [1])


def test_sweep_provisioned_prices_the_allocation():
    trace = pacslab_trace()
    pricing = Pricing(BillingOptions(), load_table())
    base = Policy(max_lifetime_s=None, prewarmed=0, init_ms=0.0)
    rows = sweep_trace(trace, base, "provisioned", [0, 1, 2], pricing)
    # One request at a time in this trace: one provisioned environment removes every cold start.
    assert [r["cold_starts"] for r in rows] == [60, 0, 0]
    assert rows[0]["provisioned_allocation_usd"] is None
    # Window: first start to last end of the trace, rounded up to 5 minutes (§6.3).
    frame = pd.read_csv(PACSLAB_0528)
    window_s = (frame["end_time"].max() - frame["start_time"].min()) / 1000.0
    billed_s = math.ceil(window_s / 300.0) * 300.0
    one = 1 * (128 / 1024) * billed_s * PC_ALLOCATION_PER_GB_S
    assert rows[1]["provisioned_allocation_usd"] == pytest.approx(one, rel=1e-6)
    assert rows[2]["provisioned_allocation_usd"] == pytest.approx(2 * one, rel=1e-6)
    assert rows[0]["cost_usd"] < rows[1]["cost_usd"] < rows[2]["cost_usd"]


def test_build_policy_notes_only_what_applies():
    trace = load_trace([ORDERS], function="orders")
    samples = [398.17, 412.63, 433.09]  # examples/README.md
    policy, notes = build_policy(trace.arrivals)
    assert sorted(policy.init_ms) == samples
    # the log's one proactive start is not modelled: that applies, and is noted
    assert notes == ["init durations sampled from the 3 observed in the input",
                     "the input has 1 proactive init (an environment Lambda initialized ahead "
                     "of demand): not modelled, a simulated request finding no idle "
                     "environment is a cold start, so it may become a cold start"]
    notes_proactive = notes[1:]
    # The user's init: no note about where init comes from.
    policy, notes = build_policy(trace.arrivals, {"init_ms": 250.0, "keep_alive_s": 60.0})
    assert policy.init_ms == 250.0
    assert policy.keep_alive_s == 60.0
    assert notes == notes_proactive  # the proactive start stays unmodelled whatever the init
    policy, notes = build_policy(trace.arrivals, {"init_ms": OBSERVED})
    assert sorted(policy.init_ms) == samples
    assert notes == notes_proactive
    # max_lifetime_s None is "no limit", not "not given".
    policy, _ = build_policy(trace.arrivals, {"max_lifetime_s": None})
    assert policy.max_lifetime_s is None


def test_build_policy_refuses_what_it_cannot_build(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("start,duration_ms\n1000,100\n")
    arrivals = load_trace([str(path)]).arrivals
    with pytest.raises(InputError, match="--init-ms observed: the input has no such"):
        build_policy(arrivals, {"init_ms": OBSERVED})
    with pytest.raises(InputError, match="--snapstart needs restore durations"):
        build_policy(arrivals, {"snapstart": True})
    with pytest.raises(InputError, match="--restore-ms observed"):
        build_policy(arrivals, {"snapstart": True, "restore_ms": OBSERVED})
    with pytest.raises(InputError, match="colour"):
        build_policy(arrivals, {"colour": 1})
    with pytest.raises(InputError, match="keep-alive"):
        build_policy(arrivals, {"keep_alive_s": -1.0})
    policy, _ = build_policy(arrivals, {"snapstart": True, "restore_ms": 80.0})
    assert policy.snapstart and policy.restore_ms == 80.0


def test_sweep_rows_count_by_hand(tmp_path):
    # Arrivals at 0, 60, 180, 360, 600 and 900 s (idle gaps of 1..5 minutes), 0 ms handlers,
    # 100 ms init. Keep-alive 90 s: the 1-minute gap is warm, the four others expire, so
    # 5 cold starts in 5 environments, 0.5 s waited; 200 s: the 4- and 5-minute gaps
    # expire (3 cold); 400 s: only the first is cold.
    path = tmp_path / "calls.csv"
    path.write_text("start,duration_ms\n" + "".join(
        f"{t},0\n" for t in (0, 60, 180, 360, 600, 900)))
    trace = load_trace([str(path)], memory_mb=128.0)
    rows = sweep_trace(trace, Policy(init_ms=100.0), "keep_alive_s", [90.0, 200.0, 400.0])
    assert [r["value"] for r in rows] == [90.0, 200.0, 400.0]
    assert [r["cold_starts"] for r in rows] == [5, 3, 1]
    assert [r["environments"] for r in rows] == [5, 3, 1]
    first = rows[0]
    assert first["parameter"] == "keep_alive_s"
    assert first["invocations"] == 6
    assert first["cold_start_rate"] == pytest.approx(5 / 6)
    assert first["added_latency_max_ms"] == 100.0
    assert first["init_wait_s"] == pytest.approx(0.5)
    assert rows[2]["init_wait_s"] == pytest.approx(0.1)
    # The row's columns, in order: the JSON and CSV reports show them as they are.
    assert list(first) == ["parameter", "value", "invocations", "environments", "cold_starts",
                           "cold_start_rate", "added_latency_p99_ms", "added_latency_max_ms",
                           "init_wait_s"]


def test_a_missing_price_leaves_neither_side_priced():
    # The input's Region is not in the table: whether or not the user chose the table, the
    # run goes on without cost (the price is missing, not the user's option wrong).
    trace = load_trace([UNKNOWN_REGION])
    assert trace.observed is not None
    policy, _ = build_policy(trace.arrivals)
    pricing = Pricing(BillingOptions(), load_table())
    strict = simulate_trace(trace, policy, pricing, strict=True)
    assert strict.cost_problem is not None and "xx-nowhere-1" in strict.cost_problem
    whatif = simulate_trace(trace, policy, pricing, strict=False)
    assert whatif.cost_problem is not None and "xx-nowhere-1" in whatif.cost_problem
    assert "cost" not in whatif.analysis.summary
    assert whatif.observed is not None and "cost" not in whatif.observed.summary
    assert "cost_usd" not in by_metric(whatif.comparison)
    # A Region the table knows: both sides priced, no problem.
    priced = simulate_trace(pacslab_trace(), Policy(init_ms=0.0), pricing, strict=False)
    assert priced.cost_problem is None
    rows = by_metric(priced.comparison)
    assert rows["cost_usd"]["observed"] > 0 and rows["cost_usd"]["simulated"] > 0


def test_a_sweep_row_waits_as_long_as_the_same_single_run():
    # the trial saw 2.39 s in the run's comparison and 4.017 s in the sweep row of the same
    # policy: the row counted re-inits, the comparison (as the logs allow) does not
    from lamlife.lifecycle.simulate.whatif import simulate_trace

    trace = load_trace([str(ORDERS)], function="orders")
    policy, _ = build_policy(trace.arrivals)
    single = simulate_trace(trace, policy)
    wait = {row["metric"]: row for row in single.comparison}["init_wait_s"]["simulated"]
    (row,) = sweep_trace(trace, policy, "keep_alive_s", [policy.keep_alive_s])
    assert row["init_wait_s"] == pytest.approx(wait)
    assert row["cold_starts"] == single.analysis.summary["cold_starts"]


def test_a_reset_after_out_of_memory_is_named_as_analyze_names_it():
    # the example's environment runs out of memory and re-inits: analyze counts it under
    # after_out_of_memory, and so must the simulation of the same traffic
    from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths
    from lamlife.lifecycle.simulate.whatif import simulate_trace

    observed = analyze_paths([ORDERS], AnalyzeOptions(function="orders"))
    trace = load_trace([ORDERS], function="orders")
    policy, _ = build_policy(trace.arrivals)
    simulated = simulate_trace(trace, policy).analysis
    assert observed.summary["reinit_causes"]["after_out_of_memory"] == 1
    assert simulated.summary["reinit_causes"] == observed.summary["reinit_causes"]


def _arrivals(init: list[float], restore: list[float]) -> Arrivals:
    return Arrivals(start_ms=np.array([0.0, 1000.0]), duration_ms=np.array([10.0, 10.0]),
                    function=np.array(["f", "f"]), version=np.array(["1", "1"]),
                    init_samples_ms=np.array(init), restore_samples_ms=np.array(restore))


def test_an_input_of_snapstart_restores_is_simulated_with_snapstart() -> None:
    # a SnapStart function's log has Restore Durations and no Init Duration: its new
    # environments restored, so the default policy restores (it assumed 500 ms inits before)
    policy, notes = build_policy(_arrivals([], [300.0]), {})
    assert policy.snapstart and tuple(policy.restore_ms) == (300.0,)
    assert any("cold starts are SnapStart restores" in note for note in notes)
    # with SnapStart new environments and re-inits take restore samples (scheduler.simulate):
    # no init is drawn, so none is said to be assumed
    assert not any("assumed" in note for note in notes)
    told, told_notes = build_policy(_arrivals([], [300.0]), {"snapstart": False})
    assert not told.snapstart
    assert not any("SnapStart" in note for note in told_notes)
    # inits and restores both: inits stay the default, a note says how to restore
    mixed, mixed_notes = build_policy(_arrivals([400.0], [300.0]), {})
    assert not mixed.snapstart
    assert any("has 1 SnapStart restore besides its inits" in note for note in mixed_notes)


def test_a_restore_duration_without_snapstart_is_noted_as_ignored() -> None:
    # --restore-ms without SnapStart changed nothing and said nothing
    for overrides in ({"restore_ms": 200.0}, {"snapstart": False, "restore_ms": 200.0}):
        policy, notes = build_policy(_arrivals([400.0], []), overrides)
        assert not policy.snapstart
        assert any(note.startswith("--restore-ms ignored") for note in notes), overrides
    # with SnapStart (told, or the input's restores) it is used and nothing is noted
    for arrivals, overrides in ((_arrivals([400.0], []), {"snapstart": True, "restore_ms": 200.0}),
                                (_arrivals([], [300.0]), {"restore_ms": 200.0})):
        policy, notes = build_policy(arrivals, overrides)
        assert policy.snapstart and policy.restore_ms == 200.0
        assert not any("--restore-ms" in note for note in notes)
