"""Rendering of ``lamlife simulate``: the policy, observed vs simulated, sweep rows.

Plain formatting of values the lifecycle layer computed (``lamlife.lifecycle.simulate.whatif``): the
sections are drawn by the shared renderers (terminal tables, Markdown), JSON and CSV are
written here.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from lamlife.lifecycle.analysis import Analysis, InputStats
from lamlife.lifecycle.billing.rules import ALLOCATION_NOT_PRICED
from lamlife.reports._format import MISSING, fmt_int, fmt_ms, fmt_rate, fmt_seconds
from lamlife.reports.cost import usd
from lamlife.reports.json_report import jsonable, to_json_dict
from lamlife.reports.sections import Column, Section

METRIC_LABELS: dict[str, str] = {
    "invocations": "Invocations",
    "environments": "Environments",
    "cold_starts": "Cold starts",
    "cold_start_rate": "Cold-start rate",
    "init_wait_s": "Time callers waited for init",
    "cost_usd": "Cost",
    "init_cost_usd": "INIT cost",
    "init_share": "INIT share of cost",
}

PARAMETER_LABELS: dict[str, str] = {
    "keep_alive_s": "Keep-alive",
    "max_lifetime_s": "Max lifetime",
    "provisioned": "Provisioned",
    "prewarmed": "Prewarmed",
}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_value(value: Any, unit: str) -> str:
    if _missing(value):
        return MISSING
    if unit == "count":
        return fmt_int(value)
    if unit == "share":
        return fmt_rate(value)
    if unit == "s":
        return fmt_seconds(value)
    if unit == "usd":
        return usd(value)
    return str(value)


def fmt_difference(observed: Any, simulated: Any, unit: str) -> str:
    if _missing(observed) or _missing(simulated):
        return MISSING
    diff = float(simulated) - float(observed)
    if unit == "share":
        # a difference that is not 0 never reads as 0: "-<0.1 pt", as fmt_rate's "<0.1%"
        # (1e-12: the two shares are sums of rounded amounts, equal ones differ by noise)
        text = f"{100.0 * diff:+.1f} pt"
        if abs(diff) > 1e-12 and text[1:] == "0.0 pt":
            return ("+" if diff > 0 else "-") + "<0.1 pt"
        return "+0.0 pt" if text == "-0.0 pt" else text
    if unit == "usd":
        return ("+" if diff >= 0 else "-") + usd(abs(diff))
    if unit == "s":
        return ("+" if diff >= 0 else "-") + fmt_seconds(abs(diff))
    return f"{int(round(diff)):+,}"


def fmt_parameter(parameter: str, value: Any) -> str:
    if parameter in ("keep_alive_s", "max_lifetime_s"):
        return "none" if value is None else fmt_seconds(value)
    return str(value)


def _dist(d: Mapping[str, Any] | None) -> str:
    if not d:
        return MISSING
    if "fixed_ms" in d:
        return f"{fmt_ms(d['fixed_ms'])} ms (fixed)"
    each = ", each function its own" if d.get("per_function") else ""
    values = "value" if d["sampled_from"] == 1 else "values"
    return (f"sampled from {fmt_int(d['sampled_from'])} observed {values}{each} "
            f"(p50 {fmt_ms(d['p50_ms'])} ms, p99 {fmt_ms(d['p99_ms'])} ms)")


def _provisioned(policy: Mapping[str, Any]) -> str:
    """The provisioned level; where the policy kept the input's own, per function."""
    kept = policy.get("provisioned_from_input") or {}
    if not kept:
        return fmt_int(policy["provisioned"])
    shown = ", ".join(f"{name} {fmt_int(k)}" for name, k in kept.items())
    return f"{shown} (as in the input); others {fmt_int(policy['provisioned'])}"


def policy_section(policy: Mapping[str, Any], notes: Sequence[str] = (),
                   swept: tuple[str, Sequence[Any]] | None = None) -> Section:
    """The simulated policy as a key/value table. ``swept`` is (parameter, values) of a sweep:
    that setting's row lists the values, each a row of the sweep table, not the one value the
    policy holds."""
    keep = fmt_seconds(policy["keep_alive_s"])
    if policy.get("keep_alive_source") not in (None, "given"):
        keep += " (measured on AWS, see notes)"
    life = policy.get("max_lifetime_s")
    rows = [
        ("Keep-alive", keep),
        ("Max lifetime", "none" if life is None else fmt_seconds(life)),
        ("Provisioned", _provisioned(policy)),
        ("Prewarmed", fmt_int(policy["prewarmed"])),
        ("Init", _dist(policy.get("init"))),
    ]
    if policy.get("snapstart"):
        rows.append(("SnapStart restore", _dist(policy.get("restore"))))
    elif policy.get("snapstart_functions"):  # some functions restore, as in the input
        rows.append(("SnapStart restore", f"{', '.join(policy['snapstart_functions'])} "
                     f"(as in the input; others init): {_dist(policy.get('restore'))}"))
    rows += [
        ("Reset after failure", "yes" if policy.get("reset_on_failure") else "no"),
        ("Routing", str(policy.get("routing", ""))),
        ("Seed", str(policy.get("seed", 0))),
    ]
    if swept is not None:
        parameter, values = swept
        label = PARAMETER_LABELS.get(parameter, parameter)
        shown = ", ".join(fmt_parameter(parameter, v) for v in values)
        rows = [(name, f"swept: {shown}" if name == label else value) for name, value in rows]
    all_notes = []
    if policy.get("keep_alive_source") not in (None, "given"):
        all_notes.append(f"Keep-alive {policy['keep_alive_source']}.")
    if policy.get("max_lifetime_source") not in (None, "given"):
        all_notes.append(f"Max lifetime {policy['max_lifetime_source']}.")
    all_notes += [n[:1].upper() + n[1:] + ("" if n.endswith(".") else ".") for n in notes]
    return Section(
        title="Simulated policy",
        columns=(Column("Setting"), Column("Value")),
        rows=tuple(rows),
        notes=tuple(all_notes),
        show_header=False,
        markdown_headers=("Setting", "Value"),
    )


def comparison_section(rows: Sequence[Mapping[str, Any]], notes: Sequence[str] = ()
                       ) -> Section:
    """Observed vs simulated, one metric per row; only the simulated column without observed.
    ``notes``: what the comparison leaves out (``WhatIf.notes``), printed under it."""
    has_observed = any(not _missing(r.get("observed")) for r in rows)
    columns: tuple[Column, ...]
    body: tuple[tuple[str, ...], ...]
    if has_observed:
        columns = (Column("Metric"), Column("Observed", "right"), Column("Simulated", "right"),
                   Column("Difference", "right"))
        body = tuple(
            (
                METRIC_LABELS.get(r["metric"], r["metric"]),
                fmt_value(r.get("observed"), r["unit"]),
                fmt_value(r.get("simulated"), r["unit"]),
                fmt_difference(r.get("observed"), r.get("simulated"), r["unit"]),
            )
            for r in rows
        )
        title = "Observed vs simulated"
    else:
        columns = (Column("Metric"), Column("Simulated", "right"))
        body = tuple(
            (METRIC_LABELS.get(r["metric"], r["metric"]), fmt_value(r.get("simulated"), r["unit"]))
            for r in rows
        )
        title = "Simulated run"
    return Section(title=title, columns=columns, rows=body,
                   notes=tuple(n[:1].upper() + n[1:] + ("" if n.endswith(".") else ".")
                               for n in notes))


def sweep_section(rows: Sequence[Mapping[str, Any]], notes: Sequence[str] = ()) -> Section:
    """One row per swept value; the cost column when the rows are priced, the
    provisioned-concurrency allocation when some row has one."""
    parameter = str(rows[0]["parameter"]) if rows else "value"
    priced = any("cost_usd" in r for r in rows)
    # a provisioned-concurrency allocation only where some row has one (a swept --provisioned)
    allocated = priced and any(r.get("provisioned_allocation_usd") is not None for r in rows)
    columns = [
        Column(PARAMETER_LABELS.get(parameter, parameter), "right"),
        Column("Cold starts", "right"),
        Column("Rate", "right"),
        Column("Environments", "right"),
        Column("p99 added ms", "right"),
        Column("Max added ms", "right", optional=True),  # left out where it would fold words
    ]
    if priced:
        columns.append(Column("Cost", "right"))
    if allocated:
        columns.append(Column("PC allocation", "right"))
    body = []
    for r in rows:
        cells = [
            fmt_parameter(parameter, r["value"]),
            fmt_int(r["cold_starts"]),
            fmt_rate(r["cold_start_rate"]),
            fmt_int(r["environments"]),
            fmt_ms(r["added_latency_p99_ms"]),
            fmt_ms(r["added_latency_max_ms"]),
        ]
        if priced:  # "+": the cost of what is priced; some invocation or charge is not
            cells.append(usd(r.get("cost_usd"))
                         + ("+" if r.get("cost_incomplete") and r.get("cost_usd") is not None
                            else ""))
        if allocated:  # "+": some function's allocation is not priced
            cells.append(usd(r.get("provisioned_allocation_usd"))
                         + ("+" if r.get("provisioned_allocation_usd") is not None
                            and _allocation_incomplete(r) else ""))
        body.append(tuple(cells))
    return Section(
        title=f"Sweep: {PARAMETER_LABELS.get(parameter, parameter).lower()}",
        columns=tuple(columns),
        rows=tuple(body),
        notes=tuple(notes),
    )


def _allocation_incomplete(row: Mapping[str, Any]) -> bool:
    """Whether a sweep row's provisioned-concurrency allocation leaves out a function whose
    allocation is not priced (named in its ``cost_incomplete``)."""
    return any(f": {ALLOCATION_NOT_PRICED}: " in m for m in row.get("cost_incomplete") or [])


def simulation_dict(
    policy: Mapping[str, Any],
    comparison: Sequence[Mapping[str, Any]] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"policy": dict(policy), "comparison": [dict(r) for r in comparison]}
    if extra:
        out.update(extra)
    return jsonable(out)


def render_json(
    analysis: Analysis, simulation: Mapping[str, Any], include_invocations: bool = False
) -> str:
    """The analyze JSON contract plus a ``simulation`` object."""
    out = to_json_dict(analysis, include_invocations=include_invocations)
    out["simulation"] = jsonable(dict(simulation))
    return json.dumps(out, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_sweep_json(
    policy: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], stats: InputStats,
    notes: Sequence[str] = (),
) -> str:
    out = {
        "sweep": {
            "parameter": rows[0]["parameter"] if rows else None,
            "rows": [dict(r) for r in rows],
        },
        "policy": dict(policy),
        "notes": list(notes),
        "input": stats.as_dict(),
    }
    return json.dumps(jsonable(out), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


SWEEP_CSV_COLUMNS: tuple[str, ...] = (
    "parameter", "value", "invocations", "environments", "cold_starts", "cold_start_rate",
    "added_latency_p99_ms", "added_latency_max_ms", "init_wait_s", "cost_usd",
    "provisioned_allocation_usd", "init_cost_usd", "cost_incomplete",
)


def render_sweep_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SWEEP_CSV_COLUMNS)
    for r in rows:
        writer.writerow(["; ".join(r.get(c) or []) if c == "cost_incomplete"
                         else "" if _missing(r.get(c)) else r.get(c) for c in SWEEP_CSV_COLUMNS])
    return buffer.getvalue()


SIMULATION_TITLE = "# lamlife simulation"


def run_sections(whatif: Any, described: Mapping[str, Any], notes: Sequence[str]
                 ) -> tuple[list[Section], list[Section]]:
    """The sections a simulation adds to the simulated analysis's report: (first, the policy
    and observed vs simulated, so that no simulated figure reads as measured; then, at the
    cost position, the cost sections when it was priced). ``whatif``: a
    ``lifecycle.simulate.whatif.WhatIf``."""
    from lamlife.reports.cost import cost_sections

    lead = [policy_section(described, notes),
            comparison_section(whatif.comparison, whatif.notes)]
    extra = (cost_sections(whatif.analysis.summary["cost"])
             if "cost" in whatif.analysis.summary else [])
    return lead, extra


def render_run(whatif: Any, described: Mapping[str, Any], notes: Sequence[str], fmt: str,
               include_invocations: bool = False, top: int = 10) -> str:
    """One simulation as ``fmt`` text: json, html, csv, markdown, or ``table`` (the terminal
    report as plain text, 100 columns). The human formats open with the policy and observed
    vs simulated."""
    from lamlife.reports import render
    from lamlife.reports.markdown_report import render_markdown
    from lamlife.reports.tables import render_text

    if fmt == "json":
        result = whatif.result
        keys: dict[str, Any] = {
            "notes": [*notes, *whatif.notes],
            "environments_created": result.environments_created,
            "expired": result.expired,
            "recycled": result.recycled,
        }
        if whatif.cost_left_out:  # the functions the comparison's cost rows leave out
            keys["cost_left_out"] = list(whatif.cost_left_out)
        simulation = simulation_dict(described, whatif.comparison, keys)
        return render_json(whatif.analysis, simulation, include_invocations)
    lead, extra = run_sections(whatif, described, notes)
    if fmt == "html":
        from lamlife.reports.html import render_simulation_html

        return render_simulation_html(whatif.analysis, whatif.comparison, lead, top=top,
                                      extra_sections=extra)
    if fmt == "table":
        return render_text(whatif.analysis, top=top, extra_sections=extra, lead_sections=lead)
    if fmt == "markdown":
        return render_markdown(whatif.analysis, top=top, extra_sections=extra,
                               lead_sections=lead, title=SIMULATION_TITLE)
    return render(whatif.analysis, fmt, include_invocations=include_invocations, top=top)


def sweep_sections(rows: Sequence[Mapping[str, Any]], described: Mapping[str, Any],
                   notes: Sequence[str]) -> list[Section]:
    """The policy and the sweep table (one row per value of the swept option)."""
    sweep_notes = ["Added ms: the init or restore time a caller waited for (0 for warm starts); "
                   "p99 over all invocations."]
    if any(r.get("provisioned_allocation_usd") for r in rows):
        sweep_notes.append("Cost includes the provisioned-concurrency allocation over the "
                           "trace's window.")
    missing = list(dict.fromkeys(m for r in rows if r.get("cost_usd") is not None
                                 for m in r.get("cost_incomplete") or []))
    if missing:
        sweep_notes.append("+: the cost of the priced invocations only; unpriced: "
                           + "; ".join(missing) + ".")
    if any(r.get("provisioned_allocation_usd") is not None and _allocation_incomplete(r)
           for r in rows):
        sweep_notes.append("PC allocation +: the allocation of the functions whose "
                           "provisioned-concurrency price is known only.")
    swept = (str(rows[0]["parameter"]), [r["value"] for r in rows]) if rows else None
    return [policy_section(described, notes, swept), sweep_section(rows, sweep_notes)]


def render_sweep(rows: Sequence[Mapping[str, Any]], described: Mapping[str, Any],
                 notes: Sequence[str], stats: InputStats, fmt: str) -> str:
    """A sweep as ``fmt`` text: json, csv, markdown, html, or ``table`` (plain text, 100
    columns)."""
    if fmt == "json":
        return render_sweep_json(described, rows, stats, notes)
    if fmt == "csv":
        return render_sweep_csv(rows)
    sections = sweep_sections(rows, described, notes)
    if fmt == "markdown":
        from lamlife.reports.markdown_report import section_markdown

        return "\n\n".join([SIMULATION_TITLE, *(section_markdown(s) for s in sections)]) + "\n"
    if fmt == "html":
        from lamlife.reports.html import render_sweep_html

        return render_sweep_html(rows, sections)
    from rich.console import Console

    from lamlife.reports.tables import section_renderable

    console = Console(width=100, record=True, color_system=None, force_terminal=False,
                      file=io.StringIO())
    for section in sections:
        console.print(section_renderable(section))
    return console.export_text()
