"""What-if runs: a trace (arrival CSV or logs) through a policy, compared with what happened.

This module ties the pieces together for ``lamlife simulate`` (and for ``lamlife analyze`` on
an arrival CSV): it loads a trace, builds the simulated :class:`Analysis` with
``pipeline.build_analysis``, prices it with ``billing.price_invocations`` when asked, and
produces the side-by-side comparison with the observed run and the sweep rows. Nothing here
prints; notes for the user are returned as strings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.analysis import Analysis, InputStats
from lamlife.lifecycle.arrivals import (
    ArrivalColumns,
    Arrivals,
    arrivals_from_invocations,
    read_arrivals,
    sniff_arrival_csv,
)
from lamlife.lifecycle.billing import BillingOptions, price_analysis, price_invocations
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.pricing import PriceTable
from lamlife.lifecycle.schema import COLD_START_TYPES, INVOCATION_COLUMNS
from lamlife.lifecycle.simulate import (
    DEFAULT_INIT_MS,
    DEFAULT_KEEP_ALIVE_S,
    DEFAULT_MAX_LIFETIME_S,
    Policy,
    SimulationResult,
    ms_to_timestamps,
    simulate,
)

# Lambda's default memory size (docs configuration-memory.html: "128 MB" default), used to
# price a trace that says nothing about memory.
DEFAULT_MEMORY_MB = 128.0

KEEP_ALIVE_SOURCE = (
    "640 s: measured on AWS in 2020 (pacslab/serverless-performance-modeling; 636-646 s); "
    "10 min in 2019 and about 6.3 min in 2021 (mikhail.io) - sweep it with --keep-alive"
)
MAX_LIFETIME_SOURCE = "about 2 h: longest-lived busy environments in the 2020 AWS traces"


@dataclass
class Trace:
    """What the simulator replays, and the observed run when the input had environments."""

    arrivals: Arrivals
    observed: Analysis | None
    kind: str  # "arrival-csv" or "logs"
    sources: list[str] = field(default_factory=list)


@dataclass
class Pricing:
    """How to price runs: billing options and the price table."""

    options: BillingOptions
    table: PriceTable


@dataclass
class WhatIf:
    """One simulated run of a trace."""

    policy: Policy
    result: SimulationResult
    analysis: Analysis  # the simulated tables + summary (with summary["cost"] when priced)
    observed: Analysis | None
    comparison: list[dict[str, Any]]  # metric, observed, simulated, unit
    notes: list[str]


# ---------------------------------------------------------------------------- loading


def load_trace(
    paths: Sequence[str],
    columns: ArrivalColumns | None = None,
    function: str | None = None,
    memory_mb: float | None = None,
) -> Trace:
    """Read arrival CSVs, or logs through the observed engine. Raises InputError.

    ``memory_mb`` fills the memory size where the input does not give it.
    """
    from lamlife.lifecycle.pipeline import AnalyzeOptions, build_analysis, observe

    columns = columns or ArrivalColumns()
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
        observed = observe(log_paths, AnalyzeOptions(function=function))
        for p in observed.arrivals:  # arrival CSVs found inside directories
            parts.append(read_arrivals(p, columns, function))
        if len(observed.invocations):
            if parts:
                raise InputError(
                    "give either arrival CSVs or logs to simulate, not both "
                    f"({(csv_paths or observed.arrivals)[0]} is an arrival CSV)"
                )
            observed_analysis = build_analysis(
                observed.invocations, observed.stats,
                orphan_init_failures=observed.orphan_init_failures,
                unused_inits=observed.unused_inits, orphan_events=observed.orphan_events,
            )
            arrivals = arrivals_from_invocations(observed.invocations, observed.stats)
            _fill_memory(arrivals, memory_mb, observed.stats.configurations)
            return Trace(arrivals, observed_analysis, "logs", list(paths))
        if not parts:
            raise InputError(f"{', '.join(log_paths)}: no invocations to simulate")
    arrivals = _concat(parts)
    _fill_memory(arrivals, memory_mb, {})
    if arrivals.environment is not None and np.any(arrivals.environment != ""):
        observed_analysis = build_analysis(observed_from_arrivals(arrivals), arrivals.stats)
    return Trace(arrivals, observed_analysis, kind, list(paths))


def _concat(parts: list[Arrivals]) -> Arrivals:
    if len(parts) == 1:
        return parts[0]

    def cat(name: str) -> np.ndarray | None:
        values = [getattr(p, name) for p in parts]
        if all(v is None for v in values):
            return None
        filled = []
        for p, v in zip(parts, values, strict=True):
            if v is None:
                default: Any = {"memory_mb": math.nan, "cold": False, "status": "success"}.get(
                    name, ""
                )
                v = np.full(len(p), default, dtype=float if name == "memory_mb" else object)
            filled.append(v)
        return np.concatenate(filled)

    stats = InputStats()
    for p in parts:
        stats.files += p.stats.files
        stats.lines += p.stats.lines
        stats.records += p.stats.records
        stats.malformed += p.stats.malformed
        stats.malformed_examples += p.stats.malformed_examples
        stats.warnings += p.stats.warnings
        for k, v in p.stats.formats.items():
            stats.formats[k] = stats.formats.get(k, 0) + v
    merged = Arrivals(
        start_ms=np.concatenate([p.start_ms for p in parts]),
        duration_ms=np.concatenate([p.duration_ms for p in parts]),
        function=np.concatenate([p.function for p in parts]),
        version=np.concatenate([p.version for p in parts]),
        request_id=cat("request_id"),
        status=cat("status"),
        error_type=cat("error_type"),
        flags=cat("flags"),
        memory_mb=cat("memory_mb"),
        init_samples_ms=np.concatenate([p.init_samples_ms for p in parts]),
        restore_samples_ms=np.concatenate([p.restore_samples_ms for p in parts]),
        environment=cat("environment"),
        cold=cat("cold"),
        stats=stats,
        time_unit=",".join(sorted({p.time_unit for p in parts if p.time_unit})),
    )
    if merged.cold is not None:
        merged.cold = merged.cold.astype(bool)
    order = np.argsort(merged.start_ms, kind="stable")
    return merged.select(order)


def _fill_memory(
    arrivals: Arrivals, memory_mb: float | None, configurations: dict[str, dict[str, Any]]
) -> None:
    """Memory size where the input has none: --memory-mb, else the configuration, else 128."""
    n = len(arrivals)
    memory = arrivals.memory_mb if arrivals.memory_mb is not None else np.full(n, math.nan)
    memory = memory.astype(float).copy()
    missing = ~np.isfinite(memory)
    if memory_mb is not None:
        memory[missing] = memory_mb
    elif missing.any():
        for f in np.unique(arrivals.function[missing]).tolist():
            cfg = configurations.get(str(f)) or {}
            cfg_mem = cfg.get("memory_mb", cfg.get("memory_size"))
            rows = missing & (arrivals.function == f)
            if isinstance(cfg_mem, int | float) and not isinstance(cfg_mem, bool):
                memory[rows] = float(cfg_mem)
            else:
                memory[rows] = DEFAULT_MEMORY_MB
                arrivals.stats.warnings.append(
                    f"{f}: memory size unknown, priced at {DEFAULT_MEMORY_MB:g} MB "
                    "(Lambda's default; lamlife simulate --memory-mb sets it)"
                )
    arrivals.memory_mb = memory


def observed_from_arrivals(arrivals: Arrivals) -> pd.DataFrame:
    """An observed invocation table from an arrival CSV that names each request's environment.

    The start type is the CSV's cold flag when it has one; otherwise the first request of each
    environment counts as cold. Rows without an environment are left out.
    """
    assert arrivals.environment is not None
    has_env = arrivals.environment != ""
    a = arrivals.select(has_env)
    n = len(a)
    env = a.environment if a.environment is not None else np.full(n, "", dtype=object)
    frame = pd.DataFrame({"function": a.function, "environment": env, "t": a.start_ms})
    first = ~frame.duplicated(["function", "environment"], keep="first").to_numpy()
    cold = a.cold if a.cold is not None else first
    init = np.full(n, math.nan)
    start = a.start_ms
    nan = np.full(n, math.nan)
    table = pd.DataFrame(
        {
            "function": a.function,
            "version": a.version,
            "environment": env,
            "request_id": a.request_id if a.request_id is not None else np.full(n, "", object),
            "start": ms_to_timestamps(start),
            "end": ms_to_timestamps(start + a.duration_ms),
            "start_type": np.where(cold, "cold", "warm").astype(object),
            "reason": np.full(n, "", dtype=object),
            "status": a.status if a.status is not None else np.full(n, "success", object),
            "error_type": a.error_type if a.error_type is not None else np.full(n, "", object),
            "duration_ms": a.duration_ms,
            "billed_duration_ms": nan,
            "init_duration_ms": init,
            "restore_duration_ms": nan,
            "billed_restore_duration_ms": nan,
            "memory_mb": a.memory_mb if a.memory_mb is not None else nan,
            "max_memory_used_mb": nan,
            "init_type": np.full(n, "", dtype=object),
            "runtime_version": np.full(n, "", dtype=object),
            "init_failures": np.zeros(n, dtype=np.int64),
            "flags": a.flags if a.flags is not None else np.full(n, "", object),
        },
        columns=list(INVOCATION_COLUMNS),
    )
    return table.sort_values(["function", "environment", "start"], kind="stable").reset_index(
        drop=True
    )


# ---------------------------------------------------------------------------- policies


def default_policy(arrivals: Arrivals, **overrides: Any) -> tuple[Policy, list[str]]:
    """The default policy for a trace, and notes saying where its init values come from.

    Init: the observed Init Durations of the input when it has some, else 500 ms. Restore:
    the observed Restore Durations, when any. ``describe_policy`` gives the other sources.
    """
    notes: list[str] = []
    init: float | tuple[float, ...]
    if arrivals.init_samples_ms.size:
        init = tuple(arrivals.init_samples_ms.tolist())
        notes.append(f"init durations sampled from the {arrivals.init_samples_ms.size} "
                     "observed in the input")
    else:
        init = DEFAULT_INIT_MS
        notes.append(f"no init durations in the input: each cold start assumed to take "
                     f"{DEFAULT_INIT_MS:g} ms (lamlife simulate --init-ms sets it)")
    policy = Policy(init_ms=init)
    if "restore_ms" not in overrides and arrivals.restore_samples_ms.size:
        policy = replace(policy, restore_ms=tuple(arrivals.restore_samples_ms.tolist()))
    return replace(policy, **overrides), notes


def describe_policy(policy: Policy) -> dict[str, Any]:
    """The policy as plain values for reports."""

    def dist(value: float | tuple[float, ...] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        if isinstance(value, int | float):
            return {"fixed_ms": float(value)}
        arr = np.asarray(value, dtype=float)
        return {
            "sampled_from": int(arr.size),
            "p50_ms": float(np.percentile(arr, 50)),
            "p99_ms": float(np.percentile(arr, 99)),
        }

    return {
        "keep_alive_s": policy.keep_alive_s,
        "keep_alive_source": KEEP_ALIVE_SOURCE if policy.keep_alive_s == DEFAULT_KEEP_ALIVE_S
        else "given",
        "max_lifetime_s": policy.max_lifetime_s,
        "max_lifetime_source": MAX_LIFETIME_SOURCE
        if policy.max_lifetime_s == DEFAULT_MAX_LIFETIME_S else "given",
        "provisioned": policy.provisioned,
        "prewarmed": policy.prewarmed,
        "init": dist(policy.init_ms),
        "snapstart": policy.snapstart,
        "restore": dist(policy.restore_ms) if policy.snapstart else None,
        "reset_on_failure": policy.reset_on_failure,
        "routing": "most recently used idle environment",
        "seed": policy.seed,
    }


# ---------------------------------------------------------------------------- running


def run_policy(arrivals: Arrivals, policy: Policy) -> SimulationResult:
    """Simulate the arrivals under the policy."""
    return simulate(
        arrivals.start_ms,
        arrivals.duration_ms,
        policy,
        function=arrivals.function,
        version=arrivals.version,
        request_id=arrivals.request_id,
        status=arrivals.status,
        error_type=arrivals.error_type,
        flags=arrivals.flags,
        memory_mb=arrivals.memory_mb if arrivals.memory_mb is not None else math.nan,
    )


def price(
    analysis: Analysis, pricing: Pricing, provisioned: int | None = None
) -> Analysis:
    """The analysis with cost columns on its invocations and ``summary["cost"]``."""
    options = pricing.options
    if provisioned is not None:
        options = replace(options, provisioned=provisioned)
    return price_analysis(analysis, options, pricing.table)


def simulate_trace(trace: Trace, policy: Policy, pricing: Pricing | None = None) -> WhatIf:
    """One simulated run, its analysis, and the comparison with the observed run."""
    from lamlife.lifecycle.pipeline import build_analysis

    result = run_policy(trace.arrivals, policy)
    stats = replace(trace.arrivals.stats, warnings=list(trace.arrivals.stats.warnings))
    analysis = build_analysis(result.invocations, stats)
    observed = trace.observed
    notes: list[str] = []
    if pricing is not None:
        analysis = price(analysis, pricing, provisioned=policy.provisioned)
        if observed is not None:
            observed = price(observed, pricing)
    comparison = compare(observed, analysis, result)
    return WhatIf(policy, result, analysis, observed, comparison, notes)


def init_wait_s(inv: pd.DataFrame) -> float:
    """Seconds callers waited for inits (cold) and restores (restore).

    Re-inits are left out: logs do not say how much of a reinit's Duration was the re-init.
    """
    if inv.empty:
        return 0.0
    types = inv["start_type"].to_numpy()
    init = np.nan_to_num(inv["init_duration_ms"].to_numpy(dtype=float))
    restore = np.nan_to_num(inv["restore_duration_ms"].to_numpy(dtype=float))
    waited = np.where(types == "cold", init, 0.0) + np.where(types == "restore", restore, 0.0)
    return float(waited.sum()) / 1000.0


def _cost(analysis: Analysis, key: str) -> float | None:
    cost = analysis.summary.get("cost")
    if not isinstance(cost, dict):
        return None
    value = cost.get(key)
    return float(value) if isinstance(value, int | float) else None


def compare(
    observed: Analysis | None, simulated: Analysis, result: SimulationResult
) -> list[dict[str, Any]]:
    """Rows of (metric, observed, simulated, unit); observed is None without an observed run."""

    def row(metric: str, unit: str, obs: Any, sim: Any) -> dict[str, Any]:
        return {"metric": metric, "unit": unit, "observed": obs, "simulated": sim}

    def side(a: Analysis | None, key: str) -> Any:
        return None if a is None else a.summary.get(key)

    rows = [
        row("invocations", "count", side(observed, "invocations"),
            simulated.summary["invocations"]),
        row("environments", "count", side(observed, "environments"),
            simulated.summary["environments"]),
        row("cold_starts", "count", side(observed, "cold_starts"),
            simulated.summary["cold_starts"]),
        row("cold_start_rate", "share", side(observed, "cold_start_rate"),
            simulated.summary["cold_start_rate"]),
        row("init_wait_s", "s", None if observed is None else init_wait_s(observed.invocations),
            init_wait_s(simulated.invocations)),
    ]
    sim_cost = _cost(simulated, "total_usd")
    if sim_cost is not None:
        rows.append(row("cost_usd", "usd",
                        None if observed is None else _cost(observed, "total_usd"), sim_cost))
        rows.append(row("init_cost_usd", "usd",
                        None if observed is None else _cost(observed, "init_usd"),
                        _cost(simulated, "init_usd")))
    return rows


def sweep_trace(
    trace: Trace,
    base: Policy,
    parameter: str,
    values: Iterable[Any],
    pricing: Pricing | None = None,
) -> list[dict[str, Any]]:
    """One row per value of one policy parameter: cold starts, added latency, cost."""
    if parameter not in Policy.__dataclass_fields__:
        raise InputError(f"cannot sweep {parameter!r}: not a policy parameter")
    rows = []
    for value in values:
        policy = replace(base, **{parameter: value})
        result = run_policy(trace.arrivals, policy)
        inv = result.invocations
        n = len(inv)
        cold = int(np.isin(inv["start_type"].to_numpy(), COLD_START_TYPES).sum())
        latency = result.added_latency_ms
        out: dict[str, Any] = {
            "parameter": parameter,
            "value": value,
            "invocations": n,
            "environments": int(inv["environment"].nunique()),
            "cold_starts": cold,
            "cold_start_rate": cold / n if n else 0.0,
            "added_latency_p99_ms": float(np.percentile(latency, 99)) if n else 0.0,
            "added_latency_max_ms": float(latency.max()) if n else 0.0,
            "init_wait_s": float(latency.sum()) / 1000.0,
        }
        if pricing is not None:
            _, cost = price_invocations(
                inv, replace(pricing.options, provisioned=policy.provisioned), pricing.table,
                trace.arrivals.stats.configurations,
            )
            out["cost_usd"] = cost.get("total_usd")
            out["provisioned_allocation_usd"] = cost.get("provisioned_allocation_usd")
            out["init_cost_usd"] = cost.get("init_usd")
        rows.append(out)
    return rows


def simulate_default(
    paths: Sequence[str], function: str | None = None, pricing: Pricing | None = None
) -> tuple[WhatIf, list[str]]:
    """``lamlife analyze`` on an arrival CSV: the default policy, and notes that say so."""
    trace = load_trace(paths, function=function)
    policy, notes = default_policy(trace.arrivals)
    notes.insert(0, "the input has arrivals only: environments were simulated with the default "
                    f"policy (keep-alive {policy.keep_alive_s:g} s, max lifetime "
                    f"{policy.max_lifetime_s:g} s, most recently used idle environment first; "
                    "see lamlife simulate)")
    whatif = simulate_trace(trace, policy, pricing)
    whatif.notes.extend(notes)
    return whatif, notes
