"""From paths to an Analysis: read, replay, derive; and from paths to a simulator trace. The
one module that wires the rooms together (read, engine, billing, simulate); the CLI calls it,
nothing here prints."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from lamlife.lifecycle.analysis import Analysis, InputStats
from lamlife.lifecycle.aws import s3
from lamlife.lifecycle.aws.s3 import S3Options
from lamlife.lifecycle.billing.prices import PriceTable
from lamlife.lifecycle.billing.rules import (
    BillingOptions,
    price_or_explain,
    size_unknown_warnings,
)
from lamlife.lifecycle.check.gate import Measurement
from lamlife.lifecycle.check.metrics import cost_without_data, flat_metrics, without_invocations
from lamlife.lifecycle.engine.account import account_table
from lamlife.lifecycle.engine.causes import explain_cold_starts
from lamlife.lifecycle.engine.coded import compact_columns
from lamlife.lifecycle.engine.replay import EngineOptions, OrphanEvent, run_engine
from lamlife.lifecycle.engine.summarize import build_analysis, empty_invocations
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.read import ReadOptions, ReadResult, read_inputs
from lamlife.lifecycle.read.arrivals import (
    ArrivalColumns,
    Arrivals,
    arrivals_from_invocations,
    read_arrivals,
    sniff_arrival_csv,
)
from lamlife.lifecycle.read.collect import release_free_memory
from lamlife.lifecycle.read.inputs import (
    UnrecognizedFormat,
    file_named_warning,
    option_names_named_input,
)
from lamlife.lifecycle.read.platform import MAX_MEMORY_MB, MIN_MEMORY_MB
from lamlife.lifecycle.read.request_ids import has_compact_ids, text_ids
from lamlife.lifecycle.read.seen import note_overlap_and_limits
from lamlife.lifecycle.read.timeparse import ms_to_iso, parse_time
from lamlife.lifecycle.schema import INVOCATION_COLUMNS
from lamlife.lifecycle.simulate.whatif import (
    Pricing,
    Trace,
    WhatIf,
    build_policy,
    concat_arrivals,
    fill_memory,
    observed_from_arrivals,
    simulate_trace,
)

__all__ = ["AnalyzeOptions", "Observed", "analysis_from_observed", "analyze_paths",
           "build_analysis", "load_trace", "observe", "price", "simulate_default"]


@dataclass
class AnalyzeOptions:
    function: str | None = None  # name for inputs that carry no log group
    proactive_threshold_s: float = 10.0  # INIT_START -> first START gap that means proactive
    functions: Sequence[str] = field(default_factory=tuple)  # keep only these (empty: all)
    billing: BillingOptions | None = None  # price the analysis (with ``price_table``)
    price_table: PriceTable | None = None
    strict_billing: bool = False  # a price problem is an error (the user chose region/table)
    # --function: analyze only these functions; a name missing from the input is an error
    select: Sequence[str] = field(default_factory=tuple)
    window: TimeWindow | None = None  # --since/--until: invocations that started inside
    s3: S3Options | None = None  # AWS options for s3:// inputs (profile, Region, endpoint)


@dataclass(frozen=True)
class TimeWindow:
    """[since_ms, until_ms) in epoch ms; either end may be open (None)."""

    since_ms: float | None = None
    until_ms: float | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"since": None if self.since_ms is None else ms_to_iso(self.since_ms),
                "until": None if self.until_ms is None else ms_to_iso(self.until_ms)}


def time_window(since: str | None, until: str | None,
                now: datetime | None = None) -> TimeWindow | None:
    """The window of ``--since``/``--until``, read as ``lamlife fetch`` reads its times: ISO
    8601 (UTC when it has no offset), epoch seconds or ms, ``now``, or a duration before now
    (``2h``, ``7d``). None when neither is given; InputError for an unreadable or empty one."""
    if since is None and until is None:
        return None
    now = now or datetime.now(UTC)
    since_ms = parse_time(since, now).timestamp() * 1000.0 if since is not None else None
    until_ms = parse_time(until, now).timestamp() * 1000.0 if until is not None else None
    if since_ms is not None and until_ms is not None and until_ms <= since_ms:
        raise InputError(f"empty time window: --since {ms_to_iso(since_ms)} is not before "
                         f"--until {ms_to_iso(until_ms)}")
    return TimeWindow(since_ms, until_ms)


@dataclass
class Observed:
    """What reading and the engine produced, before the derived tables."""

    invocations: pd.DataFrame
    stats: InputStats
    orphan_init_failures: int = 0
    unused_inits: int = 0
    orphan_events: list[OrphanEvent] = field(default_factory=list)
    arrivals: list[str] = field(default_factory=list)

    @property
    def arrivals_only(self) -> bool:
        """Arrival traces and no platform records: the simulator makes the invocations."""
        return bool(self.arrivals) and self.invocations.empty


def observe(paths: Sequence[str], options: AnalyzeOptions | None = None,
            progress: Callable[[int], None] | None = None) -> Observed:
    """Read the inputs and run the engine over them."""
    options = options or AnalyzeOptions()
    read = read_named(paths, options, progress)
    stats = read.stats
    stats.incomplete += read.sink.finish()
    stats.events = read.sink.counts.events
    for function, by_env in read.sink.regions().items():
        stats.regions.setdefault(function, {}).update(by_env)
    note_overlap_and_limits(read.sink, stats)
    result = run_engine(read.sink, EngineOptions(options.proactive_threshold_s))
    read.sink.release()  # the table holds what the rest needs: free the paired columns now
    invocations = observed_invocations([result.invocations, *read.classified])
    return Observed(invocations, stats, result.orphan_init_failures,
                    result.unused_inits, result.orphan_events, read.arrivals)


def read_functions(read: ReadResult) -> set[str]:
    """The function names of what ``read`` holds (its environments, as named at the end of
    the read, and re-read lamlife CSV rows)."""
    sink = read.sink
    names = {sink.function_from_record.get(code, function)
             for code, (function, _env) in enumerate(sink.environments)}
    for part in read.classified:
        names.update(str(f) for f in part["function"].unique())
    return names


def read_again(read: ReadResult, function: str | None, paths: Sequence[str]) -> bool:
    """Whether ``function`` (one ``--function`` name) named input that carries no function
    name beside input that names its own, so that the input is to be read again without it
    (``read.inputs.option_names_named_input``). InputError when that would read standard
    input twice."""
    if function is None or not option_names_named_input(
            function, read.sink.default_named, read.sink.content_named,
            read_functions(read)):
        return False
    if "-" in paths:
        unnamed = ", ".join(sorted(read.sink.default_named)) or "some inputs"
        raise InputError(f"--function {function}: {unnamed} name no function while other "
                         "inputs name theirs, which takes a second read, and standard input "
                         "cannot be read twice: save standard input to a file")
    return True


def read_named(paths: Sequence[str], options: AnalyzeOptions,
               progress: Callable[[int], None] | None = None) -> ReadResult:
    """Read ``paths`` with ``options.function`` naming input that carries no function name,
    unless other inputs name theirs: then read again without it, so that such input keeps
    its file name and ``--function`` only selects (``read.inputs.option_names_named_input``;
    a warning names the functions named after their files). InputError when that needs
    standard input read twice."""
    read: ReadResult = read_inputs(s3.resolve(paths, options.s3),  # s3:// URLs: streamed
                                   ReadOptions(function=options.function), progress)
    if not read_again(read, options.function, paths):
        return read
    assert options.function is not None
    del read  # the records read under the given name
    again = read_inputs(s3.resolve(paths, options.s3), ReadOptions(), progress)
    warning = file_named_warning(options.function, again.sink.default_named,
                                 read_functions(again))
    if warning:
        again.stats.warnings.append(warning)
    return again


def observed_invocations(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The engine's invocation rows and re-read lamlife CSV rows as one table (the
    INVOCATION_COLUMNS), ordered by function, environment and start, with every plain cold
    start given its cause (``engine.causes``). Both engines, local and Spark, end here."""
    parts = [p for p in parts if not p.empty]
    if len({has_compact_ids(p) for p in parts}) > 1:  # 16-byte ids beside text: all as text
        parts = [text_ids(p) for p in parts]
    if len(parts) > 1:
        invocations = pd.concat(parts, ignore_index=True)
        invocations = invocations.sort_values(["function", "environment", "start"],
                                              kind="stable").reset_index(drop=True)
    else:
        invocations = parts[0] if parts else empty_invocations()
    invocations = explain_cold_starts(invocations)
    if list(invocations.columns) != list(INVOCATION_COLUMNS):
        invocations = invocations[list(INVOCATION_COLUMNS)]
    invocations = compact_columns(invocations)
    release_free_memory()  # the cold-cause step's sorted times
    return invocations


def price(analysis: Analysis, options: AnalyzeOptions) -> Analysis:
    """Price the analysis when ``options`` ask for it; a non-strict price problem becomes a
    warning and the analysis goes on without cost."""
    if options.billing is None or options.price_table is None:
        return analysis
    release_free_memory()  # what the derived tables' steps freed, before pricing adds columns
    priced, problem = price_or_explain(analysis, options.billing, options.price_table,
                                       options.strict_billing)
    release_free_memory()  # pricing's per-row masks and codes, freed once the columns are set
    if problem:
        priced.input.warnings.append(f"cost not computed: {problem}")
    for reason in (priced.summary.get("cost") or {}).get("incomplete", []):
        priced.input.warnings.append(f"cost incomplete, unpriced: {reason}")
    priced.input.warnings.extend(size_unknown_warnings(priced.summary.get("cost") or {}))
    return priced


def analysis_from_observed(observed: Observed, paths: Sequence[str],
                           options: AnalyzeOptions) -> Analysis:
    """The unpriced analysis of what ``observe`` read.

    Input that holds only arrival traces (no platform records) is simulated under the default
    policy, and a warning says so; arrival traces beside logs are left out, with a warning.
    """
    if observed.arrivals_only:
        whatif, _notes = simulate_default(paths, options.function)
        analysis = whatif.analysis
        analysis.input.warnings.extend(whatif.notes)
        if options.functions:
            analysis = build_analysis(analysis.invocations, analysis.input,
                                      functions=options.functions)
        return analysis
    if observed.arrivals:
        observed.stats.warnings.append(
            f"{', '.join(observed.arrivals)}: arrival trace(s) left out, the logs beside them "
            "were analyzed (lamlife simulate replays arrivals)")
    invocations, orphan_events, left_out = narrow(observed.invocations,
                                                  observed.orphan_events, options)
    if left_out and invocations.empty:  # not "nothing found": the window missed the data
        starts = observed.invocations["start"]
        observed.stats.warnings.append(
            f"the time window left out all {left_out} invocation(s): the input runs from "
            f"{iso_z(starts.min())} to {iso_z(starts.max())} (relative --since/--until count "
            "back from now)")
    analysis = build_analysis(
        invocations, observed.stats,
        orphan_init_failures=sum(1 for e in orphan_events if e.event == "init_failure"),
        unused_inits=sum(1 for e in orphan_events if e.event == "unused_init"),
        orphan_events=orphan_events, functions=options.functions)
    if options.window is not None:
        analysis.summary["window"] = {**options.window.as_dict(), "left_out": left_out}
    release_free_memory()  # the derived tables' temporaries, freed under the table's columns
    return analysis


def iso_z(when: pd.Timestamp) -> str:
    """A UTC time as ISO 8601 to the second, with Z."""
    return pd.Timestamp(when).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def narrow(invocations: pd.DataFrame, orphan_events: Sequence[OrphanEvent],
           options: AnalyzeOptions) -> tuple[pd.DataFrame, list[OrphanEvent], int]:
    """The invocations (and events that belong to none) of ``options.select`` that started
    inside ``options.window``, and how many invocations the window left out.

    A name in ``options.select`` that the input does not have is an InputError that lists
    the functions it has (``--function`` selects; it never renames named input).
    """
    events = list(orphan_events)
    if options.select:
        present = set(invocations["function"]) | {e.function for e in events}
        missing = [name for name in options.select if name not in present]
        if missing and present:
            raise InputError(
                f"no function {', '.join(missing)} in the input (it has "
                f"{', '.join(sorted(present)[:10])}{', ...' if len(present) > 10 else ''})")
        keep = set(options.select)
        invocations = invocations[invocations["function"].isin(keep)]
        events = [e for e in events if e.function in keep]
    left_out = 0
    window = options.window
    if window is not None:
        start = invocations["start"]
        inside = pd.Series(True, index=invocations.index)
        if window.since_ms is not None:
            inside &= start >= pd.Timestamp(window.since_ms, unit="ms", tz="UTC")
        if window.until_ms is not None:
            inside &= start < pd.Timestamp(window.until_ms, unit="ms", tz="UTC")
        left_out = int((~inside).sum())
        invocations = invocations[inside]
        events = [e for e in events
                  if (window.since_ms is None or e.time_ms >= window.since_ms)
                  and (window.until_ms is None or e.time_ms < window.until_ms)]
    return invocations.reset_index(drop=True), events, left_out


def analyze_paths(paths: Sequence[str], options: AnalyzeOptions | None = None,
                  progress: Callable[[int], None] | None = None) -> Analysis:
    """Read ``paths`` (files, directories, ``-``) and return the full analysis, priced when
    ``options.billing`` is set (see ``analysis_from_observed`` for arrival traces)."""
    options = options or AnalyzeOptions()
    observed = observe(paths, options, progress)
    return with_account(price(analysis_from_observed(observed, paths, options), options))


def with_account(analysis: Analysis) -> Analysis:
    """The analysis with its account-level table when it holds several functions (its cost
    from pricing's sums while the rows are unpriced: ``Analysis.deferred_prices``)."""
    invocations = analysis.held_invocations
    if invocations["function"].nunique() > 1:
        deferred = analysis.deferred_prices
        analysis.account = account_table(invocations, analysis.environments,
                                         None if deferred is None else deferred.function_costs)
    return analysis



def measure(
    paths: Sequence[str],
    options: AnalyzeOptions,
    functions: Sequence[str] | None = None,
    billing: BillingOptions | None = None,
    table: PriceTable | None = None,
    progress: Callable[[int], None] | None = None,
    strict_billing: bool = False,
) -> Measurement:
    """What ``lamlife check`` and ``lamlife baseline`` judge: analyze ``paths`` for
    ``functions`` (None: all; a filter on the invocation table before the other tables and
    the summary are built), priced when ``billing`` and ``table`` are given, and flatten the
    summary into metrics.

    InputError when none of the selected functions has an invocation in the input: a wrong
    name must not pass a budget as "no cold starts". A pricing failure is raised when
    ``strict_billing`` (the user chose the Region or price table, as ``lamlife analyze``
    treats it); otherwise it is recorded in ``billing_error``. When pricing failed or a price
    is missing (``cost_incomplete``), every cost metric is NaN, no data (``cost_without_data``).
    """
    observed = observe(paths, options, progress)
    invocations = observed.invocations
    if observed.arrivals_only:  # simulated: its functions are known after the simulation
        invocations = analysis_from_observed(observed, paths, replace(options, functions=())
                                             ).invocations
    present = sorted({str(f) for f in invocations["function"].unique()})
    selection = tuple(dict.fromkeys(functions)) if functions else None
    missing: list[str] = []
    if selection:
        missing = [name for name in selection if name not in present]
        if len(missing) == len(selection):
            seen = ", ".join(present) if present else "none"
            names = ", ".join(repr(n) for n in selection)
            # no hint where --function already gave the selected name (it would repeat the
            # option just given, which cannot name input that carries its function names)
            hint = "" if options.function in selection else (
                f"; input that carries no function name is named after its file: "
                f"--function {selection[0] if len(selection) == 1 else 'NAME'} names it")
            raise InputError(
                f"no invocations of function {names} in the input (functions seen: {seen})"
                + hint
            )
    analysis = analysis_from_observed(observed, paths,
                                      replace(options, functions=selection or ()))
    billing_error = None
    if billing is not None and table is not None:
        analysis, billing_error = price_or_explain(analysis, billing, table, strict_billing)
    analysis.input.warnings.extend(size_unknown_warnings(analysis.summary.get("cost") or {}))
    metrics = flat_metrics(analysis.summary, analysis.functions)
    incomplete = list((analysis.summary.get("cost") or {}).get("incomplete") or [])
    if incomplete or billing_error:  # no cost metric can stand for a cost partly unknown:
        metrics = cost_without_data(metrics)  # they stay, without data (a baseline's null)
    if not metrics.get("invocations"):
        metrics = without_invocations(metrics)
    return Measurement(analysis, metrics, selection, present, missing, billing_error,
                       incomplete, tuple(options.select))


# ---------------------------------------------------------------- traces for the simulator


def load_trace(
    paths: Sequence[str],
    columns: ArrivalColumns | None = None,
    function: str | None = None,
    memory_mb: float | None = None,
) -> Trace:
    """Read arrival CSVs, or logs through the observed engine. Raises InputError.

    ``memory_mb`` fills the memory size where the input does not give it: 128 to 32,768 MB,
    Lambda's MemorySize range (CreateFunction, Lambda API reference), else InputError.
    """
    columns = columns or ArrivalColumns()
    if memory_mb is not None and not MIN_MEMORY_MB <= memory_mb <= MAX_MEMORY_MB:
        raise InputError(f"memory size {memory_mb:g} MB is outside Lambda's {MIN_MEMORY_MB:,.0f} "
                         f"to {MAX_MEMORY_MB:,.0f} MB")
    if not paths:
        raise InputError("no input: give an arrival CSV or log files")
    csv_paths = [p for p in paths if sniff_arrival_csv(p, columns)]
    if columns.any_given and not csv_paths and paths != ["-"]:
        bad = paths[0]
        if not Path(bad).exists():
            raise InputError(f"{bad}: no such file or directory")
        read_arrivals(bad, columns, function)  # raises the precise problem
    if paths == ["-"] and columns.any_given:
        csv_paths = ["-"]
    log_paths = [p for p in paths if p not in csv_paths]
    parts: list[Arrivals] = [read_arrivals(p, columns, function) for p in csv_paths]
    observed_analysis: Analysis | None = None
    kind = "arrival-csv"
    if log_paths:
        try:
            observed = observe(log_paths, AnalyzeOptions(function=function))
        except UnrecognizedFormat as exc:
            # a CSV that is neither logs nor an arrival CSV: say which arrival column is
            # missing and the option that names it, rather than "unrecognized format"
            if exc.path.lower().endswith(".csv"):
                read_arrivals(exc.path, columns, function)
            raise
        for p in observed.arrivals:  # arrival CSVs found inside directories
            parts.append(read_arrivals(p, columns, function))
        if len(observed.invocations):
            if parts:
                raise InputError(
                    "give either arrival CSVs or logs to simulate, not both "
                    f"({(csv_paths or observed.arrivals)[0]} is an arrival CSV)"
                )
            observed_analysis = analysis_from_observed(observed, log_paths,
                                                       AnalyzeOptions(function=function))
            arrivals = arrivals_from_invocations(observed.invocations, observed.stats)
            fill_memory(arrivals, memory_mb, observed.stats.configurations)
            return Trace(arrivals, observed_analysis, "logs", list(paths))
        if not parts:
            raise InputError(f"{', '.join(log_paths)}: no invocations to simulate")
    arrivals = concat_arrivals(parts)
    fill_memory(arrivals, memory_mb, {})
    if arrivals.environment is not None and np.any(arrivals.environment != ""):
        observed_analysis = build_analysis(observed_from_arrivals(arrivals), arrivals.stats)
    return Trace(arrivals, observed_analysis, kind, list(paths))


def simulate_default(
    paths: Sequence[str], function: str | None = None, pricing: Pricing | None = None
) -> tuple[WhatIf, list[str]]:
    """``lamlife analyze`` on an arrival CSV: the default policy, and notes that say so."""
    trace = load_trace(paths, function=function)
    policy, notes = build_policy(trace.arrivals)
    notes.insert(0, "the input has arrivals only: environments were simulated with the default "
                    f"policy (keep-alive {policy.keep_alive_s:g} s, max lifetime "
                    f"{policy.max_lifetime_s:g} s, most recently used idle environment first; "
                    "see lamlife simulate)")
    whatif = simulate_trace(trace, policy, pricing)
    whatif.notes.extend(notes)
    return whatif, notes
