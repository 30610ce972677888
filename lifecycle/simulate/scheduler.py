"""The simulated driver: replay arrivals through a Lambda lifecycle policy.

Only arrivals are known (when a request arrived and how long its handler ran). A scheduler
assigns every arrival to an execution environment under a :class:`Policy` and produces an
invocation table with exactly the columns of ``schema.INVOCATION_COLUMNS``, so that
billing, reports and check do not know which driver ran.

Scheduling rules (see ``docs/simulate.md`` and ``docs/platform.md`` §7):

- Environments are per (function, version); they are never shared across either.
- An environment is busy from the arrival it serves until ``arrival + init + duration``:
  a caller that hits a cold start waits for the init, and the environment cannot take
  another request meanwhile. It is idle again strictly after that end (busy on [start, end]).
- On each arrival, idle on-demand environments that have been idle longer than the
  keep-alive are destroyed (idle time counts from the end of their last invocation).
- An environment older than the maximum lifetime (counted from its creation) is recycled
  when it becomes idle, and is never picked once past it.
- Routing: an idle provisioned-concurrency environment first, else the most recently used
  idle on-demand environment (MRU: the one whose last invocation ended last), else a new
  environment (``cold``, or ``restore`` with SnapStart).
- After a failed invocation (timeout or error) the environment is reset; its next invocation
  is ``reinit`` and its Duration contains the suppressed re-init (``docs/platform.md``
  §5.3), so the re-init is added to ``duration_ms`` and to the caller's latency.

The engine never prints. Billed durations are left NaN, billing computes them; except on a
``provisioned`` row, whose init ran ahead of demand, outside the invocation: its Billed
Duration is its Duration rounded up, as a logged REPORT of a provisioned environment's first
invocation gives it (no Init Duration on that REPORT; the init is on the INIT_REPORT).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.billing.rules import MS_GRANULARITY_SINCE, roundup
from lamlife.lifecycle.engine.summarize import has_flag
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.schema import COLD_START_TYPES, INVOCATION_COLUMNS, START_TYPES

# Idle keep-alive: 640 s. In the pacslab 2020 traces (us-east-1, python3.6, 128 MB) any
# threshold from about 633 s to 646 s reproduces every cold/warm label of the low-rate runs,
# and the authors' probe saw 635.83 s still warm and 644.98 s expired
# (github.com/pacslab/serverless-performance-modeling, deployments/02-results.ipynb).
# Shilkov measured exactly 10 min in Aug 2019 and about 6.3 min in Jan 2021
# (mikhail.io/serverless/coldstarts/aws/); Xebia reports idle environments living
# "typically a bit longer than 10 minutes"
# (xebia.com/blog/til-that-aws-lambda-terminates-instances-preemptively/).
# See docs/platform.md §7.
DEFAULT_KEEP_ALIVE_S = 640.0
# Maximum lifetime of a busy environment: about 2 h (1.98-2.05 h in every pacslab 2020 trace
# at 0.004 req/s or more; Xebia: "active, running instances every two hours").
DEFAULT_MAX_LIFETIME_S = 7200.0
# Init duration assumed when neither the user nor the input gives one: the median cold-start
# overhead a client saw in the pacslab 2020 data (2.48 s cold vs 1.95 s warm, python3.6,
# 128 MB). Hello-world inits today are 14-550 ms by runtime (maxday/lambda-perf,
# 2026-08-22), so the CLI says when it falls back to this value.
DEFAULT_INIT_MS = 500.0

# Codes of the scheduler's output, kept small ints in the inner loop.
_COLD, _WARM, _PROVISIONED, _RESTORE, _REINIT = (
    START_TYPES.index("cold"),
    START_TYPES.index("warm"),
    START_TYPES.index("provisioned"),
    START_TYPES.index("restore"),
    START_TYPES.index("reinit"),
)

# Reason codes.
R_NONE = 0  # plain warm start
R_FIRST = 1  # no environment existed yet
R_BUSY = 2  # every environment was busy
R_EXPIRED = 3  # the idle environment(s) passed the keep-alive
R_RECYCLED = 4  # the environment reached its maximum lifetime
# The most provisioned (or prewarmed) environments a policy may ask for: far above a Region's
# default concurrency quota of 1,000 (Lambda quotas page), and the scheduler creates each one,
# so a typo such as 100000000 is an error rather than minutes of work.
MAX_READY_ENVIRONMENTS = 100_000
R_PROVISIONED = 5  # first invocation of a provisioned-concurrency environment
R_PREWARMED = 6  # first invocation of an environment warm at the start of the trace
R_RESET_TIMEOUT = 7  # previous invocation in this environment timed out
R_RESET_ERROR = 8  # previous invocation in this environment failed
R_RESET_OOM = 9  # previous invocation in this environment ran out of memory

# Environment kinds.
_ON_DEMAND, _PC, _PREWARM = 0, 1, 2


@dataclass(frozen=True)
class Samples:
    """Observed durations (ms) to draw new inits or restores from, each kept with the
    function and version it was observed on.

    A new environment of (function, version) draws from the samples of that function and
    version; when there are none, from those of the function (another version); when the
    function has none, ``fallback_ms`` (or, when that is None, every sample). Functions
    differ: one function's inits say nothing about another's (an Init Duration is the
    function's own code and runtime loading, docs ``lambda-runtime-environment.html``).
    ``billed`` is, per sample, the Billed Restore Duration the log gave with that Restore
    Duration (NaN where it gave none): a restore drawn carries its own billed part.
    Iterating gives the values.
    """

    values: tuple[float, ...]
    function: tuple[str, ...]
    version: tuple[str, ...]
    billed: tuple[float, ...] | None = None
    fallback_ms: float | None = None

    def __iter__(self) -> Iterator[float]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)

    def candidates(self) -> Callable[[str, str], np.ndarray | None]:
        """A lookup: (function, version) -> positions of the samples it draws from (None:
        ``fallback_ms``). Built once, so each group's lookup costs a dict access."""
        by_version: dict[tuple[str, str], list[int]] = {}
        by_function: dict[str, list[int]] = {}
        for k, (f, v) in enumerate(zip(self.function, self.version, strict=True)):
            by_version.setdefault((f, v), []).append(k)
            by_function.setdefault(f, []).append(k)
        everything = None if self.fallback_ms is not None else np.arange(len(self.values))

        def lookup(function: str, version: str) -> np.ndarray | None:
            same = by_version.get((function, version)) or by_function.get(function)
            return np.asarray(same, dtype=np.int64) if same else everything

        return lookup

    def without_own(self, groups: Iterable[tuple[str, str]]) -> list[str]:
        """The functions of ``groups`` that have no sample of their own (sorted)."""
        own = set(self.function)
        return sorted({f for f, _v in groups if f not in own})


Durations = float | tuple[float, ...] | Samples


@dataclass(frozen=True)
class Policy:
    """What the platform does with environments. Durations in seconds or milliseconds as named.

    ``init_ms`` and ``restore_ms`` are one fixed value, a sequence of observed values to
    sample from (uniformly, with replacement, seeded by ``seed``), or :class:`Samples`:
    observed values drawn per function and version.
    """

    keep_alive_s: float = DEFAULT_KEEP_ALIVE_S
    max_lifetime_s: float | None = DEFAULT_MAX_LIFETIME_S
    provisioned: int = 0
    # (function, version, environments): provisioned concurrency of the groups listed, in
    # place of ``provisioned`` (an unchanged policy keeps the input's own)
    provisioned_by_group: tuple[tuple[str, str, int], ...] = ()
    prewarmed: int = 0
    init_ms: Durations = DEFAULT_INIT_MS
    snapstart: bool = False
    restore_ms: Durations | None = None
    # functions whose new environments restore a SnapStart snapshot when ``snapstart`` is
    # False (an unchanged policy keeps each function's observed mechanism); the others init
    snapstart_functions: tuple[str, ...] = ()
    reset_on_failure: bool = True
    seed: int = 0

    def validate(self) -> None:
        """Raise InputError when a value cannot describe a platform."""
        if not (self.keep_alive_s >= 0 and math.isfinite(self.keep_alive_s)):
            raise InputError(
                f"keep-alive must be a finite number of seconds >= 0, got {self.keep_alive_s}"
            )
        if self.max_lifetime_s is not None and not self.max_lifetime_s > 0:
            raise InputError(f"max lifetime must be > 0 seconds, got {self.max_lifetime_s}")
        counts = [self.provisioned, self.prewarmed, *(k for _f, _v, k in
                                                        self.provisioned_by_group)]
        if min(counts) < 0:
            raise InputError("provisioned and prewarmed environment counts must be >= 0")
        if max(counts) > MAX_READY_ENVIRONMENTS:
            raise InputError(
                f"provisioned and prewarmed environment counts must be at most "
                f"{MAX_READY_ENVIRONMENTS:,} (got {max(counts):,}): "
                "the scheduler creates every one of them")
        _check_durations("init", self.init_ms)
        if self.snapstart or self.snapstart_functions:
            if self.restore_ms is None:
                raise InputError(
                    "SnapStart needs restore durations (a fixed value or observed ones)"
                )
            _check_durations("restore", self.restore_ms)

    def restores(self, function: str) -> bool:
        """Whether new on-demand environments of ``function`` restore a SnapStart snapshot
        (else they init)."""
        return self.snapstart or function in self.snapstart_functions

    def provisioned_for(self, function: str, version: str) -> int:
        """Provisioned-concurrency environments of one (function, version)."""
        for f, v, k in self.provisioned_by_group:
            if f == function and v == version:
                return k
        return self.provisioned


def _check_durations(name: str, value: Durations | None) -> None:
    if value is None:
        return
    if isinstance(value, Samples):
        if not len(value.function) == len(value.version) == len(value.values) or (
                value.billed is not None and len(value.billed) != len(value.values)):
            raise InputError(f"{name} samples: one function, version (and billed value) "
                             "per sample")
        if value.fallback_ms is not None:
            _check_durations(name, value.fallback_ms)
        value = value.values
    values = np.atleast_1d(np.asarray(value, dtype=float))
    if values.size == 0:
        raise InputError(f"no {name} durations to sample from")
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise InputError(f"{name} durations must be finite and >= 0 ms")


@dataclass
class SimulationResult:
    """The simulated invocation table and what the simulator knows beyond it."""

    invocations: pd.DataFrame  # INVOCATION_COLUMNS, ordered by (function, environment, start)
    added_latency_ms: np.ndarray  # per invocation row: init/restore/re-init the caller waited for
    environments_created: int  # including provisioned/prewarmed ones that served nothing
    recycled: int  # environments ended by the maximum lifetime
    expired: int  # idle environments ended by the keep-alive
    policy: Policy = field(default_factory=Policy)


@dataclass
class _GroupOut:
    env: np.ndarray
    start_type: np.ndarray
    reason: np.ndarray
    extra_ms: np.ndarray
    busy: np.ndarray
    n_envs: int
    recycled: int
    expired: int


def _schedule(
    arrival: list[float],
    duration: list[float],
    init: list[float],
    fail: list[int] | None,
    keep_alive_ms: float,
    lifetime_ms: float | None,
    provisioned: int,
    prewarmed: int,
    snapstart: bool,
) -> _GroupOut:
    """The scheduler's inner loop for one (function, version). Arrivals are sorted."""
    n = len(arrival)
    out_env = [0] * n
    out_type = [0] * n
    out_reason = [0] * n
    out_extra = [0.0] * n
    out_busy = [0] * n
    t0 = arrival[0] if n else 0.0
    created: list[float] = []
    kind: list[int] = []
    first_use: list[bool] = []  # the next invocation is the environment's first
    reset: list[int] = []  # reason code of a pending reset, 0 when none
    pc_idle: list[tuple[float, int]] = []  # stack of (idle since, env), most recent last
    idle: deque[tuple[float, int]] = deque()  # same, on-demand; oldest on the left
    busy: list[tuple[float, int]] = []  # heap of (busy until, env)

    def new_env(at: float, env_kind: int) -> int:
        created.append(at)
        kind.append(env_kind)
        first_use.append(env_kind != _ON_DEMAND)
        reset.append(0)
        return len(created) - 1

    for _ in range(provisioned):
        pc_idle.append((t0, new_env(t0, _PC)))
    for _ in range(prewarmed):
        idle.append((t0, new_env(t0, _PREWARM)))

    heappush, heappop = heapq.heappush, heapq.heappop
    idle_pop, idle_popleft, idle_append = idle.pop, idle.popleft, idle.append
    life = lifetime_ms if lifetime_ms is not None else math.inf
    ka = keep_alive_ms
    new_type = _RESTORE if snapstart else _COLD
    recycled = expired = 0
    reset_on_failure = fail is not None

    for i in range(n):
        t = arrival[i]
        recycled_now = expired_now = 0
        # Environments whose invocation ended strictly before t become idle.
        while busy and busy[0][0] < t:
            end, e = heappop(busy)
            if end - created[e] > life:
                recycled_now += 1
                if kind[e] == _PC:  # Lambda re-initializes provisioned environments itself
                    pc_idle.append((end, new_env(end, _PC)))
                continue
            if kind[e] == _PC:
                pc_idle.append((end, e))
            else:
                idle_append((end, e))
        # Keep-alive: the oldest idle environments go first.
        while idle and t - idle[0][0] > ka:
            idle_popleft()
            expired_now += 1

        e = -1
        while pc_idle:
            _, e = pc_idle.pop()
            if t - created[e] > life:
                recycled_now += 1
                e = new_env(t, _PC)
            break
        if e < 0:
            while idle:
                _, e = idle_pop()
                if t - created[e] > life:
                    recycled_now += 1
                    e = -1
                    continue
                break

        if e < 0:
            e = new_env(t, _ON_DEMAND)
            extra = init[i]
            out_type[i] = new_type
            if expired_now:
                out_reason[i] = R_EXPIRED
            elif recycled_now:
                out_reason[i] = R_RECYCLED
            elif busy:
                out_reason[i] = R_BUSY
            else:
                first = len(created) == 1 + provisioned + prewarmed
                out_reason[i] = R_FIRST if first else R_EXPIRED
        elif reset[e]:
            extra = init[i]
            out_type[i] = _REINIT
            out_reason[i] = reset[e]
            first_use[e] = False
        elif first_use[e]:
            extra = 0.0
            first_use[e] = False
            if kind[e] == _PC:
                out_type[i] = _PROVISIONED
                out_reason[i] = R_PROVISIONED
            else:
                out_type[i] = _WARM
                out_reason[i] = R_PREWARMED
        else:
            extra = 0.0
            out_type[i] = _WARM

        out_busy[i] = len(busy)
        out_env[i] = e
        out_extra[i] = extra
        if reset_on_failure:
            reset[e] = fail[i]  # type: ignore[index]
        heappush(busy, (t + extra + duration[i], e))
        recycled += recycled_now
        expired += expired_now

    return _GroupOut(
        env=np.asarray(out_env, dtype=np.int64),
        start_type=np.asarray(out_type, dtype=np.int8),
        reason=np.asarray(out_reason, dtype=np.int8),
        extra_ms=np.asarray(out_extra, dtype=float),
        busy=np.asarray(out_busy, dtype=np.int64),
        n_envs=len(created),
        recycled=recycled,
        expired=expired,
    )


def _draw(value: Durations | None, n: int, rng: np.random.Generator) -> np.ndarray:
    if value is None:
        return np.zeros(n)
    if isinstance(value, int | float):
        return np.full(n, float(value))
    samples = np.asarray(tuple(value), dtype=float)
    if samples.size == 1:
        return np.full(n, float(samples[0]))
    return rng.choice(samples, size=n, replace=True)


def _draw_grouped(value: Durations | None, group: np.ndarray, keys: list[tuple[str, str]],
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Per arrival, a duration drawn for its (function, version) group, and the Billed
    Restore Duration that came with it (NaN when unknown). ``group`` is each arrival's
    group code, ``keys`` the (function, version) of each code. Plain values are drawn as
    ``_draw`` draws them; :class:`Samples` one group at a time, in code order, each from its
    own candidates (a single candidate, or the fallback, is taken without a draw)."""
    n = group.size
    if not isinstance(value, Samples):
        return _draw(value, n, rng), np.full(n, math.nan)
    values = np.asarray(value.values, dtype=float)
    billed = np.asarray(value.billed if value.billed is not None else
                        [math.nan] * len(values), dtype=float)
    out = np.empty(n)
    out_billed = np.full(n, math.nan)
    lookup = value.candidates()
    # each group's rows in arrival-table order (a stable sort), groups in code order
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(len(keys) + 1))
    for code, (function, version) in enumerate(keys):
        rows = order[bounds[code]:bounds[code + 1]]
        if not rows.size:
            continue
        picks = lookup(function, version)
        if picks is None:
            out[rows] = float(value.fallback_ms)  # type: ignore[arg-type]
            continue
        chosen = picks if picks.size == 1 else rng.choice(picks, size=rows.size, replace=True)
        out[rows] = values[chosen]
        out_billed[rows] = billed[chosen]
    return out, out_billed


def _as_column(value: Any, n: int, default: Any, dtype: Any = object) -> np.ndarray:
    if value is None:
        return np.full(n, default, dtype=dtype)
    if isinstance(value, str | int | float):
        return np.full(n, value, dtype=dtype)
    arr = np.asarray(value)
    if arr.shape != (n,):
        raise InputError(f"expected {n} values per arrival, got shape {arr.shape}")
    return arr.astype(dtype) if dtype is not object else arr


def _reason_text(policy: Policy) -> list[str]:
    keep = _seconds_text(policy.keep_alive_s)
    life = _seconds_text(policy.max_lifetime_s) if policy.max_lifetime_s is not None else "none"
    texts = [""] * (R_RESET_OOM + 1)
    texts[R_FIRST] = "no environment yet"
    texts[R_BUSY] = "every environment busy"  # completed with the count per row
    texts[R_EXPIRED] = f"idle environment expired (keep-alive {keep})"
    texts[R_RECYCLED] = f"environment recycled at maximum lifetime ({life})"
    texts[R_PROVISIONED] = "first invocation of a provisioned-concurrency environment"
    texts[R_PREWARMED] = "environment warm at the start of the trace"
    # worded as lamlife analyze words the same reinit (engine/replay.py), without its time
    texts[R_RESET_TIMEOUT] = "reinit: previous invocation timed out"
    texts[R_RESET_ERROR] = "reinit: previous invocation failed"
    texts[R_RESET_OOM] = "reinit: previous invocation ran out of memory"
    return texts


def _seconds_text(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def ms_to_timestamps(ms: np.ndarray) -> pd.DatetimeIndex:
    """Epoch milliseconds (float) to ``datetime64[ns, UTC]``."""
    values = np.asarray(ms, dtype=float)
    whole = np.floor(values)
    # Whole milliseconds and the fraction separately: ms x 1e6 alone loses ~0.1 us.
    ns = whole.astype(np.int64) * 1_000_000 + np.round((values - whole) * 1e6).astype(np.int64)
    return pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC")


def simulate(
    start_ms: Sequence[float] | np.ndarray,
    duration_ms: Sequence[float] | np.ndarray,
    policy: Policy | None = None,
    *,
    function: str | Sequence[str] | np.ndarray = "",
    version: str | Sequence[str] | np.ndarray = "",
    request_id: Sequence[str] | np.ndarray | None = None,
    status: Sequence[str] | np.ndarray | None = None,
    error_type: Sequence[str] | np.ndarray | None = None,
    flags: Sequence[str] | np.ndarray | None = None,
    memory_mb: float | Sequence[float] | np.ndarray = math.nan,
    runtime_version: str | Sequence[str] | np.ndarray = "",
) -> SimulationResult:
    """Assign every arrival to an environment under ``policy``.

    ``start_ms`` are arrival times (epoch milliseconds), ``duration_ms`` handler durations.
    Per-arrival ``function``/``version`` split the arrivals into independent environment
    pools; ``status`` (success/timeout/error) drives resets; ``error_type``, ``flags`` (only
    ``timeout`` and ``out_of_memory`` are kept: the others describe the observed environments)
    ``memory_mb`` and ``runtime_version`` (``python:3.12.v30``; billing's SnapStart restore
    fee depends on the runtime) are carried to the output. Arrivals need not be sorted.
    """
    policy = policy or Policy()
    policy.validate()
    arrival = np.asarray(start_ms, dtype=float)
    dur = np.asarray(duration_ms, dtype=float)
    n = arrival.size
    if arrival.ndim != 1 or dur.shape != arrival.shape:
        raise InputError("arrival starts and durations must be two sequences of the same length")
    if n and (not np.all(np.isfinite(arrival)) or not np.all(np.isfinite(dur))):
        raise InputError("arrival starts and durations must be finite numbers")
    if n and np.any(dur < 0):
        raise InputError("durations must be >= 0 ms")

    func = _as_column(function, n, "")
    ver = _as_column(version, n, "")
    stat = _as_column(status, n, "success")
    if n:
        bad = ~np.isin(stat, ("success", "timeout", "error"))
        if bad.any():
            raise InputError(f"unknown status {stat[bad][0]!r}: use success, timeout or error")
    err = _as_column(error_type, n, "")
    mem = _as_column(memory_mb, n, math.nan, dtype=float)
    runtime = _as_column(runtime_version, n, "")
    if request_id is None:
        width = max(6, len(str(n)))
        req = np.array(list(map(f"sim-req-{{:0{width}d}}".format, range(1, n + 1))), dtype=object)
    else:
        req = _as_column(request_id, n, "")
    in_flags = _as_column(flags, n, "")

    # Groups by (function, version), each in arrival order.
    # Integer group keys in name order: sorting object arrays is slow.
    group, keys = _group_codes(func, ver)
    rng = np.random.default_rng(policy.seed)
    init, _ = _draw_grouped(policy.init_ms, group, keys, rng)
    billed_restore = np.full(n, math.nan)
    init_cold = init
    # per group code: do its new environments restore (SnapStart) rather than init
    group_restores = np.array([policy.restores(f) for f, _v in keys], dtype=bool)
    restoring = group_restores[group] if n else np.zeros(0, dtype=bool)
    if restoring.any():
        restore, billed = _draw_grouped(policy.restore_ms, group, keys, rng)
        init_cold = np.where(restoring, restore, init)
        billed_restore = np.where(restoring, billed, math.nan)

    order = np.lexsort((arrival, group)) if n else np.zeros(0, dtype=np.int64)
    if n:
        key_g = group[order]
        boundary = np.flatnonzero(key_g[1:] != key_g[:-1]) + 1
        bounds = [0, *boundary.tolist(), n]
    else:
        bounds = [0]

    env_global = np.zeros(n, dtype=np.int64)
    types = np.zeros(n, dtype=np.int8)
    reasons = np.zeros(n, dtype=np.int8)
    extra = np.zeros(n)
    busy = np.zeros(n, dtype=np.int64)
    fail_codes = np.zeros(n, dtype=np.int64)
    if policy.reset_on_failure:
        fail_codes[stat == "timeout"] = R_RESET_TIMEOUT
        fail_codes[stat == "error"] = R_RESET_ERROR
        oom = has_flag(pd.Series(in_flags, dtype=object).fillna(""), "out_of_memory")
        fail_codes[(stat == "error") & oom.to_numpy()] = R_RESET_OOM
    offset = recycled = expired = 0
    for a, b in zip(bounds[:-1], bounds[1:], strict=False):
        idx = order[a:b]
        function_version = keys[int(group[idx[0]])] if n else ("", "")
        out = _schedule(
            arrival[idx].tolist(),
            dur[idx].tolist(),
            init_cold[idx].tolist(),
            fail_codes[idx].tolist() if policy.reset_on_failure else None,
            policy.keep_alive_s * 1000.0,
            policy.max_lifetime_s * 1000.0 if policy.max_lifetime_s is not None else None,
            policy.provisioned_for(*function_version),
            policy.prewarmed,
            policy.restores(function_version[0]),
        )
        env_global[idx] = out.env + offset
        types[idx] = out.start_type
        reasons[idx] = out.reason
        extra[idx] = out.extra_ms
        busy[idx] = out.busy
        offset += out.n_envs
        recycled += out.recycled
        expired += out.expired

    frame, latency = _build_table(
        arrival, dur, init, billed_restore, group, env_global, types, reasons, extra, busy,
        restoring, func, ver, req, stat, err, in_flags, mem, runtime, policy,
    )
    return SimulationResult(
        invocations=frame,
        added_latency_ms=latency,
        environments_created=offset,
        recycled=recycled,
        expired=expired,
        policy=policy,
    )


_KEPT_FLAGS = ("timeout", "out_of_memory")


def _group_codes(func: np.ndarray, ver: np.ndarray) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """One integer per (function, version), increasing with the names, and the (function,
    version) of each code (codes no arrival has get ("", ""))."""
    if func.size == 0:
        return np.zeros(0, dtype=np.int64), []
    f_codes, f_uniques = pd.factorize(func, sort=True)
    v_codes, v_uniques = pd.factorize(ver, sort=True)
    width = len(v_uniques) + 1
    codes = f_codes.astype(np.int64) * width + v_codes
    keys = [("", "")] * (len(f_uniques) * width)
    for code in np.unique(codes).tolist():
        keys[code] = (str(f_uniques[code // width]), str(v_uniques[code % width]))
    return codes, keys


def _clean_flags(flags: np.ndarray, status: np.ndarray) -> np.ndarray:
    """Keep the per-invocation flags that survive re-assignment, and flag timeouts."""
    timed_out = status == "timeout"
    if not np.any(flags != ""):
        return np.where(timed_out, "timeout", "").astype(object)
    codes, uniques = pd.factorize(pd.Series(flags, dtype=object).fillna("").astype(str)
                                  + "|" + pd.Series(timed_out).map({True: "t", False: ""}))
    cleaned = []
    for key in uniques:
        text, _, timeout = key.rpartition("|")
        parts = [p for p in text.split(";") if p in _KEPT_FLAGS]
        if timeout and "timeout" not in parts:
            parts.insert(0, "timeout")
        cleaned.append(";".join(parts))
    return np.array(cleaned, dtype=object)[codes]


def _build_table(
    arrival: np.ndarray,
    dur: np.ndarray,
    init: np.ndarray,
    billed_restore: np.ndarray,
    group: np.ndarray,
    env: np.ndarray,
    types: np.ndarray,
    reasons: np.ndarray,
    extra: np.ndarray,
    busy: np.ndarray,
    restoring: np.ndarray,
    func: np.ndarray,
    ver: np.ndarray,
    req: np.ndarray,
    stat: np.ndarray,
    err: np.ndarray,
    flags: np.ndarray,
    mem: np.ndarray,
    runtime: np.ndarray,
    policy: Policy,
) -> tuple[pd.DataFrame, np.ndarray]:
    n = arrival.size
    is_cold = types == _COLD
    is_restore = types == _RESTORE
    is_reinit = types == _REINIT
    waited = is_cold | is_restore
    # A cold/restore invocation's handler starts after the init; a re-init is inside Duration.
    handler_start = arrival + np.where(waited, extra, 0.0)
    duration = dur + np.where(is_reinit, extra, 0.0)
    end = handler_start + duration

    init_col = np.full(n, math.nan)
    init_col[is_cold] = extra[is_cold]
    provisioned = types == _PROVISIONED
    init_col[provisioned] = init[provisioned]  # done ahead of demand; the caller did not wait
    restore_col = np.full(n, math.nan)
    restore_col[is_restore] = extra[is_restore]
    # the Billed Restore Duration logged with the restore drawn (NaN: billing estimates it)
    billed_restore_col = np.full(n, math.nan)
    billed_restore_col[is_restore] = billed_restore[is_restore]
    billed_col = _provisioned_billed(handler_start, duration, provisioned)

    init_type = np.full(n, "on-demand", dtype=object)
    n_env = int(env.max()) + 1 if n else 0
    env_kind_pc = np.zeros(n_env, dtype=bool)
    env_kind_pc[env[provisioned]] = True
    init_type[env_kind_pc[env]] = "provisioned-concurrency"
    # rows whose function restores, in environments not provisioned: SnapStart's init type
    init_type[restoring & ~env_kind_pc[env]] = "snap-start"

    reason_text = np.array(_reason_text(policy), dtype=object)[reasons]
    busy_rows = np.flatnonzero(reasons == R_BUSY)
    if busy_rows.size:
        reason_text[busy_rows] = [
            f"all {k} environments busy" if k != 1 else "the only environment busy"
            for k in busy[busy_rows].tolist()
        ]

    names = np.array([f"sim-{i:06d}" for i in range(1, n_env + 1)], dtype=object)
    # Rows ordered by (function, environment, start); environment numbers grow with time
    # inside a (function, version) group, so sorting by number equals sorting by name.
    o = np.lexsort((handler_start, env, group)) if n else np.zeros(0, dtype=np.int64)
    frame = pd.DataFrame(
        {
            "function": func[o],
            "version": ver[o],
            "environment": names[env[o]] if n else np.zeros(0, dtype=object),
            "request_id": req[o],
            "start": ms_to_timestamps(handler_start[o]),
            "end": ms_to_timestamps(end[o]),
            "start_type": np.array(START_TYPES, dtype=object)[types[o]],
            "reason": reason_text[o],
            "status": stat[o],
            "error_type": err[o],
            "duration_ms": duration[o],
            "billed_duration_ms": billed_col[o],
            "init_duration_ms": init_col[o],
            "restore_duration_ms": restore_col[o],
            "billed_restore_duration_ms": billed_restore_col[o],
            "memory_mb": mem[o],
            "max_memory_used_mb": np.full(n, math.nan),
            "init_type": init_type[o],
            "runtime_version": runtime[o],
            "init_failures": np.zeros(n, dtype=np.int8),  # all 0: the narrowest type, as analyze
            "flags": _clean_flags(flags, stat)[o],
        },
        columns=list(INVOCATION_COLUMNS),
    )
    latency = np.where(waited | is_reinit, extra, 0.0)[o]
    return frame, latency


def _provisioned_billed(start_ms: np.ndarray, duration: np.ndarray, provisioned: np.ndarray
                        ) -> np.ndarray:
    """Per row, the Billed Duration (ms) of a ``provisioned`` row, NaN on the others (billing
    computes theirs). A provisioned environment is initialized ahead of demand, outside any
    invocation: the REPORT of its first invocation has no Init Duration and its Billed
    Duration is the Duration rounded up (1 ms since 2020-12-01, 100 ms before; AWS What's
    New 2020-12-01, docs/billing.md). The simulated row carries its init in
    ``init_duration_ms`` as the observed one carries its INIT_REPORT's, so billing would
    otherwise add it, and an unchanged policy would cost more than the input did."""
    out = np.full(start_ms.size, math.nan)
    if provisioned.any():
        start = ms_to_timestamps(start_ms[provisioned])
        granularity = np.where(np.asarray(start < MS_GRANULARITY_SINCE), 100.0, 1.0)
        out[provisioned] = roundup(duration[provisioned], granularity)
    return out


# ---------------------------------------------------------------------------------------------
# Summary of one run


def run_summary(result: SimulationResult) -> dict[str, Any]:
    """Cold starts, environments and the latency callers waited for in one simulated run.

    The one definition of these numbers: ``whatif.sweep_trace`` builds its rows from it
    (cost comes from billing).
    """
    inv = result.invocations
    n = len(inv)
    start_types = inv["start_type"].to_numpy()
    cold = int(np.isin(start_types, COLD_START_TYPES).sum())
    latency = result.added_latency_ms
    return {
        "invocations": n,
        "environments": int(inv["environment"].nunique()),
        "environments_created": result.environments_created,
        "cold_starts": cold,
        "cold_start_rate": cold / n if n else 0.0,
        # to the microsecond, as analyze's percentiles (575.9999999999998 is 576.0)
        "added_latency_p99_ms": round(float(np.percentile(latency, 99)), 3) if n else 0.0,
        "added_latency_max_ms": round(float(latency.max()), 3) if n else 0.0,
        "added_latency_total_s": round(float(latency.sum()) / 1000.0, 6),
        "expired": result.expired,
        "recycled": result.recycled,
    }

