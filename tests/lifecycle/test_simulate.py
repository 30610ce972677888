"""Hand-worked tests of the simulated driver (lamlife.lifecycle.simulate.scheduler).

Every expected value below was worked out by hand from the rules in the module docstring:
busy from arrival to arrival + init + duration, idle strictly after, keep-alive measured from
the end of the last invocation, MRU routing, maximum lifetime from creation.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.schema import INVOCATION_COLUMNS
from lamlife.lifecycle.simulate.scheduler import (
    Policy,
    ms_to_timestamps,
    run_summary,
    simulate,
)

T0 = 1_600_000_000_000.0  # epoch ms, 2020-09-13


def run(starts, durations, **kw):
    """Simulate arrivals given relative to T0 (ms); return rows in arrival order."""
    policy_kw = {k: kw.pop(k) for k in list(kw) if k in Policy.__dataclass_fields__}
    policy_kw.setdefault("init_ms", 0.0)
    policy_kw.setdefault("max_lifetime_s", None)
    ids = [f"r{i}" for i in range(len(starts))]
    result = simulate(
        np.asarray(starts, dtype=float) + T0,
        durations,
        Policy(**policy_kw),
        request_id=ids,
        **kw,
    )
    rows = result.invocations.set_index("request_id").loc[ids].reset_index()
    return result, rows


def ms(ts: pd.Timestamp) -> float:
    return (ts - ms_to_timestamps(np.array([T0]))[0]).total_seconds() * 1000.0


def test_table_has_exactly_the_invocation_columns_and_types():
    result, _ = run([0, 1000], [100, 100], init_ms=50.0)
    inv = result.invocations
    assert tuple(inv.columns) == INVOCATION_COLUMNS
    assert str(inv["start"].dtype) == "datetime64[ns, UTC]"
    assert str(inv["end"].dtype) == "datetime64[ns, UTC]"
    assert inv["billed_duration_ms"].isna().all()  # billing computes it
    assert inv["environment"].tolist() == ["sim-000001", "sim-000001"]
    assert inv["status"].tolist() == ["success", "success"]


def test_cold_then_warm_with_init_before_the_handler():
    # Arrival 0: cold, init 50 -> handler 50..150. Arrival 1000: idle env, warm.
    result, rows = run([0, 1000], [100, 100], init_ms=50.0)
    assert rows["start_type"].tolist() == ["cold", "warm"]
    assert ms(rows["start"][0]) == pytest.approx(50.0, abs=1e-3)
    assert ms(rows["end"][0]) == pytest.approx(150.0, abs=1e-3)
    assert ms(rows["start"][1]) == pytest.approx(1000.0, abs=1e-3)
    assert rows["init_duration_ms"][0] == 50.0
    assert math.isnan(rows["init_duration_ms"][1])
    assert rows["duration_ms"].tolist() == [100.0, 100.0]
    assert rows["reason"][0] == "no environment yet"
    assert rows["reason"][1] == ""
    assert rows["init_type"].tolist() == ["on-demand", "on-demand"]
    assert result.environments_created == 1
    # The caller of the cold start waited for the init; the warm one did not.
    by_id = dict(zip(result.invocations["request_id"], result.added_latency_ms, strict=True))
    assert by_id == {"r0": 50.0, "r1": 0.0}


def test_environment_is_busy_during_init():
    # Cold at 0 with init 500 + duration 100: busy until 600.
    _, rows = run([0, 550, 601], [100, 10, 10], init_ms=500.0)
    assert rows["start_type"].tolist() == ["cold", "cold", "warm"]
    assert rows["environment"][0] != rows["environment"][1]
    assert rows["reason"][1] == "the only environment busy"
    # At 601 the first environment is idle (ended at 600); the second is busy until
    # 550 + 500 + 10 = 1060.
    assert rows["environment"][2] == rows["environment"][0]


def test_busy_interval_is_closed():
    # Invocation 0..100: an arrival at exactly 100 still finds it busy.
    _, rows = run([0, 100], [100, 10])
    assert rows["start_type"].tolist() == ["cold", "cold"]
    _, rows = run([0, 100.5], [100, 10])
    assert rows["start_type"].tolist() == ["cold", "warm"]


def test_keep_alive_counts_idle_time_from_the_end():
    # Ends at 1000; keep-alive 10 s: idle 10 000 ms is not longer than T (warm),
    # 10 001 ms is (cold, expired).
    _, rows = run([0, 11_000], [1000, 0], keep_alive_s=10.0)
    assert rows["start_type"].tolist() == ["cold", "warm"]
    _, rows = run([0, 11_001], [1000, 0], keep_alive_s=10.0)
    assert rows["start_type"].tolist() == ["cold", "cold"]
    assert rows["reason"][1] == "idle environment expired (keep-alive 10 s)"


def test_most_recently_used_idle_environment_serves_the_next_request():
    # A: 0..100, B: 10..200 (both cold). At 300 both are idle; B ended last -> B.
    _, rows = run([0, 10, 300], [100, 190, 10])
    envs = rows["environment"].tolist()
    assert envs[0] != envs[1]
    assert envs[2] == envs[1]
    # LRU would have picked A; with keep-alive 0.15 s A (idle 200 ms) is gone, B (100 ms) not.
    _, rows = run([0, 10, 300], [100, 190, 10], keep_alive_s=0.15)
    assert rows["start_type"].tolist() == ["cold", "cold", "warm"]
    assert rows["environment"][2] == rows["environment"][1]


def test_reason_names_the_busy_environments():
    _, rows = run([0, 1, 2], [100, 100, 100])
    assert rows["reason"].tolist() == [
        "no environment yet",
        "the only environment busy",
        "all 2 environments busy",
    ]


def test_max_lifetime_recycles_an_environment_when_it_becomes_idle():
    # Created at 0, lifetime 1 s; its invocation ends at 1500 (> 1 s old): recycled.
    _, rows = run([0, 1600], [1500, 10], max_lifetime_s=1.0)
    assert rows["start_type"].tolist() == ["cold", "cold"]
    assert rows["reason"][1] == "environment recycled at maximum lifetime (1 s)"
    # An idle environment past its lifetime is not picked either: ends at 100 (young), next
    # arrival at 1200 (1.2 s old).
    result, rows = run([0, 1200], [100, 10], max_lifetime_s=1.0)
    assert rows["start_type"].tolist() == ["cold", "cold"]
    assert result.recycled == 1
    # Younger than the lifetime: reused.
    _, rows = run([0, 900], [100, 10], max_lifetime_s=1.0)
    assert rows["start_type"].tolist() == ["cold", "warm"]


def test_provisioned_environments_serve_first_and_never_expire():
    # 2 PC environments; three overlapping requests: 2 provisioned, 1 on-demand spillover.
    # A day later the PC environments are still there (keep-alive does not apply).
    day = 86_400_000.0
    result, rows = run([0, 10, 20, day], [100, 100, 100, 5], provisioned=2, init_ms=300.0)
    assert rows["start_type"].tolist() == ["provisioned", "provisioned", "cold", "warm"]
    assert rows["init_type"].tolist()[:3] == [
        "provisioned-concurrency",
        "provisioned-concurrency",
        "on-demand",
    ]
    assert rows["environment"][3] in set(rows["environment"][:2])
    # Provisioned rows carry the init done ahead of demand, but the caller did not wait.
    assert rows["init_duration_ms"][0] == 300.0
    assert ms(rows["start"][0]) == pytest.approx(0.0, abs=1e-3)
    assert rows["reason"][0] == "first invocation of a provisioned-concurrency environment"
    # Two PC environments and one on-demand spillover, which expires before the day is over.
    assert result.environments_created == 3
    assert result.expired == 1


def test_provisioned_environment_is_replaced_at_max_lifetime():
    _, rows = run([0, 5000], [10, 10], provisioned=1, max_lifetime_s=1.0)
    assert rows["start_type"].tolist() == ["provisioned", "provisioned"]
    assert rows["environment"][0] != rows["environment"][1]


def test_prewarmed_environment_serves_the_first_request_warm():
    result, rows = run([0, 5, 10_000], [100, 100, 10], prewarmed=1, init_ms=70.0)
    assert rows["start_type"].tolist() == ["warm", "cold", "warm"]
    assert rows["reason"][0] == "environment warm at the start of the trace"
    assert math.isnan(rows["init_duration_ms"][0])
    assert rows["init_duration_ms"][1] == 70.0
    # At 10 000 the MRU idle environment is the cold one (ended at 5 + 70 + 100 = 175).
    assert rows["environment"][2] == rows["environment"][1]
    assert result.environments_created == 2


def test_snapstart_restores_instead_of_init():
    _, rows = run([0, 1000], [100, 100], snapstart=True, restore_ms=40.0, init_ms=900.0)
    assert rows["start_type"].tolist() == ["restore", "warm"]
    assert rows["restore_duration_ms"][0] == 40.0
    assert math.isnan(rows["init_duration_ms"][0])
    assert ms(rows["start"][0]) == pytest.approx(40.0, abs=1e-3)
    assert rows["init_type"].tolist() == ["snap-start", "snap-start"]


def test_snapstart_without_restore_durations_is_an_input_error():
    with pytest.raises(InputError, match="restore"):
        simulate([0.0], [1.0], Policy(snapstart=True))


def test_reset_after_timeout_makes_the_next_invocation_reinit():
    # r0 times out; r1 reuses the environment and pays a suppressed init of 200 ms inside
    # its Duration (handler starts at the arrival); r2 is warm again.
    status = ["timeout", "success", "success"]
    result, rows = run([0, 5000, 10_000], [3000, 100, 100], status=status, init_ms=200.0)
    assert rows["start_type"].tolist() == ["cold", "reinit", "warm"]
    assert rows["environment"].nunique() == 1
    assert rows["duration_ms"].tolist() == [3000.0, 300.0, 100.0]
    assert ms(rows["start"][1]) == pytest.approx(5000.0, abs=1e-3)
    assert ms(rows["end"][1]) == pytest.approx(5300.0, abs=1e-3)
    assert math.isnan(rows["init_duration_ms"][1])
    assert rows["reason"][1] == "reinit: previous invocation timed out"
    assert rows["flags"].tolist() == ["timeout", "", ""]
    by_id = dict(zip(result.invocations["request_id"], result.added_latency_ms, strict=True))
    assert by_id["r1"] == 200.0
    # Without resets the same request is a plain warm start.
    _, rows = run(
        [0, 5000, 10_000], [3000, 100, 100], status=status, init_ms=200.0, reset_on_failure=False
    )
    assert rows["start_type"].tolist() == ["cold", "warm", "warm"]


def test_error_status_and_input_flags():
    _, rows = run(
        [0, 5000],
        [10, 10],
        status=["error", "success"],
        error_type=["Runtime.OutOfMemory", ""],
        flags=["out_of_memory;reset_loop", ""],
    )
    assert rows["start_type"].tolist() == ["cold", "reinit"]
    # an error flagged out_of_memory is named as such (analyze's "after out of memory")
    assert rows["reason"][1] == "reinit: previous invocation ran out of memory"
    assert rows["error_type"][0] == "Runtime.OutOfMemory"
    # reset_loop described the observed environment: dropped; out_of_memory kept.
    assert rows["flags"].tolist() == ["out_of_memory", ""]


def test_unknown_status_and_bad_durations_are_input_errors():
    with pytest.raises(InputError, match="status"):
        simulate([0.0, 1.0], [1.0, 1.0], status=["success", "crashed"])
    with pytest.raises(InputError, match=">= 0"):
        simulate([0.0], [-1.0])
    with pytest.raises(InputError, match="keep-alive"):
        simulate([0.0], [1.0], Policy(keep_alive_s=-1))


def test_functions_and_versions_have_separate_pools_and_rows_are_ordered():
    # f and g alternate, never overlapping: each function still needs its own environment.
    result, rows = run(
        [0, 100, 200, 300, 400],
        [10] * 5,
        function=["g", "f", "g", "f", "f"],
        version=["1", "1", "1", "1", "2"],
    )
    assert rows["start_type"].tolist() == ["cold", "cold", "warm", "warm", "cold"]
    assert rows.groupby(["function", "version"])["environment"].nunique().tolist() == [1, 1, 1]
    inv = result.invocations
    assert inv["function"].tolist() == ["f", "f", "f", "g", "g"]
    ordered = inv.sort_values(["function", "environment", "start"], kind="stable")
    assert ordered.index.tolist() == list(range(len(inv)))


def test_unsorted_input_is_sorted_first():
    _, rows = run([1000, 0], [10, 10])
    assert rows["start_type"].tolist() == ["warm", "cold"]


def test_sampled_init_is_seeded_and_drawn_from_the_samples():
    starts = np.arange(200) * 10.0  # all overlapping: 200 cold starts
    durations = np.full(200, 10_000.0)
    samples = (100.0, 200.0, 300.0)
    a = simulate(starts + T0, durations, Policy(init_ms=samples, seed=3))
    b = simulate(starts + T0, durations, Policy(init_ms=samples, seed=3))
    c = simulate(starts + T0, durations, Policy(init_ms=samples, seed=4))
    inits_a = a.invocations["init_duration_ms"].to_numpy()
    assert set(inits_a.tolist()) == set(samples)
    assert np.array_equal(inits_a, b.invocations["init_duration_ms"].to_numpy())
    assert not np.array_equal(inits_a, c.invocations["init_duration_ms"].to_numpy())


def test_run_summary():
    # Idle gaps of 1, 2, 3, 4 and 5 minutes after a 0 ms invocation, keep-alive 90 s, init
    # 100 ms: the 1-minute gap is warm, the four longer ones expire (4) + the first = 5 cold.
    # (The sweep over keep-alives is in test_whatif.py, on whatif.sweep_trace.)
    gaps_s = [60, 120, 180, 240, 300]
    starts = np.cumsum([0, *gaps_s]) * 1000.0
    result = simulate(starts + T0, np.zeros(6), Policy(init_ms=100.0, keep_alive_s=90.0))
    summary = run_summary(result)
    assert summary["invocations"] == 6
    assert summary["cold_starts"] == 5
    assert summary["environments"] == 5
    assert summary["environments_created"] == 5
    assert summary["expired"] == 4
    assert summary["recycled"] == 0
    assert summary["cold_start_rate"] == pytest.approx(5 / 6)
    assert summary["added_latency_max_ms"] == 100.0
    assert summary["added_latency_total_s"] == pytest.approx(0.5)


def test_run_summary_latency_is_to_the_microsecond() -> None:
    # p99 of six 0 ms waits, 576 and 600 ms interpolates to 598.32, which numpy gives as
    # 598.3199999999999 (shown in a sweep's CSV before): rounded to the microsecond
    starts = np.arange(8) * 1000.0
    result = simulate(starts + T0, np.zeros(8), Policy(init_ms=100.0))
    latency = np.array([0.0] * 6 + [576.0, 600.0])
    summary = run_summary(dataclasses.replace(result, added_latency_ms=latency))
    assert summary["added_latency_p99_ms"] == 598.32
    assert summary["added_latency_total_s"] == 1.176


def test_empty_input_gives_an_empty_table():
    result = simulate(np.zeros(0), np.zeros(0))
    assert len(result.invocations) == 0
    assert tuple(result.invocations.columns) == INVOCATION_COLUMNS
    assert result.environments_created == 0


# ---------------------------------------------------------------------------------------------
# Against an independent, deliberately naive implementation of the same rules.


def naive(starts, ends, keep_alive_ms, life_ms):
    """O(n^2) reference: list every environment, scan them all on each arrival."""
    envs: list[dict] = []  # created, last_end, alive
    assigned, cold = [], []
    for t, end in zip(starts, ends, strict=True):
        best = None
        for k, env in enumerate(envs):
            if not env["alive"] or env["last_end"] >= t:  # dead or busy on [start, end]
                continue
            if t - env["last_end"] > keep_alive_ms or t - env["created"] > life_ms:
                env["alive"] = False
                continue
            if best is None or env["last_end"] > envs[best]["last_end"]:
                best = k
        if best is None:
            envs.append({"created": t, "last_end": end, "alive": True})
            assigned.append(len(envs) - 1)
            cold.append(True)
        else:
            envs[best]["last_end"] = end
            assigned.append(best)
            cold.append(False)
    return assigned, cold


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.integers(0, 5000), min_size=1, max_size=60),
    durs=st.lists(st.integers(0, 8000), min_size=60, max_size=60),
    keep_alive_ms=st.integers(0, 6000),
    life_ms=st.one_of(st.just(math.inf), st.integers(1000, 20000)),
)
def test_matches_the_naive_reference(gaps, durs, keep_alive_ms, life_ms):
    n = len(gaps)
    starts = np.cumsum(gaps).astype(float) + np.arange(n) * 1e-3  # distinct, no ties
    dur = np.asarray(durs[:n], dtype=float) + np.arange(n) * 1e-6
    ref_env, ref_cold = naive(starts.tolist(), (starts + dur).tolist(), keep_alive_ms, life_ms)
    policy = Policy(
        keep_alive_s=keep_alive_ms / 1000.0,
        max_lifetime_s=None if math.isinf(life_ms) else life_ms / 1000.0,
        init_ms=0.0,
    )
    ids = [str(i) for i in range(n)]
    result = simulate(starts + T0, dur, policy, request_id=ids)
    rows = result.invocations.set_index("request_id").loc[ids]
    assert (rows["start_type"] == "cold").tolist() == ref_cold
    # Same partition of requests into environments.
    sim_env = rows["environment"].tolist()
    first_seen_sim: dict[str, int] = {}
    first_seen_ref: dict[int, int] = {}
    assert [first_seen_sim.setdefault(e, i) for i, e in enumerate(sim_env)] == [
        first_seen_ref.setdefault(e, i) for i, e in enumerate(ref_env)
    ]


@settings(max_examples=40, deadline=None)
@given(
    gaps=st.lists(st.integers(0, 3000), min_size=1, max_size=80),
    durs=st.lists(st.integers(1, 10_000), min_size=80, max_size=80),
)
def test_environments_never_overlap_and_equal_peak_concurrency_without_expiry(gaps, durs):
    n = len(gaps)
    starts = np.cumsum(gaps).astype(float)
    dur = np.asarray(durs[:n], dtype=float)
    policy = Policy(keep_alive_s=1e9, max_lifetime_s=None, init_ms=0.0)
    inv = simulate(starts + T0, dur, policy).invocations
    # No environment serves two requests at once.
    for _, g in inv.groupby("environment"):
        s = g["start"].to_numpy()
        e = g["end"].to_numpy()
        assert np.all(s[1:] > e[:-1])
    # With nothing ever expiring, a new environment is made only when all are busy:
    # the count equals the peak number of closed intervals [start, end] covering one instant.
    events = sorted([(t, 0) for t in starts] + [(t, 1) for t in starts + dur])
    peak = cur = 0
    for _, kind in events:  # at equal times, starts (0) sort before ends (1): closed intervals
        cur += 1 if kind == 0 else -1
        peak = max(peak, cur)
    assert inv["environment"].nunique() == peak
