"""Time ``lamlife simulate`` on a synthetic trace (not part of the test suite).

Usage: python benchmarks/bench_simulate.py [ARRIVALS] [RATE_PER_S] [--full]

The trace is a seeded Poisson arrival process (default 1,000,000 arrivals at 20 req/s,
about 14 h) with log-normal handler durations around 100 ms, so several environments are
busy at once and keep-alive expiry, the 2 h maximum lifetime and MRU reuse all happen.

Prints the wall time of the scheduler (``lifecycle.simulate.simulate``: the inner loop and the
invocation table). With ``--full`` it also writes the trace as an arrival CSV and times
reading it, one priced what-if run (tables, summary, cost) and a 3-value provisioned sweep.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from lamlife.lifecycle.simulate import scheduler as sim


def make_trace(n: int, rate: float, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    gaps_ms = rng.exponential(1000.0 / rate, size=n)
    start = 1_700_000_000_000.0 + np.cumsum(gaps_ms)
    duration = rng.lognormal(mean=np.log(100.0), sigma=0.8, size=n)
    return start, duration


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    value = fn()
    print(f"{label:<46} {time.perf_counter() - t0:6.2f} s")
    return value


def full(start: np.ndarray, duration: np.ndarray) -> None:
    from lamlife.lifecycle.billing.prices import load_table
    from lamlife.lifecycle.billing.rules import BillingOptions
    from lamlife.lifecycle.pipeline import load_trace
    from lamlife.lifecycle.simulate.whatif import (
        Pricing,
        default_policy,
        simulate_trace,
        sweep_trace,
    )

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "arrivals.csv"
        pd.DataFrame({"start": start.round(3), "duration_ms": duration.round(3)}).to_csv(
            path, index=False
        )
        trace = timed("read the arrival CSV", lambda: load_trace([str(path)]))
        policy, _ = default_policy(trace.arrivals)
        pricing = Pricing(BillingOptions(), load_table())
        timed("what-if run: simulate + tables + cost",
              lambda: simulate_trace(trace, policy, pricing))
        timed("sweep --provisioned 0,2,4 (priced)",
              lambda: sweep_trace(trace, policy, "provisioned", [0, 2, 4], pricing))


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 1_000_000
    rate = float(args[1]) if len(args) > 1 else 20.0
    start, duration = make_trace(n, rate)
    print(f"arrivals: {n:,} at {rate:g} req/s over {(start[-1] - start[0]) / 3.6e6:.1f} h")

    policy = sim.Policy(init_ms=(120.0, 180.0, 250.0, 900.0), seed=7)
    result = timed("simulate (default policy, sampled init)", lambda: sim.simulate(
        start, duration, policy))
    timed("simulate (provisioned 5, one function)", lambda: sim.simulate(
        start, duration, sim.Policy(provisioned=5, seed=7), function="f"))
    summary = sim.run_summary(result)
    print(
        f"cold starts {summary['cold_starts']:,}, environments {summary['environments']:,}, "
        f"expired {summary['expired']:,}, recycled {summary['recycled']:,}, "
        f"max added latency {summary['added_latency_max_ms']:.0f} ms"
    )
    if "--full" in sys.argv:
        full(start, duration)


if __name__ == "__main__":
    main()
