"""The account-level view of ``lamlife analyze`` when several functions are present: functions
ranked by INIT cost, by cold-start rate and by reset loops, the first ``--top N`` of each.

No domain logic: the per-function numbers are ``analysis.account``
(``lamlife.lifecycle.engine.account``); this module picks and formats rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from lamlife.lifecycle.engine.account import ACCOUNT_COLUMNS, RANKINGS, ranked
from lamlife.reports._format import MISSING, fmt_int, fmt_ms, fmt_rate, fmt_text, is_missing
from lamlife.reports.cost import PARTLY_MARK, UNPRICED, partly_priced_note, usd
from lamlife.reports.sections import Column, Section

TITLES: dict[str, str] = {
    "by_init_cost": "Functions by INIT cost",
    "by_cold_start_rate": "Functions by cold-start rate",
    "by_reset_loops": "Functions with reset loops",
}

_COLUMNS = (
    Column("Function", keep_words=True),
    Column("Invocations", "right"),
    Column("Cold starts", "right"),
    Column("INIT ms", "right"),
    Column("INIT cost", "right"),
    Column("INIT share", "right"),
    Column("Reset loops", "right"),
)


def _seconds(ms: Any) -> str:
    return MISSING if is_missing(ms) else fmt_ms(ms)


def _unpriced(row: Mapping[Any, Any]) -> int:
    value = row.get("unpriced_invocations", 0)
    return 0 if is_missing(value) else int(value)


def _init_cost(row: Mapping[Any, Any]) -> str:
    """The INIT cost cell: ``unpriced`` when pricing left every invocation unpriced, marked
    ``+`` when it left some (the amount covers the priced ones), ``-`` when not priced."""
    if is_missing(row["init_cost_usd"]):
        return UNPRICED if _unpriced(row) else MISSING
    return usd(row["init_cost_usd"]) + (PARTLY_MARK if _unpriced(row) else "")


def _row(row: Mapping[Any, Any]) -> tuple[str, ...]:
    return (
        fmt_text(row["function"]),
        fmt_int(row["invocations"]),
        f"{fmt_int(row['cold_starts'])} ({fmt_rate(row['cold_start_rate'])})",
        _seconds(row["init_ms"]),
        _init_cost(row),
        MISSING if is_missing(row["init_share"]) else fmt_rate(row["init_share"]),
        fmt_int(row["reset_loops"]),
    )


def account_sections(table: pd.DataFrame | None, top: int = 10) -> list[Section]:
    """The three rankings as report sections (none for one function); a ranking with no
    row (no reset loop anywhere) says so in one line."""
    if table is None or len(table) < 2:
        return []
    sections = []
    for ranking, title in TITLES.items():
        eligible = ranked(table, ranking)
        rows = eligible.head(top)
        shown = f" (top {len(rows)} of {len(eligible)})" if len(eligible) > len(rows) else ""
        notes: tuple[str, ...] = ()
        if ranking == "by_init_cost" and table["init_cost_usd"].isna().all():
            notes = ("Not priced: ranked by INIT time.",)
        if rows.empty:
            sections.append(Section(title=title, notes=("No reset loops.",)))
            continue
        records = rows.to_dict(orient="records")
        if any(_unpriced(r) and not is_missing(r["init_cost_usd"]) for r in records):
            notes = (*notes, partly_priced_note())
        sections.append(Section(
            title=f"{title}{shown}", columns=_COLUMNS,
            rows=tuple(_row(r) for r in records), notes=notes))
    return sections


def account_json(table: pd.DataFrame | None, top: int = 10) -> dict[str, Any] | None:
    """``{"functions": N, "top": T, "by_init_cost": [...], "by_cold_start_rate": [...],
    "by_reset_loops": [...]}`` (rows with ACCOUNT_COLUMNS), or None for one function."""
    from lamlife.reports.json_report import table_rows

    if table is None or len(table) < 2:
        return None
    out: dict[str, Any] = {"functions": len(table), "top": top}
    for ranking in RANKINGS:
        out[ranking] = table_rows(ranked(table, ranking, top), ACCOUNT_COLUMNS)
    return out
