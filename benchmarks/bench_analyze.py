"""Time ``lamlife analyze`` against ``grep -c 'Init Duration'`` on generated logs.

Run by hand (never part of the test suite)::

    python benchmarks/bench_analyze.py                      # the issue's figures
    python benchmarks/bench_analyze.py --plan 1000000:tail --repeat 5
    python benchmarks/bench_analyze.py --pure-python        # without the compiled scanner

``--plan`` lists SIZE:FORMAT runs; the default is the issue's set: ``aws logs tail`` text,
lamlife fetch JSON lines, filter-log-events JSON and Insights CSV at 1M invocations, and tail
text at 5M. Each log is generated once into ``benchmarks/out/`` (gitignored; reused later,
``--regenerate`` rebuilds) by generate_logs.py and rewritten in the other shapes by
convert_logs.py. The file is read once so both commands see a warm page cache; then
``grep -c 'Init Duration' FILE`` and ``lamlife analyze FILE --format json`` run alternately
``--repeat`` times, both writing to a pipe (GNU grep stops at the first match when its output
is /dev/null). The quoted ratio is the median of the paired ratios (the machine is shared and
noisy). Peak RSS comes from ``os.wait4`` on the analyzer alone.

Targets (issue 12): tail text at 1M within 5x grep (aim 3x) and at most 300 MB; fetch JSON
lines at 1M within 8x and at most 300 MB; tail text at 5M at most 600 MB with a wall per
invocation no worse than 1.3x that at 1M. The other formats are figures without a target.

For tail sizes up to ``--check-max`` the analyzer's summary counts are compared with what the
generator says it wrote.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
GENERATOR = HERE / "generate_logs.py"
CONVERTER = HERE / "convert_logs.py"
DEFAULT_PLAN = ("1000000:tail,1000000:jsonl,1000000:filter-json,1000000:insights-csv,"
                "5000000:tail")
FORMAT_SUFFIX = {"tail": ".log", "jsonl": ".jsonl", "filter-json": ".json",
                 "insights-csv": ".csv"}
# (format, 5M or more) -> (max ratio to grep or None, max peak RSS MB)
TARGETS: dict[tuple[str, bool], tuple[float | None, float]] = {
    ("tail", False): (5.0, 300.0),
    ("jsonl", False): (8.0, 300.0),
    ("tail", True): (None, 600.0),
}


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    max_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def _run_measured(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """Run ``cmd`` with stdout and stderr to pipes; wall time, CPU time and the peak RSS of that
    child alone (``os.wait4``: the ru_maxrss of one process, so runs do not mask each other)."""
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}
    began = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env)
    readers = [threading.Thread(target=lambda k=k, f=f: chunks[k].extend(iter(
        lambda: f.read(1 << 16), b""))) for k, f in (("out", proc.stdout), ("err", proc.stderr))]
    for t in readers:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    for t in readers:
        t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
    rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Run(wall, usage.ru_utime + usage.ru_stime, rss, proc.returncode,
               b"".join(chunks["out"]).decode(), b"".join(chunks["err"]).decode())


def _warm_cache(path: Path) -> None:
    with path.open("rb") as fh:
        while fh.read(16 << 20):
            pass


def _ensure_log(out_dir: Path, n: int, seed: int, regenerate: bool) -> tuple[Path, dict]:
    log = out_dir / f"orders-{n}-seed{seed}.log"
    expected = out_dir / f"orders-{n}-seed{seed}.expected.json"
    if regenerate or not log.exists() or not expected.exists():
        print(f"generating {log} ...", file=sys.stderr, flush=True)
        cmd = [
            sys.executable,
            str(GENERATOR),
            "--invocations",
            str(n),
            "--seed",
            str(seed),
            "--output",
            str(log),
            "--expected",
            str(expected),
        ]
        subprocess.run(cmd, check=True)
    return log, json.loads(expected.read_text(encoding="utf-8"))


def _summary_problems(stdout: str, expected: dict) -> list[str]:
    """Compare the analyzer's JSON summary with the generator's counts; the differences."""
    try:
        summary = json.loads(stdout).get("summary", {})
    except ValueError as exc:
        return [f"analyze printed no JSON ({exc})"]
    problems = []
    pairs = [(k, expected[k]) for k in ("invocations", "environments", "cold_starts",
                                         "timeouts", "errors", "out_of_memory")]
    pairs += [(f"start_types.{k}", v) for k, v in expected["start_types"].items()]
    for key, want in pairs:
        got = summary
        for part in key.split("."):
            got = got.get(part, "missing") if isinstance(got, dict) else "missing"
        if got != want:
            problems.append(f"{key}: analyzer {got}, generator {want}")
    return problems


def _ensure_format(log: Path, fmt: str, regenerate: bool) -> Path:
    """The tail log rewritten as ``fmt`` by convert_logs.py (cached beside it)."""
    if fmt == "tail":
        return log
    target = log.with_suffix(FORMAT_SUFFIX[fmt])
    if regenerate or not target.exists():
        print(f"converting {log.name} to {fmt} ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, str(CONVERTER), str(log), "--to", fmt, "--output",
                        str(target)], check=True)
    return target


def _parse_plan(text: str) -> list[tuple[int, str]]:
    plan = []
    for item in text.split(","):
        size, _, fmt = item.strip().partition(":")
        fmt = fmt or "tail"
        if fmt not in FORMAT_SUFFIX:
            raise SystemExit(f"unknown format {fmt!r} (one of {', '.join(FORMAT_SUFFIX)})")
        plan.append((int(size), fmt))
    return plan


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--plan", default=DEFAULT_PLAN,
                   help="comma-separated SIZE:FORMAT runs (formats: "
                        + ", ".join(FORMAT_SUFFIX) + ")")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out-dir", type=Path, default=HERE / "out")
    p.add_argument("--repeat", type=int, default=3,
                   help="alternating grep/analyze pairs per run; the median ratio is quoted")
    p.add_argument("--regenerate", action="store_true")
    p.add_argument("--pure-python", action="store_true",
                   help="force the pure-Python reader (LAMLIFE_PURE_PYTHON=1)")
    p.add_argument("--check-max", type=int, default=1_000_000,
                   help="compare tail counts with the generator for sizes up to this (0: never)")
    args = p.parse_args(argv)

    lamlife = Path(sys.executable).parent / "lamlife"
    if not lamlife.exists():
        print(f"error: {lamlife} not found; install the project in this Python's environment",
              file=sys.stderr)
        return 2
    env = dict(os.environ)
    if args.pure_python:
        env["LAMLIFE_PURE_PYTHON"] = "1"
    args.out_dir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {_machine()}", file=sys.stderr)
    rows = []
    per_invocation: dict[tuple[int, str], float] = {}
    ok = True
    for n, fmt in _parse_plan(args.plan):
        log, expected = _ensure_log(args.out_dir, n, args.seed, args.regenerate)
        path = _ensure_format(log, fmt, args.regenerate)
        _warm_cache(path)
        greps: list[Run] = []
        analyzes: list[Run] = []
        for _ in range(args.repeat):  # alternate, so both see the same load
            greps.append(_run_measured(["grep", "-c", "Init Duration", str(path)]))
            analyzes.append(_run_measured([str(lamlife), "analyze", str(path), "--format",
                                           "json"], env))
        failed = [r for r in analyzes if r.returncode != 0]
        if failed:
            ok = False
            print(f"analyze failed on {path} (exit {failed[0].returncode}): "
                  f"{failed[0].stderr.strip()[-500:]}", file=sys.stderr)
            continue
        grep_count = greps[0].stdout.strip()
        # grep counts lines: a filter-log-events page holds many events on one line
        if fmt != "filter-json" and grep_count != str(expected["init_duration_lines"]):
            print(f"warning: grep counted {grep_count} Init Duration lines in {path.name}, "
                  f"generator wrote {expected['init_duration_lines']}", file=sys.stderr)
        ratios = sorted(a.wall_s / g.wall_s for a, g in zip(analyzes, greps, strict=True))
        ratio = ratios[len(ratios) // 2]
        cpu_ratio = sorted(a.cpu_s / g.cpu_s for a, g in zip(analyzes, greps, strict=True)
                           )[len(ratios) // 2]
        grep_s = min(r.wall_s for r in greps)
        analyze_s = min(r.wall_s for r in analyzes)
        rss = max(r.max_rss_mb for r in analyzes)
        per_invocation[(n, fmt)] = analyze_s / n
        target = TARGETS.get((fmt, n >= 5_000_000))
        verdict = "-"
        if target is not None:
            max_ratio, max_rss = target
            meets = (max_ratio is None or ratio <= max_ratio) and rss <= max_rss
            verdict = "yes" if meets else "NO"
            ok = ok and meets
        if fmt == "tail" and n <= args.check_max:
            problems = _summary_problems(analyzes[0].stdout, expected)
            if problems:
                ok = False
                print(f"counts differ on {path.name}:", file=sys.stderr)
                for line in problems:
                    print(f"  {line}", file=sys.stderr)
            else:
                print(f"counts match the generator on {path.name}", file=sys.stderr)
        rows.append((n, fmt, path.stat().st_size, grep_s, analyze_s, ratio, cpu_ratio, rss,
                     verdict))

    print("invocations | format | MB | grep s | analyze s | ratio (wall) | ratio (cpu) | "
          "peak RSS MB | target met")
    for n, fmt, size, g, a, ratio, cpu_ratio, rss, verdict in rows:
        print(f"{n} | {fmt} | {size / 1e6:.0f} | {g:.2f} | {a:.2f} | {ratio:.1f}x | "
              f"{cpu_ratio:.1f}x | {rss:.0f} | {verdict}")
    small = per_invocation.get((1_000_000, "tail"))
    big = per_invocation.get((5_000_000, "tail"))
    if small and big:
        growth = big / small
        print(f"wall per invocation, 5M / 1M (tail): {growth:.2f}x (target <= 1.3x)")
        ok = ok and growth <= 1.3
    return 0 if ok else 1


def _machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu or platform.processor()}, {platform.platform()}"


if __name__ == "__main__":
    sys.exit(main())
