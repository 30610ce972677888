"""The lifecycle engine on hand-worked lifecycles (docs/platform.md §2.6, §2.7, §5).

Each scenario is a short list of (seconds after T0, log stream, message) events. ``analyze``
feeds them one by one to a RecordSink (the per-event path every reader shares), runs the
engine and derives the other tables exactly as the pipeline does. The expected start type,
status and flags of every invocation are worked out by hand in the comments, from the doc.
A few scenarios also go through a real ``aws logs tail`` file and the CLI.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app
from lamlife.lifecycle.analysis import Analysis, InputStats
from lamlife.lifecycle.engine.replay import EngineOptions, run_engine
from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths, build_analysis
from lamlife.lifecycle.read.collect import RecordSink
from lamlife.lifecycle.schema import FLAG_SEPARATOR, INVOCATION_COLUMNS

T0 = pd.Timestamp("2026-07-20T01:00:00Z")
E1 = "2026/07/20/[$LATEST]11111111111111111111111111111111"
E2 = "2026/07/20/[$LATEST]22222222222222222222222222222222"
E3 = "2026/07/20/[$LATEST]33333333333333333333333333333333"
Event = tuple[float, str, str]

# ------------------------------------------------------------------ message builders (§2)

INIT_START = ("INIT_START Runtime Version: nodejs:18.v71\tRuntime Version ARN: arn:aws:lambda:"
              "us-east-1::runtime:bcd7c0a83c1c6bc9b4982403f8200084d0db1fe61d7c4d3215979c11bb00d650")


def start(rid: str, version: str = "$LATEST") -> str:
    return f"START RequestId: {rid} Version: {version}"


def end(rid: str) -> str:
    return f"END RequestId: {rid}"


def report(rid: str, duration: float, billed: int, memory: int = 128, used: int = 60, *,
           init: float | None = None, status: str | None = None, etype: str | None = None,
           restore: float | None = None, billed_restore: int | None = None) -> str:
    parts = [f"REPORT RequestId: {rid}", f"Duration: {duration:.2f} ms",
             f"Billed Duration: {billed} ms", f"Memory Size: {memory} MB",
             f"Max Memory Used: {used} MB"]
    if init is not None:
        parts.append(f"Init Duration: {init:.2f} ms")
    if restore is not None:
        parts.append(f"Restore Duration: {restore:.2f} ms")
        parts.append(f"Billed Restore Duration: {billed_restore} ms")
    if status is not None:
        parts.append(f"Status: {status}")
        if etype is not None:
            parts.append(f"Error Type: {etype}")
    text = "\t".join(parts)
    return text if status is not None else text + "\t"  # success lines end with a tab (§2.2)


def init_report(duration: float, phase: str | None = None, status: str | None = None,
                etype: str | None = None) -> str:
    parts = [f"INIT_REPORT Init Duration: {duration:.2f} ms"]
    if phase:
        parts.append(f"Phase: {phase}")
    if status:
        parts.append(f"Status: {status}")
    if etype:
        parts.append(f"Error Type: {etype}")
    return "\t".join(parts)


def invocation(t: float, env: str, rid: str, duration: float, billed: int, **kw: object
               ) -> list[Event]:
    """START at t, END and REPORT at t + duration."""
    done = t + duration / 1000.0
    return [(t, env, start(rid)), (done, env, end(rid)),
            (done, env, report(rid, duration, billed, **kw))]  # type: ignore[arg-type]


def json_record(t: float, kind: str, record: Mapping[str, object]) -> str:
    time = (T0 + pd.Timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return json.dumps({"time": time, "type": f"platform.{kind}", "record": record})


# ------------------------------------------------------------------ running


def ms(t: float) -> float:
    return (T0 + pd.Timedelta(seconds=t)).value / 1e6


def analyze(events: list[Event], threshold_s: float = 10.0, function: str = "fn") -> Analysis:
    """RecordSink.add per event -> finish -> run_engine -> build_analysis (as pipeline.observe)."""
    sink = RecordSink()
    for t, env, message in events:
        sink.add(function, env, ms(t), message)
    stats = InputStats()
    stats.incomplete = sink.finish()
    stats.events = sink.counts.events
    result = run_engine(sink, EngineOptions(proactive_threshold_s=threshold_s))
    assert list(result.invocations.columns) == list(INVOCATION_COLUMNS)
    assert sink.counts.records + sink.counts.ignored + sink.counts.malformed == stats.events
    return build_analysis(result.invocations, stats,
                          orphan_init_failures=result.orphan_init_failures,
                          unused_inits=result.unused_inits, orphan_events=result.orphan_events)


def write_tail(path: Path, events: list[Event]) -> Path:
    """The same events as ``aws logs tail`` prints them (embedded newlines stay, unprefixed)."""
    lines = []
    for t, env, message in sorted(events, key=lambda e: e[0]):
        stamp = (T0 + pd.Timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "+00:00"
        lines.append(f"{stamp} {env} {message.rstrip()}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rows(analysis: Analysis, rid: str) -> list[pd.Series]:
    inv = analysis.invocations
    return [inv.iloc[i] for i in range(len(inv)) if inv.iloc[i]["request_id"] == rid]


def row(analysis: Analysis, rid: str) -> pd.Series:
    found = rows(analysis, rid)
    assert len(found) == 1, f"{rid}: {len(found)} invocations"
    return found[0]


def flags(value: object) -> set[str]:
    return set(value.split(FLAG_SEPARATOR)) - {""} if isinstance(value, str) else set()


def env_row(analysis: Analysis, env: str) -> pd.Series:
    envs = analysis.environments
    match = envs[envs["environment"] == env]
    assert len(match) == 1
    found: pd.Series = match.iloc[0]
    return found


def is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


# ------------------------------------------------------------------ cold and warm


def test_cold_then_warm() -> None:
    # INIT_START, then a START whose REPORT carries Init Duration: cold (§5.8 row "cold").
    # The next START on the same stream reuses the ready environment: warm.
    events = [(0.0, E1, INIT_START),
              *invocation(0.4, E1, "a", 184.22, 597, memory=512, init=412.63),
              *invocation(5.0, E1, "b", 38.91, 39, memory=512)]
    a = analyze(events)
    first, second = row(a, "a"), row(a, "b")
    assert (first["start_type"], first["status"], first["error_type"]) == ("cold", "success", "")
    assert first["init_duration_ms"] == pytest.approx(412.63)
    assert first["runtime_version"] == "nodejs:18.v71"
    assert flags(first["flags"]) == set()
    assert (second["start_type"], second["status"]) == ("warm", "success")
    assert is_nan(second["init_duration_ms"])
    assert flags(second["flags"]) == set()
    s = a.summary
    assert (s["invocations"], s["environments"], s["cold_starts"]) == (2, 1, 1)
    assert s["cold_start_rate"] == pytest.approx(0.5)
    assert env_row(a, E1)["flags"] == ""


def test_extension_lines_alone_mark_a_cold_start() -> None:
    # §2.5: EXTENSION / TELEMETRY lines alone mark an initializing environment; §5.8: cold
    # with "EXTENSION or TELEMETRY before it in the window", even without INIT_START or
    # Init Duration.
    events = [(0.0, E1, "EXTENSION\tName: AppConfigAgent\tState: Ready\tEvents: [INVOKE]"),
              (0.1, E1, "TELEMETRY\tName: datadog-agent\tState: Subscribed\tTypes: [Platform]"),
              *invocation(0.3, E1, "a", 20.0, 20)]
    assert row(analyze(events), "a")["start_type"] == "cold"


def test_cold_start_needs_positive_evidence() -> None:
    # §8 first pitfall: a REPORT without Init Duration and no init records is never cold.
    a = analyze(invocation(0.0, E1, "a", 20.0, 20))
    assert row(a, "a")["start_type"] == "warm"
    assert a.summary["cold_starts"] == 0


# ------------------------------------------------------------------ proactive (§5.5)


@pytest.mark.parametrize(("gap_s", "threshold_s", "expected"), [
    (30.0, 10.0, "proactive"),  # INIT_START 30 s before START > 10 s: the caller never waited
    (5.0, 10.0, "cold"),        # 5 s < 10 s: INIT_START is cold evidence (§5.8)
    (10.0, 10.0, "cold"),       # "exceeds" the threshold: exactly 10 s is not above it
    (30.0, 60.0, "cold"),       # a larger threshold turns the 30 s gap back into cold
    (5.0, 3.0, "proactive"),    # a smaller threshold (DataDog uses 1 s) makes 5 s proactive
])
def test_proactive_by_gap(gap_s: float, threshold_s: float, expected: str) -> None:
    # No Init Duration in the REPORT: §5.5 says decide by the gap only.
    events = [(0.0, E1, INIT_START), *invocation(gap_s, E1, "p", 45.0, 45),
              *invocation(gap_s + 10, E1, "w", 10.0, 10)]
    a = analyze(events, threshold_s=threshold_s)
    assert row(a, "p")["start_type"] == expected
    assert row(a, "w")["start_type"] == "warm"
    # proactive is not a cold start (DESIGN.md: cold_starts = cold + restore + reinit)
    assert a.summary["cold_starts"] == (1 if expected == "cold" else 0)


def test_proactive_threshold_option_through_cli(tmp_path: Path) -> None:
    # The same 5 s gap through a tail file: cold by default, proactive with
    # --proactive-threshold 3.
    log = write_tail(tmp_path / "fn.log",
                     [(0.0, E1, INIT_START), *invocation(5.0, E1, "p", 45.0, 45)])
    runner = CliRunner()
    default = runner.invoke(app, ["analyze", str(log), "--format", "json", "--quiet"])
    lowered = runner.invoke(app, ["analyze", str(log), "--format", "json", "--quiet",
                                  "--proactive-threshold", "3"])
    assert default.exit_code == 0 and lowered.exit_code == 0, lowered.stderr
    assert json.loads(default.stdout)["summary"]["start_types"]["cold"] == 1
    assert json.loads(lowered.stdout)["summary"]["start_types"]["proactive"] == 1
    via_api = analyze_paths([str(log)], AnalyzeOptions(proactive_threshold_s=3.0))
    assert via_api.summary["start_types"]["proactive"] == 1


# ------------------------------------------------------------------ provisioned (§5.6)


def test_provisioned_from_successful_text_init_report() -> None:
    # §2.3: a successful INIT_REPORT is printed only with PC or SnapStart; §5.6: in text logs
    # PC shows as INIT_REPORT on success long before any traffic. The init at 0 s finished at
    # 1.5 s and the first request came 10 minutes later: provisioned (it outranks proactive in
    # §5.8), then warm. The invocation's init is the INIT_REPORT's 1523.40 ms.
    events = [(0.0, E1, INIT_START), (1.5, E1, init_report(1523.40, phase="init")),
              *invocation(600.0, E1, "pc1", 12.0, 12),
              *invocation(610.0, E1, "pc2", 11.0, 11)]
    a = analyze(events)
    first = row(a, "pc1")
    assert first["start_type"] == "provisioned"
    assert first["init_duration_ms"] == pytest.approx(1523.40)
    assert row(a, "pc2")["start_type"] == "warm"
    assert a.summary["cold_starts"] == 0
    assert a.summary["start_types"]["provisioned"] == 1


def test_provisioned_from_json_initialization_type() -> None:
    # §3.2: initStart / initReport with initializationType provisioned-concurrency; the first
    # invocation is provisioned, the next warm (§5.6).
    pc = {"initializationType": "provisioned-concurrency", "phase": "init"}
    events = [
        (0.0, E1, json_record(0.0, "initStart", {**pc, "runtimeVersion": "python:3.12.v40"})),
        (2.0, E1, json_record(2.0, "initReport", {**pc, "status": "success",
                                                  "metrics": {"durationMs": 1999.5}})),
        (300.0, E1, json_record(300.0, "start", {"requestId": "j1", "version": "3"})),
        (300.2, E1, json_record(300.2, "report", {"requestId": "j1", "status": "success",
                                                  "metrics": {"durationMs": 200.0,
                                                              "billedDurationMs": 200,
                                                              "memorySizeMB": 512,
                                                              "maxMemoryUsedMB": 90}})),
        (400.0, E1, json_record(400.0, "start", {"requestId": "j2", "version": "3"})),
        (400.1, E1, json_record(400.1, "report", {"requestId": "j2", "status": "success",
                                                  "metrics": {"durationMs": 100.0,
                                                              "billedDurationMs": 100,
                                                              "memorySizeMB": 512,
                                                              "maxMemoryUsedMB": 91}})),
    ]
    a = analyze(events)
    first = row(a, "j1")
    assert first["start_type"] == "provisioned"
    assert first["init_type"] == "provisioned-concurrency"
    assert first["version"] == "3"
    assert row(a, "j2")["start_type"] == "warm"


# ------------------------------------------------------------------ SnapStart restore (§2.4)


def test_restore_from_text_lines() -> None:
    # RESTORE_START / RESTORE_REPORT then START and REPORT (k): restore, no Init Duration,
    # Restore Duration 398.97, Billed Restore Duration 182. The next one is warm.
    events = [
        (0.0, E1, "RESTORE_START Runtime Version: java:11.v20\tRuntime Version ARN: arn:aws:"
                  "lambda:us-east-1::runtime:b8b295733fb8ae6769e0fb039181ce76e1f54a4d04bb5ca7ded937bb0d839109"),
        (0.399, E1, "RESTORE_REPORT Restore Duration: 398.97 ms"),
        *invocation(0.402, E1, "8c360c87-d4b7-4423-b5f3-af02be3c1763", 2338.66, 2521,
                    memory=3009, used=173, restore=398.97, billed_restore=182),
        *invocation(10.0, E1, "w", 149.53, 150, memory=3009, used=175),
    ]
    a = analyze(events)
    first = row(a, "8c360c87-d4b7-4423-b5f3-af02be3c1763")
    assert first["start_type"] == "restore"
    assert first["restore_duration_ms"] == pytest.approx(398.97)
    assert first["billed_restore_duration_ms"] == pytest.approx(182)
    assert is_nan(first["init_duration_ms"])
    assert first["runtime_version"] == "java:11.v20"
    assert row(a, "w")["start_type"] == "warm"
    assert a.summary["cold_starts"] == 1  # restore counts as a cold start (DESIGN.md)


def test_restore_from_json_report_alone() -> None:
    # §5.8: restoreDurationMs alone is restore evidence (power-tuning fixture numbers, §3.3).
    events = [
        (0.0, E1, json_record(0.0, "start", {"requestId": "r1"})),
        (0.2, E1, json_record(0.2, "report", {
            "requestId": "r1", "status": "success",
            "metrics": {"durationMs": 147.156, "billedDurationMs": 201, "memorySizeMB": 1024,
                        "maxMemoryUsedMB": 150, "restoreDurationMs": 500.795,
                        "billedRestoreDurationMs": 53}})),
    ]
    first = row(analyze(events), "r1")
    assert first["start_type"] == "restore"
    assert first["restore_duration_ms"] == pytest.approx(500.795)
    assert first["billed_restore_duration_ms"] == pytest.approx(53)
    assert first["billed_duration_ms"] == pytest.approx(201)


# ------------------------------------------------------------------ reinit after a failure (§5.3)


def test_reinit_after_timeout_silent_reset() -> None:
    # §2.7 (3), docs rendering (spaces for tabs, shortened ids): a REPORT without Status, then
    # "Task timed out after 6.01 seconds" after it: the invocation timed out (Billed 6000 <
    # Duration 6006.56: the old cap). The next START on the stream carries a suppressed init
    # with no Init Duration: reinit. One failure followed by a success is not a reset loop.
    events = [
        (0.0, E1, INIT_START), *invocation(0.5, E1, "c0", 100.0, 100, init=300.0),
        (10.0, E1, "START RequestId: fd9bb1b0dfd7 Version: $LATEST"),
        (16.007, E1, "END RequestId: fd9bb1b0dfd7"),
        (16.007, E1, "REPORT RequestId: fd9bb1b0dfd7 Duration: 6006.56 ms Billed Duration: 6000 ms "
                     "Memory Size: 128 MB Max Memory Used: 57 MB"),
        (16.008, E1, "fd9bb1b0dfd7 Task timed out after 6.01 seconds"),
        (20.0, E1, "START RequestId: 8a7d862fa2c3 Version: $LATEST"),
        (20.01, E1, "END RequestId: 8a7d862fa2c3"),
        (20.01, E1, "REPORT RequestId: 8a7d862fa2c3 Duration: 9.96 ms Billed Duration: 10 ms "
                    "Memory Size: 128 MB Max Memory Used: 12 MB"),
    ]
    a = analyze(events)
    timed_out = row(a, "fd9bb1b0dfd7")
    assert (timed_out["start_type"], timed_out["status"]) == ("warm", "timeout")
    assert flags(timed_out["flags"]) == {"timeout"}
    assert timed_out["duration_ms"] == pytest.approx(6006.56)
    assert timed_out["billed_duration_ms"] == pytest.approx(6000)
    after = row(a, "8a7d862fa2c3")
    assert (after["start_type"], after["status"]) == ("reinit", "success")
    assert "timed out" in after["reason"]
    assert after["max_memory_used_mb"] == pytest.approx(12)
    env = env_row(a, E1)
    assert (env["resets"], env["failures"], env["cold_starts"]) == (1, 1, 2)
    assert "reset_loop" not in flags(env["flags"])
    s = a.summary
    assert (s["timeouts"], s["errors"], s["reset_loops"]) == (1, 0, 0)
    assert s["start_types"]["reinit"] == 1


def test_reinit_after_oom_crash_line() -> None:
    # §2.6: "RequestId: <id> Error: Runtime exited with error: signal: killed\nRuntime.ExitError"
    # (a two-line message) with Max Memory Used = Memory Size (512 = 512): out of memory, OOM
    # evidence 2. The REPORT has no Status, so the crash line makes the status error; the logged
    # error type is Runtime.ExitError. The next invocation is reinit (§5.3: memory exhaustion).
    events = [
        *invocation(0.0, E1, "w0", 30.0, 30, memory=512, used=200),
        (5.0, E1, start("oom")),
        (5.4, E1, "RequestId: oom Error: Runtime exited with error: signal: killed\n"
                  "Runtime.ExitError"),
        (5.437, E1, end("oom")),
        (5.437, E1, report("oom", 436.90, 437, memory=512, used=512)),
        *invocation(9.0, E1, "next", 471.38, 472, memory=512, used=140),
    ]
    a = analyze(events)
    oom = row(a, "oom")
    assert (oom["start_type"], oom["status"], oom["error_type"]) == (
        "warm", "error", "Runtime.ExitError")
    assert "out_of_memory" in flags(oom["flags"])
    after = row(a, "next")
    assert after["start_type"] == "reinit"
    assert "memory" in after["reason"]
    s = a.summary
    assert (s["errors"], s["out_of_memory"], s["timeouts"]) == (1, 1, 0)


def test_killed_below_the_memory_limit_is_an_error_not_oom() -> None:
    # §2.6 OOM evidence 2 needs both "signal: killed" AND Max Memory Used = Memory Size.
    events = [
        (0.0, E1, start("k")),
        (0.3, E1, "RequestId: k Error: Runtime exited with error: signal: killed\n"
                  "Runtime.ExitError"),
        (0.31, E1, report("k", 310.0, 310, memory=512, used=300)),
        *invocation(5.0, E1, "after", 20.0, 20, memory=512, used=120),
    ]
    a = analyze(events)
    killed = row(a, "k")
    assert killed["status"] == "error"
    assert "out_of_memory" not in flags(killed["flags"])
    assert row(a, "after")["start_type"] == "reinit"  # any error resets (§5.1)
    assert a.summary["out_of_memory"] == 0


def test_reinit_after_runtime_out_of_memory_status() -> None:
    # REPORT (h): Status: error, Error Type: Runtime.OutOfMemory (OOM evidence 1), and its own
    # Init Duration (a cold start that ran out of memory). Next: reinit.
    events = [
        (0.0, E1, INIT_START),
        *invocation(1.0, E1, "806ab12b-e660-4a4a-8d9a-eee01e457f98", 376256.59, 376257,
                    memory=10239, used=10239, init=551.73, status="error",
                    etype="Runtime.OutOfMemory"),
        *invocation(400.0, E1, "again", 1000.0, 1000, memory=10239, used=2000),
    ]
    a = analyze(events)
    first = row(a, "806ab12b-e660-4a4a-8d9a-eee01e457f98")
    assert (first["start_type"], first["status"], first["error_type"]) == (
        "cold", "error", "Runtime.OutOfMemory")
    assert "out_of_memory" in flags(first["flags"])
    assert row(a, "again")["start_type"] == "reinit"
    assert (a.summary["errors"], a.summary["out_of_memory"]) == (1, 1)


# ------------------------------------------------------------------ init failures (§2.7, §5.2)


def test_init_error_retried_in_invoke_phase() -> None:
    # §2.7 (1), the real sequence: INIT_START, a failed init (Phase: init), the retry in the
    # invoke phase failing again (Phase: invoke), then START and a REPORT with Status: error and
    # no Init Duration. §5.8: a failed Phase: init / a Phase: invoke INIT_REPORT before START
    # -> reinit; flag init_error; both INIT_REPORTs are init failures (DESIGN.md) -> 2.
    rid = "60d08d48-b6b9-4953-83db-30848477f662"
    events = [
        (0.0, E1, INIT_START),
        (0.229, E1, init_report(229.04, "init", "error", "Runtime.ImportModuleError")),
        (0.377, E1, init_report(129.89, "invoke", "error", "Runtime.ImportModuleError")),
        (0.377, E1, start(rid)),
        (0.382, E1, end(rid)),
        (0.382, E1, report(rid, 143.12, 144, 128, 68, status="error",
                           etype="Runtime.ImportModuleError")),
    ]
    a = analyze(events)
    inv = row(a, rid)
    assert (inv["start_type"], inv["status"], inv["error_type"]) == (
        "reinit", "error", "Runtime.ImportModuleError")
    assert "init_error" in flags(inv["flags"])
    assert inv["init_failures"] == 2
    s = a.summary
    assert (s["init_failures"], s["errors"], s["invocations"]) == (2, 1, 1)
    assert s["start_types"]["reinit"] == 1


def test_init_timeout_then_suppressed_init_uses_the_whole_timeout() -> None:
    # §2.7 (2): the init timed out (10337.01 ms, Phase: init), the retry in the invoke phase
    # failed, then START, the old-style "Task timed out after 45.05 seconds" line BEFORE END,
    # and a REPORT without Status whose Billed 45000 < Duration 45054.87 (old cap).
    # -> reinit, status timeout, 2 init failures, and the init_timeout flag (§5.2: "The
    # invocation is reinit, with flag init_timeout"; §5.8 init_timeout for an INIT_REPORT with
    # status timeout).
    rid = "5d2c0a9e-3f41-4b7a-9c55-8a1e6f0b2d73"
    events = [
        (0.0, E1, INIT_START),
        (10.337, E1, init_report(10337.01, "init", "timeout")),
        (55.383, E1, init_report(45045.69, "invoke", "error", "Runtime.Unknown")),
        (55.383, E1, start(rid)),
        (100.4, E1, f"2024-01-29T16:41:15.998Z {rid} Task timed out after 45.05 seconds\n\n"),
        (100.438, E1, end(rid)),
        (100.438, E1, report(rid, 45054.87, 45000, 1024, 278)),
    ]
    a = analyze(events)
    inv = row(a, rid)
    assert (inv["start_type"], inv["status"]) == ("reinit", "timeout")
    assert inv["billed_duration_ms"] < inv["duration_ms"]
    assert inv["init_failures"] == 2
    assert (a.summary["init_failures"], a.summary["timeouts"]) == (2, 1)
    assert {"timeout", "init_timeout"} <= flags(inv["flags"])


def test_init_failure_without_any_invocation_is_still_counted() -> None:
    # DESIGN.md: init_failures counts INIT_REPORT records whose status is error or timeout,
    # even when the environment never served a request in the data.
    events = [(0.0, E2, INIT_START), (10.0, E2, init_report(10000.49, "init", "timeout")),
              *invocation(0.5, E1, "ok", 10.0, 10)]
    a = analyze(events)
    assert a.summary["init_failures"] == 1
    assert a.summary["invocations"] == 1


# ------------------------------------------------------------------ reset loop (§5.4)


def _timeouts_then(n_timeouts: int, then_success: bool) -> list[Event]:
    events: list[Event] = [(0.0, E1, INIT_START)]
    t = 1.0
    for i in range(n_timeouts):
        extra: dict[str, object] = {"init": 500.0} if i == 0 else {}
        events += invocation(t, E1, f"t{i}", 3000.0, 3000, status="timeout", **extra)
        t += 10.0
    if then_success:
        events += invocation(t, E1, "ok", 50.0, 50)
    return events


def test_reset_loop_three_timeouts_each_followed_by_another_invocation() -> None:
    # t0 (cold) times out -> t1 reinit times out -> t2 reinit times out -> ok reinit succeeds.
    # Three consecutive failures, each followed by a re-init: reset_loop on t0..t2 and on the
    # environment; summary reset_loops = 1 (one environment).
    a = analyze(_timeouts_then(3, then_success=True))
    assert row(a, "t0")["start_type"] == "cold"
    for rid in ("t1", "t2", "ok"):
        assert row(a, rid)["start_type"] == "reinit"
    for rid in ("t0", "t1", "t2"):
        assert {"timeout", "reset_loop"} <= flags(row(a, rid)["flags"])
    assert "reset_loop" not in flags(row(a, "ok")["flags"])
    assert "reset_loop" in flags(env_row(a, E1)["flags"])
    s = a.summary
    assert (s["reset_loops"], s["timeouts"]) == (1, 3)
    assert (a.events["event"] == "reset_loop").sum() == 1


def test_reset_loop_from_two_failures() -> None:
    # §5.4: "Flag reset_loop at 2 or more consecutive failures in one environment, each
    # followed by a re-init."
    a = analyze(_timeouts_then(2, then_success=True))
    assert a.summary["reset_loops"] == 1


def test_one_timeout_then_success_is_not_a_reset_loop() -> None:
    a = analyze(_timeouts_then(1, then_success=True))
    assert row(a, "ok")["start_type"] == "reinit"
    assert a.summary["reset_loops"] == 0
    assert "reset_loop" not in flags(env_row(a, E1)["flags"])


# ------------------------------------------------------------------ RequestId reuse (§5.1)


def test_same_request_id_on_two_environments() -> None:
    # An async retry on another environment reuses the RequestId: two invocations, each
    # classified in its own stream. On E1 it follows another invocation (warm); on E2 it is
    # the first request after INIT_START with Init Duration (cold).
    rid = "f8400400-dd9e-4025-b644-4c78df3287c7"
    events = [
        (0.0, E1, INIT_START), *invocation(0.3, E1, "first", 100.0, 100, init=250.0),
        *invocation(10.0, E1, rid, 1338.34, 1339, used=71, status="error",
                    etype="Runtime.UserCodeSyntaxError"),
        (20.0, E2, INIT_START), *invocation(20.3, E2, rid, 90.0, 390, init=299.5),
    ]
    a = analyze(events)
    both = {r["environment"]: r for r in rows(a, rid)}
    assert set(both) == {E1, E2}
    assert (both[E1]["start_type"], both[E1]["status"]) == ("warm", "error")
    assert both[E1]["error_type"] == "Runtime.UserCodeSyntaxError"
    assert (both[E2]["start_type"], both[E2]["status"]) == ("cold", "success")
    assert both[E2]["duration_ms"] == pytest.approx(90.0)
    assert a.summary["environments"] == 2


def test_same_request_id_twice_on_one_stream() -> None:
    # §5.1: one public stream has the same id twice: "Billed Duration: 600477 ms ... Init
    # Duration: 476.75 ms Status: timeout", then "Billed Duration: 600000 ms ... Status:
    # timeout". Key on (stream, RequestId, START time): two invocations. The first is cold
    # (Init Duration), the second follows a timeout on the same stream: reinit.
    rid = "054d8776-b852-42f6-a1a6-752552daea41"
    events = [
        (0.0, E1, INIT_START),
        (0.5, E1, start(rid)),
        (600.5, E1, end(rid)),
        (600.5, E1, report(rid, 600000.00, 600477, 1024, 1024, init=476.75, status="timeout")),
        (700.0, E1, start(rid)),
        (1300.0, E1, end(rid)),
        (1300.0, E1, report(rid, 600000.00, 600000, 1024, 1024, status="timeout")),
    ]
    a = analyze(events)
    got = sorted(rows(a, rid), key=lambda r: r["start"])
    assert len(got) == 2
    assert got[0]["start"] == T0 + pd.Timedelta(seconds=0.5)
    assert (got[0]["start_type"], got[0]["status"]) == ("cold", "timeout")
    assert got[0]["billed_duration_ms"] == pytest.approx(600477)
    assert got[1]["start"] == T0 + pd.Timedelta(seconds=700)
    assert (got[1]["start_type"], got[1]["status"]) == ("reinit", "timeout")
    assert got[1]["billed_duration_ms"] == pytest.approx(600000)
    assert a.summary["timeouts"] == 2
    assert a.summary["out_of_memory"] == 0  # Max = Size without a kill is weak evidence only


# ------------------------------------------------------------------ timeout line after REPORT


def test_old_style_timeout_line_after_report() -> None:
    # Fixture (c): REPORT (Init Duration 127.02, Billed 3000 < Duration 3003.16) and only then
    # "2020-06-09T15:02:26.150Z <id> Task timed out after 3.00 seconds\n\n". The line marks
    # the invocation that started before it: cold, timeout. The next one is reinit.
    rid = "7c9567b5-107b-4a6c-8798-0157ac21db52"
    events = [
        (0.0, E1, start(rid)),
        (3.013, E1, end(rid)),
        (3.013, E1, report(rid, 3003.16, 3000, 128, 48, init=127.02)),
        (3.014, E1, f"2020-06-09T15:02:26.150Z {rid} Task timed out after 3.00 seconds\n\n"),
        *invocation(20.0, E1, "next", 150.0, 150),
    ]
    a = analyze(events)
    inv = row(a, rid)
    assert (inv["start_type"], inv["status"], inv["error_type"]) == ("cold", "timeout", "")
    assert flags(inv["flags"]) == {"timeout"}
    assert row(a, "next")["start_type"] == "reinit"


# ------------------------------------------------------------------ incomplete data


def test_report_without_start() -> None:
    # A window that starts mid-invocation: only the REPORT. start = REPORT time - Duration.
    events = [(100.0, E1, report("late", 250.0, 250))]
    a = analyze(events)
    inv = row(a, "late")
    assert inv["start"] == T0 + pd.Timedelta(seconds=99.75)
    assert inv["end"] == T0 + pd.Timedelta(seconds=100)
    assert a.summary["incomplete"] == 0


def test_start_without_report_is_incomplete_not_an_invocation() -> None:
    # The window ends mid-invocation: "b" has a START only. Not an invocation; incomplete = 1.
    events = [(0.0, E1, INIT_START), *invocation(0.3, E1, "a", 100.0, 100, init=250.0),
              (30.0, E1, start("b"))]
    a = analyze(events)
    assert list(a.invocations["request_id"]) == ["a"]
    assert a.summary["incomplete"] == 1
    assert a.summary["invocations"] == 1


def test_init_used_by_an_incomplete_invocation_is_not_unused() -> None:
    # §5.5: "An INIT_START with no START is an unused proactive init." Here the init was
    # followed by a START (whose REPORT is past the window): incomplete 1, unused_inits 0.
    events = [(0.0, E1, INIT_START), (0.4, E1, start("cut"))]
    a = analyze(events)
    assert a.summary["incomplete"] == 1
    assert a.summary["unused_inits"] == 0


def test_first_start_without_init_evidence_started_before_window() -> None:
    # §5.8 last row: a first START with no init evidence, in a stream older than the window,
    # counts as warm; the truncation is reported (flag started_before_window, on the
    # invocation and the environment). The second invocation is plain warm.
    events = [*invocation(0.0, E1, "w1", 20.0, 20), *invocation(5.0, E1, "w2", 21.0, 21)]
    a = analyze(events)
    first = row(a, "w1")
    assert first["start_type"] == "warm"
    assert "started_before_window" in flags(first["flags"])
    assert flags(row(a, "w2")["flags"]) == set()
    assert "started_before_window" in flags(env_row(a, E1)["flags"])


def test_unused_init() -> None:
    # §5.5: an INIT_START with no START is an unused (proactive) init. E2 initializes and
    # serves nobody; E1 serves one cold request.
    events = [(0.0, E1, INIT_START), *invocation(0.3, E1, "a", 100.0, 100, init=250.0),
              (50.0, E2, INIT_START),
              (50.1, E2, "EXTENSION\tName: lambda-adapter\tState: Ready\tEvents: []")]
    a = analyze(events)
    s = a.summary
    assert (s["unused_inits"], s["invocations"], s["environments"]) == (1, 1, 1)
    unused = a.events[a.events["event"] == "unused_init"]
    assert list(unused["environment"]) == [E2]


def test_records_are_ordered_by_timestamp_not_arrival() -> None:
    # §5.6: "Order by timestamp, not by arrival" (initStart can arrive after the invoke event).
    # The INIT_START is handed over last but is timed before the START: still cold evidence.
    events = [*invocation(0.5, E1, "a", 100.0, 100), (0.0, E1, INIT_START)]
    assert row(analyze(events), "a")["start_type"] == "cold"


def test_tail_file_and_per_event_path_agree_on_a_lifecycle(tmp_path: Path) -> None:
    # The §2.7 (3) style sequence through a real tail file and analyze_paths: same start types.
    events = [(0.0, E1, INIT_START), *invocation(0.5, E1, "c", 100.0, 400, init=300.0),
              *invocation(5.0, E1, "t", 3000.0, 3000, status="timeout"),
              *invocation(10.0, E1, "r", 50.0, 50),
              (20.0, E2, INIT_START), *invocation(45.0, E2, "p", 40.0, 40)]
    via_file = analyze_paths([str(write_tail(tmp_path / "fn.log", events))])
    by_rid = dict(zip(via_file.invocations["request_id"], via_file.invocations["start_type"],
                      strict=True))
    assert by_rid == {"c": "cold", "t": "warm", "r": "reinit", "p": "proactive"}


# ------------------------------------------------------------------ more §5.8 evidence


def test_proactive_decided_by_gap_even_with_init_duration() -> None:
    # §5.5: whether the first REPORT of a proactive init carries Init Duration is unverified;
    # "Decide by the gap only". INIT_START 40 s before START: proactive even with Init Duration.
    events = [(0.0, E1, INIT_START), *invocation(40.0, E1, "p", 30.0, 30, init=350.0)]
    assert row(analyze(events), "p")["start_type"] == "proactive"


def test_json_phase_invoke_init_start_is_reinit() -> None:
    # §3.2 / §5.3: "The Telemetry API emits INIT_START ... with phase=invoke whenever suppressed
    # inits occur"; §5.8: `phase: invoke` -> reinit, even after a successful invocation.
    events = [
        (0.0, E1, INIT_START), *invocation(0.5, E1, "a", 100.0, 100, init=200.0),
        (30.0, E1, json_record(30.0, "initStart", {"initializationType": "on-demand",
                                                   "phase": "invoke"})),
        *invocation(30.2, E1, "b", 400.0, 400),
    ]
    a = analyze(events)
    assert row(a, "a")["start_type"] == "cold"
    assert row(a, "b")["start_type"] == "reinit"


def test_lmi_failure_does_not_reset_the_environment() -> None:
    # §5.7: on Lambda Managed Instances timeouts are not enforced and a worker crash leaves the
    # environment up; start type is per environment. A timeout is followed by a warm request.
    lmi = {"initializationType": "lambda-managed-instances", "phase": "init"}
    events = [
        (0.0, E1, json_record(0.0, "initStart", lmi)),
        (1.0, E1, json_record(1.0, "start", {"requestId": "l1"})),
        (6.0, E1, json_record(6.0, "report", {"requestId": "l1", "status": "timeout",
                                              "metrics": {"durationMs": 5000.0}})),
        (7.0, E1, json_record(7.0, "start", {"requestId": "l2"})),
        (7.1, E1, json_record(7.1, "report", {"requestId": "l2", "status": "success",
                                              "metrics": {"durationMs": 1.148}})),
    ]
    a = analyze(events)
    assert row(a, "l1")["status"] == "timeout"
    assert is_nan(row(a, "l1")["billed_duration_ms"])  # LMI has no Billed Duration (§6.5)
    assert row(a, "l2")["start_type"] == "warm"
    assert row(a, "l2")["init_type"] == "lambda-managed-instances"


def test_recycled_pc_environment_with_init_duration_is_provisioned() -> None:
    # §5.6: the first invoke on a recycled PC environment can show Init Duration although no
    # caller waited; provisioned outranks cold in §5.8.
    pc = {"initializationType": "provisioned-concurrency", "phase": "init"}
    events = [
        (0.0, E1, json_record(0.0, "initStart", pc)),
        (3.0, E1, json_record(3.0, "start", {"requestId": "pc"})),
        (3.1, E1, json_record(3.1, "report", {"requestId": "pc", "status": "success",
                                              "metrics": {"durationMs": 80.0,
                                                          "billedDurationMs": 2600,
                                                          "memorySizeMB": 512,
                                                          "maxMemoryUsedMB": 90,
                                                          "initDurationMs": 2519.3}})),
    ]
    inv = row(analyze(events), "pc")
    assert inv["start_type"] == "provisioned"
    assert inv["init_duration_ms"] == pytest.approx(2519.3)


def test_init_duration_percentiles_use_only_real_inits() -> None:
    # §8: warm invocations must not add 0 ms inits, and p50 is the median. Five cold starts
    # with Init Duration 100, 200, 300, 400, 1000 ms on five streams, plus a warm one each:
    # count 5, p50 300, p90 = 400 + 0.6 x (1000 - 400) = 760 (linear between closest ranks),
    # max 1000. Durations: 10 invocations.
    events: list[Event] = []
    for i, init in enumerate((100.0, 200.0, 300.0, 400.0, 1000.0)):
        env = f"2026/07/20/[$LATEST]{i:032d}"
        events += [(i * 100.0, env, INIT_START),
                   *invocation(i * 100.0 + 2, env, f"c{i}", 10.0, 10, init=init),
                   *invocation(i * 100.0 + 50, env, f"w{i}", 10.0, 10)]
    s = analyze(events).summary
    assert s["init_duration_ms"]["count"] == 5
    assert s["init_duration_ms"]["p50"] == pytest.approx(300.0)
    assert s["init_duration_ms"]["p90"] == pytest.approx(760.0)
    assert s["init_duration_ms"]["max"] == pytest.approx(1000.0)
    assert s["duration_ms"]["count"] == 10
    assert (s["cold_starts"], s["invocations"]) == (5, 10)


def test_init_timeout_retried_successfully_in_the_invoke_phase() -> None:
    # §5.2: the init hit the 10 s limit (INIT_REPORT Phase: init Status: timeout); the retry at
    # the first invocation succeeded, so no Phase: invoke INIT_REPORT is printed; the REPORT
    # has no Init Duration and its Duration holds the retry (12079.53 -> Billed 12080).
    # -> reinit with flag init_timeout, status success.
    events = [(0.0, E1, INIT_START), (10.0, E1, init_report(10000.49, "init", "timeout")),
              *invocation(10.1, E1, "retry", 12079.53, 12080, memory=1024, used=300)]
    a = analyze(events)
    inv = row(a, "retry")
    assert (inv["start_type"], inv["status"]) == ("reinit", "success")
    assert "init_timeout" in flags(inv["flags"])
    assert inv["billed_duration_ms"] == pytest.approx(12080)
    assert a.summary["init_failures"] == 1


def test_debug_level_on_demand_init_report_is_cold_and_uses_the_report_init() -> None:
    # §3.3 (2024-05-20, DEBUG level): an on-demand successful initReport (durationMs 173.778)
    # and a report with initDurationMs 174.055: "The two init values differ, so use the
    # report's". The initReport is on-demand, so it is not PC evidence: cold.
    od = {"initializationType": "on-demand", "phase": "init"}
    events = [
        (0.0, E1, json_record(0.0, "initStart", {**od, "runtimeVersion": "python:3.12.v27"})),
        (0.174, E1, json_record(0.174, "initReport", {**od, "status": "success",
                                                      "metrics": {"durationMs": 173.778}})),
        (0.18, E1, json_record(0.18, "start", {"requestId": "d1", "version": "$LATEST"})),
        (0.192, E1, json_record(0.192, "report", {
            "requestId": "d1", "status": "success",
            "metrics": {"durationMs": 11.642, "billedDurationMs": 12, "memorySizeMB": 128,
                        "maxMemoryUsedMB": 67, "initDurationMs": 174.055}})),
    ]
    inv = row(analyze(events), "d1")
    assert inv["start_type"] == "cold"
    assert inv["init_duration_ms"] == pytest.approx(174.055)
    assert inv["init_type"] == "on-demand"


def test_environment_and_function_tables_worked_by_hand() -> None:
    # E1: cold a (START 0.4 s, 184.22 ms, ends 0.58422 s), warm b (START 5.0 s, 38.91 ms,
    # ends 5.03891 s), timeout c (START 20 s, 3000 ms, ends 23 s), reinit d (START 30 s,
    # 10 ms, ends 30.01 s). Idle gaps: 5.0 - 0.58422 = 4.41578; 20 - 5.03891 = 14.96109;
    # 30 - 23 = 7. lifetime = 30.01 - 0.4 = 29.61 s. E2: one warm invocation (started before
    # the window). Function fn/$LATEST: 5 invocations, 2 environments, cold starts 2 (cold +
    # reinit), 1 timeout.
    events = [(0.0, E1, INIT_START),
              *invocation(0.4, E1, "a", 184.22, 597, init=412.63),
              *invocation(5.0, E1, "b", 38.91, 39),
              *invocation(20.0, E1, "c", 3000.0, 3000, status="timeout"),
              *invocation(30.0, E1, "d", 10.0, 10),
              *invocation(12.0, E2, "e", 20.0, 20)]
    a = analyze(events)
    env = env_row(a, E1)
    assert (env["invocations"], env["cold_starts"], env["resets"], env["failures"]) == (4, 2, 1, 1)
    assert env["lifetime_s"] == pytest.approx(29.61)
    assert env["max_idle_s"] == pytest.approx(14.96109)
    assert env["mean_idle_s"] == pytest.approx((4.41578 + 14.96109 + 7.0) / 3)
    assert env["init_duration_ms"] == pytest.approx(412.63)
    assert env["runtime_version"] == "nodejs:18.v71"
    assert env_row(a, E2)["invocations"] == 1
    assert len(a.functions) == 1
    fn = a.functions.iloc[0]
    assert (fn["function"], fn["version"], fn["invocations"], fn["environments"]) == (
        "fn", "$LATEST", 5, 2)
    assert (fn["cold_starts"], fn["cold"], fn["reinit"], fn["warm"], fn["timeouts"]) == (
        2, 1, 1, 3, 1)
    assert fn["cold_start_rate"] == pytest.approx(0.4)
    reinit_events = a.events[a.events["event"] == "reinit"]
    assert list(reinit_events["request_id"]) == ["d"]
