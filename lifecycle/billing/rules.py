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
import re
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
# Lambda@Edge replicas log to /aws/lambda/us-east-1.NAME in the Region that ran them
# (Lambda@Edge functions are created in us-east-1), so the function name has that prefix.
EDGE_FUNCTION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+\.(.+)$")
MISSING_SIZE = "memory size or duration unknown"

# Columns price_invocations adds to the invocation table besides COST_COLUMNS.
BILLING_COLUMNS: tuple[str, ...] = (
    "billed_computed",  # bool: Billed Duration was computed from the rules (not in the log)
    "priced_billed_ms",  # float: the Billed Duration that was priced (NaN: LMI or unpriced)
    "gb_seconds",  # float: priced_billed_ms / 1000 x memory_mb / 1024
    "init_billed_ms",  # float: the part of priced_billed_ms that paid for init or restore
    "init_unbilled_ms",  # float: whole ms of init not billed (pre-2025-08 on-demand ZIP)
    "priced_as",  # str: on-demand | provisioned | lmi | edge | unpriced
    "request_usd",  # float: the request charge
    "duration_usd",  # float: billed GB-s x the duration price (on-demand or provisioned)
    "restore_fee_usd",  # float: SnapStart restore charge (Python, .NET)
    "ephemeral_storage_usd",  # float: ephemeral storage above 512 MB
    "init_unbilled_usd",  # float: what init_unbilled_ms would cost at today's rules
    "region",  # str: the AWS Region the invocation was priced in
    "region_from",  # str: where that Region came from: input | option | default
    "unpriced_reason",  # str: why the invocation has no cost ("" when priced)
)
MONEY_COLUMNS: tuple[str, ...] = (
    "cost_usd", "init_cost_usd", "request_usd", "duration_usd", "restore_fee_usd",
    "ephemeral_storage_usd", "init_unbilled_usd",
)

_EPS = 1e-6


@dataclass(frozen=True)
class BillingOptions:
    """What the logs cannot say. ``None`` means: from the input, else the default.

    ``region`` (``--region``) wins over the Region the input names, with a note where they
    disagree. ``default_region`` is used when neither says (the CLI passes ``AWS_REGION`` or
    ``AWS_DEFAULT_REGION``, named in ``default_region_from``); us-east-1 otherwise.
    """

    region: str | None = None  # --region: every function is priced here
    architecture: str | None = None  # default x86_64
    package: str | None = None  # zip | image; default zip
    runtime: str | None = None  # e.g. python3.12, java21, provided.al2023
    provisioned: int | None = None  # provisioned concurrency level (every function)
    monthly_gb_seconds: float | None = None  # None: first tier; N: on top of N GB-s
    window_start: pd.Timestamp | None = None  # analysed window (default: the invocations')
    window_end: pd.Timestamp | None = None
    default_region: str | None = None  # when neither --region nor the input names one
    default_region_from: str = ""  # where default_region came from (an environment variable)

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


def clean_amounts(values: np.ndarray | float, digits: int = 12) -> np.ndarray:
    """Amounts as their decimals, so sums of exact prices print as a person would write them
    (5.17500995e-06, not 5.1750099499999995e-06). NaN stays NaN.

    Below $8 (every per-invocation amount in practice) this rounds to 1e-15 USD, which is
    exact and cheap (x * 1e15 stays under 2**53); larger amounts are rounded to ``digits``
    significant digits."""
    x = np.array(values, dtype=float, ndmin=1)
    small = np.abs(x) < 8.0
    out = np.where(small, np.round(x, 15), x)
    big = ~small & np.isfinite(x)
    if big.any():
        k = np.clip(digits - 1 - np.floor(np.log10(np.abs(x[big]))), 0, 22)
        scale = 10.0 ** k  # exact powers of ten up to 1e22: the division rounds correctly
        out[big] = np.rint(x[big] * scale) / scale
    return out


def clean_amount(value: float) -> float:
    """One amount rounded like :func:`clean_amounts` (NaN and inf become 0)."""
    return float(clean_amounts(value)[0]) if math.isfinite(value) else 0.0


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


def is_edge_function(function: str) -> bool:
    """A Lambda@Edge replica's log group names its function ``us-east-1.NAME``."""
    return EDGE_FUNCTION.match(function) is not None


@dataclass(frozen=True)
class _FunctionSetup:
    region: str  # the function's Region (rows may differ: see _row_regions)
    region_from: str  # input | option | default
    architecture: str
    architecture_from: str  # input | option | default
    package: str
    memory_mb: float
    provisioned: int | None
    ephemeral_mb: float
    edge: bool = False


def _input_region(
    function: str, cfg: dict[str, Any], regions: dict[str, dict[str, str]]
) -> str | None:
    """The Region the input names for a whole function: fetch header / configuration, a log
    group ARN, else the one its environments name most often."""
    region = _config_value(cfg, "region")
    if isinstance(region, str):
        return region
    by_env = regions.get(function) or {}
    if by_env.get(""):
        return by_env[""]
    named = [r for e, r in by_env.items() if e and r]
    if not named:
        return None
    return max(sorted(set(named)), key=named.count)


def _function_setups(
    functions: list[str],
    options: BillingOptions,
    configurations: dict[str, dict[str, Any]],
    regions: dict[str, dict[str, str]],
    notes: list[str],
) -> dict[str, _FunctionSetup]:
    setups: dict[str, _FunctionSetup] = {}
    overridden: list[str] = []
    default = options.default_region or DEFAULT_REGION
    for f in functions:
        cfg = configurations.get(f) or {}
        named = _input_region(f, cfg, regions)
        env_named = {r for e, r in (regions.get(f) or {}).items() if e and r}
        arch = _norm_arch(_config_value(cfg, "architecture", "architectures"))
        package = _norm_package(_config_value(cfg, "package_type", "package"))
        if options.region:
            differing = sorted(({named} if named else set()) | env_named)
            differing = [r for r in differing if r != options.region]
            if differing:
                overridden.append(f"{f} {'/'.join(differing)}")
            region, region_from = options.region, "option"
        elif named:
            region, region_from = named, "input"
        else:
            region, region_from = default, "default"
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
            region=region,
            region_from=region_from,
            architecture=arch or options.architecture or DEFAULT_ARCHITECTURE,
            architecture_from="input" if arch else "option" if options.architecture
            else "default",
            package=package or options.package or "zip",
            memory_mb=float(memory) if isinstance(memory, (int, float)) else math.nan,
            provisioned=pc,
            ephemeral_mb=float(eph) if isinstance(eph, (int, float)) else 512.0,
            edge=is_edge_function(f),
        )
    if overridden:
        notes.append(f"--region {options.region} used instead of the Region in the input "
                     f"({'; '.join(overridden)})")
    return setups


def _row_regions(
    df: pd.DataFrame, setups: dict[str, _FunctionSetup], regions: dict[str, dict[str, str]]
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str]]]:
    """Per row: the Region to price in and where it came from, and the distinct
    (function, Region) pairs. An environment the input places in a Region (runtime ARN,
    ``@aws.region``) is priced there unless --region said. One lookup per (function,
    environment), not per row."""
    n = len(df)
    if not n:
        return np.zeros(0, dtype=object), np.zeros(0, dtype=object), []
    f_codes, f_names = pd.factorize(df["function"].astype(str).to_numpy())
    e_codes, e_names = pd.factorize(df["environment"].fillna("").astype(str).to_numpy())
    key = f_codes.astype(np.int64) * (len(e_names) + 1) + e_codes
    codes, uniques = pd.factorize(key)
    region_u = np.empty(len(uniques), dtype=object)
    origin_u = np.empty(len(uniques), dtype=object)
    pairs: set[tuple[str, str]] = set()
    for i, k in enumerate(uniques):
        f, e = str(f_names[k // (len(e_names) + 1)]), str(e_names[k % (len(e_names) + 1)])
        s = setups[f]
        named = (regions.get(f) or {}).get(e) if e else None
        if named and s.region_from != "option":
            region_u[i], origin_u[i] = named, "input"
        else:
            region_u[i], origin_u[i] = s.region, s.region_from
        pairs.add((f, str(region_u[i])))
    return region_u[codes], origin_u[codes], sorted(pairs)


def _tiered_cost(
    gb_s: np.ndarray, order_key: np.ndarray, tiers: tuple[Tier, ...], offset: float | None
) -> np.ndarray:
    """Per-invocation duration cost under monthly tiers (NaN where a tier's price is unknown).

    ``offset`` None: every GB-s at the first tier. Otherwise the invocations, in time order,
    sit on top of ``offset`` GB-s already used this month; an invocation that straddles a
    tier bound is split exactly.
    """
    gb = np.nan_to_num(gb_s, nan=0.0)
    prices = np.array([np.nan if t.usd is None else t.usd for t in tiers], dtype=float)
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
        cost[straddle] = np.where(part > 0, part * prices, 0.0).sum(axis=1)
    return np.where(np.isnan(gb_s), np.nan, cost)


def _window(
    invocations: pd.DataFrame,
    options: BillingOptions,
    configurations: dict[str, dict[str, Any]],
) -> tuple[pd.Timestamp | None, pd.Timestamp | None, float]:
    """The analysed window (start, end, seconds): --window options, else the fetch header's
    window (``configurations[f]["window"]``), else the invocations' own span."""
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
    seconds = (max((end - start).total_seconds(), 0.0)
               if start is not None and end is not None else 0.0)
    return start, end, seconds


# -------------------------------------------------------------------------- main entry


@dataclass
class _Rows:
    """Per-row arrays shared by the pricing steps."""

    fn: np.ndarray
    region: np.ndarray
    arch: np.ndarray
    edge: np.ndarray
    start_type: np.ndarray
    family: np.ndarray
    memory: np.ndarray
    billed: np.ndarray
    gb: np.ndarray
    gb_seconds: np.ndarray
    is_lmi: np.ndarray
    is_restore: np.ndarray
    pc: np.ndarray
    eph_mb: np.ndarray
    order_key: np.ndarray
    init_unbilled: np.ndarray
    reason: np.ndarray  # "" = priced so far


def _runtime_family(df: pd.DataFrame, fn_codes: np.ndarray, fn_names: Any,
                    configurations: dict[str, dict[str, Any]], options: BillingOptions
                    ) -> np.ndarray:
    """Runtime per row: configuration, else INIT_START/RESTORE_START version, else --runtime."""
    n = len(df)
    rt_codes, rt_names = pd.factorize(df["runtime_version"].fillna("").astype(str).to_numpy())
    row_family = np.array([runtime_family(str(r)) for r in rt_names] or [""], dtype=object)
    row_family = row_family[rt_codes] if n else np.zeros(0, dtype=object)
    cfg_family = np.array(
        [runtime_family(str((configurations.get(str(f)) or {}).get("runtime") or ""))
         for f in fn_names] or [""], dtype=object,
    )
    cfg_family = cfg_family[fn_codes] if n else np.zeros(0, dtype=object)
    family = np.where(cfg_family != "", cfg_family, row_family)
    return np.where(family != "", family, runtime_family(options.runtime or ""))


def _provisioned_rows(df: pd.DataFrame, fn: np.ndarray, start_type: np.ndarray,
                      init_type: np.ndarray, is_lmi: np.ndarray) -> np.ndarray:
    """Provisioned environments: start_type provisioned, init_type provisioned-concurrency,
    and every later invocation of an environment whose first one was provisioned."""
    pc_row = (start_type == "provisioned") | (init_type == PC_INIT_TYPE)
    if len(df):
        env = df["environment"].fillna("").astype(str)
        env_pc = (
            pd.Series(pc_row, index=df.index)
            .groupby([fn, env.to_numpy()], sort=False)
            .transform("max")
            .to_numpy(dtype=bool)
        )
        pc_row = pc_row | (env_pc & (env.to_numpy() != ""))
    return pc_row & ~is_lmi


def _unpriced(rows: _Rows, sel: np.ndarray, reason: str | None) -> bool:
    """Mark the selected rows unpriced with ``reason`` (if any); True when it did."""
    if reason is None or not sel.any():
        return False
    rows.reason[sel & (rows.reason == "")] = reason
    return True


def _price_regional(rows: _Rows, region: str, arch: str, table: PriceTable,
                    options: BillingOptions, out: dict[str, np.ndarray],
                    tier_notes: set[str]) -> None:
    """Request, duration, restore and storage charges of one (Region, architecture)."""
    sel = (rows.region == region) & (rows.arch == arch) & ~rows.edge
    for key in ("requests_per_million", "duration_per_gb_s"):
        if _unpriced(rows, sel, table.missing(region, arch, key)):
            return
    prices = table.prices(region, arch)
    assert prices.requests_per_million is not None and prices.duration_per_gb_s is not None
    live = sel & (rows.reason == "")
    pc = live & rows.pc
    _unpriced(rows, pc, table.missing(region, arch, "provisioned_duration_per_gb_s"))
    fee_rows = live & rows.is_restore & (rows.start_type == "restore") & np.isin(
        rows.family, ("python", "dotnet")) & ~np.isnan(rows.gb)
    _unpriced(rows, fee_rows, table.missing(region, arch, "snapstart_restore_per_gb"))
    eph_rows = live & (rows.eph_mb > 512) & ~np.isnan(rows.billed)
    _unpriced(rows, eph_rows, table.missing(region, arch, "ephemeral_storage_per_gb_s"))

    tiers = prices.duration_per_gb_s
    od = sel & (rows.reason == "") & ~rows.pc & ~rows.is_lmi
    if od.any():
        out["duration"][od] = _tiered_cost(
            rows.gb_seconds[od], rows.order_key[od], tiers, options.monthly_gb_seconds)
        past = od & np.isnan(out["duration"])
        _unpriced(rows, past, (
            f"no duration price for {region} {arch} past the first "
            f"{(tiers[0].up_to_gb_s or 0) / 1e9:g} B GB-s a month "
            f"(regions.{region}.{arch}.duration_per_gb_s); give it with --pricing FILE"))
    if options.monthly_gb_seconds is not None and all(t.usd is not None for t in tiers) \
            and len(tiers) == 1:
        tier_notes.add(f"{region}/{arch}: one rate at every volume")
    ok = sel & (rows.reason == "")
    out["request"][ok] = prices.requests_per_million / 1e6
    pc_ok = ok & rows.pc
    if pc_ok.any():
        out["duration"][pc_ok] = rows.gb_seconds[pc_ok] * prices.provisioned_duration_per_gb_s
    # What the unbilled init would cost at today's rules: the on-demand tier-1 rate.
    unb = ok & (rows.init_unbilled > 0)
    if unb.any():
        out["unbilled"][unb] = rows.init_unbilled[unb] / 1000.0 * rows.gb[unb] * tiers[0].usd
    fee_ok = fee_rows & ok
    if fee_ok.any():
        out["restore"][fee_ok] = rows.gb[fee_ok] * prices.snapstart_restore_per_gb
    eph_ok = eph_rows & ok
    if eph_ok.any():
        out["ephemeral"][eph_ok] = (rows.billed[eph_ok] / 1000.0
                                    * (rows.eph_mb[eph_ok] - 512.0) / 1024.0
                                    * prices.ephemeral_storage_per_gb_s)


def _price_edge(rows: _Rows, table: PriceTable, out: dict[str, np.ndarray]) -> None:
    """Lambda@Edge functions: the Lambda@Edge request and GB-s prices (no tiers, no PC)."""
    sel = rows.edge & (rows.reason == "")
    if not sel.any():
        return
    edge = table.edge
    if edge is None or edge.requests_per_million is None or edge.duration_per_gb_s is None:
        _unpriced(rows, sel, f"Lambda@Edge function: the price table ({table.origin}) has no "
                  "Lambda@Edge rates (lambda_edge); give them with --pricing FILE")
        return
    out["request"][sel] = edge.requests_per_million / 1e6
    out["duration"][sel] = rows.gb_seconds[sel] * edge.duration_per_gb_s
    unb = sel & (rows.init_unbilled > 0)
    out["unbilled"][unb] = rows.init_unbilled[unb] / 1000.0 * rows.gb[unb] * edge.duration_per_gb_s


@dataclass
class _Billed:
    """Billed Duration and its INIT share per row (see ``_billed_durations``)."""

    start: pd.Series
    start_type: np.ndarray
    init_type: np.ndarray
    billed: np.ndarray  # the Billed Duration priced (ms); NaN: LMI or unknown
    init_billed: np.ndarray  # ms of it that paid for init or restore
    init_unbilled: np.ndarray  # whole ms of init not billed (pre-2025-08 on-demand ZIP)
    is_lmi: np.ndarray
    observed: np.ndarray  # Billed Duration logged
    computed: np.ndarray  # Billed Duration computed from the rules
    is_restore: np.ndarray
    restore_estimated: np.ndarray  # computed with Restore Duration (no Billed Restore)
    timeout_capped: np.ndarray  # logged Billed Duration below roundup(Duration)
    before_init_change: np.ndarray


def _billed_durations(df: pd.DataFrame, package: np.ndarray, family: np.ndarray) -> _Billed:
    """Billed Duration per row (logged, else computed from the rules of the row's date,
    package type and runtime), the part of it that paid for INIT or a restore, and the INIT
    time that was not billed (AWS Compute Blog, "AWS Lambda standardizes billing for INIT
    Phase", 2025-04-29; 1 ms billing since 2020-12-01, AWS What's New 2020-12)."""
    start = pd.to_datetime(df["start"], utc=True)
    start_type = df["start_type"].astype(str).to_numpy()
    init_type = df["init_type"].fillna("").astype(str).to_numpy()
    duration = df["duration_ms"].to_numpy(dtype=float)
    billed_log = df["billed_duration_ms"].to_numpy(dtype=float)
    init = df["init_duration_ms"].to_numpy(dtype=float)
    restore = df["restore_duration_ms"].to_numpy(dtype=float)
    billed_restore = df["billed_restore_duration_ms"].to_numpy(dtype=float)

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
    # Init that was not billed (§6.1 rule 3), cold/proactive on-demand only, in the whole
    # milliseconds today's rules would bill: roundup(min(Duration, Billed) + Init) - Billed.
    unbilled_candidates = (
        (observed | computed) & has_init & np.isin(start_type, ("cold", "proactive"))
        & (init_type != PC_INIT_TYPE) & (init_billed < _EPS)
    )
    covered = np.fmin(duration, billed)
    init_unbilled = np.where(
        unbilled_candidates,
        np.clip(np.nan_to_num(roundup(covered + init, 1.0) - billed), 0.0, None), 0.0,
    )

    return _Billed(start=start, start_type=start_type, init_type=init_type, billed=billed,
                   init_billed=init_billed, init_unbilled=init_unbilled, is_lmi=is_lmi,
                   observed=observed, computed=computed, is_restore=is_restore,
                   restore_estimated=restore_estimated, timeout_capped=timeout_capped,
                   before_init_change=before_init_change)


def price_invocations(
    invocations: pd.DataFrame,
    options: BillingOptions,
    table: PriceTable,
    configurations: dict[str, dict[str, Any]] | None = None,
    regions: dict[str, dict[str, str]] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Price every invocation. Returns (invocations + COST_COLUMNS + BILLING_COLUMNS, cost).

    ``cost`` is ``summary["cost"]`` of the JSON contract. ``regions`` (function ->
    environment -> Region, "" for the whole function) is what the input named
    (``InputStats.regions``). A price the table lacks never stops pricing: the invocations
    that need it get ``priced_as = "unpriced"`` and an ``unpriced_reason``, and the totals
    say what they exclude. Raises InputError only for an explicit ``options.region`` the table
    neither prices nor lists as unsupported (a typo guard).
    """
    configurations = configurations or {}
    regions = regions or {}
    if options.region and options.region not in table.unsupported:
        table.region(options.region)  # InputError naming the known Regions
    notes: list[str] = []
    df = invocations.copy()
    n = len(df)
    fn_codes, fn_names = pd.factorize(df["function"].astype(str).to_numpy())
    functions = [str(f) for f in fn_names] or sorted(configurations)
    setups = _function_setups(functions, options, configurations, regions, notes)

    def per_function(attr: str, dtype: Any = object) -> np.ndarray:
        """A per-row array of one attribute of each row's function setup."""
        values = np.array([getattr(setups[str(f)], attr) for f in fn_names], dtype=dtype)
        return values[fn_codes] if len(values) else np.zeros(0, dtype=dtype)

    fn = df["function"].astype(str)
    region_arr, region_from, fn_regions = _row_regions(df, setups, regions)
    arch_arr = per_function("architecture")
    edge_arr = per_function("edge", bool)
    package = per_function("package")
    family = _runtime_family(df, fn_codes, fn_names, configurations, options)

    memory = df["memory_mb"].to_numpy(dtype=float).copy()
    memory = np.where(np.isnan(memory), per_function("memory_mb", float), memory)
    bd = _billed_durations(df, package, family)
    start, start_type, init_type = bd.start, bd.start_type, bd.init_type
    billed, init_billed, init_unbilled = bd.billed, bd.init_billed, bd.init_unbilled
    is_lmi, observed, computed, is_restore = bd.is_lmi, bd.observed, bd.computed, bd.is_restore

    gb = memory / 1024.0
    gb_seconds = billed / 1000.0 * gb
    reason = np.full(n, "", dtype=object)
    reason[~is_lmi & np.isnan(gb_seconds)] = MISSING_SIZE
    pc_row = _provisioned_rows(df, fn.to_numpy(), start_type, init_type, is_lmi)
    rows = _Rows(
        fn=fn.to_numpy(), region=region_arr, arch=arch_arr, edge=edge_arr,
        start_type=start_type, family=family, memory=memory, billed=billed, gb=gb,
        gb_seconds=gb_seconds, is_lmi=is_lmi, is_restore=is_restore, pc=pc_row & ~edge_arr,
        eph_mb=per_function("ephemeral_mb", float),
        order_key=(start.to_numpy(dtype="datetime64[ns]").astype("int64") if n
                   else np.zeros(0)),
        init_unbilled=init_unbilled, reason=reason,
    )
    out = {"request": np.full(n, np.nan), "duration": np.full(n, np.nan),
           "unbilled": np.zeros(n), "restore": np.zeros(n), "ephemeral": np.zeros(n)}
    tier_notes: set[str] = set()
    for region, arch in sorted({(r, setups[f].architecture) for f, r in fn_regions
                                if not setups[f].edge}):
        _price_regional(rows, region, arch, table, options, out, tier_notes)
    _price_edge(rows, table, out)

    unpriced = rows.reason != ""
    for key in ("request", "duration"):
        out[key][unpriced] = np.nan
    for key in ("unbilled", "restore", "ephemeral"):
        out[key][unpriced] = 0.0
    duration_usd = np.where(is_lmi & ~unpriced, 0.0, out["duration"])
    cost = out["request"] + duration_usd + out["restore"] + out["ephemeral"]
    with np.errstate(invalid="ignore", divide="ignore"):
        init_share = np.where(billed > 0, init_billed / billed, 0.0)
    init_duration_usd = np.nan_to_num(duration_usd * init_share)
    init_cost = np.where(np.isnan(cost), np.nan, init_duration_usd + out["restore"])

    priced_as = np.select(
        [unpriced, is_lmi, edge_arr, pc_row],
        ["unpriced", "lmi", "edge", "provisioned"], default="on-demand",
    )
    df["cost_usd"] = clean_amounts(cost)
    df["init_cost_usd"] = clean_amounts(init_cost)
    df["billed_computed"] = computed
    df["priced_billed_ms"] = billed
    df["gb_seconds"] = clean_amounts(gb_seconds)
    df["init_billed_ms"] = np.where(np.isnan(billed), np.nan, init_billed)
    df["init_unbilled_ms"] = init_unbilled
    df["priced_as"] = priced_as
    df["request_usd"] = clean_amounts(out["request"])
    df["duration_usd"] = clean_amounts(duration_usd)
    df["restore_fee_usd"] = clean_amounts(out["restore"])
    df["ephemeral_storage_usd"] = clean_amounts(out["ephemeral"])
    df["init_unbilled_usd"] = clean_amounts(out["unbilled"])
    df["region"] = region_arr
    df["region_from"] = region_from
    df["unpriced_reason"] = rows.reason

    window = _window(df, options, configurations)
    allocation, levels, cache = _fixed_charges(df, setups, table, window, memory, gb, notes)
    df.attrs["billing_fixed_usd"] = {
        "provisioned_allocation_usd": allocation,
        "snapstart_cache_usd": cache,
    }
    summary = _summary(
        df, setups, options, table, notes, tier_notes,
        allocation=allocation, levels=levels, cache=cache,
        window=window,
        masks={
            "observed": observed, "computed": computed, "lmi": is_lmi, "unpriced": unpriced,
            "timeout_capped": bd.timeout_capped, "pc": pc_row & ~unpriced & ~edge_arr,
            "restore_estimated": bd.restore_estimated,
            "restore_no_runtime": (start_type == "restore") & (family == ""),
            "before_change": bd.before_init_change & (observed | computed),
            "edge": edge_arr,
        },
        init_duration_usd=init_duration_usd,
        memory_mb=memory,
        configurations=configurations,
        fn_regions=fn_regions,
    )
    return df, summary


def _fixed_charges(
    df: pd.DataFrame, setups: dict[str, _FunctionSetup], table: PriceTable,
    window: tuple[pd.Timestamp | None, pd.Timestamp | None, float],
    memory: np.ndarray, gb: np.ndarray, notes: list[str],
) -> tuple[dict[str, float], dict[str, int], dict[str, float]]:
    """Per-function charges no invocation carries: the provisioned-concurrency allocation over
    the analysed window (rounded up to 5 minutes), and the SnapStart cache (at least 3 h)."""
    window_s = window[2]
    fn = df["function"].astype(str)
    allocation: dict[str, float] = {}
    levels: dict[str, int] = {}
    for f, s in setups.items():
        if not s.provisioned or s.edge:
            continue
        mem = s.memory_mb
        if math.isnan(mem):
            fmem = memory[(fn == f).to_numpy()]
            mem = float(np.nanmax(fmem)) if fmem.size and not np.isnan(fmem).all() else math.nan
        if math.isnan(mem):
            notes.append(f"{f}: provisioned concurrency {s.provisioned} not priced "
                         "(memory size unknown)")
            continue
        why = table.missing(s.region, s.architecture, "provisioned_concurrency_per_gb_s")
        if why:
            notes.append(f"{f}: provisioned concurrency allocation not priced: {why}")
            levels[f] = s.provisioned
            continue
        seconds = math.ceil(window_s / PC_ROUNDING_S - 1e-9) * PC_ROUNDING_S
        price = table.prices(s.region, s.architecture).provisioned_concurrency_per_gb_s
        assert price is not None
        allocation[f] = clean_amount(s.provisioned * mem / 1024.0 * seconds * price)
        levels[f] = s.provisioned
    cache: dict[str, float] = {}
    restored = df["restore_fee_usd"].to_numpy(dtype=float) > 0
    if restored.any():
        cache_s = max(window_s, SNAPSTART_CACHE_MIN_S)
        mem_by_fv = (
            pd.DataFrame({"function": fn, "version": df["version"].fillna("").astype(str),
                          "gb": gb})
            .loc[restored]
            .groupby(["function", "version"])["gb"].max()
        )
        for key, g in mem_by_fv.items():
            f = str(key[0]) if isinstance(key, tuple) else str(key)
            s = setups[f]
            why = table.missing(s.region, s.architecture, "snapstart_cache_per_gb_s")
            if why:
                notes.append(f"{f}: SnapStart cache not priced: {why}")
                continue
            price = table.prices(s.region, s.architecture).snapstart_cache_per_gb_s
            assert price is not None
            cache[f] = clean_amount(cache.get(f, 0.0) + float(g) * cache_s * price)
        notes.append("SnapStart cache estimated for the analysed window, at least 3 h per "
                     "version, from the memory size only (disk not known)")
    return allocation, levels, cache


def _f(x: float) -> float:
    """A total as reported: finite, rounded like every amount (see ``clean_amounts``)."""
    return clean_amount(float(x))


def unmodelled_charge_notes(setups: dict[str, _FunctionSetup],
                            configurations: dict[str, dict[str, Any]]) -> list[str]:
    """One note per function whose fetched configuration shows a charge lamlife does not
    price: tenant isolation mode (``TenancyConfig``) and durable functions
    (``DurableConfig``), both in the Lambda API's function configuration."""
    notes = []
    for f in sorted(setups):
        cfg = configurations.get(f) or {}
        if cfg.get("tenant_isolation_mode"):
            notes.append(f"{f}: tenant isolation mode {cfg['tenant_isolation_mode']}: the charge "
                         "per tenant-isolated execution environment is not priced")
        if cfg.get("durable"):
            notes.append(f"{f}: durable function: durable operations and the data they write "
                         "and keep are not priced")
    return notes


def _unpriced_groups(df: pd.DataFrame, unpriced: np.ndarray) -> list[dict[str, Any]]:
    """Unpriced invocations grouped by function, Region and reason."""
    if not unpriced.any():
        return []
    sub = df.loc[unpriced, ["function", "region", "unpriced_reason"]].astype(str)
    groups = sub.groupby(["function", "region", "unpriced_reason"], sort=True).size()
    return [{"function": str(f), "region": str(r), "invocations": int(c), "reason": str(why)}
            for f, r, why, c in groups.reset_index().itertuples(index=False)]


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
    configurations: dict[str, dict[str, Any]] | None = None,
    fn_regions: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """``summary["cost"]``. ``memory_mb`` is the per-row memory size with the fetched
    configuration filled in where the log had none (the one every amount was priced with).
    Totals cover priced invocations only; ``unpriced`` and ``incomplete`` say what is left out."""
    n = len(df)
    pc = masks["pc"]
    unpriced_mask = masks["unpriced"]
    dur = df["duration_usd"].to_numpy(dtype=float)
    requests_usd = _f(np.nansum(df["request_usd"].to_numpy(dtype=float)[~unpriced_mask]))
    od_duration = _f(np.nansum(dur[~pc & ~masks["edge"]]))
    edge_usd = _f(np.nansum(dur[masks["edge"]]))
    pc_duration = _f(np.nansum(dur[pc]))
    restore_usd = _f(df["restore_fee_usd"].sum())
    ephemeral = _f(np.nansum(df["ephemeral_storage_usd"].to_numpy(dtype=float)))
    alloc_total = _f(sum(allocation.values()))
    cache_total = _f(sum(cache.values()))
    provisioned_usd = _f(pc_duration + alloc_total)
    total = _f(requests_usd + od_duration + edge_usd + provisioned_usd + restore_usd
               + ephemeral + cache_total)
    init_usd = _f(np.nansum(df["init_cost_usd"].to_numpy(dtype=float)))
    unbilled_ms = _f(df["init_unbilled_ms"].sum())
    mem = np.asarray(memory_mb, dtype=float)
    unbilled_gb_s = _f(np.nansum(df["init_unbilled_ms"].to_numpy() / 1000.0 * mem / 1024.0))
    unbilled_usd = _f(df["init_unbilled_usd"].sum())
    init_billed_ms = _f(np.nansum(df["init_billed_ms"].to_numpy(dtype=float)))
    init_billed_gb_s = _f(np.nansum(df["init_billed_ms"].to_numpy(dtype=float) / 1000.0
                                    * mem / 1024.0))

    fn_regions = fn_regions or []
    row_regions = sorted({r for _, r in fn_regions})
    regions = row_regions or sorted({s.region for s in setups.values()}) or [
        options.region or options.default_region or DEFAULT_REGION]
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
    used = sorted({(r, setups[f].architecture) for f, r in fn_regions})
    approx = sorted({
        f"{r}.{k}" for r, a in used if r in table.regions
        for k in table.regions[r].approximate if k.startswith(a + ".")
    })
    defaults_used = []
    default_rows = df["region_from"].astype(str).to_numpy() == "default" if n else np.zeros(0)
    if default_rows.any() or (not n and not options.region):
        default = options.default_region or DEFAULT_REGION
        origin = f"from {options.default_region_from}" if options.default_region_from \
            else "default"
        defaults_used.append(f"region {default} ({origin})")
    if any(s.architecture_from == "default" for s in setups.values()):
        defaults_used.append(f"architecture {DEFAULT_ARCHITECTURE} (default)")

    lmi = int(masks["lmi"].sum())
    if lmi:
        notes.append(f"{lmi} Lambda Managed Instances invocations: requests only; LMI has no "
                     "per-invocation billed duration (EC2 instances + 15 % management fee are "
                     "not in the logs and not priced)")
    notes.extend(unmodelled_charge_notes(setups, configurations or {}))
    edge = int(masks["edge"].sum())
    if edge:
        notes.append(f"{edge} Lambda@Edge invocations priced at Lambda@Edge rates "
                     "(one global list price)")
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
    unpriced_groups = _unpriced_groups(df, unpriced_mask)
    unpriced = int(unpriced_mask.sum())
    for g in unpriced_groups:
        notes.append(f"totals and per-million figures exclude {g['invocations']} unpriced "
                     f"invocation(s) of "
                     f"{g['function']} ({g['region']}): {g['reason']}")
    incomplete = sorted({f"{g['function']}: {g['reason']}" for g in unpriced_groups
                         if g["reason"] != MISSING_SIZE})
    incomplete += sorted(n_ for n_ in notes if " not priced: " in n_
                         and not n_.startswith("totals and per-million"))
    if pc.any() and not levels:
        notes.append("provisioned concurrency allocation not priced: level unknown "
                     "(pass --provisioned N)")
    notes.append("free tier not applied; Savings Plans not applied")

    ws, we, window_s = window
    priced_n = n - unpriced
    by_function_regions: dict[str, list[str]] = {}
    for f, r in fn_regions:  # sorted pairs: Regions come out sorted
        by_function_regions.setdefault(f, []).append(r)
    return {
        "currency": "USD",
        "total_usd": total,
        "requests_usd": requests_usd,
        "duration_usd": od_duration,
        "edge_duration_usd": edge_usd,
        "provisioned_usd": provisioned_usd,
        "provisioned_duration_usd": pc_duration,
        "provisioned_allocation_usd": alloc_total if allocation else None,
        "restore_usd": restore_usd,
        "snapstart_cache_usd": cache_total,
        "ephemeral_storage_usd": ephemeral,
        "init_usd": init_usd,
        "init_duration_usd": _f(np.nansum(init_duration_usd)),
        "init_share": clean_amount(init_usd / total) if total > 0 else 0.0,
        "init_billed_ms": init_billed_ms,
        "init_billed_gb_s": init_billed_gb_s,
        "init_unbilled_ms": unbilled_ms,
        "init_unbilled_gb_s": unbilled_gb_s,
        "init_usd_at_current_rules": unbilled_usd,
        "total_usd_at_current_rules": _f(total + unbilled_usd),
        "gb_seconds": _f(np.nansum(df["gb_seconds"].to_numpy(dtype=float))),
        "per_million_invocations_usd": _f(total / priced_n * 1e6) if priced_n > 0 else 0.0,
        "invocations": n,
        "priced_invocations": priced_n,
        "unpriced_invocations": unpriced,
        "unpriced": unpriced_groups,
        "incomplete": incomplete,
        "billed_observed": int(masks["observed"].sum()),
        "billed_computed": computed,
        "timeout_capped": int(masks["timeout_capped"].sum()),
        "lmi_invocations": lmi,
        "edge_invocations": edge,
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
            "function_regions": by_function_regions,
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
    by_fn = work.groupby("function", sort=True, observed=True).agg(**cols).reset_index()
    by_fn["function"] = by_fn["function"].astype(object)
    regions = priced.groupby("function", observed=True)["region"].agg(
        lambda r: "/".join(sorted(set(r))))
    by_fn.insert(1, "region", by_fn["function"].map(regions).fillna(""))
    by_fn["unpriced_invocations"] = by_fn["invocations"] - by_fn["priced_invocations"]
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

    by_st = work.groupby("start_type", sort=False, observed=True).agg(
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
        analysis.invocations, options, table, analysis.input.configurations,
        analysis.input.regions,
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
            if isinstance(v, float) and (str(k).endswith(("_usd", "_share"))
                                         or k == "gb_seconds"):
                v = clean_amount(v)
            clean[str(k)] = v
        out.append(clean)
    return out
