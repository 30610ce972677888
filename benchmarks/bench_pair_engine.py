"""CPU time of the pair stage (``RecordSink.finish``) and the engine (``run_engine``) alone,
repeated in one process: quieter figures than whole runs on a shared machine.

Run by hand (never part of the test suite), alternately with another checkout's Python to
pair the figures::

    python benchmarks/bench_pair_engine.py benchmarks/out/orders-1000000-seed1.log --repeat 5

The input is read once; the sink is pickled, and each repetition unpickles a fresh copy,
times ``finish()`` (process CPU s), pickles the finished sink and times ``run_engine`` on a
fresh copy of it. Prints the minimum and median of each over the repetitions.
"""

from __future__ import annotations

import argparse
import gc
import pickle
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("path", type=Path)
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args(argv)
    if not args.path.exists():
        print(f"error: {args.path}: no such file", file=sys.stderr)
        return 2
    from lamlife.lifecycle.engine.replay import EngineOptions, run_engine
    from lamlife.lifecycle.pipeline import AnalyzeOptions
    from lamlife.lifecycle.read.context import ReadOptions
    from lamlife.lifecycle.read.inputs import read_inputs

    read = read_inputs([str(args.path)], ReadOptions(function=None), None)
    blob = pickle.dumps(read.sink, protocol=5)
    del read
    options = EngineOptions(AnalyzeOptions().proactive_threshold_s)
    pair: list[float] = []
    engine: list[float] = []
    for _ in range(max(args.repeat, 1)):
        sink = pickle.loads(blob)
        gc.collect()
        start = time.process_time()
        sink.finish()
        pair.append(time.process_time() - start)
        finished = pickle.dumps(sink, protocol=5)
        del sink
        sink = pickle.loads(finished)
        del finished
        gc.collect()
        start = time.process_time()
        run_engine(sink, options)
        engine.append(time.process_time() - start)
        del sink
    for name, values in (("pair", pair), ("engine", engine)):
        ordered = sorted(values)
        print(f"{name:<7} CPU s min {ordered[0]:.3f} median {ordered[len(ordered) // 2]:.3f} "
              f"({len(values)} runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
