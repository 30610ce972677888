"""Deterministic logs of many functions: one ``aws logs tail`` file per function in a folder.

Each function's file comes from ``generate_logs.Generator`` (the same traffic model, its own
seed); the functions' shares of the invocations fall off like a Zipf law (the first function
is the busiest), as in a real account, and their arrival rates follow. ``lamlife analyze DIR``
names each function after its file (``aws logs tail`` output carries no log group).

Usage::

    python benchmarks/generate_account.py --functions 50 --invocations 1000000 --seed 1 \\
        --output /tmp/account

A ``key=value`` summary of what was written goes to stderr; ``--expected FILE`` writes the
totals and the per-function counts an analyzer should find as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_logs import Generator  # noqa: E402  (a sibling script, not a package)

TOTAL_KEYS = ("invocations", "environments", "timeouts", "errors", "lines", "bytes")


def shares(functions: int, invocations: int) -> list[int]:
    """Invocations per function: proportional to 1/rank, at least 1 each, summing exactly."""
    weights = [1.0 / rank for rank in range(1, functions + 1)]
    total = sum(weights)
    counts = [max(1, int(invocations * w / total)) for w in weights]
    counts[0] += invocations - sum(counts)
    return counts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--functions", type=int, required=True)
    p.add_argument("--invocations", type=int, required=True, help="over all functions")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--output", required=True, help="folder to write (created)")
    p.add_argument("--rate", type=float, default=20.0, help="arrivals per second, busiest")
    p.add_argument("--expected", help="also write the counts as JSON to this file")
    args = p.parse_args(argv)
    if args.functions < 1 or args.invocations < args.functions:
        p.error("need at least 1 function and 1 invocation per function")
    began = time.perf_counter()
    folder = Path(args.output)
    folder.mkdir(parents=True, exist_ok=True)
    per_function = {}
    totals = dict.fromkeys(TOTAL_KEYS, 0)
    cold_starts = 0
    counts_of = shares(args.functions, args.invocations)
    for rank, count in enumerate(counts_of):
        name = f"fn-{rank:04d}"
        with open(folder / f"{name}.log", "w", encoding="utf-8", newline="\n",
                  buffering=1 << 20) as out:
            counts = Generator(
                out, invocations=count, seed=args.seed * 100_003 + rank,
                rate=max(0.05, args.rate * count / counts_of[0]), timeout_prob=0.002,
                crash_prob=0.0005, proactive_prob=0.05, xray_prob=0.2, app_prob=0.35,
            ).run()
        st = counts.start_types
        cold = st["cold"] + st["reinit"]
        cold_starts += cold
        per_function[name] = {"invocations": counts.invocations,
                              "environments": counts.environments, "cold_starts": cold}
        for key in TOTAL_KEYS:
            totals[key] += int(getattr(counts, key))
    summary = {"folder": str(folder), "functions": args.functions, **totals,
               "cold_starts": cold_starts}
    if args.expected:
        Path(args.expected).write_text(json.dumps({**summary, "per_function": per_function},
                                                  indent=2) + "\n", encoding="utf-8")
    text = " ".join(f"{k}={v}" for k, v in summary.items())
    print(f"generate_account: {text} seconds={time.perf_counter() - began:.1f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
