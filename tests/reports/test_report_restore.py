"""SnapStart Restore Duration in the terminal and Markdown reports: a headline row and the
"Restore duration" sections where the init percentiles are, only when the analysis has
restores (a report without SnapStart is unchanged: the golden files of test_report_tables
and test_report_markdown).

tests/data/simulate/three-functions-one-snapstart.jsonl: thumbnailer (version 3) has three
restores, Restore Durations 397.08, 397.60 and 489.48 ms: p50 397.60, p90 471.104, p99
487.6424 (linear interpolation between closest ranks), max 489.48
(tests/lifecycle/test_restore_percentiles.py); orders and payments have none.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_report_tables import terminal_text

from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.pipeline import analyze_paths
from lamlife.reports import render

REPO = Path(__file__).resolve().parents[2]
MIX = REPO / "tests" / "data" / "simulate" / "three-functions-one-snapstart.jsonl"
ORDERS = REPO / "examples" / "orders.log"

TERMINAL_W100 = """\
Restore duration
Percentile             Restore duration ms
──────────────────────────────────────────
p50 (median)                        397.60
p90 (only 3 restores)               471.10
p99 (only 3 restores)               487.64
max                                 489.48
Over 3 SnapStart restores with a known Restore Duration: the caller waited for each, as for an init.
Method: linear interpolation between closest ranks.
With 10 restores or fewer, p90 and p99 are interpolated between the two largest values, not
measured.

Restore duration by function
Function     Version  Restores  p50 ms   p90 ms   p99 ms  max ms
────────────────────────────────────────────────────────────────
orders       $LATEST         0       -        -        -       -
payments     7               0       -        -        -       -
thumbnailer  3               3  397.60  471.10*  487.64*  489.48
* from 10 restores or fewer (p90) or 100 or fewer (p99): interpolated between the two largest
values.
"""

MARKDOWN = """\
## Restore duration

| Percentile | Restore duration ms |
| --- | ---: |
| p50 (median) | 397.60 |
| p90 (only 3 restores) | 471.10 |
| p99 (only 3 restores) | 487.64 |
| max | 489.48 |

Over 3 SnapStart restores with a known Restore Duration: the caller waited for each, as for \
an init. Method: linear interpolation between closest ranks.

With 10 restores or fewer, p90 and p99 are interpolated between the two largest values, \
not measured.

## Restore duration by function

| Function | Version | Restores | p50 ms | p90 ms | p99 ms | max ms |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
| orders | $LATEST | 0 | - | - | - | - |
| payments | 7 | 0 | - | - | - | - |
| thumbnailer | 3 | 3 | 397.60 | 471.10\\* | 487.64\\* | 489.48 |

\\* from 10 restores or fewer (p90) or 100 or fewer (p99): interpolated between the two \
largest values.
"""


@pytest.fixture(scope="module")
def snapstart() -> Analysis:
    return analyze_paths([str(MIX)])


def _between(text: str, first: str, after: str) -> str:
    """``text`` from the line ``first`` up to (not including) the line starting ``after``."""
    start = text.index(first)
    return text[start:text.index(after, start)]


def test_the_terminal_report_shows_restore_percentiles(snapstart: Analysis) -> None:
    text = terminal_text(snapstart, width=100)
    assert ("Restore duration  p50 397.60 ms · max 489.48 ms (3 restores)\n"
            in _between(text, "Cold starts\n", "Summary\n"))
    # after the init percentiles, before the environments
    assert text.index("Init duration by function\n") < text.index("Restore duration\n")
    assert _between(text, "Restore duration\n", "\nEnvironments") == TERMINAL_W100


def test_the_markdown_report_shows_restore_percentiles(snapstart: Analysis) -> None:
    text = render(snapstart, "markdown")
    assert "| Restore duration | p50 397.60 ms · max 489.48 ms (3 restores) |\n" in text
    assert _between(text, "## Restore duration\n", "\n## Environments") == MARKDOWN


def test_one_function_gets_no_by_function_table(tmp_path: Path) -> None:
    analysis = analyze_paths([str(REPO / "tests" / "data" / "readers" / "sam")])
    text = render(analysis, "markdown")
    assert "| Restore duration | p50 398.97 ms · max 398.97 ms (1 restore) |" in text
    assert "| p90 (only 1 restore) | 398.97 |" in text
    assert "## Restore duration by function" not in text


def test_without_snapstart_nothing_about_restores_is_added() -> None:
    analysis = analyze_paths([str(ORDERS)])
    for text in (terminal_text(analysis, width=100), render(analysis, "markdown")):
        assert "Restore duration" not in text
        assert "restores" not in text


def test_analyze_json_carries_restore_percentiles() -> None:
    import json

    from typer.testing import CliRunner

    import lamlife.cli.main  # noqa: F401  (registers the commands)
    from lamlife.cli.app import app

    result = CliRunner().invoke(app, ["analyze", str(MIX), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["summary"]["restore_duration_ms"] == {
        "count": 3, "p50": 397.6, "p90": 471.104, "p95": 480.292, "p99": 487.642,
        "max": 489.48}
    rows = {row["function"]: row for row in doc["functions"]}
    assert rows["thumbnailer"]["restore_count"] == 3
    assert rows["thumbnailer"]["restore_p95_ms"] == 480.292
    assert rows["orders"]["restore_count"] == 0
    assert rows["orders"]["restore_p95_ms"] is None  # no data, as init_p95_ms without inits
