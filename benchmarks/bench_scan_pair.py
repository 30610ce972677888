"""Pair two builds of the compiled tail scanner on one file: the working tree's
``lifecycle/read/_tailscan.c`` against a git revision's (default ``main``).

Run by hand (never part of the test suite)::

    python benchmarks/bench_scan_pair.py benchmarks/out/orders-1000000-seed1.log
    python benchmarks/bench_scan_pair.py FILE --base main --passes 3
    python benchmarks/bench_scan_pair.py FILE --base HEAD  # a null test: the noise level

Both sources are compiled the same way (``cc -O2 -shared -fPIC``, this Python's headers) into
a temporary folder. The file is cut into blocks of 4 MiB at event lines, as the reader cuts
it; each block is scanned by one build and then the other (the order alternating block by
block) on one thread, so drift on a shared machine hits both alike. Quoted: per pass, the
total time of each and the median of the per-block ratios (working tree / base).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sysconfig
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "lifecycle/read/_tailscan.c"
BLOCK = 4 << 20


def _build(source: str, folder: Path) -> ModuleType:
    """Compile ``source`` (C text) in ``folder`` and load it as a module of its own."""
    folder.mkdir(parents=True)
    (folder / "_tailscan.c").write_text(source, encoding="utf-8")
    target = folder / ("_tailscan" + sysconfig.get_config_var("EXT_SUFFIX"))
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", f"-I{sysconfig.get_paths()['include']}",
                    str(folder / "_tailscan.c"), "-o", str(target)], check=True)
    spec = importlib.util.spec_from_file_location("_tailscan", target)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _blocks(data: bytes) -> list[memoryview]:
    """``data`` in blocks of about ``BLOCK`` bytes, each cut before an event line."""
    view = memoryview(data)
    out = []
    pos = 0
    while pos < len(data):
        cut = data.find(b"\n2", min(pos + BLOCK, len(data)))
        end = len(data) if cut < 0 else cut + 1
        out.append(view[pos:end])
        pos = end
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--base", default="main", help="git revision to compare against")
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    base_source = subprocess.run(["git", "-C", str(ROOT), "show", f"{args.base}:{SOURCE}"],
                                 check=True, capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as folder:
        base = _build(base_source, Path(folder) / "base")
        work = _build((ROOT / SOURCE).read_text(encoding="utf-8"), Path(folder) / "work")
        blocks = _blocks(args.file.read_bytes())
        if base.scan(blocks[0])[:5] != work.scan(blocks[0])[:5]:
            print("note: the two builds count the first block differently")
        for n in range(args.passes):
            totals = {"base": 0.0, "work": 0.0}
            ratios = []
            for i, block in enumerate(blocks):
                took = {}
                for name, module in (("base", base), ("work", work))[:: 1 if i % 2 else -1]:
                    start = time.perf_counter()
                    module.scan(block)
                    took[name] = time.perf_counter() - start
                    totals[name] += took[name]
                ratios.append(took["work"] / took["base"])
            print(f"pass {n + 1}: base {totals['base']:.3f} s, working tree "
                  f"{totals['work']:.3f} s, median block ratio {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
