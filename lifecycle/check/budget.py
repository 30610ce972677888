"""Budgets and baselines: limits on the metrics of an analysis, and their verdicts.

A budget is a YAML file::

    function: orders        # optional: a name or a list of names the limits apply to
    max:                    # absolute upper limits: value <= limit
      cold_start_rate: 0.05
      init_p95_ms: 800
    min:                    # absolute lower limits: value >= limit
      invocations: 1000
    max_increase:           # relative to a baseline, as fractions: 0.10 is +10 %
      cost_per_million_usd: 0.10

Metric names are those of ``lamlife.lifecycle.check.metrics``. A baseline is a JSON file of the
metrics of a known-good run (``save_baseline`` / ``load_baseline``).

Rules of ``evaluate``:

- ``max`` holds when ``value <= limit``, ``min`` when ``value >= limit``; a value within a
  relative 1e-9 of the limit counts as equal (float rounding).
- ``max_increase`` holds when ``(value - baseline) / baseline <= limit``. From a zero baseline
  the increase is 0 when the value is still 0 and infinite otherwise: any increase from 0 fails
  unless the limit is ``.inf``.
- A value (or baseline value) that is NaN means "no data" (e.g. no init was seen, so there is
  no init percentile, or the input had no invocation at all). Such a limit does not hold: its
  verdict is "no data" and the check fails, unless the budget allows it explicitly with
  ``allow_no_data: true`` (every limit) or ``allow_no_data: [metric, ...]`` (those metrics);
  an allowed limit without data is reported as not evaluated and does not fail. An empty or
  broken log window must never turn a check green.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import yaml

from lamlife.lifecycle.check.metrics import (
    METRIC_DOCS,
    is_cost_metric,
    missing_metric_reason,
    valid_metric_names,
)
from lamlife.lifecycle.errors import ConfigError
from lamlife.lifecycle.files import read_config_text, write_atomic

LimitKind = Literal["max", "min", "max_increase"]
LIMIT_KINDS: tuple[LimitKind, ...] = ("max", "min", "max_increase")
ALLOW_NO_DATA = "allow_no_data"
BUDGET_KEYS: tuple[str, ...] = ("function", *LIMIT_KINDS, ALLOW_NO_DATA)

BASELINE_FORMAT = "lamlife_baseline"
BASELINE_VERSION = 1

_REL_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Limit:
    metric: str
    kind: LimitKind
    limit: float


@dataclass(frozen=True)
class Budget:
    limits: tuple[Limit, ...]
    functions: tuple[str, ...] | None = None  # None: every function of the input
    source: str = "budget"
    # metrics whose limits hold without data; None: none (the default), ALL: every metric
    allow_no_data: frozenset[str] | None = None

    @property
    def needs_baseline(self) -> bool:
        return any(limit.kind == "max_increase" for limit in self.limits)

    def allows_no_data(self, metric: str) -> bool:
        """True when the budget lets a limit on ``metric`` pass without data."""
        allowed = self.allow_no_data
        return allowed is not None and (ALL_METRICS in allowed or metric in allowed)


ALL_METRICS = "*"  # in Budget.allow_no_data: every metric


@dataclass(frozen=True)
class Baseline:
    metrics: dict[str, float]
    created: str = ""
    inputs: tuple[str, ...] = ()
    functions: tuple[str, ...] | None = None
    lamlife_version: str = ""
    source: str = "baseline"


@dataclass(frozen=True)
class Verdict:
    metric: str
    kind: LimitKind
    limit: float
    value: float  # NaN: no data
    ok: bool
    baseline: float | None = None  # max_increase only
    increase: float | None = None  # max_increase only: (value - baseline) / baseline

    @property
    def status(self) -> Literal["pass", "fail", "no_data"]:
        """``no_data`` whenever the limit had no data (``ok`` says whether that was allowed)."""
        if self.no_data:
            return "no_data"
        return "pass" if self.ok else "fail"

    @property
    def no_data(self) -> bool:
        if math.isnan(self.value):
            return True
        return self.kind == "max_increase" and (self.baseline is None or math.isnan(self.baseline))


# --- loading and validating a budget -------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate mapping keys (a silent override hides mistakes)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise ConfigError(f"duplicate key {key!r} (line {key_node.start_mark.line + 1})")
        seen.add(key)
    return dict(loader.construct_mapping(node))


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _parse_functions(source: str, value: Any) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if (
        not isinstance(names, list)
        or not names
        or not all(isinstance(name, str) and name.strip() for name in names)
    ):
        raise ConfigError(
            f"{source}: 'function' must be a function name or a non-empty list of names, "
            f"got {value!r}"
        )
    return tuple(dict.fromkeys(name.strip() for name in names))


# metrics that are fractions from 0 to 1 (cold_start_rate, init_cost_share): a limit above 1
# is a percentage written as a number ("5" meant as 5 %), which could never fail
FRACTION_SUFFIXES = ("_rate", "_share")


def _is_float_text(text: str) -> bool:
    """True for text Python reads as a finite number ("1e-1", "5e3"): a number YAML left as
    text."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _parse_section(source: str, kind: LimitKind, section: Any) -> list[Limit]:
    if section is None:
        return []
    if not isinstance(section, Mapping):
        raise ConfigError(
            f"{source}: '{kind}' must be a mapping of metric name to number, "
            f"got {type(section).__name__}"
        )
    limits = []
    for metric, value in section.items():
        if not isinstance(metric, str):
            raise ConfigError(f"{source}: {kind}: metric names are strings, got {metric!r}")
        if isinstance(value, str) and _is_float_text(value):
            # YAML 1.1 reads 1e-1 (no dot) as text: a number the user meant
            raise ConfigError(f"{source}: {kind}.{metric}: YAML reads {value!r} as text, not a "
                              f"number; write it as {float(value)!r}")
        if not _is_number(value) or math.isnan(value):
            hint = " (a fraction: 0.10 means +10 %)" if kind == "max_increase" else ""
            raise ConfigError(f"{source}: {kind}.{metric} must be a number{hint}, got {value!r}")
        if kind in ("max", "min") and value < 0:
            # every metric is a count, a rate, a time or an amount: never below 0
            raise ConfigError(f"{source}: {kind}.{metric} is never negative, got {value!r} "
                              f"(a {kind} below 0 would always "
                              f"{'fail' if kind == 'max' else 'hold'})")
        if kind in ("max", "min") and metric.endswith(FRACTION_SUFFIXES) and value > 1:
            raise ConfigError(f"{source}: {kind}.{metric} is a fraction from 0 to 1 (0.05 means "
                              f"5 %), got {value!r}")
        limits.append(Limit(metric=metric, kind=kind, limit=float(value)))
    return limits


# a max_increase limit at or above this (+200 %) reads like a percentage written as a number
# ("20" meant as +20 %): allowed, since a limit may be loose on purpose, but warned about
LOOSE_INCREASE = 2.0


def budget_warnings(budget: Budget) -> list[str]:
    """One line per limit that is valid but probably not what was meant.

    Today: a ``max_increase`` limit of ``LOOSE_INCREASE`` or more (+200 %), the shape of a
    percentage written as a number (``cold_start_rate: 20`` allows +2000 %, not +20 %).
    ``.inf`` (no limit on the increase) is not warned about.
    """
    return [
        f"{budget.source}: max_increase.{limit.metric}: {limit.limit:g} allows "
        f"+{limit.limit * 100:,.0f} %; if you meant {limit.limit:g} %, write "
        f"{limit.limit / 100:g}"
        for limit in budget.limits
        if limit.kind == "max_increase" and LOOSE_INCREASE <= limit.limit < math.inf
    ]


# metrics whose meaning changed: a baseline without the marker metric was written before
# (init_* then counted provisioned and proactive inits; lamlife 0.1.0 wrote both shapes)
_INIT_SPLIT_MARKER = "init_ahead_of_demand_count"


def baseline_warnings(budget: Budget, baseline: Baseline) -> list[str]:
    """One line when a ``max_increase`` limit on an ``init_*`` metric compares with a baseline
    written before those metrics left out the inits ahead of demand (provisioned and
    proactive; docs/check.md): such a baseline has no ``init_ahead_of_demand_count``, and
    its ``init_*`` values may count inits no caller waited for."""
    stale = sorted({limit.metric for limit in budget.limits
                    if limit.kind == "max_increase" and limit.metric.startswith("init_")
                    and not limit.metric.startswith("init_ahead_of_demand")
                    and limit.metric in baseline.metrics})
    if not stale or _INIT_SPLIT_MARKER in baseline.metrics:
        return []
    return [f"{baseline.source}: written before {', '.join(stale)} left out provisioned and "
            "proactive inits (it has no init_ahead_of_demand_count), so it may count them; "
            "write the baseline again with 'lamlife baseline'"]


def _parse_allow_no_data(source: str, value: Any) -> frozenset[str] | None:
    """``allow_no_data``: false (the default), true (every limit) or a list of metric names."""
    if value is None or value is False:
        return None
    if value is True:
        return frozenset({ALL_METRICS})
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and value and all(
            isinstance(name, str) and name.strip() for name in value):
        return frozenset(name.strip() for name in value)
    raise ConfigError(
        f"{source}: '{ALLOW_NO_DATA}' must be true, false or a list of metric names whose "
        f"limits may pass without data, got {value!r}"
    )


def parse_budget(data: Any, source: str = "budget") -> Budget:
    """A Budget from the parsed YAML ``data``; ConfigError naming the bad key otherwise.

    Metric names are checked against an analysis's metrics later (``check_metric_names``):
    which names exist depends on the summary (e.g. cost metrics need billing).
    """
    if data is None:
        raise ConfigError(
            f"{source}: the budget is empty; it needs limits under 'max', 'min' or 'max_increase'"
        )
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: a budget is a mapping with keys {', '.join(BUDGET_KEYS)}")
    for key in data:
        if key not in BUDGET_KEYS:
            raise ConfigError(
                f"{source}: unknown key {key!r}; valid keys: {', '.join(BUDGET_KEYS)}"
            )
    functions = _parse_functions(source, data["function"]) if "function" in data else None
    limits: list[Limit] = []
    for kind in LIMIT_KINDS:
        limits.extend(_parse_section(source, kind, data.get(kind)))
    if not limits:
        raise ConfigError(
            f"{source}: the budget has no limits under 'max', 'min' or 'max_increase'"
        )
    allowed = _parse_allow_no_data(source, data.get(ALLOW_NO_DATA))
    limited = {limit.metric for limit in limits}
    for name in sorted((allowed or frozenset()) - {ALL_METRICS} - limited):
        raise ConfigError(
            f"{source}: {ALLOW_NO_DATA}: {name!r} has no limit in this budget "
            f"(limited metrics: {', '.join(sorted(limited))})"
        )
    return Budget(limits=tuple(limits), functions=functions, source=source,
                  allow_no_data=allowed)


def load_budget(path: str | Path) -> Budget:
    """Read and validate a budget YAML file."""
    source = str(path)
    text = read_config_text(path, "budget")
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass: safe
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from exc
    except RecursionError:
        raise ConfigError(f"{source}: not a budget (YAML nested too deeply)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{source}: not valid YAML{where}: {problem}") from exc
    return parse_budget(data, source)


def check_metric_names(budget: Budget, available: Mapping[str, float]) -> None:
    """ConfigError when a limit names a metric the analysis does not have.

    Unknown names get the list of valid ones; documented names that this analysis did not
    produce (cost without billing) get the reason.
    """
    for limit in budget.limits:
        if limit.metric in available:
            continue
        if limit.metric in METRIC_DOCS:
            raise ConfigError(
                f"{budget.source}: {limit.kind}.{limit.metric}: "
                f"{missing_metric_reason(limit.metric)}"
            )
        valid = valid_metric_names(available)
        close = difflib.get_close_matches(limit.metric, valid, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(
            f"{budget.source}: {limit.kind}: unknown metric {limit.metric!r}; {hint}"
            f"valid metrics: {', '.join(valid)}"
        )


# --- baselines -----------------------------------------------------------------------------


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else value


def baseline_document(
    metrics: Mapping[str, float],
    inputs: Sequence[str],
    functions: Sequence[str] | None = None,
    created: datetime | None = None,
    lamlife_version: str = "",
) -> dict[str, Any]:
    """The JSON-ready baseline: a version key, the metrics (NaN as null) and provenance."""
    when = created or datetime.now(timezone.utc)  # noqa: UP017 - datetime.UTC needs 3.11
    return {
        BASELINE_FORMAT: BASELINE_VERSION,
        "created": when.isoformat(timespec="seconds"),
        "lamlife_version": lamlife_version,
        "inputs": list(inputs),
        "functions": None if functions is None else list(functions),
        "metrics": {name: _json_number(float(v)) for name, v in sorted(metrics.items())},
    }


def baseline_json(document: Mapping[str, Any]) -> str:
    """The text of a baseline file: ``document`` as indented JSON, one final newline."""
    return json.dumps(document, indent=2, allow_nan=False) + "\n"


def save_baseline(path: str | Path, document: Mapping[str, Any]) -> None:
    """Write the baseline whole or not at all: a failed write keeps the previous baseline."""
    try:
        write_atomic(path, baseline_json(document))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the baseline: {exc.strerror or exc}") from exc


def parse_baseline(data: Any, source: str = "baseline") -> Baseline:
    if not isinstance(data, Mapping) or BASELINE_FORMAT not in data:
        raise ConfigError(
            f"{source}: not a lamlife baseline (no {BASELINE_FORMAT!r} key); "
            "write one with 'lamlife baseline'"
        )
    version = data[BASELINE_FORMAT]
    if version != BASELINE_VERSION:
        raise ConfigError(
            f"{source}: baseline format version {version!r} is not supported "
            f"(this lamlife reads version {BASELINE_VERSION})"
        )
    raw = data.get("metrics")
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{source}: 'metrics' must be a mapping of metric name to number")
    metrics: dict[str, float] = {}
    for name, value in raw.items():
        if value is None:
            metrics[str(name)] = math.nan
        elif _is_number(value):
            metrics[str(name)] = float(value)
        else:
            raise ConfigError(f"{source}: metrics.{name} must be a number or null, got {value!r}")
    functions = data.get("functions")
    inputs = data.get("inputs") or []
    return Baseline(
        metrics=metrics,
        created=str(data.get("created", "")),
        inputs=tuple(str(i) for i in inputs) if isinstance(inputs, list) else (),
        functions=tuple(str(f) for f in functions) if isinstance(functions, list) else None,
        lamlife_version=str(data.get("lamlife_version", "")),
        source=source,
    )


def load_baseline(path: str | Path) -> Baseline:
    source = str(path)
    text = read_config_text(path, "baseline")

    def no_constants(name: str) -> Any:
        # NaN and Infinity are not JSON (RFC 8259); a missing value is written as null
        raise ConfigError(f"{source}: {name} is not a JSON number; a value without data is null")

    if not text.lstrip().startswith("{"):  # e.g. the logs themselves passed as the baseline
        raise ConfigError(f"{source}: not a lamlife baseline (the JSON object written by "
                          "'lamlife baseline PATH... --output FILE')")
    try:
        data = json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several JSON objects: e.g. fetched JSON lines
            raise ConfigError(f"{source}: not a lamlife baseline (one JSON object, written by "
                              "'lamlife baseline PATH... --output FILE'); this holds several "
                              f"(a second one on line {exc.lineno})") from exc
        raise ConfigError(f"{source}: not valid JSON (line {exc.lineno}): {exc.msg}") from exc
    except RecursionError:
        raise ConfigError(f"{source}: not a lamlife baseline (nested too deeply)") from None
    return parse_baseline(data, source)


# --- evaluation ----------------------------------------------------------------------------


def _at_most(value: float, limit: float) -> bool:
    return value <= limit or math.isclose(value, limit, rel_tol=_REL_TOLERANCE)


def relative_increase(value: float, baseline: float) -> float:
    """(value - baseline) / |baseline|; from 0: 0 when still 0, +/-inf otherwise."""
    if baseline == 0:
        if value == 0:
            return 0.0
        return math.inf if value > 0 else -math.inf
    return (value - baseline) / abs(baseline)


def evaluate(
    metrics: Mapping[str, float],
    budget: Budget,
    baseline: Baseline | Mapping[str, float] | None = None,
) -> list[Verdict]:
    """One Verdict per limit of ``budget``, in the budget's order.

    ConfigError when a limit names a metric ``metrics`` lacks, when a ``max_increase`` limit
    has no baseline, or when the baseline lacks the metric.
    """
    check_metric_names(budget, metrics)
    base: Mapping[str, float] | None
    base_source = "baseline"
    if isinstance(baseline, Baseline):
        base, base_source = baseline.metrics, baseline.source
    else:
        base = baseline
    verdicts: list[Verdict] = []
    for limit in budget.limits:
        value = float(metrics[limit.metric])
        missing_ok = budget.allows_no_data(limit.metric)
        if limit.kind == "max":
            ok = missing_ok if math.isnan(value) else _at_most(value, limit.limit)
            verdicts.append(Verdict(limit.metric, limit.kind, limit.limit, value, ok))
        elif limit.kind == "min":
            ok = missing_ok if math.isnan(value) else _at_most(limit.limit, value)
            verdicts.append(Verdict(limit.metric, limit.kind, limit.limit, value, ok))
        else:
            if base is None:
                raise ConfigError(
                    f"{budget.source}: max_increase.{limit.metric} needs a baseline "
                    "(--baseline FILE, written by 'lamlife baseline')"
                )
            if limit.metric not in base:
                raise ConfigError(
                    f"{base_source}: has no metric {limit.metric!r} for "
                    f"max_increase.{limit.metric}"
                    + (
                        " (cost metrics need billing when the baseline is written)"
                        if is_cost_metric(limit.metric)
                        else ""
                    )
                )
            before = float(base[limit.metric])
            if math.isnan(value) or math.isnan(before):
                verdicts.append(
                    Verdict(limit.metric, limit.kind, limit.limit, value, missing_ok, before,
                            None)
                )
                continue
            increase = relative_increase(value, before)
            ok = increase <= limit.limit or (
                math.isfinite(increase)
                and math.isclose(increase, limit.limit, rel_tol=_REL_TOLERANCE, abs_tol=1e-12)
            )
            verdicts.append(
                Verdict(limit.metric, limit.kind, limit.limit, value, ok, before, increase)
            )
    return verdicts


def failed(verdicts: Sequence[Verdict]) -> list[Verdict]:
    return [v for v in verdicts if not v.ok]
