"""Figures agree across the sections of one analysis (issue 13): a failed init that belongs to
no invocation counts in the summary AND in its function's row."""

from __future__ import annotations

from pathlib import Path

from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths, time_window

S1 = "2026/04/14/[$LATEST]11111111111111111111111111111111"
S2 = "2026/04/14/[$LATEST]22222222222222222222222222222222"
S3 = "2026/04/14/[7]33333333333333333333333333333333"
RID = "0f298c3e-770c-468d-ae64-ae397aed9d47"

# aws logs tail: S1 serves one request; S2 fails its init and serves nothing in the window
# (its retry would come with a later request); S3 of version 7 fails its init twice, nothing
# served either.
LOG = "\n".join([
    f"2026-04-14T09:00:00.000000+00:00 {S1} INIT_START Runtime Version: nodejs:22.v1",
    f"2026-04-14T09:00:00.300000+00:00 {S1} START RequestId: {RID} Version: $LATEST",
    f"2026-04-14T09:00:00.400000+00:00 {S1} END RequestId: {RID}",
    f"2026-04-14T09:00:00.400000+00:00 {S1} REPORT RequestId: {RID}\tDuration: 100.00 ms\t"
    "Billed Duration: 400 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t"
    "Init Duration: 299.10 ms\t",
    f"2026-04-14T09:01:00.000000+00:00 {S2} INIT_START Runtime Version: nodejs:22.v1",
    f"2026-04-14T09:01:01.000000+00:00 {S2} INIT_REPORT Init Duration: 1000.00 ms\tPhase: init"
    "\tStatus: error\tError Type: Runtime.ImportModuleError",
    f"2026-04-14T09:02:00.000000+00:00 {S3} INIT_START Runtime Version: nodejs:22.v1",
    f"2026-04-14T09:02:10.000000+00:00 {S3} INIT_REPORT Init Duration: 10000.00 ms\t"
    "Phase: init\tStatus: timeout",
    f"2026-04-14T09:02:20.000000+00:00 {S3} INIT_REPORT Init Duration: 10000.00 ms\t"
    "Phase: init\tStatus: timeout",
    "",
])


def test_init_failures_in_summary_and_functions_agree(tmp_path: Path) -> None:
    path = tmp_path / "orders.log"
    path.write_text(LOG, encoding="utf-8")
    analysis = analyze_paths([str(path)], AnalyzeOptions())
    assert analysis.summary["init_failures"] == 3
    rows = analysis.functions.set_index("version")
    # counted by hand: one on S2 ($LATEST, which served a request on S1), two on S3 (version
    # 7, which served none: it gets a row of its own)
    assert rows.loc["$LATEST", "init_failures"] == 1
    assert rows.loc["$LATEST", "invocations"] == 1
    assert rows.loc["7", "init_failures"] == 2
    assert rows.loc["7", "invocations"] == 0
    assert int(analysis.functions["init_failures"].sum()) == analysis.summary["init_failures"]


def test_a_time_window_keeps_the_init_failures_inside_it(tmp_path: Path) -> None:
    path = tmp_path / "orders.log"
    path.write_text(LOG, encoding="utf-8")
    window = analyze_paths([str(path)], AnalyzeOptions(
        window=time_window("2026-04-14T09:01:30Z", None)))
    # only S3's two failures are inside the window; S1's request and S2's failure are not
    assert window.summary["invocations"] == 0
    assert window.summary["init_failures"] == 2
    assert int(window.functions["init_failures"].sum()) == 2
