"""Time ``lamlife.lifecycle.simulate`` on a synthetic trace (not part of the test suite).

Usage: python benchmarks/bench_simulate.py [ARRIVALS] [RATE_PER_S]

The trace is a seeded Poisson arrival process (default 1,000,000 arrivals at 20 req/s,
about 14 h) with log-normal handler durations around 100 ms, so several environments are
busy at once and keep-alive expiry, the 2 h maximum lifetime and MRU reuse all happen.
Prints the wall time of the scheduler alone and of the whole call (table included).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from lamlife.lifecycle import simulate as sim


def make_trace(n: int, rate: float, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    gaps_ms = rng.exponential(1000.0 / rate, size=n)
    start = 1_700_000_000_000.0 + np.cumsum(gaps_ms)
    duration = rng.lognormal(mean=np.log(100.0), sigma=0.8, size=n)
    return start, duration


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rate = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    start, duration = make_trace(n, rate)
    policy = sim.Policy(init_ms=(120.0, 180.0, 250.0, 900.0), seed=7)

    t0 = time.perf_counter()
    result = sim.simulate(start, duration, policy)
    total = time.perf_counter() - t0

    t0 = time.perf_counter()
    sim.simulate(start, duration, sim.Policy(provisioned=5, seed=7), function="f")
    with_pc = time.perf_counter() - t0

    summary = sim.run_summary(result)
    print(f"arrivals: {n:,} at {rate:g} req/s over {(start[-1] - start[0]) / 3.6e6:.1f} h")
    rate_m = n / total / 1e6
    print(f"simulate (default policy, sampled init): {total:.2f} s ({rate_m:.2f} M arrivals/s)")
    print(f"simulate (provisioned 5):               {with_pc:.2f} s")
    print(
        f"cold starts {summary['cold_starts']:,}, environments {summary['environments']:,}, "
        f"expired {summary['expired']:,}, recycled {summary['recycled']:,}, "
        f"p99 added latency {summary['added_latency_p99_ms']:.0f} ms"
    )


if __name__ == "__main__":
    main()
