"""Time ``lamlife analyze`` on a generated multi-function folder with the local engine and
with ``--engine spark`` in Spark local mode, and check both give the same summary.

Run by hand (never part of the test suite; needs ``pip install '.[spark]'`` and Java 17+)::

    python benchmarks/bench_spark.py --functions 50 --invocations 200000
    python benchmarks/bench_spark.py --functions 50 --invocations 200000 --master 'local[2]'

The folder is generated once into ``benchmarks/out/`` (reused; ``--regenerate`` rebuilds).
Each engine runs as a subprocess (``lamlife analyze DIR --format json``); wall time and the
peak RSS of that process alone (os.wait4: the driver, not Spark's Python workers) are printed
with the generator's totals and the analyzer's, and whether the two JSON reports (summary
with cost, functions, environments, events, account view, input accounting) are equal.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _measured(cmd: list[str]) -> tuple[float, float, int, str]:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - began
        out.seek(0)
        err.seek(0)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            sys.stderr.write(err.read().decode()[-2000:])
        return wall, usage.ru_maxrss / 1024, code, out.read().decode()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--functions", type=int, default=50)
    p.add_argument("--invocations", type=int, default=200_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--master", default="local[*]")
    p.add_argument("--regenerate", action="store_true")
    args = p.parse_args(argv)
    folder = HERE / "out" / f"account-{args.functions}-{args.invocations}-{args.seed}"
    expected = folder.with_suffix(".expected.json")
    if args.regenerate or not expected.exists():
        subprocess.run([sys.executable, str(HERE / "generate_account.py"), "--functions",
                        str(args.functions), "--invocations", str(args.invocations), "--seed",
                        str(args.seed), "--output", str(folder), "--expected", str(expected)],
                       check=True)
    stated = json.loads(expected.read_text())
    lamlife = str(Path(sys.executable).with_name("lamlife"))
    print(f"input: {stated['functions']} functions, {stated['invocations']:,} invocations, "
          f"{stated['lines']:,} lines, {stated['bytes'] / 1e6:,.0f} MB")
    summaries = {}
    for engine in ("local", "spark"):
        cmd = [lamlife, "analyze", str(folder), "--format", "json", "-q", "--engine", engine]
        if engine == "spark":
            cmd += ["--spark-master", args.master]
        wall, rss, code, out = _measured(cmd)
        if code != 0:
            print(f"{engine}: exit {code}")
            return 1
        report = json.loads(out)
        summary = report["summary"]
        summaries[engine] = report
        print(f"{engine:6s} wall {wall:7.1f} s  driver peak RSS {rss:7.0f} MB  "
              f"invocations {summary['invocations']:,}  cold starts {summary['cold_starts']:,}")
    same = summaries["local"] == summaries["spark"]
    differ = sorted(k for k in summaries["local"]
                    if summaries["local"][k] != summaries["spark"].get(k))
    print(f"same report: {same}{' (differ: ' + ', '.join(differ) + ')' if differ else ''}; "
          f"generator said invocations {stated['invocations']:,}, "
          f"cold starts {stated['cold_starts']:,}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
