"""`--format html` and --output's extension through typer's CliRunner, for analyze,
simulate (one run and a sweep) and check.

Expected numbers are the example's hand counts (examples/README.md) or the JSON output of the
same command, never the HTML module's own helpers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from html_checks import specs_of
from typer.testing import CliRunner

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app

REPO = Path(__file__).resolve().parents[2]
ORDERS = str(REPO / "examples" / "orders.log")


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


# --- the format from --output's extension ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "starts"),
    [("r.html", "<!DOCTYPE html>"), ("r.HTM", "<!DOCTYPE html>"), ("r.json", "{"),
     ("r.md", "# lamlife analysis"), ("r.csv", "function,version,environment"),
     ("report.txt", "Cold starts")],
)
def test_analyze_output_extension_picks_the_format(tmp_path: Path, name: str,
                                                   starts: str) -> None:
    out = tmp_path / name
    result = run("analyze", ORDERS, "--output", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith(starts)


def test_format_wins_over_the_extension(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = run("analyze", ORDERS, "--format", "json", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["invocations"] == 28


def test_unknown_extension_keeps_json(tmp_path: Path) -> None:
    out = tmp_path / "report.out"
    assert run("analyze", ORDERS, "--output", str(out)).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["invocations"] == 28


@pytest.mark.parametrize("command", ["analyze", "simulate"])
@pytest.mark.parametrize("word", ["json", "html", "md", "CSV"])
def test_bare_format_name_as_output_is_refused(command: str, word: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(command, ORDERS, "--output", word)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "--format" in lines[0] and "Traceback" not in result.output
    assert not (tmp_path / word).exists()


def test_check_bare_format_refused_and_csv_extension_not_written(tmp_path: Path) -> None:
    budget = tmp_path / "b.yaml"
    budget.write_text("max:\n  timeouts: 5\n", encoding="utf-8")
    bare = run("check", ORDERS, "--budget", str(budget), "--output", "json")
    assert bare.exit_code == 2 and "use --format json" in bare.output
    csv = run("check", ORDERS, "--budget", str(budget), "--output", str(tmp_path / "c.csv"))
    assert csv.exit_code == 2
    assert "cannot write csv" in csv.output
    assert not (tmp_path / "c.csv").exists()


# --- check -----------------------------------------------------------------------------------


def test_check_html_highlights_failing_limits(tmp_path: Path) -> None:
    budget = tmp_path / "b.yaml"
    # the example: 1 timeout (fails max 0), 28 invocations (meets min 1)
    budget.write_text("max:\n  timeouts: 0\nmin:\n  invocations: 1\n", encoding="utf-8")
    out = tmp_path / "check.html"
    result = run("check", ORDERS, "--budget", str(budget), "--output", str(out))
    assert result.exit_code == 1
    text = out.read_text(encoding="utf-8")
    assert '<div class="verdict-banner failed">Failed: 1 of 2 limits exceeded</div>' in text
    assert '<tr class="fail"><td class="text">timeouts</td><td class="num">1</td>' in text
    assert '<tr class="pass"><td class="text">invocations</td><td class="num">28</td>' in text


# --- simulate --------------------------------------------------------------------------------


def test_simulate_sweep_html_draws_the_sweep_rows(tmp_path: Path) -> None:
    out = tmp_path / "sweep.html"
    args = ["simulate", ORDERS, "--keep-alive", "1m,2m,5m,10m"]
    assert run(*args, "--output", str(out)).exit_code == 0
    rows = json.loads(run(*args, "--format", "json").stdout)["sweep"]["rows"]
    spec = specs_of(out.read_text(encoding="utf-8"))["sweep"]
    points = spec["data"]["values"]
    assert [p["value"] for p in points] == ["1m00s", "2m00s", "5m00s", "10m00s"]  # as the table
    assert [p["cold_starts"] for p in points] == [r["cold_starts"] for r in rows]
    assert [p["cost_usd"] for p in points] == [r["cost_usd"] for r in rows]
    assert [p["added_latency_p99_ms"] for p in points] == [
        r["added_latency_p99_ms"] for r in rows]
    assert {panel["title"] for panel in spec["hconcat"]} == {
        "cold starts", "p99 added ms", "cost (USD)"}
    # fewer cold starts as the keep-alive grows (the example's idle gaps are up to 2m44s)
    assert points[0]["cold_starts"] > points[-1]["cold_starts"]


def test_simulate_run_html_shows_observed_against_simulated(tmp_path: Path) -> None:
    out = tmp_path / "sim.html"
    args = ["simulate", ORDERS, "--keep-alive", "2m"]
    assert run(*args, "--output", str(out)).exit_code == 0
    document = json.loads(run(*args, "--format", "json").stdout)
    text = out.read_text(encoding="utf-8")
    specs = specs_of(text)
    values = specs["comparison"]["data"]["values"]
    for row in document["simulation"]["comparison"]:
        for side in ("observed", "simulated"):
            if row[side] is not None:
                assert any(v["side"] == side and v["value"] == row[side] for v in values), row
    assert "<h2>Observed vs simulated</h2>" in text
    # the simulated run's own charts follow, drawn from the simulated analysis
    counts = [r for layer in specs["start-types"]["layer"] if layer["mark"]["type"] == "rect"
              for r in layer["data"]["values"]]
    assert sum(r["invocations"] for r in counts) == document["summary"]["invocations"]
