"""The sections of a human report, as plain rows of text.

Each function here turns part of an :class:`~lamlife.lifecycle.analysis.Analysis` into a
:class:`Section` (a title, columns, rows of already formatted cells and notes). The terminal
renderer (``tables.py``) and the Markdown renderer (``markdown_report.py``) draw the same
sections, so both always say the same thing. Nothing here computes a statistic: counts,
rates and percentiles come from the engine's summary and tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from lamlife.lifecycle.analysis import Analysis, InputStats
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.read.seen import REPORT_ONLY, seen_text
from lamlife.lifecycle.schema import START_TYPES
from lamlife.reports._format import (
    MISSING,
    fmt_flags,
    fmt_int,
    fmt_ms,
    fmt_rate,
    fmt_seconds,
    fmt_share,
    fmt_text,
    fmt_time,
    is_missing,
    short_environment,
)

Align = Literal["left", "right"]

SORT_KEYS: tuple[str, ...] = ("invocations", "lifetime")

NO_INVOCATIONS = "No invocations found."

# What each start type means (DESIGN.md, "Vocabulary"), in a few words for a table.
START_TYPE_MEANINGS: dict[str, str] = {
    "cold": "on-demand init of a new environment; the caller waited",
    "warm": "reused a ready environment",
    "proactive": "first use of an environment initialized ahead of demand",
    "provisioned": "first use of a provisioned-concurrency environment",
    "restore": "SnapStart restore before this invocation",
    "reinit": "environment reset and re-initialized inside this invocation",
}

PERCENTILE_METHOD = "Method: linear interpolation between closest ranks."


@dataclass(frozen=True)
class Column:
    """A column of a :class:`Section`: its header and how its cells align."""

    header: str
    align: Align = "left"
    # an id (environment, function, version): its words fold only after other text and the
    # headers of number columns have given way, though before numbers do
    keep_words: bool = False
    # left out on a terminal too narrow for the table without folding words (JSON, CSV and
    # Markdown keep it): a figure that is also elsewhere, e.g. GB-s beside the dollars
    optional: bool = False


@dataclass(frozen=True)
class Section:
    """One block of a report: a table (possibly without rows) and notes printed after it."""

    title: str
    columns: tuple[Column, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    notes: tuple[str, ...] = ()
    show_header: bool = True
    # Markdown needs a header row even where the terminal shows none (key/value tables).
    markdown_headers: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"row has {len(row)} cells for {len(self.columns)} columns")


def _get(mapping: Mapping[str, Any] | None, key: str) -> Any:
    if not mapping:
        return None
    return mapping.get(key)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column of ``frame``, or an all-missing column when the table lacks it."""
    if name in frame.columns:
        return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _plural(count: Any, word: str, plural: str | None = None) -> str:
    text = fmt_int(count)
    if text == MISSING:
        return f"{MISSING} {plural or word + 's'}"
    return f"{text} {word if int(count) == 1 else (plural or word + 's')}"


def _files_and_lines(stats: InputStats) -> str:
    return (
        f"{_plural(stats.files, 'file')}, {_plural(stats.lines, 'line')}, "
        f"{_plural(stats.events, 'log event')}"
    )


def _event_kinds(stats: InputStats) -> str:
    dropped = f", {fmt_int(stats.duplicates)} duplicates dropped" if stats.duplicates else ""
    return (
        f"{_plural(stats.records, 'platform record')}, {fmt_int(stats.ignored)} ignored, "
        f"{fmt_int(stats.malformed)} malformed{dropped}"
    )


def input_accounting(stats: InputStats) -> str:
    """How the input was accounted for: files, lines, log events and what each event was."""
    return f"{_files_and_lines(stats)}: {_event_kinds(stats)}"


def input_line(stats: InputStats) -> str:
    """:func:`input_accounting` as a sentence."""
    return f"Read {input_accounting(stats)}."


def is_empty(analysis: Analysis) -> bool:
    """True when the analysis found no invocation at all."""
    return len(analysis.held_invocations) == 0


def no_invocations_section(analysis: Analysis) -> Section:
    """The whole human report when nothing was found: say so, and what was read."""
    seen = seen_text(analysis.input.seen)
    saw = (f"Seen: {seen}.",) if seen else ()
    return Section(title="", notes=(NO_INVOCATIONS, *saw, input_line(analysis.input)))


# How the causes of summary.cold_causes and summary.reinit_causes read in the headline.
COLD_CAUSE_WORDS: dict[str, str] = {
    "scale_out": "scale-out",
    "idle_expired": "idle expired",
    "recycled": "replaced",
    "new_version": "new version",
    "first_in_data": "first in the data",
    "other": "other",
}
# What each cause means, for the note under the headline (docs/lifecycle.md has the rule).
COLD_CAUSE_MEANINGS: dict[str, str] = {
    "scale_out": "another environment of the function was busy when the request arrived",
    "idle_expired": "no environment was busy and the idle ones had been reclaimed",
    "recycled": "no environment was busy, and the last one had served a request moments "
                "before: Lambda replaced it",
    "new_version": "the first request of a new function version",
    "first_in_data": "the first request of the function in the data (nothing earlier "
                     "to compare with)",
}
REINIT_CAUSE_WORDS: dict[str, str] = {
    "after_timeout": "after a timeout",
    "after_out_of_memory": "after out of memory",
    "after_error": "after an error",
    "init_failed": "init failed",
    "other": "suppressed init",
}


def _counted(counts: Mapping[str, Any] | None, words: Mapping[str, str]) -> str:
    """``scale-out 2 · first request in the data 1``: the non-zero counts, largest first."""
    items = [(words.get(k, k), int(v)) for k, v in (counts or {}).items() if v]
    items.sort(key=lambda item: -item[1])
    return " · ".join(f"{word} {fmt_int(n)}" for word, n in items) or "none"


def _window_text(window: Mapping[str, Any]) -> str:
    since = window.get("since") or "the start"
    until = window.get("until") or "the end"
    left = int(window.get("left_out") or 0)
    return f"{since} to {until} ({_plural(left, 'invocation')} outside left out)"


def init_cost_text(cost: Mapping[str, Any] | None) -> str:
    """What INIT costs, in one line: the INIT share of the cost and what was not billed."""
    from lamlife.reports.cost import nothing_priced, usd

    if not isinstance(cost, Mapping):
        return "not priced"
    if nothing_priced(cost):  # $0 would read as free
        return "unpriced: no price for any invocation (see the warnings)"
    init = _get(cost, "init_usd")
    total = _get(cost, "total_usd")
    share = _get(cost, "init_share")
    text = f"{usd(init)} of {usd(total)} ({fmt_rate(share)} of the cost)"
    unpriced = _get(cost, "unpriced_invocations")
    if unpriced and not is_missing(unpriced):  # the amounts leave these out
        text += f", {_plural(int(unpriced), 'invocation')} unpriced"
    unbilled = _get(cost, "init_unbilled_ms")
    if unbilled and not is_missing(unbilled) and float(unbilled) > 0:
        now = _get(cost, "init_usd_at_current_rules")
        text += (f"; {fmt_int(round(float(unbilled)))} ms of INIT not billed (before "
                 f"2025-08-01), {usd(now)} under today's rules")
    return text


def headline_section(analysis: Analysis) -> Section:
    """The first thing a reader sees: how many cold starts of which kind, why, and what INIT
    costs (from the summary's counts, causes and cost)."""
    summary = analysis.summary or {}
    types = summary.get("start_types") or {}
    n = _get(summary, "invocations")
    kinds = " · ".join(f"{kind} {fmt_int(_get(types, kind))}" for kind in
                       ("cold", "reinit", "restore"))
    rows: list[tuple[str, str]] = [
        ("How many", f"{fmt_int(_get(summary, 'cold_starts'))} of {_plural(n, 'invocation')} "
                        f"({fmt_rate(_get(summary, 'cold_start_rate'))}): {kinds}"),
    ]
    if _get(types, "cold") and "cold_causes" in summary:  # causes of on-demand inits only
        rows.append(("Why cold", _counted(summary.get("cold_causes"), COLD_CAUSE_WORDS)))
    if _get(types, "reinit") and "reinit_causes" in summary:
        rows.append(("Why reinit", _counted(summary.get("reinit_causes"), REINIT_CAUSE_WORDS)))
    ahead = [f"{kind} {fmt_int(_get(types, kind))}" for kind in ("proactive", "provisioned")
             if _get(types, kind)]
    if ahead:
        rows.append(("Init ahead", " · ".join(ahead) + " (the caller did not wait)"))
    rows.append(("INIT cost", init_cost_text(summary.get("cost"))))
    init = summary.get("init_duration_ms") or {}
    count = _init_count(_get(init, "count"))
    if count:
        rows.append(("Init duration", f"p50 {fmt_ms(_get(init, 'p50'))} ms · max "
                                      f"{fmt_ms(_get(init, 'max'))} ms ({_plural(count, 'init')})"))
    restore = summary.get("restore_duration_ms") or {}
    restores = _init_count(_get(restore, "count"))
    if restores:  # SnapStart: the caller waited for the restore as for an init
        rows.append(("Restore duration",
                     f"p50 {fmt_ms(_get(restore, 'p50'))} ms · max "
                     f"{fmt_ms(_get(restore, 'max'))} ms ({_plural(restores, 'restore')})"))
    causes = summary.get("cold_causes") or {}
    meanings = [f"{COLD_CAUSE_WORDS[k]}: {text}" for k, text in COLD_CAUSE_MEANINGS.items()
                if causes.get(k)]
    notes = ("Why cold: " + "; ".join(meanings) + ".",) if meanings else ()
    return Section(
        title="Cold starts",
        columns=(Column("Question"), Column("Answer")),
        rows=tuple(rows),
        notes=notes,
        show_header=False,
        markdown_headers=("Question", "Answer"),
    )


def summary_section(analysis: Analysis) -> Section:
    """Totals from the engine's summary and how the input was accounted for."""
    summary = analysis.summary or {}
    stats = analysis.input
    start_types = summary.get("start_types") or {}
    rows: list[tuple[str, str]] = [
        ("Invocations", fmt_int(_get(summary, "invocations"))),
        ("Environments", fmt_int(_get(summary, "environments"))),
    ]
    rows.append(
        (
            "Start types",
            " · ".join(f"{kind} {fmt_int(_get(start_types, kind))}" for kind in START_TYPES),
        )
    )
    rows.append(("Timeouts", fmt_int(_get(summary, "timeouts"))))
    errors = fmt_int(_get(summary, "errors"))
    oom = _get(summary, "out_of_memory")
    rows.append(("Errors", f"{errors} ({fmt_int(oom)} out of memory)"))
    rows.append(("Init failures", fmt_int(_get(summary, "init_failures"))))
    rows.append(("Reset loops", fmt_int(_get(summary, "reset_loops"))))
    if "unused_inits" in summary:
        unused = fmt_int(_get(summary, "unused_inits"))
        rows.append(("Unused inits", f"{unused} (initialized, served no request)"))
    incomplete = _get(summary, "incomplete")
    if incomplete is None:
        incomplete = stats.incomplete
    rows.append(("Incomplete", f"{fmt_int(incomplete)} (START seen, no REPORT)"))
    rows.append(("Input", _files_and_lines(stats)))
    rows.append(("Log events", _event_kinds(stats)))
    window = summary.get("window")
    if isinstance(window, Mapping):
        rows.append(("Window", _window_text(window)))
    if stats.formats:
        rows.append(
            (
                "Formats",
                ", ".join(
                    f"{name} ({_plural(count, 'file')})"
                    for name, count in sorted(stats.formats.items())
                ),
            )
        )
    return Section(
        title="Summary",
        columns=(Column("Metric"), Column("Value")),
        rows=tuple(rows),
        notes=(f"Limits: {REPORT_ONLY}.",) if REPORT_ONLY in stats.warnings else (),
        show_header=False,
        markdown_headers=("Metric", "Value"),
    )


def functions_section(analysis: Analysis) -> Section:
    """One row per (function, version): counts of invocations, environments and failures."""
    frame = analysis.functions
    names = [
        "function",
        "version",
        "invocations",
        "environments",
        "cold_starts",
        "cold_start_rate",
        "timeouts",
        "errors",
        "out_of_memory",
        "init_failures",
    ]
    data = {name: _column(frame, name).tolist() for name in names}
    rows = tuple(
        (
            fmt_text(data["function"][i]),
            fmt_text(data["version"][i]),
            fmt_int(data["invocations"][i]),
            fmt_int(data["environments"][i]),
            f"{fmt_int(data['cold_starts'][i])} ({fmt_rate(data['cold_start_rate'][i])})",
            fmt_int(data["timeouts"][i]),
            fmt_int(data["errors"][i]),
            fmt_int(data["out_of_memory"][i]),
            fmt_int(data["init_failures"][i]),
        )
        for i in range(len(frame))
    )
    return Section(
        title="Functions",
        columns=(
            Column("Function", keep_words=True),
            Column("Version", keep_words=True),
            Column("Invocations", "right"),
            Column("Envs", "right"),
            Column("Cold starts", "right"),
            Column("Timeouts", "right"),
            Column("Errors", "right"),
            Column("OOM", "right"),
            Column("Init failures", "right"),
        ),
        rows=rows,
    )


def start_types_section(analysis: Analysis) -> Section:
    """Invocations per start type, their share and what each start type means."""
    summary = analysis.summary or {}
    start_types = summary.get("start_types") or {}
    total = _get(summary, "invocations")
    rows = [
        (
            kind,
            fmt_int(_get(start_types, kind)),
            fmt_share(_get(start_types, kind), total),
            START_TYPE_MEANINGS[kind],
        )
        for kind in START_TYPES
    ]
    cold = _get(summary, "cold_starts")
    rows.append(
        (
            "cold starts",
            fmt_int(cold),
            fmt_share(cold, total),
            "cold + restore + reinit: the caller waited for an init or restore",
        )
    )
    return Section(
        title="Start types",
        columns=(
            Column("Start type"),
            Column("Invocations", "right"),
            Column("Share", "right"),
            Column("Meaning"),
        ),
        rows=tuple(rows),
    )


# With linear interpolation between closest ranks the p-th percentile of n values sits at
# rank h = p/100 * (n - 1) (from 0). It lies between the two largest values, i.e. it is not
# backed by any value but the largest two, when h > n - 2: for p90 when n <= 10, for p99 when
# n <= 100.
FEW_FOR_P90 = 10
FEW_FOR_P99 = 100
FEW_MARK = "*"
FEW_NOTE = (
    "* from 10 inits or fewer (p90) or 100 or fewer (p99): interpolated between the two "
    "largest values."
)


def _few_note(noun: str) -> str:
    """:data:`FEW_NOTE` for samples of ``noun`` (``init``, ``restore``)."""
    return FEW_NOTE.replace("inits", f"{noun}s")


def _interpolated_notes(count: int, noun: str) -> list[str]:
    """The note a percentile table of ``count`` samples of ``noun`` (``init``, ``restore``)
    needs when p90 or p99 is interpolated rather than measured (``FEW_FOR_P90``,
    ``FEW_FOR_P99``); none when both are measured."""
    if count <= FEW_FOR_P90:
        return [f"With {FEW_FOR_P90} {noun}s or fewer, p90 and p99 are interpolated between "
                "the two largest values, not measured."]
    if count <= FEW_FOR_P99:
        return [f"With {FEW_FOR_P99} {noun}s or fewer, p99 is interpolated between the two "
                "largest values, not measured."]
    return []


def _init_count(value: Any) -> int:
    return 0 if is_missing(value) else int(value)


def _percentile_rows(stats: Mapping[str, Any], count: int, noun: str
                     ) -> tuple[tuple[str, str], ...]:
    """(label, ms) rows of ``stats``' p50, p90, p99 and max, labelled for ``count`` samples
    (``percentile_labels``)."""
    values = [_get(stats, key) for key in ("p50", "p90", "p99", "max")]
    return tuple((label, fmt_ms(value)) for label, value
                 in zip(percentile_labels(count, noun), values, strict=True))


def percentile_labels(count: Any, noun: str = "init") -> tuple[str, str, str, str]:
    """Row labels for p50, p90, p99 and max that do not overstate what ``count`` inits (or
    other samples: ``noun``, e.g. ``restore``) show.

    p90 over 10 inits or fewer and p99 over 100 or fewer are interpolated between the two
    largest values; their labels say how few inits they come from.
    """
    n = _init_count(count)
    few = f" (only {n:,} {noun}s)" if n != 1 else f" (only 1 {noun})"
    p90 = "p90" + (few if n <= FEW_FOR_P90 else "")
    p99 = "p99" + (few if n <= FEW_FOR_P99 else "")
    return ("p50 (median)", p90, p99, "max")


def init_percentiles_section(analysis: Analysis) -> Section:
    """Init duration percentiles over the inits with a known duration that a caller waited
    for (the summary's ``init_duration_ms``); a note says how many provisioned and proactive
    inits, run ahead of demand, are left out (``init_ahead_of_demand_ms``)."""
    summary = analysis.summary or {}
    stats = summary.get("init_duration_ms") or {}
    n = _init_count(_get(stats, "count"))
    ahead = summary.get("init_ahead_of_demand_ms") or {}
    n_ahead = _init_count(_get(ahead, "count"))
    left_out = (f"Left out: {_plural(n_ahead, 'init')} ahead of demand (provisioned or "
                f"proactive: no caller waited), max {fmt_ms(_get(ahead, 'max'))} ms.",
                ) if n_ahead else ()
    if n == 0:
        return Section(title="Init duration",
                       notes=("No init a caller waited for with a known duration." if n_ahead
                              else "No init with a known duration.", *left_out))
    rows = _percentile_rows(stats, n, "init")
    waited = " that a caller waited for" if n_ahead else ""
    notes = [f"Over {_plural(n, 'init')} with a known duration{waited}. {PERCENTILE_METHOD}",
             *left_out]
    notes += _interpolated_notes(n, "init")
    return Section(
        title="Init duration",
        columns=(Column("Percentile"), Column("Init duration ms", "right")),
        rows=rows,
        notes=tuple(notes),
    )


def has_restores(summary: Mapping[str, Any]) -> bool:
    """The summary counts a SnapStart restore (a ``restore`` start type, or a Restore
    Duration in ``restore_duration_ms``): the reports then show Restore Duration."""
    stats = summary.get("restore_duration_ms") or {}
    types = summary.get("start_types") or {}
    return bool(_init_count(_get(stats, "count")) or _init_count(_get(types, "restore")))


def restore_percentiles_section(analysis: Analysis) -> Section | None:
    """SnapStart Restore Duration percentiles (the summary's ``restore_duration_ms``, over
    the restores with a known Restore Duration); ``None`` when the analysis has no restore,
    so a report without SnapStart is unchanged."""
    summary = analysis.summary or {}
    if not has_restores(summary):
        return None
    stats = summary.get("restore_duration_ms") or {}
    n = _init_count(_get(stats, "count"))
    if n == 0:
        return Section(title="Restore duration",
                       notes=("No SnapStart restore with a known Restore Duration.",))
    rows = _percentile_rows(stats, n, "restore")
    notes = [f"Over {_plural(n, 'SnapStart restore')} with a known Restore Duration: the "
             f"caller waited for each, as for an init. {PERCENTILE_METHOD}"]
    notes += _interpolated_notes(n, "restore")
    return Section(
        title="Restore duration",
        columns=(Column("Percentile"), Column("Restore duration ms", "right")),
        rows=rows,
        notes=tuple(notes),
    )


def init_by_function_section(analysis: Analysis) -> Section | None:
    """Init duration percentiles per (function, version); ``None`` for a single row."""
    return _by_function_section(analysis, "init", "Init duration by function", "Inits")


def restore_by_function_section(analysis: Analysis) -> Section | None:
    """SnapStart Restore Duration percentiles per (function, version) (the functions
    table's ``restore_*`` columns); ``None`` for a single row or when nothing restored."""
    if not has_restores(analysis.summary or {}):
        return None
    return _by_function_section(analysis, "restore", "Restore duration by function",
                                "Restores")


def _by_function_section(analysis: Analysis, stem: str, title: str, counted: str
                         ) -> Section | None:
    """Percentiles per (function, version) from the functions table's ``<stem>_count`` and
    ``<stem>_p50_ms`` ... ``<stem>_max_ms``; ``None`` for a single row."""
    frame = analysis.functions
    if len(frame) <= 1:
        return None
    count, p50, p90, p99, top = (f"{stem}_count", f"{stem}_p50_ms", f"{stem}_p90_ms",
                                 f"{stem}_p99_ms", f"{stem}_max_ms")
    names = ["function", "version", count, p50, p90, p99, top]
    data = {name: _column(frame, name).tolist() for name in names}
    rows = []
    marked = False
    for i in range(len(frame)):
        n = _init_count(data[count][i])
        p90_text = fmt_ms(data[p90][i])
        p99_text = fmt_ms(data[p99][i])
        if p90_text != MISSING and n <= FEW_FOR_P90:
            p90_text, marked = p90_text + FEW_MARK, True
        if p99_text != MISSING and n <= FEW_FOR_P99:
            p99_text, marked = p99_text + FEW_MARK, True
        rows.append(
            (
                fmt_text(data["function"][i]),
                fmt_text(data["version"][i]),
                fmt_int(data[count][i]),
                fmt_ms(data[p50][i]),
                p90_text,
                p99_text,
                fmt_ms(data[top][i]),
            )
        )
    return Section(
        title=title,
        columns=(
            Column("Function", keep_words=True),
            Column("Version", keep_words=True),
            Column(counted, "right"),
            Column("p50 ms", "right"),
            Column("p90 ms", "right"),
            Column("p99 ms", "right"),
            Column("max ms", "right"),
        ),
        rows=tuple(rows),
        notes=(_few_note(stem),) if marked else (),
    )


def sorted_environments(frame: pd.DataFrame, sort_by: str) -> pd.DataFrame:
    """The environment table in the report's order: by invocations (or lifetime), the other
    key next, then function and environment name. Raises InputError for another key."""
    if sort_by not in SORT_KEYS:
        raise InputError(
            f"cannot sort environments by {sort_by!r}: use one of {', '.join(SORT_KEYS)}"
        )
    keys = pd.DataFrame(
        {
            "invocations": pd.to_numeric(_column(frame, "invocations"), errors="coerce"),
            "lifetime": pd.to_numeric(_column(frame, "lifetime_s"), errors="coerce"),
            "function": _column(frame, "function").astype(str),
            "environment": _column(frame, "environment").astype(str),
        },
        index=frame.index,
    )
    by = ["invocations", "lifetime"] if sort_by == "invocations" else ["lifetime", "invocations"]
    order = keys.sort_values(
        [*by, "function", "environment"],
        ascending=[False, False, True, True],
        na_position="last",
        kind="mergesort",
    ).index
    return frame.loc[order]


def environments_section(
    analysis: Analysis, top: int = 10, sort_by: str = "invocations"
) -> Section:
    """The ``top`` environments by invocations or by lifetime (ties: the other key, then name)."""
    frame = analysis.environments
    total = len(frame)
    shown = sorted_environments(frame, sort_by).head(max(top, 0))
    by = "invocations" if sort_by == "invocations" else "lifetime"
    if total > len(shown):
        title = f"Environments: top {len(shown)} of {total:,} by {by}"
    else:
        title = f"Environments ({total:,}, by {by})"
    if _single_version(frame):
        title += f", all version {_single_version(frame)}"
    names = [
        "environment",
        "function",
        "init_duration_ms",
        "lifetime_s",
        "invocations",
        "cold_starts",
        "failures",
        "max_idle_s",
        "flags",
    ]
    data = {name: _column(shown, name).tolist() for name in names}
    one_function = len(set(_column(frame, "function").tolist())) <= 1
    version = _single_version(frame)
    rows = tuple(
        (
            _environment_label(data["environment"][i], version) if one_function else
            f"{fmt_text(data['function'][i])} "
            f"{_environment_label(data['environment'][i], version)}",
            fmt_ms(data["init_duration_ms"][i]),
            fmt_seconds(data["lifetime_s"][i]),
            fmt_int(data["invocations"][i]),
            fmt_int(data["cold_starts"][i]),
            fmt_int(data["failures"][i]),
            fmt_seconds(data["max_idle_s"][i]),
            fmt_flags(data["flags"][i]),
        )
        for i in range(len(shown))
    )
    notes: list[str] = []
    if total == 0:
        notes.append("No environments.")
    elif total > len(shown):
        notes.append(f"... {total - len(shown):,} more environments")
    return Section(
        title=title,
        columns=(
            Column("Environment" if one_function else "Function and environment",
                   keep_words=True),
            Column("Init ms", "right"),
            Column("Lifetime", "right"),
            Column("Invocations", "right"),
            Column("Cold starts", "right"),
            Column("Failures", "right"),
            Column("Max idle", "right"),
            Column("Flags"),
        ),
        rows=rows,
        notes=tuple(notes),
    )


def _single_version(frame: pd.DataFrame) -> str:
    """The one version every row of ``frame`` ran, or "" when there are several or none."""
    versions = {str(v) for v in _column(frame, "version").tolist() if not is_missing(v)}
    return next(iter(versions)) if len(versions) == 1 and "" not in versions else ""


def _environment_label(name: Any, version: str = "") -> str:
    """:func:`short_environment`, without the ``[version]`` when the table says it once."""
    label = short_environment(name)
    prefix = f"[{version}]"
    if version and label.startswith(prefix):
        return label[len(prefix):]
    return label


def events_section(analysis: Analysis, max_events: int = 20) -> Section:
    """The first ``max_events`` flagged events in time order, then how many more there are."""
    frame = analysis.events
    total = len(frame)
    shown = frame.head(max(max_events, 0))
    names = ["time", "function", "environment", "event", "reason"]
    data = {name: _column(shown, name).tolist() for name in names}
    times = [fmt_time(t) for t in data["time"]]
    dates = {t.split(" ")[0] for t in times if " " in t}
    one_date = len(dates) == 1 and all(" " in t for t in times)
    if one_date:
        times = [t.split(" ", 1)[1] for t in times]
    # one function in the whole analysis: the column would repeat it on every row
    one_function = len(set(_column(analysis.held_invocations, "function").tolist())) <= 1
    version = _single_version(analysis.held_invocations)
    rows = tuple(
        (
            times[i],
            *(() if one_function else (fmt_text(data["function"][i]),)),
            _environment_label(data["environment"][i], version),
            fmt_text(data["event"][i]),
            fmt_text(data["reason"][i]),
        )
        for i in range(len(shown))
    )
    notes: list[str] = []
    if total == 0:
        notes.append("No flagged events.")
    elif total > len(shown):
        notes.append(f"... {total - len(shown):,} more events")
    title = f"Flagged events ({total:,})"
    if one_date and rows:
        title += f", {next(iter(dates))} (UTC)"
    return Section(
        title=title,
        columns=(
            Column("Time" if one_date else "Time (UTC)", keep_words=True),
            *(() if one_function else (Column("Function", keep_words=True),)),
            Column("Environment", keep_words=True),
            Column("Event", keep_words=True),
            Column("Reason"),
        ),
        rows=rows,
        notes=tuple(notes),
    )


def report_sections(
    analysis: Analysis,
    top: int = 10,
    sort_by: str = "invocations",
    max_events: int = 20,
) -> list[Section]:
    """Every section of the human report, in order; one short section when nothing was found."""
    if sort_by not in SORT_KEYS:  # fail before rendering anything
        raise InputError(
            f"cannot sort environments by {sort_by!r}: use one of {', '.join(SORT_KEYS)}"
        )
    if is_empty(analysis):
        return [no_invocations_section(analysis)]
    return [
        headline_section(analysis),
        summary_section(analysis),
        functions_section(analysis),
        start_types_section(analysis),
        init_percentiles_section(analysis),
        *([by_function] if (by_function := init_by_function_section(analysis)) else []),
        *([restores] if (restores := restore_percentiles_section(analysis)) else []),
        *([by_fn] if (by_fn := restore_by_function_section(analysis)) else []),
        environments_section(analysis, top=top, sort_by=sort_by),
        events_section(analysis, max_events=max_events),
        *_account_sections(analysis, top),
    ]


def extras_position(built: list[Section]) -> int:
    """Where sections a command adds (cost) go among ``report_sections``: after the counts
    and init durations, before the environments and flagged events."""
    for index, section in enumerate(built):
        if section.title.startswith("Environments"):
            return index
    return len(built)


def _account_sections(analysis: Analysis, top: int) -> list[Section]:
    from lamlife.reports.account import account_sections  # it builds on Section

    return account_sections(analysis.account, top)

