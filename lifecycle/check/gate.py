"""The analysis behind ``lamlife check`` and ``lamlife baseline``.

Read the inputs, keep the budget's functions (a filter on the invocation table before the
other tables and the summary are built), price the invocations, and flatten the summary into
metrics. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.billing.prices import PriceTable
from lamlife.lifecycle.billing.rules import BillingOptions, price_or_explain
from lamlife.lifecycle.check.budget import Budget
from lamlife.lifecycle.check.metrics import flat_metrics, is_cost_metric, without_invocations
from lamlife.lifecycle.errors import ConfigError, InputError
from lamlife.lifecycle.pipeline import AnalyzeOptions, analysis_from_observed, observe


@dataclass
class Measurement:
    """An analysis restricted to the selected functions, and its metrics."""

    analysis: Analysis
    metrics: dict[str, float]
    functions: tuple[str, ...] | None  # the selection applied; None: every function
    present: list[str]  # functions with invocations in the input (before the selection)
    missing_functions: list[str] = field(default_factory=list)  # selected, not in the input
    billing_error: str | None = None  # why there are no cost metrics, when pricing failed
    cost_incomplete: list[str] = field(default_factory=list)  # prices missing: what and why

    @property
    def warnings(self) -> list[str]:
        out = [
            f"function {name!r} of the selection has no invocations in the input"
            for name in self.missing_functions
        ]
        if self.billing_error:
            out.append(f"no cost metrics: {self.billing_error}")
        out.extend(f"cost incomplete, unpriced: {why}" for why in self.cost_incomplete)
        return out


def measure(
    paths: Sequence[str],
    options: AnalyzeOptions,
    functions: Sequence[str] | None = None,
    billing: BillingOptions | None = None,
    table: PriceTable | None = None,
    progress: Callable[[int], None] | None = None,
    strict_billing: bool = False,
) -> Measurement:
    """Analyze ``paths`` for ``functions`` (None: all), priced when ``billing`` and ``table``
    are given, and flatten the summary into metrics.

    InputError when none of the selected functions has an invocation in the input: a wrong
    name must not pass a budget as "no cold starts". A pricing failure is raised when
    ``strict_billing`` (the user chose the Region or price table, as ``lamlife analyze``
    treats it); otherwise it is recorded in ``billing_error`` and the cost metrics are absent.
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
            raise InputError(
                f"no invocations of function {names} in the input (functions seen: {seen})"
            )
    analysis = analysis_from_observed(observed, paths,
                                      replace(options, functions=selection or ()))
    billing_error = None
    if billing is not None and table is not None:
        analysis, billing_error = price_or_explain(analysis, billing, table, strict_billing)
    metrics = flat_metrics(analysis.summary, analysis.functions)
    incomplete = list((analysis.summary.get("cost") or {}).get("incomplete") or [])
    if incomplete:  # part of the cost is unknown: no cost metric can stand for the whole
        metrics = {k: v for k, v in metrics.items() if not is_cost_metric(k)}
    if not metrics.get("invocations"):
        metrics = without_invocations(metrics)
    return Measurement(analysis, metrics, selection, present, missing, billing_error,
                       incomplete)


def require_billing(budget: Budget, measurement: Measurement) -> None:
    """ConfigError naming the first cost limit when pricing failed, or when a price some of
    the selected invocations need is missing (a cost limit cannot be judged on part of the
    cost; the message names up to three unpriced parts and counts the rest). Limits that
    are not about cost never depend on prices."""
    if measurement.billing_error is None and not measurement.cost_incomplete:
        return
    for limit in budget.limits:
        if not is_cost_metric(limit.metric):
            continue
        if measurement.billing_error is not None:
            raise ConfigError(
                f"{budget.source}: {limit.kind}.{limit.metric}: cost metrics need billing, "
                f"which failed: {measurement.billing_error}"
            )
        unpriced = measurement.cost_incomplete
        more = f"; and {len(unpriced) - 3} more" if len(unpriced) > 3 else ""
        raise ConfigError(
            f"{budget.source}: {limit.kind}.{limit.metric}: the cost is incomplete, "
            f"unpriced: {'; '.join(unpriced[:3])}{more}"
        )
