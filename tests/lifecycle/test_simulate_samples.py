"""The simulator draws each new environment's init (and restore) from its own function's
observed ones: never another function's, never a provisioned-concurrency init that no caller
waited for; and a simulated SnapStart restore carries the Billed Restore Duration logged
with it.

The four-function log below is written out by hand (times in seconds after 10:00:00 UTC on
2026-09-01). Its cold starts, and what an unchanged policy must reproduce:

- checkout-api (512 MB): A and B cold at 0.000 and 0.100 s (Init 380 and 395 ms; B arrives
  while A is in INIT); warm at 0.9, 2, 3 s (B); a burst at 30.000/.010/.020 s takes B, A and
  a new C (Init 402 ms); warm at 31.5 s (C); idle 968 s; D and E cold at 1000.000 and
  1000.050 s (Init 390 and 385 ms); warm at 1001 s (E). 5 cold starts, 1,952 ms waited.
  The request at 0.9 s finds A (ended 0.500 s) and B (ended 0.645 s) idle, and the one at
  1001 s finds D (1000.590) and E (1000.635) idle, with any init of 380-405 ms. With a
  1,200 ms init A would be busy until 1.32 s and D until 1001.4 s: two more cold starts.
- inventory (256 MB): F cold at 5 s (Init 560 ms), warm at 10 and 20 s; G cold at 1200 s
  after 1180 s idle (Init 555 ms), warm at 1205 s. 2 cold starts, 1,115 ms waited.
- emailer (128 MB): K cold at 40 s (Init 210 ms), warm at 100 s. 1 cold start, 210 ms.
- pricing (1024 MB): provisioned concurrency. H initialized at -300 s (INIT_REPORT Init
  Duration 1200.00 ms, printed on success only for provisioned concurrency and SnapStart,
  docs lambda-runtime-environment.html); provisioned at 50 s, warm at 60 s. No cold start.

Observed: 8 cold starts, 3.277 s waited.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lamlife.lifecycle.pipeline import load_trace
from lamlife.lifecycle.simulate.scheduler import DEFAULT_INIT_MS, Policy, Samples
from lamlife.lifecycle.simulate.whatif import build_policy, simulate_trace

T0 = datetime(2026, 9, 1, 10, 0, 0, tzinfo=UTC)
RUNTIME = ("INIT_START Runtime Version: nodejs:22.mainline.v122\tRuntime Version ARN: "
           "arn:aws:lambda:us-east-1::runtime:7cf8639326f39ee3c19b839ad3d39aed6eff62eb")

# (arrival s, Init Duration ms or None when warm, Duration ms, request id) per environment
CHECKOUT = {
    "a" * 32: [(0.000, 380.0, 120.0, "c01"), (30.010, None, 500.0, "c07")],
    "b" * 32: [(0.100, 395.0, 150.0, "c02"), (0.900, None, 60.0, "c03"),
               (2.000, None, 50.0, "c04"), (3.000, None, 50.0, "c05"),
               (30.000, None, 500.0, "c06")],
    "c" * 32: [(30.020, 402.0, 500.0, "c08"), (31.500, None, 40.0, "c09")],
    "d" * 32: [(1000.000, 390.0, 200.0, "c10")],
    "e" * 32: [(1000.050, 385.0, 200.0, "c11"), (1001.000, None, 30.0, "c12")],
}
INVENTORY = {
    "f" * 32: [(5.0, 560.0, 80.0, "i1"), (10.0, None, 70.0, "i2"), (20.0, None, 70.0, "i3")],
    "1" * 32: [(1200.0, 555.0, 90.0, "i4"), (1205.0, None, 60.0, "i5")],
}
EMAILER = {"2" * 32: [(40.0, 210.0, 300.0, "e1"), (100.0, None, 250.0, "e2")]}
PRICING = {"3" * 32: [(50.0, None, 40.0, "p1"), (60.0, None, 30.0, "p2")]}
PC_INIT_AT_S, PC_INIT_MS = -300.0, 1200.0

CHECKOUT_INITS = [380.0, 395.0, 402.0, 390.0, 385.0]
INVENTORY_INITS = [560.0, 555.0]


def _stamp(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat(timespec="microseconds")


def _environment(function: str, hexid: str, requests: list, memory: int,
                 pc_init_ms: float | None = None, pc_init_at_s: float = PC_INIT_AT_S
                 ) -> list[tuple[float, str, str]]:
    stream = f"2026/09/01/{function}[$LATEST]{hexid}"
    lines: list[tuple[float, str]] = []
    if pc_init_ms is not None:
        lines.append((pc_init_at_s, RUNTIME))
        lines.append((pc_init_at_s + pc_init_ms / 1000, f"INIT_REPORT Init Duration: "
                                                        f"{pc_init_ms:.2f} ms"))
    for arrival, init, duration, rid in requests:
        start = arrival
        if init is not None:
            lines.append((arrival, RUNTIME))
            start = arrival + init / 1000
        end = start + duration / 1000
        billed = math.ceil(duration + (init or 0.0))  # init billed (from 2025-08-01)
        init_part = f"\tInit Duration: {init:.2f} ms" if init is not None else ""
        lines += [(start, f"START RequestId: {rid} Version: $LATEST"),
                  (end, f"END RequestId: {rid}"),
                  (end, f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\tBilled "
                        f"Duration: {billed} ms\tMemory Size: {memory} MB\tMax Memory Used: "
                        f"90 MB{init_part}\t")]
    return [(t, stream, message) for t, message in lines]


def four_functions_log(path: Path) -> str:
    lines = []
    for function, envs, memory in (("checkout-api", CHECKOUT, 512),
                                   ("inventory", INVENTORY, 256), ("emailer", EMAILER, 128)):
        for hexid, requests in envs.items():
            lines += _environment(function, hexid, requests, memory)
    for hexid, requests in PRICING.items():
        lines += _environment("pricing", hexid, requests, 1024, pc_init_ms=PC_INIT_MS)
    lines.sort(key=lambda line: line[0])
    path.write_text("".join(f"{_stamp(t)} {stream} {message}\n"
                            for t, stream, message in lines))
    return str(path)


def by_metric(rows: list[dict]) -> dict[str, dict]:
    return {r["metric"]: r for r in rows}


@pytest.fixture
def four_functions(tmp_path: Path) -> str:
    return four_functions_log(tmp_path / "four-functions.log")


def test_the_observed_run_is_as_worked_out(four_functions: str) -> None:
    trace = load_trace([four_functions])
    assert trace.observed is not None
    summary = trace.observed.summary
    assert summary["cold_starts"] == 8
    assert summary["start_types"]["provisioned"] == 1
    rows = by_metric(simulate_trace(trace, build_policy(trace.arrivals)[0]).comparison)
    assert rows["init_wait_s"]["observed"] == pytest.approx(3.277)


def test_init_samples_are_per_function_and_leave_provisioned_inits_out(
        four_functions: str) -> None:
    trace = load_trace([four_functions])
    arrivals = trace.arrivals
    # the provisioned init (1,200 ms, no caller waited) is no on-demand sample
    assert sorted(arrivals.init_samples_ms.tolist()) == sorted(
        CHECKOUT_INITS + INVENTORY_INITS + [210.0])
    assert arrivals.provisioned_inits == 1
    policy, notes = build_policy(arrivals)
    assert isinstance(policy.init_ms, Samples)
    assert "each function from its own" in notes[0]
    # pricing has no on-demand init: its new environments draw from its own provisioned
    # init (the same code; never another function's), said
    assert "left out" not in notes[0]
    assert any(note.startswith("no on-demand init of pricing in the input: its new "
                               "environments' inits drawn from its own 1 provisioned")
               for note in notes)
    for seed in range(5):
        sim = simulate_trace(trace, Policy(**{**policy.__dict__, "seed": seed})
                             ).analysis.invocations
        cold = sim[sim["start_type"] == "cold"]
        inits = dict(cold.groupby("function")["init_duration_ms"].apply(set))
        assert inits["checkout-api"] <= set(CHECKOUT_INITS), seed
        assert inits["inventory"] <= set(INVENTORY_INITS), seed
        assert inits["emailer"] == {210.0}, seed
        assert inits.get("pricing", {PC_INIT_MS}) == {PC_INIT_MS}, seed


def test_an_unchanged_policy_reproduces_the_functions_that_ran_on_demand(
        four_functions: str) -> None:
    trace = load_trace([four_functions])
    policy, _ = build_policy(trace.arrivals)
    for seed in range(5):
        sim = simulate_trace(trace, Policy(**{**policy.__dict__, "seed": seed})
                             ).analysis.invocations
        for function, cold, waited in (("checkout-api", 5, 1.952), ("inventory", 2, 1.115),
                                       ("emailer", 1, 0.210)):
            rows = sim[(sim["function"] == function) & (sim["start_type"] == "cold")]
            assert len(rows) == cold, (function, seed)
            # each init drawn from the function's own 380-405 (555-560) ms: within 3 %
            assert rows["init_duration_ms"].sum() / 1000 == pytest.approx(waited, rel=0.03)


def test_an_unchanged_policy_reproduces_the_observed_run(four_functions: str) -> None:
    # Every function keeps what the input showed: its own inits, and pricing its one
    # provisioned environment. Cold starts and environments are the observed ones; the time
    # waited differs only by the draws among each function's own inits (380-405 ms etc.):
    # within 2 % of the observed 3.277 s. Pooled, the trial saw 10 -> 11 cold starts and
    # 3.35 -> 5.20 s; here pooling drew inventory's 1,200 ms (pricing's provisioned init)
    # and checkout-api's 560 ms and 210 ms.
    trace = load_trace([four_functions])
    policy, notes = build_policy(trace.arrivals)
    assert policy.provisioned_by_group == (("pricing", "$LATEST", 1),)
    assert any(note.startswith("provisioned-concurrency environments as in the input "
                               "(pricing: 1)") for note in notes)
    for seed in range(5):
        rows = by_metric(simulate_trace(trace, Policy(**{**policy.__dict__, "seed": seed})
                                        ).comparison)
        for metric in ("invocations", "environments", "cold_starts"):
            assert rows[metric]["simulated"] == rows[metric]["observed"], (metric, seed)
        assert rows["init_wait_s"]["simulated"] == pytest.approx(3.277, rel=0.02), seed


def test_provisioned_told_is_every_functions(four_functions: str) -> None:
    # --provisioned 0: no function has provisioned environments, so pricing's first request
    # (50 s) is a cold start; its second (60 s) is warm
    trace = load_trace([four_functions])
    policy, notes = build_policy(trace.arrivals, {"provisioned": 0})
    assert policy.provisioned_by_group == ()
    assert not any("as in the input" in note for note in notes)
    rows = by_metric(simulate_trace(trace, policy).comparison)
    assert (rows["cold_starts"]["observed"], rows["cold_starts"]["simulated"]) == (8, 9)
    # a sweep of --provisioned sets every function's level, the input's own included. At 1
    # per function, inventory, emailer and pricing (one request at a time) start nothing;
    # checkout-api's provisioned environment P takes 0.0 s, so 0.1 s is cold (P busy),
    # 30.020 s is cold (P and the first on-demand one busy with 30.000 and 30.010), and
    # 1000.050 s is cold (P busy with 1000.000, the on-demand ones idle for over 640 s): 3
    from lamlife.lifecycle.simulate.whatif import sweep_trace

    kept, _ = build_policy(trace.arrivals)
    swept = sweep_trace(trace, kept, "provisioned", [0, 1])
    assert [r["cold_starts"] for r in swept] == [9, 3]


def test_the_policy_says_which_functions_kept_their_provisioned_environments(
        four_functions: str) -> None:
    from typer.testing import CliRunner

    import lamlife.cli.main  # noqa: F401  (registers the commands)
    from lamlife.cli.app import app

    result = CliRunner().invoke(app, ["simulate", four_functions, "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    simulation = json.loads(result.stdout)["simulation"]
    assert simulation["policy"]["provisioned_from_input"] == {"pricing": 1}
    assert simulation["policy"]["init"]["per_function"] is True
    rows = {r["metric"]: r for r in simulation["comparison"]}
    assert rows["cold_starts"]["simulated"] == rows["cold_starts"]["observed"] == 8
    markdown = CliRunner().invoke(app, ["simulate", four_functions, "--format", "markdown"])
    assert "| Provisioned | pricing 1 (as in the input); others 0 |" in markdown.stdout
    # 8 on-demand inits, and pricing's provisioned one for pricing alone
    assert "| Init | sampled from 9 observed values, each function its own (p50 " \
        in markdown.stdout


# ------------------------------------------------------------------ SnapStart restores

JAVA_ORDERS = Path(__file__).resolve().parents[2] / "tests/data/readers/sam/java-orders.log"
RESTORE_START = ("RESTORE_START Runtime Version: java:21.v38\tRuntime Version ARN: "
                 "arn:aws:lambda:us-east-1::runtime:b8b295733fb8ae6769e0fb039181ce76e1f54a4d")


def _snapstart_environment(function: str, hexid: str, restore_ms: float,
                           billed_restore_ms: int | None, requests: list[tuple[float, float]]
                           ) -> list[tuple[float, str, str]]:
    """A restored Java environment: RESTORE_START at the first arrival, its REPORT with
    Restore Duration (and Billed Restore Duration when given); Billed Duration =
    ceil(Duration + Billed Restore Duration) (docs snapstart-monitoring.html)."""
    stream = f"2026/09/01/{function}[3]{hexid}"
    first = requests[0][0]
    lines: list[tuple[float, str]] = [(first, RESTORE_START),
                                      (first + restore_ms / 1000,
                                       f"RESTORE_REPORT Restore Duration: {restore_ms:.2f} ms")]
    start = first + restore_ms / 1000
    for k, (arrival, duration) in enumerate(requests):
        start = start if k == 0 else arrival
        end = start + duration / 1000
        rid = f"{function}-{hexid[:4]}-{k}"
        report = (f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\tBilled Duration: "
                  f"{{billed}} ms\tMemory Size: 2048 MB\tMax Memory Used: 180 MB")
        if k == 0:
            part = billed_restore_ms if billed_restore_ms is not None else restore_ms
            report = report.format(billed=math.ceil(duration + part)) + \
                f"\tRestore Duration: {restore_ms:.2f} ms"
            if billed_restore_ms is not None:
                report += f"\tBilled Restore Duration: {billed_restore_ms} ms"
        else:
            report = report.format(billed=math.ceil(duration))
        lines += [(start, f"START RequestId: {rid} Version: 3"), (end, f"END RequestId: {rid}"),
                  (end, report + "\t")]
    return [(t, stream, message) for t, message in lines]


def snapstart_log(path: Path) -> str:
    # quotes: two restores of 250 ms Restore Duration, 104 ms billed (the trial's figures);
    # ledger: restores of 600 ms (300 billed) and 610 ms whose REPORT has no Billed Restore
    # Duration. Each environment serves a burst then idles; nothing overlaps across them.
    lines = (_snapstart_environment("quotes", "a" * 32, 250.0, 104, [(0.0, 80.0), (5.0, 40.0)])
             + _snapstart_environment("quotes", "b" * 32, 250.0, 104,
                                      [(2000.0, 90.0), (2005.0, 30.0)])
             + _snapstart_environment("ledger", "c" * 32, 600.0, 300, [(10.0, 200.0)])
             + _snapstart_environment("ledger", "d" * 32, 610.0, None, [(3000.0, 150.0)]))
    lines.sort(key=lambda line: line[0])
    path.write_text("".join(f"{_stamp(t)} {stream} {message}\n"
                            for t, stream, message in lines))
    return str(path)


def test_an_unchanged_snapstart_log_costs_what_it_cost() -> None:
    # The example log's restore: Restore Duration 398.97 ms, Billed Restore Duration 182 ms
    # (Billed Duration 2521 = ceil(2338.66 + 182)). The simulated restore is the observed
    # one and is billed as the log billed it: the same cost on both sides. Billing the
    # Restore Duration instead cost +8 % here (ceil(2338.66 + 398.97) = 2738 ms).
    trace = load_trace([str(JAVA_ORDERS)])
    policy, notes = build_policy(trace.arrivals)
    assert policy.snapstart
    assert not any("Billed Restore Duration" in note for note in notes)
    from lamlife.lifecycle.billing.prices import load_table
    from lamlife.lifecycle.billing.rules import BillingOptions
    from lamlife.lifecycle.simulate.whatif import Pricing

    whatif = simulate_trace(trace, policy, Pricing(BillingOptions(), load_table()))
    rows = by_metric(whatif.comparison)
    assert rows["cost_usd"]["simulated"] == pytest.approx(rows["cost_usd"]["observed"],
                                                          rel=1e-12)
    assert rows["init_cost_usd"]["simulated"] == pytest.approx(
        rows["init_cost_usd"]["observed"], rel=1e-12)
    restored = whatif.analysis.invocations.query("start_type == 'restore'")
    assert restored["billed_restore_duration_ms"].tolist() == [182.0]
    assert restored["priced_billed_ms"].tolist() == [2521.0]  # as the log's Billed Duration


def test_restores_are_drawn_per_function_with_their_billed_part(tmp_path: Path) -> None:
    trace = load_trace([snapstart_log(tmp_path / "snap.log")])
    assert trace.observed is not None
    policy, notes = build_policy(trace.arrivals)
    assert policy.snapstart and isinstance(policy.restore_ms, Samples)
    # the one restore the log gives no billed part for is said, with what billing does then
    assert any(note.startswith("1 of the 4 observed restores have no Billed Restore Duration")
               and "upper bound" in note for note in notes)
    from lamlife.lifecycle.billing.prices import load_table
    from lamlife.lifecycle.billing.rules import BillingOptions
    from lamlife.lifecycle.simulate.whatif import Pricing

    observed = trace.observed.invocations
    for seed in range(4):
        whatif = simulate_trace(trace, Policy(**{**policy.__dict__, "seed": seed}),
                                Pricing(BillingOptions(), load_table()))
        sim = whatif.analysis.invocations
        restored = sim[sim["start_type"] == "restore"]
        pairs = set(zip(restored["function"], restored["restore_duration_ms"],
                        restored["billed_restore_duration_ms"].fillna(-1.0), strict=True))
        assert pairs <= {("quotes", 250.0, 104.0), ("ledger", 600.0, 300.0),
                         ("ledger", 610.0, -1.0)}, seed
        assert len(restored[restored["function"] == "quotes"]) == 2
        # quotes' simulated invocations are billed exactly as the log billed them
        billed = sim[sim["function"] == "quotes"]["priced_billed_ms"].sort_values().tolist()
        assert billed == observed[observed["function"] == "quotes"][
            "billed_duration_ms"].sort_values().tolist(), seed


def test_an_arrival_csv_gives_each_function_and_version_its_own_inits(tmp_path: Path) -> None:
    # fast: inits of 100 and 110 ms; slow version 1: 900 ms, slow version 2: 1,500 ms. The
    # requests of a function are 700 s apart, past the 640 s keep-alive, so each is a cold
    # start with an init of its own function and version. "other" has no init: the 500 ms
    # default, and a note. Pooled, slow's 1,500 ms could have been drawn for fast.
    rows = ["start,duration_ms,function,version,init_duration_ms,restore_duration_ms,"
            "billed_restore_duration_ms"]
    for k in range(6):
        t = 1_000_000 + 700 * k
        rows.append(f"{t},20,fast,1,{100 if k % 2 else 110},,")
        rows.append(f"{t + 1},20,slow,{1 if k < 3 else 2},{900 if k < 3 else 1500},,")
        rows.append(f"{t + 2},20,other,1,,,")
    path = tmp_path / "calls.csv"
    path.write_text("\n".join(rows) + "\n")
    trace = load_trace([str(path)], memory_mb=128.0)
    policy, notes = build_policy(trace.arrivals)
    assert any(note.startswith("no on-demand init of other in the input") for note in notes)
    sim = simulate_trace(trace, policy).analysis.invocations
    cold = sim[sim["start_type"] == "cold"]
    assert len(cold) == 18
    by_group = cold.groupby(["function", "version"])["init_duration_ms"].apply(set).to_dict()
    assert by_group[("fast", "1")] <= {100.0, 110.0}
    assert by_group[("slow", "1")] == {900.0}
    assert by_group[("slow", "2")] == {1500.0}
    assert by_group[("other", "1")] == {DEFAULT_INIT_MS}


def test_the_api_keeps_the_inputs_provisioned_environments_unless_told(
        four_functions: str) -> None:
    import lamlife

    kept = lamlife.simulate(four_functions, price=False)
    assert kept.policy["provisioned_from_input"] == {"pricing": 1}
    assert kept.summary["cold_starts"] == 8
    told = lamlife.simulate(four_functions, provisioned=0, price=False)
    assert told.policy["provisioned_from_input"] == {}
    assert told.summary["cold_starts"] == 9  # pricing's first request, at 50 s


def recycled_provisioned_log(path: Path) -> str:
    """pricing on provisioned concurrency 1, its environment recycled twice: H1 (initialized
    at -300 s) serves 50 and 60 s; H2 (initialized at 7000 s) 7300 s; H3 (14000 s) 14400 s.
    At 7300.1 s a second request finds H2 busy (400 ms) and starts an on-demand environment
    (Init 450 ms): 1 cold start. Three provisioned environments over the input, never more
    than one at a time."""
    lines: list[tuple[float, str, str]] = []
    for k, (init_at, requests) in enumerate((
            (-300.0, [(50.0, None, 40.0, "p1"), (60.0, None, 30.0, "p2")]),
            (7000.0, [(7300.0, None, 400.0, "p3")]),
            (14000.0, [(14400.0, None, 40.0, "p4")]))):
        lines += _environment("pricing", str(k + 3) * 32, requests, 1024,
                              pc_init_ms=PC_INIT_MS, pc_init_at_s=init_at)
    lines += _environment("pricing", "9" * 32, [(7300.1, 450.0, 40.0, "p5")], 1024)
    lines.sort(key=lambda line: line[0])
    path.write_text("".join(f"{_stamp(t)} {stream} {message}\n"
                            for t, stream, message in lines))
    return str(path)


def test_recycled_provisioned_environments_count_once(tmp_path: Path) -> None:
    trace = load_trace([recycled_provisioned_log(tmp_path / "pricing.log")])
    assert trace.observed is not None
    assert trace.observed.summary["start_types"]["provisioned"] == 3
    assert trace.observed.summary["cold_starts"] == 1
    policy, notes = build_policy(trace.arrivals)
    # one provisioned environment alive at a time: the level configured, not the three seen
    assert policy.provisioned_by_group == (("pricing", "$LATEST", 1),)
    rows = by_metric(simulate_trace(trace, policy).comparison)
    assert rows["cold_starts"]["simulated"] == rows["cold_starts"]["observed"] == 1
