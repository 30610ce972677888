"""One INIT share in every table, the headline, JSON, Markdown and HTML (CliRunner).

A new-user trial analyzed a fetch file whose function ran with provisioned concurrency
together with another file: the cost-by-function table said 0.0 % (INIT over a total that
holds the provisioned-concurrency allocation, a small share rounded to nothing), the
"Functions by INIT cost" table said 50.7 % (INIT over the invocations' charges alone).
The definition now is INIT/restore cost / the total cost of the same scope, fixed charges
included (docs/billing.md, "INIT share"), and a share that is not 0 prints ``<0.1%``.

tests/data/cost/provisioned-payments.jsonl: a ``lamlife fetch`` file of payments
(eu-west-1, x86_64, 1024 MB, ``provisioned_concurrency: 2``, window 09:00-10:00 = 3600 s).
tests/data/cost/payments-tail.log: a plain ``aws logs tail`` file, which lamlife names
after the file, payments-tail: one provisioned environment (INIT_REPORT 10 minutes ahead),
level unknown. Prices: the built-in table, eu-west-1 x86_64. Worked by hand:

- payments' allocation: 2 x 1 GB x 3600 s x $0.000004646 = $0.0334512
- its two provisioned invocations, Billed 31 and 75 ms at 1 GB: 0.106 GB-s x $0.0000108407
  = $0.0000011491142, plus 2 x $0.0000002
- its spillover cold start, Duration 100.00 ms + Init 499.50 ms billed 600 ms at 1 GB:
  0.6 GB-s x $0.0000166667 = $0.00001000002, plus $0.0000002; its INIT is 600 - 100 =
  500 ms = 0.5 GB-s = $0.00000833335
- payments' invocations: $0.0000117491342; its total $0.0334629491342
- INIT share: 0.00000833335 / 0.0334629491342 = 0.000249032 (prints <0.1%); over the
  invocations' charges alone it would be 70.9 % (what the account view used to say)
- payments-tail: 40 ms at 512 MB = 0.02 GB-s x $0.0000108407 = $0.000000216814, plus
  $0.0000002; INIT $0, a true 0.0 %
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from lamlife.cli.main import app
from lamlife.reports.html.data import cost_by_function

DATA = Path(__file__).resolve().parents[1] / "data" / "cost"
FETCH = str(DATA / "provisioned-payments.jsonl")
TAIL = str(DATA / "payments-tail.log")

ALLOCATION = 0.0334512
INVOCATIONS_USD = 0.0000011491142 + 2 * 0.0000002 + 0.00001000002 + 0.0000002
TOTAL = ALLOCATION + INVOCATIONS_USD
INIT = 0.00000833335
SHARE = INIT / TOTAL
OLD_SHARE_TEXT = "70.9%"  # INIT over the invocations' charges: the account view's old figure


def run(*args: str, columns: int | None = None) -> Result:
    env = {"COLUMNS": str(columns)} if columns else None
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture(autouse=True)
def _no_region_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


def _json() -> dict:
    result = run("analyze", FETCH, TAIL, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_hand_worked_amounts() -> None:
    assert abs(INVOCATIONS_USD - 0.0000117491342) < 1e-18
    assert abs(SHARE - 0.000249032145) < 1e-12
    assert f"{100 * INIT / INVOCATIONS_USD:.1f}%" == OLD_SHARE_TEXT


def test_json_has_one_init_share_per_function() -> None:
    data = _json()
    cost = data["summary"]["cost"]
    assert cost["provisioned_allocation_usd"] == pytest.approx(ALLOCATION, rel=1e-12)
    by_fn = {r["function"]: r for r in cost["by_function"]}
    payments = by_fn["payments"]
    assert payments["total_usd"] == pytest.approx(TOTAL, rel=1e-12)
    assert payments["init_usd"] == pytest.approx(INIT, rel=1e-12)
    assert payments["init_share"] == pytest.approx(SHARE, rel=1e-9)
    assert by_fn["payments-tail"]["init_share"] == 0.0
    # the account view: the same total (an added key) and the same share, every ranking
    for ranking in ("by_init_cost", "by_cold_start_rate"):
        rows = {r["function"]: r for r in data["account"][ranking]}
        assert set(rows) == set(by_fn)
        for function, row in rows.items():
            assert row["total_usd"] == pytest.approx(by_fn[function]["total_usd"], rel=1e-12)
            assert row["init_share"] == pytest.approx(by_fn[function]["init_share"], rel=1e-9)
        assert rows["payments"]["cost_usd"] == pytest.approx(INVOCATIONS_USD, rel=1e-12)
    # the summary: INIT over everything, the allocation included
    assert cost["init_share"] == pytest.approx(
        INIT / (TOTAL + 0.000000216814 + 0.0000002), rel=1e-9)


def test_markdown_prints_the_small_share_as_less_than_a_tenth_everywhere() -> None:
    result = run("analyze", FETCH, TAIL, "--format", "markdown")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for line in (
        "| INIT cost | \\$0.00000833 of \\$0.0335 (\\<0.1% of the cost) |",
        "| INIT/restore share | $0.00000833 (\\<0.1%) |",
        "| payments | eu-west-1 | 3 | 1 | 0.7060 | $0.0335 | $0.00000833 | \\<0.1% "
        "| $11,154.32 |",
        "| payments-tail | eu-west-1 | 1 | 0 | 0.0200 | $0.000000417 | $0 | 0.0% | $0.417 |",
        # the account view, in both rankings: the same share as the cost table
        "| payments | 3 | 1 (33.3%) | 499.50 | $0.00000833 | \\<0.1% | 0 |",
        "| payments-tail | 1 | 0 (0.0%) | 0.00 | $0 | 0.0% | 0 |",
    ):
        assert line in lines, line
    assert lines.count("| payments | 3 | 1 (33.3%) | 499.50 | $0.00000833 | \\<0.1% | 0 |") == 2
    assert OLD_SHARE_TEXT not in result.stdout
    # the start-type table's shares leave the allocation out, and a note says so
    assert ("The provisioned-concurrency allocation ($0.0335) belongs to no start type: the "
            "totals, shares of cost and INIT shares by start type are of the invocations' "
            "charges alone (the Total above and the cost by function include it).") in lines


def test_terminal_table_prints_the_same_share_in_every_table() -> None:
    result = run("analyze", FETCH, TAIL, "--format", "table", columns=160)
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert "INIT cost      $0.00000833 of $0.0335 (<0.1% of the cost)" in lines
    at = lines.index("Cost by function")
    assert lines[at + 3].split() == ["payments", "eu-west-1", "3", "1", "0.7060", "$0.0335",
                                     "$0.00000833", "<0.1%", "$11,154.32"]
    at = lines.index("Functions by INIT cost")
    assert lines[at + 3].split() == ["payments", "3", "1", "(33.3%)", "499.50", "$0.00000833",
                                     "<0.1%", "0"]
    assert OLD_SHARE_TEXT not in result.stdout
    assert " 0.0% of the cost" not in result.stdout


def test_html_prints_the_small_share_as_less_than_a_tenth(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = run("analyze", FETCH, TAIL, "--output", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text()
    # the card, the cost summary, the cost by function and the two account rankings
    assert page.count("&lt;0.1%") >= 5
    assert OLD_SHARE_TEXT not in page
    # the cost chart's tooltip shows the share as the tables print it, not d3's ".1%"
    rows = cost_by_function(_json()["summary"]["cost"])["rows"]
    init = next(r for r in rows if r["function"] == "payments" and r["part"] == "INIT/restore")
    assert init["share"] == pytest.approx(INIT / TOTAL, rel=1e-9)
    assert init["share_text"] == "<0.1%"
