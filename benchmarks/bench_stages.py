"""Where ``lamlife analyze FILE --format json`` spends its time and memory, stage by stage.

Run by hand (never part of the test suite)::

    python benchmarks/bench_stages.py benchmarks/out/orders-1000000-seed1.log
    python benchmarks/bench_stages.py FILE --repeat 3     # three fresh processes, each stage's best

Each run is a fresh Python process that does what ``lamlife analyze FILE --format json`` does
(the CLI's default billing options and the built-in price table), one stage after the other:

- ``imports``: the modules the command loads;
- ``read``: reading the input into the record sink (``read_inputs``);
- ``pair``: START/REPORT pairing, duplicates, timeouts (``RecordSink.finish``);
- ``engine``: the lifecycle replay into the invocation table (``run_engine``);
- ``table``: cold-start causes and the table's final columns (``observed_invocations``);
- ``derive``: environments, functions, events and the summary (``analysis_from_observed``);
- ``price``: billing (``pipeline.price``: the summary's cost, one priced column at a time;
  the per-row priced columns are made only when rows are read) and the account table;
- ``json``: the JSON text (``render_json``).

For each stage it prints wall and CPU seconds (``time.perf_counter`` / ``time.process_time``),
the resident memory at its end and the highest sampled during it (``/proc/self/statm`` read
every 5 ms by a thread: a peak shorter than that can be missed; the process's ``ru_maxrss``
is printed too; MB are 10^6 bytes). Linux only (``/proc``). With ``--repeat N`` the best
wall and CPU of each stage over N processes are shown, and the highest memory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

STAGES = ("imports", "read", "pair", "engine", "table", "derive", "price", "json")

_CHILD = r'''
import json, os, resource, sys, threading, time

os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")  # as the lamlife command does

PAGE = os.sysconf("SC_PAGE_SIZE")
state = {"stage": "imports", "peak": {}}


def rss_mb():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE / 1e6


def sample():
    while True:
        s = state["stage"]
        state["peak"][s] = max(state["peak"].get(s, 0.0), rss_mb())
        time.sleep(0.005)


threading.Thread(target=sample, daemon=True).start()
out = []
mark = [time.perf_counter(), time.process_time()]


def stage(name):
    wall, cpu = time.perf_counter(), time.process_time()
    done = state["stage"]
    now = rss_mb()
    out.append({"stage": done, "wall_s": wall - mark[0], "cpu_s": cpu - mark[1],
                "rss_mb": now, "peak_mb": max(state["peak"].get(done, 0.0), now)})
    state["stage"] = name
    mark[:] = [time.perf_counter(), time.process_time()]


path = sys.argv[1]
from lamlife.lifecycle import pipeline as P
from lamlife.lifecycle.billing.choices import billing_options
from lamlife.lifecycle.billing.prices import load_table
from lamlife.lifecycle.engine.replay import EngineOptions, run_engine
from lamlife.lifecycle.read.context import ReadOptions
from lamlife.lifecycle.read.inputs import read_inputs
from lamlife.reports.json_report import render_json

stage("read")
options = P.AnalyzeOptions(billing=billing_options(None, None, None, None, None, None),
                           price_table=load_table())
read = read_inputs([path], ReadOptions(function=options.function), None)
stage("pair")
read.stats.incomplete += read.sink.finish()
read.stats.events = read.sink.counts.events
P.note_overlap_and_limits(read.sink, read.stats)
stage("engine")
result = run_engine(read.sink, EngineOptions(options.proactive_threshold_s))
read.sink.release()
stage("table")
invocations = P.observed_invocations([result.invocations, *read.classified])
observed = P.Observed(invocations, read.stats, result.orphan_init_failures,
                      result.unused_inits, result.orphan_events, read.arrivals)
del result, read, invocations
stage("derive")
analysis = P.analysis_from_observed(observed, [path], options)
del observed
stage("price")
analysis = P.with_account(P.price(analysis, options))
stage("json")
text = render_json(analysis)
stage("end")
print(json.dumps({"stages": out, "ru_maxrss_mb": resource.getrusage(
    resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6, "invocations": analysis.summary["invocations"],
    "json_bytes": len(text)}))
'''


def run_once(path: Path, env: dict[str, str]) -> dict:
    """One fresh process through every stage; its JSON figures."""
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True,
                          text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"stage run failed (exit {done.returncode}): {done.stderr[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("path", type=Path)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--pure-python", action="store_true",
                   help="force the pure-Python reader (LAMLIFE_PURE_PYTHON=1)")
    args = p.parse_args(argv)
    if not args.path.exists():
        print(f"error: {args.path}: no such file", file=sys.stderr)
        return 2
    env = dict(os.environ)
    if args.pure_python:
        env["LAMLIFE_PURE_PYTHON"] = "1"
    runs = [run_once(args.path, env) for _ in range(max(args.repeat, 1))]
    best: dict[str, dict[str, float]] = {}
    for run in runs:
        for row in run["stages"]:
            b = best.setdefault(row["stage"], dict(row))
            b["wall_s"] = min(b["wall_s"], row["wall_s"])
            b["cpu_s"] = min(b["cpu_s"], row["cpu_s"])
            b["rss_mb"] = max(b["rss_mb"], row["rss_mb"])
            b["peak_mb"] = max(b["peak_mb"], row["peak_mb"])
    print(f"{args.path.name}: {runs[0]['invocations']:,} invocations, "
          f"{len(runs)} run(s), best time and highest memory per stage")
    print(f"{'stage':<8} {'wall s':>7} {'CPU s':>7} {'RSS at end MB':>14} {'peak MB':>8}")
    total_wall = total_cpu = 0.0
    for name in STAGES:
        row = best[name]
        total_wall += row["wall_s"]
        total_cpu += row["cpu_s"]
        print(f"{name:<8} {row['wall_s']:>7.2f} {row['cpu_s']:>7.2f} {row['rss_mb']:>14,.0f} "
              f"{row['peak_mb']:>8,.0f}")
    print(f"{'total':<8} {total_wall:>7.2f} {total_cpu:>7.2f}   ru_maxrss "
          f"{max(r['ru_maxrss_mb'] for r in runs):,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
