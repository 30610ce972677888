"""What ``lamlife check`` and ``lamlife baseline`` judge: a ``Measurement`` (an analysis of
the budget's functions and its flat metrics; ``pipeline.measure`` makes one from paths) and
whether its cost can be judged (``require_billing``). Nothing here prints."""

from __future__ import annotations

from dataclasses import dataclass, field

from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.check.budget import Budget
from lamlife.lifecycle.check.metrics import is_cost_metric
from lamlife.lifecycle.errors import ConfigError


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
    selected: tuple[str, ...] = ()  # --function: only these functions (empty: no filter)

    @property
    def judged(self) -> list[str]:
        """The functions the metrics are of, as reports list them: the budget's selection
        (else every function with invocations), less those ``--function`` leaves out."""
        names = list(self.functions) if self.functions else list(self.present)
        return [n for n in names if n in self.selected] if self.selected else names

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
