"""What-if runs: a trace (arrival CSV or logs) through a policy, compared with what happened.

This module ties the pieces together for ``lamlife simulate`` (and for ``lamlife analyze`` on
an arrival CSV): given a trace (``pipeline.load_trace`` reads one), it builds the policy from
the user's overrides (``build_policy``), builds the simulated :class:`Analysis` with
``engine.summarize.build_analysis``,
prices it with ``billing.price_or_explain`` when asked, and produces the side-by-side
comparison with the observed run and the sweep rows. Nothing here prints; notes and price
problems for the user are returned as strings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.analysis import Analysis, InputStats
from lamlife.lifecycle.billing.prices import PriceTable
from lamlife.lifecycle.billing.rules import (
    BillingOptions,
    clean_amount,
    price_or_explain,
    price_summary,
)
from lamlife.lifecycle.engine.summarize import build_analysis
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.read.arrivals import (
    Arrivals,
)
from lamlife.lifecycle.schema import INVOCATION_COLUMNS
from lamlife.lifecycle.simulate.scheduler import (
    DEFAULT_INIT_MS,
    DEFAULT_KEEP_ALIVE_S,
    DEFAULT_MAX_LIFETIME_S,
    Durations,
    Policy,
    Samples,
    SimulationResult,
    ms_to_timestamps,
    run_summary,
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
    cost_problem: str | None = None  # why neither side was priced (lenient pricing only)
    # prices the table lacks ("function: reason", either side): those functions' invocations
    # are left out of that side's cost, the others' stay
    cost_incomplete: list[str] = field(default_factory=list)
    # the functions the comparison's cost rows leave out (sorted): those with a price missing
    # on either side; the cost rows compare the functions priced in full on both sides
    cost_left_out: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- loading


def concat_arrivals(parts: list[Arrivals]) -> Arrivals:
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
        runtime_version=cat("runtime_version"),
        init_samples_ms=np.concatenate([p.init_samples_ms for p in parts]),
        restore_samples_ms=np.concatenate([p.restore_samples_ms for p in parts]),
        init_sample_function=_cat_samples(parts, "init_samples_ms", "init_sample_function", ""),
        init_sample_version=_cat_samples(parts, "init_samples_ms", "init_sample_version", ""),
        restore_sample_function=_cat_samples(parts, "restore_samples_ms",
                                             "restore_sample_function", ""),
        restore_sample_version=_cat_samples(parts, "restore_samples_ms",
                                            "restore_sample_version", ""),
        billed_restore_samples_ms=_cat_samples(parts, "restore_samples_ms",
                                               "billed_restore_samples_ms", math.nan),
        provisioned_inits=sum(p.provisioned_inits for p in parts),
        provisioned_init_samples_ms=np.concatenate([p.provisioned_init_samples_ms
                                                    for p in parts]),
        provisioned_init_sample_function=_cat_samples(
            parts, "provisioned_init_samples_ms", "provisioned_init_sample_function", ""),
        provisioned_init_sample_version=_cat_samples(
            parts, "provisioned_init_samples_ms", "provisioned_init_sample_version", ""),
        proactive_inits=sum(p.proactive_inits for p in parts),
        provisioned_environments={k: v for p in parts
                                  for k, v in p.provisioned_environments.items()},
        environment=cat("environment"),
        cold=cat("cold"),
        stats=stats,
        time_unit=",".join(sorted({p.time_unit for p in parts if p.time_unit})),
    )
    if merged.cold is not None:
        merged.cold = merged.cold.astype(bool)
    order = np.argsort(merged.start_ms, kind="stable")
    return merged.select(order)


def _cat_samples(parts: list[Arrivals], samples: str, name: str, default: Any
                 ) -> np.ndarray | None:
    """One per-sample column of several parts (``default`` for a part without it); None when
    no part has it."""
    columns = [getattr(p, name) for p in parts]
    if all(c is None for c in columns):
        return None
    return np.concatenate([
        c if c is not None and c.size == getattr(p, samples).size
        else np.full(getattr(p, samples).size, default,
                     dtype=float if isinstance(default, float) else object)
        for p, c in zip(parts, columns, strict=True)])


def fill_memory(
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
            "runtime_version": a.runtime_version if a.runtime_version is not None
            else np.full(n, "", dtype=object),
            "init_failures": np.zeros(n, dtype=np.int8),  # all 0: the narrowest type, as analyze
            "flags": a.flags if a.flags is not None else np.full(n, "", object),
        },
        columns=list(INVOCATION_COLUMNS),
    )
    return table.sort_values(["function", "environment", "start"], kind="stable").reset_index(
        drop=True
    )


# ---------------------------------------------------------------------------- policies


# The value of an ``init_ms`` / ``restore_ms`` override that means "sample the input's own".
OBSERVED = "observed"
# The ``lamlife simulate`` option behind each duration override, named in errors.
_DURATION_OPTIONS = {"init_ms": "--init-ms", "restore_ms": "--restore-ms"}


def build_policy(
    arrivals: Arrivals, overrides: Mapping[str, Any] | None = None
) -> tuple[Policy, list[str]]:
    """The policy for a trace, and notes saying where its init values come from.

    ``overrides`` maps :class:`Policy` field names to the values the user gave; only the
    fields present are overridden (``max_lifetime_s: None`` means no limit). ``init_ms`` and
    ``restore_ms`` may also be :data:`OBSERVED`: the input's own Init / Restore Durations.

    Without an ``init_ms`` override, init is sampled from the input's Init Durations when it
    has some, else :data:`DEFAULT_INIT_MS`, and a note says which; with one there is no note.
    Without a ``restore_ms`` override, restore is sampled from the input's Restore Durations
    when any; without a ``snapstart`` override, an input whose cold starts are all SnapStart
    restores (Restore Durations, no Init Duration) is simulated with SnapStart, with a note.
    A ``restore_ms`` override for a run without SnapStart changes nothing: a note says so.
    Without a ``snapstart`` override, each function whose observed cold starts were all
    restores restores (``Policy.snapstart_functions``), the others init. Observed
    ``proactive`` inits are not modelled: a note counts them.
    ``describe_policy`` gives the sources of the other values. Raises InputError
    for a field that is not a policy's, ``observed`` without samples, SnapStart without
    restore durations, or a value no platform has (``Policy.validate``).
    """
    values = dict(overrides or {})
    unknown = sorted(set(values) - set(Policy.__dataclass_fields__))
    if unknown:
        raise InputError(f"not a policy parameter: {', '.join(unknown)}")
    notes: list[str] = []
    defaulted_init: list[int] = []  # the notes saying init was assumed, where there are some
    # provisioned inits that stand in for the on-demand inits a function does not have
    stand_ins = provisioned_stand_ins(arrivals)
    samples = {"init_ms": arrivals.init_samples_ms, "restore_ms": arrivals.restore_samples_ms}
    for name, observed in samples.items():
        if values.get(name) == OBSERVED:
            if observed.size == 0 and not (name == "init_ms" and stand_ins.any()):
                raise InputError(f"{_DURATION_OPTIONS[name]} observed: the input has no such "
                                 "durations; give a number")
            values[name] = observed_samples(arrivals, name)
    if "init_ms" not in values:
        if arrivals.init_samples_ms.size or stand_ins.any():
            values["init_ms"] = observed_samples(arrivals, "init_ms")
            if arrivals.init_samples_ms.size:
                notes.append(_init_samples_note(arrivals, int(stand_ins.sum())))
        else:
            values["init_ms"] = DEFAULT_INIT_MS
            defaulted_init.append(len(notes))
            notes.append(f"no init durations in the input: each cold start assumed to take "
                         f"{DEFAULT_INIT_MS:g} ms (lamlife simulate --init-ms sets it)")
    # functions whose observed cold starts were all SnapStart restores (decided per function
    # when the input says whose each restore was): they restore unless told otherwise
    restoring = (_restoring_functions(arrivals) if "snapstart" not in values
                 and arrivals.restore_samples_ms.size else [])
    if isinstance(values["init_ms"], Samples) and stand_ins.any():
        stood_in = sorted(set(map(str, np.asarray(
            arrivals.provisioned_init_sample_function)[stand_ins].tolist())) - set(restoring))
        if stood_in:
            defaulted_init.append(len(notes))  # with SnapStart no init is drawn: not said
            k = int(stand_ins.sum())
            notes.append(f"no on-demand init of {_names(stood_in)} in the input: "
                         f"{'its' if len(stood_in) == 1 else 'their'} new environments' inits "
                         f"drawn from {'its' if len(stood_in) == 1 else 'their'} own {k} "
                         f"provisioned-concurrency init{'' if k == 1 else 's'} (the same code, "
                         "run without the on-demand CPU boost, so likely longer than an "
                         "on-demand init; lamlife simulate --init-ms sets it)")
    if isinstance(values["init_ms"], Samples):
        lacking = [f for f in values["init_ms"].without_own(zip(
            arrivals.function.tolist(), arrivals.version.tolist(), strict=True))
            if f not in restoring]  # a function that restores draws no init: none assumed
        if lacking:
            defaulted_init.append(len(notes))
            notes.append(f"no on-demand init of {_names(lacking)} in the input: "
                         f"{'its' if len(lacking) == 1 else 'their'} new environments' inits "
                         f"assumed to take {DEFAULT_INIT_MS:g} ms (lamlife simulate --init-ms "
                         "sets it)")
    if values.get("provisioned") is None:
        # not told: every function keeps the provisioned environments the input showed
        values["provisioned"] = 0
        if arrivals.provisioned_environments:
            values["provisioned_by_group"] = tuple(
                (f, v, k) for (f, v), k in sorted(arrivals.provisioned_environments.items()))
            notes.append(_provisioned_note(arrivals.provisioned_environments))
    if "restore_ms" not in values and arrivals.restore_samples_ms.size:
        values["restore_ms"] = observed_samples(arrivals, "restore_ms")
    restores = arrivals.restore_samples_ms.size
    every = sorted(set(map(str, arrivals.function.tolist())))
    if restoring and restoring != every:
        # some functions restored, the others init: each keeps its own, unless told
        values["snapstart_functions"] = tuple(restoring)
        own = sum(1 for f in np.asarray(arrivals.restore_sample_function).tolist()
                  if f in restoring)
        notes.append(f"the cold starts of {_names(restoring)} are SnapStart restores: "
                     f"{'its' if len(restoring) == 1 else 'their'} new environments restore "
                     f"a snapshot, sampled from the {own} observed; other functions' new "
                     "environments init (lamlife simulate --snapstart / --no-snapstart sets "
                     "every function's)")
    elif "snapstart" not in values and restores:
        # the input's new environments restored a snapshot: simulate them so, unless told
        if not arrivals.init_samples_ms.size or restoring:
            values["snapstart"] = True
            for k in reversed(defaulted_init):  # with SnapStart no init is drawn: not assumed
                del notes[k]
            notes.append(f"the input's cold starts are SnapStart restores: new environments "
                         f"restore a snapshot, sampled from the {restores} observed "
                         f"(lamlife simulate --no-snapstart simulates inits)")
        else:
            notes.append(f"the input has {restores} SnapStart restore"
                         f"{'' if restores == 1 else 's'} besides its inits: new environments "
                         "init (lamlife simulate --snapstart restores)")
    if arrivals.proactive_inits:
        k = arrivals.proactive_inits
        notes.append(f"the input has {k} proactive init{'' if k == 1 else 's'} (an environment "
                     "Lambda initialized ahead of demand): not modelled, a simulated request "
                     "finding no idle environment is a cold start, so "
                     f"{'it may become a cold start' if k == 1 else 'they may become cold starts'}")
    policy = Policy(**values)
    if policy.snapstart and isinstance(policy.restore_ms, Samples):
        notes.extend(_restore_notes(arrivals, policy.restore_ms))
    elif policy.snapstart_functions and isinstance(policy.restore_ms, Samples):
        notes.extend(_restore_notes(arrivals, policy.restore_ms, restoring_only=True))
    if not policy.snapstart and not policy.snapstart_functions and "restore_ms" in (
            overrides or {}):
        # a restore duration given for a run without SnapStart would change nothing: say so
        notes.append("--restore-ms ignored: new environments init, they restore only with "
                     "SnapStart (lamlife simulate --snapstart)")
    if (policy.snapstart or policy.snapstart_functions) and policy.restore_ms is None:
        raise InputError("--snapstart needs restore durations: give --restore-ms "
                         "(a number of ms, or 'observed' when the input has some)")
    policy.validate()
    return policy, notes


def _restoring_functions(arrivals: Arrivals) -> list[str]:
    """The functions (sorted) whose observed on-demand cold starts were all SnapStart
    restores: Restore Durations of their own and no Init Duration of their own (an
    environment of a function with SnapStart restores a snapshot instead of running the
    INIT phase on demand, docs ``snapstart.html``). When the input does not say whose
    each sample was, the whole input decides: every function when it has restores and no
    inits, else none."""
    n_restore, n_init = arrivals.restore_samples_ms.size, arrivals.init_samples_ms.size
    r_function, i_function = arrivals.restore_sample_function, arrivals.init_sample_function
    every = sorted(set(map(str, arrivals.function.tolist())))
    if (r_function is None or r_function.size != n_restore or "" in r_function.tolist()
            or (n_init and (i_function is None or i_function.size != n_init
                            or "" in i_function.tolist()))):
        return every if n_restore and not n_init else []
    own_inits = set(map(str, i_function.tolist())) if n_init and i_function is not None \
        else set()
    return sorted(set(map(str, r_function.tolist())) - own_inits)


def observed_samples(arrivals: Arrivals, name: str) -> Samples:
    """The input's Init (``init_ms``) or Restore (``restore_ms``) Durations as
    :class:`Samples`, each with its function and version (a sample of unknown origin serves
    every function). A function without inits of its own gets :data:`DEFAULT_INIT_MS`; one
    without restores draws from every function's restores (there is no default restore)."""
    if name == "init_ms":
        values, function, version = (arrivals.init_samples_ms, arrivals.init_sample_function,
                                     arrivals.init_sample_version)
        billed, fallback = None, DEFAULT_INIT_MS
    else:
        values, function, version = (arrivals.restore_samples_ms,
                                     arrivals.restore_sample_function,
                                     arrivals.restore_sample_version)
        billed, fallback = arrivals.billed_restore_samples_ms, None
    n = values.size
    if name == "init_ms" and function is not None and function.size == n:
        stand_in = provisioned_stand_ins(arrivals)
        if stand_in.any():  # a function without on-demand inits draws from its provisioned
            values = np.concatenate([values, arrivals.provisioned_init_samples_ms[stand_in]])
            function = np.concatenate([function, np.asarray(
                arrivals.provisioned_init_sample_function)[stand_in]])
            version = np.concatenate([version if version is not None and version.size == n
                                      else np.full(n, "", dtype=object), np.asarray(
                arrivals.provisioned_init_sample_version)[stand_in]])
            n = values.size
    if function is None or version is None or function.size != n or version.size != n:
        # origins unknown: every arrival draws from every sample, as one function's would
        return Samples(tuple(values.tolist()), ("",) * n, ("",) * n,
                       _billed(billed, n), None)
    return Samples(tuple(values.tolist()), tuple(map(str, function.tolist())),
                   tuple(map(str, version.tolist())), _billed(billed, n), fallback)


def provisioned_stand_ins(arrivals: Arrivals) -> np.ndarray:
    """Per provisioned-concurrency Init Duration of the input (bool): whether it stands in
    for on-demand inits, because its function has no on-demand Init Duration of its own. A
    provisioned init is a real init of the same code, where the 500 ms default is no
    function's; it runs without the on-demand init's CPU boost, so it is likely longer (an
    upper estimate, said in a note). All False when the input does not say whose each
    sample is."""
    pc = arrivals.provisioned_init_samples_ms
    pc_function = arrivals.provisioned_init_sample_function
    own = arrivals.init_sample_function
    if (not pc.size or pc_function is None or pc_function.size != pc.size
            or (arrivals.init_samples_ms.size and (own is None
                                                   or own.size != arrivals.init_samples_ms.size))):
        return np.zeros(pc.size, dtype=bool)
    with_own = set(map(str, own.tolist())) if own is not None else set()
    return np.array([str(f) not in with_own and str(f) != "" for f in pc_function.tolist()],
                    dtype=bool)


def _billed(billed: np.ndarray | None, n: int) -> tuple[float, ...] | None:
    if billed is None or billed.size != n:
        return None
    return tuple(float(v) for v in billed.tolist())


def _provisioned_note(groups: Mapping[tuple[str, str], int]) -> str:
    shown = [f"{f}{f' version {v}' if v and v != '$LATEST' else ''}: {k}"
             for (f, v), k in sorted(groups.items())]
    return (f"provisioned-concurrency environments as in the input ({_names(shown)}); "
            "other functions none (lamlife simulate --provisioned N sets every function's)")


def _names(functions: list[str], most: int = 3) -> str:
    shown = ", ".join(functions[:most])
    return shown + (f" and {len(functions) - most} more" if len(functions) > most else "")


def _init_samples_note(arrivals: Arrivals, stood_in: int = 0) -> str:
    """Where the inits come from; ``stood_in``: the provisioned-concurrency inits that stand
    in for a function without on-demand inits (said in a note of their own)."""
    n = arrivals.init_samples_ms.size
    functions = arrivals.init_sample_function
    per = functions is not None and functions.size == n and len(set(functions.tolist())) > 1
    note = (f"init durations sampled from the {n} observed in the input"
            + (", each function from its own" if per else ""))
    if arrivals.provisioned_inits - stood_in > 0:
        k = arrivals.provisioned_inits - stood_in
        note += (f" ({k} provisioned-concurrency init{'' if k == 1 else 's'} left out: no "
                 f"caller waited for {'it' if k == 1 else 'them'})")
    return note


def _restore_notes(arrivals: Arrivals, samples: Samples, restoring_only: bool = False
                   ) -> list[str]:
    """What the restore samples cannot give: a function without restores of its own, and
    restores whose Billed Restore Duration the log did not give (billing then counts the
    Restore Duration, an upper bound). ``restoring_only``: only some functions restore,
    each from its own samples: no function lacks them."""
    notes = []
    if restoring_only:
        samples = replace(samples, function=("",) * len(samples))  # skips the lacking note
    lacking = samples.without_own(zip(arrivals.function.tolist(), arrivals.version.tolist(),
                                      strict=True)) if any(samples.function) else []
    if lacking:
        notes.append(f"no SnapStart restore of {_names(lacking)} in the input: "
                     f"{'its' if len(lacking) == 1 else 'their'} restores drawn from every "
                     "function's")
    billed = np.asarray(samples.billed if samples.billed is not None else
                        [math.nan] * len(samples), dtype=float)
    missing = int(np.isnan(billed).sum())
    if missing:
        notes.append(f"{missing} of the {len(samples)} observed restores have no Billed Restore "
                     "Duration in the log: a simulated restore drawn from one is billed its "
                     "Restore Duration (an upper bound)")
    return notes


def default_policy(arrivals: Arrivals, **overrides: Any) -> tuple[Policy, list[str]]:
    """``build_policy`` with keyword overrides (the default policy when there are none)."""
    return build_policy(arrivals, overrides)


def describe_policy(policy: Policy) -> dict[str, Any]:
    """The policy as plain values for reports."""

    def dist(value: Durations | None) -> dict[str, Any] | None:
        if value is None:
            return None
        if isinstance(value, int | float):
            return {"fixed_ms": float(value)}
        arr = np.asarray(tuple(value), dtype=float)
        out: dict[str, Any] = {
            "sampled_from": int(arr.size),
            "p50_ms": float(np.percentile(arr, 50)),
            "p99_ms": float(np.percentile(arr, 99)),
        }
        if isinstance(value, Samples) and len(set(value.function)) > 1:
            out["per_function"] = True  # each function draws from its own
        return out

    return {
        "keep_alive_s": policy.keep_alive_s,
        "keep_alive_source": KEEP_ALIVE_SOURCE if policy.keep_alive_s == DEFAULT_KEEP_ALIVE_S
        else "given",
        "max_lifetime_s": policy.max_lifetime_s,
        "max_lifetime_source": MAX_LIFETIME_SOURCE
        if policy.max_lifetime_s == DEFAULT_MAX_LIFETIME_S else "given",
        "provisioned": policy.provisioned,
        # where the policy kept the input's own: "function[:version]" -> environments
        "provisioned_from_input": {
            f if not v or v == "$LATEST" else f"{f}:{v}": k
            for f, v, k in policy.provisioned_by_group},
        "prewarmed": policy.prewarmed,
        "init": dist(policy.init_ms),
        "snapstart": policy.snapstart,
        # where the policy kept the input's own: the functions that restore (the others init)
        "snapstart_functions": list(policy.snapstart_functions),
        "restore": dist(policy.restore_ms) if policy.snapstart or policy.snapstart_functions
        else None,
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
        runtime_version=arrivals.runtime_version if arrivals.runtime_version is not None
        else "",
    )


def simulate_trace(
    trace: Trace, policy: Policy, pricing: Pricing | None = None, strict: bool = True
) -> WhatIf:
    """One simulated run, its analysis, and the comparison with the observed run.

    With ``pricing``, both sides are priced (the simulated one at the policy's provisioned
    concurrency). A price problem is raised when ``strict`` (the user chose the Region or the
    price table); otherwise neither side is priced and ``WhatIf.cost_problem`` says why. A
    price the table lacks for some functions (a SnapStart restore price for one Region)
    leaves those functions' invocations unpriced and the others' costs in place, as
    ``lamlife analyze`` does: ``WhatIf.cost_incomplete`` lists the missing prices, and the
    comparison's cost rows compare the functions priced in full on both sides, leaving out
    (``WhatIf.cost_left_out``, and a note) those with a price missing on either side.
    """
    result = run_policy(trace.arrivals, policy)
    stats = replace(trace.arrivals.stats, warnings=list(trace.arrivals.stats.warnings))
    analysis = build_analysis(result.invocations, stats)
    observed = trace.observed
    problem: str | None = None
    incomplete: list[str] = []
    if pricing is not None:
        analysis, observed, problem, incomplete = _price_sides(analysis, observed, pricing,
                                                               policy, strict)
    left_out = cost_left_out(observed, analysis) if incomplete else []
    comparison = compare(observed, analysis, result, left_out)
    notes = []
    if left_out and any(r["metric"] in _COST_METRICS for r in comparison):
        notes.append(f"cost compared without {_names(left_out)}: a price the table lacks "
                     f"left {'its' if len(left_out) == 1 else 'their'} invocations unpriced "
                     "on one side or both; the other functions are priced in full on both")
    elif left_out:
        notes.append("cost not compared: no function is priced in full on both sides")
    return WhatIf(policy, result, analysis, observed, comparison, notes, problem, incomplete,
                  left_out)


# The comparison rows that compare costs.
_COST_METRICS = ("cost_usd", "init_cost_usd", "init_share")


def _price_sides(
    simulated: Analysis, observed: Analysis | None, pricing: Pricing, policy: Policy,
    strict: bool,
) -> tuple[Analysis, Analysis | None, str | None, list[str]]:
    """Both sides priced, or (when not strict) neither and why: the comparison never sets a
    priced side against an unpriced one. The list: prices either side lacked ("function:
    reason"), whose invocations are left out of that side's cost."""
    options = _simulated_options(pricing.options, policy)
    priced_sim, problem = price_or_explain(simulated, options, pricing.table, strict)
    priced_obs = observed
    if problem is None and observed is not None:
        priced_obs, problem = price_or_explain(observed, pricing.options, pricing.table, strict)
    sides = [priced_sim] + ([priced_obs] if priced_obs is not None else [])
    if problem is None:
        # a side none of whose invocations has a price (the only function's Region unknown)
        # has no cost to show: neither side is priced then
        nothing = [a for a in sides if _incomplete(a) and not (a.summary.get("cost") or {})
                   .get("priced_invocations")]
        problem = "; ".join(_incomplete(nothing[0])) if nothing else None
    if problem is not None:
        return simulated, observed, problem, []
    incomplete = [reason for a in sides for reason in _incomplete(a)]
    return priced_sim, priced_obs, None, list(dict.fromkeys(incomplete))


def _simulated_options(options: BillingOptions, policy: Policy) -> BillingOptions:
    """Billing options of a simulated run: its provisioned-concurrency level for every
    function; or, where the policy kept the input's own provisioned environments, the
    observed run's options (the allocation the configuration gives, as the observed side)."""
    if policy.provisioned_by_group and policy.provisioned == 0:
        return options
    return replace(options, provisioned=policy.provisioned)


def _incomplete(analysis: Analysis) -> list[str]:
    """Why parts of a priced analysis have no price (prices the table lacks)."""
    return list((analysis.summary.get("cost") or {}).get("incomplete") or [])


def cost_left_out(observed: Analysis | None, simulated: Analysis) -> list[str]:
    """The functions (sorted) a cost comparison leaves out: those with an unpriced invocation
    or a fixed charge not priced (``summary.cost.incomplete``, "function: reason") on
    either side. The cost rows then compare the other functions, priced in full on both
    sides, so that both totals cover the same invocations. A missing price that names no
    function of either side leaves out every function."""
    sides = [a for a in (observed, simulated) if a is not None]
    functions: set[str] = set()
    left: set[str] = set()
    for a in sides:
        cost = a.summary.get("cost") or {}
        for g in cost.get("by_function") or []:
            functions.add(str(g["function"]))
            if g.get("unpriced_invocations"):
                left.add(str(g["function"]))
    for a in sides:
        for reason in _incomplete(a):
            name = reason.split(": ", 1)[0]
            left |= {name} if name in functions else functions
    return sorted(left)


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
    return round(float(waited.sum()) / 1000.0, 9)  # to the logged µs, without float noise


def _cost(cost: dict[str, Any] | None, key: str) -> float | None:
    if not isinstance(cost, dict):
        return None
    value = cost.get(key)
    return float(value) if isinstance(value, int | float) else None


def _kept_cost(analysis: Analysis | None, left_out: Sequence[str]) -> dict[str, Any] | None:
    """``summary.cost``'s total_usd, init_usd and init_share over the functions not in
    ``left_out`` (from ``by_function``, fixed charges included); the summary's own when
    nothing is left out. None when the side is not priced, or nothing is left to compare."""
    if analysis is None or not isinstance(analysis.summary.get("cost"), dict):
        return None
    cost = analysis.summary["cost"]
    if not left_out:
        return cost
    kept = [g for g in cost.get("by_function") or [] if g["function"] not in left_out]
    if not kept:
        return None
    total = clean_amount(math.fsum(float(g["total_usd"]) for g in kept))
    init = clean_amount(math.fsum(float(g["init_usd"]) for g in kept))
    return {"total_usd": total, "init_usd": init,
            "init_share": clean_amount(init / total) if total > 0 else 0.0}


def compare(
    observed: Analysis | None, simulated: Analysis, result: SimulationResult,
    left_out: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Rows of (metric, observed, simulated, unit); observed is None without an observed run.

    The cost rows (when the simulated run is priced) cover every function, or, with
    ``left_out`` (``cost_left_out``), the other functions on both sides; none when no
    function is left."""

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
        row("init_wait_s", "s",
            None if observed is None else init_wait_s(observed.held_invocations),
            init_wait_s(simulated.held_invocations)),
    ]
    sim = _kept_cost(simulated, left_out)
    obs = _kept_cost(observed, left_out)
    sim_cost = _cost(sim, "total_usd")
    if sim_cost is not None:
        rows.append(row("cost_usd", "usd", _cost(obs, "total_usd"), sim_cost))
        rows.append(row("init_cost_usd", "usd", _cost(obs, "init_usd"), _cost(sim, "init_usd")))
        # a fraction of the cost (0.088 = 8.8 %), as summary.cost.init_share
        rows.append(row("init_share", "share", _cost(obs, "init_share"),
                        _cost(sim, "init_share")))
    return rows


# The numbers of ``simulate.run_summary`` a sweep row shows, in column order.
_SWEEP_KEYS = ("invocations", "environments", "cold_starts", "cold_start_rate",
               "added_latency_p99_ms", "added_latency_max_ms")


def sweep_trace(
    trace: Trace,
    base: Policy,
    parameter: str,
    values: Iterable[Any],
    pricing: Pricing | None = None,
) -> list[dict[str, Any]]:
    """One row per value of one policy parameter: cold starts, added latency, cost.

    A row whose cost needs a price the table lacks keeps its cold starts and latency. When
    some of its invocations are priced, its cost keys are the cost of those (as
    ``summary.cost`` counts it) and ``cost_incomplete`` lists the missing prices ("function:
    reason"); when none is, its cost keys are None and ``cost_problem`` says why."""
    if parameter not in Policy.__dataclass_fields__:
        raise InputError(f"cannot sweep {parameter!r}: not a policy parameter")
    rows = []
    for value in values:
        policy = replace(base, **{parameter: value})
        if parameter == "provisioned":  # the swept level is every function's
            policy = replace(policy, provisioned_by_group=())
        result = run_policy(trace.arrivals, policy)
        summary = run_summary(result)
        out: dict[str, Any] = {"parameter": parameter, "value": value}
        out.update({key: summary[key] for key in _SWEEP_KEYS})
        # as the single run's comparison counts it: inits and restores, re-inits left out
        out["init_wait_s"] = init_wait_s(result.invocations)
        if pricing is not None:
            options = _simulated_options(pricing.options, policy)
            cost = price_summary(
                result.invocations, options, pricing.table, trace.arrivals.stats.configurations,
                trace.arrivals.stats.regions,
            )
            if cost["incomplete"] and not cost.get("priced_invocations"):
                # nothing priced (the only function's Region unknown): cold starts still
                # count, the cost stays blank
                out.update(cost_usd=None, provisioned_allocation_usd=None, init_cost_usd=None,
                           cost_problem="; ".join(cost["incomplete"]))
            else:
                out["cost_usd"] = cost.get("total_usd")
                out["provisioned_allocation_usd"] = cost.get("provisioned_allocation_usd")
                out["init_cost_usd"] = cost.get("init_usd")
                if cost["incomplete"]:  # the cost of what is priced; the row says what is not
                    out["cost_incomplete"] = list(cost["incomplete"])
        rows.append(out)
    return rows
