"""`lamlife analyze --format csv`: the invocation table, lossless, re-readable by pandas."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.schema import INVOCATION_COLUMNS
from lamlife.reports.csv_report import render_csv

STRING_COLUMNS = (
    "function",
    "version",
    "environment",
    "request_id",
    "start_type",
    "reason",
    "status",
    "error_type",
    "init_type",
    "runtime_version",
    "flags",
)
TIME_COLUMNS = ("start", "end")
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "orders.log"


def read_back(text: str, float_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """How a reader gets the table back: strings stay strings ("" is ""), empty floats NaN."""
    floats = [
        name
        for name in (*INVOCATION_COLUMNS, *float_columns)
        if name not in STRING_COLUMNS + TIME_COLUMNS + ("init_failures",)
    ]
    frame = pd.read_csv(
        io.StringIO(text),
        dtype={name: str for name in STRING_COLUMNS} | {name: "float64" for name in floats},
        keep_default_na=False,
        na_values={name: [""] for name in floats},
    )
    for name in TIME_COLUMNS:
        frame[name] = pd.to_datetime(frame[name], format="ISO8601", utc=True).astype(
            "datetime64[ns, UTC]"
        )
    return frame


def assert_same(back: pd.DataFrame, original: pd.DataFrame) -> None:
    assert list(back.columns) == list(original.columns)
    for name in original.columns:
        if name in STRING_COLUMNS:
            assert back[name].tolist() == original[name].tolist(), name
        elif name in TIME_COLUMNS:
            assert (back[name] == original[name]).all(), name
        else:
            left = back[name].to_numpy(dtype=float)
            right = original[name].to_numpy(dtype=float)
            # exact, NaN where NaN: no tolerance
            assert np.array_equal(left, right, equal_nan=True), name


def test_header_line_exact(sample: Analysis) -> None:
    first = render_csv(sample).split("\n", 1)[0]
    assert first == (
        "function,version,environment,request_id,start,end,start_type,reason,status,"
        "error_type,duration_ms,billed_duration_ms,init_duration_ms,restore_duration_ms,"
        "billed_restore_duration_ms,memory_mb,max_memory_used_mb,init_type,runtime_version,"
        "init_failures,flags"
    )
    assert first.startswith("function,version,environment,request_id,start,end,start_type,")


def test_rows_as_written(sample: Analysis) -> None:
    lines = render_csv(sample).split("\n")
    assert len(lines) == 1 + 8 + 1 and lines[-1] == ""  # header, 8 rows, final newline
    # c2 (the timeout), cell by cell in schema order; NaN cells are empty
    assert lines[2] == (
        "billing-worker,7,2026/07/20/[7]22be53a8cfde4e68b844f8ec293b2543,c2,"
        "2026-07-20T01:50:58.000Z,2026-07-20T01:51:01.000Z,warm,"
        "Task timed out after 3.00 seconds,timeout,,3000.0,3000.0,,,,512.0,91.0,on-demand,"
        "python:3.12.v40,0,timeout"
    )
    # b2: sub-millisecond start, unknown memory and billed duration
    assert lines[8].split(",")[4:6] == [
        "2026-07-20T02:00:00.100250Z",
        "2026-07-20T02:00:00.130250Z",
    ]
    assert lines[8].split(",")[10:17] == ["30.0", "", "", "", "", "", "47.0"]


def test_round_trip_is_lossless(sample: Analysis) -> None:
    assert_same(read_back(render_csv(sample)), sample.invocations)


def test_round_trip_hard_values(make_sample: Callable[[], Analysis]) -> None:
    analysis = make_sample()
    inv = analysis.invocations
    inv["duration_ms"] = [0.1 + 0.2, 1 / 3, 1e-7, 123456789.12345679, 5e-324, 1e300, 2.5, 0.0]
    inv.loc[0, "reason"] = 'He said "hi", then\nleft; ok'
    inv.loc[1, "function"] = "name,with,commas"
    inv.loc[2, "version"] = "12"  # numeric-looking strings stay strings
    inv.loc[3, "flags"] = "timeout;out_of_memory"
    inv.loc[4, "request_id"] = "00123"
    text = render_csv(analysis)
    assert "0.30000000000000004" in text
    assert_same(read_back(text), inv)


def test_extra_columns_after_schema(make_sample: Callable[[], Analysis]) -> None:
    analysis = make_sample()
    analysis.invocations["cost_usd"] = [1.0e-6 * (i + 1) / 3 for i in range(8)]
    analysis.invocations["init_cost_usd"] = [2.5e-7] + [float("nan")] * 7
    text = render_csv(analysis)
    header = text.split("\n", 1)[0].split(",")
    assert header == [*INVOCATION_COLUMNS, "cost_usd", "init_cost_usd"]
    back = read_back(text, ("cost_usd", "init_cost_usd"))
    assert_same(back, analysis.invocations)


def test_empty_is_the_header_only(empty: Analysis) -> None:
    text = render_csv(empty)
    assert text == ",".join(INVOCATION_COLUMNS) + "\n"
    assert len(read_back(text)) == 0


def test_real_pipeline_dtypes_round_trip() -> None:
    """The engine's own dtypes (datetime64[us], pandas str) write and read back the same."""
    from lamlife.lifecycle.pipeline import analyze_paths

    analysis = analyze_paths([str(EXAMPLE)])
    assert len(analysis.invocations) == 28  # examples/README.md, counted by hand
    original = analysis.invocations.copy()
    for name in STRING_COLUMNS:  # the schema's "unknown" string is "", which is what a CSV has
        original[name] = original[name].fillna("")
    for name in TIME_COLUMNS:
        original[name] = original[name].astype("datetime64[ns, UTC]")
    assert_same(read_back(render_csv(analysis)), original)


def test_lamlife_reads_its_own_csv_back(tmp_path: Path) -> None:
    """analyze on the CSV gives the same invocation table and summary as on the logs."""
    from lamlife.lifecycle.pipeline import analyze_paths

    analysis = analyze_paths([str(EXAMPLE)])
    path = tmp_path / "invocations.csv"
    path.write_text(render_csv(analysis), encoding="utf-8")
    again = analyze_paths([str(path)])
    assert again.input.formats == {"lamlife-csv": 1}
    assert again.summary == analysis.summary
    for name in INVOCATION_COLUMNS:
        before, after = analysis.invocations[name], again.invocations[name]
        if name in STRING_COLUMNS:
            before, after = before.fillna(""), after.fillna("")
        assert after.astype(str).tolist() == before.astype(str).tolist(), name


def test_a_csv_of_a_fetch_file_leaves_out_its_provisioned_allocation(tmp_path: Path) -> None:
    """The README's and docs/billing.md's exception: the CSV carries no fetch header, so the
    provisioned-concurrency allocation priced from its ``provisioned_concurrency`` is not
    priced again from the CSV; everything else of the cost is."""
    import json

    from typer.testing import CliRunner

    import lamlife.cli.main  # noqa: F401
    from lamlife.cli.app import app

    fetch = Path(__file__).resolve().parents[1] / "data" / "reports" / "all-funcs-provisioned.jsonl"
    header = json.loads(fetch.read_text().splitlines()[0])
    assert header["configuration"]["provisioned_concurrency"] == 2
    csv_path = tmp_path / "out.csv"
    runner = CliRunner()
    assert runner.invoke(app, ["analyze", str(fetch), "-o", str(csv_path)]).exit_code == 0

    def cost(path: Path) -> dict[str, dict[str, float]]:
        result = runner.invoke(app, ["analyze", str(path), "--format", "json"])
        assert result.exit_code == 0, result.output
        records = json.loads(result.stdout)["summary"]["cost"]["by_function"]
        return {r["function"]: r for r in records}

    logs, again = cost(fetch), cost(csv_path)
    allocation = logs["payments"]["provisioned_allocation_usd"]
    # 2 environments x 1 GB x the fetched 3 hours, in a Region's PC price: well over a cent
    assert allocation > 0.01
    assert again["payments"]["provisioned_allocation_usd"] == 0
    for name, record in logs.items():
        expected = record["total_usd"] - record["provisioned_allocation_usd"]
        assert abs(again[name]["total_usd"] - expected) < 1e-12, name
