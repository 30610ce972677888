"""reports/cost.py: formatting of billing's output (no domain logic to test, only text)."""

from __future__ import annotations

import io

import pandas as pd
from rich.console import Console

from lamlife.reports.cost import cost_sections, unbilled_init_line, usd
from lamlife.reports.markdown_report import section_markdown
from lamlife.reports.tables import section_renderable

COST = {
    "total_usd": 0.0000006333338, "requests_usd": 0.0000004, "duration_usd": 0.0000002333338,
    "provisioned_usd": 0.0, "provisioned_duration_usd": 0.0, "provisioned_allocation_usd": None,
    "restore_usd": 0.0, "snapstart_cache_usd": 0.0, "ephemeral_storage_usd": 0.0,
    "init_usd": 0.0, "init_share": 0.0, "per_million_invocations_usd": 0.3166669,
    "gb_seconds": 0.014, "billed_computed": 0, "invocations": 2, "timeout_capped": 0,
    "provisioned_invocations": 0,
    "init_unbilled_ms": 173.7, "init_unbilled_gb_s": 0.0217125,
    "init_usd_at_current_rules": 0.000000361875724, "unbilled_init_invocations": 1,
    "pricing": {"region": "us-east-1", "architecture": "x86_64", "as_of": "2026-11-22",
                "table": "built-in", "tier_note": "priced at the first duration tier",
                "defaults": ["region us-east-1 (default)"], "approximate": []},
    "notes": ["free tier not applied; Savings Plans not applied"],
    "by_function": [{"function": "orders", "region": "us-east-1", "invocations": 2,
                     "priced_invocations": 2, "cold_starts": 1,
                     "gb_seconds": 0.014, "total_usd": 0.0000006333338, "init_usd": 0.0,
                     "init_share": 0.0, "per_million_usd": 0.3166669}],
    "by_start_type": [{"start_type": "cold", "invocations": 1, "total_usd": 0.000000225,
                       "share_of_cost": 0.355, "mean_usd": 0.000000225, "init_usd": 0.0,
                       "init_share": 0.0}],
}


def test_usd_has_no_exponent_and_three_significant_digits_below_a_dollar():
    assert usd(0.0000006333338) == "$0.000000633"
    assert usd(0.3166669) == "$0.317"
    assert usd(1234.5) == "$1,234.50"
    # 2 x 0.5 GB x 7200 s x $0.0000041667 = $0.03000024 -> "$0.0300"; rounding is half-up on
    # the decimal amount, and a carry drops a digit: 0.0009995 -> "$0.00100", 0.995 -> "$1.00".
    assert usd(0.03000024) == "$0.0300"
    assert usd(0.0009995) == "$0.00100"
    assert usd(0.995) == "$1.00"
    assert usd(-0.0000123) == "-$0.0000123"
    assert usd(0) == "$0"
    assert usd(None) == "-"


def test_unbilled_line():
    assert unbilled_init_line(COST) == (
        "INIT time you were not billed for: 0.0217 GB-s, $0.000000362 at today's rules "
        "(173.70 ms over 1 cold start)")
    assert unbilled_init_line({**COST, "init_unbilled_ms": 0.0}) is None


def test_sections_as_markdown_and_terminal():
    # Cells worked by hand: 0.0000006333338 -> 3 significant digits "$0.000000633";
    # GB-s 0.014 -> "0.0140"; shares 0.0 -> "0.0%", 0.355 -> "35.5%" (no space before %, as
    # in the rest of the report); $0.000000225 -> "$0.000000225".
    sections = cost_sections(COST)
    md = "\n\n".join(section_markdown(s) for s in sections)
    assert "| Total | $0.000000633 |" in md
    assert "| INIT/restore share | $0 (0.0%) |" in md
    assert "| orders | us-east-1 | 2 | 1 | 0.0140 | $0.000000633 | $0 | 0.0% | $0.317 |" in md
    assert "| cold | 1 | $0.000000225 | 35.5% | $0.000000225 | $0 | 0.0% |" in md
    assert "INIT time you were not billed for: 0.0217 GB-s" in md
    assert " %" not in md
    buf = io.StringIO()
    console = Console(file=buf, width=120)
    for section in sections:
        console.print(section_renderable(section))
    text = buf.getvalue()
    assert "Cost by start type" in text
    assert "35.5%" in text
    assert "assumed region us-east-1" in " ".join(text.split())


def test_percentages_and_missing_cells_use_the_shared_format():
    # init 0.0000001133 of 0.0000006333338 = 0.17889... -> "17.9%"; a missing per-million
    # figure and a missing count show as "-".
    cost = {**COST, "init_usd": 0.0000001133, "init_share": 0.0000001133 / 0.0000006333338}
    tables = {
        "by_function": pd.DataFrame.from_records(
            [{**COST["by_function"][0], "invocations": None, "per_million_usd": float("nan")}]
        ),
        "by_start_type": pd.DataFrame.from_records(COST["by_start_type"]),
    }
    summary, by_fn, _ = cost_sections(cost, tables)
    assert dict(summary.rows)["INIT/restore share"] == "$0.000000113 (17.9%)"
    assert by_fn.rows == (("orders", "us-east-1", "-", "1", "0.0140", "$0.000000633", "$0",
                           "0.0%", "-"),)


def test_a_function_with_no_priced_invocation_says_unpriced_not_zero():
    # $0 would read as free: the total says "unpriced" and the other amounts are blank; the
    # GB-s are known (0.25 -> "0.2500").
    unpriced = {**COST["by_function"][0], "function": "payments", "region": "il-central-1",
                "priced_invocations": 0, "gb_seconds": 0.25, "total_usd": 0.0, "init_usd": 0.0,
                "per_million_usd": 0.0}
    tables = {"by_function": pd.DataFrame.from_records([COST["by_function"][0], unpriced]),
              "by_start_type": pd.DataFrame.from_records(COST["by_start_type"])}
    _, by_fn, _ = cost_sections(COST, tables)
    assert by_fn.rows[1] == ("payments", "il-central-1", "2", "1", "0.2500", "unpriced", "-",
                             "-", "-")


def test_sections_carry_notes_on_the_last_block():
    sections = cost_sections(COST)
    assert [s.title for s in sections] == ["Cost (USD)", "Cost by function", "Cost by start type"]
    assert sections[0].rows[0] == ("Total", "$0.000000633")
    assert sections[-1].notes[0].startswith("INIT time you were not billed for")
