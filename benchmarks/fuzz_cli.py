"""The long fuzz run of ``lamlife analyze`` over every input format (issue 11).

Run by hand (never part of the test suite; the suite runs a bounded slice of the same cases in
tests/cli/test_fuzz_cli.py)::

    python benchmarks/fuzz_cli.py                      # 50 mutants of every seed input
    python benchmarks/fuzz_cli.py --per-seed 500 --seed 7 --keep benchmarks/out/fuzz

Each mutant is analyzed in-process (``--format json --invocations``) and checked against the
properties in tests/fuzz_inputs.py: exit 0 or 2, no traceback, strict JSON, every event
accounted for, no negative or non-finite figure, no date outside the input's years. Failing
inputs are written to ``--keep`` (default ``benchmarks/out/fuzz``) with the problems found, so
each can be replayed with ``lamlife analyze FILE``. The exit code is 1 when any mutant failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from fuzz_inputs import REPO, cases, problems  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

import lamlife.cli.main  # noqa: E402, F401  (registers the commands)
from lamlife.cli.app import app  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-seed", type=int, default=50,
                        help="mutants of every seed input (default 50)")
    parser.add_argument("--keep", type=Path, default=HERE / "out" / "fuzz",
                        help="folder for the failing inputs")
    args = parser.parse_args()
    runner = CliRunner()
    lamlife_csv = runner.invoke(app, ["analyze", str(REPO / "examples" / "orders.log"),
                                      "--format", "csv", "--quiet"]).stdout
    args.keep.mkdir(parents=True, exist_ok=True)
    work = args.keep / "current"
    exits: Counter[int] = Counter()
    failed = 0
    started = time.monotonic()
    for source, n, data in cases(args.seed, args.per_seed, lamlife_csv):
        work.write_bytes(data)
        result = runner.invoke(app, ["analyze", str(work), "--format", "json",
                                     "--invocations", "--quiet"])
        exits[result.exit_code] += 1
        found = problems(result.exit_code, result.stdout, result.stderr, data,
                         result.exception)
        if found:
            failed += 1
            name = f"{source.format}-{n}-{source.name}"
            (args.keep / name).write_bytes(data)
            (args.keep / f"{name}.problems").write_text("\n".join(found) + "\n")
            print(f"FAIL {name}: {found[0]}", flush=True)
    work.unlink(missing_ok=True)
    total = sum(exits.values())
    print(f"{total} runs in {time.monotonic() - started:.0f} s; exit codes "
          f"{dict(sorted(exits.items()))}; {failed} failed (inputs in {args.keep})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
