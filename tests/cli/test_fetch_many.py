"""`lamlife fetch` across many functions against a moto server on 127.0.0.1 (never real AWS):
--prefix and --all (functions discovered with the Lambda API), one file per function or one
combined file or stdout, throttling survived, an interrupted fetch of several functions
resumed, and Insights queries over batches of log groups."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from moto_server import (
    aws_env,  # noqa: F401  (fixture)
    create_function,
    moto_endpoint,  # noqa: F401  (fixture)
    put_events,
    sample_events,
    throttling_proxy,
    unique,
)
from typer.testing import CliRunner

from lamlife.cli.main import app
from lamlife.lifecycle.aws import fetch as af

FAST = ["--max-rps", "1000", "--quiet"]


def _t0() -> int:
    return (int(time.time()) - 2 * 86400) // 3600 * 3600 * 1000  # moto keeps 14 days


def _window(t0: int) -> list[str]:
    return ["--start", af.ms_to_iso(t0 - 60_000), "--end", af.ms_to_iso(t0 + 2 * 3_600_000)]


def _run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=input)


def _platform(events: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
    return sorted((e["logStreamName"], e["timestamp"], e["message"]) for e in events
                  if af.is_platform_message(e["message"]))


def _split(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [r for r in rows if "lamlife_fetch" in r], [r for r in rows if "lamlife_fetch" not in r]


def _functions(endpoint: str, prefix: str, count: int, t0: int, region: str = "us-east-1",
               warm: int = 0) -> dict[str, list[dict[str, Any]]]:
    """``count`` functions named ``<prefix>-<n>``, each with the sample logs (+ ``n`` warm
    invocations, so every function's counts differ)."""
    made = {}
    for n in range(count):
        name = f"{prefix}-{n}"
        create_function(endpoint, name, region=region, MemorySize=128 * (n + 1))
        events = sample_events(t0, warm_invocations=warm + n)
        put_events(endpoint, f"/aws/lambda/{name}", events, region=region)
        made[name] = events
    return made


def _summary(*args: str, input: str | None = None) -> dict[str, Any]:
    result = _run("analyze", *args, "--format", "json", "--quiet", input=input)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_prefix_fetches_every_matching_function_into_a_folder(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    prefix = unique("team")
    t0 = _t0()
    made = _functions(moto_endpoint, prefix, 3, t0)
    create_function(moto_endpoint, f"{prefix}-quiet")  # never invoked: no log group
    _functions(moto_endpoint, unique("other"), 1, t0)  # another prefix: not fetched
    folder = tmp_path / "logs"
    result = _run("fetch", "--prefix", f"{prefix}-", "--endpoint-url", moto_endpoint,
                  *_window(t0), "-o", f"{folder}/", "--max-rps", "1000")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.jsonl" for n in made)
    for name, events in made.items():
        headers, fetched = _split((folder / f"{name}.jsonl").read_text())
        assert [h["function"] for h in headers] == [name]
        assert headers[0]["configuration"]["memory_mb"] == 128 * (int(name[-1]) + 1)
        assert _platform(fetched) == _platform(events)
    lines = result.stderr.strip().splitlines()
    assert any("1 function(s) without a log group skipped" in line and f"{prefix}-quiet" in line
               for line in lines), result.stderr
    assert "of 3 functions" in lines[-1] and "3 file(s) in" in lines[-1]
    report = _summary(str(folder))
    # by hand (sample_events): 9 + n invocations and 4 environments per function
    assert report["summary"]["invocations"] == 9 * 3 + 0 + 1 + 2
    assert report["summary"]["environments"] == 12
    assert sorted({f["function"] for f in report["functions"]}) == sorted(made)


def test_all_fetches_every_function_of_the_region_into_one_file(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    region = "ap-southeast-4"  # only this test creates functions here: --all sees exactly them
    t0 = _t0()
    made = _functions(moto_endpoint, unique("acct"), 2, t0, region=region)
    out = tmp_path / "all.jsonl"
    result = _run("fetch", "--all", "--region", region, "--endpoint-url", moto_endpoint,
                  *_window(t0), "-o", str(out), *FAST)
    assert result.exit_code == 0, result.output
    headers, fetched = _split(out.read_text())
    assert [h["function"] for h in headers] == sorted(made)
    assert {h["region"] for h in headers} == {region}
    for name, events in made.items():
        mine = [e for e in fetched if e["logGroupName"] == f"/aws/lambda/{name}"]
        assert _platform(mine) == _platform(events)
    # one log group after the other, as with --function
    groups = [e["logGroupName"] for e in fetched]
    assert groups == sorted(groups, key=lambda g: sorted(made).index(g.rsplit("/", 1)[1]))


def test_stdout_output_pipes_into_analyze(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    prefix = unique("pipe")
    t0 = _t0()
    made = _functions(moto_endpoint, prefix, 2, t0)
    result = _run("fetch", "--prefix", prefix, "--endpoint-url", moto_endpoint, *_window(t0),
                  "-o", "-", *FAST)
    assert result.exit_code == 0, result.output
    assert not Path("-").exists()
    headers, fetched = _split(result.stdout)
    assert [h["function"] for h in headers] == sorted(made)
    assert _platform(fetched) == sorted(p for e in made.values() for p in _platform(e))
    assert list(tmp_path.iterdir()) == []
    piped = _summary("-", input=result.stdout)
    saved = tmp_path / "saved.jsonl"
    saved.write_text(result.stdout)
    assert piped["summary"] == _summary(str(saved))["summary"]
    assert piped["summary"]["invocations"] == 9 + 10
    for bad, message in ((["--resume"], "--resume needs --output FILE or DIR"),
                         (["--analyze"], "--analyze needs --output FILE or DIR")):
        result = _run("fetch", "--prefix", prefix, "--endpoint-url", moto_endpoint,
                      "-o", "-", *bad, *FAST)
        assert result.exit_code == 2
        assert message in result.stderr


@pytest.mark.slow  # about 11 s of botocore's retry back-off
def test_throttled_requests_are_retried_across_functions(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CloudWatch answers ThrottlingException over its quota: three FilterLogEvents requests
    are throttled (one only after botocore gave up on it: lamlife's own backoff retries it)."""
    prefix = unique("busy")
    t0 = _t0()
    made = _functions(moto_endpoint, prefix, 3, t0, warm=10)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")  # botocore retries once, then lamlife does
    out = tmp_path / "busy.jsonl"
    with throttling_proxy(moto_endpoint, {2, 5, 6}) as (proxy, seen):
        result = _run("fetch", "--prefix", prefix, "--endpoint-url", proxy, *_window(t0),
                      "-o", str(out), "--page-size", "7", "--parallel", "3",
                      "--max-rps", "1000")
    assert result.exit_code == 0, result.output
    assert sum(1 for s in seen if s == "FilterLogEvents!") == 3
    _, fetched = _split(out.read_text())
    assert _platform(fetched) == sorted(p for e in made.values() for p in _platform(e))
    assert len({e["eventId"] for e in fetched}) == len(fetched)
    assert "3 throttled or failed requests retried" in result.stderr.strip().splitlines()[-1]


def test_interrupted_fetch_of_several_functions_resumes_into_the_folder(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prefix = unique("resume")
    t0 = _t0()
    made = _functions(moto_endpoint, prefix, 3, t0, warm=15)
    folder = tmp_path / "out"
    folder.mkdir()
    real_wait = af.wait
    calls = [0]

    def interrupting_wait(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == 5:
            raise KeyboardInterrupt  # Ctrl-C while waiting for the workers
        return real_wait(*args, **kwargs)

    monkeypatch.setattr(af, "wait", interrupting_wait)
    args = ["fetch", "--prefix", prefix, "--endpoint-url", moto_endpoint, "-o", str(folder),
            "--page-size", "5", "--chunk", "20m", *FAST]
    result = _run(*args, *_window(t0))
    assert result.exit_code == 130
    monkeypatch.setattr(af, "wait", real_wait)
    state = af.load_state(af.state_path(af.FetchOutput("dir", folder).base))
    assert state.selection == f"prefix:{prefix}"
    assert any(u.status == "done" for u in state.units) and state.open_units()
    assert not list(folder.glob("*.jsonl"))
    result = _run(*args, "--all", "--resume")
    assert result.exit_code == 2  # a resume must name the same selection
    assert f"is for prefix:{prefix}, not all" in result.stderr
    result = _run(*args, "--resume")
    assert result.exit_code == 0, result.output
    for name, events in made.items():
        _, fetched = _split((folder / f"{name}.jsonl").read_text())
        assert _platform(fetched) == _platform(events)
        assert len({e["eventId"] for e in fetched}) == len(fetched)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.jsonl" for n in made)
    result = _run(*args, *_window(t0))
    assert result.exit_code == 2  # the files are there now
    assert "pass --force to overwrite" in result.stderr


def test_insights_queries_batches_of_log_groups(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    prefix = unique("ins")
    t0 = _t0()
    made = _functions(moto_endpoint, prefix, 3, t0)
    clients = af.connect(None, None, moto_endpoint)
    window = af.Window(t0 - 60_000, t0 + 2 * 3_600_000)
    request = af.FetchRequest([], [], window, mode="insights", prefix=prefix, insights_batch=2)
    state = af.plan_fetch(request, clients)
    assert [u.group_indices for u in state.units] == [[0, 1], [2]]  # 2 + 1 groups, one window
    out = tmp_path / "dir"
    out.mkdir()
    af.run_fetch(state, clients, af.FetchOutput("dir", out), insights_poll_s=0,
                 rate_limiter=af.RateLimiter(0))
    for name, events in made.items():
        headers, fetched = _split((out / f"{name}.jsonl").read_text())
        assert headers[0]["source"] == "logs_insights"
        assert {e["logGroupName"] for e in fetched} == {f"/aws/lambda/{name}"}
        assert _platform(fetched) == _platform(events)
    # the CLI sends one query for all three (default batch: 20 log groups)
    result = _run("fetch", "--prefix", prefix, "--insights", "--endpoint-url", moto_endpoint,
                  *_window(t0), "-o", str(tmp_path / "i.jsonl"), *FAST)
    assert result.exit_code == 0, result.output
    _, fetched = _split((tmp_path / "i.jsonl").read_text())
    assert _platform(fetched) == sorted(p for e in made.values() for p in _platform(e))


def test_selection_usage_errors(aws_env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    out = ["-o", str(tmp_path / "x.jsonl"), "--since", "1h", *FAST]
    for args, message in (
        (["--all", "--prefix", "a"], "either --all or --prefix"),
        (["--all", "-f", "a"], "not both"),
        (["--prefix", "a", "--log-group", "/g"], "--log-group goes with --function"),
    ):
        result = _run("fetch", *args, "--endpoint-url", "http://127.0.0.1:9", *out)
        assert result.exit_code == 2, result.output
        assert message in result.stderr
    assert not list(tmp_path.iterdir())


def test_prefix_with_no_function_exits_2(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    result = _run("fetch", "--prefix", unique("nobody"), "--endpoint-url", moto_endpoint,
                  "--since", "1h", "-o", str(tmp_path / "x.jsonl"), *FAST)
    assert result.exit_code == 2
    assert "no function whose name starts with" in result.stderr


def test_interrupted_fetch_to_stdout_says_it_starts_over(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prefix = unique("gone")
    t0 = _t0()
    _functions(moto_endpoint, prefix, 2, t0)
    created: list[str] = []
    real_mkdtemp = af.tempfile.mkdtemp

    def recording_mkdtemp(*args: Any, **kwargs: Any) -> str:
        created.append(real_mkdtemp(*args, **kwargs))
        return created[-1]

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(af.tempfile, "mkdtemp", recording_mkdtemp)
    monkeypatch.setattr(af, "wait", interrupted)
    result = _run("fetch", "--prefix", prefix, "--endpoint-url", moto_endpoint, *_window(t0),
                  "-o", "-", *FAST)
    assert result.exit_code == 130
    assert "a fetch to stdout starts over" in result.stderr
    assert result.stdout == ""
    assert len(created) == 1 and not Path(created[0]).exists()  # the parts are gone


def test_stdout_reader_going_away_is_quiet(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    """``lamlife fetch -o - | head -c 100``: more than a pipe buffer of output, the reader
    leaves after 100 bytes; exit 0, no traceback, no error line."""
    import os
    import subprocess
    import sys

    prefix = unique("head")
    t0 = _t0()
    _functions(moto_endpoint, prefix, 1, t0, warm=400)  # ~1,200 events, well over 64 KB
    script = Path(sys.executable).with_name("lamlife")
    proc = subprocess.Popen(
        [str(script), "fetch", "--prefix", prefix, "--endpoint-url", moto_endpoint,
         *_window(t0), "-o", "-", *FAST],
        env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    head = proc.stdout.read(100)
    proc.stdout.close()  # the reader goes away
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, stderr
    assert head.startswith(b'{"lamlife_fetch":1')
    assert "Traceback" not in stderr and "error" not in stderr
