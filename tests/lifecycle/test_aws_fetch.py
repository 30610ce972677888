"""lamlife.lifecycle.aws.fetch: pure planning, error mapping, Stubber and moto-server runs.

Against moto (5.x), checked by reading moto/logs and moto/awslambda and in these tests:
- filter_log_events: a quoted single term is a substring match, but any pattern that starts
  with ``?`` (our OR pattern) is "unsupported" and matches everything, so the server returns
  application output too. The pattern is therefore tested as a pure function (against a
  model of CloudWatch's term semantics, below) and fetch must drop non-platform events itself.
- Logs Insights: moto ignores ``filter`` (returns every event), honours fields/sort/limit and
  returns ``@timestamp`` as epoch ms (real Insights: "2021-08-11 09:29:13.095").
- Lambda: get_function_configuration works (memory, architecture, runtime, package type,
  timeout); LoggingConfig and SnapStart are not stored (always Text / Off);
  list_provisioned_concurrency_configs is not implemented (HTTP 404).
"""

from __future__ import annotations

import calendar
import errno
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions as bex
import pytest
from botocore.stub import Stubber
from moto_server import (
    FAKE_SECRET,
    aws_env,  # noqa: F401  (fixture)
    create_function,
    moto_endpoint,  # noqa: F401  (fixture)
    put_events,
    sample_events,
    unique,
)

from lamlife.lifecycle.aws import fetch as af
from lamlife.lifecycle.aws import functions
from lamlife.lifecycle.aws import state as state_mod
from lamlife.lifecycle.errors import AwsAccessError, InputError

NOW = datetime(2026, 7, 20, 12, 0, 0, tzinfo=UTC)
NOW_MS = calendar.timegm((2026, 7, 20, 12, 0, 0)) * 1000

# Platform messages from docs/platform.md (§2.1-§2.6, §3.3).
PLATFORM_MESSAGES = [
    "START RequestId: db275f87-a934-471a-8980-b63bf4dc1beb Version: $LATEST\n",
    "END RequestId: db275f87-a934-471a-8980-b63bf4dc1beb\n",
    "REPORT RequestId: f08bb4c8-d6b2-4f05-ac17-af7e2ba005fb\tDuration: 619.31 ms\tBilled "
    "Duration: 700 ms\tMemory Size: 128 MB\tMax Memory Used: 118 MB\t\nXRAY TraceId: "
    "1-5e61292c-cc1229a4dfbeae1043928548\tSegmentId: 07a85e713f6302b2\tSampled: true\t\n",
    "INIT_START Runtime Version: python:3.9.v133\tRuntime Version ARN: arn:aws:lambda:"
    "us-west-2::runtime:b46f7bc0f3da8071b824471f2c69c8766b756b827eb0455d2118c622ae7bcf",
    "INIT_REPORT Init Duration: 10337.01 ms\tPhase: init\tStatus: timeout",
    "RESTORE_START Runtime Version: java:11.v20\tRuntime Version ARN: arn:aws:lambda:us-east-1"
    "::runtime:b8b295733fb8ae6769e0fb039181ce76e1f54a4d04bb5ca7ded937bb0d839109",
    "RESTORE_REPORT Restore Duration: 398.97 ms",
    "EXTENSION\tName: AppConfigAgent\tState: Ready\tEvents: [INVOKE, SHUTDOWN]",
    "TELEMETRY\tName: datadog-agent\tState: Subscribed\tTypes: [Platform, Function, Extension]",
    "LOGS\tName: cloudwatch_lambda_agent\tState: Subscribed\tTypes: [Platform]",
    "2020-06-09T15:02:26.150Z 7c9567b5-107b-4a6c-8798-0157ac21db52 Task timed out after 3.00 "
    "seconds\n\n",
    "RequestId: 7c9567b5-107b-4a6c-8798-0157ac21db52 Error: Runtime exited with error: signal: "
    "killed\nRuntime.ExitError",
    '{"time":"2026-10-08T07:30:28.235Z","type":"platform.start","record":{"requestId":'
    '"79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36","version":"$LATEST"}}',
    '{"time":"2026-07-09T06:05:50.581Z","type":"platform.report","record":{"requestId":'
    '"aec7a529-47f9-4090-be01-c9ed91bf83cf","metrics":{"durationMs":5000.0,"billedDurationMs":'
    '5000,"memorySizeMB":128,"maxMemoryUsedMB":94},"status":"timeout"}}',
    '{"time":"2024-06-17T17:48:06.348Z","type":"platform.initReport","record":{'
    '"initializationType":"on-demand","phase":"init","status":"timeout","metrics":'
    '{"durationMs":10000.487}}}',
    '{"time": "2026-10-08T07:30:27.768Z", "type": "platform.initStart", "record": {}}',
]
APPLICATION_MESSAGES = [
    "[INFO]\t2026-07-20T10:00:00.000Z\tdb275f87-a934-471a-8980-b63bf4dc1beb\tprocessing order\n",
    "2026-07-20T10:00:00.000Z\tdb275f87-a934-471a-8980-b63bf4dc1beb\tINFO\tstarted job\n",
    '{"timestamp":"2026-07-20T10:00:00Z","level":"INFO","requestId":"x","message":"hi"}',
    "the platform is great",
    "restarting the worker",
    "",
]


# ----------------------------------------------------------------------------------- pattern


def _cloudwatch_terms_match(pattern: str, message: str) -> bool:
    """A model of CloudWatch's unstructured OR pattern: ``?"phrase" ?"phrase"`` matches when
    any quoted phrase occurs in the message (case sensitive)."""
    terms = re.findall(r'\?"([^"]*)"', pattern)
    assert " ".join(f'?"{t}"' for t in terms) == pattern  # nothing but OR-ed phrases
    return any(term in message for term in terms)


def test_filter_pattern_is_an_or_of_quoted_terms_within_the_size_limit() -> None:
    pattern = af.platform_filter_pattern()
    assert len(pattern) <= af.FILTER_PATTERN_MAX
    terms = re.findall(r'\?"([^"]*)"', pattern)
    assert " ".join(f'?"{t}"' for t in terms) == pattern
    for required in (
        "START RequestId", "END RequestId", "REPORT RequestId", "INIT_START", "INIT_REPORT",
        "RESTORE_START", "RESTORE_REPORT", "Task timed out", "Runtime exited",
        "platform.start", "platform.report", "platform.initStart", "platform.initReport",
        "platform.runtimeDone", "platform.restoreReport",
    ):
        assert f'?"{required}"' in pattern


def test_filter_pattern_selects_platform_records_and_not_application_output() -> None:
    pattern = af.platform_filter_pattern()
    for message in PLATFORM_MESSAGES:
        assert _cloudwatch_terms_match(pattern, message), message
    for message in APPLICATION_MESSAGES:
        assert not _cloudwatch_terms_match(pattern, message), message


def test_filter_pattern_rejects_a_term_with_a_quote() -> None:
    with pytest.raises(ValueError):
        af.platform_filter_pattern(['say "hi"'])


def test_client_side_platform_check() -> None:
    for message in PLATFORM_MESSAGES:
        assert af.is_platform_message(message), message
    for message in APPLICATION_MESSAGES:
        assert not af.is_platform_message(message), message


def test_insights_query_selects_the_same_records() -> None:
    query = af.insights_query(500)
    assert query.startswith("fields @timestamp, @message, @logStream, @log, @ptr")
    assert query.rstrip().endswith("| limit 500")
    assert "sort @timestamp asc" in query
    regex = re.search(r"like /(.*)/\n", query)
    assert regex is not None
    compiled = re.compile(regex.group(1))
    for message in PLATFORM_MESSAGES:
        assert compiled.search(message), message
    for message in APPLICATION_MESSAGES:
        assert not compiled.search(message), message


# ------------------------------------------------------------------------------------- time


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("24h", 86400), ("90m", 5400), ("1h30m", 5400), ("7d", 604800), ("2w", 1209600),
     ("45s", 45), ("1.5h", 5400), ("2h ago", 7200), ("500ms", 0.5)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert af.parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "h", "24", "24x", "1h x", "yesterday", "-2h"])
def test_parse_duration_rejects(text: str) -> None:
    assert af.parse_duration(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-07-20T10:00:00Z", datetime(2026, 7, 20, 10, tzinfo=UTC)),
        ("2026-07-20T10:00:00", datetime(2026, 7, 20, 10, tzinfo=UTC)),  # naive = UTC
        ("2026-07-20T12:00:00+02:00", datetime(2026, 7, 20, 10, tzinfo=UTC)),
        ("2026-07-20 10:00", datetime(2026, 7, 20, 10, tzinfo=UTC)),
        ("2026-07-20", datetime(2026, 7, 20, tzinfo=UTC)),
        ("now", NOW),
        ("2h", datetime(2026, 7, 20, 10, tzinfo=UTC)),
        ("1784541600", datetime(2026, 7, 20, 10, tzinfo=UTC)),  # epoch seconds
        ("1784541600000", datetime(2026, 7, 20, 10, tzinfo=UTC)),  # epoch ms
    ],
)
def test_parse_time(text: str, expected: datetime) -> None:
    assert af.parse_time(text, NOW) == expected


def test_parse_time_rejects_garbage() -> None:
    with pytest.raises(InputError, match="cannot read time"):
        af.parse_time("last tuesday", NOW)


def test_resolve_window() -> None:
    assert af.resolve_window(None, None, None, NOW) == af.Window(NOW_MS - 86_400_000, NOW_MS)
    assert af.resolve_window("90m", None, None, NOW) == af.Window(NOW_MS - 5_400_000, NOW_MS)
    w = af.resolve_window(None, "2026-07-20T10:00:00Z", "2026-07-20T11:00:00Z", NOW)
    assert (w.start_ms, w.end_ms) == (NOW_MS - 7_200_000, NOW_MS - 3_600_000)
    assert w.as_dict() == {"start": "2026-07-20T10:00:00.000Z", "end": "2026-07-20T11:00:00.000Z"}
    # --since counts back from --end
    w = af.resolve_window("1h", None, "2026-07-20T11:00:00Z", NOW)
    assert (w.start_ms, w.end_ms) == (NOW_MS - 7_200_000, NOW_MS - 3_600_000)
    with pytest.raises(InputError, match="either --since or --start"):
        af.resolve_window("1h", "2h", None, NOW)
    with pytest.raises(InputError, match="empty time window"):
        af.resolve_window(None, "1h", "2h", NOW)
    with pytest.raises(InputError, match="--since"):
        af.resolve_window("soon", None, None, NOW)


def test_ms_to_iso_keeps_milliseconds() -> None:
    assert af.ms_to_iso(NOW_MS + 7) == "2026-07-20T12:00:00.007Z"


# ------------------------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("identifier", "name"),
    [
        ("orders", "orders"),
        ("orders:prod", "orders"),
        ("arn:aws:lambda:us-east-1:123456789012:function:orders", "orders"),
        ("arn:aws:lambda:us-east-1:123456789012:function:orders:7", "orders"),
        ("123456789012:function:orders", "orders"),
    ],
)
def test_function_name(identifier: str, name: str) -> None:
    assert af.function_name(identifier) == name


def test_default_output_name() -> None:
    w = af.Window(NOW_MS - 3_600_000, NOW_MS)
    assert af.default_output_name(["orders"], w) == "orders_20260720T110000Z_20260720T120000Z.jsonl"
    assert af.default_output_name(["a", "b"], w).startswith("a+b_")
    assert af.default_output_name(["a", "b", "c", "d"], w).startswith("a+3-more_")
    arn = "arn:aws:lambda:us-east-1:123456789012:function:orders:prod"
    assert af.default_output_name([arn], w).startswith("orders_")
    assert af.default_output_name(["we/ird name"], w).startswith("we_ird_name_")


# ---------------------------------------------------------------------------------- planning


def test_plan_units_cover_the_window_without_overlap() -> None:
    window = af.Window(1_000, 1_000 + 10 * 3_600_000 + 123)
    units = af.plan_units(2, window, 3_600_000)
    for group in (0, 1):
        mine = [u for u in units if u.group == group]
        assert len(mine) == 11
        assert mine[0].start_ms == window.start_ms
        assert mine[-1].end_ms == window.end_ms
        for a, b in zip(mine, mine[1:], strict=False):
            assert a.end_ms == b.start_ms  # adjacent, half-open: no overlap, no gap
            assert a.end_ms - a.start_ms <= 3_600_000
    assert len({u.key for u in units}) == len(units)


def test_plan_units_aligns_inner_bounds_for_insights() -> None:
    window = af.Window(1_500, 20_700)
    units = af.plan_units(1, window, 5_000, align_ms=1000)
    bounds = [u.start_ms for u in units] + [units[-1].end_ms]
    assert bounds == [1_500, 6_000, 11_000, 16_000, 20_700]


def test_plan_units_short_window_is_one_unit() -> None:
    units = af.plan_units(1, af.Window(0, 10), 3_600_000)
    assert [(u.start_ms, u.end_ms) for u in units] == [(0, 10)]


def test_bisect_unit() -> None:
    halves = af.bisect_unit(af.Unit(group=0, start_ms=1_200, end_ms=9_800))
    assert halves is not None
    a, b = halves
    assert (a.start_ms, a.end_ms, b.start_ms, b.end_ms) == (1_200, 5_000, 5_000, 9_800)
    assert af.bisect_unit(af.Unit(group=0, start_ms=3_000, end_ms=4_000)) is None


def test_insights_seconds_cover_the_unit() -> None:
    assert af.insights_seconds(af.Unit(0, 1_500, 20_700)) == (1, 21)
    assert af.insights_seconds(af.Unit(0, 2_000, 3_000)) == (2, 3)


def _state(units: list[af.Unit] | None = None, mode: str = "filter") -> af.FetchState:
    window = af.Window(NOW_MS - 3_600_000, NOW_MS)
    return af.FetchState(
        functions=["orders"],
        log_groups=["/aws/lambda/orders"],
        function_groups=[0],
        window=window,
        mode=mode,
        region="us-east-1",
        headers=[af.fetch_header("orders", "/aws/lambda/orders", "us-east-1", window, {}, "x")],
        units=units if units is not None else af.plan_units(1, window, 1_200_000),
        filter_pattern=af.platform_filter_pattern() if mode == "filter" else "",
    )


def test_state_round_trips_through_sqlite(tmp_path: Path) -> None:
    state = _state()
    state.units[0].status = "done"
    state.units[0].bytes = 123
    state.units[1].status = "partial"
    state.units[1].token = "tok"
    state.units[2].groups = [0, 3, 4]
    path = tmp_path / "x.state.sqlite"
    af.save_state(path, state)
    loaded = af.load_state(path)
    assert loaded == state
    assert [u.key for u in loaded.open_units()] == [u.key for u in state.units[1:]]
    assert not loaded.finished()


def test_state_split_and_order() -> None:
    state = _state([af.Unit(0, 0, 10_000), af.Unit(0, 10_000, 20_000)], mode="insights")
    halves = af.bisect_unit(state.units[0])
    assert halves is not None
    state.split(state.units[0], halves)
    for unit in state.units:
        if unit.status != "split":
            unit.status = "done"
    assert [(u.start_ms, u.end_ms) for u in state.ordered_done_units()] == [
        (0, 5_000), (5_000, 10_000), (10_000, 20_000)
    ]


def test_load_state_rejects_other_files(tmp_path: Path) -> None:
    path = tmp_path / "x.state.sqlite"
    path.write_text('{"something": 1}')
    with pytest.raises(InputError):
        af.load_state(path)
    path.write_text("not json")
    with pytest.raises(InputError):
        af.load_state(path)


def test_open_output_refuses_to_clobber(tmp_path: Path) -> None:
    out = tmp_path / "f.jsonl"
    assert af.open_output(out, resume=False, force=False) is None
    with pytest.raises(InputError, match="nothing to resume|no unfinished"):
        af.open_output(out, resume=True, force=False)
    out.write_text("done\n")
    with pytest.raises(InputError, match="--force"):
        af.open_output(out, resume=False, force=False)
    with pytest.raises(InputError, match="already complete"):
        af.open_output(out, resume=True, force=False)
    af.save_state(af.state_path(out), _state())
    with pytest.raises(InputError, match="--resume"):
        af.open_output(out, resume=False, force=False)
    assert af.open_output(out, resume=True, force=False) == _state()
    assert af.open_output(out, resume=False, force=True) is None
    assert not af.state_path(out).exists()


def test_resume_must_match_functions_and_region(tmp_path: Path) -> None:
    state = _state()
    af.check_resume_matches(state, [])
    af.check_resume_matches(state, ["arn:aws:lambda:us-east-1:123456789012:function:orders"])
    af.check_resume_matches(state, ["orders"], "us-east-1")
    with pytest.raises(InputError, match="is for orders, not billing"):
        af.check_resume_matches(state, ["billing"])
    with pytest.raises(InputError, match="Region us-east-1, not eu-west-1"):
        af.check_resume_matches(state, ["orders"], "eu-west-1")


def test_find_resumable(tmp_path: Path) -> None:
    af.save_state(af.state_path(tmp_path / "a.jsonl"), _state())
    (tmp_path / "junk.state.sqlite").write_text("{}")
    assert af.find_resumable(tmp_path, ["orders"]) == [tmp_path / "a.jsonl"]
    assert af.find_resumable(tmp_path, ["orders:live"]) == [tmp_path / "a.jsonl"]
    assert af.find_resumable(tmp_path, ["billing"]) == []


def test_plan_fetch_rejects_bad_requests() -> None:
    clients = af.AwsClients(logs=None, lambda_=None, region="us-east-1")
    window = af.Window(0, 1000)
    with pytest.raises(InputError, match="named twice"):
        af.plan_fetch(af.FetchRequest(["a", "arn:aws:lambda:r:1:function:a"], [], window),
                      clients)
    with pytest.raises(InputError, match="one --log-group per --function"):
        af.plan_fetch(af.FetchRequest(["a", "b"], ["/g"], window), clients)
    with pytest.raises(InputError, match="at least one"):
        af.plan_fetch(af.FetchRequest([], [], window), clients)


# ---------------------------------------------------------------------------------- records


def test_configuration_from_api() -> None:
    config = {
        "FunctionName": "orders",
        "FunctionArn": "arn:aws:lambda:eu-central-1:123456789012:function:orders",
        "Runtime": None,
        "MemorySize": 1024,
        "Timeout": 30,
        "PackageType": "Image",
        "Architectures": ["arm64"],
        "EphemeralStorage": {"Size": 2048},
        "SnapStart": {"ApplyOn": "PublishedVersions", "OptimizationStatus": "Off"},
        "LoggingConfig": {"LogFormat": "JSON", "LogGroup": "/shared/logs",
                          "SystemLogLevel": "INFO", "ApplicationLogLevel": "WARN"},
        "Version": "$LATEST",
    }
    pcs = [
        {"FunctionArn": "arn:aws:lambda:eu-central-1:123456789012:function:orders:live",
         "RequestedProvisionedConcurrentExecutions": 5,
         "AllocatedProvisionedConcurrentExecutions": 5,
         "AvailableProvisionedConcurrentExecutions": 5, "Status": "READY"},
        {"FunctionArn": "arn:aws:lambda:eu-central-1:123456789012:function:orders:3",
         "RequestedProvisionedConcurrentExecutions": 2,
         "AllocatedProvisionedConcurrentExecutions": 0,
         "AvailableProvisionedConcurrentExecutions": 0, "Status": "IN_PROGRESS"},
    ]
    got = af.configuration_from_api(config, pcs)
    assert got["memory_mb"] == 1024
    assert got["architecture"] == "arm64"
    assert got["runtime"] is None
    assert got["package_type"] == "Image"
    assert got["timeout_s"] == 30
    assert got["ephemeral_storage_mb"] == 2048
    assert got["snap_start"] is True
    assert got["log_format"] == "JSON"
    assert got["log_group"] == "/shared/logs"
    assert got["provisioned_concurrency"] == 7
    assert [c["qualifier"] for c in got["provisioned_concurrency_configs"]] == ["live", "3"]
    json.dumps(got)  # plain data

    bare = af.configuration_from_api({"FunctionName": "tiny", "MemorySize": 128}, None)
    assert bare["architecture"] == "x86_64"
    assert bare["log_format"] == "Text"
    assert bare["log_group"] == "/aws/lambda/tiny"
    assert bare["snap_start"] is False
    assert bare["provisioned_concurrency"] is None  # unknown, not zero
    assert af.configuration_from_api({"FunctionName": "t"}, [])["provisioned_concurrency"] == 0
    assert (bare["tenant_isolation_mode"], bare["durable"]) == (None, False)
    # charges lamlife names but does not price (Lambda API TenancyConfig, DurableConfig)
    extra = af.configuration_from_api(
        {"FunctionName": "t", "TenancyConfig": {"TenantIsolationMode": "PER_TENANT"},
         "DurableConfig": {"ExecutionTimeout": 3600, "RetentionPeriodInDays": 7}}, [])
    assert (extra["tenant_isolation_mode"], extra["durable"]) == ("PER_TENANT", True)


def test_insights_timestamps() -> None:
    expected = calendar.timegm((2021, 8, 11, 9, 29, 13)) * 1000 + 95
    assert af.parse_insights_timestamp("2021-08-11 09:29:13.095") == expected
    assert af.parse_insights_timestamp("2021-08-11T09:29:13.095") == expected
    assert af.parse_insights_timestamp(str(expected)) == expected  # moto's epoch ms
    assert af.parse_insights_timestamp("soon") is None


def test_insights_row_to_event() -> None:
    row = [
        {"field": "@timestamp", "value": "2021-08-11 09:29:13.095"},
        {"field": "@message", "value": "START RequestId: a Version: $LATEST\n"},
        {"field": "@logStream", "value": "2021/08/11/[$LATEST]abc"},
        {"field": "@ptr", "value": "CmAKJwoj"},
    ]
    event = af.insights_row_to_event(row, "/aws/lambda/f")
    assert event == {
        "logGroupName": "/aws/lambda/f",
        "logStreamName": "2021/08/11/[$LATEST]abc",
        "timestamp": calendar.timegm((2021, 8, 11, 9, 29, 13)) * 1000 + 95,
        "message": "START RequestId: a Version: $LATEST\n",
        "eventId": "CmAKJwoj",
    }
    assert af.insights_row_to_event(row[1:], "/g") is None


# ----------------------------------------------------------------------------------- errors


def _client_error(code: str, message: str = "boom", op: str = "FilterLogEvents") -> Exception:
    return bex.ClientError({"Error": {"Code": code, "Message": message}}, op)


def test_aws_error_lines() -> None:
    e = af.aws_error(bex.NoRegionError(), action="session")
    assert isinstance(e, AwsAccessError) and e.exit_code == 3
    assert "--region" in str(e)
    assert "credentials" in str(af.aws_error(bex.NoCredentialsError(), action="session"))
    denied = af.aws_error(
        _client_error("AccessDeniedException", "User: arn:aws:iam::1:user/x is not authorized"),
        action="logs:FilterLogEvents", subject="log group /aws/lambda/f", region="eu-west-1",
    )
    assert str(denied).startswith("access denied: logs:FilterLogEvents on log group /aws/lambda/f")
    assert "docs/fetch.md" in str(denied)
    missing = af.aws_error(
        _client_error("ResourceNotFoundException", "The specified log group does not exist."),
        action="logs:FilterLogEvents", subject="log group /aws/lambda/f", region="eu-west-1",
    )
    assert str(missing) == "log group /aws/lambda/f not found in eu-west-1 (logs:FilterLogEvents)"
    bad = af.aws_error(_client_error("UnrecognizedClientException"), action="logs:X")
    assert "rejected the credentials" in str(bad)
    throttled = af.aws_error(_client_error("ThrottlingException"), action="logs:X")
    assert "throttled" in str(throttled)
    for e in (denied, missing, bad, throttled):
        assert "\n" not in str(e)


def test_redact_removes_credentials() -> None:
    text = "key AKIAIOSFODNN7EXAMPLE secret wJalrXUtnFEMI/K7MDENG token abcd1234"
    out = af.redact(text, ["wJalrXUtnFEMI/K7MDENG", "abcd1234"])
    assert "AKIAIOSFODNN7EXAMPLE" not in out
    assert "wJalrXUtnFEMI" not in out
    assert "abcd1234" not in out
    err = af.aws_error(_client_error("Weird", f"leaked {FAKE_SECRET}"), action="logs:X",
                       secrets=[FAKE_SECRET])
    assert FAKE_SECRET not in str(err)


# ------------------------------------------------------------------------- rate and backoff


def test_rate_limiter_spaces_calls() -> None:
    slept: list[float] = []
    limiter = af.RateLimiter(5.0, clock=lambda: 100.0, sleep=slept.append)
    for _ in range(4):
        limiter.acquire()
    assert slept == pytest.approx([0.2, 0.4, 0.6])  # first call free, then 1/5 s apart


def test_rate_limiter_does_not_wait_when_calls_are_spread() -> None:
    now = [0.0]
    slept: list[float] = []
    limiter = af.RateLimiter(5.0, clock=lambda: now[0], sleep=slept.append)
    for _ in range(3):
        limiter.acquire()
        now[0] += 1.0
    assert slept == []


def test_backoff_delay_grows_and_is_capped() -> None:
    assert af.backoff_delay(0, rand=lambda: 0.0) == 0.5
    assert af.backoff_delay(0, rand=lambda: 1.0) == 1.0
    assert af.backoff_delay(3, rand=lambda: 1.0) == 8.0
    assert af.backoff_delay(20, rand=lambda: 1.0) == 30.0


# --------------------------------------------------------------------- Stubber (no network)


def _stubbed_clients() -> tuple[af.AwsClients, Stubber]:
    logs = boto3.client(
        "logs", region_name="us-east-1", aws_access_key_id="testing",
        aws_secret_access_key=FAKE_SECRET,
    )
    return af.AwsClients(logs=logs, lambda_=None, region="us-east-1",
                         secrets=(FAKE_SECRET,)), Stubber(logs)


def _one_unit_state() -> af.FetchState:
    window = af.Window(NOW_MS - 60_000, NOW_MS)
    return af.FetchState(
        functions=["orders"], log_groups=["/aws/lambda/orders"], function_groups=[0],
        window=window, mode="filter", region="us-east-1",
        headers=[af.fetch_header("orders", "/aws/lambda/orders", "us-east-1", window, {}, "x")],
        units=[af.Unit(0, window.start_ms, window.end_ms)],
        filter_pattern=af.platform_filter_pattern(),
    )


def _event(n: int, message: str, stream: str = "s1") -> dict[str, Any]:
    return {"logStreamName": stream, "timestamp": NOW_MS - 50_000 + n, "message": message,
            "ingestionTime": NOW_MS, "eventId": f"ev{n}"}


def _read_output(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    headers = [x for x in lines if "lamlife_fetch" in x]
    events = [x for x in lines if "lamlife_fetch" not in x]
    return headers, events


def test_throttling_is_retried_with_backoff(tmp_path: Path) -> None:
    clients, stub = _stubbed_clients()
    state = _one_unit_state()
    unit = state.units[0]
    params = {"logGroupName": "/aws/lambda/orders", "startTime": unit.start_ms,
              "endTime": unit.end_ms - 1, "filterPattern": state.filter_pattern}
    for _ in range(2):
        stub.add_client_error("filter_log_events", service_error_code="ThrottlingException",
                              service_message="Rate exceeded", http_status_code=400,
                              expected_params=params)
    stub.add_response("filter_log_events", {
        "events": [_event(1, "START RequestId: r1 Version: $LATEST\n"),
                   _event(2, "[INFO]\tapp output\n")],
        "nextToken": "page-2",
    }, expected_params=params)
    stub.add_client_error("filter_log_events", service_error_code="ThrottlingException",
                          service_message="Rate exceeded", http_status_code=400,
                          expected_params={**params, "nextToken": "page-2"})
    stub.add_response("filter_log_events", {
        "events": [_event(3, "END RequestId: r1\n"),
                   _event(4, "REPORT RequestId: r1\tDuration: 1.00 ms\t")],
        "ResponseMetadata": {"RetryAttempts": 2},  # botocore retried this one itself
    }, expected_params={**params, "nextToken": "page-2"})
    slept: list[float] = []
    out = tmp_path / "o.jsonl"
    with stub:
        result = af.run_fetch(state, clients, out, sleep=slept.append,
                              rate_limiter=af.RateLimiter(0))
    stub.assert_no_pending_responses()
    assert result.progress.throttled == 3
    assert result.progress.retried == 2
    assert len(slept) == 3
    assert 0.5 <= slept[0] <= 1.0 and 1.0 <= slept[1] <= 2.0  # backoff doubles per retry
    headers, events = _read_output(out)
    assert [h["function"] for h in headers] == ["orders"]
    assert [e["eventId"] for e in events] == ["ev1", "ev3", "ev4"]
    assert result.progress.dropped == 1
    assert not af.state_path(out).exists() and not af.parts_dir(out).exists()


def test_botocore_retries_a_throttled_request_over_http(
    aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    """Through the real HTTP stack: a 127.0.0.1 server answers the first FilterLogEvents with
    ThrottlingException; botocore's adaptive retry sends it again, and fetch counts it."""
    import http.server
    import threading

    bodies: list[dict[str, Any]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", 0))
            bodies.append(json.loads(self.rfile.read(length)))
            payload: dict[str, Any]
            if len(bodies) == 1:
                status, payload = 400, {"__type": "ThrottlingException",
                                        "message": "Rate exceeded"}
            else:
                status, payload = 200, {"events": [
                    _event(1, "START RequestId: r1 Version: $LATEST\n"),
                    _event(2, "[INFO]\tapp\n"),
                ]}
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        clients = af.connect(None, None, f"http://127.0.0.1:{server.server_address[1]}")
        out = tmp_path / "o.jsonl"
        result = af.run_fetch(_one_unit_state(), clients, out, rate_limiter=af.RateLimiter(0))
    finally:
        server.shutdown()
        server.server_close()
    assert len(bodies) == 2 and bodies[0] == bodies[1]  # the same request, sent again
    assert result.progress.retried == 1
    assert result.progress.throttled == 0  # botocore handled it; lamlife's loop not needed
    assert [e["eventId"] for e in _read_output(out)[1]] == ["ev1"]


def test_throttling_that_persists_is_an_aws_error(tmp_path: Path) -> None:
    clients, stub = _stubbed_clients()
    state = _one_unit_state()
    for _ in range(3):
        stub.add_client_error("filter_log_events", service_error_code="ThrottlingException",
                              http_status_code=400)
    out = tmp_path / "o.jsonl"
    with stub, pytest.raises(AwsAccessError, match="throttled") as info:
        af.run_fetch(state, clients, out, sleep=lambda s: None, max_throttle_retries=2,
                     rate_limiter=af.RateLimiter(0))
    assert info.value.exit_code == 3
    assert not out.exists()
    assert af.state_path(out).exists()  # resumable


def test_access_denied_names_the_call_and_never_the_secret(tmp_path: Path) -> None:
    clients, stub = _stubbed_clients()
    stub.add_client_error(
        "filter_log_events", service_error_code="AccessDeniedException", http_status_code=400,
        service_message=f"User is not authorized (signature {FAKE_SECRET})",
    )
    with stub, pytest.raises(AwsAccessError) as info:
        af.run_fetch(_one_unit_state(), clients, tmp_path / "o.jsonl",
                     rate_limiter=af.RateLimiter(0))
    text = str(info.value)
    assert text.startswith("access denied: logs:FilterLogEvents on log group /aws/lambda/orders")
    assert FAKE_SECRET not in text


def test_connect_without_region_or_credentials(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    with pytest.raises(AwsAccessError, match="no AWS region"):
        af.connect(None, None, None)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(AwsAccessError, match="no AWS credentials"):
        af.connect(None, "us-east-1", None)
    with pytest.raises(AwsAccessError, match="profile not found: nobody"):
        af.connect("nobody", "us-east-1", None)


def test_connect_reads_aws_region_before_aws_default_region(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    # The AWS CLI reads AWS_REGION first; boto3 alone would only read AWS_DEFAULT_REGION.
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    monkeypatch.setenv("AWS_REGION", "af-south-1")
    assert af.connect(None, None, "http://127.0.0.1:9").region == "af-south-1"
    assert af.connect(None, "eu-west-1", "http://127.0.0.1:9").region == "eu-west-1"
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert af.connect(None, None, "http://127.0.0.1:9").region == "af-south-1"


def test_connect_uses_adaptive_retries(aws_env: dict[str, str]) -> None:  # noqa: F811
    clients = af.connect(None, None, "http://127.0.0.1:9")
    retries = clients.logs.meta.config.retries
    assert retries["mode"] == "adaptive"
    assert retries["total_max_attempts"] == 10
    assert clients.region == "us-east-1"
    assert clients.logs.meta.endpoint_url == "http://127.0.0.1:9"
    assert clients.lambda_.meta.endpoint_url == "http://127.0.0.1:9"


def test_connect_honours_the_users_retry_settings(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    retries = af.connect(None, None, "http://127.0.0.1:9").logs.meta.config.retries
    assert retries["mode"] == "standard"
    assert retries["total_max_attempts"] == 2


# ---------------------------------------------------------------------------- moto server


def _setup(endpoint: str, warm: int = 0, **config: Any) -> tuple[str, int, list[dict[str, Any]]]:
    name = unique("orders")
    create_function(endpoint, name, MemorySize=256, **config)
    t0 = (int(time.time()) - 2 * 86400) // 3600 * 3600 * 1000  # moto keeps 14 days
    events = sample_events(t0, warm_invocations=warm)
    put_events(endpoint, f"/aws/lambda/{name}", events)
    return name, t0, events


def _platform_keys(events: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
    return sorted(
        (e["logStreamName"], e["timestamp"], e["message"])
        for e in events if af.is_platform_message(e["message"])
    )


def test_read_function_configuration_from_moto(
    moto_endpoint: str, aws_env: dict[str, str]  # noqa: F811
) -> None:
    name = unique("cfg")
    create_function(moto_endpoint, name, MemorySize=512, Architectures=["arm64"], Timeout=30)
    clients = af.connect(None, None, moto_endpoint)
    config, warnings = af.read_function_configuration(clients, name)
    assert config["memory_mb"] == 512
    assert config["architecture"] == "arm64"
    assert config["runtime"] == "python3.12"
    assert config["package_type"] == "Zip"
    assert config["timeout_s"] == 30
    assert config["log_group"] == f"/aws/lambda/{name}"
    # moto does not implement ListProvisionedConcurrencyConfigs: unknown, with a warning
    assert config["provisioned_concurrency"] is None
    assert len(warnings) == 1 and "provisioned concurrency" in warnings[0]
    with pytest.raises(AwsAccessError, match=r"function nope-\w+ not found in us-east-1"):
        af.read_function_configuration(clients, unique("nope"))


def test_fetch_paginates_and_drops_application_output(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    name, t0, events = _setup(moto_endpoint, warm=40)
    clients = af.connect(None, None, moto_endpoint)
    window = af.Window(t0 - 60_000, t0 + 3 * 3_600_000)
    state = af.plan_fetch(af.FetchRequest([name], [], window, chunk_s=1800), clients)
    assert len(state.units) == 7  # 3 h + 1 min in 30 min pieces
    pages: list[int] = []
    out = tmp_path / "o.jsonl"
    result = af.run_fetch(state, clients, out, page_size=9, rate_limiter=af.RateLimiter(0),
                          progress=lambda p: pages.append(p.pages))
    headers, fetched = _read_output(out)
    assert _platform_keys(fetched) == _platform_keys(events)
    assert len({e["eventId"] for e in fetched}) == len(fetched)
    assert all(e["logGroupName"] == f"/aws/lambda/{name}" for e in fetched)
    app_lines = sum(1 for e in events if not af.is_platform_message(e["message"]))
    assert app_lines > 0 and result.progress.dropped == app_lines  # moto ignores the pattern
    assert result.progress.streams == 4
    assert result.progress.events == len(fetched)
    assert result.progress.pages >= len(events) // 9  # many pages of at most 9 events
    assert headers[0]["configuration"]["memory_mb"] == 256
    assert headers[0]["window"] == window.as_dict()
    # each stream's events come out in time order (AWS also interleaves streams by time;
    # moto returns them stream by stream)
    for stream in {e["logStreamName"] for e in fetched}:
        times = [e["timestamp"] for e in fetched if e["logStreamName"] == stream]
        assert times == sorted(times)


def test_missing_log_group_is_reported_before_anything_is_written(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    name = unique("nologs")
    create_function(moto_endpoint, name)
    clients = af.connect(None, None, moto_endpoint)
    window = af.Window(NOW_MS - 60_000, NOW_MS)
    with pytest.raises(AwsAccessError, match=f"log group /aws/lambda/{name} not found"):
        af.plan_fetch(af.FetchRequest([name], [], window), clients)
    with pytest.raises(AwsAccessError, match="log group /custom/missing not found"):
        af.plan_fetch(af.FetchRequest([name], ["/custom/missing"], window, read_config=False),
                      clients)


def test_interrupted_fetch_resumes_without_duplicates(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name, t0, events = _setup(moto_endpoint, warm=30)
    clients = af.connect(None, None, moto_endpoint)
    window = af.Window(t0 - 60_000, t0 + 2 * 3_600_000)
    state = af.plan_fetch(af.FetchRequest([name], [], window, chunk_s=1200), clients)
    out = tmp_path / "o.jsonl"

    # Ctrl-C in the main thread after a few pages.
    real_wait = af.wait
    calls = [0]

    def interrupting_wait(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == 3:
            raise KeyboardInterrupt
        return real_wait(*args, **kwargs)

    monkeypatch.setattr(af, "wait", interrupting_wait)
    with pytest.raises(af.FetchInterrupted) as info:
        af.run_fetch(state, clients, out, page_size=5, parallel=2,
                     rate_limiter=af.RateLimiter(0))
    assert info.value.exit_code == 130
    monkeypatch.setattr(af, "wait", real_wait)
    assert not out.exists()
    saved = af.load_state(af.state_path(out))
    assert any(u.status == "done" for u in saved.units)
    assert saved.open_units()
    # A crash can leave bytes in a part file that the state never committed.
    partial = [u for u in saved.units if u.status == "partial"]
    victim = partial[0] if partial else saved.open_units()[0]
    with (af.parts_dir(out) / victim.part_name).open("ab") as handle:
        handle.write(b'{"logGroupName":"x","logStreamName":"y","timestamp":1,"message":"START Re')

    resumed = af.run_fetch(saved, clients, out, resumed=True, page_size=5,
                           rate_limiter=af.RateLimiter(0))
    assert resumed.resumed
    _, fetched = _read_output(out)
    assert _platform_keys(fetched) == _platform_keys(events)
    assert len({e["eventId"] for e in fetched}) == len(fetched)
    assert resumed.progress.events == len(fetched)
    assert not af.state_path(out).exists()


def test_resume_skips_event_ids_already_written(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    """A partial unit whose token cannot be used restarts from its beginning; the eventIds
    already in its part are skipped, so nothing is written twice."""
    name, t0, events = _setup(moto_endpoint)
    clients = af.connect(None, None, moto_endpoint)
    window = af.Window(t0 - 60_000, t0 + 3_600_000)
    state = af.plan_fetch(af.FetchRequest([name], [], window, chunk_s=7200), clients)
    out = tmp_path / "o.jsonl"
    # First pass fetches everything into the part but "crashes" before marking it done.
    first = af.Fetcher(clients, state, out, rate_limiter=af.RateLimiter(0), page_size=10)
    first.prepare()
    unit = state.units[0]
    with (first.parts / unit.part_name).open("ab") as handle:
        first._commit(unit, [af.event_record(state.log_groups[0], e) for e in
                             clients.logs.filter_log_events(
                                 logGroupName=state.log_groups[0], startTime=unit.start_ms,
                                 endTime=unit.end_ms - 1, limit=10)["events"]
                             if af.is_platform_message(e["message"])],
                      handle, token=None, done=False, dropped=0)
    assert unit.status == "partial" and unit.token is None and unit.events > 0
    already = unit.events
    resumed = af.run_fetch(af.load_state(af.state_path(out)), clients, out, resumed=True,
                           rate_limiter=af.RateLimiter(0))
    _, fetched = _read_output(out)
    assert _platform_keys(fetched) == _platform_keys(events)
    assert resumed.progress.duplicates == already


def test_insights_mode_splits_full_results_and_matches_filter_mode(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    name, t0, events = _setup(moto_endpoint, warm=10)
    clients = af.connect(None, None, moto_endpoint)
    window = af.Window(t0 - 60_000, t0 + 3_600_000)
    state = af.plan_fetch(af.FetchRequest([name], [], window, mode="insights"), clients)
    assert state.filter_pattern == ""
    assert len(state.units) == 1
    out = tmp_path / "o.jsonl"
    # moto ignores the filter, so a query returns platform and application lines; a limit of
    # 20 rows forces the unit to be split until every piece fits.
    result = af.run_fetch(state, clients, out, insights_max_rows=20, insights_poll_s=0,
                          rate_limiter=af.RateLimiter(0))
    headers, fetched = _read_output(out)
    assert headers[0]["source"] == "logs_insights"
    assert _platform_keys(fetched) == _platform_keys(events)
    assert len({e["eventId"] for e in fetched}) == len(fetched)
    assert result.progress.units_total > 1  # it had to split
    assert result.progress.truncated_units == 0


def test_insights_query_timeout(tmp_path: Path) -> None:
    clients, stub = _stubbed_clients()
    window = af.Window(NOW_MS - 60_000, NOW_MS)
    state = af.FetchState(
        functions=["orders"], log_groups=["/aws/lambda/orders"], function_groups=[0],
        window=window, mode="insights", region="us-east-1", headers=[],
        units=[af.Unit(0, window.start_ms, window.end_ms)],
    )
    stub.add_response("start_query", {"queryId": "q1"})
    for _ in range(3):
        stub.add_response("get_query_results", {"status": "Running", "results": []})
    stub.add_response("stop_query", {"success": True}, {"queryId": "q1"})
    now = [0.0]

    def fake_sleep(seconds: float) -> None:
        now[0] += seconds

    with stub, pytest.raises(AwsAccessError, match="did not finish within 2 s"):
        af.run_fetch(state, clients, tmp_path / "o.jsonl", sleep=fake_sleep,
                     clock=lambda: now[0], insights_timeout_s=2, insights_poll_s=1,
                     rate_limiter=af.RateLimiter(0))
    stub.assert_no_pending_responses()


# ------------------------------------------------------------------- file-system failures


def _one_page(stub: Stubber) -> None:
    stub.add_response("filter_log_events", {
        "events": [_event(1, "START RequestId: r1 Version: $LATEST\n"),
                   _event(2, "REPORT RequestId: r1\tDuration: 1.00 ms\t")],
    })


def test_output_under_a_file_is_refused_before_any_call(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = blocker / "sub" / "o.jsonl"
    for force in (False, True):
        with pytest.raises(InputError) as info:
            af.open_output(out, resume=False, force=force)
        assert str(info.value) == f"cannot write {out}: {blocker} is not a folder"
    # run_fetch on its own (no open_output first): the failed mkdir is one InputError too
    clients, stub = _stubbed_clients()  # no responses: any API call would fail the test
    with stub, pytest.raises(InputError) as info:
        af.run_fetch(_one_unit_state(), clients, blocker / "o.jsonl",
                     rate_limiter=af.RateLimiter(0))
    assert info.value.exit_code == 2
    assert str(info.value).startswith(f"cannot write {blocker / 'o.jsonl'}: {blocker}: ")
    assert "\n" not in str(info.value)


def test_unwritable_state_file_is_an_input_error(tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    blocker = af.state_path(out)
    blocker.mkdir()  # the sqlite state cannot be created
    clients, stub = _stubbed_clients()
    with stub, pytest.raises(InputError) as info:
        af.run_fetch(_one_unit_state(), clients, out, rate_limiter=af.RateLimiter(0))
    assert str(info.value) == f"cannot write {out}: {blocker}: unable to open database file"
    assert not out.exists()


def test_failed_join_keeps_the_fetch_resumable(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from lamlife.lifecycle import files

    def full_disk(src: object, dst: object) -> None:  # finalize's rename fails
        raise OSError(errno.ENOSPC, "No space left on device")

    out = tmp_path / "o.jsonl"
    clients, stub = _stubbed_clients()
    _one_page(stub)
    with monkeypatch.context() as patch, stub, pytest.raises(InputError) as info:
        patch.setattr(files.os, "replace", full_disk)
        af.run_fetch(_one_unit_state(), clients, out, rate_limiter=af.RateLimiter(0))
    stub.assert_no_pending_responses()
    assert str(info.value) == f"cannot write {out}: No space left on device"
    assert not out.exists()
    assert af.state_path(out).exists()
    assert list(tmp_path.glob(".o.jsonl.*.tmp")) == []  # the temporary file is removed
    saved = af.load_state(af.state_path(out))
    assert [u.status for u in saved.units] == ["done"]
    with stub:  # nothing left to fetch: the resume only joins the kept part
        af.run_fetch(saved, clients, out, resumed=True, rate_limiter=af.RateLimiter(0))
    assert [e["eventId"] for e in _read_output(out)[1]] == ["ev1", "ev2"]
    assert not af.state_path(out).exists()


def test_disk_full_in_a_worker_is_an_input_error_not_an_aws_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(af.Checkpoint, "commit", full)
    out = tmp_path / "o.jsonl"
    clients, stub = _stubbed_clients()
    _one_page(stub)
    with stub, pytest.raises(InputError) as info:
        af.run_fetch(_one_unit_state(), clients, out, rate_limiter=af.RateLimiter(0))
    assert str(info.value) == f"cannot write {out}: No space left on device"
    assert info.value.exit_code == 2
    assert af.state_path(out).exists()  # resumable once there is room


def test_force_that_cannot_remove_old_parts_is_an_input_error(tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    stuck = af.parts_dir(out) / "0-1.jsonl"
    stuck.mkdir(parents=True)  # a folder where a part file should be: unlink fails
    with pytest.raises(InputError) as info:
        af.open_output(out, resume=False, force=True)
    assert str(info.value).startswith(f"cannot write {out}: {stuck}: ")


def test_file_error_lines() -> None:
    out = Path("out/f.jsonl")
    assert str(af.file_error(PermissionError(13, "Permission denied", "out/f.jsonl"), out)) == (
        "cannot write out/f.jsonl: Permission denied"
    )
    assert str(af.file_error(FileExistsError(17, "File exists", "out"), out)) == (
        "cannot write out/f.jsonl: out: File exists"
    )
    assert str(af.file_error(OSError("odd\nsecond line"), out)) == "cannot write out/f.jsonl: odd"


def test_aws_error_is_one_line_for_any_exception() -> None:
    e = af.aws_error(RuntimeError("first\nsecond"), action="fetch")
    assert str(e) == "fetch failed: RuntimeError: first"


# ------------------------------------------------------------------------------------- docs


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)


def test_docs_show_the_pattern_query_and_header_fetch_uses() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "fetch.md").read_text()
    blocks = _code_blocks(doc)
    assert " ".join(af.platform_filter_pattern().split()) in [" ".join(b.split()) for b in blocks]
    assert af.insights_query().strip() in [b.strip() for b in blocks]
    header_line = next(b for b in blocks if '"lamlife_fetch":1' in b).splitlines()[0]
    header = json.loads(header_line)
    real = af.configuration_from_api({"FunctionName": "orders"}, [])
    assert set(header["configuration"]) == set(real)
    assert set(header) == set(af.fetch_header("f", "g", "r", af.Window(0, 1), {}, "s"))
    policy = json.loads(next(b for b in blocks if '"Statement"' in b))
    actions = {a for statement in policy["Statement"] for a in statement["Action"]}
    assert actions == {
        "lambda:GetFunctionConfiguration", "lambda:ListProvisionedConcurrencyConfigs",
        "logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults", "logs:StopQuery",
    }


# ------------------------------------------------------------------- many functions


def test_list_functions_follows_every_page_and_keeps_the_prefix() -> None:
    lam = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="testing",
                       aws_secret_access_key=FAKE_SECRET)
    clients = af.AwsClients(logs=None, lambda_=lam, region="us-east-1")
    stub = Stubber(lam)

    def fn(name: str) -> dict[str, Any]:
        return {"FunctionName": name, "MemorySize": 128, "Architectures": ["arm64"]}

    stub.add_response("list_functions", {"Functions": [fn("team-b"), fn("other")],
                                         "NextMarker": "m1"}, {"MaxItems": 50})
    stub.add_response("list_functions", {"Functions": [fn("team-a")]},
                      {"MaxItems": 50, "Marker": "m1"})
    with stub:
        listed = functions.list_functions(clients, "team-")
    stub.assert_no_pending_responses()
    assert [c["FunctionName"] for c in listed] == ["team-a", "team-b"]
    stub.add_client_error("list_functions", service_error_code="AccessDeniedException",
                          http_status_code=403)
    with stub, pytest.raises(AwsAccessError, match="access denied: lambda:ListFunctions"):
        functions.list_functions(clients)


def test_discovered_configurations_warn_once_per_kind_of_failure() -> None:
    lam = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="testing",
                       aws_secret_access_key=FAKE_SECRET)
    clients = af.AwsClients(logs=None, lambda_=lam, region="us-east-1")
    stub = Stubber(lam)
    stub.add_response("list_provisioned_concurrency_configs", {
        "ProvisionedConcurrencyConfigs": [{
            "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:a:live",
            "RequestedProvisionedConcurrentExecutions": 3}]})
    for _ in range(4):
        stub.add_client_error("list_provisioned_concurrency_configs",
                              service_error_code="AccessDeniedException", http_status_code=403)
    listed = [{"FunctionName": n, "MemorySize": 256} for n in ("a", "b", "c", "d", "e")]
    with stub:
        configs, warnings = functions.discovered_configurations(
            clients, listed, limiter=af.RateLimiter(0))
    assert [c["provisioned_concurrency"] for c in configs] == [3, None, None, None, None]
    assert [c["log_group"] for c in configs] == [f"/aws/lambda/{n}" for n in "abcde"]
    assert warnings == ["cannot list provisioned concurrency of 4 functions (b, c, d and 1 "
                        "more) (AccessDeniedException); recorded as unknown"]


def test_insights_batches_and_their_splits() -> None:
    assert state_mod.batch_groups(45, 20) == [list(range(20)), list(range(20, 40)),
                                              list(range(40, 45))]
    window = af.Window(0, 7_200_000)
    units = af.plan_units(45, window, 3_600_000, 1000, state_mod.batch_groups(45, 20))
    assert [(u.group_indices[0], len(u.group_indices), u.start_ms) for u in units] == [
        (0, 20, 0), (0, 20, 3_600_000), (20, 20, 0), (20, 20, 3_600_000),
        (40, 5, 0), (40, 5, 3_600_000)]
    assert len({u.key for u in units}) == len(units)
    one_second = af.Unit(0, 5_000, 6_000, groups=[0, 1, 2])
    halves = af.bisect_unit(one_second)  # cannot halve one second: halve the batch
    assert halves is not None
    assert [h.group_indices for h in halves] == [[0], [1, 2]]
    assert af.bisect_unit(af.Unit(4, 5_000, 6_000)) is None
    assert one_second.part_of(1) != one_second.part_of(2)


def test_insights_row_names_its_log_group_from_at_log() -> None:
    row = [{"field": "@timestamp", "value": "2021-08-11 09:29:13.095"},
           {"field": "@message", "value": "START RequestId: r Version: $LATEST"},
           {"field": "@log", "value": "123456789012:/aws/lambda/b"},
           {"field": "@ptr", "value": "p"}]
    event = af.insights_row_to_event(row, "/aws/lambda/a")
    assert event is not None and event["logGroupName"] == "/aws/lambda/b"


def test_output_for_names_file_folder_and_stdout(tmp_path: Path) -> None:
    assert af.output_for("-") is not None and af.output_for("-").kind == "stdout"  # type: ignore[union-attr]
    assert af.output_for(str(tmp_path)) == af.FetchOutput("dir", tmp_path)
    assert af.output_for("new/") == af.FetchOutput("dir", Path("new"))
    assert af.output_for("x.jsonl") == af.FetchOutput("file", Path("x.jsonl"))
    assert af.output_for(None) is None


def test_s3_listing_and_log_groups_follow_every_page_waiting_before_each_request() -> None:
    from lamlife.lifecycle.aws import s3 as aws_s3

    s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="testing",
                      aws_secret_access_key=FAKE_SECRET)
    stub = Stubber(s3)
    stub.add_response("list_objects_v2", {"Contents": [{"Key": "p/a.gz"}], "IsTruncated": True,
                                          "NextContinuationToken": "t1"},
                      {"Bucket": "b", "Prefix": "p/"})
    stub.add_response("list_objects_v2", {"Contents": [{"Key": "p/b.gz"}], "IsTruncated": False},
                      {"Bucket": "b", "Prefix": "p/", "ContinuationToken": "t1"})
    with stub:
        keys = aws_s3.list_keys(af.AwsClients(logs=None, lambda_=None, region="us-east-1",
                                              s3=s3), "b", "p/")
    stub.assert_no_pending_responses()
    assert keys == ["p/a.gz", "p/b.gz"]

    logs = boto3.client("logs", region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key=FAKE_SECRET)
    stub = Stubber(logs)
    stub.add_response("describe_log_groups", {"logGroups": [{"logGroupName": "/aws/lambda/a"}],
                                              "nextToken": "n1"},
                      {"logGroupNamePrefix": "/aws/lambda/", "limit": 50})
    stub.add_response("describe_log_groups", {"logGroups": [{"logGroupName": "/aws/lambda/b"}]},
                      {"logGroupNamePrefix": "/aws/lambda/", "limit": 50, "nextToken": "n1"})
    waits: list[float] = []
    limiter = af.RateLimiter(10, clock=lambda: 0.0, sleep=waits.append)
    with stub:
        names = functions.existing_log_groups(
            af.AwsClients(logs=logs, lambda_=None, region="us-east-1"), "/aws/lambda/", limiter)
    stub.assert_no_pending_responses()
    assert names == {"/aws/lambda/a", "/aws/lambda/b"}
    # a frozen clock at 10 per second: the first request goes at once, the second waits
    # 0.1 s; the wait after the last page (which asks for nothing) is 0.2 s
    assert waits == pytest.approx([0.1, 0.2])
