"""The terminal report of the bundled example at 80 and 160 columns (golden files), and what
its first screen must answer: how many cold starts of which kind, why, and what INIT costs.

Regenerate a golden file only after reading the difference: ``COLUMNS=80 lamlife analyze
examples/orders.log --format table`` prints the same text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
ORDERS = ROOT / "examples" / "orders.log"
GOLDEN = ROOT / "tests" / "data" / "reports"
SCREEN = 24  # lines of a classic terminal


def report(width: int) -> str:
    result = CliRunner().invoke(app, ["analyze", str(ORDERS), "--format", "table"],
                                env={"COLUMNS": str(width), "LINES": "50"})
    assert result.exit_code == 0, result.stderr
    return "\n".join(line.rstrip() for line in result.stdout.split("\n"))


@pytest.mark.parametrize("width", [80, 160])
def test_report_matches_golden(width: int) -> None:
    assert report(width) == (GOLDEN / f"orders_w{width}.txt").read_text(encoding="utf-8")


def test_a_partly_priced_function_at_80_columns_matches_golden() -> None:
    # timeout-alone.log: a cold invocation billed 300 ms at 128 MB and a timeout without a
    # REPORT (memory unknown: unpriced), so the function's amounts carry "+". With its long
    # name the cost table fits 80 columns once the Region breaks after a hyphen ("us-" /
    # "east-1"); it was drawn as records. The golden file is the CLI's output.
    log = ROOT / "tests" / "data" / "cost" / "timeout-alone.log"
    result = CliRunner().invoke(app, ["analyze", str(log), "--function",
                                      "handler_notifier_resizer", "--format", "table"],
                                env={"COLUMNS": "80", "LINES": "50"})
    assert result.exit_code == 0, result.stderr
    text = "\n".join(line.rstrip() for line in result.stdout.split("\n"))
    assert text == (GOLDEN / "partly_priced_w80.txt").read_text(encoding="utf-8")
    cost = text.split("Cost by function")[1].split("\n\n")[0]
    assert "$0.000000825+  $0.000000521+" in cost and "Region" in cost.split("\n")[2]


@pytest.mark.parametrize("width", [80, 160])
def test_first_screen_answers_how_many_why_and_what_init_costs(width: int) -> None:
    lines = report(width).split("\n")
    assert max(len(line) for line in lines) <= width
    screen = "\n".join(lines[:SCREEN])
    # examples/README.md: 5 cold starts of 28 (cold 3, reinit 2); INIT $0.0000103584 of
    # $0.000117725 (8.8 %)
    assert "How many       5 of 28 invocations (17.9%): cold 3 · reinit 2 · restore 0" in screen
    # the cold starts: 09:14:03 and 09:21:30 arrive while other environments are busy, the
    # first one is the first request in the log; the re-inits follow the timeout and the OOM
    assert "Why cold       scale-out 2 · first in the data 1" in screen
    assert "after a timeout 1 · after out of memory 1" in screen
    assert "INIT cost      $0.0000104 of $0.000118 (8.8% of the cost)" in screen  # 3 digits


@pytest.mark.parametrize("width", [80, 160])
def test_environment_ids_are_never_cut(width: int) -> None:
    text = report(width)
    # the four streams of orders.log end in these 8 hex digits (examples/README.md)
    for tail in ("b4f08c65", "c5b7f812", "b1c06a37", "9d2f7153"):
        assert f"…{tail}" in text, tail
    # no line ends in a piece of an id that goes on on the next line
    assert not re.search(r"…[0-9a-f]{1,7}\n", text)


def test_long_reasons_wrap_at_words_and_json_keeps_them_whole() -> None:
    text = report(80)
    # the OOM reason is longer than its column at 80: it wraps between words
    block = text.split("Flagged events")[1]
    assert "(Runtime.OutOfMemory)" in block
    for word in ("out_of_memory:", "invocation", "ran", "memory", "2841.66"):
        assert word in block.split()
    result = CliRunner().invoke(app, ["analyze", str(ORDERS), "--format", "json"])
    reasons = [e["reason"] for e in __import__("json").loads(result.stdout)["events"]]
    assert ("out_of_memory: invocation ran out of memory (Runtime.OutOfMemory) after "
            "2841.66 ms") in reasons


def test_several_functions_at_80_columns_keep_ids_and_headers_whole() -> None:
    data = ROOT / "tests" / "data" / "readers"
    result = CliRunner().invoke(app, ["analyze", str(data / "jsonl" / "events.jsonl"),
                                      str(data / "filter-log-events" / "storms.json"),
                                      "--format", "table"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert max(len(line.rstrip()) for line in text.split("\n")) <= 80
    # one version everywhere: the tables give it once and show ids as …<8 hex>, whole
    for tail in ("d09725b8", "b4f08c65", "293b2543", "2d3e4f5a"):
        assert f"…{tail}" in text
    assert not re.search(r"…[0-9a-f]{1,7}\s*\n", text)
    # numbers' headers are not folded; text (a long function name, a flag) gives first
    assert "Invocations" in text.split("Environments (4")[1]
    # the events name their function when the analysis has several
    events = text.split("Flagged events")[1]
    assert "Function" in events.split("\n")[1] and "storms" in events
