"""Price every invocation and attribute the INIT phase (docs/platform.md §6).

Pure functions over the invocation table (``lamlife.lifecycle.schema.INVOCATION_COLUMNS``),
vectorized with pandas/numpy: no per-row apply. The main entry is ``price_invocations``;
``cost_tables`` turns its output into the cost-by-function and cost-by-start-type tables.

The model, in short (the full text is docs/billing.md):

- cost of an invocation = request price + billed GB-s x duration price, with
  billed GB-s = Billed Duration (ms) / 1000 x Memory Size (MB) / 1024. Summed per invocation.
- Billed Duration as logged is the truth. Only when it is absent (traces, Insights rows) is it
  computed from the rules of the invocation's date, package type and runtime (§6.1).
  Lambda Managed Instances have no per-invocation billed duration (§6.5): only the request
  is priced.
- The INIT/restore share of an invocation is the part of Billed Duration above
  roundup(Duration) at the era's granularity (§6.1 rule 1), clipped at 0; a negative raw value
  marks a timeout whose Billed Duration was capped below Duration. Init Duration is never
  added on top of a Billed Duration (§6.1 rule 4).
- Init that was not billed (on-demand ZIP functions on managed runtimes before 2025-08-01) is
  reported as (min(Duration, Billed) + Init - Billed), clipped at 0 (§6.1 rule 3), with what it
  would cost at today's rules.

Helper columns added besides ``schema.COST_COLUMNS`` are listed in ``BILLING_COLUMNS``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.billing.prices import ARCHITECTURES, PriceTable, Tier
from lamlife.lifecycle.errors import InputError, LamlifeError
from lamlife.lifecycle.schema import COLD_START_TYPES, START_TYPES

DEFAULT_REGION = "us-east-1"
DEFAULT_ARCHITECTURE = "x86_64"
PACKAGES: tuple[str, ...] = ("zip", "image")

# 1 ms billing granularity since 2020-12-01, 100 ms before (§6.1).
MS_GRANULARITY_SINCE = pd.Timestamp("2020-12-01", tz="UTC")
# On-demand ZIP + managed runtime INIT billed since 2025-08-01 (§6.2).
INIT_BILLED_SINCE = pd.Timestamp("2025-08-01", tz="UTC")
# Provisioned concurrency enabled time is rounded up to five minutes (§6.3).
PC_ROUNDING_S = 300.0
# SnapStart (Python, .NET) cache is charged for a minimum of 3 hours (§6.3).
SNAPSTART_CACHE_MIN_S = 3 * 3600.0
LMI_INIT_TYPE = "lambda-managed-instances"
PC_INIT_TYPE = "provisioned-concurrency"

# Columns price_invocations adds to the invocation table besides COST_COLUMNS.
BILLING_COLUMNS: tuple[str, ...] = (
    "billed_computed",  # bool: Billed Duration was computed from the rules (not in the log)
    "priced_billed_ms",  # float: the Billed Duration that was priced (NaN: LMI or unpriced)
    "gb_seconds",  # float: priced_billed_ms / 1000 x memory_mb / 1024
    "init_billed_ms",  # float: the part of priced_billed_ms that paid for init or restore
    "init_unbilled_ms",  # float: init time that was not billed (pre-2025-08 on-demand ZIP)
    "priced_as",  # str: on-demand | provisioned | lmi | unpriced
    "request_usd",  # float: the request charge
    "duration_usd",  # float: billed GB-s x the duration price (on-demand or provisioned)
    "restore_fee_usd",  # float: SnapStart restore charge (Python, .NET)
    "ephemeral_storage_usd",  # float: ephemeral storage above 512 MB
    "init_unbilled_usd",  # float: what init_unbilled_ms would cost at today's rules
)

_EPS = 1e-6


@dataclass(frozen=True)
class BillingOptions:
    """What the logs cannot say. ``None`` means: from the input, else the default."""

    region: str | None = None  # default us-east-1
    architecture: str | None = None  # default x86_64
    package: str | None = None  # zip | image; default zip
    runtime: str | None = None  # e.g. python3.12, java21, provided.al2023
    provisioned: int | None = None  # provisioned concurrency level (every function)
    monthly_gb_seconds: float | None = None  # None: first tier; N: on top of N GB-s
    window_start: pd.Timestamp | None = None  # analysed window (default: the invocations')
    window_end: pd.Timestamp | None = None

    def __post_init__(self) -> None:
        if self.architecture is not None and self.architecture not in ARCHITECTURES:
            raise InputError(
                f"unknown architecture {self.architecture!r}; known: {', '.join(ARCHITECTURES)}"
            )
        if self.package is not None and self.package not in PACKAGES:
            raise InputError(f"unknown package type {self.package!r}; known: zip, image")
        if self.provisioned is not None and self.provisioned < 0:
            raise InputError("--provisioned must be 0 or more")
        if self.monthly_gb_seconds is not None and not (
            math.isfinite(self.monthly_gb_seconds) and self.monthly_gb_seconds >= 0
        ):
            raise InputError("--monthly-gb-seconds must be a number >= 0")


# ------------------------------------------------------------------------ small helpers


def roundup(ms: np.ndarray, granularity: np.ndarray | float) -> np.ndarray:
    """Round durations up to the billing granularity (ms). Printed decimals are exact."""
    q = np.asarray(ms, dtype=float) / granularity
    # Round away float noise first (2827.05 / 1 must not become 2828.0000000001).
    return np.ceil(np.round(q, 6)) * granularity


def _norm_arch(value: Any) -> str | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if not isinstance(value, str) or not value:
        return None
    v = value.strip().lower().replace("-", "_")
    if v in ("x86_64", "x86", "amd64"):
        return "x86_64"
    if v in ("arm64", "arm", "aarch64"):
        return "arm64"
    return None


def _norm_package(value: Any) -> str | None:
    if isinstance(value, str) and value.strip().lower() in PACKAGES:
        return value.strip().lower()
    return None


def runtime_family(runtime: str) -> str:
    """custom | python | dotnet | java | node | other | "" from a runtime name or version.

    Accepts configuration names (``python3.12``, ``provided.al2023``, ``dotnet8``) and
    INIT_START versions (``python:3.12.v7``, ``provided:al2023.v98``, ``java:21.v38``).
    """
    r = (runtime or "").strip().lower()
    if not r:
        return ""
    for prefix, family in (
        ("provided", "custom"),
        ("python", "python"),
        ("dotnet", "dotnet"),
        ("java", "java"),
        ("nodejs", "node"),
    ):
        if r.startswith(prefix):
            return family
    return "other"


def _config_value(cfg: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if k in cfg and cfg[k] not in (None, ""):
            return cfg[k]
    return None


@dataclass(frozen=True)
class _FunctionSetup:
    region: str
    architecture: str
    package: str
    memory_mb: float
    provisioned: int | None
    ephemeral_mb: float


def _function_setups(
    functions: list[str],
    options: BillingOptions,
    configurations: dict[str, dict[str, Any]],
    notes: list[str],
) -> dict[str, _FunctionSetup]:
    setups: dict[str, _FunctionSetup] = {}
    for f in functions:
        cfg = configurations.get(f) or {}
        region = _config_value(cfg, "region")
        arch = _norm_arch(_config_value(cfg, "architecture", "architectures"))
        package = _norm_package(_config_value(cfg, "package_type", "package"))
        if isinstance(region, str) and options.region and region != options.region:
            notes.append(f"{f}: region {region} from its fetched configuration "
                         f"(not --region {options.region})")
        if arch and options.architecture and arch != options.architecture:
            notes.append(f"{f}: architecture {arch} from its fetched configuration "
                         f"(not --architecture {options.architecture})")
        memory = _config_value(cfg, "memory_mb", "memory_size")
        pc = options.provisioned
        if pc is None:
            cfg_pc = _config_value(cfg, "provisioned_concurrency")
            if isinstance(cfg_pc, (int, float)) and not isinstance(cfg_pc, bool):
                pc = int(cfg_pc)
        eph = _config_value(cfg, "ephemeral_storage_mb", "ephemeral_storage")
        setups[f] = _FunctionSetup(
            region=region if isinstance(region, str) else (options.region or DEFAULT_REGION),
            architecture=arch or options.architecture or DEFAULT_ARCHITECTURE,
            package=package or options.package or "zip",
            memory_mb=float(memory) if isinstance(memory, (int, float)) else math.nan,
            provisioned=pc,
            ephemeral_mb=float(eph) if isinstance(eph, (int, float)) else 512.0,
        )
    return setups


def _tiered_cost(
    gb_s: np.ndarray, order_key: np.ndarray, tiers: tuple[Tier, ...], offset: float | None
) -> np.ndarray:
    """Per-invocation duration cost under monthly tiers.

    ``offset`` None: every GB-s at the first tier. Otherwise the invocations, in time order,
    sit on top of ``offset`` GB-s already used this month; an invocation that straddles a
    tier bound is split exactly.
    """
    gb = np.nan_to_num(gb_s, nan=0.0)
    prices = np.array([t.usd for t in tiers])
    if offset is None or len(tiers) == 1:
        return gb_s * prices[0]
    bounds = np.array([t.up_to_gb_s for t in tiers[:-1]], dtype=float)
    order = np.argsort(order_key, kind="stable")
    end = np.empty_like(gb)
    end[order] = offset + np.cumsum(gb[order])
    begin = end - gb
    tier_begin = np.searchsorted(bounds, begin, side="right")
    tier_end = np.searchsorted(bounds, end, side="left")
    cost = gb * prices[tier_begin]
    straddle = np.nonzero(tier_end > tier_begin)[0]
    if straddle.size:
        lows = np.concatenate(([0.0], bounds))
        highs = np.concatenate((bounds, [np.inf]))
        b = begin[straddle][:, None]
        e = end[straddle][:, None]
        part = np.clip(e, lows, highs) - np.clip(b, lows, highs)
        cost[straddle] = (part * prices).sum(axis=1)
    return np.where(np.isnan(gb_s), np.nan, cost)


def _window(
    invocations: pd.DataFrame,
    options: BillingOptions,
    configurations: dict[str, dict[str, Any]],
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    start, end = options.window_start, options.window_end
    if start is None or end is None:
        for cfg in configurations.values():
            w = (cfg or {}).get("window")
            if isinstance(w, dict) and w.get("start") and w.get("end"):
                try:
                    ws = pd.Timestamp(w["start"])
                    we = pd.Timestamp(w["end"])
                except (ValueError, TypeError):
                    continue
                ws = ws.tz_localize("UTC") if ws.tzinfo is None else ws.tz_convert("UTC")
                we = we.tz_localize("UTC") if we.tzinfo is None else we.tz_convert("UTC")
                start = ws if start is None or ws < start else start
                end = we if end is None or we > end else end
    if (start is None or end is None) and len(invocations):
        starts = pd.to_datetime(invocations["start"], utc=True)
        ends = pd.to_datetime(invocations["end"], utc=True) if "end" in invocations else starts
        if start is None and starts.notna().any():
            start = starts.min()
        if end is None:
            last = pd.concat([starts, ends]).max()
            end = last if pd.notna(last) else None
    return start, end


# -------------------------------------------------------------------------- main entry


def price_invocations(
    invocations: pd.DataFrame,
    options: BillingOptions,
    table: PriceTable,
    configurations: dict[str, dict[str, Any]] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Price every invocation. Returns (invocations + COST_COLUMNS + BILLING_COLUMNS, cost).

    ``cost`` is ``summary["cost"]`` of the JSON contract. Raises InputError for an unknown
    Region or architecture and ConfigError when a price it needs is unknown (null).
    """
    configurations = configurations or {}
    notes: list[str] = []
    df = invocations.copy()
    n = len(df)
    fn_codes, fn_names = pd.factorize(df["function"].astype(str).to_numpy())
    functions = [str(f) for f in fn_names] or sorted(configurations)
    setups = _function_setups(functions, options, configurations, notes)

    def per_function(attr: str, dtype: Any = object) -> np.ndarray:
        """A per-row array of one attribute of each row's function setup."""
        values = np.array([getattr(setups[str(f)], attr) for f in fn_names], dtype=dtype)
        return values[fn_codes] if len(values) else np.zeros(0, dtype=dtype)

    fn = df["function"].astype(str)
    region_arr = per_function("region")
    arch_arr = per_function("architecture")
    package = per_function("package")
    # Validate every (region, architecture) up front: an unknown one is an error.
    for region, arch in {(s.region, s.architecture) for s in setups.values()}:
        table.prices(region, arch)

    start = pd.to_datetime(df["start"], utc=True)
    start_type = df["start_type"].astype(str).to_numpy()
    init_type = df["init_type"].fillna("").astype(str).to_numpy()
    duration = df["duration_ms"].to_numpy(dtype=float)
    billed_log = df["billed_duration_ms"].to_numpy(dtype=float)
    init = df["init_duration_ms"].to_numpy(dtype=float)
    restore = df["restore_duration_ms"].to_numpy(dtype=float)
    billed_restore = df["billed_restore_duration_ms"].to_numpy(dtype=float)
    memory = df["memory_mb"].to_numpy(dtype=float).copy()
    cfg_memory = per_function("memory_mb", float)
    memory = np.where(np.isnan(memory), cfg_memory, memory)

    # Runtime per row: configuration, else INIT_START/RESTORE_START version, else --runtime.
    rt_codes, rt_names = pd.factorize(df["runtime_version"].fillna("").astype(str).to_numpy())
    row_family = np.array([runtime_family(str(r)) for r in rt_names] or [""], dtype=object)
    row_family = row_family[rt_codes] if n else np.zeros(0, dtype=object)
    cfg_family = np.array(
        [runtime_family(str((configurations.get(str(f)) or {}).get("runtime") or ""))
         for f in fn_names] or [""], dtype=object,
    )
    cfg_family = cfg_family[fn_codes] if n else np.zeros(0, dtype=object)
    family = np.where(cfg_family != "", cfg_family, row_family)
    family = np.where(family != "", family, runtime_family(options.runtime or ""))

    before_ms_era = (start < MS_GRANULARITY_SINCE).to_numpy()
    granularity = np.where(before_ms_era, 100.0, 1.0)
    before_init_change = (start < INIT_BILLED_SINCE).to_numpy()

    is_lmi = init_type == LMI_INIT_TYPE
    observed = ~np.isnan(billed_log) & ~is_lmi
    computed = np.isnan(billed_log) & ~is_lmi & ~np.isnan(duration)
    has_init = ~np.isnan(init) & (init > 0)
    first_with_init = np.isin(start_type, ("cold", "proactive", "provisioned"))
    is_restore = (start_type == "restore") | ~np.isnan(billed_restore) | ~np.isnan(restore)
    ceil_duration = roundup(duration, granularity)

    # Computed Billed Duration (§6.1 table): init included for images, custom runtimes and
    # provisioned concurrency at any date and for every on-demand invocation from 2025-08-01.
    init_rule_billed = (
        ~before_init_change | (package == "image") | (family == "custom")
        | (start_type == "provisioned") | (init_type == PC_INIT_TYPE)
    )
    add_init = computed & has_init & first_with_init & init_rule_billed
    restore_part = np.where(np.isnan(billed_restore), np.nan_to_num(restore), billed_restore)
    restore_estimated = computed & is_restore & np.isnan(billed_restore) & ~np.isnan(restore)
    add_restore = np.where(computed & is_restore, np.nan_to_num(restore_part), 0.0)
    billed_computed_ms = roundup(
        duration + np.where(add_init, init, 0.0) + add_restore, granularity
    )
    billed = np.where(observed, billed_log, np.where(computed, billed_computed_ms, np.nan))

    # INIT attribution (§6.1 rule 1): Billed - roundup(Duration), clipped at 0.
    raw = billed - ceil_duration
    timeout_capped = observed & (raw < -_EPS)
    init_evidence = has_init | is_restore | first_with_init
    init_billed = np.where(
        (observed | computed) & init_evidence, np.clip(np.nan_to_num(raw), 0.0, None), 0.0
    )
    # Init that was not billed (§6.1 rule 3), cold/proactive on-demand only.
    unbilled_candidates = (
        (observed | computed) & has_init & np.isin(start_type, ("cold", "proactive"))
        & (init_type != PC_INIT_TYPE) & (init_billed < _EPS)
    )
    covered = np.fmin(duration, billed)
    init_unbilled = np.where(
        unbilled_candidates, np.clip(np.nan_to_num(covered + init - billed), 0.0, None), 0.0
    )

    gb = memory / 1024.0
    gb_seconds = billed / 1000.0 * gb
    unpriced = ~is_lmi & np.isnan(gb_seconds)

    # Provisioned environments: start_type provisioned, init_type provisioned-concurrency,
    # and every later invocation of an environment whose first one was provisioned.
    pc_row = (start_type == "provisioned") | (init_type == PC_INIT_TYPE)
    if n:
        env = df["environment"].fillna("").astype(str)
        env_pc = (
            pd.Series(pc_row, index=df.index)
            .groupby([fn.to_numpy(), env.to_numpy()], sort=False)
            .transform("max")
            .to_numpy(dtype=bool)
        )
        pc_row = pc_row | (env_pc & (env.to_numpy() != ""))
    pc_row = pc_row & ~is_lmi

    request_usd = np.full(n, np.nan)
    duration_usd = np.full(n, np.nan)
    unbilled_usd = np.zeros(n)
    restore_fee = np.zeros(n)
    ephemeral_usd = np.zeros(n)
    eph_mb = per_function("ephemeral_mb", float)
    order_key = start.to_numpy(dtype="datetime64[ns]").astype("int64") if n else np.zeros(0)

    tier_notes: set[str] = set()
    groups = sorted({(s.region, s.architecture) for s in setups.values()})
    for region, arch in groups:
        sel = (region_arr == region) & (arch_arr == arch)
        request_price = table.require(region, arch, "requests_per_million") / 1e6
        request_usd[sel] = request_price
        od = sel & ~pc_row & ~is_lmi & ~unpriced
        pc = sel & pc_row & ~unpriced
        tiers = table.require(region, arch, "duration_per_gb_s")
        if od.any():
            duration_usd[od] = _tiered_cost(
                gb_seconds[od], order_key[od], tiers, options.monthly_gb_seconds
            )
        if len(tiers) == 1:
            tier_notes.add(f"{region}/{arch}: one rate at every volume (tiers unknown)")
        if pc.any():
            duration_usd[pc] = gb_seconds[pc] * table.require(
                region, arch, "provisioned_duration_per_gb_s"
            )
        # What the unbilled init would cost at today's rules: the on-demand tier-1 rate.
        unb = sel & (init_unbilled > 0)
        if unb.any():
            unbilled_usd[unb] = init_unbilled[unb] / 1000.0 * gb[unb] * tiers[0].usd
        # SnapStart restore charge: Python and .NET only (Java has none; §6.3).
        fee_rows = sel & is_restore & (start_type == "restore") & np.isin(
            family, ("python", "dotnet")
        ) & ~np.isnan(gb) & ~unpriced
        if fee_rows.any():
            fee = table.require(region, arch, "snapstart_restore_per_gb")
            restore_fee[fee_rows] = gb[fee_rows] * fee
        eph_rows = sel & (eph_mb > 512) & ~np.isnan(billed)
        if eph_rows.any():
            price = table.require(region, arch, "ephemeral_storage_per_gb_s")
            ephemeral_usd[eph_rows] = (
                billed[eph_rows] / 1000.0 * (eph_mb[eph_rows] - 512.0) / 1024.0 * price
            )

    duration_usd = np.where(is_lmi, 0.0, duration_usd)
    cost = request_usd + duration_usd + restore_fee + ephemeral_usd
    with np.errstate(invalid="ignore", divide="ignore"):
        init_share = np.where(billed > 0, init_billed / billed, 0.0)
    init_duration_usd = np.nan_to_num(duration_usd * init_share)
    init_cost = init_duration_usd + restore_fee
    init_cost = np.where(np.isnan(cost), np.nan, init_cost)

    priced_as = np.where(
        is_lmi, "lmi", np.where(unpriced, "unpriced", np.where(pc_row, "provisioned", "on-demand"))
    )
    df["cost_usd"] = cost
    df["init_cost_usd"] = init_cost
    df["billed_computed"] = computed
    df["priced_billed_ms"] = billed
    df["gb_seconds"] = gb_seconds
    df["init_billed_ms"] = np.where(np.isnan(billed), np.nan, init_billed)
    df["init_unbilled_ms"] = init_unbilled
    df["priced_as"] = priced_as
    df["request_usd"] = request_usd
    df["duration_usd"] = duration_usd
    df["restore_fee_usd"] = restore_fee
    df["ephemeral_storage_usd"] = ephemeral_usd
    df["init_unbilled_usd"] = unbilled_usd

    # ---------------------------------------------------------- per-function fixed charges
    window_start, window_end = _window(df, options, configurations)
    window_s = (
        max((window_end - window_start).total_seconds(), 0.0)
        if window_start is not None and window_end is not None else 0.0
    )
    allocation: dict[str, float] = {}
    levels: dict[str, int] = {}
    for f, s in setups.items():
        if not s.provisioned:
            continue
        mem = s.memory_mb
        if math.isnan(mem):
            fmem = memory[(fn == f).to_numpy()]
            mem = float(np.nanmax(fmem)) if fmem.size and not np.isnan(fmem).all() else math.nan
        if math.isnan(mem):
            notes.append(f"{f}: provisioned concurrency {s.provisioned} not priced "
                         "(memory size unknown)")
            continue
        seconds = math.ceil(window_s / PC_ROUNDING_S - 1e-9) * PC_ROUNDING_S
        price = table.require(s.region, s.architecture, "provisioned_concurrency_per_gb_s")
        allocation[f] = s.provisioned * mem / 1024.0 * seconds * price
        levels[f] = s.provisioned
    cache: dict[str, float] = {}
    fee_fn = df.loc[df["restore_fee_usd"] > 0, ["function", "version"]]
    if len(fee_fn):
        cache_s = max(window_s, SNAPSTART_CACHE_MIN_S)
        mem_by_fv = (
            pd.DataFrame({"function": fn, "version": df["version"].fillna("").astype(str),
                          "gb": gb})
            .loc[df["restore_fee_usd"].to_numpy() > 0]
            .groupby(["function", "version"])["gb"].max()
        )
        for key, g in mem_by_fv.items():
            f = str(key[0]) if isinstance(key, tuple) else str(key)
            s = setups[f]
            price = table.require(s.region, s.architecture, "snapstart_cache_per_gb_s")
            cache[f] = cache.get(f, 0.0) + float(g) * cache_s * price
        notes.append("SnapStart cache estimated for the analysed window, at least 3 h per "
                     "version, from the memory size only (disk not known)")

    df.attrs["billing_fixed_usd"] = {
        "provisioned_allocation_usd": allocation,
        "snapstart_cache_usd": cache,
    }

    summary = _summary(
        df, setups, options, table, notes, tier_notes,
        allocation=allocation, levels=levels, cache=cache,
        window=(window_start, window_end, window_s),
        masks={
            "observed": observed, "computed": computed, "lmi": is_lmi, "unpriced": unpriced,
            "timeout_capped": timeout_capped, "pc": pc_row, "restore_estimated": restore_estimated,
            "restore_no_runtime": (start_type == "restore") & (family == ""),
            "before_change": before_init_change & (observed | computed),
        },
        init_duration_usd=init_duration_usd,
        memory_mb=memory,
    )
    return df, summary


def _f(x: float) -> float:
    return float(x) if np.isfinite(x) else 0.0


def _summary(
    df: pd.DataFrame,
    setups: dict[str, _FunctionSetup],
    options: BillingOptions,
    table: PriceTable,
    notes: list[str],
    tier_notes: set[str],
    *,
    allocation: dict[str, float],
    levels: dict[str, int],
    cache: dict[str, float],
    window: tuple[pd.Timestamp | None, pd.Timestamp | None, float],
    masks: dict[str, np.ndarray],
    init_duration_usd: np.ndarray,
    memory_mb: np.ndarray,
) -> dict[str, Any]:
    """``summary["cost"]``. ``memory_mb`` is the per-row memory size with the fetched
    configuration filled in where the log had none (the one every amount was priced with)."""
    n = len(df)
    pc = masks["pc"]
    dur = df["duration_usd"].to_numpy(dtype=float)
    requests_usd = _f(np.nansum(df["request_usd"].to_numpy(dtype=float)[~masks["unpriced"]]))
    od_duration = _f(np.nansum(dur[~pc]))
    pc_duration = _f(np.nansum(dur[pc]))
    restore_usd = _f(df["restore_fee_usd"].sum())
    ephemeral = _f(np.nansum(df["ephemeral_storage_usd"].to_numpy(dtype=float)))
    alloc_total = float(sum(allocation.values()))
    cache_total = float(sum(cache.values()))
    provisioned_usd = pc_duration + alloc_total
    total = requests_usd + od_duration + provisioned_usd + restore_usd + ephemeral + cache_total
    init_usd = _f(np.nansum(df["init_cost_usd"].to_numpy(dtype=float)))
    unbilled_ms = _f(df["init_unbilled_ms"].sum())
    mem = np.asarray(memory_mb, dtype=float)
    unbilled_gb_s = _f(np.nansum(df["init_unbilled_ms"].to_numpy() / 1000.0 * mem / 1024.0))
    unbilled_usd = _f(df["init_unbilled_usd"].sum())
    init_billed_ms = _f(np.nansum(df["init_billed_ms"].to_numpy(dtype=float)))
    init_billed_gb_s = _f(np.nansum(df["init_billed_ms"].to_numpy(dtype=float) / 1000.0
                                    * mem / 1024.0))

    regions = sorted({s.region for s in setups.values()}) or [options.region or DEFAULT_REGION]
    archs = sorted({s.architecture for s in setups.values()}) or [
        options.architecture or DEFAULT_ARCHITECTURE
    ]
    if options.monthly_gb_seconds is None:
        tier = "first"
        tier_note = ("priced at the first duration tier (monthly tiers aggregate per account, "
                     "Region and architecture; use --monthly-gb-seconds N to price on top of "
                     "N GB-s already used this month)")
    else:
        tier = f"after {options.monthly_gb_seconds:g} GB-s this month"
        tier_note = (f"priced as if on top of {options.monthly_gb_seconds:g} GB-s already used "
                     "this month (monthly tiers per account, Region and architecture)")
    if tier_notes:
        tier_note += "; " + "; ".join(sorted(tier_notes))
    approx = sorted({
        f"{s.region}.{k}" for s in setups.values()
        for k in table.region(s.region).approximate if k.startswith(s.architecture + ".")
    })
    defaults_used = []
    if not options.region and any(s.region == DEFAULT_REGION for s in setups.values()):
        defaults_used.append(f"region {DEFAULT_REGION} (default)")
    if not options.architecture and any(
        s.architecture == DEFAULT_ARCHITECTURE for s in setups.values()
    ):
        defaults_used.append(f"architecture {DEFAULT_ARCHITECTURE} (default)")

    lmi = int(masks["lmi"].sum())
    if lmi:
        notes.append(f"{lmi} Lambda Managed Instances invocations: requests only; LMI has no "
                     "per-invocation billed duration (EC2 instances + 15 % management fee are "
                     "not in the logs)")
    computed = int(masks["computed"].sum())
    if computed:
        notes.append(f"{computed} invocations had no Billed Duration in the input: computed from "
                     "the rules for their date, package type and runtime")
    if int(masks["restore_estimated"].sum()):
        notes.append(f"{int(masks['restore_estimated'].sum())} restores without Billed Restore "
                     "Duration: Restore Duration used instead (an upper bound)")
    if int(masks["restore_no_runtime"].sum()):
        notes.append(f"{int(masks['restore_no_runtime'].sum())} SnapStart restores of unknown "
                     "runtime: no SnapStart restore charge applied (as for Java); pass --runtime")
    unpriced = int(masks["unpriced"].sum())
    if unpriced:
        notes.append(f"{unpriced} invocations not priced (memory size or duration unknown): "
                     "they add nothing to any amount and are not counted in the per-million "
                     "figures")
    if pc.any() and not levels:
        notes.append("provisioned concurrency allocation not priced: level unknown "
                     "(pass --provisioned N)")
    notes.append("free tier not applied; Savings Plans not applied")

    ws, we, window_s = window
    priced_n = n - unpriced
    return {
        "currency": "USD",
        "total_usd": total,
        "requests_usd": requests_usd,
        "duration_usd": od_duration,
        "provisioned_usd": provisioned_usd,
        "provisioned_duration_usd": pc_duration,
        "provisioned_allocation_usd": alloc_total if levels else None,
        "restore_usd": restore_usd,
        "snapstart_cache_usd": cache_total,
        "ephemeral_storage_usd": ephemeral,
        "init_usd": init_usd,
        "init_duration_usd": _f(np.nansum(init_duration_usd)),
        "init_share": init_usd / total if total > 0 else 0.0,
        "init_billed_ms": init_billed_ms,
        "init_billed_gb_s": init_billed_gb_s,
        "init_unbilled_ms": unbilled_ms,
        "init_unbilled_gb_s": unbilled_gb_s,
        "init_usd_at_current_rules": unbilled_usd,
        "total_usd_at_current_rules": total + unbilled_usd,
        "gb_seconds": _f(np.nansum(df["gb_seconds"].to_numpy(dtype=float))),
        "per_million_invocations_usd": total / priced_n * 1e6 if priced_n > 0 else 0.0,
        "invocations": n,
        "priced_invocations": priced_n,
        "unpriced_invocations": unpriced,
        "billed_observed": int(masks["observed"].sum()),
        "billed_computed": computed,
        "timeout_capped": int(masks["timeout_capped"].sum()),
        "lmi_invocations": lmi,
        "provisioned_invocations": int(pc.sum()),
        "provisioned_concurrency": dict(levels),
        "unbilled_init_invocations": int((df["init_unbilled_ms"].to_numpy() > 0).sum()),
        "window": {
            "start": ws.isoformat() if ws is not None else None,
            "end": we.isoformat() if we is not None else None,
            "seconds": window_s,
        },
        "pricing": {
            "region": regions[0] if len(regions) == 1 else "mixed",
            "architecture": archs[0] if len(archs) == 1 else "mixed",
            "regions": regions,
            "architectures": archs,
            "as_of": table.as_of.isoformat(),
            "table": table.origin,
            "tier": tier,
            "tier_note": tier_note,
            "defaults": defaults_used,
            "approximate": approx,
        },
        "notes": notes,
    }


# ----------------------------------------------------------------------- report tables


def cost_tables(priced: pd.DataFrame, cost: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Cost by function and by start type, from ``price_invocations``' output.

    ``by_function`` includes each function's fixed charges (provisioned allocation and
    SnapStart cache), so its total_usd column sums to ``cost["total_usd"]``. Unpriced rows
    (``priced_as == "unpriced"``) follow the summary's rule: they add nothing to any amount
    (not even their request) and ``per_million_usd`` divides by ``priced_invocations``.
    """
    fixed = priced.attrs.get("billing_fixed_usd", {})
    alloc = fixed.get("provisioned_allocation_usd", {})
    cache = fixed.get("snapstart_cache_usd", {})
    cols = {
        "invocations": ("request_id", "size"),
        "priced_invocations": ("_priced", "sum"),
        "cold_starts": ("_cold", "sum"),
        "gb_seconds": ("gb_seconds", "sum"),
        "requests_usd": ("_request_usd", "sum"),
        "duration_usd": ("duration_usd", "sum"),
        "restore_usd": ("restore_fee_usd", "sum"),
        "init_usd": ("init_cost_usd", "sum"),
        "invocations_usd": ("cost_usd", "sum"),
        "init_unbilled_ms": ("init_unbilled_ms", "sum"),
    }
    is_priced = priced["priced_as"] != "unpriced"
    work = priced.assign(
        _cold=priced["start_type"].isin(COLD_START_TYPES),
        _priced=is_priced,
        _request_usd=priced["request_usd"].where(is_priced, 0.0),
    )
    by_fn = work.groupby("function", sort=True).agg(**cols).reset_index()
    by_fn["provisioned_allocation_usd"] = by_fn["function"].map(alloc).fillna(0.0)
    by_fn["snapstart_cache_usd"] = by_fn["function"].map(cache).fillna(0.0)
    by_fn["total_usd"] = (
        by_fn["invocations_usd"] + by_fn["provisioned_allocation_usd"]
        + by_fn["snapstart_cache_usd"]
    )
    by_fn["init_share"] = np.where(
        by_fn["total_usd"] > 0, by_fn["init_usd"] / by_fn["total_usd"].where(
            by_fn["total_usd"] > 0, 1.0), 0.0
    )
    # Same rule as cost["per_million_invocations_usd"]: priced invocations only, 0 without any.
    by_fn["per_million_usd"] = np.where(
        by_fn["priced_invocations"] > 0,
        by_fn["total_usd"] / by_fn["priced_invocations"].where(
            by_fn["priced_invocations"] > 0, 1) * 1e6,
        0.0,
    )
    by_fn = by_fn.drop(columns=["invocations_usd"])

    by_st = work.groupby("start_type", sort=False).agg(
        invocations=("request_id", "size"),
        gb_seconds=("gb_seconds", "sum"),
        total_usd=("cost_usd", "sum"),
        init_usd=("init_cost_usd", "sum"),
        mean_usd=("cost_usd", "mean"),
    )
    order = [s for s in START_TYPES if s in by_st.index] + [
        s for s in by_st.index if s not in START_TYPES
    ]
    by_st = by_st.reindex(order).reset_index()
    inv_total = float(by_st["total_usd"].sum())
    by_st["share_of_cost"] = by_st["total_usd"] / inv_total if inv_total > 0 else 0.0
    by_st["init_share"] = np.where(
        by_st["total_usd"] > 0,
        by_st["init_usd"] / by_st["total_usd"].where(by_st["total_usd"] > 0, 1.0), 0.0,
    )
    return {"by_function": by_fn, "by_start_type": by_st}


def price_analysis(
    analysis: Analysis, options: BillingOptions, table: PriceTable
) -> Analysis:
    """The analysis with its invocations priced and ``summary["cost"]`` set.

    ``summary["cost"]`` also carries the two report tables as lists of records:
    ``by_function`` and ``by_start_type`` (see ``cost_tables``). Configurations fetched with
    the logs (``analysis.input.configurations``) give Region, architecture, memory, package
    type, runtime and provisioned concurrency where known.
    """
    priced, cost = price_invocations(
        analysis.invocations, options, table, analysis.input.configurations
    )
    tables = cost_tables(priced, cost)
    cost["by_function"] = _records(tables["by_function"])
    cost["by_start_type"] = _records(tables["by_start_type"])
    summary = dict(analysis.summary)
    summary["cost"] = cost
    return replace(analysis, invocations=priced, summary=summary)


def price_or_explain(
    analysis: Analysis, options: BillingOptions, table: PriceTable, strict: bool
) -> tuple[Analysis, str | None]:
    """``price_analysis``, or the analysis unpriced and why.

    ``strict`` (the user chose the Region or the price table) re-raises a price problem; one
    that comes only from the input or the defaults (a fetched configuration in a Region the
    table does not know, a price it lacks) is returned as the reason cost is missing.
    """
    try:
        return price_analysis(analysis, options, table), None
    except LamlifeError as exc:
        if strict:
            raise
        return analysis, str(exc)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for k, v in row.items():
            if isinstance(v, np.integer):
                v = int(v)
            elif isinstance(v, np.floating):
                v = float(v)
            clean[str(k)] = v
        out.append(clean)
    return out
