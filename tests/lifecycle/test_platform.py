"""parse_message on the real lines of docs/platform.md §2 and §3 (one message each).

Record shapes (lifecycle/read/platform.py): ("report", rid, duration, billed, memory, max_memory,
init, restore, billed_restore, status, error_type), ("start", rid, version), ("end", rid),
("init_start", runtime_version, init_type, phase, function_name, instance_id),
("init_report", duration, phase, status, error_type, init_type), ("restore_start", rv),
("restore_report", duration, status, error_type), ("extension",),
("status", rid, status, error_type, killed), ("other",), MALFORMED, or None (app output).
"""

from __future__ import annotations

import math

import pytest

from lamlife.lifecycle.read.platform import MALFORMED, normalize_status, parse_message

NAN = math.nan
XRAY = ("XRAY TraceId: 1-5e61292c-cc1229a4dfbeae1043928548\tSegmentId: 07a85e713f6302b2\t"
        "Sampled: true")


def same(a: tuple[object, ...] | None, b: tuple[object, ...]) -> bool:
    """Tuple equality where NaN equals NaN and floats compare to 1e-9."""
    if a is None or len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if isinstance(y, float):
            if not isinstance(x, float):
                return False
            if math.isnan(y) != math.isnan(x):
                return False
            if not math.isnan(y) and not math.isclose(x, y, abs_tol=1e-9):
                return False
        elif x != y:
            return False
    return True


# ------------------------------------------------------------------ §2.1 START / END


@pytest.mark.parametrize(("message", "expected"), [
    ("START RequestId: db275f87-a934-471a-8980-b63bf4dc1beb Version: $LATEST\n",
     ("start", "db275f87-a934-471a-8980-b63bf4dc1beb", "$LATEST")),
    ("START RequestId: b771fecc-1b53-4faf-922d-1d74357b1676 Version: 56",
     ("start", "b771fecc-1b53-4faf-922d-1d74357b1676", "56")),
    # RIE's LMI mode separates Version with a tab (§2.1)
    ("START RequestId: 13d1305b-a2f5-440c-bfbe-686ccff3d3e0\tVersion: $LATEST.PUBLISHED",
     ("start", "13d1305b-a2f5-440c-bfbe-686ccff3d3e0", "$LATEST.PUBLISHED")),
    ("END RequestId: db275f87-a934-471a-8980-b63bf4dc1beb\n",
     ("end", "db275f87-a934-471a-8980-b63bf4dc1beb")),
])
def test_start_end(message: str, expected: tuple[object, ...]) -> None:
    assert parse_message(message.rstrip("\n")) == expected
    assert parse_message(message) == expected  # with the trailing newline of the raw event


# ------------------------------------------------------------------ §2.2 REPORT (a)-(k)

REPORTS = {
    "a": ("REPORT RequestId: f08bb4c8-d6b2-4f05-ac17-af7e2ba005fb\tDuration: 619.31 ms\tBilled "
          "Duration: 700 ms\tMemory Size: 128 MB\tMax Memory Used: 118 MB\t\n" + XRAY + "\t\n",
          ("report", "f08bb4c8-d6b2-4f05-ac17-af7e2ba005fb", 619.31, 700.0, 128.0, 118.0, NAN,
           NAN, NAN, "", "")),
    "b": ("REPORT RequestId: db275f87-a934-471a-8980-b63bf4dc1beb\tDuration: 1.76 ms\tBilled "
          "Duration: 100 ms\tMemory Size: 128 MB\tMax Memory Used: 48 MB\tInit Duration: 120.96 "
          "ms\t\n",
          ("report", "db275f87-a934-471a-8980-b63bf4dc1beb", 1.76, 100.0, 128.0, 48.0, 120.96,
           NAN, NAN, "", "")),
    "c": ("REPORT RequestId: 7c9567b5-107b-4a6c-8798-0157ac21db52\tDuration: 3003.16 ms\tBilled "
          "Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 48 MB\tInit Duration: "
          "127.02 ms\t\n",
          ("report", "7c9567b5-107b-4a6c-8798-0157ac21db52", 3003.16, 3000.0, 128.0, 48.0,
           127.02, NAN, NAN, "", "")),
    "d": ("REPORT RequestId: 32f5cbf1-dd22-422a-a566-8965da5a3465\tDuration: 8.40 ms\tBilled "
          "Duration: 9 ms\tMemory Size: 128 MB\tMax Memory Used: 66 MB\tInit Duration: 170.13 "
          "ms\t",
          ("report", "32f5cbf1-dd22-422a-a566-8965da5a3465", 8.40, 9.0, 128.0, 66.0, 170.13, NAN,
           NAN, "", "")),
    "e": ("REPORT RequestId: 8329c002-87c4-11e6-bbf0-c124e4d39f76\tDuration: 352.40 ms\tBilled "
          "Duration: 400 ms \tMemory Size: 128 MB\tMax Memory Used: 23 MB",
          ("report", "8329c002-87c4-11e6-bbf0-c124e4d39f76", 352.40, 400.0, 128.0, 23.0, NAN,
           NAN, NAN, "", "")),
    "f": ("REPORT RequestId: 13222b1e-f16b-4550-89df-869ab0a9806d\tDuration: 3000.00 ms\tBilled "
          "Duration: 3000 ms\tMemory Size: 1024 MB\tMax Memory Used: 64 MB\tStatus: timeout",
          ("report", "13222b1e-f16b-4550-89df-869ab0a9806d", 3000.0, 3000.0, 1024.0, 64.0, NAN,
           NAN, NAN, "timeout", "")),
    "g": ("REPORT RequestId: f8400400-dd9e-4025-b644-4c78df3287c7\tDuration: 1338.34 ms\tBilled "
          "Duration: 1339 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\tStatus: error\tError "
          "Type: Runtime.UserCodeSyntaxError",
          ("report", "f8400400-dd9e-4025-b644-4c78df3287c7", 1338.34, 1339.0, 128.0, 71.0, NAN,
           NAN, NAN, "error", "Runtime.UserCodeSyntaxError")),
    "h": ("REPORT RequestId: 806ab12b-e660-4a4a-8d9a-eee01e457f98\tDuration: 376256.59 ms\tBilled "
          "Duration: 376257 ms\tMemory Size: 10239 MB\tMax Memory Used: 10239 MB\tInit Duration: "
          "551.73 ms\tStatus: error\tError Type: Runtime.OutOfMemory",
          ("report", "806ab12b-e660-4a4a-8d9a-eee01e457f98", 376256.59, 376257.0, 10239.0,
           10239.0, 551.73, NAN, NAN, "error", "Runtime.OutOfMemory")),
    "i": ("REPORT RequestId: 054d8776-b852-42f6-a1a6-752552daea41\tDuration: 600000.00 ms\tBilled "
          "Duration: 600000 ms\tMemory Size: 1024 MB\tMax Memory Used: 1024 MB\tStatus: timeout\n"
          "XRAY TraceId: 1-6ac7d63f-0104e99861c65c8039f183da\tSegmentId: 7c4eb6a6d56f2a27\t"
          "Sampled: true",
          ("report", "054d8776-b852-42f6-a1a6-752552daea41", 600000.0, 600000.0, 1024.0, 1024.0,
           NAN, NAN, NAN, "timeout", "")),
    "j": ("REPORT RequestId: 276a85b3-61a7-4b68-b42e-de11b5f419e3\tDuration: 900000.00 ms\tBilled "
          "Duration: 900503 ms\tMemory Size: 4096 MB\tMax Memory Used: 537 MB\tInit Duration: "
          "502.37 ms\tStatus: timeout\nXRAY TraceId: 1-6ac7d63f-0104e99861c65c8039f183da",
          ("report", "276a85b3-61a7-4b68-b42e-de11b5f419e3", 900000.0, 900503.0, 4096.0, 537.0,
           502.37, NAN, NAN, "timeout", "")),
    "k": ("REPORT RequestId: 8c360c87-d4b7-4423-b5f3-af02be3c1763\tDuration: 2338.66 ms\tBilled "
          "Duration: 2521 ms\tMemory Size: 3009 MB\tMax Memory Used: 173 MB\tRestore Duration: "
          "398.97 ms\tBilled Restore Duration: 182 ms\t",
          ("report", "8c360c87-d4b7-4423-b5f3-af02be3c1763", 2338.66, 2521.0, 3009.0, 173.0, NAN,
           398.97, 182.0, "", "")),
}


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_report_lines_from_the_doc(name: str) -> None:
    message, expected = REPORTS[name]
    assert same(parse_message(message), expected), (name, parse_message(message))
    # aws logs tail right-strips the message; the result must not change
    assert same(parse_message(message.rstrip()), expected)
    # copies collapse tabs into spaces (§2: parse as key/value pairs, accept runs of spaces)
    assert same(parse_message(message.replace("\t", "  ")), expected)


@pytest.mark.parametrize(("message", "expected"), [
    # Init Duration before Duration (custom-runtime docs, RIE) and an integer Init Duration
    ("REPORT RequestId: 9f0e\tInit Duration: 1234 ms\tDuration: 3.50 ms\tBilled Duration: "
     "1238 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t",
     ("report", "9f0e", 3.5, 1238.0, 128.0, 128.0, 1234.0, NAN, NAN, "", "")),
    # RIE's LMI mode: only RequestId and Duration (§8: every other field is optional)
    ("REPORT RequestId: 13d1305b-a2f5-440c-bfbe-686ccff3d3e0\tDuration: 1.15 ms",
     ("report", "13d1305b-a2f5-440c-bfbe-686ccff3d3e0", 1.15, NAN, NAN, NAN, NAN, NAN, NAN, "",
      "")),
    # old docs: XRAY on the same line after a tab
    ("REPORT RequestId: 4c7e\tDuration: 2.00 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\t"
     "Max Memory Used: 30 MB\tInit Duration: 166.62 ms\tXRAY TraceId: 1-5d9d007f-0a8c7fd02\t"
     "SegmentId: 3d752\tSampled: true",
     ("report", "4c7e", 2.0, 3.0, 128.0, 30.0, 166.62, NAN, NAN, "", "")),
    # docs rendering of the Status suffix (spaces)
    ("REPORT RequestId: 5a1b Duration: 2.00 ms Billed Duration: 83 ms Memory Size: 128 MB "
     "Max Memory Used: 30 MB Init Duration: 80.00 ms Status: error Error Type: Runtime.ExitError",
     ("report", "5a1b", 2.0, 83.0, 128.0, 30.0, 80.0, NAN, NAN, "error", "Runtime.ExitError")),
    # §2.7 (3), docs rendering with a shortened id
    ("REPORT RequestId: fd9bb1b0dfd7 Duration: 6006.56 ms Billed Duration: 6000 ms Memory Size: "
     "128 MB Max Memory Used: 57 MB",
     ("report", "fd9bb1b0dfd7", 6006.56, 6000.0, 128.0, 57.0, NAN, NAN, NAN, "", "")),
])
def test_report_variants(message: str, expected: tuple[object, ...]) -> None:
    assert same(parse_message(message), expected), parse_message(message)


@pytest.mark.parametrize("message", [
    "REPORT RequestId: x",                       # no Duration: unusable
    "REPORT RequestId: x\tDuration: abc ms",     # Duration not a number
    "REPORT Duration: 12.00 ms",                 # no RequestId
    "START RequestId:",                          # no id
    "INIT_REPORT Phase: init\tStatus: error",    # no Init Duration
    '{"time":"2026-10-08T07:30:29.470Z","type":"platform.report"',  # truncated JSON
    '{"time":"2026-10-08T07:30:29.470Z","type":"platform.report","record":{"metrics":{}}}',
    '{"time":"2026-10-08T07:30:29.470Z","type":"platform.start","record":{}}',
])
def test_platform_looking_lines_that_cannot_be_read_are_malformed(message: str) -> None:
    assert parse_message(message) is MALFORMED


# ------------------------------------------------------------------ §2.3 INIT_START / INIT_REPORT


@pytest.mark.parametrize(("message", "runtime"), [
    ("INIT_START Runtime Version: python:3.9.v133\tRuntime Version ARN: arn:aws:lambda:us-west-2::"
     "runtime:b46f7bc0f3da8071d1b824471f2c69c8766b756b827eb0455d2118c622ae7bcf", "python:3.9.v133"),
    ("INIT_START Runtime Version: nodejs:18.v71\tRuntime Version ARN: arn:aws:lambda:us-east-1::"
     "runtime:bcd7c0a83c1c6bc9b4982403f8200084d0db1fe61d7c4d3215979c11bb00d650", "nodejs:18.v71"),
    ("INIT_START Runtime Version: provided:al2023.v98\tRuntime Version ARN: lambda-arn \n",
     "provided:al2023.v98"),
    ("INIT_START Runtime Version: python:3.12.mainlinev2.v7\tRuntime Version ARN: x",
     "python:3.12.mainlinev2.v7"),
])
def test_init_start(message: str, runtime: str) -> None:
    rec = parse_message(message)
    assert rec is not None and rec[0] == "init_start"
    assert rec[1] == runtime
    assert rec[3] == "init"


@pytest.mark.parametrize(("message", "region"), [
    ("INIT_START Runtime Version: python:3.12.v7\tRuntime Version ARN: arn:aws:lambda:"
     "af-south-1::runtime:7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6",
     "af-south-1"),
    ("INIT_START Runtime Version: java:21.v30\tRuntime Version ARN: arn:aws:lambda:"
     "ap-southeast-5::runtime:0c8e1b", "ap-southeast-5"),
    ("INIT_START Runtime Version: provided:al2023.v98\tRuntime Version ARN: lambda-arn \n", ""),
    ("INIT_START Runtime Version: python:3.12.v7", ""),
])
def test_init_start_region_from_the_runtime_version_arn(message: str, region: str) -> None:
    rec = parse_message(message)
    assert rec is not None and rec[0] == "init_start" and rec[6] == region


@pytest.mark.parametrize(("message", "expected"), [
    ("INIT_REPORT Init Duration: 1882.55 ms\tPhase: init\tStatus: error\tError Type: "
     "Runtime.ImportModuleError",
     ("init_report", 1882.55, "init", "error", "Runtime.ImportModuleError", "")),
    ("INIT_REPORT Init Duration: 10337.01 ms\tPhase: init\tStatus: timeout",
     ("init_report", 10337.01, "init", "timeout", "", "")),
    ("INIT_REPORT Init Duration: 45045.69 ms\tPhase: invoke\tStatus: error\tError Type: "
     "Runtime.Unknown",
     ("init_report", 45045.69, "invoke", "error", "Runtime.Unknown", "")),
    ("INIT_REPORT Init Duration: 0.27 ms\tPhase: init\tStatus: error\tError Type: "
     "Runtime.InvalidEntrypoint",
     ("init_report", 0.27, "init", "error", "Runtime.InvalidEntrypoint", "")),
    # docs rendering (spaces)
    ("INIT_REPORT Init Duration: 180000.45 ms Phase: invoke Status: timeout",
     ("init_report", 180000.45, "invoke", "timeout", "", "")),
    # Phase and Status are optional; a missing Status means success (§2.3)
    ("INIT_REPORT Init Duration: 1523.40 ms", ("init_report", 1523.40, "init", "success", "", "")),
])
def test_init_report(message: str, expected: tuple[object, ...]) -> None:
    assert same(parse_message(message), expected), parse_message(message)


# ------------------------------------------------------------------ §2.4 SnapStart


def test_restore_lines() -> None:
    rec = parse_message(
        "RESTORE_START Runtime Version: java:11.v20\tRuntime Version ARN: arn:aws:lambda:"
        "us-east-1::runtime:b8b295733fb8ae6769e0fb039181ce76e1f54a4d04bb5ca7ded937bb0d839109")
    assert rec == ("restore_start", "java:11.v20", "us-east-1")
    assert same(parse_message("RESTORE_REPORT Restore Duration: 398.97 ms"),
                ("restore_report", 398.97, "success", ""))
    assert same(parse_message("RESTORE_REPORT Restore Duration: 1236.04 ms Status: timeout"),
                ("restore_report", 1236.04, "timeout", ""))
    assert same(parse_message("RESTORE_REPORT Restore Duration: 1236.04 ms Status: error Error "
                              "Type: Runtime.ExitError"),
                ("restore_report", 1236.04, "error", "Runtime.ExitError"))


# ------------------------------------------------------------------ §2.5 EXTENSION, TELEMETRY


@pytest.mark.parametrize("message", [
    "EXTENSION\tName: AppConfigAgent\tState: Ready\tEvents: [INVOKE, SHUTDOWN]",
    "EXTENSION\tName: lambda-adapter\tState: Ready\tEvents: []",
    "TELEMETRY\tName: datadog-agent\tState: Subscribed\tTypes: [Platform, Function, Extension]",
    "LOGS\tName: cloudwatch_lambda_agent\tState: Subscribed\tTypes: [Platform]",
    "TELEMETRY\tName: datadog-agent\tState: Already subscribed\tTypes: [Platform]",
    "EXTENSION\tName: my-ext\tState: LaunchError\tEvents: []\tError Type: UnknownError",
    "EXTENSION Name: my-ext State: LaunchError Events: [] Error Type: PermissionDenied",
])
def test_extension_lines(message: str) -> None:
    assert parse_message(message) == ("extension",)


# ------------------------------------------------------------------ §2.6 timeouts and crashes


@pytest.mark.parametrize(("message", "expected"), [
    ("2020-06-09T15:02:26.150Z 7c9567b5-107b-4a6c-8798-0157ac21db52 Task timed out after 3.00 "
     "seconds\n\n",
     ("status", "7c9567b5-107b-4a6c-8798-0157ac21db52", "timeout", "", False, 3000.0)),
    ("2024-01-29T16:41:15.998Z 3b8f1c52-0d5e-4f6a-9b7c-2e1d0a9f8e7d Task timed out after 45.05 "
     "seconds",
     ("status", "3b8f1c52-0d5e-4f6a-9b7c-2e1d0a9f8e7d", "timeout", "", False, 45050.0)),
    ("fd9bb1b0dfd7 Task timed out after 6.01 seconds",
     ("status", "fd9bb1b0dfd7", "timeout", "", False, 6010.0)),
    ("RequestId: 0e1f Error: Runtime exited with error: signal: killed\nRuntime.ExitError",
     ("status", "0e1f", "error", "Runtime.ExitError", True, NAN)),
    ("RequestId: 0e1f Error: Runtime exited with error: exit status 1\nRuntime.ExitError",
     ("status", "0e1f", "error", "Runtime.ExitError", False, NAN)),
    ("RequestId: 0e1f Error: Runtime exited without providing a reason\nRuntime.ExitError",
     ("status", "0e1f", "error", "Runtime.ExitError", False, NAN)),
    # old runtimes: the process died (killed=True; at the memory limit it is out of memory)
    ("RequestId: d783b35e Process exited before completing request",
     ("status", "d783b35e", "error", "", True, NAN)),
    # a tab after "RequestId:" (copy shape)
    ("RequestId:\t0e1f Error: Runtime exited with error: signal: killed\nRuntime.ExitError",
     ("status", "0e1f", "error", "Runtime.ExitError", True, NAN)),
])
def test_status_lines(message: str, expected: tuple[object, ...]) -> None:
    assert same(parse_message(message), expected), parse_message(message)


# ------------------------------------------------------------------ application output (§1)


@pytest.mark.parametrize("message", [
    "2026-07-20T01:50:16.102Z\t79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36\tINFO\tsent 3 notifications",
    "[INFO]\t2026-07-20T01:50:15.251Z\tdb275f87-a934-471a-8980-b63bf4dc1beb\tprocessing event",
    "[ERROR]\t2026-07-20T01:50:20.100Z\tf08bb\tretry: START RequestId: nope Version: 1",
    '{"timestamp":"2026-10-08T07:30:28.300Z","level":"INFO","requestId":"79b5","message":"sent"}',
    "ENDPOINT=https://example.org",
    "EXTENSIONS are loaded lazily",
    "LOGS rotated",
    "STARTING up",
    "REPORTING is off",
    "Requested 3 items",
    "",
])
def test_application_output_is_not_a_record(message: str) -> None:
    assert parse_message(message) is None


def test_lone_xray_line_is_a_record_that_changes_nothing() -> None:
    assert parse_message(XRAY) == ("other",)


# ------------------------------------------------------------------ §3 JSON log format


def test_json_records_from_the_doc() -> None:
    init_start = parse_message(
        '{"time":"2026-10-08T07:30:27.768Z","type":"platform.initStart","record":{'
        '"initializationType":"on-demand","phase":"init","runtimeVersion":'
        '"nodejs:22.mainline.v122","runtimeVersionArn":"arn:aws:lambda:eu-central-1::runtime:'
        '775dab0d","functionName":"tenner-notifier","functionVersion":"$LATEST","instanceId":'
        '"2026/10/08/tenner-notifier[$LATEST]22be53a8cfde4e68b844f8ec293b2543",'
        '"instanceMaxMemory":268435456}}')
    assert init_start == ("init_start", "nodejs:22.mainline.v122", "on-demand", "init",
                          "tenner-notifier",
                          "2026/10/08/tenner-notifier[$LATEST]22be53a8cfde4e68b844f8ec293b2543",
                          "eu-central-1")
    start = parse_message(
        '{"time":"2026-10-08T07:30:28.235Z","type":"platform.start","record":{"requestId":'
        '"79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36","functionArn":"arn:aws:lambda:eu-central-1:'
        '825765399535:function:tenner-notifier","version":"$LATEST"}}')
    assert start == ("start", "79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36", "$LATEST")
    cold = parse_message(
        '{"time":"2026-10-08T07:30:29.470Z","type":"platform.report","record":{"requestId":'
        '"79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36","metrics":{"durationMs":1233.96,'
        '"billedDurationMs":1698,"memorySizeMB":256,"maxMemoryUsedMB":123,'
        '"initDurationMs":463.512},"status":"success"}}')
    assert same(cold, ("report", "79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36", 1233.96, 1698.0, 256.0,
                       123.0, 463.512, NAN, NAN, "success", ""))
    # key order varies (§3.3)
    timeout = parse_message(
        '{"type":"platform.report","time":"2026-07-09T06:05:50.581Z","record":{"status":'
        '"timeout","metrics":{"maxMemoryUsedMB":94,"memorySizeMB":128,"billedDurationMs":5000,'
        '"durationMs":5000.0},"requestId":"aec7a529-47f9-4090-be01-c9ed91bf83cf"}}')
    assert same(timeout, ("report", "aec7a529-47f9-4090-be01-c9ed91bf83cf", 5000.0, 5000.0,
                          128.0, 94.0, NAN, NAN, NAN, "timeout", ""))
    init_timeout = parse_message(
        '{"time":"2024-06-17T17:48:06.348Z","type":"platform.initReport","record":{'
        '"initializationType":"on-demand","phase":"init","status":"timeout","metrics":'
        '{"durationMs":10000.487}}}')
    assert same(init_timeout, ("init_report", 10000.487, "init", "timeout", "", "on-demand"))
    # LMI: the report carries only durationMs (§3.2); no crash on the missing fields (§8)
    lmi = parse_message(
        '{"time":"2025-09-19T19:36:50.881Z","type":"platform.report","record":{"requestId":'
        '"13d1305b-a2f5-440c-bfbe-686ccff3d3e0","status":"success","metrics":{"durationMs":1.148},'
        '"spans":[{"name":"responseLatency","start":"2025-09-19T19:36:50.880Z","durationMs":'
        '0.847}]}}')
    assert same(lmi, ("report", "13d1305b-a2f5-440c-bfbe-686ccff3d3e0", 1.148, NAN, NAN, NAN, NAN,
                      NAN, NAN, "success", ""))
    snap = parse_message(
        '{"time":"2024-01-01T00:00:00.000Z","type":"platform.report","record":{"requestId":"s1",'
        '"status":"success","metrics":{"durationMs":147.156,"billedDurationMs":201,'
        '"memorySizeMB":1024,"maxMemoryUsedMB":150,"restoreDurationMs":500.795,'
        '"billedRestoreDurationMs":53}}}')
    assert same(snap, ("report", "s1", 147.156, 201.0, 1024.0, 150.0, NAN, 500.795, 53.0,
                       "success", ""))


def test_json_status_and_failure_records() -> None:
    done = parse_message(
        '{"time":"2026-07-09T06:05:50.580Z","type":"platform.runtimeDone","record":{"requestId":'
        '"aec7a529","status":"timeout","metrics":{"durationMs":5001.182}}}')
    assert same(done, ("status", "aec7a529", "timeout", "", False, NAN))
    failure = parse_message(
        '{"time":"2024-01-01T00:00:00.000Z","type":"platform.report","record":{"requestId":"f1",'
        '"status":"failure","errorType":"Sandbox.Failure","metrics":{"durationMs":3.0}}}')
    assert failure is not None and failure[9:] == ("error", "Sandbox.Failure")
    legacy = parse_message(
        '{"time":"2020-08-20T12:31:32.123Z","type":"platform.fault","record":"RequestId: '
        'd783b35e-a91d-4251-af17-035953428a2c Process exited before completing request"}')
    assert same(legacy, ("status", "d783b35e-a91d-4251-af17-035953428a2c", "error", "", True,
                         NAN))
    assert parse_message('{"time":"2024-01-01T00:00:00.000Z","type":"platform.logsDropped",'
                         '"record":{"droppedBytes":1,"droppedRecords":1,"reason":"x"}}') == (
        "other",)
    phase_invoke = parse_message(
        '{"time":"2024-01-01T00:00:00.000Z","type":"platform.initStart","record":{'
        '"initializationType":"on-demand","phase":"invoke"}}')
    assert phase_invoke is not None and phase_invoke[3] == "invoke"


@pytest.mark.parametrize(("word", "expected"), [
    ("success", "success"), ("timeout", "timeout"), ("error", "error"), ("failure", "error"),
    ("Timeout", "timeout"), ("", ""), (None, ""),
])
def test_normalize_status(word: str | None, expected: str) -> None:
    assert normalize_status(word) == expected


# ------------------------------------------------------------------ copy artefacts (issue 10)

UUID = "5b1e0c2a-7d3f-4f6e-9a51-0c2d8e4b7a11"


@pytest.mark.parametrize(("message", "expected"), [
    # a tab lost in a copy glued the RequestId to the next field: a RequestId is a UUID
    (f"REPORT RequestId: {UUID}Duration: 1200.50 ms Billed Duration: 1201 ms Memory Size: 128 MB "
     "Max Memory Used: 90 MB",
     ("report", UUID, 1200.50, 1201.0, 128.0, 90.0, NAN, NAN, NAN, "", "")),
    # variant: glued after a tab-separated START-style copy, uppercase hex, Init Duration glued
    (f"REPORT RequestId: {UUID.upper()}Duration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: "
     "512 MBMax Memory Used: 90 MBInit Duration: 300.25 ms",
     ("report", UUID.upper(), 5.0, 5.0, 512.0, 90.0, 300.25, NAN, NAN, "", "")),
    # the old "100 ms \t" separator lost: Billed Duration still read
    (f"REPORT RequestId: {UUID}\tDuration: 99.10 ms\tBilled Duration: 100 msMemory Size: 256 MB"
     "\tMax Memory Used: 70 MB",
     ("report", UUID, 99.10, 100.0, 256.0, 70.0, NAN, NAN, NAN, "", "")),
    # a tab instead of a space after "RequestId:"
    (f"REPORT RequestId:\t{UUID}\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB"
     "\tMax Memory Used: 60 MB\t",
     ("report", UUID, 2.0, 2.0, 128.0, 60.0, NAN, NAN, NAN, "", "")),
    # very old logs: a time-based UUID, glued
    ("REPORT RequestId: c5e3a1f0-3e8a-11e7-a8e0-0b4f2b3f9e6aDuration: 7.00 ms Billed Duration: "
     "100 ms Memory Size: 128 MB Max Memory Used: 20 MB",
     ("report", "c5e3a1f0-3e8a-11e7-a8e0-0b4f2b3f9e6a", 7.0, 100.0, 128.0, 20.0, NAN, NAN, NAN,
      "", "")),
])
def test_report_copy_artefacts(message: str, expected: tuple[object, ...]) -> None:
    assert same(parse_message(message), expected), parse_message(message)


@pytest.mark.parametrize(("message", "expected"), [
    (f"START RequestId:\t{UUID} Version: $LATEST", ("start", UUID, "$LATEST")),
    (f"START RequestId: {UUID}Version: 12", ("start", UUID, "12")),
    (f"END RequestId:\t{UUID}", ("end", UUID)),
    (f"END RequestId: {UUID}XRAY", ("end", UUID)),
])
def test_start_end_copy_artefacts(message: str, expected: tuple[object, ...]) -> None:
    assert parse_message(message) == expected


@pytest.mark.parametrize("message", [
    # a fixture with literal backslash-t sequences: never a RequestId containing "\t"
    "REPORT RequestId: a1\\tDuration: 1000.00 ms\\tBilled Duration: 1000 ms\\tMemory Size: 128 MB",
    f"REPORT RequestId: {UUID}\\tDuration: 1000.00 ms\\tBilled Duration: 1000 ms",
    f"START RequestId: {UUID}\\tVersion: $LATEST",
    "REPORT RequestId: a1\\Duration: 5 ms",
])
def test_literal_backslash_t_is_malformed(message: str) -> None:
    assert parse_message(message) is MALFORMED


@pytest.mark.parametrize("message", [
    "EXTENSION     Name: x   State: Ready    Events: [INVOKE,SHUTDOWN]",
    "LOGS    Name: cloudwatch_lambda_agent   State: Subscribed   Types: [platform]",
    "TELEMETRY        Name: datadog-agent        State: Subscribed        Types: [Platform]",
])
def test_extension_lines_with_tabs_expanded_to_spaces(message: str) -> None:
    assert parse_message(message) == ("extension",)
