"""The HTML report in a real browser: headless Chromium (Debian package ``chromium``).

Each page is opened from a file with networking features off; the test fails on any console
message (script errors, Vega warnings, blocked network requests all land there) and on any
chart that did not render an SVG with drawn marks. Without a browser the tests skip and say
why; `.ci/run` installs Chromium, so CI always runs them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from browser import find_browser, load
from click.testing import Result
from html_checks import chart_dom, check_all, specs_of
from typer.testing import CliRunner

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app

REPO = Path(__file__).resolve().parents[2]
ORDERS = str(REPO / "examples" / "orders.log")
BROWSER = find_browser()
IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
# Outside CI a missing browser skips these tests (and says so); in CI (.ci/run installs
# Chromium) they run and fail without one.
pytestmark = pytest.mark.skipif(
    BROWSER is None and not IN_CI,
    reason="no Chromium found (apt-get install chromium, or set LAMLIFE_CHROMIUM): "
    "the browser tests of the HTML report did not run",
)
MAX_BYTES_100K = 5 * 1024 * 1024


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def rendered(page: Path) -> dict[str, dict[str, object]]:
    """Open ``page``; assert no console message and every chart drawn; return the charts."""
    assert BROWSER is not None
    loaded = load(BROWSER, page)
    assert loaded.console == [], loaded.console
    text = page.read_text(encoding="utf-8")
    charts = chart_dom(loaded.dom)
    expected = {f"spec-{name}" for name in specs_of(text)}
    assert set(charts) == expected
    assert f'data-charts="{len(expected)}"' in loaded.dom  # the loader finished
    for name, chart in charts.items():
        assert chart["rendered"] == "yes", name
        assert chart["svg"] >= 1, name
        assert any(chart["marks"]), name  # some data mark drew something
    return charts


def test_browser_catches_a_broken_page(tmp_path: Path) -> None:
    """The check above can fail: a script error and a chart that cannot render are seen."""
    text = run("analyze", ORDERS, "--format", "html").stdout
    broken = text.replace('"mark":{"type":"rect"', '"mark":{"type":"no-such-mark"', 1)
    broken = broken.replace("<footer>", "<script>undefinedFunction()</script><footer>", 1)
    page = tmp_path / "broken.html"
    page.write_text(broken, encoding="utf-8")
    assert BROWSER is not None
    loaded = load(BROWSER, page)
    assert any("undefinedFunction" in line for line in loaded.console)
    assert any(c["rendered"] == "error" for c in chart_dom(loaded.dom).values())


def test_example_report_renders(tmp_path: Path) -> None:
    page = tmp_path / "orders.html"
    assert run("analyze", ORDERS, "--output", str(page)).exit_code == 0
    charts = rendered(page)
    assert set(charts) == {"spec-timeline", "spec-start-types", "spec-alive", "spec-init",
                           "spec-cost"}
    # every one of the example's 28 invocations is a drawn symbol on the timeline
    assert 28 in charts["spec-timeline"]["marks"]


def test_simulate_sweep_renders(tmp_path: Path) -> None:
    page = tmp_path / "sweep.html"
    result = run("simulate", ORDERS, "--provisioned", "0..4", "--output", str(page))
    assert result.exit_code == 0, result.output
    charts = rendered(page)
    assert set(charts) == {"spec-sweep"}
    assert charts["spec-sweep"]["marks"].count(5) >= 3  # 5 points on each line panel


def test_simulate_run_and_check_render(tmp_path: Path) -> None:
    sim = tmp_path / "sim.html"
    assert run("simulate", ORDERS, "--keep-alive", "2m", "--output", str(sim)).exit_code == 0
    assert "spec-comparison" in rendered(sim)
    budget = tmp_path / "b.yaml"
    budget.write_text("max:\n  timeouts: 0\n", encoding="utf-8")
    check = tmp_path / "check.html"
    assert run("check", ORDERS, "--budget", str(budget), "--output", str(check)).exit_code == 1
    assert BROWSER is not None
    loaded = load(BROWSER, check)  # a short page without charts: it still loads cleanly
    assert loaded.console == []
    assert 'class="fail"' in loaded.dom


READER_INPUTS = sorted(
    next(p for p in sorted(d.iterdir()) if "expected" not in p.name)
    for d in (REPO / "tests" / "data" / "readers").iterdir() if d.is_dir()
)


# Drawn in the browser: one input of each shape (environments from log streams, none at all,
# a mix of both, Insights rows); the chart data of every format is checked without it.
IN_BROWSER = ("tail-detailed", "tail-short", "mixed", "insights-csv")


@pytest.mark.slow
@pytest.mark.parametrize("source", READER_INPUTS, ids=lambda p: p.parent.name)
def test_every_input_format(source: Path, tmp_path: Path) -> None:
    """Each golden input of every format (some without log streams, hence without
    environments): chart data equal to the JSON report's, and a clean render."""
    page = tmp_path / "report.html"
    assert run("analyze", str(source), "--quiet", "--output", str(page)).exit_code == 0
    report = json.loads(run("analyze", str(source), "--quiet", "--format", "json",
                            "--invocations").stdout)
    check_all(page.read_text(encoding="utf-8"), report)
    if source.parent.name in IN_BROWSER:
        rendered(page)


@pytest.mark.slow
def test_100k_generated_log_renders_under_5_mb(tmp_path: Path) -> None:
    log = tmp_path / "orders.log"
    subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "generate_logs.py"), "--invocations",
         "100000", "--seed", "1", "--output", str(log)],
        check=True, capture_output=True,
    )
    page = tmp_path / "orders.html"
    assert run("analyze", str(log), "--output", str(page)).exit_code == 0
    size = page.stat().st_size
    assert size <= MAX_BYTES_100K, size
    text = page.read_text(encoding="utf-8")
    assert "grouped into" in text  # the page says the timeline groups warm invocations
    report = json.loads(run("analyze", str(log), "--format", "json", "--invocations").stdout)
    assert report["summary"]["invocations"] == 100000
    check_all(text, report)
    rendered(page)


def test_start_types_bars_stack_per_bucket(tmp_path: Path) -> None:
    """Each minute's bar is cut into one band per start type, one above the other: in the
    example's 09:14 minute 2 cold starts under 5 warm starts (drawn overlapping from zero,
    the cold starts would hide behind the warm bar)."""
    import re

    page = tmp_path / "orders.html"
    assert run("analyze", ORDERS, "--output", str(page)).exit_code == 0
    assert BROWSER is not None
    dom = load(BROWSER, page).dom
    chart = dom[dom.index('data-chart="spec-start-types"'):]
    chart = chart[:chart.find("data-chart=", 1)] if "data-chart=" in chart[1:] else chart
    bands: dict[float, list[tuple[float, float]]] = {}
    for x, y, height in re.findall(
            r'aria-roledescription="rect mark" d="M([\d.]+),([\d.]+)h[\d.]+v([\d.]+)h', chart):
        bands.setdefault(round(float(x), 3), []).append((float(y), float(y) + float(height)))
    assert bands and max(len(b) for b in bands.values()) >= 2
    for column in bands.values():
        column.sort()
        for (_top, bottom), (top, _bottom) in zip(column, column[1:], strict=False):
            assert top >= bottom - 0.01  # the next band starts where this one ends


def test_all_inits_panel_draws_what_its_title_counts(tmp_path: Path) -> None:
    """The new-user trial's fetch file of three functions, payments with 2 provisioned
    environments: the "all inits" panel's title counts the summary's inits a caller waited
    for, and its drawn bars are the spec's bars, which hold exactly those (html_checks); the
    provisioned inits are drawn in their own panel."""
    source = str(REPO / "tests" / "data" / "reports" / "all-funcs-provisioned.jsonl")
    page = tmp_path / "all.html"
    assert run("analyze", source, "--output", str(page)).exit_code == 0
    report = json.loads(run("analyze", source, "--format", "json", "--invocations").stdout)
    specs = check_all(page.read_text(encoding="utf-8"), report)
    panels = specs["init"]["vconcat"]
    titles = [p["title"]["text"].split(":")[0] for p in panels]
    assert titles[0] == "all inits" and "provisioned" in titles
    charts = rendered(page)
    # one drawn bar per bin of each panel, then its percentile rules
    bins = [len(p["layer"][0]["data"]["values"]) for p in panels]
    assert [m for m in charts["spec-init"]["marks"] if m][:1] == bins[:1]
    shown = sum(b["inits"] for b in panels[0]["layer"][0]["data"]["values"])
    assert shown == report["summary"]["init_duration_ms"]["count"]
    assert f": {shown} inits" in panels[0]["title"]["text"]
