"""Cost report: what ``lamlife.lifecycle.billing.rules`` produced, as report sections.

No domain logic: every number comes from ``summary["cost"]`` (the ``cost`` dict) and the
``by_function`` / ``by_start_type`` DataFrames of ``billing.cost_tables``. The analyze and
simulate reports draw :func:`cost_sections` with the shared section renderers; the price
table of ``lamlife pricing`` has its own small renderers below. Values are formatted with the
shared helpers of ``reports._format`` so that percentages and missing cells read the same in
every part of a report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd
from rich.console import Group, RenderableType
from rich.text import Text

from lamlife.reports._format import MISSING, fmt_int, fmt_rate, is_missing

if TYPE_CHECKING:
    from lamlife.reports.sections import Section


def _half_up(value: float, decimals: int) -> Decimal:
    """``value`` rounded half-up at ``decimals`` from its shortest decimal form, so a figure
    rounds the same wherever it is printed (0.02175 -> 0.0218, not binary 0.0217)."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals),
                                                 rounding=ROUND_HALF_UP)


def usd(value: Any) -> str:
    """Dollars, one format everywhere in lamlife's reports.

    From $1 up: cents with thousands separators ($1,234.57). Below $1: three significant
    digits, never an exponent ($0.0300, $0.000118, $0.00000187), so Lambda's tiny
    per-invocation amounts stay readable and compare by eye. Rounding is half-up on the
    amount's decimal form. Missing is the shared dash.
    """
    if is_missing(value):
        return MISSING
    v = float(value)
    if v == 0:
        return "$0"
    sign = "-" if v < 0 else ""
    a = abs(v)
    if _half_up(a, 2) >= 1:
        return f"{sign}${_half_up(a, 2):,.2f}"
    decimals = 2 - math.floor(math.log10(a))
    rounded = _half_up(a, decimals)
    if rounded.adjusted() > math.floor(math.log10(a)):  # 0.0999 -> 0.100: one digit fewer
        decimals -= 1
        rounded = _half_up(a, decimals)
    if rounded >= 1:
        return f"{sign}$1.00"
    return f"{sign}${rounded:.{decimals}f}"


def num(value: Any, digits: int = 3) -> str:
    if is_missing(value):
        return MISSING
    v = float(value)
    if v.is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    return f"{_half_up(v, digits):,.{digits}f}"


def unbilled_init_line(cost: dict[str, Any]) -> str | None:
    """The pre-2025-08 line, or None when every init was billed."""
    if not cost.get("init_unbilled_ms"):
        return None
    count = int(cost.get("unbilled_init_invocations", 0) or 0)
    return (
        f"INIT time you were not billed for: {num(cost['init_unbilled_gb_s'], 4)} GB-s, "
        f"{usd(cost['init_usd_at_current_rules'])} at today's rules "
        f"({num(cost['init_unbilled_ms'], 2)} ms over {count} "
        f"cold start{'' if count == 1 else 's'})"
    )


def pricing_line(cost: dict[str, Any]) -> str:
    p = cost.get("pricing", {})
    region = p.get("region", MISSING)
    if region == "mixed" and p.get("regions"):
        region = "/".join(p["regions"])
    line = (
        f"Prices: {region}, {p.get('architecture', MISSING)}, "
        f"table {p.get('table', MISSING)} as of {p.get('as_of', MISSING)}; {p.get('tier_note', '')}"
    )
    if p.get("defaults"):
        line += "; assumed " + ", ".join(p["defaults"])
    if p.get("approximate"):
        line += "; approximate prices: " + ", ".join(p["approximate"])
    return line


def nothing_priced(cost: Mapping[str, Any]) -> bool:
    """Invocations were seen and none could be priced (no price for their Region): every
    amount is 0 only because nothing was counted."""
    return bool(cost.get("invocations")) and cost.get("priced_invocations") == 0


def fixed_charges_note(cost: Mapping[str, Any]) -> str | None:
    """The note under the cost-by-start-type table when the run has charges no invocation
    carries (provisioned-concurrency allocation, SnapStart cache): they belong to no start
    type, so that table's totals and shares are of the invocations' charges alone. None
    without such charges."""
    allocation = float(cost.get("provisioned_allocation_usd") or 0.0)
    cache = float(cost.get("snapstart_cache_usd") or 0.0)
    if allocation + cache <= 0:
        return None
    names = [name for name, usd_ in (("provisioned-concurrency allocation", allocation),
                                      ("SnapStart cache", cache)) if usd_ > 0]
    verb, them = ("belongs", "it") if len(names) == 1 else ("belong", "them")
    return (f"The {' and the '.join(names)} ({usd(allocation + cache)}) {verb} to no start "
            "type: the totals, shares of cost and INIT shares by start type are of the "
            f"invocations' charges alone (the Total above and the cost by function include "
            f"{them}).")


def summary_rows(cost: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) rows of the cost summary ("unpriced" when nothing could be priced)."""
    if nothing_priced(cost):
        return [("Total", f"{UNPRICED}: no price for any of the "
                          f"{cost['invocations']:,} invocations (see the warnings)"),
                ("Billed GB-s", num(cost["gb_seconds"], 4))]
    unpriced = int(cost.get("unpriced_invocations") or 0)
    rows = [
        ("Total", usd(cost["total_usd"]) + (PARTLY_MARK if unpriced else "")),
        ("Requests", usd(cost["requests_usd"])),
        ("Duration (on-demand)", usd(cost["duration_usd"])),
    ]
    if cost.get("provisioned_invocations") or cost.get("provisioned_allocation_usd"):
        rows.append(("Provisioned concurrency", usd(cost["provisioned_usd"])))
        rows.append(("  of which duration", usd(cost["provisioned_duration_usd"])))
        rows.append(("  of which allocation", usd(cost.get("provisioned_allocation_usd"))))
    if cost.get("restore_usd"):
        rows.append(("SnapStart restores", usd(cost["restore_usd"])))
    if cost.get("snapstart_cache_usd"):
        rows.append(("SnapStart cache", usd(cost["snapstart_cache_usd"])))
    if cost.get("ephemeral_storage_usd"):
        rows.append(("Ephemeral storage", usd(cost["ephemeral_storage_usd"])))
    rows += [
        ("INIT/restore share", f"{usd(cost['init_usd'])}{PARTLY_MARK if unpriced else ''} "
                               f"({fmt_rate(cost['init_share'])})"),
        ("Per million invocations", usd(cost["per_million_invocations_usd"])),
        ("Billed GB-s", num(cost["gb_seconds"], 4)),
        ("Billed Duration computed", f"{cost['billed_computed']:,} of {cost['invocations']:,}"),
    ]
    if cost.get("timeout_capped"):
        rows.append(("Timeouts billed below Duration", f"{cost['timeout_capped']:,}"))
    if unpriced:
        rows.append(("Unpriced invocations", f"{unpriced:,} of {cost['invocations']:,}"))
    return rows


_FN_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("function", "Function", "text"),
    ("region", "Region", "text"),
    ("invocations", "Invocations", "int"),
    ("cold_starts", "Cold starts", "int"),
    ("gb_seconds", "GB-s", "num"),
    ("total_usd", "Total", "usd"),
    ("init_usd", "INIT", "usd"),
    ("init_share", "INIT share", "pct"),
    ("per_million_usd", "Per 1M", "usd_ratio"),
)
_ST_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("start_type", "Start type", "text"),
    ("invocations", "Invocations", "int"),
    ("total_usd", "Total", "usd"),
    ("share_of_cost", "Share of cost", "pct"),
    ("mean_usd", "Mean", "usd_ratio"),
    ("init_usd", "INIT", "usd"),
    ("init_share", "INIT share", "pct"),
)


def _cell(value: Any, kind: str) -> str:
    if kind in ("usd", "usd_ratio"):
        return usd(value)
    if kind == "pct":
        return fmt_rate(value)
    if kind == "int":
        return fmt_int(value)
    if kind == "num":
        return num(value, 4)
    return str(value)


UNPRICED = "unpriced"
# After an amount of a partly priced row: the amount covers its priced invocations only, so
# the whole is at least that much (an unknown part is not a $0 part).
PARTLY_MARK = "+"


def partly_priced_note() -> str:
    """The note under a table with partly priced rows (amounts marked ``PARTLY_MARK``)."""
    return (f"{PARTLY_MARK} partly priced: the amount leaves out the row's unpriced invocations "
            "(see the notes); its mean, shares and per-1M figures are over its priced ones.")


def priced_counts(frame: pd.DataFrame) -> tuple[list[int], list[int]]:
    """Per row of a cost table: its priced and unpriced invocations (all priced when the
    table does not say)."""
    n = len(frame)
    priced = (frame["priced_invocations"].tolist() if "priced_invocations" in frame.columns
              else frame["invocations"].tolist() if "invocations" in frame.columns
              else [1] * n)
    unpriced = (frame["unpriced_invocations"].tolist()
                if "unpriced_invocations" in frame.columns else [0] * n)
    return [int(p) for p in priced], [int(u) for u in unpriced]


def _rows(frame: pd.DataFrame, columns: tuple[tuple[str, str, str], ...]) -> list[list[str]]:
    """Display cells. A row with no priced invocation (``priced_invocations`` 0) says
    "unpriced" for its total and leaves its other amounts and shares blank: $0 would read as
    free. Its GB-s stay: they are known, only their price is not. A partly priced row marks
    its summed amounts with ``PARTLY_MARK``: they leave out the unpriced invocations."""
    data = [frame[c].tolist() if c in frame.columns else [""] * len(frame)
            for c, _, _ in columns]
    priced, unpriced = priced_counts(frame)
    out = []
    for vals, n_priced, n_unpriced in zip(zip(*data, strict=True), priced, unpriced,
                                          strict=True):
        cells = []
        for v, (name, _, kind) in zip(vals, columns, strict=True):
            if kind not in ("usd", "usd_ratio", "pct"):  # GB-s are known, their price not
                cells.append(_cell(v, kind))
            elif not n_priced and (kind != "usd" or is_missing(v) or not float(v)):
                cells.append(UNPRICED if name == "total_usd" else MISSING)
            elif (n_unpriced or not n_priced) and kind == "usd":  # fixed charges alone: also
                cells.append(_cell(v, kind) + PARTLY_MARK)
            else:
                cells.append(_cell(v, kind))
        out.append(cells)
    return out


def _section_rows(frame: pd.DataFrame, columns: tuple[tuple[str, str, str], ...]
                  ) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """``_rows`` as section rows, and the partly-priced note when a cell is marked."""
    rows = _rows(frame, columns)
    amounts = [i for i, (_, _, kind) in enumerate(columns) if kind == "usd"]
    marked = any(row[i].endswith(PARTLY_MARK) for row in rows for i in amounts)
    return tuple(tuple(r) for r in rows), (partly_priced_note(),) if marked else ()


# ------------------------------------------- the price table of ``lamlife pricing``


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _md_table(headers: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    align = ["---" if i < numeric_from else "---:" for i in range(len(headers))]
    lines = ["| " + " | ".join(_md_escape(h) for h in headers) + " |",
             "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _price_text(value: float) -> str:
    text = f"{value:.10f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def pricing_table_rows(rows: list[dict[str, Any]]) -> list[list[str]]:
    """Rows of ``pricing.region_rows`` as display cells (item, unit, x86_64, arm64).

    A tier's monthly bound goes into the item text (``up to 6 B GB-s``); ``~`` marks an
    approximate price.
    """
    out = []
    for r in rows:
        bounds = []
        for arch in ("x86_64", "arm64"):
            bound = r.get(f"{arch}_up_to_gb_s")
            if bound is not None:
                bounds.append(f"{arch} up to {bound / 1e9:g} B GB-s/month")
        item = r["item"] + (f" ({'; '.join(bounds)})" if bounds else "")
        cells = [item, r["unit"]]
        for arch in ("x86_64", "arm64"):
            v = r.get(arch)
            text = "unknown" if v is None else _price_text(float(v))
            if arch in r.get("approximate", []):
                text += " ~"
            cells.append(text)
        out.append(cells)
    return out


def pricing_renderable(title: str, rows: list[dict[str, Any]], notes: list[str]
                       ) -> RenderableType:
    """``lamlife pricing``'s table as a shared section: laid out for the terminal's width
    as the analyze report is (records where a price would be cut), notes dimmed below."""
    from lamlife.reports.sections import Column, Section
    from lamlife.reports.tables import section_renderable

    section = Section(title=title, columns=(
        Column("Item"), Column("Unit"), Column("x86_64", "right"), Column("arm64", "right")),
        rows=tuple(tuple(row) for row in pricing_table_rows(rows)))
    return Group(section_renderable(section), *(Text(n, style="dim") for n in notes))


def pricing_markdown(title: str, rows: list[dict[str, Any]], notes: list[str]) -> str:
    out = [f"## {title}", "", _md_table(["Item", "Unit", "x86_64", "arm64"],
                                        pricing_table_rows(rows), numeric_from=2)]
    if notes:
        out += [""] + [f"- {n}" for n in notes]
    return "\n".join(out) + "\n"


# ---------------------------------------------------- sections for the analyze report


def tables_from_cost(cost: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The by_function / by_start_type records of ``summary["cost"]`` as DataFrames."""
    return {
        name: pd.DataFrame.from_records(cost.get(name) or [])
        for name in ("by_function", "by_start_type")
    }


def cost_sections(cost: dict[str, Any], tables: dict[str, pd.DataFrame] | None = None
                  ) -> list[Section]:
    """The cost report as :class:`~lamlife.reports.sections.Section` blocks (terminal, text
    and Markdown renderers draw them like the built-in sections)."""
    from lamlife.reports.sections import Column, Section  # the shared report blocks

    tables = tables if tables is not None else tables_from_cost(cost)
    sections = [Section(
        title="Cost (USD)",
        # right-aligned amounts; the sentence saying nothing was priced reads from the left
        columns=(Column("Item"), Column("Amount", "left" if nothing_priced(cost) else "right")),
        rows=tuple(tuple(r) for r in summary_rows(cost)),
        show_header=False,
        markdown_headers=("Item", "Amount"),
    )]
    by_fn = tables.get("by_function")
    if by_fn is not None and len(by_fn):
        sections.append(Section(
            title="Cost by function",
            # function names and Regions are ids, never folded: on a narrow terminal GB-s
            # gives way first, then headers of number columns fold
            columns=tuple(Column(h, "left" if k == "text" else "right", optional=h == "GB-s",
                                 keep_words=k == "text")
                          for _, h, k in _FN_COLUMNS),
            rows=(fn_rows := _section_rows(by_fn, _FN_COLUMNS))[0], notes=fn_rows[1],
        ))
    by_st = tables.get("by_start_type")
    if by_st is not None and len(by_st) and not nothing_priced(cost):  # all $0 otherwise
        st_rows = _section_rows(by_st, _ST_COLUMNS)
        fixed = fixed_charges_note(cost)
        sections.append(Section(
            title="Cost by start type",
            columns=tuple(Column(h, "left" if k == "text" else "right")
                          for _, h, k in _ST_COLUMNS),
            rows=st_rows[0], notes=(*st_rows[1], *((fixed,) if fixed else ())),
        ))
    notes = [line for line in (unbilled_init_line(cost),) if line and not nothing_priced(cost)]
    notes.append(pricing_line(cost))
    notes.extend(cost.get("notes", []))
    last = sections[-1]
    sections[-1] = Section(title=last.title, columns=last.columns, rows=last.rows,
                           notes=(*last.notes, *notes), show_header=last.show_header,
                           markdown_headers=last.markdown_headers)
    return sections
