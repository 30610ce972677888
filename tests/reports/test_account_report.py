"""The account-level sections and JSON: exact text at a fixed width."""

from __future__ import annotations

import pandas as pd

from lamlife.lifecycle.engine.account import account_table
from lamlife.reports.account import account_json, account_sections
from lamlife.reports.markdown_report import section_markdown

NAN = float("nan")


def _table() -> pd.DataFrame:
    rows = [
        ("orders", "e1", "cold", "success", 250.0, 0.000021, 0.000004),
        ("orders", "e1", "warm", "timeout", NAN, 0.00005, 0.0),
        ("orders", "e1", "reinit", "success", NAN, 0.00002, 0.0),
        ("billing", "e2", "cold", "success", 800.0, 0.00003, 0.000013),
        ("billing", "e2", "warm", "success", NAN, 0.00001, 0.0),
        ("search", "e3", "warm", "success", NAN, 0.00001, 0.0),
    ]
    inv = pd.DataFrame([{"function": f, "environment": e, "start_type": st, "status": s,
                         "init_duration_ms": i, "cost_usd": c, "init_cost_usd": ic}
                        for f, e, st, s, i, c, ic in rows])
    envs = pd.DataFrame({"function": ["orders", "billing", "search"],
                         "environment": ["e1", "e2", "e3"],
                         "flags": ["reset_loop", "", ""]})
    return account_table(inv, envs)


HEADER = ("| Function | Invocations | Cold starts | INIT ms | INIT cost | INIT share "
          "| Reset loops |\n")


def test_markdown_of_the_rankings() -> None:
    sections = account_sections(_table(), top=2)
    text = "\n".join(section_markdown(s) for s in sections)
    assert text == (
        "## Functions by INIT cost (top 2 of 3)\n\n"
        + HEADER
        + "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        "| billing | 2 | 1 (50.0%) | 800.00 | $0.0000130 | 32.5% | 0 |\n"
        "| orders | 3 | 2 (66.7%) | 250.00 | $0.00000400 | 4.4% | 1 |\n"
        "## Functions by cold-start rate (top 2 of 3)\n\n"
        + HEADER
        + "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        "| orders | 3 | 2 (66.7%) | 250.00 | $0.00000400 | 4.4% | 1 |\n"
        "| billing | 2 | 1 (50.0%) | 800.00 | $0.0000130 | 32.5% | 0 |\n"
        "## Functions with reset loops\n\n"
        + HEADER
        + "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        "| orders | 3 | 2 (66.7%) | 250.00 | $0.00000400 | 4.4% | 1 |"
    )


def test_json_keeps_the_top_rows_of_each_ranking() -> None:
    data = account_json(_table(), top=1)
    assert data is not None
    assert (data["functions"], data["top"]) == (3, 1)
    assert [r["function"] for r in data["by_init_cost"]] == ["billing"]
    assert [r["function"] for r in data["by_cold_start_rate"]] == ["orders"]
    assert data["by_reset_loops"][0]["reset_loops"] == 1
    assert data["by_init_cost"][0]["init_cost_usd"] == 0.000013


def test_one_function_has_no_account_view() -> None:
    one = _table().head(1)
    assert account_sections(one) == [] and account_json(one) is None
