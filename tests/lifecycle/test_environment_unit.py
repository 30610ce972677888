"""Per-environment independence (issue 12, DESIGN.md): one environment's records in, its
invocation rows out. Running the engine on each environment alone and putting the rows
together gives exactly the run over everything (the unit a distributed engine runs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lamlife.lifecycle.engine.coded import plain_columns
from lamlife.lifecycle.engine.replay import run_engine
from lamlife.lifecycle.read import ReadOptions, read_inputs

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "benchmarks" / "generate_logs.py"
EXAMPLE = ROOT / "examples" / "orders.log"
MIXED = ROOT / "tests" / "data" / "readers" / "mixed" / "logs"


def _generated(tmp_path: Path) -> Path:
    path = tmp_path / "orders.log"
    subprocess.run([sys.executable, str(GENERATOR), "--invocations", "800", "--seed", "7",
                    "--rate", "0.5", "--timeout-prob", "0.03", "--crash-prob", "0.03",
                    "--proactive-prob", "0.3", "--output", str(path)], check=True,
                   capture_output=True)
    return path


@pytest.mark.parametrize("which", ["generated", "example", "mixed"])
def test_each_environment_alone_gives_its_rows_of_the_whole_run(which: str,
                                                                 tmp_path: Path) -> None:
    path = {"generated": _generated(tmp_path) if which == "generated" else None,
            "example": EXAMPLE, "mixed": MIXED}[which]
    sink = read_inputs([str(path)], ReadOptions()).sink
    sink.finish()
    codes = sorted({int(c) for c in np.unique(sink.paired["env"])}
                   | {m.env for m in sink.marks})
    assert len(codes) >= 2
    units = [sink.environment_subset([code]) for code in codes]  # before the whole run
    whole = run_engine(sink)
    parts = [run_engine(unit) for unit in units]
    rows = pd.concat([p.invocations for p in parts], ignore_index=True)
    key = ["function", "environment", "start"]
    rows = rows.sort_values(key, kind="stable").reset_index(drop=True)
    # pieces concatenated lose their shared categories: compare the values
    pd.testing.assert_frame_equal(plain_columns(rows),
                                  plain_columns(whole.invocations.reset_index(drop=True)),
                                  check_dtype=False)
    assert sum(p.orphan_init_failures for p in parts) == whole.orphan_init_failures
    assert sum(p.unused_inits for p in parts) == whole.unused_inits
    assert sorted((e.time_ms, e.environment, e.event) for p in parts for e in p.orphan_events) \
        == sorted((e.time_ms, e.environment, e.event) for e in whole.orphan_events)


def test_recording_sink_records_only_what_the_sink_keeps() -> None:
    """Rows the RecordSink counts malformed (a time Lambda cannot produce) are not unit
    input, and the kept rows carry the read order the sink gave them."""
    from lamlife.lifecycle.engine.unit import RecordingSink, decode_record
    from lamlife.lifecycle.read.request_ids import RequestIds

    sink = RecordingSink()
    env = np.array([sink.env_code("fn", "s1")] * 3, dtype=np.int64)
    good = 1.7e12  # 2023
    ts = np.array([good, -5e15, good + 10.0])  # the middle START is before 1970: malformed
    kept = sink.add_starts(env, ts, RequestIds.from_strings(["a", "b", "c"]),
                           ["$LATEST"] * 3)
    assert kept.tolist() == [0, 2]
    assert sink.add_record("fn", "s1", good + 20.0, ("start", "d", "$LATEST"))
    assert not sink.add_record("fn", "s1", 1e20, ("start", "e", "$LATEST"))
    assert sink.counts.malformed == 2
    assert [(seq, decode_record(rec)[1]) for _env, _ts, seq, rec in sink.rows] == [
        (1, "a"), (2, "c"), (3, "d")]
