"""Time the read stage alone (``read_inputs``) against ``grep -c 'Init Duration'``.

Run by hand (never part of the test suite)::

    python benchmarks/bench_read.py benchmarks/out/orders-1000000-seed1.log --repeat 3
    python benchmarks/bench_read.py FILE --pure-python
    python benchmarks/bench_read.py FILE --threads 0   # the compiled scanner on one thread

Each run is a fresh process that imports lamlife first and then times ``read_inputs`` on the
file (the wall and CPU of the read alone, and the process's peak RSS, VmHWM: Linux);
``grep -c`` runs
alternately on the same file, writing to a pipe (GNU grep stops at the first match when its
output is /dev/null). The quoted ratios are the median of the paired ratios of the read's wall
(and CPU) over grep's: the machine is shared, so single absolute times mean little.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHILD = """
import json, sys, time
from lamlife.lifecycle.read.inputs import read_inputs
if sys.argv[2] != "auto":
    from lamlife.lifecycle.read import blocks
    blocks.THREADS = int(sys.argv[2])
wall, cpu = time.perf_counter(), time.process_time()
result = read_inputs([sys.argv[1]])
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
# VmHWM: the peak of this process's own memory (ru_maxrss carries the parent's over exec)
rss = next(int(line.split()[1]) for line in open("/proc/self/status")
           if line.startswith("VmHWM:")) / 1024
print(json.dumps({"wall": wall, "cpu": cpu, "rss": rss, "records": result.stats.records}))
"""


def _grep(path: Path) -> tuple[float, float]:
    wall = time.perf_counter()
    before = os.times()
    subprocess.run(["grep", "-c", "Init Duration", str(path)], check=False,
                   stdout=subprocess.PIPE)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system
                                                           - before.children_system)
    return time.perf_counter() - wall, cpu


def _read(path: Path, pure: bool, threads: str) -> dict[str, float]:
    env = dict(os.environ)
    if pure:
        env["LAMLIFE_PURE_PYTHON"] = "1"
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), threads], check=True,
                         stdout=subprocess.PIPE, env=env, text=True).stdout
    return dict(json.loads(out))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("file", type=Path)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--pure-python", action="store_true")
    p.add_argument("--threads", default="auto",
                   help="scanner worker threads (blocks.THREADS; 0: none), default automatic")
    args = p.parse_args()
    with args.file.open("rb") as warm:  # warm the page cache, holding 1 MiB at a time
        while warm.read(1 << 20):
            pass
    walls, cpus, rss = [], [], []
    for _ in range(args.repeat):
        g_wall, g_cpu = _grep(args.file)
        run = _read(args.file, args.pure_python, args.threads)
        walls.append(run["wall"] / g_wall)
        cpus.append(run["cpu"] / max(g_cpu, 1e-9))
        rss.append(run["rss"])
        print(f"read {run['wall']:.2f} s wall {run['cpu']:.2f} s CPU, grep {g_wall:.2f} s; "
              f"ratio {walls[-1]:.1f}x wall {cpus[-1]:.1f}x CPU; peak RSS {run['rss']:.0f} MB; "
              f"records {run['records']:.0f}", flush=True)
    print(f"median ratio {statistics.median(walls):.2f}x wall ({statistics.median(cpus):.2f}x "
          f"CPU), peak RSS {max(rss):.0f} MB")


if __name__ == "__main__":
    main()
