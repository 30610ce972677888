"""The Python API: ``lamlife.analyze`` and ``lamlife.simulate`` (docs/api.md).

Both take what the command line takes, as keyword arguments, and return the tables as pandas
DataFrames with the summary as a dict (the ``summary`` object of ``lamlife analyze --format
json``). Errors are :class:`lamlife.lifecycle.errors.LamlifeError` subclasses (``InputError``
for unreadable input or a bad option value); nothing is printed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from lamlife.lifecycle.analysis import Analysis, PricedOnRead, describe, same_values
from lamlife.lifecycle.billing.choices import billing_options
from lamlife.lifecycle.billing.prices import load_table
from lamlife.lifecycle.billing.rules import BillingOptions
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths, time_window

PathsLike = str | PathLike[str] | Sequence[str | PathLike[str]]


def _analysis_rows(result: AnalysisResult, given: pd.DataFrame) -> pd.DataFrame | None:
    """The analysis's ``invocations`` (priced and with RequestIds as text on this first read,
    and kept there) when ``given`` is the held table of an analysis whose rows are not made
    whole yet (``Analysis.rows_pending``); else None: ``given`` is the table."""
    analysis = result.analysis
    if analysis is None or not analysis.rows_pending \
            or given is not analysis.held_invocations:
        return None
    return analysis.invocations


@dataclass(repr=False, eq=False)
class AnalysisResult:
    """One analysis: the summary and the four tables (column contracts in
    ``lamlife.lifecycle.schema``; times are UTC, durations ms, money USD).

    ``invocations`` is the analysis's table: its per-row priced columns are made on its first
    read (docs/api.md). ``repr`` and ``==`` do not price them: ``repr`` is one line (counts,
    priced or not); two results are equal when their fields are, the invocation tables as
    held (``lamlife.lifecycle.analysis.Analysis`` compares its deferred prices)."""

    summary: dict[str, Any]  # the JSON summary: counts, cold_causes, init_duration_ms, cost
    if TYPE_CHECKING:
        invocations: pd.DataFrame
    else:  # one row per invocation, with start_type, reason, cost_usd: priced when read
        invocations: pd.DataFrame = PricedOnRead(_analysis_rows)
    environments: pd.DataFrame  # one row per execution environment
    functions: pd.DataFrame  # one row per (function, version)
    events: pd.DataFrame  # flagged lifecycle events (timeouts, re-inits, init failures, ...)
    input: dict[str, Any]  # how every input line was accounted for
    warnings: list[str] = field(default_factory=list)  # what the CLI would print on stderr
    analysis: Analysis | None = field(default=None, repr=False)  # the underlying object

    def __repr__(self) -> str:
        analysis = self.analysis
        return describe(type(self).__name__, self._held(), self.environments,
                        self.events, self.summary,
                        analysis is not None and analysis.deferred_prices is not None
                        and self._held() is analysis.held_invocations)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AnalysisResult) or type(other) is not type(self):
            return NotImplemented
        return all(same_values(self._held(), other._held())
                   if f.name == "invocations"
                   else same_values(getattr(self, f.name), getattr(other, f.name))
                   for f in fields(self))

    def _held(self) -> pd.DataFrame:
        """The invocation table as held now, never priced by this read."""
        table: pd.DataFrame = self.__dict__["invocations"]
        return table

    def to_json(self, include_invocations: bool = False) -> str:
        """The same JSON as ``lamlife analyze --format json`` (``--invocations``)."""
        from lamlife.reports.json_report import render_json

        assert self.analysis is not None
        return render_json(self.analysis, include_invocations=include_invocations)

    def to_dict(self, include_invocations: bool = False) -> dict[str, Any]:
        """:meth:`to_json` as a dict."""
        data: dict[str, Any] = json.loads(self.to_json(include_invocations))
        return data


@dataclass(repr=False, eq=False)  # AnalysisResult's: they never price the rows
class SimulationResult(AnalysisResult):
    """A simulated run: the same tables as an analysis, plus the policy, the comparison with
    the observed run (when the input had environments) and that observed run."""

    policy: dict[str, Any] = field(default_factory=dict)  # the simulated policy, described
    comparison: pd.DataFrame = field(default_factory=pd.DataFrame)  # metric/observed/simulated
    observed: AnalysisResult | None = None
    notes: list[str] = field(default_factory=list)


def _paths(paths: PathsLike) -> list[str]:
    if isinstance(paths, str | PathLike):
        return [str(Path(paths)) if str(paths) != "-" else "-"]
    out = [str(p) for p in paths]
    if not out:
        raise InputError("no input: give at least one path")
    return out


def _billing(region: str | None, architecture: str | None, package: str | None,
             runtime: str | None, provisioned: int | None,
             monthly_gb_seconds: float | None) -> BillingOptions:
    """The same BillingOptions the command-line options give."""
    return billing_options(region, architecture, package, runtime, provisioned,
                           monthly_gb_seconds)


def _result(analysis: Analysis) -> AnalysisResult:
    stats = analysis.input
    return AnalysisResult(
        summary=analysis.summary, invocations=analysis.held_invocations,  # priced when read
        environments=analysis.environments, functions=analysis.functions,
        events=analysis.events, input=stats.as_dict(), warnings=list(stats.warnings),
        analysis=analysis,
    )


def analyze(
    paths: PathsLike,
    *,
    function: str | Sequence[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    proactive_threshold_s: float = 10.0,
    region: str | None = None,
    architecture: str | None = None,
    package: str | None = None,
    runtime: str | None = None,
    provisioned: int | None = None,
    monthly_gb_seconds: float | None = None,
    pricing: str | PathLike[str] | None = None,
    price: bool = True,
) -> AnalysisResult:
    """Analyze log files, directories (read recursively) or ``"-"`` (stdin), as
    ``lamlife analyze`` does.

    ``function``: a name (or names) to select when the input names its functions, and the
    name of inputs that carry none. ``since``/``until``: keep invocations that started in
    that window (ISO 8601, epoch, ``now`` or a duration before now such as ``"2h"``).
    The billing options are those of the command line (``region`` default us-east-1,
    ``architecture`` x86_64 or arm64, ``pricing`` a price table YAML); ``price=False`` skips
    pricing. Raises InputError (unreadable input, bad option) or another LamlifeError.
    """
    names = (function,) if isinstance(function, str) else tuple(function or ())
    options = AnalyzeOptions(
        function=names[0] if len(names) == 1 else None,
        proactive_threshold_s=proactive_threshold_s,
        select=names,
        window=time_window(since, until),
    )
    if price:
        options.billing = _billing(region, architecture, package, runtime, provisioned,
                                   monthly_gb_seconds)
        options.price_table = load_table(Path(pricing) if pricing is not None else None)
        options.strict_billing = bool(region or pricing)
    return _result(analyze_paths(_paths(paths), options))


def simulate(
    paths: PathsLike,
    *,
    keep_alive: str | float | None = None,
    max_lifetime: str | float | None = None,
    provisioned: int | None = None,
    prewarmed: int = 0,
    init_ms: float | str | None = None,
    snapstart: bool | None = None,
    restore_ms: float | str | None = None,
    reset: bool = True,
    seed: int = 0,
    function: str | None = None,
    memory_mb: float | None = None,
    start_column: str | None = None,
    end_column: str | None = None,
    duration_column: str | None = None,
    environment_column: str | None = None,
    region: str | None = None,
    architecture: str | None = None,
    package: str | None = None,
    runtime: str | None = None,
    monthly_gb_seconds: float | None = None,
    pricing: str | PathLike[str] | None = None,
    price: bool = True,
) -> SimulationResult:
    """Replay the arrivals of an arrival CSV or of logs through a lifecycle policy, as one
    run of ``lamlife simulate``.

    ``keep_alive`` and ``max_lifetime`` are seconds or durations (``"10m"``, ``"2h"``;
    ``max_lifetime="none"`` for no limit); ``init_ms``/``restore_ms`` a number of ms or
    ``"observed"`` (sample the input's). The defaults are the command's (keep-alive 640 s,
    maximum lifetime 2 h; ``snapstart=None``: SnapStart when the input's cold starts are all
    restores; ``provisioned=None``: each function keeps the provisioned-concurrency
    environments the input showed: docs/simulate.md). Raises InputError for bad input or
    values.
    """
    from lamlife.lifecycle.pipeline import load_trace
    from lamlife.lifecycle.read.arrivals import ArrivalColumns
    from lamlife.lifecycle.simulate.scheduler import DEFAULT_KEEP_ALIVE_S, DEFAULT_MAX_LIFETIME_S
    from lamlife.lifecycle.simulate.whatif import (
        Pricing,
        build_policy,
        describe_policy,
        simulate_trace,
    )

    overrides: dict[str, Any] = {
        "keep_alive_s": _seconds(keep_alive, "keep_alive", DEFAULT_KEEP_ALIVE_S),
        "max_lifetime_s": _seconds(max_lifetime, "max_lifetime", DEFAULT_MAX_LIFETIME_S),
        # None: each function keeps the provisioned environments the input showed
        "provisioned": None if provisioned is None else int(provisioned),
        "prewarmed": int(prewarmed),
        "reset_on_failure": reset,
        "seed": seed,
    }
    if init_ms is not None:
        overrides["init_ms"] = init_ms
    if snapstart is not None:  # else: SnapStart when the input's cold starts are restores
        overrides["snapstart"] = snapstart
    if restore_ms is not None:  # without SnapStart: ignored, with a note
        overrides["restore_ms"] = restore_ms
    columns = ArrivalColumns(start=start_column, end=end_column, duration=duration_column,
                             environment=environment_column)
    trace = load_trace(_paths(paths), columns, function=function, memory_mb=memory_mb)
    policy, notes = build_policy(trace.arrivals, overrides)
    pricing_with = None
    if price:
        pricing_with = Pricing(
            _billing(region, architecture, package, runtime, None, monthly_gb_seconds),
            load_table(Path(pricing) if pricing is not None else None))
    whatif = simulate_trace(trace, policy, pricing_with, strict=bool(region or pricing))
    base = _result(whatif.analysis)
    warnings = list(base.warnings)
    if whatif.cost_problem:
        warnings.append(f"cost not computed: {whatif.cost_problem}")
    warnings += [f"cost incomplete, unpriced: {r}; its function left out of the cost "
                 "comparison" for r in whatif.cost_incomplete]
    return SimulationResult(
        summary=base.summary, invocations=whatif.analysis.held_invocations,
        environments=base.environments,
        functions=base.functions, events=base.events, input=base.input, warnings=warnings,
        analysis=whatif.analysis, policy=describe_policy(policy),
        comparison=pd.DataFrame(whatif.comparison, columns=["metric", "unit", "observed",
                                                            "simulated"]),
        observed=_result(whatif.observed) if whatif.observed is not None else None,
        notes=[*notes, *whatif.notes],
    )


def _seconds(value: str | float | None, name: str, default: float) -> float | None:
    """Seconds from a number or a duration text; None for "none" (no limit)."""
    from lamlife.lifecycle.read.timeparse import parse_duration

    if value is None:
        return default
    if isinstance(value, int | float):
        return float(value)
    text = value.strip().lower()
    if text in ("none", "off", "inf", "unlimited"):
        return None
    try:
        return float(text)
    except ValueError:
        pass
    seconds = parse_duration(text)
    if seconds is None:
        raise InputError(f"{name}: cannot read {value!r} as a duration (e.g. 640s, 10m, 2h)")
    return seconds
