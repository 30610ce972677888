"""The HTML report: chart data equals the JSON report's numbers; the page is self-contained.

Inputs: the bundled example (hand-counted in examples/README.md), a generated log of 3,000
invocations (benchmarks/generate_logs.py, fixed seed) and the hand-built analyses of
conftest.py. Expectations are recomputed from the JSON report in html_checks.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from html_checks import check_all, specs_of
from typer.testing import CliRunner

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app
from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.pipeline import analyze_paths
from lamlife.reports import render
from lamlife.reports.html import data, page

REPO = Path(__file__).resolve().parents[2]
ORDERS = str(REPO / "examples" / "orders.log")


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def both(*args: str) -> tuple[str, dict[str, Any]]:
    html = run("analyze", *args, "--format", "html")
    assert html.exit_code == 0, html.output
    js = run("analyze", *args, "--format", "json", "--invocations")
    assert js.exit_code == 0, js.output
    return html.stdout, json.loads(js.stdout)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "gen.log"
    subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "generate_logs.py"), "--invocations", "3000",
         "--seed", "7", "--rate", "0.5", "--timeout-prob", "0.01", "--crash-prob", "0.01",
         "--output", str(out)],
        check=True, capture_output=True,
    )
    return out


RUNTIME = ("INIT_START Runtime Version: nodejs:22.mainline.v122\tRuntime Version ARN: "
           "arn:aws:lambda:us-east-1::runtime:7cf8639326f39ee3c19b839ad3d39aed6eff62eb")


def _ahead_of_demand_log(path: Path) -> str:
    """checkout: two environments cold at 10:00:00 and 10:00:01 (Init 300 and 320 ms), each
    then warm once; pricing: a provisioned environment initialized at 09:55 (INIT_REPORT Init
    Duration 1,200 ms, printed for provisioned concurrency) whose first request is at
    10:00:02. Inits: 300, 320 (waited for) and 1,200 (ahead of demand)."""
    def at(s: float) -> str:
        whole = int(s)
        return f"2026-09-01T10:{whole // 60:02d}:{whole % 60:02d}.{round((s % 1) * 1e6):06d}+00:00"

    lines = []
    for k, (arrival, init) in enumerate(((0.0, 300.0), (1.0, 320.0))):
        stream = f"2026/09/01/checkout[$LATEST]{str(k + 1) * 32}"
        lines.append(f"{at(arrival)} {stream} {RUNTIME}")
        for j, (start, rid) in enumerate(((arrival + init / 1000, f"c{k}a"),
                                          (arrival + 10.0, f"c{k}b"))):
            end = start + 0.05
            part = f"\tInit Duration: {init:.2f} ms" if j == 0 else ""
            lines += [f"{at(start)} {stream} START RequestId: {rid} Version: $LATEST",
                      f"{at(end)} {stream} END RequestId: {rid}",
                      f"{at(end)} {stream} REPORT RequestId: {rid}\tDuration: 50.00 ms\t"
                      f"Billed Duration: {int(50 + (init if j == 0 else 0))} ms\tMemory Size: "
                      f"512 MB\tMax Memory Used: 90 MB{part}\t"]
    stream = "2026/09/01/pricing[$LATEST]" + "3" * 32
    head = [f"2026-09-01T09:55:00.000000+00:00 {stream} {RUNTIME}",
            f"2026-09-01T09:55:01.200000+00:00 {stream} INIT_REPORT Init Duration: 1200.00 ms"]
    lines += [f"{at(2.0)} {stream} START RequestId: p1 Version: $LATEST",
              f"{at(2.04)} {stream} END RequestId: p1",
              f"{at(2.04)} {stream} REPORT RequestId: p1\tDuration: 40.00 ms\tBilled Duration: "
              "40 ms\tMemory Size: 1024 MB\tMax Memory Used: 90 MB\t"]
    path.write_text("\n".join(head + sorted(lines)) + "\n", encoding="utf-8")
    return str(path)


def test_all_inits_chart_holds_the_inits_a_caller_waited_for(tmp_path: Path) -> None:
    # the summary's init_duration_ms is the inits a caller waited for (300, 320); the "all
    # inits" chart draws those same two, with the summary's count and percentiles; the
    # provisioned init (1,200) is in its own panel only
    path = _ahead_of_demand_log(tmp_path / "two.log")
    page_text, report = both(path)
    assert report["summary"]["init_duration_ms"]["count"] == 2
    assert report["summary"]["init_ahead_of_demand_ms"]["count"] == 1
    check_all(page_text, report)
    groups = {g["key"]: g for g in data.init_distribution(analyze_paths([path]))["groups"]}
    assert groups["all"]["count"] == 2
    assert sum(b["inits"] for b in groups["all"]["histogram"]) == 2
    assert groups["all"]["p50"] == 310.0
    assert groups["provisioned"]["count"] == 1


def test_example_chart_data_equals_json() -> None:
    page_text, report = both(ORDERS)
    specs = check_all(page_text, report)
    assert set(specs) == {"timeline", "start-types", "alive", "init", "cost"}
    # examples/README.md by hand: 28 invocations in 4 environments, all drawn one by one
    marks = [m for layer in specs["timeline"]["layer"] if layer["mark"]["type"] == "point"
             and "start_type" in json.dumps(layer["encoding"]) for m in layer["data"]["values"]]
    assert len(marks) == 28
    assert {m["start_type"] for m in marks} == {"cold", "warm", "proactive", "reinit"}
    # the 12-minute window is drawn per minute
    assert "Per minute" in specs["start-types"]["description"]


def test_generated_log_chart_data_equals_json(generated: Path) -> None:
    page_text, report = both(str(generated), "--top", "25")
    specs = check_all(page_text, report, top=25)
    assert "grouped into" not in specs["timeline"]["description"]  # 3,000: all drawn
    assert report["summary"]["invocations"] == 3000
    assert report["summary"]["start_types"]["reinit"] > 0  # failures and resets are drawn


def test_timeline_groups_plain_warm_invocations_when_many(generated: Path) -> None:
    from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths

    analysis = analyze_paths([str(generated)], AnalyzeOptions())
    line = data.timeline(analysis, top=5, max_marks=50, bins=20)
    shown = {(r["function"], r["environment"]) for r in line["rows"]}
    inv = analysis.invocations
    mine = inv[[(f, e) in shown for f, e in zip(inv["function"], inv["environment"],
                                                  strict=True)]]
    special = mine[(mine["start_type"] != "warm") | (mine["status"] != "success")
                   | (mine["flags"] != "")]
    assert line["invocations"] == len(mine)
    assert line["grouped"] == len(mine) - len(special)
    assert sum(b["count"] for b in line["bins"]) == line["grouped"]
    assert {m["request_id"] for m in line["marks"]} <= set(special["request_id"])
    assert line["drawn"] == min(len(special), 50)
    assert "grouped into 20 time bins" in line["note"]
    assert len({b["start"] for b in line["bins"]}) <= 20


def test_bucket_sizes_follow_the_window() -> None:
    assert data.bucket_size(12 * 60) == ("minute", 60)
    assert data.bucket_size(3 * 3600) == ("minute", 60)
    assert data.bucket_size(3 * 3600 + 1) == ("hour", 3600)
    assert data.bucket_size(7 * 86400) == ("hour", 3600)
    assert data.bucket_size(30 * 86400) == ("day", 86400)


def test_sample_analysis_page_has_every_table(sample: Analysis) -> None:
    text = render(sample, "html")
    for title in ("Summary", "Functions", "Start types", "Init duration",
                  "Environments", "Flagged events"):
        assert f"<h2>{title}" in text
    # numbers of the hand-built analysis (conftest.py): 8 invocations, 2 functions
    specs = specs_of(text)
    counts = [r for layer in specs["start-types"]["layer"] if layer["mark"]["type"] == "rect"
              for r in layer["data"]["values"]]
    assert sum(r["invocations"] for r in counts) == sample.summary["invocations"]


def test_empty_analysis_says_so_and_draws_nothing(empty: Analysis) -> None:
    text = render(empty, "html")
    assert "No invocations found." in text
    assert specs_of(text) == {}
    assert "vegaEmbed" not in text  # no chart, no scripts


def test_page_is_self_contained() -> None:
    text = run("analyze", ORDERS, "--format", "html").stdout
    assert text.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    # nothing to fetch: no external script, style sheet, image, frame or font in the markup
    markup = re.sub(r"<script>.*?</script>", "<script></script>", text, flags=re.DOTALL)
    assert markup.count("<script") == text.count("<script")
    assert not re.search(r"<(script|img|iframe|link|object|embed)\b[^>]*\b(src|href)=", markup)
    assert "@import" not in markup and "url(" not in markup
    assert "sourceMappingURL" not in text
    assert "BSD-3-Clause" in text  # the vendored scripts' licences travel with the page


def test_names_are_escaped(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text(Path(ORDERS).read_text(encoding="utf-8"), encoding="utf-8")
    text = run("analyze", str(log), "--function", "<script>alert(1)</script>",
               "--format", "html").stdout
    assert "<script>alert(1)" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # tables
    specs = specs_of(text)  # JSON inside <script> carries it as \u003c
    assert specs["cost"]["data"]["values"][0]["function"] == "<script>alert(1)</script>"


def test_vendored_files_are_package_data() -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"lamlife.reports.html" = ["vendor/*.js", "vendor/*.txt", "vendor/*.md"]' in pyproject
    folder = REPO / "reports" / "html" / "vendor"
    for name in (*page.VENDOR_SCRIPTS, page.LICENCES):
        assert (folder / name).stat().st_size > 1000
    licences = (folder / page.LICENCES).read_text(encoding="utf-8")
    for package in ("vega@", "vega-lite@", "vega-embed@", "d3-scale@"):
        assert package in licences


def test_timeline_spans_start_at_the_init(sample: Analysis) -> None:
    # conftest.py: billing-worker's environment C starts cold at 01:50:15.828 after an
    # 812.25 ms init (01:50:15.01575); orders-api B is proactive at 01:59:30.000, its init
    # time unknown to the tables, so its span starts at its first request.
    rows = {r["environment"][-8:]: r for r in data.timeline(sample)["rows"]}
    assert rows["ec293b2543"[-8:]]["init_start"] == "2026-07-20T01:50:15.015Z"
    assert rows["ec293b2543"[-8:]]["first_start"] == "2026-07-20T01:50:15.828Z"
    assert rows["4d0a9947e8ab36a"[-8:]]["init_start"] is None
    assert rows["4d0a9947e8ab36a"[-8:]]["span_start"] == "2026-07-20T01:59:30.000Z"


def test_timeline_draws_a_kept_init_start(make_sample: Any) -> None:
    # an environment table that carries the INIT_START of each environment (a proactive
    # init 83.4 s before its first request) shows the gap before the first request
    analysis = make_sample()
    import pandas as pd

    kept = [pd.NaT, pd.NaT, pd.Timestamp("2026-07-20T01:58:06.600", tz="UTC")]
    analysis.environments["init_start"] = pd.Series(kept, index=analysis.environments.index)
    rows = {r["environment"][-8:]: r for r in data.timeline(analysis)["rows"]}
    assert rows["4d0a9947e8ab36a"[-8:]]["init_start"] == "2026-07-20T01:58:06.600Z"
    assert rows["4d0a9947e8ab36a"[-8:]]["span_start"] == "2026-07-20T01:58:06.600Z"
    assert rows["4d0a9947e8ab36a"[-8:]]["init_waited"] is False
    assert rows["ec293b2543"[-8:]]["init_waited"] is True
    # the cold start's own init is unchanged
    assert rows["ec293b2543"[-8:]]["init_start"] == "2026-07-20T01:50:15.015Z"


def test_timeline_rows_keep_the_environment_visible_for_long_function_names() -> None:
    # the axis cuts a long label at its end: "payments-...-eu-west-1-ha…" on every row, the
    # environments that tell the rows apart cut off
    import pandas as pd

    from lamlife.reports.html.data import _one_function_note, _row_labels, middle_cut

    long = "payments-reconciliation-service-prod-eu-west-1-handler"
    envs = ["2026/05/20/[$LATEST]aaaa1111aaaa1111aaaa1111b4f08c65",
            "2026/05/20/[$LATEST]bbbb2222bbbb2222bbbb2222c5b7f812"]
    one = pd.DataFrame({"function": [long, long], "environment": envs})
    labels = _row_labels(one)
    assert labels == ["[$LATEST]…b4f08c65", "[$LATEST]…c5b7f812"]
    assert _one_function_note(one) == f" Every row is an environment of {long}."
    two = pd.DataFrame({"function": [long, "orders"], "environment": envs})
    labels = _row_labels(two)
    assert labels == [f"{middle_cut(long, 28)} [$LATEST]…b4f08c65", "orders [$LATEST]…c5b7f812"]
    assert len(middle_cut(long, 28)) == 28 and middle_cut(long, 28).endswith("1-handler")
    assert _one_function_note(two) == ""


ALL_FUNCS = str(REPO / "tests" / "data" / "reports" / "all-funcs-provisioned.jsonl")


def test_all_inits_panel_draws_only_the_inits_a_caller_waited_for() -> None:
    # a fetch file of three functions, one with provisioned concurrency: the "all inits" panel
    # is the summary's init_duration_ms, so its bars leave out the provisioned inits, drawn
    # in their own panel
    page_text, report = both(ALL_FUNCS)
    check_all(page_text, report)
    panels = {p["title"]["text"].split(":")[0]: p for p in specs_of(page_text)["init"]["vconcat"]}
    provisioned = [i["init_duration_ms"] for i in report["invocations"]
                   if i["start_type"] == "provisioned" and i["init_duration_ms"] is not None]
    assert len(provisioned) == 2
    bars = panels["all inits"]["layer"][0]["data"]["values"]
    assert sum(b["inits"] for b in bars) == report["summary"]["init_duration_ms"]["count"]
    assert max(b["to_ms"] for b in bars if b["inits"]) < min(provisioned)
    assert sum(b["inits"] for b in panels["provisioned"]["layer"][0]["data"]["values"]) == 2


def test_all_inits_panel_without_inits_ahead_of_demand_in_the_variant(tmp_path: Path) -> None:
    # variant: only the provisioned function's records; its cold starts and provisioned
    # inits still part into two panels
    lines = Path(ALL_FUNCS).read_text().splitlines()
    mine = [line for line in lines if '"payments"' in line or "/aws/lambda/payments" in line]
    path = tmp_path / "payments.jsonl"
    path.write_text("\n".join(mine) + "\n")
    page_text, report = both(str(path))
    check_all(page_text, report)
