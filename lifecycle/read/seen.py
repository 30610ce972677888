"""Saying what was seen: the platform records an input held by kind, the duplicates dropped,
and what an input of REPORTs alone cannot show (said once, whatever the number of files)."""

from __future__ import annotations

from lamlife.lifecycle.analysis import InputStats
from lamlife.lifecycle.read.collect import RecordSink
from lamlife.lifecycle.read.streamless import copies_warning

# the names the report uses for each kind, in the order it lists them
SEEN_KINDS: tuple[tuple[str, str], ...] = (
    ("report", "REPORT"),
    ("incomplete", "START without its REPORT (incomplete)"),
    ("init_start", "INIT_START"),
    ("init_report", "INIT_REPORT"),
    ("init_failure", "failed INIT_REPORT"),
    ("restore_start", "RESTORE_START"),
    ("restore_report", "RESTORE_REPORT"),
    ("extension", "EXTENSION/TELEMETRY/LOGS"),
    ("timeout", "timeout line"),
    ("error", "crash or error line"),
)

REPORT_ONLY = ("only REPORT records in the input (no START, END or INIT lines, e.g. a Logs "
               "Insights export of REPORT fields): proactive and reinit starts, timeouts "
               "without a Status field, and environments without a log stream cannot be shown")


def seen_counts(sink: RecordSink, incomplete: int) -> dict[str, int]:
    """Platform records by kind (the sink must be finished); kinds never seen are left out."""
    counts: dict[str, int] = {"report": len(sink) - sink.timeouts_without_report,
                              "incomplete": incomplete}
    for mark in sink.marks:
        kind = mark.kind
        if kind == "init_report" and mark.status not in ("", "success"):
            kind = "init_failure"
        counts[kind] = counts.get(kind, 0) + 1
    for line in sink.status_lines:
        if line.status in ("timeout", "error"):
            counts[line.status] = counts.get(line.status, 0) + 1
    return {k: counts[k] for k, _name in SEEN_KINDS if counts.get(k)}


def seen_text(seen: dict[str, int]) -> str:
    """``3 INIT_REPORT, 1 RESTORE_START`` (the kinds in report order); "" when nothing."""
    return ", ".join(f"{seen[k]} {name}" for k, name in SEEN_KINDS if seen.get(k))


def note_overlap_and_limits(sink: RecordSink, stats: InputStats) -> None:
    """After ``sink.finish()``: what was seen, duplicates dropped, REPORT-only limits."""
    reports = len(sink) - sink.timeouts_without_report  # rows made from timeout lines are not
    note_seen(stats, seen_counts(sink, stats.incomplete), sink.duplicates,
              bool(reports and not sink.envs_with_starts and not sink.marks))
    stats.warnings.extend(copies_warning(sink.copies, sink.input_names))


def note_seen(stats: InputStats, seen: dict[str, int], duplicates: int,
              report_only: bool) -> None:
    """``note_overlap_and_limits`` from counts (the Spark engine adds them up over the
    environments): ``seen`` by kind, ``duplicates`` dropped, ``report_only``: REPORTs and
    no START, END or INIT line anywhere."""
    stats.seen = {k: seen[k] for k, _name in SEEN_KINDS if seen.get(k)}
    stats.duplicates += duplicates
    if duplicates:
        stats.warnings.append(
            f"{duplicates} duplicate platform record(s) dropped: the same events were read "
            "more than once (overlapping exports, a file given twice, a copy pasted twice)")
    if report_only:
        stats.warnings.append(REPORT_ONLY)
