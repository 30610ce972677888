"""The benchmark log generator states counts that match the lines it writes.

The checks replay the written file independently of the generator's own bookkeeping: they
parse each ``aws logs tail`` line, rebuild every stream's lifecycle by the rules of
docs/platform.md section 5.8 (first START after INIT_START: cold, or proactive when the
gap is over 10 s; after a failed invocation: reinit; otherwise warm) and compare the result
with the summary the generator printed.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

GENERATOR = Path(__file__).resolve().parents[1] / "benchmarks" / "generate_logs.py"
# High failure and proactive rates so that 250 invocations exercise every path.
ARGS = [
    "--invocations",
    "250",
    "--rate",
    "0.3",
    "--timeout-prob",
    "0.05",
    "--crash-prob",
    "0.03",
    "--proactive-prob",
    "0.3",
]

PREFIX = re.compile(
    r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000\+00:00) "
    r"(\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}) (\S.*)$"
)
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
START = re.compile(rf"^START RequestId: ({UUID}) Version: \$LATEST$")
END = re.compile(rf"^END RequestId: ({UUID})$")
REPORT = re.compile(rf"^REPORT RequestId: ({UUID})\t(Duration: .*)$")
CRASH = re.compile(rf"^RequestId: ({UUID}) Error: Runtime exited with error: (.+)$")
TASK_TIMED_OUT = re.compile(
    rf"^\d{{4}}-\d\d-\d\dT[\d:.]+Z ({UUID}) Task timed out after \d+\.\d\d seconds$"
)
NODE_APP = re.compile(rf"^\d{{4}}-\d\d-\d\dT[\d:.]+Z\t({UUID})\t(INFO|WARN)\t.+$")
PYTHON_APP = re.compile(rf"^\[(INFO|WARNING)\]\t\d{{4}}-\d\d-\d\dT[\d:.]+Z\t({UUID})\t.+$")
XRAY = re.compile(
    r"^XRAY TraceId: 1-[0-9a-f]{8}-[0-9a-f]{24}\tSegmentId: [0-9a-f]{16}\t"
    r"Sampled: (true|false)$"
)


def _generate(tmp_path: Path, name: str, seed: int) -> tuple[Path, dict[str, str]]:
    out = tmp_path / name
    proc = subprocess.run(
        [sys.executable, str(GENERATOR), *ARGS, "--seed", str(seed), "--output", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("generate_logs: ")
    stated = dict(item.split("=", 1) for item in lines[0].split()[1:])
    return out, stated


def _centi(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def _report_fields(rest: str) -> dict[str, str]:
    fields = {}
    for part in rest.split("\t"):
        key, sep, value = part.partition(": ")
        assert sep, f"REPORT field without a value: {part!r}"
        fields[key] = value
    return fields


def _replay(path: Path) -> Counter[str]:
    """Count what an analyzer should find, from the text alone."""
    counts: Counter[str] = Counter()
    init_start: dict[str, datetime] = {}
    started: set[str] = set()  # streams that saw a START
    failed: dict[str, bool] = {}  # stream -> last invocation failed
    kind: dict[str, str] = {}  # request id -> start type
    stream_of: dict[str, str] = {}
    timed_out_line: set[str] = set()
    crash: dict[str, str] = {}
    last_time = None
    previous = ""
    for raw in path.read_text(encoding="utf-8").split("\n")[:-1]:
        counts["lines"] += 1
        m = PREFIX.match(raw)
        if m is None:
            # A continuation line: no prefix, right after the message it belongs to.
            if XRAY.match(raw):
                # The message was "REPORT ...\t\nXRAY ...": only the final run is stripped.
                assert REPORT.match(previous) and previous.endswith("\t"), previous
                counts["xray"] += 1
            else:
                assert raw == "Runtime.ExitError" and CRASH.match(previous), raw
            previous = raw
            continue
        stamp, stream, msg = m.groups()
        when = datetime.fromisoformat(stamp)
        assert last_time is None or when >= last_time, f"out of time order: {raw}"
        last_time = when
        previous = msg
        if msg.startswith("INIT_START Runtime Version: "):
            assert stream not in init_start, "INIT_START appears once per environment"
            init_start[stream] = when
            counts["init_start"] += 1
        elif msg.startswith("EXTENSION\tName: "):
            assert stream in init_start and stream not in started
            counts["extension"] += 1
        elif (s := START.match(msg)) is not None:
            rid = s.group(1)
            assert rid not in kind
            stream_of[rid] = stream
            counts["invocations"] += 1
            if stream not in started:
                started.add(stream)
                assert stream in init_start, "every environment starts inside the window"
                gap = (when - init_start[stream]).total_seconds()
                kind[rid] = "proactive" if gap > 10 else "cold"
            else:
                kind[rid] = "reinit" if failed[stream] else "warm"
            counts[kind[rid]] += 1
        elif (t := TASK_TIMED_OUT.match(msg)) is not None:
            timed_out_line.add(t.group(1))
        elif (c := CRASH.match(msg)) is not None:
            crash[c.group(1)] = c.group(2)
        elif (e := END.match(msg)) is not None:
            assert stream_of[e.group(1)] == stream
        elif (r := REPORT.match(msg)) is not None:
            rid = r.group(1)
            assert stream_of[rid] == stream
            f = _report_fields(r.group(2).rstrip("\t"))
            dur = _centi(f["Duration"].removesuffix(" ms"))
            billed = int(f["Billed Duration"].removesuffix(" ms"))
            mem = int(f["Memory Size"].removesuffix(" MB"))
            used = int(f["Max Memory Used"].removesuffix(" MB"))
            assert used <= mem
            status = f.get("Status", "")
            timeout = status == "timeout" or rid in timed_out_line
            error = status == "error" or rid in crash
            assert not (timeout and error)
            # Init Duration exactly on cold starts; billing per section 6.1 (2026 dates).
            assert ("Init Duration" in f) == (kind[rid] == "cold"), raw
            if "Init Duration" in f:
                init = _centi(f["Init Duration"].removesuffix(" ms"))
                assert billed == math.ceil((dur + init) / 100)
            elif rid in timed_out_line:
                assert billed < dur / 100, "old-style timeout: Billed capped below Duration"
            else:
                assert billed == math.ceil(dur / 100)
            if status == "timeout":
                counts["status_timeout"] += 1
            counts["timeouts"] += timeout
            counts["errors"] += error
            oom = f.get("Error Type") == "Runtime.OutOfMemory" or (
                crash.get(rid) == "signal: killed" and used == mem
            )
            counts["out_of_memory"] += oom
            # Memory at its limit only when the runtime was killed for it (weak OOM evidence
            # must not leak into later invocations: the re-init starts a new process).
            assert (used == mem) == (crash.get(rid) == "signal: killed"), raw
            counts["init_duration"] += "Init Duration" in f
            failed[stream] = timeout or error
            counts["reports"] += 1
        else:
            assert NODE_APP.match(msg) or PYTHON_APP.match(msg), f"unknown line: {raw}"
            counts["app"] += 1
    counts["task_timed_out"] = len(timed_out_line)
    counts["environments"] = len(started)
    return counts


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return _generate(tmp_path_factory.mktemp("gen"), "a.log", seed=7)


def test_stated_counts_match_the_lines_written(generated: tuple[Path, dict[str, str]]) -> None:
    path, stated = generated
    seen = _replay(path)
    assert int(stated["invocations"]) == 250
    assert seen["invocations"] == seen["reports"] == 250
    assert int(stated["lines"]) == seen["lines"]
    assert int(stated["bytes"]) == path.stat().st_size
    for key in (
        "environments",
        "cold",
        "warm",
        "proactive",
        "reinit",
        "timeouts",
        "status_timeout",
        "task_timed_out",
        "errors",
        "out_of_memory",
    ):
        assert int(stated[key]) == seen[key], key
    assert int(stated["init_duration_lines"]) == seen["init_duration"] == seen["cold"]
    assert int(stated["init_start_lines"]) == seen["init_start"] == seen["environments"]
    assert int(stated["extension_lines"]) == seen["extension"]
    assert int(stated["xray_lines"]) == seen["xray"]
    assert int(stated["cold_starts"]) == seen["cold"] + seen["reinit"]
    # The chosen rates make every path appear (so the checks above are not vacuous).
    for key in (
        "cold",
        "warm",
        "proactive",
        "reinit",
        "status_timeout",
        "task_timed_out",
        "errors",
        "out_of_memory",
        "extension",
        "xray",
        "app",
    ):
        assert seen[key] > 0, key
    # grep-style counts, as the brief's hand check would do them.
    text = path.read_text(encoding="utf-8")
    assert text.count("Init Duration") == int(stated["init_duration_lines"])
    assert text.count("Status: timeout") == int(stated["status_timeout"])
    assert text.count(" START RequestId: ") == 250


def test_same_seed_gives_identical_bytes(
    tmp_path: Path, generated: tuple[Path, dict[str, str]]
) -> None:
    again, _ = _generate(tmp_path, "b.log", seed=7)
    other, _ = _generate(tmp_path, "c.log", seed=8)
    first = generated[0].read_bytes()
    assert again.read_bytes() == first
    assert other.read_bytes() != first
