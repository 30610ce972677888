"""Time ``lamlife analyze`` against ``grep -c 'Init Duration'`` on generated logs.

Run by hand (never part of the test suite)::

    python benchmarks/bench_analyze.py               # 100,000 and 1,000,000 invocations
    python benchmarks/bench_analyze.py --sizes 100000 --repeat 3

For each size it generates the log once into ``benchmarks/out/`` (gitignored; reused on later
runs, ``--regenerate`` to rebuild), reads the file once so both commands see a warm page cache,
then times ``grep -c 'Init Duration' FILE`` and ``lamlife analyze FILE --format json --output
/dev/null`` as subprocesses. The analyzer is the ``lamlife`` installed next to the running
Python. Its peak RSS comes from ``os.wait4`` on that one child (the same ru_maxrss that
``getrusage(RUSAGE_CHILDREN)`` reports, but per process, so sizes do not mask each other).

Targets: analyze within 6x grep's wall time, and under 500 MB peak RSS.

For sizes up to ``--check-max`` it also runs the analyzer once more (untimed) and compares the
summary counts with what the generator says it wrote.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
GENERATOR = HERE / "generate_logs.py"
TARGET_RATIO = 6.0
TARGET_RSS_MB = 500.0


@dataclass
class Run:
    wall_s: float
    max_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def _run_measured(cmd: list[str]) -> Run:
    """Run ``cmd``; wall time and the peak RSS of that child alone (os.wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
        out.seek(0)
        err.seek(0)
        rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        return Run(wall, rss, proc.returncode, out.read().decode(), err.read().decode())


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


def _check_counts(lamlife: Path, log: Path, expected: dict) -> list[str]:
    """Compare the analyzer's summary with the generator's counts; return the differences."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "summary.json"
        proc = subprocess.run(
            [str(lamlife), "analyze", str(log), "--format", "json", "--output", str(out)],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            return [f"analyze exited {proc.returncode}: {proc.stderr.strip()[-300:]}"]
        summary = json.loads(out.read_text(encoding="utf-8")).get("summary", {})
    problems = []
    pairs = [
        (k, expected[k])
        for k in (
            "invocations",
            "environments",
            "cold_starts",
            "timeouts",
            "errors",
            "out_of_memory",
        )
    ]
    pairs += [(f"start_types.{k}", v) for k, v in expected["start_types"].items()]
    for key, want in pairs:
        got = summary
        for part in key.split("."):
            got = got.get(part, "missing") if isinstance(got, dict) else "missing"
        if got != want:
            problems.append(f"{key}: analyzer {got}, generator {want}")
    return problems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="100000,1000000", help="comma-separated invocations")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out-dir", type=Path, default=HERE / "out")
    p.add_argument("--repeat", type=int, default=1, help="runs per command; the best wall wins")
    p.add_argument("--regenerate", action="store_true")
    p.add_argument(
        "--check-max",
        type=int,
        default=100_000,
        help="compare counts for sizes up to this (0: never)",
    )
    args = p.parse_args(argv)

    lamlife = Path(sys.executable).parent / "lamlife"
    if not lamlife.exists():
        print(
            f"error: {lamlife} not found; install the project in this Python's environment",
            file=sys.stderr,
        )
        return 2
    args.out_dir.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    rows = []
    ok = True
    for n in sizes:
        log, expected = _ensure_log(args.out_dir, n, args.seed, args.regenerate)
        _warm_cache(log)
        greps = [
            _run_measured(["grep", "-c", "Init Duration", str(log)]) for _ in range(args.repeat)
        ]
        analyzes = [
            _run_measured(
                [str(lamlife), "analyze", str(log), "--format", "json", "--output", "/dev/null"]
            )
            for _ in range(args.repeat)
        ]
        grep = min(greps, key=lambda r: r.wall_s)
        analyze = min(analyzes, key=lambda r: r.wall_s)
        rss = max(r.max_rss_mb for r in analyzes)
        failed = [r for r in analyzes if r.returncode != 0]
        grep_count = grep.stdout.strip()
        if grep_count != str(expected["init_duration_lines"]):
            print(
                f"warning: grep counted {grep_count} Init Duration lines, generator wrote "
                f"{expected['init_duration_lines']}",
                file=sys.stderr,
            )
        if failed:
            ok = False
            print(
                f"analyze failed on {log} (exit {failed[0].returncode}): "
                f"{failed[0].stderr.strip()[-500:]}",
                file=sys.stderr,
            )
        ratio = analyze.wall_s / grep.wall_s if grep.wall_s > 0 else float("inf")
        meets = not failed and ratio <= TARGET_RATIO and rss < TARGET_RSS_MB
        ok = ok and meets
        rows.append(
            (
                n,
                expected["lines"],
                expected["bytes"],
                grep.wall_s,
                analyze.wall_s,
                ratio,
                rss,
                "yes" if meets else "NO",
            )
        )
        if n <= args.check_max and not failed:
            problems = _check_counts(lamlife, log, expected)
            if problems:
                print(f"counts differ on {log.name}:", file=sys.stderr)
                for line in problems:
                    print(f"  {line}", file=sys.stderr)
            else:
                print(f"counts match the generator on {log.name}", file=sys.stderr)

    head = (
        "invocations",
        "lines",
        "MB",
        "grep s",
        "analyze s",
        "ratio",
        "peak RSS MB",
        f"<= {TARGET_RATIO:g}x and < {TARGET_RSS_MB:g} MB",
    )
    print(" | ".join(head))
    for n, lines, size, g, a, ratio, rss, verdict in rows:
        print(
            f"{n} | {lines} | {size / 1e6:.0f} | {g:.2f} | {a:.2f} | {ratio:.1f}x | "
            f"{rss:.0f} | {verdict}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
