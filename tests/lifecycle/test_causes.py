"""Why a cold start happened (lifecycle/engine/causes.py), on hand-worked sequences.

Each table lists invocations as (environment, version, start, end, start_type, init ms) with
times in seconds after 10:00:00 UTC; the expected cause of each cold start is worked out by
hand from the rule in docs/lifecycle.md ("Why a cold start happened").
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from lamlife.lifecycle.engine.causes import (
    RECYCLE_GAP_S,
    ColdContext,
    cause_of_reason,
    cold_cause,
    count_causes,
    count_reinit_causes,
    explain_cold_starts,
)

BASE = pd.Timestamp("2026-04-14T10:00:00Z")
ORDERS = Path(__file__).resolve().parents[2] / "examples" / "orders.log"


def table(rows: list[tuple[str, str, float, float, str, float]],
          function: str = "orders") -> pd.DataFrame:
    return pd.DataFrame({
        "function": [function] * len(rows),
        "version": [r[1] for r in rows],
        "environment": [r[0] for r in rows],
        "start": [BASE + pd.Timedelta(seconds=r[2]) for r in rows],
        "end": [BASE + pd.Timedelta(seconds=r[3]) for r in rows],
        "start_type": [r[4] for r in rows],
        "reason": ["" if r[4] == "warm" else f"{r[4]}: engine" for r in rows],
        "init_duration_ms": [r[5] for r in rows],
    })


def reasons(frame: pd.DataFrame) -> list[str]:
    return explain_cold_starts(frame)["reason"].tolist()


NAN = math.nan


def test_first_request_in_the_data() -> None:
    out = reasons(table([("e1", "$LATEST", 1.0, 1.2, "cold", 400.0)]))
    assert out == ["cold: first request in the data for this function"]


def test_scale_out_while_another_environment_is_busy() -> None:
    # e1 serves 0.0-5.0 s; e2's request arrives at 2.5 - 0.5 = 2.0 s: e1 is busy
    out = reasons(table([
        ("e1", "$LATEST", 0.0, 5.0, "cold", NAN),
        ("e2", "$LATEST", 2.5, 2.6, "cold", 500.0),
    ]))
    assert out[1] == "cold: scale-out, another environment was busy at 10:00:02"


def test_the_arrival_is_before_the_init() -> None:
    # e1 ends at 2.2 s; e2 STARTs at 2.5 s after a 500 ms init: it arrived at 2.0 s, while e1
    # was still busy (without the init it would look like an idle gap of 0.3 s)
    out = reasons(table([
        ("e1", "$LATEST", 0.0, 2.2, "cold", NAN),
        ("e2", "$LATEST", 2.5, 2.6, "cold", 500.0),
    ]))
    assert out[1].startswith("cold: scale-out")


def test_two_busy_environments_are_counted() -> None:
    out = reasons(table([
        ("e1", "$LATEST", 0.0, 9.0, "cold", NAN),
        ("e2", "$LATEST", 1.0, 9.0, "cold", NAN),
        ("e3", "$LATEST", 5.0, 5.1, "cold", NAN),
    ]))
    assert out[2] == "cold: scale-out, 2 other environments were busy at 10:00:05"
    assert out[1].startswith("cold: scale-out, another environment")


def test_idle_expired_after_a_long_gap() -> None:
    # e1's last request ends at 60 s; the next request arrives at 960 - 0.4 = 959.6 s:
    # 899.6 s idle (15m00s to the second), nothing busy
    out = reasons(table([
        ("e1", "$LATEST", 0.0, 60.0, "warm", NAN),
        ("e2", "$LATEST", 960.0, 960.1, "cold", 400.0),
    ]))
    assert out[1] == "cold: idle expired, no request for 15m00s before 10:15:59"


def test_replaced_after_a_short_gap() -> None:
    # nothing busy, but the function's previous request ended 3.0 s before: no idle expiry
    out = reasons(table([
        ("e1", "$LATEST", 0.0, 10.0, "warm", NAN),
        ("e2", "$LATEST", 13.0, 13.1, "cold", NAN),
    ]))
    assert out[1] == ("cold: environment replaced, none busy; the previous request ended "
                      "3.0 s earlier")


def test_new_version() -> None:
    # version 6 ran until 30 s; the first request of version 7 arrives while 6 is idle
    out = reasons(table([
        ("e1", "6", 0.0, 30.0, "cold", NAN),
        ("e2", "7", 40.0, 40.2, "cold", 300.0),
        ("e3", "7", 41.0, 41.1, "cold", NAN),
    ]))
    assert out[1] == "cold: new version, first request on version 7 (version 6 ran before)"
    # the next cold start of version 7 is explained within version 7: e2 ended at 40.2 s,
    # 0.8 s before: replaced, not a new version
    assert out[2].startswith("cold: environment replaced")


def test_busy_environments_of_another_version_are_not_scale_out() -> None:
    out = reasons(table([
        ("e1", "6", 0.0, 100.0, "cold", NAN),
        ("e2", "7", 50.0, 50.1, "cold", NAN),
        ("e3", "7", 400.0, 400.1, "cold", NAN),
    ]))
    assert out[1].startswith("cold: new version")
    # at 400 s e1 (version 6) has ended; version 7 idle since 50.1 s: 349.9 s
    assert out[2] == "cold: idle expired, no request for 5m50s before 10:06:40"


def test_other_start_types_are_left_alone() -> None:
    frame = table([
        ("e1", "$LATEST", 0.0, 1.0, "proactive", NAN),
        ("e1", "$LATEST", 2.0, 3.0, "reinit", NAN),
        ("e1", "$LATEST", 4.0, 5.0, "warm", NAN),
    ])
    assert reasons(frame) == ["proactive: engine", "reinit: engine", ""]


@pytest.mark.parametrize(("context", "cause"), [
    (ColdContext(0, NAN, False, ""), "first_in_data"),
    (ColdContext(1, 5.0, True, ""), "scale_out"),
    (ColdContext(0, RECYCLE_GAP_S - 0.1, True, ""), "recycled"),
    (ColdContext(0, RECYCLE_GAP_S, True, ""), "idle_expired"),
    (ColdContext(3, 1.0, False, "6"), "new_version"),  # first match wins
    (ColdContext(0, 1.0, True, "6"), "recycled"),  # the version ran before: not new
])
def test_cold_cause_rule(context: ColdContext, cause: str) -> None:
    assert cold_cause(context) == cause


def test_causes_are_counted_back_from_the_reasons() -> None:
    frame = explain_cold_starts(table([
        ("e1", "$LATEST", 0.0, 5.0, "cold", NAN),
        ("e2", "$LATEST", 1.0, 1.1, "cold", NAN),
        ("e3", "$LATEST", 900.0, 900.1, "cold", NAN),
    ]))
    frame.loc[len(frame)] = frame.iloc[0]
    frame.loc[len(frame) - 1, "reason"] = "cold: simulated"  # not one of ours
    assert count_causes(frame) == {"new_version": 0, "scale_out": 1, "recycled": 0,
                                   "idle_expired": 1, "first_in_data": 1, "other": 1}
    assert cause_of_reason("cold: scale-out, another environment was busy at 10:00:00") \
        == "scale_out"
    assert cause_of_reason("reinit: previous invocation timed out") == ""


def test_simulated_runs_name_the_same_causes() -> None:
    """The simulator words its causes itself; they count under the same names (a change of
    the scheduler's wording fails here)."""
    import lamlife

    run = lamlife.simulate(ORDERS, keep_alive="1m", price=False)
    causes = run.summary["cold_causes"]
    assert causes["other"] == 0
    assert sum(causes.values()) == run.summary["start_types"]["cold"]
    assert causes["first_in_data"] == 1 and causes["scale_out"] >= 1
    assert causes["idle_expired"] >= 1
    assert run.summary["reinit_causes"]["other"] == 0
    assert run.summary["reinit_causes"]["after_timeout"] >= 1


def test_a_burst_after_idle_is_one_expiry_and_scale_out() -> None:
    # e1 at 0 s; ten minutes idle; three requests arrive together at 600 s (each waits
    # 400 ms in INIT, START at 600.4); then three arrive 0.1 s apart at 1300.0/.1/.2 (START
    # after 400 ms of INIT each). Requests waiting in INIT are in progress from arrival: of
    # the three together, the first (by START, then row) found nothing busy (idle expired)
    # and the other two found it busy (scale-out); in the second burst the first arrival
    # expired and the next two each found the earlier ones still in progress.
    out = reasons(table([
        ("e1", "$LATEST", 0.0, 0.1, "cold", 400.0),
        ("e2", "$LATEST", 600.4, 600.5, "cold", 400.0),
        ("e3", "$LATEST", 600.4, 600.5, "cold", 400.0),
        ("e4", "$LATEST", 600.4, 600.5, "cold", 400.0),
        ("e5", "$LATEST", 1300.4, 1300.5, "cold", 400.0),
        ("e6", "$LATEST", 1300.5, 1300.6, "cold", 400.0),
        ("e7", "$LATEST", 1300.6, 1300.7, "cold", 400.0),
    ]))
    causes = [cause_of_reason(r) for r in out]
    assert causes == ["first_in_data", "idle_expired", "scale_out", "scale_out",
                      "idle_expired", "scale_out", "scale_out"]


def test_reinit_causes_read_both_wordings() -> None:
    # analyze's reasons (with a time), the simulator's (without), and the simulator's older
    # "reset: ..." wording still found in lamlife CSV files written before 2026-11-30
    reasons = ["reinit: previous invocation timed out at 10:01:03",
               "reinit: previous invocation timed out",
               "reset: previous invocation in this environment timed out",
               "reinit: previous invocation ran out of memory",
               "reset: previous invocation in this environment failed",
               "reinit: init failed (Runtime.ExitError)",
               "reinit: suppressed init (phase invoke) inside this invocation"]
    rows = pd.DataFrame({"start_type": ["reinit"] * len(reasons), "reason": reasons})
    assert count_reinit_causes(rows) == {"after_timeout": 3, "after_out_of_memory": 1,
                                         "after_error": 1, "init_failed": 1, "other": 1}


def test_a_burst_on_a_new_version_is_one_new_version_and_scale_out() -> None:
    # Version 6 ran until 30 s. Three requests of version 7 arrive at 40.00, 40.05 and
    # 40.10 s, each waits 300 ms in INIT (START at 40.30, 40.35, 40.40 s) and runs 0.2 s.
    # Judged by arrival: the first meets no environment of version 7 (new version); the
    # second arrives while the first is in progress (1 busy), the third while both are
    # (2 busy). Judged by START (the old rule) all three read "new version": no request of
    # version 7 had started when any of them arrived.
    out = reasons(table([
        ("e1", "6", 0.0, 30.0, "cold", NAN),
        ("e2", "7", 40.30, 40.50, "cold", 300.0),
        ("e3", "7", 40.35, 40.55, "cold", 300.0),
        ("e4", "7", 40.40, 40.60, "cold", 300.0),
    ]))
    assert out[1] == "cold: new version, first request on version 7 (version 6 ran before)"
    assert out[2] == "cold: scale-out, another environment was busy at 10:00:40"
    assert out[3] == "cold: scale-out, 2 other environments were busy at 10:00:40"
    assert count_causes(explain_cold_starts(table([
        ("e1", "6", 0.0, 30.0, "cold", NAN),
        ("e2", "7", 40.30, 40.50, "cold", 300.0),
        ("e3", "7", 40.35, 40.55, "cold", 300.0),
        ("e4", "7", 40.40, 40.60, "cold", 300.0),
    ]))) == {"new_version": 1, "scale_out": 2, "recycled": 0, "idle_expired": 0,
             "first_in_data": 1, "other": 0}


def test_a_simultaneous_burst_on_a_new_version() -> None:
    # Three requests of version 8 arrive at the same instant, 50.0 s (Init 250, 400 and
    # 600 ms: STARTs at 50.25, 50.40, 50.60). Ties are taken in order of START: e2 is the
    # version's first request; e3 and e4 each find the earlier ones in progress.
    out = reasons(table([
        ("e1", "7", 0.0, 10.0, "cold", NAN),
        ("e4", "8", 50.60, 50.70, "cold", 600.0),
        ("e2", "8", 50.25, 50.35, "cold", 250.0),
        ("e3", "8", 50.40, 50.50, "cold", 400.0),
    ]))
    assert [cause_of_reason(r) for r in out] == ["first_in_data", "scale_out", "new_version",
                                                  "scale_out"]
    assert out[1] == "cold: scale-out, 2 other environments were busy at 10:00:50"
    assert out[3] == "cold: scale-out, another environment was busy at 10:00:50"


def test_another_version_in_init_when_the_request_arrived_ran_before() -> None:
    # Version 6's request arrives at 0.0 s and waits 900 ms in INIT (START 0.9 s); version
    # 7's arrives at 0.2 s (Init 300 ms, START 0.5 s). On the arrival clock version 6 was in
    # progress first, so version 7's first request is a new version, not a first request.
    out = reasons(table([
        ("e1", "6", 0.9, 1.5, "cold", 900.0),
        ("e2", "7", 0.5, 0.6, "cold", 300.0),
    ]))
    assert out[0] == "cold: first request in the data for this function"
    assert out[1] == "cold: new version, first request on version 7 (version 6 ran before)"
