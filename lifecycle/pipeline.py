"""From paths to an Analysis: read, replay, derive. The CLI calls this; nothing here prints."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from lamlife.lifecycle.analysis import Analysis, InputStats
from lamlife.lifecycle.aws import s3
from lamlife.lifecycle.aws.s3 import S3Options
from lamlife.lifecycle.billing.prices import PriceTable
from lamlife.lifecycle.billing.rules import BillingOptions, price_or_explain
from lamlife.lifecycle.engine.account import account_table
from lamlife.lifecycle.engine.replay import EngineOptions, OrphanEvent, run_engine
from lamlife.lifecycle.engine.summarize import (
    empty_invocations,
    environments_table,
    events_table,
    functions_table,
    summary_dict,
)
from lamlife.lifecycle.read import ReadOptions, ReadResult, read_inputs
from lamlife.lifecycle.read.seen import note_overlap_and_limits
from lamlife.lifecycle.schema import INVOCATION_COLUMNS


@dataclass
class AnalyzeOptions:
    function: str | None = None  # name for inputs that carry no log group
    proactive_threshold_s: float = 10.0  # INIT_START -> first START gap that means proactive
    functions: Sequence[str] = field(default_factory=tuple)  # keep only these (empty: all)
    billing: BillingOptions | None = None  # price the analysis (with ``price_table``)
    price_table: PriceTable | None = None
    strict_billing: bool = False  # a price problem is an error (the user chose region/table)
    s3: S3Options | None = None  # AWS options for s3:// inputs (profile, Region, endpoint)


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
    inputs = s3.resolve(paths, options.s3)  # s3:// URLs become streamed objects
    read: ReadResult = read_inputs(inputs, ReadOptions(function=options.function), progress)
    stats = read.stats
    stats.incomplete += read.sink.finish()
    stats.events = read.sink.counts.events
    for function, by_env in read.sink.regions().items():
        stats.regions.setdefault(function, {}).update(by_env)
    note_overlap_and_limits(read.sink, stats)
    result = run_engine(read.sink, EngineOptions(options.proactive_threshold_s))
    parts = [result.invocations, *read.classified]
    parts = [p for p in parts if not p.empty]
    if len(parts) > 1:
        invocations = pd.concat(parts, ignore_index=True)
        invocations = invocations.sort_values(["function", "environment", "start"],
                                              kind="stable").reset_index(drop=True)
    else:
        invocations = parts[0] if parts else empty_invocations()
    return Observed(invocations[list(INVOCATION_COLUMNS)], stats, result.orphan_init_failures,
                    result.unused_inits, result.orphan_events, read.arrivals)


def build_analysis(invocations: pd.DataFrame, stats: InputStats | None = None, *,
                   orphan_init_failures: int = 0, unused_inits: int = 0,
                   orphan_events: Sequence[OrphanEvent] = (),
                   functions: Sequence[str] = ()) -> Analysis:
    """Environments, functions, events and summary from an invocation table.

    ``functions`` keeps only those functions (a budget's ``function:``); orphan events of
    other functions are dropped with them.
    """
    stats = stats or InputStats()
    if functions:
        keep = set(functions)
        invocations = invocations[invocations["function"].isin(keep)].reset_index(drop=True)
        orphan_events = [e for e in orphan_events if e.function in keep]
        orphan_init_failures = sum(1 for e in orphan_events if e.event == "init_failure")
        unused_inits = sum(1 for e in orphan_events if e.event == "unused_init")
    environments = environments_table(invocations)
    extra = [
        {"time": pd.Timestamp(e.time_ms, unit="ms", tz="UTC"), "function": e.function,
         "environment": e.environment, "request_id": "", "event": e.event, "reason": e.reason}
        for e in orphan_events
    ]
    return Analysis(
        invocations=invocations,
        environments=environments,
        functions=functions_table(invocations, environments),
        events=events_table(invocations, extra),
        summary=summary_dict(invocations, environments,
                             orphan_init_failures=orphan_init_failures,
                             unused_inits=unused_inits, incomplete=stats.incomplete),
        input=stats,
    )


def price(analysis: Analysis, options: AnalyzeOptions) -> Analysis:
    """Price the analysis when ``options`` ask for it; a non-strict price problem becomes a
    warning and the analysis goes on without cost."""
    if options.billing is None or options.price_table is None:
        return analysis
    priced, problem = price_or_explain(analysis, options.billing, options.price_table,
                                       options.strict_billing)
    if problem:
        priced.input.warnings.append(f"cost not computed: {problem}")
    for reason in (priced.summary.get("cost") or {}).get("incomplete", []):
        priced.input.warnings.append(f"cost incomplete, unpriced: {reason}")
    return priced


def analysis_from_observed(observed: Observed, paths: Sequence[str],
                           options: AnalyzeOptions) -> Analysis:
    """The unpriced analysis of what ``observe`` read.

    Input that holds only arrival traces (no platform records) is simulated under the default
    policy, and a warning says so; arrival traces beside logs are left out, with a warning.
    """
    if observed.arrivals_only:
        from lamlife.lifecycle.simulate.whatif import simulate_default

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
    return build_analysis(observed.invocations, observed.stats,
                          orphan_init_failures=observed.orphan_init_failures,
                          unused_inits=observed.unused_inits,
                          orphan_events=observed.orphan_events, functions=options.functions)


def analyze_paths(paths: Sequence[str], options: AnalyzeOptions | None = None,
                  progress: Callable[[int], None] | None = None) -> Analysis:
    """Read ``paths`` (files, directories, ``-``) and return the full analysis, priced when
    ``options.billing`` is set (see ``analysis_from_observed`` for arrival traces)."""
    options = options or AnalyzeOptions()
    observed = observe(paths, options, progress)
    return with_account(price(analysis_from_observed(observed, paths, options), options))


def with_account(analysis: Analysis) -> Analysis:
    """The analysis with its account-level table when it holds several functions."""
    if analysis.invocations["function"].nunique() > 1:
        analysis.account = account_table(analysis.invocations, analysis.environments)
    return analysis
