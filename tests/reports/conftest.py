"""Hand-built analyses for the report tests.

The numbers are worked out by hand (see the comments) so that every table agrees with the
others: two functions, three environments, eight invocations and three flagged events on
2026-07-20 (UTC).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from lamlife.lifecycle.analysis import Analysis, InputStats
from lamlife.lifecycle.schema import (
    ENVIRONMENT_COLUMNS,
    EVENT_COLUMNS,
    FUNCTION_COLUMNS,
    INVOCATION_COLUMNS,
)

NAN = float("nan")
DAY = "2026-07-20T"

ENV_A = "2026/07/20/[$LATEST]b249865adaaf4fad80f95f8ad09725b8"
ENV_B = "2026/07/20/[$LATEST]88ab219a63d343d294d0a9947e8ab36a"
ENV_C = "2026/07/20/[7]22be53a8cfde4e68b844f8ec293b2543"

TIME_COLUMNS = {"start", "end", "first_start", "last_end", "time"}


def ts(clock: str) -> pd.Timestamp:
    return pd.Timestamp(DAY + clock, tz="UTC")


def frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    """A DataFrame with exactly ``columns`` (in order), times as datetime64[ns, UTC]."""
    out = pd.DataFrame(rows, columns=list(columns))
    for name in columns:
        if name in TIME_COLUMNS:
            out[name] = pd.to_datetime(out[name], utc=True).astype("datetime64[ns, UTC]")
    return out


def invocation(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "version": "$LATEST",
        "reason": "",
        "status": "success",
        "error_type": "",
        "billed_duration_ms": NAN,
        "init_duration_ms": NAN,
        "restore_duration_ms": NAN,
        "billed_restore_duration_ms": NAN,
        "memory_mb": 128.0,
        "init_type": "on-demand",
        "init_failures": 0,
        "flags": "",
    }
    row.update(values)
    return row


def sample_invocations() -> pd.DataFrame:
    rows = [
        # billing-worker v7, environment C: cold, then a timeout, then a reinit.
        invocation(
            function="billing-worker", version="7", environment=ENV_C, request_id="c1",
            start=ts("01:50:15.828"), end=ts("01:50:16.078"), start_type="cold",
            reason="on-demand init before this invocation", duration_ms=250.0,
            billed_duration_ms=1063.0, init_duration_ms=812.25, memory_mb=512.0,
            max_memory_used_mb=90.0, runtime_version="python:3.12.v40",
        ),
        invocation(
            function="billing-worker", version="7", environment=ENV_C, request_id="c2",
            start=ts("01:50:58.000"), end=ts("01:51:01.000"), start_type="warm",
            reason="Task timed out after 3.00 seconds", status="timeout", duration_ms=3000.0,
            billed_duration_ms=3000.0, memory_mb=512.0, max_memory_used_mb=91.0,
            runtime_version="python:3.12.v40", flags="timeout",
        ),
        invocation(
            function="billing-worker", version="7", environment=ENV_C, request_id="c3",
            start=ts("01:51:03.120"), end=ts("01:51:03.360"), start_type="reinit",
            reason="reinit: previous invocation timed out at 01:51:01", duration_ms=240.0,
            billed_duration_ms=240.0, init_duration_ms=790.4, memory_mb=512.0,
            max_memory_used_mb=91.0, runtime_version="python:3.12.v40",
        ),
        # orders-api $LATEST, environment A: cold, warm, out of memory.
        invocation(
            function="orders-api", environment=ENV_A, request_id="a1",
            start=ts("01:49:00.500"), end=ts("01:49:00.620"), start_type="cold",
            reason="on-demand init before this invocation", duration_ms=120.0,
            billed_duration_ms=241.0, init_duration_ms=120.96, max_memory_used_mb=48.0,
            runtime_version="nodejs:22.mainline.v122",
        ),
        invocation(
            function="orders-api", environment=ENV_A, request_id="a2",
            start=ts("01:55:10.000"), end=ts("01:55:10.035"), start_type="warm",
            duration_ms=35.0, billed_duration_ms=35.0, max_memory_used_mb=52.0,
            runtime_version="nodejs:22.mainline.v122",
        ),
        invocation(
            function="orders-api", environment=ENV_A, request_id="a3",
            start=ts("02:10:00.250"), end=ts("02:10:01.588"), start_type="warm",
            reason="Runtime.OutOfMemory", status="error", error_type="Runtime.OutOfMemory",
            duration_ms=1338.34, billed_duration_ms=1339.0, max_memory_used_mb=128.0,
            runtime_version="nodejs:22.mainline.v122", flags="out_of_memory",
        ),
        # orders-api $LATEST, environment B: proactive init, then a warm start whose START
        # line was missing (start = REPORT time - Duration, so it has a sub-millisecond part).
        invocation(
            function="orders-api", environment=ENV_B, request_id="b1",
            start=ts("01:59:30.000"), end=ts("01:59:30.040"), start_type="proactive",
            reason="init finished 41.2 s before the request", duration_ms=40.0,
            billed_duration_ms=40.0, init_duration_ms=130.2, max_memory_used_mb=47.0,
            runtime_version="nodejs:22.mainline.v122",
        ),
        invocation(
            function="orders-api", environment=ENV_B, request_id="b2",
            start=ts("02:00:00.10025"), end=ts("02:00:00.13025"), start_type="warm",
            duration_ms=30.0, max_memory_used_mb=47.0, memory_mb=NAN,
            runtime_version="nodejs:22.mainline.v122",
        ),
    ]
    return frame(rows, INVOCATION_COLUMNS)


def sample_environments() -> pd.DataFrame:
    rows = [
        # C: lifetime 01:50:15.828 -> 01:51:03.360 = 47.532 s; idle gaps 41.922 s and 2.12 s.
        dict(
            function="billing-worker", version="7", environment=ENV_C, init_type="on-demand",
            runtime_version="python:3.12.v40", init_duration_ms=812.25,
            first_start=ts("01:50:15.828"), last_end=ts("01:51:03.360"), lifetime_s=47.532,
            invocations=3, cold_starts=2, resets=1, failures=1, max_idle_s=41.922,
            mean_idle_s=22.021, flags="",
        ),
        # A: 01:49:00.500 -> 02:10:01.588 = 1261.088 s; gaps 369.38 s and 889.215 s.
        dict(
            function="orders-api", version="$LATEST", environment=ENV_A, init_type="on-demand",
            runtime_version="nodejs:22.mainline.v122", init_duration_ms=120.96,
            first_start=ts("01:49:00.500"), last_end=ts("02:10:01.588"), lifetime_s=1261.088,
            invocations=3, cold_starts=1, resets=0, failures=1, max_idle_s=889.215,
            mean_idle_s=629.2975, flags="",
        ),
        # B: 01:59:30.000 -> 02:00:00.13025 = 30.13025 s; one gap of 30.06025 s.
        dict(
            function="orders-api", version="$LATEST", environment=ENV_B, init_type="on-demand",
            runtime_version="nodejs:22.mainline.v122", init_duration_ms=130.2,
            first_start=ts("01:59:30.000"), last_end=ts("02:00:00.13025"), lifetime_s=30.13025,
            invocations=2, cold_starts=0, resets=0, failures=0, max_idle_s=30.06025,
            mean_idle_s=30.06025, flags="",
        ),
    ]
    return frame(rows, ENVIRONMENT_COLUMNS)


def sample_functions() -> pd.DataFrame:
    rows = [
        # inits 790.4, 812.25 -> p50 801.325, p90 810.065, p95 811.1575, p99 812.0315;
        # durations 240, 250, 3000 -> p50 250, p99 = 250 + 0.98 * 2750 = 2945.
        dict(
            function="billing-worker", version="7", invocations=3, environments=1,
            cold_starts=2, cold_start_rate=2 / 3, cold=1, warm=1, proactive=0, provisioned=0,
            restore=0, reinit=1, timeouts=1, errors=0, out_of_memory=0, init_failures=0,
            init_count=2, init_p50_ms=801.325, init_p90_ms=810.065, init_p95_ms=811.1575,
            init_p99_ms=812.0315, init_max_ms=812.25, duration_p50_ms=250.0,
            duration_p99_ms=2945.0, runtime_versions="python:3.12.v40",
        ),
        # inits 120.96, 130.2 -> p50 125.58, p90 129.276, p95 129.738, p99 130.1076;
        # durations 30, 35, 40, 120, 1338.34 -> p50 40, p99 = 120 + 0.96 * 1218.34.
        dict(
            function="orders-api", version="$LATEST", invocations=5, environments=2,
            cold_starts=1, cold_start_rate=0.2, cold=1, warm=3, proactive=1, provisioned=0,
            restore=0, reinit=0, timeouts=0, errors=1, out_of_memory=1, init_failures=0,
            init_count=2, init_p50_ms=125.58, init_p90_ms=129.276, init_p95_ms=129.738,
            init_p99_ms=130.1076, init_max_ms=130.2, duration_p50_ms=40.0,
            duration_p99_ms=1289.6064, runtime_versions="nodejs:22.mainline.v122",
        ),
    ]
    return frame(rows, FUNCTION_COLUMNS)


def sample_events() -> pd.DataFrame:
    rows = [
        dict(
            time=ts("01:51:01.000"), function="billing-worker", environment=ENV_C,
            request_id="c2", event="timeout", reason="Task timed out after 3.00 seconds",
        ),
        dict(
            time=ts("01:51:03.120"), function="billing-worker", environment=ENV_C,
            request_id="c3", event="reinit",
            reason="reinit: previous invocation timed out at 01:51:01",
        ),
        dict(
            time=ts("02:10:01.588"), function="orders-api", environment=ENV_A,
            request_id="a3", event="out_of_memory",
            reason="Runtime.OutOfMemory: Max Memory Used 128 MB of 128 MB",
        ),
    ]
    return frame(rows, EVENT_COLUMNS)


def sample_summary() -> dict[str, Any]:
    # inits 120.96, 130.2, 790.4, 812.25 (n=4), linear interpolation between closest ranks:
    # p50 = (130.2 + 790.4) / 2 = 460.3; p90 at rank 2.7 = 790.4 + 0.7 * 21.85 = 805.695;
    # p95 at 2.85 = 808.9725; p99 at 2.97 = 790.4 + 0.97 * 21.85 = 811.5945; max 812.25.
    # durations 30, 35, 40, 120, 240, 250, 1338.34, 3000: p50 180, p90 at 6.3 = 1836.838,
    # p99 at 6.93 = 2883.6838.
    return {
        "invocations": np.int64(8),
        "environments": 3,
        "cold_starts": 3,
        "cold_start_rate": 0.375,
        "start_types": {
            "cold": 2, "warm": 4, "proactive": 1, "provisioned": 0, "restore": 0, "reinit": 1,
        },
        "timeouts": 1,
        "errors": 1,
        "out_of_memory": 1,
        "init_failures": 0,
        "reset_loops": 0,
        "unused_inits": 0,
        "incomplete": 1,
        "init_duration_ms": {
            "count": 4, "p50": 460.3, "p90": 805.695, "p95": 808.9725, "p99": 811.5945,
            "max": 812.25,
        },
        "duration_ms": {
            "count": 8, "p50": 180.0, "p90": 1836.838, "p99": 2883.6838, "max": np.float64(3000),
        },
    }


def sample_input() -> InputStats:
    return InputStats(
        # 1,234 log events = 40 records + 1,190 ignored + 4 malformed; two REPORTs carried an
        # XRAY continuation line, so 1,236 physical lines.
        files=2, lines=1236, events=1234, records=40, ignored=1190, malformed=4,
        malformed_examples=["orders.log:17: REPORT RequestId: x Duration: ?? ms"],
        formats={"text": 1, "json": 1}, incomplete=1,
        warnings=["orders.log: 1 invocation has a START but no REPORT"],
    )


def build_sample() -> Analysis:
    return Analysis(
        invocations=sample_invocations(),
        environments=sample_environments(),
        functions=sample_functions(),
        events=sample_events(),
        summary=sample_summary(),
        input=sample_input(),
    )


def build_empty() -> Analysis:
    return Analysis(
        invocations=frame([], INVOCATION_COLUMNS),
        environments=frame([], ENVIRONMENT_COLUMNS),
        functions=frame([], FUNCTION_COLUMNS),
        events=frame([], EVENT_COLUMNS),
        summary={
            "invocations": 0, "environments": 0, "cold_starts": 0, "cold_start_rate": NAN,
            "start_types": {kind: 0 for kind in
                            ("cold", "warm", "proactive", "provisioned", "restore", "reinit")},
            "timeouts": 0, "errors": 0, "out_of_memory": 0, "init_failures": 0,
            "reset_loops": 0, "incomplete": 0,
            "init_duration_ms": {"count": 0, "p50": NAN, "p90": NAN, "p95": NAN, "p99": NAN,
                                 "max": NAN},
            "duration_ms": {"count": 0, "p50": NAN, "p90": NAN, "p99": NAN, "max": NAN},
        },
        input=InputStats(files=1, lines=3, events=3, records=0, ignored=3, malformed=0,
                         formats={"text": 1}),
    )


@pytest.fixture
def sample() -> Analysis:
    return build_sample()


@pytest.fixture
def empty() -> Analysis:
    return build_empty()


@pytest.fixture
def make_sample() -> Callable[[], Analysis]:
    """A factory, for tests that change the sample before rendering it."""
    return build_sample


def build_many(environments: int = 12, events: int = 25) -> Analysis:
    """The sample with many environments and events, to check the caps of the tables.

    Environment i (0-based) of function "fn" has 10 + (i * 7) % 12 invocations and a lifetime
    of 100 * ((i * 5) % 12) + i seconds, so the two orders differ and no two values tie.
    """
    analysis = build_sample()
    env_rows = []
    for i in range(environments):
        start = ts("01:00:00.000") + pd.Timedelta(seconds=i)
        lifetime = 100.0 * ((i * 5) % 12) + i
        env_rows.append(
            dict(
                function="fn", version="$LATEST",
                environment=f"2026/07/20/[$LATEST]{i:032x}", init_type="on-demand",
                runtime_version="python:3.12.v40", init_duration_ms=100.0 + i,
                first_start=start, last_end=start + pd.Timedelta(seconds=lifetime),
                lifetime_s=lifetime, invocations=10 + (i * 7) % 12, cold_starts=1, resets=0,
                failures=0, max_idle_s=1.0, mean_idle_s=0.5,
                flags="started_before_window;reset_loop" if i == 0 else "",
            )
        )
    analysis.environments = frame(env_rows, ENVIRONMENT_COLUMNS)
    event_rows = [
        dict(
            time=ts("03:00:00.000") + pd.Timedelta(minutes=k), function="fn",
            environment=f"2026/07/20/[$LATEST]{k % environments:032x}", request_id=f"r{k}",
            event="timeout", reason=f"event number {k}",
        )
        for k in range(events)
    ]
    analysis.events = frame(event_rows, EVENT_COLUMNS)
    return analysis


@pytest.fixture
def many() -> Analysis:
    return build_many()
