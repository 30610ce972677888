"""`lamlife fetch` end to end against a moto server on 127.0.0.1 (never real AWS).

The round trip: the same realistic events are (a) put into CloudWatch Logs on the moto
server, fetched with `lamlife fetch --endpoint-url`, and analyzed; (b) written as a
filter-log-events JSON file ``{"events": [...]}`` and analyzed. Both summaries must be equal,
and equal to the counts worked out by hand in ``moto_server.sample_events``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from moto_server import (
    FAKE_SECRET,
    aws_env,  # noqa: F401  (fixture)
    create_function,
    moto_endpoint,  # noqa: F401  (fixture)
    put_events,
    sample_events,
    unique,
)
from typer.testing import CliRunner

from lamlife.cli.main import app
from lamlife.lifecycle.aws import fetch as af

FAST = ["--max-rps", "1000", "--quiet"]


def _t0() -> int:
    return (int(time.time()) - 2 * 86400) // 3600 * 3600 * 1000  # moto keeps 14 days


def _setup(endpoint: str, warm: int = 0, name: str | None = None,
           group: str | None = None, stream_function: str = "") -> tuple[str, int, list[Any]]:
    name = name or unique("orders")
    create_function(endpoint, name, MemorySize=256)
    t0 = _t0()
    events = sample_events(t0, warm_invocations=warm, custom_group_function=stream_function)
    put_events(endpoint, group or f"/aws/lambda/{name}", events)
    return name, t0, events


def _window_args(t0: int) -> list[str]:
    return ["--start", af.ms_to_iso(t0 - 60_000), "--end", af.ms_to_iso(t0 + 2 * 3_600_000)]


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _lines(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if "lamlife_fetch" in r], [r for r in rows if "lamlife_fetch" not in r]


def _platform(events: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
    return sorted((e["logStreamName"], e["timestamp"], e["message"]) for e in events
                  if af.is_platform_message(e["message"]))


def _summary(*paths_and_options: str) -> dict[str, Any]:
    result = _run("analyze", *paths_and_options, "--format", "json", "--quiet")
    assert result.exit_code == 0, result.output
    summary: dict[str, Any] = json.loads(result.stdout)["summary"]
    return summary


def _one_error_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_fetch_round_trip_gives_the_same_summary_as_the_original_events(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    name, t0, events = _setup(moto_endpoint, warm=6)
    out = tmp_path / "fetched.jsonl"
    result = _run("fetch", "--function", name, "--endpoint-url", moto_endpoint,
                  *_window_args(t0), "--output", str(out), *FAST)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # data goes to the file; nothing on stdout without --analyze
    headers, fetched = _lines(out)
    assert _platform(fetched) == _platform(events)
    assert len(headers) == 1
    header = headers[0]
    assert header["lamlife_fetch"] == 1
    assert header["function"] == name
    assert header["log_group"] == f"/aws/lambda/{name}"
    assert header["region"] == "us-east-1"
    assert header["configuration"]["memory_mb"] == 256
    assert header["configuration"]["architecture"] == "x86_64"
    assert header["configuration"]["runtime"] == "python3.12"

    original = tmp_path / f"{name}.json"  # no log group inside: the file name is the function
    original.write_text(json.dumps({"events": [
        {**e, "eventId": str(i), "ingestionTime": e["timestamp"]} for i, e in enumerate(events)
    ]}))
    fetched_summary = _summary(str(out))
    original_summary = _summary(str(original), "--function", name)
    fetched_cost, original_cost = fetched_summary.pop("cost"), original_summary.pop("cost")
    assert fetched_summary == original_summary
    # The same amounts; the header adds what the events alone cannot say: the architecture
    # (no default assumed) and the fetched window. Both know the Region (the header, and
    # the INIT_START runtime version ARNs).
    for key in ("total_usd", "init_usd", "gb_seconds", "by_function", "by_start_type"):
        assert fetched_cost[key] == original_cost[key], key
    assert fetched_cost["pricing"]["defaults"] == []
    assert original_cost["pricing"]["defaults"] == ["architecture x86_64 (default)"]
    assert fetched_cost["pricing"]["regions"] == original_cost["pricing"]["regions"] == [
        "us-east-1"]
    assert fetched_cost["window"]["start"] == pd.Timestamp(header["window"]["start"]).isoformat()
    # and both agree with the counts worked out by hand (sample_events docstring)
    assert fetched_summary["invocations"] == 9 + 6
    assert fetched_summary["environments"] == 4
    assert fetched_summary["start_types"]["cold"] == 3
    assert fetched_summary["start_types"]["warm"] == 4 + 6
    assert fetched_summary["start_types"]["reinit"] == 2
    assert fetched_summary["cold_starts"] == 5
    assert fetched_summary["timeouts"] == 1
    assert fetched_summary["errors"] == 1
    assert fetched_summary["init_failures"] == 2


def test_fetched_configuration_is_used_for_billing(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    """An arm64 function: the fetched file says so, and analyze prices it as arm64, while the
    same events without the header are priced at the x86 default."""
    name = unique("graviton")
    create_function(moto_endpoint, name, MemorySize=256, Architectures=["arm64"])
    t0 = _t0()
    events = sample_events(t0)
    put_events(moto_endpoint, f"/aws/lambda/{name}", events)
    out = tmp_path / "arm.jsonl"
    result = _run("fetch", "-f", name, "--endpoint-url", moto_endpoint, *_window_args(t0),
                  "-o", str(out), *FAST)
    assert result.exit_code == 0, result.output
    original = tmp_path / f"{name}.json"
    original.write_text(json.dumps({"events": events}))
    fetched_cost = _summary(str(out))["cost"]
    original_cost = _summary(str(original))["cost"]
    assert fetched_cost["pricing"]["architecture"] == "arm64"
    assert original_cost["pricing"]["architecture"] == "x86_64"
    # same GB-s, priced per GB-s at arm64 $0.0000133334 vs x86 $0.0000166667 (us-east-1,
    # tier 1, docs/platform.md §6.4)
    assert fetched_cost["gb_seconds"] == pytest.approx(original_cost["gb_seconds"])
    ratio = fetched_cost["duration_usd"] / original_cost["duration_usd"]
    assert ratio == pytest.approx(0.0000133334 / 0.0000166667, rel=1e-6)


def test_fetch_with_analyze_prints_the_analysis(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    name, t0, _ = _setup(moto_endpoint)
    out = tmp_path / "f.jsonl"
    result = _run("fetch", "-f", name, "--endpoint-url", moto_endpoint, *_window_args(t0),
                  "-o", str(out), "--analyze", "--format", "json", *FAST)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["summary"] == _summary(str(out))
    assert printed["summary"]["invocations"] == 9


def test_fetch_paginates_across_many_pages_and_windows(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    name, t0, events = _setup(moto_endpoint, warm=60)
    out = tmp_path / "f.jsonl"
    result = _run("fetch", "-f", name, "--endpoint-url", moto_endpoint, *_window_args(t0),
                  "-o", str(out), "--page-size", "4", "--chunk", "15m", "--max-rps", "1000")
    assert result.exit_code == 0, result.output
    _, fetched = _lines(out)
    assert _platform(fetched) == _platform(events)
    assert len(fetched) == 35 + 3 * 60  # 215 events: 54+ pages of at most 4
    assert len({e["eventId"] for e in fetched}) == len(fetched)
    last = result.stderr.strip().splitlines()[-1]
    assert f"{len(fetched):,} platform events from 4 streams" in last
    app_lines = len(events) - len(fetched)
    assert f"dropped {app_lines:,} non-platform events" in last


def test_missing_log_group_exits_3_with_one_line_naming_it(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    name = unique("quiet")
    create_function(moto_endpoint, name)  # no log group: it was never invoked
    out = tmp_path / "f.jsonl"
    result = _run("fetch", "-f", name, "--endpoint-url", moto_endpoint, "--since", "1h",
                  "-o", str(out), *FAST)
    assert result.exit_code == 3
    line = _one_error_line(result)
    assert f"log group /aws/lambda/{name} not found in us-east-1" in line
    assert not out.exists() and not af.state_path(out).exists()
    assert not af.parts_dir(out).exists()


def test_missing_function_exits_3_naming_it(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    name = unique("ghost")
    result = _run("fetch", "-f", name, "--endpoint-url", moto_endpoint, "--since", "1h",
                  "-o", str(tmp_path / "f.jsonl"), *FAST)
    assert result.exit_code == 3
    assert f"function {name} not found in us-east-1" in _one_error_line(result)


def test_no_credentials_no_region_bad_profile_exit_3(
    aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path  # noqa: F811
) -> None:
    args = ["fetch", "-f", "x", "--endpoint-url", "http://127.0.0.1:9", "--since", "1h",
            "-o", str(tmp_path / "f.jsonl"), *FAST]
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    result = _run(*args)
    assert result.exit_code == 3
    assert "no AWS region" in _one_error_line(result)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = _run(*args, "--region", "eu-west-1")
    assert result.exit_code == 3
    assert "no AWS credentials" in _one_error_line(result)
    result = _run(*args, "--region", "eu-west-1", "--profile", "nobody")
    assert result.exit_code == 3
    assert "profile not found" in _one_error_line(result)


def test_credentials_never_appear_in_any_output(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # honoured: no retries against port 9
    name, t0, _ = _setup(moto_endpoint)
    out = tmp_path / "f.jsonl"
    runs = [
        _run("fetch", "-f", name, "--endpoint-url", moto_endpoint, *_window_args(t0),
             "-o", str(out), "--max-rps", "1000", "--analyze", "--format", "json"),
        _run("fetch", "-f", unique("ghost"), "--endpoint-url", moto_endpoint, "--since", "1h",
             "-o", str(tmp_path / "g.jsonl")),
        _run("fetch", "-f", name, "--endpoint-url", "http://127.0.0.1:9", "--since", "1h",
             "-o", str(tmp_path / "h.jsonl")),  # nothing listens on port 9
    ]
    assert [r.exit_code for r in runs] == [0, 3, 3]
    for r in runs:
        assert FAKE_SECRET not in r.output and FAKE_SECRET not in r.stderr
    assert FAKE_SECRET not in out.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "1h", "--start", "2h"], "either --since or --start"),
        (["--since", "soon"], "--since"),
        (["--start", "yesterday-ish"], "cannot read time"),
        (["--chunk", "big"], "--chunk"),
        (["--resume", "--force"], "either --resume or --force"),
    ],
)
def test_usage_errors_exit_2(
    aws_env: dict[str, str], tmp_path: Path, args: list[str], message: str  # noqa: F811
) -> None:
    result = _run("fetch", "-f", "x", "-o", str(tmp_path / "f.jsonl"), *args, *FAST)
    assert result.exit_code == 2
    assert message in _one_error_line(result)


def test_bad_format_with_analyze_exits_2_before_any_aws_call(
    aws_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    out = tmp_path / "f.jsonl"
    # nothing listens on port 9: reaching AWS would end in exit 3 "cannot reach"
    result = _run("fetch", "-f", "x", "--endpoint-url", "http://127.0.0.1:9", "--since", "1h",
                  "-o", str(out), "--analyze", "--format", "yaml", *FAST)
    assert result.exit_code == 2
    line = _one_error_line(result)
    assert line == ("lamlife: error: unknown format 'yaml': use one of table, json, csv, "
                    "markdown, html")
    assert list(tmp_path.iterdir()) == []


def test_output_under_a_file_exits_2_with_one_line(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    name, t0, _ = _setup(moto_endpoint)
    result = _run("fetch", "-f", name, "--endpoint-url", moto_endpoint, *_window_args(t0),
                  "-o", "/dev/null/x.jsonl", *FAST)
    assert result.exit_code == 2
    assert _one_error_line(result) == (
        "lamlife: error: cannot write /dev/null/x.jsonl: /dev/null is not a folder"
    )


def test_write_failures_during_the_fetch_exit_2_and_stay_resumable(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name, t0, events = _setup(moto_endpoint)
    out = tmp_path / "f.jsonl"
    args = ["fetch", "-f", name, "--endpoint-url", moto_endpoint, *_window_args(t0),
            "-o", str(out), *FAST]
    state = af.state_path(out)
    journal = state.with_name(state.name + "-wal")
    journal.mkdir()  # the sqlite state cannot write its journal
    result = _run(*args)
    assert result.exit_code == 2
    line = _one_error_line(result)
    assert line.startswith(f"lamlife: error: cannot write {out}: {state}: "), line
    journal.rmdir()
    for stale in tmp_path.glob("f.jsonl.state.sqlite*"):
        stale.unlink()
    from lamlife.lifecycle import files

    def full_disk(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:  # everything fetched, but the output cannot be joined
        patch.setattr(files.os, "replace", full_disk)
        result = _run(*args)
    assert result.exit_code == 2
    assert _one_error_line(result) == (
        f"lamlife: error: cannot write {out}: No space left on device"
    )
    assert not out.exists() and af.state_path(out).exists()
    assert list(tmp_path.glob(".f.jsonl.*.tmp")) == []  # no temporary file left behind
    result = _run(*args[:-len(FAST)], "--resume", *FAST)
    assert result.exit_code == 0, result.output
    assert _platform(_lines(out)[1]) == _platform(events)


def test_progress_line_is_cleared_before_the_error(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lamlife.cli import fetch as fetch_cli

    class TerminalPrinter(fetch_cli.ProgressPrinter):
        def __init__(self, quiet: bool) -> None:
            super().__init__(quiet)
            self.tty, self.interval = True, 0.0

    monkeypatch.setattr(fetch_cli, "ProgressPrinter", TerminalPrinter)
    name, t0, _ = _setup(moto_endpoint)
    out = tmp_path / "f.jsonl"
    from lamlife.lifecycle import files

    def full_disk(src: object, dst: object) -> None:  # fails after the progress was shown
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", full_disk)
    result = _run("fetch", "-f", name, "--endpoint-url", moto_endpoint, *_window_args(t0),
                  "-o", str(out), "--max-rps", "1000")
    assert result.exit_code == 2
    shown, _, error = result.stderr.rpartition("\r\x1b[2K")
    assert "fetching: " in shown
    assert error.startswith(f"lamlife: error: cannot write {out}: ")
    assert error.count("\n") == 1 and "Traceback" not in result.output


def test_needs_a_function(aws_env: dict[str, str]) -> None:  # noqa: F811
    result = _run("fetch", "--since", "1h", *FAST)
    assert result.exit_code == 2
    assert "--function" in _one_error_line(result)


def test_existing_output_needs_force(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    name, t0, events = _setup(moto_endpoint)
    out = tmp_path / "f.jsonl"
    out.write_text("keep me\n")
    args = ["fetch", "-f", name, "--endpoint-url", moto_endpoint, *_window_args(t0),
            "-o", str(out), *FAST]
    result = _run(*args)
    assert result.exit_code == 2
    assert "--force" in _one_error_line(result)
    assert out.read_text() == "keep me\n"
    result = _run(*args, "--force")
    assert result.exit_code == 0, result.output
    assert _platform(_lines(out)[1]) == _platform(events)
    result = _run(*args, "--resume")
    assert result.exit_code == 2
    assert "nothing to resume" in _one_error_line(result)


def test_default_output_is_named_after_function_and_window(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name, t0, _ = _setup(moto_endpoint)
    monkeypatch.chdir(tmp_path)
    result = _run("fetch", "-f", name, "--endpoint-url", moto_endpoint, *_window_args(t0), *FAST)
    assert result.exit_code == 0, result.output
    expected = af.default_output_name([name], af.Window(t0 - 60_000, t0 + 2 * 3_600_000))
    assert [p.name for p in tmp_path.iterdir()] == [expected]


def test_interrupted_fetch_resumes_from_the_cli(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name, t0, events = _setup(moto_endpoint, warm=40)
    monkeypatch.chdir(tmp_path)
    real_wait = af.wait
    calls = [0]

    def interrupting_wait(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == 4:
            raise KeyboardInterrupt  # Ctrl-C while waiting for the workers
        return real_wait(*args, **kwargs)

    monkeypatch.setattr(af, "wait", interrupting_wait)
    args = ["fetch", "-f", name, "--endpoint-url", moto_endpoint, *_window_args(t0),
            "--page-size", "5", "--chunk", "10m", *FAST]
    result = _run(*args)
    assert result.exit_code == 130
    assert "--resume" in _one_error_line(result)
    monkeypatch.setattr(af, "wait", real_wait)
    states = list(tmp_path.glob("*.state.sqlite"))
    assert len(states) == 1
    # Resume without --output: the unfinished fetch of this function is found in the folder,
    # and its stored window is used (a relative --since would have moved on).
    result = _run("fetch", "-f", name, "--endpoint-url", moto_endpoint, "--resume",
                  "--page-size", "5", *FAST)
    assert result.exit_code == 0, result.output
    out = tmp_path / states[0].name[: -len(".state.sqlite")]
    _, fetched = _lines(out)
    assert _platform(fetched) == _platform(events)
    assert len({e["eventId"] for e in fetched}) == len(fetched)
    assert not states[0].exists()


def test_insights_mode_gives_the_same_records(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    name, t0, events = _setup(moto_endpoint, warm=3)
    out = tmp_path / "i.jsonl"
    result = _run("fetch", "-f", name, "--endpoint-url", moto_endpoint, *_window_args(t0),
                  "-o", str(out), "--insights", *FAST)
    assert result.exit_code == 0, result.output
    headers, fetched = _lines(out)
    assert headers[0]["source"] == "logs_insights"
    assert _platform(fetched) == _platform(events)
    assert _summary(str(out))["invocations"] == 9 + 3


def test_several_functions_and_a_custom_log_group(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    a, t0, events_a = _setup(moto_endpoint)
    b = unique("billing")
    group_b = f"/custom/{unique('shared')}"
    _, _, events_b = _setup(moto_endpoint, name=b, group=group_b, stream_function=b)
    out = tmp_path / "two.jsonl"
    result = _run("fetch", "-f", a, "-f", b, "--log-group", f"/aws/lambda/{a}",
                  "--log-group", group_b, "--endpoint-url", moto_endpoint, *_window_args(t0),
                  "-o", str(out), *FAST)
    assert result.exit_code == 0, result.output
    headers, fetched = _lines(out)
    assert [(h["function"], h["log_group"]) for h in headers] == [
        (a, f"/aws/lambda/{a}"), (b, group_b)
    ]
    assert _platform([e for e in fetched if e["logGroupName"] == group_b]) == _platform(events_b)
    assert _platform([e for e in fetched if e["logGroupName"] != group_b]) == _platform(events_a)
    summary = _summary(str(out))
    assert summary["invocations"] == 18
    assert summary["environments"] == 8

    result = _run("fetch", "-f", a, "-f", b, "--log-group", group_b, "--since", "1h",
                  "--endpoint-url", moto_endpoint, "-o", str(tmp_path / "x.jsonl"), *FAST)
    assert result.exit_code == 2
    assert "one --log-group per --function" in _one_error_line(result)


def test_console_script_runs_fetch(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    name, t0, events = _setup(moto_endpoint)
    script = Path(sys.executable).with_name("lamlife")
    assert script.exists()
    out = tmp_path / "p.jsonl"
    proc = subprocess.run(
        [str(script), "fetch", "-f", name, "--endpoint-url", moto_endpoint, *_window_args(t0),
         "-o", str(out), *FAST],
        env=dict(os.environ), capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert _platform(_lines(out)[1]) == _platform(events)
    assert FAKE_SECRET not in proc.stdout + proc.stderr
