"""Time the pricing stage (``price_analysis``) alone on a generated log.

Run by hand (never part of the test suite)::

    python benchmarks/bench_pricing.py            # benchmarks/out/orders-1000000-seed1.log
    python benchmarks/bench_pricing.py FILE --repeat 5
    python benchmarks/bench_pricing.py --against REV   # paired with REV's rules.py

The file is analysed once, unpriced (read, replay, summarize: ``observe`` and
``analysis_from_observed``); that build time is printed as the reference. Then
``price_analysis`` runs ``--repeat`` times with the built-in price table and default options
(as ``lamlife analyze FILE`` prices). The figures printed are the median wall of the pricing
stage, its ratio to the build's wall in the same process, the peak memory Python's
``tracemalloc`` traced during one more pricing run (numpy and pandas buffers included), and
the bytes the priced invocation table holds beyond the unpriced one. ``price_analysis``
prices the summary and leaves the rows to the first read of ``analysis.invocations``
(``Analysis.deferred_prices``): its time and peak are the summary's, and the priced table's
bytes are what that read adds (a REV before deferred pricing prices both at once).

``--against REV`` loads ``lifecycle/billing/rules.py`` as it is at git revision REV into a
module of its own and runs it alternately with the working tree's on the same analysis, so
the two are paired on a shared, noisy machine: the quoted ratio is the median of the paired
ratios. It also checks that both produce the same priced table and ``summary["cost"]``.

``--whole`` (with ``--against REV``) instead runs the whole ``lamlife analyze FILE --format
json`` in a child process, alternately with the working tree's rules.py, REV's (put in place
of ``lamlife.lifecycle.billing.rules`` before the CLI is imported) and none (pricing skipped:
the reference), and prints each one's wall and peak RSS (``os.wait4``), the median paired
ratios, and pricing's share of the whole wall (1 - unpriced / priced, paired); the two priced
JSON outputs must be byte-identical.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_FILE = HERE / "out" / "orders-1000000-seed1.log"


def build(path: Path) -> tuple[Any, float]:
    from lamlife.lifecycle.pipeline import AnalyzeOptions, analysis_from_observed, observe

    options = AnalyzeOptions()
    t0 = time.perf_counter()
    observed = observe([str(path)], options)
    analysis = analysis_from_observed(observed, [str(path)], options)
    return analysis, time.perf_counter() - t0


def rules_at(rev: str) -> ModuleType:
    """``lifecycle/billing/rules.py`` at git revision ``rev`` as a module of its own."""
    source = subprocess.run(
        ["git", "-C", str(HERE.parent), "show", f"{rev}:lifecycle/billing/rules.py"],
        check=True, capture_output=True, text=True).stdout
    tmp = Path(tempfile.mkdtemp()) / "rules_reference.py"
    tmp.write_text(source)
    spec = importlib.util.spec_from_file_location("rules_reference", tmp)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["rules_reference"] = module
    spec.loader.exec_module(module)
    return module


def timed(run: Callable[[], Any]) -> tuple[Any, float]:
    gc.collect()
    t0 = time.perf_counter()
    out = run()
    return out, time.perf_counter() - t0


def traced_peak(run: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    out = run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del out
    return peak / 2**20


STRING_COLUMNS = ("function", "version", "environment", "start_type", "reason", "status",
                  "error_type", "init_type", "runtime_version", "flags")


def categorical(analysis: Any) -> Any:
    from dataclasses import replace

    frame = analysis.invocations.copy(deep=False)
    for name in STRING_COLUMNS:
        frame[name] = frame[name].astype("category")
    return replace(analysis, invocations=frame)


def table_mb(frame: Any) -> float:
    return float(frame.memory_usage(deep=True).sum()) / 2**20


def same(a: Any, b: Any) -> bool:
    import pandas as pd

    try:
        pd.testing.assert_frame_equal(a.invocations.astype(object), b.invocations.astype(object))
    except AssertionError as exc:
        print(f"  priced tables differ: {str(exc)[:300]}")
        return False
    if a.summary["cost"] != b.summary["cost"]:
        print("  summary['cost'] differs")
        return False
    return True


def child(rev: str, path: str) -> int:
    """``lamlife analyze PATH --format json`` with rules.py from ``rev`` ("tree": as is;
    "unpriced": pricing skipped, the reference without the stage)."""
    if rev == "unpriced":
        from lamlife.lifecycle.billing import rules

        rules.price_analysis = lambda analysis, _options, _table: analysis
    elif rev != "tree":
        module = rules_at(rev)
        sys.modules["lamlife.lifecycle.billing.rules"] = module
    from lamlife.cli.main import main as cli_main

    sys.argv = ["lamlife", "analyze", path, "--format", "json"]
    return int(cli_main() or 0)


def whole(path: Path, rev: str, repeat: int) -> None:
    from bench_analyze import _run_measured, _warm_cache

    _warm_cache(path)
    runs: dict[str, list[Any]] = {"tree": [], rev: [], "unpriced": []}
    for _ in range(repeat):
        for name in runs:
            run = _run_measured([sys.executable, __file__, "--child", name, str(path)])
            if run.returncode != 0:
                raise SystemExit(f"{name}: exit {run.returncode}: {run.stderr[-500:]}")
            runs[name].append(run)
    for name, done in runs.items():
        print(f"  analyze [{name}]: median wall {statistics.median(r.wall_s for r in done):.2f} s "
              f"({', '.join(f'{r.wall_s:.2f}' for r in done)}); peak RSS "
              f"{statistics.median(r.max_rss_mb for r in done):.0f} MB "
              f"({', '.join(f'{r.max_rss_mb:.0f}' for r in done)})")
    walls = [a.wall_s / b.wall_s for a, b in zip(runs["tree"], runs[rev], strict=True)]
    rss = [a.max_rss_mb / b.max_rss_mb for a, b in zip(runs["tree"], runs[rev], strict=True)]
    print(f"  tree / {rev}: median paired wall ratio {statistics.median(walls):.3f}, "
          f"peak RSS ratio {statistics.median(rss):.3f}")
    for name in ("tree", rev):
        share = [1 - u.wall_s / p.wall_s for p, u in zip(runs[name], runs["unpriced"],
                                                         strict=True)]
        print(f"  pricing's share of the whole wall [{name}]: median "
              f"{statistics.median(share):.1%} ({', '.join(f'{s:.1%}' for s in share)})")
    print("  same JSON:", runs["tree"][-1].stdout == runs[rev][-1].stdout)


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        return child(sys.argv[2], sys.argv[3])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--against", metavar="REV", help="pair with rules.py at git REV")
    parser.add_argument("--categorical", action="store_true",
                        help="convert the table's low-cardinality string columns to Categorical "
                             "before pricing (as the compact invocation table will have them)")
    parser.add_argument("--whole", action="store_true",
                        help="time whole `lamlife analyze` runs (needs --against)")
    args = parser.parse_args()
    if args.whole:
        if not args.against:
            parser.error("--whole needs --against REV")
        whole(args.file, args.against, args.repeat)
        return 0

    from lamlife.lifecycle.billing import rules
    from lamlife.lifecycle.billing.prices import load_builtin
    from lamlife.lifecycle.billing.rules import BillingOptions

    analysis, build_s = build(args.file)
    if args.categorical:
        analysis = categorical(analysis)
    n = len(analysis.invocations)
    table = load_builtin()
    options = BillingOptions()
    print(f"{args.file.name}: {n:,} invocations; unpriced analysis built in {build_s:.2f} s; "
          f"invocation table {table_mb(analysis.invocations):.0f} MB")
    variants: dict[str, ModuleType] = {"tree": rules}
    if args.against:
        variants[args.against] = rules_at(args.against)
    walls: dict[str, list[float]] = {name: [] for name in variants}
    results: dict[str, Any] = {}
    for _ in range(args.repeat):
        for name, module in variants.items():
            priced, wall = timed(partial(module.price_analysis, analysis, options, table))
            walls[name].append(wall)
            results[name] = priced
    for name, module in variants.items():
        peak = traced_peak(partial(module.price_analysis, analysis, options, table))
        med = statistics.median(walls[name])
        added = table_mb(results[name].invocations) - table_mb(analysis.invocations)
        print(f"  pricing [{name}]: median {med:.3f} s of {len(walls[name])} "
              f"({', '.join(f'{w:.3f}' for w in walls[name])}); "
              f"{med / build_s:.3f}x the unpriced build; traced peak {peak:.0f} MB; "
              f"priced table adds {added:.0f} MB")
    if args.against:
        ratios = [t / r for t, r in zip(walls["tree"], walls[args.against], strict=True)]
        print(f"  tree / {args.against}: median paired wall ratio "
              f"{statistics.median(ratios):.3f} ({', '.join(f'{r:.3f}' for r in ratios)})")
        print("  same output:", same(results["tree"], results[args.against]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
