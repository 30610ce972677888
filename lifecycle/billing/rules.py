"""Price every invocation and attribute the INIT phase (docs/platform.md §6).

Pure functions over the invocation table (``lamlife.lifecycle.schema.INVOCATION_COLUMNS``),
vectorized with pandas/numpy: no per-row apply. The main entry is ``price_invocations``;
``cost_tables`` turns its output into the cost-by-function and cost-by-start-type tables.
The table's string columns are read once each as integer codes (``_Keys``); whatever is
decided per function, per (function, environment) or per (Region, architecture) is decided
once for each and spread to the rows with one ``take``, so object, ``str`` and Categorical
columns price alike. The steps, in order: ``_decide`` (``_Keys``/``_Kinds``, codes and
start kinds; ``function_setups``; ``_price_groups``, Region per row; ``_priced_rows``,
memory, Billed Duration, provisioned rows; ``_group_unpriced``/``_edge_unpriced``, the prices
of each (Region, architecture) and the rows left unpriced), ``_amount_columns`` (the priced
columns, one at a time, whose sums ``_Totals`` and ``_CostSums`` take as they come),
``_fixed_charges`` and ``_summary``; ``price_invocations`` also keeps the columns and adds
them to the table (``_with_columns``: the table itself not copied), ``price_analysis`` keeps
none and leaves that to the first read of ``Analysis.invocations``.

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.analysis import Analysis, DeferredPrices
from lamlife.lifecycle.billing.amounts import clean_amount, clean_amounts
from lamlife.lifecycle.billing.prices import (
    ARCHITECTURES,
    ArchPrices,
    EdgePrices,
    PriceTable,
    Tier,
)
from lamlife.lifecycle.engine.account import fixed_by_function
from lamlife.lifecycle.engine.coded import coded_by_code, run_starts, smallest_int_type
from lamlife.lifecycle.errors import InputError, LamlifeError
from lamlife.lifecycle.schema import COLD_START_TYPES, COST_COLUMNS, START_TYPES

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
    "priced_as",  # Categorical str: on-demand | provisioned | lmi | edge | unpriced
    "request_usd",  # float: the request charge
    "duration_usd",  # float: billed GB-s x the duration price (on-demand or provisioned)
    "restore_fee_usd",  # float: SnapStart restore charge (Python, .NET)
    "ephemeral_storage_usd",  # float: ephemeral storage above 512 MB
    "init_unbilled_usd",  # float: what init_unbilled_ms would cost at today's rules
    "region",  # Categorical str: the AWS Region the invocation was priced in
    "region_from",  # Categorical str: where that Region came from: input | option | default
    "unpriced_reason",  # Categorical str: why the invocation has no cost ("" when priced)
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
    """Round durations up to the billing granularity (ms). Printed decimals are exact.
    One new array the shape of ``ms``; every step after the division works in it."""
    q = np.asarray(np.asarray(ms, dtype=float) / granularity)
    # Round away float noise first (2827.05 / 1 must not become 2828.0000000001).
    np.round(q, 6, out=q)
    np.ceil(q, out=q)
    np.multiply(q, granularity, out=q)
    return q


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


def function_setups(
    functions: list[str],
    options: BillingOptions,
    configurations: dict[str, dict[str, Any]],
    regions: dict[str, dict[str, str]],
    notes: list[str],
) -> dict[str, _FunctionSetup]:
    """How each function is priced (Region and architecture with where each came from,
    package, memory, provisioned level, ephemeral storage, Lambda@Edge), from the options,
    its fetched configuration and the Regions its input names; notes on those choices (an
    option overriding the input's Region, an architecture taken from the configuration) go
    to ``notes``."""
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


# ------------------------------------------------------------------------ integer codes


@dataclass(frozen=True)
class _Codes:
    """A low-cardinality column as integer codes: ``names[codes[i]]`` is row i as ``str``.

    Built once per column by :func:`_codes` from an object, ``str`` or Categorical column
    alike; per-row work then runs over the few names and is spread to the rows with one
    ``take`` (no string compared or built per row)."""

    codes: np.ndarray  # per row, into names (the smallest integer type that holds them)
    names: list[str]  # distinct labels (see _codes for their order)
    na: int = -1  # the code missing values were given, -1 when none was missing

    def rows(self, per_name: Any, dtype: Any = object) -> np.ndarray:
        """A per-row array from one value per name."""
        return np.array(list(per_name), dtype=dtype)[self.codes]

    def isin(self, *labels: str) -> np.ndarray:
        """Per row: is its label one of ``labels``."""
        return self.rows([name in labels for name in self.names], bool)


def _codes(column: pd.Series, missing: str = "", in_order: bool = False) -> _Codes:
    """``column`` (object, str or Categorical) as :class:`_Codes`; a missing value reads as
    ``missing`` (as ``fillna(missing).astype(str)`` would). A Categorical's own codes are
    used as they are (its categories may include some no row has) unless ``in_order`` asks
    for exactly the labels present, in order of first appearance."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        # The Categorical's own small codes, read without a copy (or renumbered in order).
        raw, uniques = (_first_appearance(column) if in_order
                        else (column.array.codes, column.cat.categories))
    else:
        raw, uniques = pd.factorize(column, use_na_sentinel=True)
    codes = np.asarray(raw)
    names = [str(u) for u in uniques]
    na = -1
    if len(codes) and codes.min() < 0:
        names.append(missing)
        na = len(names) - 1
        codes = np.where(codes < 0, np.intp(na), codes)
    if len(set(names)) < len(names):  # "" and a missing value: one label, one code
        remap, distinct = pd.factorize(np.array(names, dtype=object))
        codes, names, na = remap[codes], [str(u) for u in distinct], int(remap[na])
    return _Codes(_compact(codes, len(names)), names, na)


def _first_appearance(column: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """A Categorical's codes renumbered to the categories present, in order of first
    appearance (as ``pd.factorize`` numbers them; -1 stays missing), and those categories.
    Found from where the code changes: no per-row hashtable, one small array per row."""
    codes = column.array.codes  # the Categorical's own array (read only)
    if not len(codes):
        return codes, []
    seen = pd.unique(codes[run_starts(codes)])  # few runs: the table is in order
    present = seen[seen >= 0]
    remap = np.full(len(column.cat.categories) + 1, -1, dtype=np.int64)  # [-1] for missing
    remap[present] = np.arange(len(present))
    renumbered = _compact(remap, len(present) + 1)
    if len(present) == len(seen) == len(column.cat.categories) \
            and (present == np.arange(len(present))).all() and renumbered.dtype == codes.dtype:
        return codes, list(column.cat.categories)  # in order already (one function, say)
    return renumbered[codes], list(column.cat.categories[present])


def _compact(codes: np.ndarray, count: int) -> np.ndarray:
    """Codes in the smallest integer type that holds ``count`` distinct values (no copy
    when they are in it already)."""
    return codes.astype(smallest_int_type(count), copy=False)


def _held(values: np.ndarray) -> np.ndarray:
    """A per-row array as pricing holds it once it is decided: where every row has the same
    value (every row priced, none provisioned, one price group: the usual case), a read-only
    broadcast of that value, which takes no memory per row; else ``values`` itself. Read it
    as any array; it is never written to."""
    if len(values) and not (values != values[0]).any():
        return np.broadcast_to(values[0], values.shape)
    return values


@dataclass(frozen=True)
class _Pairs:
    """The distinct (function, environment) pairs and where their rows are, as runs of
    consecutive rows of one pair: one run per pair in a table ordered by function and
    environment (as INVOCATION_COLUMNS are), more where a table is not. Per-pair values reach
    the rows with ``spread`` (one ``np.repeat``): no per-row pair code is held."""

    function: np.ndarray  # per pair: code in the function _Codes
    environment: np.ndarray  # per pair: code in the environment _Codes
    run_start: np.ndarray  # per run: its first row
    run_length: np.ndarray  # per run: how many rows
    run_pair: np.ndarray  # per run: its pair

    def spread(self, per_pair: np.ndarray) -> np.ndarray:
        """A per-row array from one value per pair."""
        return np.repeat(np.asarray(per_pair)[self.run_pair], self.run_length)

    def any(self, rows: np.ndarray) -> np.ndarray:
        """Per pair: is ``rows`` (bool per row) true on any of its rows."""
        out = np.zeros(len(self.function), dtype=bool)
        if len(self.run_start):
            out[self.run_pair[np.logical_or.reduceat(rows, self.run_start)]] = True
        return out


def _pairs(fn: _Codes, env: _Codes) -> _Pairs:
    n = len(fn.codes)
    run_start = run_starts(fn.codes, env.codes)
    width = max(len(env.names), 1)
    run_key = fn.codes[run_start].astype(np.int64) * width + env.codes[run_start]
    keys, run_pair = np.unique(run_key, return_inverse=True)
    return _Pairs(keys // width, keys % width, run_start,
                  np.diff(np.append(run_start, n)), run_pair.reshape(-1))


def _row_regions(
    fn: _Codes, env: _Codes, pairs: _Pairs, setups: dict[str, _FunctionSetup],
    regions: dict[str, dict[str, str]],
) -> tuple[_Codes, _Codes, list[tuple[str, str]]]:
    """Per (function, environment) pair of ``pairs``: the Region to price in and where it
    came from (codes per pair, not per row); and the distinct (function, Region) pairs. An
    environment the input places in a Region (runtime ARN, ``@aws.region``) is priced there
    unless --region said. One lookup per pair, not per row."""
    region_names: dict[str, int] = {}
    origin_names: dict[str, int] = {}
    pair_region = np.zeros(len(pairs.function), dtype=np.intp)
    pair_origin = np.zeros(len(pairs.function), dtype=np.intp)
    found: set[tuple[str, str]] = set()
    for i, (fi, ei) in enumerate(zip(pairs.function, pairs.environment, strict=True)):
        f, e = fn.names[fi], env.names[ei]
        s = setups[f]
        named = (regions.get(f) or {}).get(e) if e else None
        if named and s.region_from != "option":
            region, origin = named, "input"
        else:
            region, origin = s.region, s.region_from
        pair_region[i] = region_names.setdefault(str(region), len(region_names))
        pair_origin[i] = origin_names.setdefault(origin, len(origin_names))
        found.add((f, str(region)))
    return (_Codes(_compact(pair_region, len(region_names)), list(region_names)),
            _Codes(_compact(pair_origin, len(origin_names)), list(origin_names)),
            sorted(found))


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


def utc_times(column: pd.Series) -> pd.Series:
    """``pd.to_datetime(column, utc=True)``, the column itself where it already is UTC times
    (the invocation table's): no copy of every time."""
    if isinstance(column.dtype, pd.DatetimeTZDtype) and str(column.dtype.tz) == "UTC":
        return column
    return pd.to_datetime(column, utc=True)


def billing_window(
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
        starts = utc_times(invocations["start"])
        ends = utc_times(invocations["end"]) if "end" in invocations else starts
        if start is None and starts.notna().any():
            start = starts.min()
        if end is None:
            latest = [t for t in (starts.max(), ends.max()) if pd.notna(t)]
            end = max(latest) if latest else None
    seconds = (max((end - start).total_seconds(), 0.0)
               if start is not None and end is not None else 0.0)
    return start, end, seconds


# -------------------------------------------------------------------------- main entry


FAMILIES: tuple[str, ...] = ("", "custom", "python", "dotnet", "java", "node", "other")
# priced_as labels, by code; the first that applies wins (unpriced, lmi, edge, provisioned).
PRICED_AS: tuple[str, ...] = ("on-demand", "provisioned", "edge", "lmi", "unpriced")


@dataclass(frozen=True)
class _Keys:
    """The invocation table's low-cardinality columns as codes, factorized once."""

    function: _Codes
    environment: _Codes
    pairs: _Pairs  # (function, environment)
    start_type: _Codes
    init_type: _Codes
    runtime: _Codes

    @classmethod
    def of(cls, df: pd.DataFrame) -> _Keys:
        # The functions present, in order of first appearance (the order notes come in).
        fn = _codes(df["function"], missing="nan", in_order=True)
        env = _codes(df["environment"])
        return cls(function=fn, environment=env, pairs=_pairs(fn, env),
                   start_type=_codes(df["start_type"], missing="nan"),
                   init_type=_codes(df["init_type"]),
                   runtime=_codes(df["runtime_version"]))


@dataclass(frozen=True)
class _Kinds:
    """Per-row booleans read from start_type and init_type, each made where it is used (a
    byte a row, read from the codes) rather than all held through pricing."""

    start_type: _Codes
    init_type: _Codes

    @classmethod
    def of(cls, keys: _Keys) -> _Kinds:
        return cls(keys.start_type, keys.init_type)

    @property
    def cold_or_proactive(self) -> np.ndarray:
        return self.start_type.isin("cold", "proactive")

    @property
    def first_with_init(self) -> np.ndarray:
        """cold, proactive or provisioned: the first invocation after an init"""
        return self.start_type.isin("cold", "proactive", "provisioned")

    @property
    def provisioned_start(self) -> np.ndarray:
        return self.start_type.isin("provisioned")

    @property
    def restore_start(self) -> np.ndarray:
        return self.start_type.isin("restore")

    @property
    def pc_init(self) -> np.ndarray:
        """init_type provisioned-concurrency"""
        return self.init_type.isin(PC_INIT_TYPE)

    @property
    def lmi(self) -> np.ndarray:
        """init_type lambda-managed-instances"""
        return self.init_type.isin(LMI_INIT_TYPE)


@dataclass(frozen=True)
class _PerCode:
    """A per-row boolean decided once per code (or per pair of codes): ``table[codes]``, made
    when it is read (a byte a row, or a block's) rather than held through pricing."""

    table: np.ndarray  # bool, one axis per array of codes
    codes: tuple[np.ndarray, ...]  # per row: its code on each axis (read only)

    @classmethod
    def of(cls, codes: _Codes, *labels: str) -> _PerCode:
        """Per row: is its label one of ``labels``."""
        return cls(np.array([name in labels for name in codes.names] or [False], dtype=bool),
                   (codes.codes,))

    def rows(self) -> np.ndarray:
        if not self.table.any():  # the usual case (no Lambda@Edge, no restore, ...)
            return np.zeros(len(self.codes[0]), dtype=bool)
        if self.table.all():
            return np.ones(len(self.codes[0]), dtype=bool)
        return self.table[self.codes]

    def part(self, span: slice) -> _PerCode:
        return _PerCode(self.table, tuple(codes[span] for codes in self.codes))


@dataclass
class _Rows:
    """Per-row arrays shared by the pricing steps. The booleans decided per function,
    start type, init type or runtime (``edge``, ``restore_start``, ``fee_family``,
    ``is_lmi``, ``pc``) are made from the codes when read, not held."""

    group: np.ndarray  # index into the sorted (Region, architecture) groups; -1: Lambda@Edge
    edge_of: _PerCode  # a Lambda@Edge function
    restore_start_of: _PerCode  # start_type restore
    fee_family_of: _PerCode  # runtime family python or dotnet (SnapStart restore fee)
    lmi_of: _PerCode  # init_type lambda-managed-instances
    memory: np.ndarray  # MB: the log's, else the configuration's (the table's own array
    #                     where no row lacks it: read only)
    billed: np.ndarray
    pc_row: np.ndarray  # provisioned rows (_provisioned_rows)
    fn_codes: np.ndarray  # per row: the function's code
    eph_mb_by_fn: np.ndarray  # per function code: ephemeral storage (MB)
    start: pd.Series  # START times (UTC)
    reason: np.ndarray  # int code into reasons; 0 = priced so far
    reasons: list[str]  # unpriced reasons by code ("" first)

    @property
    def edge(self) -> np.ndarray:
        return self.edge_of.rows()

    @property
    def restore_start(self) -> np.ndarray:
        return self.restore_start_of.rows()

    @property
    def fee_family(self) -> np.ndarray:
        return self.fee_family_of.rows()

    @property
    def is_lmi(self) -> np.ndarray:
        return self.lmi_of.rows()

    @property
    def pc(self) -> np.ndarray:
        """Provisioned rows but Lambda@Edge ones."""
        return self.pc_row & ~self.edge

    def part(self, span: slice) -> _Rows:
        """These rows' arrays over the rows of ``span`` (views, no copy)."""
        return replace(
            self, group=self.group[span], edge_of=self.edge_of.part(span),
            restore_start_of=self.restore_start_of.part(span),
            fee_family_of=self.fee_family_of.part(span), lmi_of=self.lmi_of.part(span),
            memory=self.memory[span], billed=self.billed[span],
            pc_row=self.pc_row[span],
            fn_codes=self.fn_codes[span], start=self.start.iloc[span],
            reason=self.reason[span])

    def order_key(self, sel: np.ndarray) -> np.ndarray:
        """The selected rows' START times as int64 ns (the order monthly tiers fill in)."""
        return self.start.to_numpy(dtype="datetime64[ns]")[sel].astype("int64")

    def gb(self, sel: np.ndarray) -> np.ndarray:
        """The selected rows' memory in GB (MB / 1024)."""
        return self.memory[sel] / 1024.0

    def gb_seconds(self) -> np.ndarray:
        """Billed GB-s per row, unrounded: billed / 1000 x memory / 1024 (one new array)."""
        return _gb_seconds(self.billed, self.memory)

    def fee_rows(self, sel: np.ndarray) -> np.ndarray:
        """Of the selected rows, the SnapStart restores a restore fee applies to (Python,
        .NET; memory known)."""
        # (a restore start is a restore: no need to read the Restore Durations)
        return sel & self.restore_start & self.fee_family \
            & ~np.isnan(self.memory)

    def storage_rows(self, sel: np.ndarray) -> np.ndarray:
        """Of the selected rows, those of functions with ephemeral storage above 512 MB and
        a Billed Duration."""
        return sel & (self.eph_mb_by_fn > 512)[self.fn_codes] & ~np.isnan(self.billed)


def _runtime_family(keys: _Keys, configurations: dict[str, dict[str, Any]],
                    options: BillingOptions) -> tuple[np.ndarray, _Codes]:
    """Runtime family (codes into FAMILIES): the function's configuration, else the row's
    INIT_START/RESTORE_START version, else --runtime. Decided once per (function, runtime
    version): the table of them (function code x runtime code), and per row."""
    fn, rt = keys.function, keys.runtime
    fallback = runtime_family(options.runtime or "")
    row_family = [runtime_family(r) for r in rt.names]
    cfg_family = [runtime_family(str((configurations.get(f) or {}).get("runtime") or ""))
                  for f in fn.names]
    table = np.array([[FAMILIES.index(c or r or fallback) for r in row_family or [""]]
                      for c in cfg_family or [""]], dtype=np.intp)
    return table, _Codes(_compact(table[fn.codes, rt.codes], len(FAMILIES)), list(FAMILIES))


def _provisioned_rows(keys: _Keys, kinds: _Kinds) -> np.ndarray:
    """Provisioned environments: start_type provisioned, init_type provisioned-concurrency,
    and every later invocation of an environment whose first one was provisioned."""
    pc_row = kinds.provisioned_start
    pc_row |= kinds.pc_init
    if pc_row.any():
        pairs = keys.pairs
        named = np.array([e != "" for e in keys.environment.names], dtype=bool)
        pc_row |= pairs.spread(pairs.any(pc_row) & named[pairs.environment])
    pc_row &= ~kinds.lmi
    return _held(pc_row)


def _unpriced(rows: _Rows, sel: np.ndarray, reason: str | None) -> bool:
    """Mark the selected rows unpriced with ``reason`` (if any); True when it did."""
    if reason is None or not sel.any():
        return False
    if reason not in rows.reasons:
        rows.reasons.append(reason)
    rows.reason[sel & (rows.reason == 0)] = rows.reasons.index(reason)
    return True


@dataclass(frozen=True)
class _GroupPrices:
    """The prices of one (Region, architecture) group whose request and duration prices are
    known, and, under monthly tiers, its on-demand rows' duration charges (computed in time
    order when deciding which rows the tiers price: ``_group_unpriced``)."""

    group: int  # index into _Groups.groups
    prices: ArchPrices
    tiered: tuple[np.ndarray, np.ndarray] | None  # (rows, USD); None: one rate

    def rows(self, rows: _Rows, priced: np.ndarray) -> np.ndarray:
        """Per row: in this group and priced."""
        return (rows.group == self.group) & priced

    def part(self, span: slice) -> _GroupPrices:
        """These prices with the tiered charges of the rows of ``span`` alone, numbered from
        its first row."""
        if self.tiered is None:
            return self
        where, usd = self.tiered  # where: ascending row numbers
        low, high = np.searchsorted(where, [span.start, span.stop])
        return replace(self, tiered=(where[low:high] - span.start, usd[low:high]))


def _group_unpriced(rows: _Rows, group: int, region: str, arch: str, table: PriceTable,
                    options: BillingOptions, gb_seconds: np.ndarray,
                    tier_notes: set[str]) -> _GroupPrices | None:
    """Mark the rows of one (Region, architecture) that lack a price they need (requests,
    duration, provisioned duration, SnapStart restore, ephemeral storage, a duration tier);
    its prices, or None when it has no request or duration price at all."""
    sel = rows.group == group
    for key in ("requests_per_million", "duration_per_gb_s"):
        if _unpriced(rows, sel, table.missing(region, arch, key)):
            return None
    prices = table.prices(region, arch)
    assert prices.requests_per_million is not None and prices.duration_per_gb_s is not None
    live = sel & (rows.reason == 0)
    _unpriced(rows, live & rows.pc, table.missing(region, arch, "provisioned_duration_per_gb_s"))
    _unpriced(rows, rows.fee_rows(live), table.missing(region, arch, "snapstart_restore_per_gb"))
    _unpriced(rows, rows.storage_rows(live),
              table.missing(region, arch, "ephemeral_storage_per_gb_s"))
    del live

    tiers = prices.duration_per_gb_s
    tiered = None
    od = sel & (rows.reason == 0) & ~rows.pc & ~rows.is_lmi
    if od.any():
        if options.monthly_gb_seconds is not None and len(tiers) > 1:  # in time order
            where = np.flatnonzero(od)
            tiered = (where, _tiered_cost(gb_seconds[od], rows.order_key(od), tiers,
                                          options.monthly_gb_seconds))
            past = np.zeros(len(od), dtype=bool)
            past[where[np.isnan(tiered[1])]] = True
        else:  # one rate: GB-s x the first tier's price
            past = _unpriced_at(gb_seconds, od,
                                math.nan if tiers[0].usd is None else float(tiers[0].usd))
        _unpriced(rows, past, (
            f"no duration price for {region} {arch} past the first "
            f"{(tiers[0].up_to_gb_s or 0) / 1e9:g} B GB-s a month "
            f"(regions.{region}.{arch}.duration_per_gb_s); give it with --pricing FILE"))
    if options.monthly_gb_seconds is not None and all(t.usd is not None for t in tiers) \
            and len(tiers) == 1:
        tier_notes.add(f"{region}/{arch}: one rate at every volume")
    return _GroupPrices(group, prices, tiered)


def _unpriced_at(gb_seconds: np.ndarray, sel: np.ndarray, rate: float) -> np.ndarray:
    """Per row: selected, and its GB-s x ``rate`` (USD per GB-s) is NaN. Made a block of rows
    at a time (no float array of every selected row)."""
    out = np.zeros(len(sel), dtype=bool)
    for span in _spans(len(sel)):
        part = sel[span]
        out[span][part] = np.isnan(gb_seconds[span][part] * rate)
    return out


def _edge_unpriced(rows: _Rows, table: PriceTable) -> EdgePrices | None:
    """Lambda@Edge functions: the Lambda@Edge request and GB-s prices (no tiers, no PC), or
    None (their rows marked unpriced) when the table lacks them or no row needs them."""
    sel = rows.edge & (rows.reason == 0)
    if not sel.any():
        return None
    edge = table.edge
    if edge is None or edge.requests_per_million is None or edge.duration_per_gb_s is None:
        _unpriced(rows, sel, f"Lambda@Edge function: the price table ({table.origin}) has no "
                  "Lambda@Edge rates (lambda_edge); give them with --pricing FILE")
        return None
    return edge


@dataclass
class _Billed:
    """Billed Duration per row (see ``_billed_durations``); its INIT share is made when
    asked (``_init_billed``, ``_init_unbilled``). The per-row booleans (``computed``,
    ``is_restore``, ``billed_any``) are made when read, from the table's own columns."""

    start: pd.Series
    billed: np.ndarray  # the Billed Duration priced (ms); NaN: LMI or unknown
    granularity: np.ndarray | float  # billing granularity (ms): 1, per row where some is 100
    lmi: int  # rows of Lambda Managed Instances
    observed: int  # rows whose Billed Duration was logged
    restore_estimated: int  # computed with Restore Duration (no Billed Restore)
    kinds: _Kinds
    logged: np.ndarray  # the table's billed_duration_ms (read only)
    duration: np.ndarray  # the table's duration_ms (read only)
    restore: np.ndarray  # the table's restore_duration_ms (read only)
    billed_restore: np.ndarray  # the table's billed_restore_duration_ms (read only)

    @property
    def computed(self) -> np.ndarray:
        """Per row: Billed Duration computed from the rules (none logged, a Duration, not
        Lambda Managed Instances)."""
        out = np.isnan(self.logged)
        out &= ~self.kinds.lmi
        out &= ~np.isnan(self.duration)
        return out

    @property
    def is_restore(self) -> np.ndarray:
        """Per row: a SnapStart restore (start type restore, or a (Billed) Restore
        Duration logged)."""
        out = self.kinds.restore_start
        out |= ~np.isnan(self.billed_restore)
        out |= ~np.isnan(self.restore)
        return out

    @property
    def billed_any(self) -> np.ndarray:
        """Per row: a Billed Duration was logged or computed. ``billed`` is NaN on exactly
        the other rows (a logged one is a number, a computed one the roundup of numbers)."""
        return ~np.isnan(self.billed)


def _billed_durations(df: pd.DataFrame, kinds: _Kinds, is_image: np.ndarray,
                      is_custom: np.ndarray) -> _Billed:
    """Billed Duration per row: logged, else computed from the rules of the row's date,
    package type and runtime (AWS Compute Blog, "AWS Lambda standardizes billing for INIT
    Phase", 2025-04-29; 1 ms billing since 2020-12-01, AWS What's New 2020-12).
    ``is_image`` / ``is_custom``: per row, package type image / custom runtime. One float
    array is made (billed; the table's own column where every row logged one); the table's
    columns are read in place."""
    start = utc_times(df["start"])
    duration = df["duration_ms"].to_numpy(dtype=float)
    billed_log = df["billed_duration_ms"].to_numpy(dtype=float)
    init = df["init_duration_ms"].to_numpy(dtype=float)
    restore = df["restore_duration_ms"].to_numpy(dtype=float)
    billed_restore = df["billed_restore_duration_ms"].to_numpy(dtype=float)

    before_ms_era = (start < MS_GRANULARITY_SINCE).to_numpy()
    granularity: np.ndarray | float = (np.where(before_ms_era, 100.0, 1.0)
                                       if before_ms_era.any() else 1.0)
    del before_ms_era

    is_lmi = kinds.lmi
    observed = ~np.isnan(billed_log)
    observed &= ~is_lmi
    bd = _Billed(start=start, billed=billed_log, granularity=granularity,
                 lmi=int(np.count_nonzero(is_lmi)), observed=int(np.count_nonzero(observed)),
                 restore_estimated=0, kinds=kinds, logged=billed_log, duration=duration,
                 restore=restore, billed_restore=billed_restore)
    computed, is_restore = bd.computed, bd.is_restore

    # Computed Billed Duration (§6.1 table): init included for images, custom runtimes and
    # provisioned concurrency at any date and for every on-demand invocation from 2025-08-01.
    restore_estimated = 0
    billed = billed_log if observed.all() else np.where(observed, billed_log, np.nan)
    if computed.any():  # only the rows without a logged Billed Duration
        has_init = init > 0  # False where Init Duration is NaN
        init_rule_billed = (~(start < INIT_BILLED_SINCE).to_numpy() | is_image | is_custom
                            | kinds.provisioned_start | kinds.pc_init)
        add_init = computed & has_init & kinds.first_with_init & init_rule_billed
        restore_estimated = int(np.count_nonzero(
            computed & is_restore & np.isnan(billed_restore) & ~np.isnan(restore)))
        c = computed
        restore_part = np.where(np.isnan(billed_restore[c]), np.nan_to_num(restore[c]),
                                billed_restore[c])
        add_restore = np.where(is_restore[c], np.nan_to_num(restore_part), 0.0)
        billed[c] = roundup(duration[c] + np.where(add_init[c], init[c], 0.0) + add_restore,
                            granularity[c] if isinstance(granularity, np.ndarray)
                            else granularity)
    return replace(bd, billed=billed, restore_estimated=restore_estimated)


def _init_billed(df: pd.DataFrame, bd: _Billed, kinds: _Kinds) -> tuple[np.ndarray, int]:
    """Per row, the ms of Billed Duration that paid for INIT or a restore (§6.1 rule 1):
    Billed - roundup(Duration) at the era's granularity, clipped at 0, and 0 on rows with no
    init, restore or first invocation after one; and how many logged Billed Durations were
    below roundup(Duration) (timeouts capped). One new float array, the steps in place."""
    init_billed = roundup(df["duration_ms"].to_numpy(dtype=float), bd.granularity)
    np.subtract(bd.billed, init_billed, out=init_billed)
    observed = bd.billed_any & ~bd.computed
    timeout_capped = int(np.count_nonzero(observed & (init_billed < -_EPS)))
    del observed
    np.nan_to_num(init_billed, copy=False)
    np.clip(init_billed, 0.0, None, out=init_billed)
    has_init = df["init_duration_ms"].to_numpy(dtype=float) > 0  # False where NaN
    init_billed[~(bd.billed_any & (has_init | bd.is_restore | kinds.first_with_init))] = 0.0
    return init_billed, timeout_capped


def _init_unbilled(df: pd.DataFrame, bd: _Billed, kinds: _Kinds,
                   no_init_billed: np.ndarray) -> np.ndarray:
    """Per row, the INIT time that was not billed (§6.1 rule 3): cold and proactive
    on-demand starts whose Billed Duration paid for no init (``no_init_billed``: per row,
    ``_init_billed`` below 1e-6 ms), in the whole ms today's rules would bill:
    roundup(min(Duration, Billed) + Init) - Billed, clipped at 0. One new float array."""
    init = df["init_duration_ms"].to_numpy(dtype=float)
    u = (bd.billed_any & (init > 0) & kinds.cold_or_proactive & ~kinds.pc_init
         & no_init_billed)
    init_unbilled = np.zeros(len(bd.billed))
    if u.any():
        covered = np.fmin(df["duration_ms"].to_numpy(dtype=float)[u], bd.billed[u])
        init_unbilled[u] = np.clip(
            np.nan_to_num(roundup(covered + init[u], 1.0) - bd.billed[u]), 0.0, None)
    return init_unbilled


@dataclass(frozen=True)
class _Groups:
    """Where each row is priced: its Region (and where that came from), decided per
    (function, environment) pair and spread to the rows when asked (``region``,
    ``region_from``); the distinct (function, Region) pairs; the sorted (Region,
    architecture) price groups and each row's."""

    pairs: _Pairs
    pair_region: _Codes  # per pair (not per row): the Region
    pair_region_from: _Codes  # per pair: where the Region came from
    fn_regions: list[tuple[str, str]]  # sorted distinct (function, Region)
    groups: list[tuple[str, str]]  # sorted (Region, architecture), Lambda@Edge left out
    row_group: np.ndarray  # per row: index into groups, -1 for Lambda@Edge functions

    def region(self) -> _Codes:
        """Per row: the Region it is priced in (one new small-integer array)."""
        return _Codes(self.pairs.spread(self.pair_region.codes), self.pair_region.names)

    def region_from(self) -> _Codes:
        """Per row: where its Region came from: input | option | default."""
        return _Codes(self.pairs.spread(self.pair_region_from.codes),
                      self.pair_region_from.names)

    def function_regions(self) -> dict[str, list[str]]:
        """Per function: the sorted distinct Regions its rows are priced in."""
        out: dict[str, list[str]] = {}
        for f, r in self.fn_regions:
            out.setdefault(f, []).append(r)
        return out


def _price_groups(keys: _Keys, setups: dict[str, _FunctionSetup],
                  regions: dict[str, dict[str, str]]) -> _Groups:
    fn = keys.function
    region, region_from, fn_regions = _row_regions(fn, keys.environment, keys.pairs,
                                                   setups, regions)
    groups = sorted({(r, setups[f].architecture) for f, r in fn_regions if not setups[f].edge})
    index = {g: i for i, g in enumerate(groups)}
    # One group per (function, Region) code pair: a small table, then one per pair.
    table = np.full((max(len(fn.names), 1), max(len(region.names), 1)), -1, dtype=np.int64)
    for fi, f in enumerate(fn.names):
        if not setups[f].edge:
            for ri, r in enumerate(region.names):
                table[fi, ri] = index.get((r, setups[f].architecture), -1)
    table = _compact(table, len(groups) + 1)
    pairs = keys.pairs
    return _Groups(pairs, region, region_from, fn_regions, groups,
                   _held(pairs.spread(table[pairs.function, region.codes])))


def _priced_rows(df: pd.DataFrame, keys: _Keys, kinds: _Kinds, groups: _Groups,
                 setups: dict[str, _FunctionSetup], configurations: dict[str, dict[str, Any]],
                 options: BillingOptions, pc_row: np.ndarray
                 ) -> tuple[_Rows, _Billed, int, np.ndarray]:
    """The per-row inputs of pricing: memory (the log's, else the one size the other rows of
    its execution environment logged, ``environment_memory``, else the configuration's),
    Billed Duration, provisioned rows (``pc_row``: ``_provisioned_rows``), runtime family.
    Also how many SnapStart restores have no known runtime family, and per row whether its
    memory came from its environment (an empty array when no row lacked one)."""
    fn = keys.function
    setup = [setups[f] for f in fn.names]
    families, family = _runtime_family(keys, configurations, options)
    bd = _billed_durations(df, kinds, fn.rows([s.package == "image" for s in setup], bool),
                           family.isin("custom"))
    restore_no_runtime = int(np.count_nonzero(kinds.restore_start & family.isin("")))
    del family
    fee = np.isin(families, [FAMILIES.index("python"), FAMILIES.index("dotnet")])
    memory = df["memory_mb"].to_numpy(dtype=float)  # the table's own array: read only
    no_memory = np.isnan(memory)
    from_environment = np.zeros(0, dtype=bool)
    if no_memory.any():
        known = environment_memory(memory, keys.pairs, keys.environment)
        from_environment = no_memory & ~np.isnan(known)
        memory = np.where(from_environment, known, memory)
        del known
        no_memory = np.isnan(memory)
        if no_memory.any():
            memory = np.where(no_memory, fn.rows([s.memory_mb for s in setup], float), memory)
    del no_memory
    reason = np.zeros(len(df), dtype=np.int16)  # few distinct reasons: one per price missing
    rows = _Rows(
        group=groups.row_group,
        edge_of=_PerCode(np.array([s.edge for s in setup] or [False], dtype=bool),
                         (fn.codes,)),
        restore_start_of=_PerCode.of(keys.start_type, "restore"),
        fee_family_of=_PerCode(fee, (fn.codes, keys.runtime.codes)),
        lmi_of=_PerCode.of(keys.init_type, LMI_INIT_TYPE),
        memory=memory, billed=bd.billed, pc_row=pc_row,
        fn_codes=fn.codes, eph_mb_by_fn=np.array([s.ephemeral_mb for s in setup], dtype=float),
        start=bd.start, reason=reason, reasons=["", MISSING_SIZE],
    )
    return rows, bd, restore_no_runtime, from_environment


def environment_memory(memory: np.ndarray, pairs: _Pairs, environment: _Codes) -> np.ndarray:
    """Per row: the memory size (MB) the other rows of its execution environment logged, NaN
    where they logged none, several, or the environment is not known (``""``).

    Lambda sets up an execution environment from the function's configuration, memory size
    included ("Understanding the Lambda execution environment lifecycle", AWS Lambda
    developer guide, https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html;
    docs/billing.md, "A timeout without a REPORT line"): one environment, one size. So a row
    without a REPORT (a timeout whose REPORT is missing) ran at the size its environment's
    REPORTs state. One float per pair and one per row; the runs of ``pairs`` are read with
    ``reduceat`` (no per-row key)."""
    if not len(pairs.run_start):
        return np.full(len(memory), np.nan)
    low = np.full(len(pairs.function), np.inf)
    high = np.full(len(pairs.function), -np.inf)
    with np.errstate(invalid="ignore"):
        np.fmin.at(low, pairs.run_pair, np.fmin.reduceat(memory, pairs.run_start))
        np.fmax.at(high, pairs.run_pair, np.fmax.reduceat(memory, pairs.run_start))
    named = np.array([name != "" for name in environment.names] or [False], dtype=bool)
    one = np.where((low == high) & named[pairs.environment], low, np.nan)
    return pairs.spread(one)


@dataclass(frozen=True)
class _Charges:
    """What the per-row charges read (``_requests``, ``_durations``, ...): the rows' pricing
    inputs, which rows are priced, the prices of each group and of Lambda@Edge. ``part``
    gives the same over a block of rows, so a charge can be made a block at a time
    (``_by_blocks``): each row's charge is computed from that row alone."""

    rows: _Rows
    priced: np.ndarray  # per row: priced (no unpriced reason)
    plans: list[_GroupPrices]
    edge: EdgePrices | None

    def part(self, span: slice) -> _Charges:
        return _Charges(self.rows.part(span), self.priced[span],
                        [plan.part(span) for plan in self.plans], self.edge)


@dataclass
class _Pricing:
    """What pricing decided before any amount: the codes, the price of each group, the rows
    left unpriced and why. ``_amount_columns`` makes the priced columns from it, one at a
    time; ``found`` receives the figures that come out of making them."""

    invocations: pd.DataFrame  # the invocation table (read only)
    keys: _Keys
    kinds: _Kinds
    setups: dict[str, _FunctionSetup]
    groups: _Groups
    pc_row: np.ndarray  # provisioned rows (_provisioned_rows), unpriced and edge rows in
    rows: _Rows
    bd: _Billed
    restore_no_runtime: int  # SnapStart restores of no known runtime family
    plans: list[_GroupPrices]  # the groups with prices
    edge: EdgePrices | None  # Lambda@Edge rates, when a Lambda@Edge row is priced
    priced: np.ndarray  # per row: priced (no unpriced reason)
    notes: list[str]
    tier_notes: set[str]
    found: dict[str, Any] = field(default_factory=dict)  # init_duration_usd, timeout_capped

    @property
    def charges(self) -> _Charges:
        return _Charges(self.rows, self.priced, self.plans, self.edge)


def _decide(invocations: pd.DataFrame, options: BillingOptions, table: PriceTable,
            configurations: dict[str, dict[str, Any]],
            regions: dict[str, dict[str, str]]) -> _Pricing:
    """Everything pricing decides before an amount: codes, Regions and price groups, Billed
    Duration, and which rows stay unpriced (a price the table lacks, a size unknown)."""
    if options.region and options.region not in table.unsupported:
        table.region(options.region)  # InputError naming the known Regions
    notes: list[str] = []
    keys = _Keys.of(invocations)
    kinds = _Kinds.of(keys)
    setups = function_setups(keys.function.names or sorted(configurations), options,
                              configurations, regions, notes)
    groups = _price_groups(keys, setups, regions)
    pc_row = _provisioned_rows(keys, kinds)
    rows, bd, restore_no_runtime, from_environment = _priced_rows(
        invocations, keys, kinds, groups, setups, configurations, options, pc_row)
    notes.extend(_environment_memory_notes(keys.function, rows.memory, from_environment))
    tier_notes: set[str] = set()
    gb_seconds = rows.gb_seconds()  # made again as a column, once the prices are decided
    rows.reason[~rows.is_lmi & np.isnan(gb_seconds)] = 1  # memory size or duration unknown
    plans = [plan for i, (region, arch) in enumerate(groups.groups)
             if (plan := _group_unpriced(rows, i, region, arch, table, options, gb_seconds,
                                         tier_notes)) is not None]
    del gb_seconds
    edge = _edge_unpriced(rows, table)
    rows.reason = _held(_compact(rows.reason, len(rows.reasons)))  # a byte a row at most
    return _Pricing(invocations, keys, kinds, setups, groups, pc_row, rows, bd,
                    restore_no_runtime, plans, edge, _held(rows.reason == 0), notes, tier_notes,
                    found={"memory_from_environment": int(np.count_nonzero(from_environment))})


def _environment_memory_notes(fn: _Codes, memory: np.ndarray,
                              from_environment: np.ndarray) -> list[str]:
    """One note per function some of whose rows were priced at their environment's memory
    size (``environment_memory``)."""
    if not from_environment.any():
        return []
    notes = []
    for code in np.unique(fn.codes[from_environment]):
        rows = from_environment & (fn.codes == code)
        sizes = ", ".join(f"{m:g} MB" for m in np.unique(memory[rows]))
        n = int(np.count_nonzero(rows))
        notes.append(f"{n} invocation(s) of {fn.names[code]} without a memory size in the "
                     f"input (a timeout with no REPORT) priced at the {sizes} the other REPORTs "
                     "of their execution environment state: an environment keeps the memory "
                     "size it was set up with")
    return notes


def _requests(p: _Charges) -> np.ndarray:
    """request_usd per row, unrounded: the group's request price, NaN where unpriced."""
    out = np.full(len(p.priced), np.nan)
    for plan in p.plans:
        assert plan.prices.requests_per_million is not None
        out[plan.rows(p.rows, p.priced)] = plan.prices.requests_per_million / 1e6
    if p.edge is not None:
        assert p.edge.requests_per_million is not None
        out[p.rows.edge & p.priced] = p.edge.requests_per_million / 1e6
    return out


def _durations(p: _Charges) -> np.ndarray:
    """duration_usd per row, unrounded: billed GB-s x the on-demand (tiered), provisioned or
    Lambda@Edge duration price; 0 for Lambda Managed Instances, NaN where unpriced. One new
    float array: each row's GB-s are made in it and multiplied by their price in place (the
    rows of each price are apart, so no row is multiplied twice)."""
    rows, priced = p.rows, p.priced
    out = rows.gb_seconds()
    charged = np.zeros(len(priced), dtype=bool)  # per row: given a duration charge below
    for plan in p.plans:
        ok = plan.rows(rows, priced)
        tiers = plan.prices.duration_per_gb_s
        assert tiers is not None
        if plan.tiered is not None:
            out[plan.tiered[0]] = plan.tiered[1]
            charged[plan.tiered[0]] = True
        else:  # one rate: GB-s x the first tier's price
            od = ok & ~rows.pc & ~rows.is_lmi
            if od.any():
                np.multiply(out, math.nan if tiers[0].usd is None else float(tiers[0].usd),
                            out=out, where=od)
                charged |= od
        pc_ok = ok & rows.pc
        if pc_ok.any():  # priced: the group has the provisioned price (_group_unpriced)
            pc_rate = plan.prices.provisioned_duration_per_gb_s
            assert pc_rate is not None
            np.multiply(out, pc_rate, out=out, where=pc_ok)
            charged |= pc_ok
    if p.edge is not None:  # the Lambda@Edge prices are there (_edge_unpriced)
        assert p.edge.duration_per_gb_s is not None
        sel = rows.edge & priced
        np.multiply(out, p.edge.duration_per_gb_s, out=out, where=sel)
        charged |= sel
    out[~(charged & priced)] = np.nan
    out[rows.is_lmi & priced] = 0.0
    return out


def _costs(p: _Charges) -> np.ndarray:
    """cost_usd per row, unrounded: request + duration + SnapStart restore fee + ephemeral
    storage, added in that order (NaN where unpriced)."""
    cost = _requests(p)
    for part in (_durations, _restore_fees, _storage_charges):
        cost += part(p)
    return cost


_BLOCK_ROWS = 1 << 16  # rows per block of the charges made a block at a time (512 KB a float)


def _spans(n: int) -> Iterator[slice]:
    """``slice``s over rows 0..n-1, ``_BLOCK_ROWS`` at a time."""
    for begin in range(0, n, _BLOCK_ROWS):
        yield slice(begin, min(begin + _BLOCK_ROWS, n))


def _by_blocks(c: _Charges, charge: Callable[..., np.ndarray], *per_row: np.ndarray,
               clean: bool = False) -> np.ndarray:
    """``charge(c, *per_row)`` for every row, made a block of rows at a time into one new
    float array (the block's temporaries are all it makes besides): the same numbers, as
    each row's charge is computed from that row alone. ``clean``: each amount rounded by
    ``clean_amounts`` as it is made."""
    out = np.empty(len(c.priced))
    for span in _spans(len(out)):
        made = charge(c.part(span), *(values[span] for values in per_row))
        out[span] = clean_amounts(made, out=made) if clean else made
    return out


def _onto_by_blocks(target: np.ndarray, op: np.ufunc, c: _Charges,
                    charge: Callable[[_Charges], np.ndarray]) -> None:
    """``op(target, charge(c), out=target)``, a block of rows at a time (no array of the
    charge is made for every row)."""
    for span in _spans(len(target)):
        op(target[span], charge(c.part(span)), out=target[span])


def _unbilled_charges(p: _Charges, init_unbilled: np.ndarray) -> np.ndarray:
    """init_unbilled_usd per row, unrounded: what the unbilled init would cost at today's
    rules (the on-demand tier-1 rate, or Lambda@Edge's); 0 where unpriced."""
    rows, priced = p.rows, p.priced
    out = np.zeros(len(priced))
    for plan in p.plans:
        unb = plan.rows(rows, priced) & (init_unbilled > 0)
        if unb.any():
            tiers = plan.prices.duration_per_gb_s
            assert tiers is not None
            out[unb] = init_unbilled[unb] / 1000.0 * rows.gb(unb) * tiers[0].usd
    if p.edge is not None:
        unb = rows.edge & priced & (init_unbilled > 0)
        out[unb] = init_unbilled[unb] / 1000.0 * rows.gb(unb) * p.edge.duration_per_gb_s
    return out


def _restore_fees(p: _Charges) -> np.ndarray:
    """restore_fee_usd per row, unrounded: the SnapStart restore charge (Python, .NET)."""
    out = np.zeros(len(p.priced))
    for plan in p.plans:
        fee_ok = p.rows.fee_rows(plan.rows(p.rows, p.priced))
        if fee_ok.any():
            out[fee_ok] = p.rows.gb(fee_ok) * plan.prices.snapstart_restore_per_gb
    return out


def _storage_charges(p: _Charges) -> np.ndarray:
    """ephemeral_storage_usd per row, unrounded: ephemeral storage above 512 MB."""
    rows = p.rows
    out = np.zeros(len(p.priced))
    for plan in p.plans:
        eph_ok = rows.storage_rows(plan.rows(rows, p.priced))
        if eph_ok.any():
            out[eph_ok] = (rows.billed[eph_ok] / 1000.0
                           * (rows.eph_mb_by_fn[rows.fn_codes[eph_ok]] - 512.0) / 1024.0
                           * plan.prices.ephemeral_storage_per_gb_s)
    return out


def _amount_columns(p: _Pricing) -> Iterator[tuple[str, np.ndarray]]:
    """The priced columns that hold numbers (COST_COLUMNS and BILLING_COLUMNS but the four
    labels of ``_label_columns``), one at a time, amounts rounded by ``clean_amounts``.

    Made so that a caller that keeps none of them (a sum is all it needs) holds at most one
    float array (8 B a row) besides the one handed out: each charge is made, handed out and
    let go; cost_usd (request + duration + restore fee + storage) and init_cost_usd make the
    charges they add again rather than keep them. ``p.found`` receives ``init_duration_usd``
    (the summed INIT share of the duration charges) and ``timeout_capped``."""
    bd = p.bd
    # an unpriced row's Billed Duration was neither priced nor (for the count) computed
    all_priced = p.priced.all()
    yield "billed_computed", bd.computed if all_priced else bd.computed & p.priced
    yield "priced_billed_ms", bd.billed if all_priced else np.where(p.priced, bd.billed,
                                                                    np.nan)
    c = p.charges
    gb_seconds = p.rows.gb_seconds()
    yield "gb_seconds", clean_amounts(gb_seconds, out=gb_seconds)
    del gb_seconds
    for name, charge in (("duration_usd", _durations), ("request_usd", _requests),
                         ("restore_fee_usd", _restore_fees),
                         ("ephemeral_storage_usd", _storage_charges),
                         ("cost_usd", _costs)):
        values = _by_blocks(c, charge, clean=True)
        yield name, values
        if name == "cost_usd":
            unknown = np.isnan(values)  # NaN stays NaN when cleaned
        del values
    # The INIT share of the duration charge: duration x init_billed / billed (0 when nothing
    # was billed), then the restore fee, NaN where the cost is unknown.
    init_billed, p.found["timeout_capped"] = _init_billed(p.invocations, bd, p.kinds)
    no_init_billed = init_billed < _EPS  # what _init_unbilled reads
    init_billed[np.isnan(bd.billed)] = np.nan  # not billed: unknown (not read below)
    yield "init_billed_ms", init_billed
    init_cost = np.zeros(len(init_billed))
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(init_billed, bd.billed, out=init_cost, where=bd.billed > 0)
    del init_billed
    _onto_by_blocks(init_cost, np.multiply, c, _durations)  # duration_usd's charges
    np.nan_to_num(init_cost, copy=False)
    p.found["init_duration_usd"] = _nansum(init_cost)
    _onto_by_blocks(init_cost, np.add, c, _restore_fees)
    init_cost[unknown] = np.nan
    del unknown
    yield "init_cost_usd", clean_amounts(init_cost, out=init_cost)
    del init_cost
    init_unbilled = _init_unbilled(p.invocations, bd, p.kinds, no_init_billed)
    del no_init_billed
    yield "init_unbilled_ms", init_unbilled
    unbilled = _by_blocks(c, _unbilled_charges, init_unbilled, clean=True)
    del init_unbilled
    yield "init_unbilled_usd", unbilled


def _priced_as(rows: _Rows, pc_row: np.ndarray, unpriced: np.ndarray) -> np.ndarray:
    """Codes into PRICED_AS; the first that applies wins: unpriced, lmi, edge, provisioned."""
    code = np.zeros(len(unpriced), dtype=np.int8)
    for mask, label in ((pc_row, "provisioned"), (rows.edge, "edge"), (rows.is_lmi, "lmi"),
                        (unpriced, "unpriced")):
        code[mask] = PRICED_AS.index(label)
    return code


def _label_columns(p: _Pricing) -> dict[str, pd.Categorical]:
    """The priced columns that hold labels: priced_as, region, region_from, unpriced_reason
    (Categoricals)."""
    region, region_from = p.groups.region(), p.groups.region_from()
    return {
        "priced_as": coded_by_code(PRICED_AS, _priced_as(p.rows, p.pc_row, ~p.priced)),
        "region": coded_by_code(region.names, region.codes),
        "region_from": coded_by_code(region_from.names, region_from.codes),
        "unpriced_reason": coded_by_code(p.rows.reasons, p.rows.reason),
    }


def _nansum(values: np.ndarray, rows: np.ndarray | None = None) -> float:
    """``np.nansum(values[rows])`` (``values`` whole when ``rows`` is None): the same sum of the
    same contiguous numbers, without numpy's copy of the whole column where no row is left
    out and none is NaN (a pandas float ``Series.sum()`` is this sum too)."""
    if rows is not None and not rows.all():
        values = values[rows]
    values = np.ascontiguousarray(values)
    nan = np.isnan(values)
    if nan.any():
        values = np.where(nan, 0.0, values)
    return float(np.sum(values))


def _with_columns(invocations: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
    """The invocation table plus ``columns``, sharing the table's own columns and the new
    arrays (no copy: a Series made without copying is set as it is)."""
    priced = invocations.copy(deep=False)
    for name, values in columns.items():
        priced[name] = pd.Series(values, index=priced.index, copy=False)
    return priced


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
    neither prices nor lists as unsupported (a typo guard). The string columns of the
    invocation table may be object, ``str`` or Categorical; the added string columns
    (priced_as, region, region_from, unpriced_reason) are Categorical.
    """
    df, cost, _sums = _price(invocations, options, table, configurations or {}, regions or {},
                             keep_rows=True)
    assert df is not None
    return df, cost


def price_summary(
    invocations: pd.DataFrame,
    options: BillingOptions,
    table: PriceTable,
    configurations: dict[str, dict[str, Any]] | None = None,
    regions: dict[str, dict[str, str]] | None = None,
) -> dict[str, Any]:
    """``price_invocations``' cost alone: the same ``summary["cost"]`` (without the report
    tables), each priced column let go once its sums are taken. Raises as
    ``price_invocations`` does."""
    _df, cost, _sums = _price(invocations, options, table, configurations or {},
                              regions or {}, keep_rows=False)
    return cost


def _price(
    invocations: pd.DataFrame, options: BillingOptions, table: PriceTable,
    configurations: dict[str, dict[str, Any]], regions: dict[str, dict[str, str]],
    keep_rows: bool,
) -> tuple[pd.DataFrame | None, dict[str, Any], _CostSums]:
    """``price_invocations`` (the priced table only when ``keep_rows``), also returning the
    cost tables' sums. Without ``keep_rows`` each priced column is let go once its sums are
    taken: the summary and the tables are the same, the table is None."""
    p = _decide(invocations, options, table, configurations, regions)
    keys, rows = p.keys, p.rows
    counts, unpriced_groups, pc_functions = _decided_counts(p)
    totals = _Totals(p.priced, rows)
    sums = _CostSums(keys.function, keys.start_type, p.groups.function_regions(), p.priced)
    made: dict[str, Any] = {}
    for name, values in _amount_columns(p):
        totals.add(name, values)
        sums.add(name, values)
        if keep_rows:
            made[name] = values
        del values  # the loop's name would hold the column while the next one is made
    counts["timeout_capped"] = p.found["timeout_capped"]
    window = billing_window(invocations, options, configurations)
    allocation, levels, cache = _fixed_charges(invocations, totals.restored, keys, p.setups,
                                               table, window, rows.memory, p.notes)
    sums.fixed = {"provisioned_allocation_usd": allocation, "snapstart_cache_usd": cache}
    summary = _summary(
        len(invocations), totals.values, p.setups, options, table, p.notes, p.tier_notes,
        allocation=allocation, levels=levels, cache=cache,
        window=window,
        counts=counts,
        pc_functions=pc_functions,
        init_duration_usd=p.found["init_duration_usd"],
        configurations=configurations,
        fn_regions=p.groups.fn_regions,
        unpriced_groups=unpriced_groups,
    )
    if not keep_rows:
        return None, summary, sums
    made.update(_label_columns(p))
    if np.may_share_memory(made["priced_billed_ms"], rows.billed) and \
            np.may_share_memory(rows.billed, invocations["billed_duration_ms"].to_numpy()):
        made["priced_billed_ms"] = rows.billed.copy()  # a column of its own, as it was logged
    df = _with_columns(invocations, {name: made.pop(name)
                                     for name in (*COST_COLUMNS, *BILLING_COLUMNS)})
    df.attrs["billing_fixed_usd"] = dict(sums.fixed)
    return df, summary, sums


def _decided_counts(p: _Pricing) -> tuple[dict[str, int], list[dict[str, Any]], set[str]]:
    """What the summary counts from what pricing decided (but ``timeout_capped``, found as
    the columns are made), the unpriced invocations by function, Region and reason, and the
    functions with provisioned rows: taken before any column is made, so that no per-row
    mask is held while they are."""
    rows, bd, fn = p.rows, p.bd, p.keys.function
    unpriced = ~p.priced
    unpriced_groups = _unpriced_groups(fn, p.groups.region(), rows, unpriced)
    pc = p.pc_row & p.priced & ~rows.edge
    counts = {
        "observed": bd.observed,
        "computed": int(np.count_nonzero(bd.computed & p.priced)),
        "memory_from_environment": p.found["memory_from_environment"],
        "lmi": bd.lmi,
        "restore_estimated": bd.restore_estimated,
        "restore_no_runtime": p.restore_no_runtime,
        "default_region": int(np.count_nonzero(p.groups.region_from().isin("default"))),
        "unpriced": int(np.count_nonzero(unpriced)),
        "edge": int(np.count_nonzero(rows.edge)),
        "provisioned": int(np.count_nonzero(pc)),
    }
    pc_functions = {fn.names[c] for c in np.unique(fn.codes[pc])} if pc.any() else set()
    return counts, unpriced_groups, pc_functions


class _Totals:
    """The sums ``summary["cost"]`` reads from the priced columns, taken from each column as
    it is made (``add``): numpy's sums over the whole column (``_nansum``), as over the
    priced table's own columns. ``priced``: per row, priced; ``rows``: the rows' pricing
    inputs (provisioned and Lambda@Edge rows, the MB every amount was priced with)."""

    def __init__(self, priced: np.ndarray, rows: _Rows) -> None:
        self.priced, self.rows, self.memory = priced, rows, rows.memory
        self.values: dict[str, float] = {}
        self.restored = np.zeros(0, dtype=np.intp)  # the rows a restore fee was charged on

    def add(self, name: str, values: np.ndarray) -> None:
        got = self.values
        if name == "gb_seconds":
            got["gb_seconds"] = float(np.nansum(values))
        elif name == "request_usd":
            got["requests_usd"] = _nansum(values, self.priced)
        elif name == "duration_usd":
            edge = self.rows.edge
            pc = self.rows.pc_row & self.priced & ~edge  # priced provisioned, not Lambda@Edge
            got["duration_usd"] = _nansum(values, ~pc & ~edge)
            got["edge_duration_usd"] = _nansum(values, edge)
            got["provisioned_duration_usd"] = _nansum(values, pc)
        elif name == "restore_fee_usd":
            got["restore_usd"] = _nansum(values)
            self.restored = np.flatnonzero(values > 0)
        elif name == "ephemeral_storage_usd":
            got["ephemeral_storage_usd"] = _nansum(values)
        elif name == "init_cost_usd":
            got["init_usd"] = _nansum(values)
        elif name == "init_unbilled_ms":
            got["init_unbilled_ms"] = _nansum(values)
            got["init_unbilled_gb_s"] = _nansum(_gb_seconds(values, self.memory))
            got["unbilled_init_invocations"] = int(np.count_nonzero(values > 0))
        elif name == "init_unbilled_usd":
            got["init_usd_at_current_rules"] = _nansum(values)
        elif name == "init_billed_ms":
            got["init_billed_ms"] = _nansum(values)
            got["init_billed_gb_s"] = _nansum(_gb_seconds(values, self.memory))


@dataclass(frozen=True)
class _GroupKey:
    """Per-row group codes (``0 <= code < count``) and the groups' sums over a column.

    The groups are numbered as a pandas groupby by the plain codes numbers them (ascending
    with ``sort``, else in order of first appearance) and held as a CategoricalIndex of those
    numbers, which a groupby reads as its labels: while a sum runs it makes one intp array
    (8 B a row), where grouping by the plain integer codes hashes them first (27 B a row).
    The same labels in the same row order give the same sums, bit for bit: pandas adds
    each group's rows with ``np.add.reduceat`` where the labels ascend and no value is NaN,
    with its compensated (Kahan) kernel otherwise, and both routes are taken alike."""

    labels: pd.CategoricalIndex  # per row: its group's number
    codes: np.ndarray  # per group present, in result order: its code (int64)
    at: np.ndarray  # per group present, in result order: its number among the labels
    counts: np.ndarray  # per group present, in result order: how many rows (int64)

    @classmethod
    def of(cls, codes: np.ndarray, count: int, sort: bool) -> _GroupKey:
        """``codes`` (any integer dtype) as a group key; ``sort``: groups in ascending code
        order (the codes themselves number them: a groupby's numbers ascend alike), else in
        order of first appearance (numbered so, one new small-integer array)."""
        counts = _code_counts(codes, count)
        present = np.flatnonzero(counts)
        if sort:
            numbers, at, groups = codes, present, max(count, 1)
        else:
            first = [int(np.argmax(codes == code)) for code in present]
            present = present[np.argsort(first, kind="stable")]
            rank = np.zeros(max(count, 1), dtype=np.int64)
            rank[present] = np.arange(len(present))
            numbers = _compact(rank, len(present))[codes]
            at, groups = np.arange(len(present)), max(len(present), 1)
        labels = pd.CategoricalIndex(
            pd.Categorical.from_codes(numbers, categories=pd.RangeIndex(groups)))
        return cls(labels, present.astype(np.int64), at, counts[present])

    def sum(self, values: np.ndarray, min_count: int = 0) -> pd.Series:
        """Per group present (index: its code): the sum of ``values`` (float, one a row),
        NaN skipped; NaN where fewer than ``min_count`` were not NaN."""
        grouped = pd.Series(values, copy=False).groupby(self.labels, observed=False, sort=True)
        per_group = grouped.sum(min_count=min_count).to_numpy()
        return pd.Series(per_group[self.at], index=pd.Index(self.codes))

    def size(self) -> pd.Series:
        """Per group present (index: its code): how many rows (int64)."""
        return pd.Series(self.counts, index=pd.Index(self.codes))


def _code_counts(codes: np.ndarray, count: int, block: int = 1 << 16) -> np.ndarray:
    """How many rows hold each code ``0 .. count-1`` (int64, exact), counted a block of rows
    at a time: ``np.bincount`` makes an intp copy of what it counts (8 B a row), a block's
    copy is small."""
    out = np.zeros(max(count, 0), dtype=np.int64)
    for begin in range(0, len(codes), block):
        out += np.bincount(codes[begin:begin + block], minlength=count)[:count]
    return out


class _CostSums:
    """The sums the cost tables (by function, by start type) and the account table read from
    the priced columns, taken from each column as it is made (``add``): pandas' group sums
    over the whole column, as a groupby of the priced table gives them. ``fn`` and
    ``start_type``: the table's codes; ``regions``: per function, the sorted Regions its
    rows are priced in; ``priced``: per row, not unpriced; ``fixed``: per function, the
    charges no invocation carries (``_fixed_charges``)."""

    def __init__(self, fn: _Codes, start_type: _Codes, regions: dict[str, list[str]],
                 priced: np.ndarray) -> None:
        self.fn, self.start_type, self.regions, self.priced = fn, start_type, regions, priced
        self.names = sorted(fn.names)
        if self.names == fn.names:  # codes in name order already (one function, say)
            self.key = fn.codes  # per row: the function's place in name order
        else:
            rank = _compact(np.array([self.names.index(f) for f in fn.names] or [0]),
                            len(self.names))
            self.key = rank[fn.codes]
        # functions in name order; start types in order of first appearance, as the table's
        # start types come (the order a groupby by them without sorting gives)
        self.by_key = _GroupKey.of(self.key, len(self.names), sort=True)
        self.by_type = _GroupKey.of(start_type.codes, len(start_type.names), sort=False)
        self.by_function: dict[str, pd.Series] = {}
        self.by_start_type: dict[str, pd.Series] = {}
        self.fixed: dict[str, dict[str, float]] = {}

    def add(self, name: str, values: np.ndarray) -> None:
        fn, st = self.by_function, self.by_start_type
        if name == "gb_seconds":
            fn["invocations"], fn["gb_seconds"] = self.by_key.size(), self.by_key.sum(values)
            st["invocations"], st["gb_seconds"] = self.by_type.size(), self.by_type.sum(values)
        elif name == "request_usd":  # unpriced rows add nothing, not even their request
            fn["requests_usd"] = self.by_key.sum(
                values if self.priced.all() else np.where(self.priced, values, 0.0))
        elif name in ("duration_usd", "restore_fee_usd", "init_unbilled_ms"):
            fn[{"restore_fee_usd": "restore_usd"}.get(name, name)] = self.by_key.sum(values)
        elif name in ("init_cost_usd", "cost_usd"):  # NaN for a function with none priced
            fn[name] = self.by_key.sum(values, min_count=1)
            if name == "cost_usd":
                st["total_usd"] = self.by_type.sum(values)
                # a place for the mean the tables compute from total_usd (_cost_tables)
                st["mean_usd"] = pd.Series(np.nan, index=st["total_usd"].index)
            else:
                st["init_usd"] = self.by_type.sum(values)

    def function_costs(self) -> pd.DataFrame:
        """Per function name (the index): the summed cost_usd and init_cost_usd of its
        invocations, NaN where none was priced (as ``account_table`` sums them), how
        many of them were priced, and ``fixed_usd``: its charges no invocation carries
        (provisioned-concurrency allocation plus SnapStart cache; 0 without any)."""
        fn = self.by_function
        priced = np.bincount(self.key[self.priced], minlength=len(self.names))
        names = pd.Index([self.names[k] for k in fn["cost_usd"].index], dtype=object,
                         name="function")
        return pd.DataFrame({"init_cost_usd": fn["init_cost_usd"].to_numpy(),
                             "cost_usd": fn["cost_usd"].to_numpy(),
                             "priced_invocations": priced[fn["cost_usd"].index],
                             "fixed_usd": fixed_by_function(self.fixed, names).to_numpy()},
                            index=names)

    def tables(self) -> dict[str, pd.DataFrame]:
        """``cost_tables``: cost by function and by start type."""
        fn, st = self.by_function, self.by_start_type
        by_fn = pd.DataFrame({
            "invocations": fn["invocations"], "gb_seconds": fn["gb_seconds"],
            "requests_usd": fn["requests_usd"], "duration_usd": fn["duration_usd"],
            "restore_usd": fn["restore_usd"], "init_usd": fn["init_cost_usd"].fillna(0.0),
            "invocations_usd": fn["cost_usd"].fillna(0.0),
            "init_unbilled_ms": fn["init_unbilled_ms"]})
        by_st = pd.DataFrame({
            "invocations": st["invocations"], "gb_seconds": st["gb_seconds"],
            "total_usd": st["total_usd"], "init_usd": st["init_usd"],
            "mean_usd": st["mean_usd"]})
        return _cost_tables(by_fn, by_st, self)


def _fixed_charges(
    invocations: pd.DataFrame, restored: np.ndarray, keys: _Keys,
    setups: dict[str, _FunctionSetup], table: PriceTable,
    window: tuple[pd.Timestamp | None, pd.Timestamp | None, float],
    memory_mb: np.ndarray, notes: list[str],
) -> tuple[dict[str, float], dict[str, int], dict[str, float]]:
    """Per-function charges no invocation carries: the provisioned-concurrency allocation over
    the analysed window (rounded up to 5 minutes), and the SnapStart cache (at least 3 h).
    ``restored``: the rows (ascending row numbers) a SnapStart restore fee was charged on;
    ``memory_mb``: per row, the memory size every amount was priced with."""
    window_s = window[2]
    fn = keys.function
    allocation: dict[str, float] = {}
    levels: dict[str, int] = {}
    for f, s in setups.items():
        if not s.provisioned or s.edge:
            continue
        mem = s.memory_mb
        if math.isnan(mem):
            fmem = (memory_mb[fn.codes == fn.names.index(f)] if f in fn.names
                    else np.zeros(0))
            mem = float(np.nanmax(fmem)) if fmem.size and not np.isnan(fmem).all() else math.nan
        if math.isnan(mem):
            notes.append(f"{f}: provisioned concurrency {s.provisioned} not priced "
                         "(memory size unknown)")
            continue
        why = table.missing(s.region, s.architecture, "provisioned_concurrency_per_gb_s")
        if why:
            notes.append(f"{f}: {ALLOCATION_NOT_PRICED}: {why}")
            levels[f] = s.provisioned
            continue
        seconds = math.ceil(window_s / PC_ROUNDING_S - 1e-9) * PC_ROUNDING_S
        price = table.prices(s.region, s.architecture).provisioned_concurrency_per_gb_s
        assert price is not None
        allocation[f] = clean_amount(s.provisioned * mem / 1024.0 * seconds * price)
        levels[f] = s.provisioned
    cache: dict[str, float] = {}
    if len(restored):
        cache_s = max(window_s, SNAPSTART_CACHE_MIN_S)
        version = _codes(invocations["version"].iloc[restored])
        mem_by_fv = (
            pd.DataFrame({"function": np.array(fn.names, dtype=object)[fn.codes[restored]],
                          "version": np.array(version.names, dtype=object)[version.codes],
                          "gb": memory_mb[restored] / 1024.0})
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


def _gb_seconds(ms: np.ndarray, memory_mb: np.ndarray) -> np.ndarray:
    """ms / 1000 x memory_mb / 1024, per row: one new array, the steps in place."""
    out = ms / 1000.0
    out *= memory_mb
    out /= 1024.0
    return out


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


def _unpriced_groups(fn: _Codes, region: _Codes, rows: _Rows,
                     unpriced: np.ndarray) -> list[dict[str, Any]]:
    """Unpriced invocations grouped by function, Region and reason, in that sorted order."""
    if not unpriced.any():
        return []
    key = np.stack([fn.codes[unpriced], region.codes[unpriced], rows.reason[unpriced]], axis=1)
    triples, counts = np.unique(key, axis=0, return_counts=True)
    groups = sorted((fn.names[f], region.names[r], rows.reasons[why], int(c))
                    for (f, r, why), c in zip(triples, counts, strict=True))
    return [{"function": f, "region": r, "invocations": c, "reason": why}
            for f, r, why, c in groups]


def _pricing_block(setups: dict[str, _FunctionSetup], options: BillingOptions,
                   table: PriceTable, fn_regions: list[tuple[str, str]], tier_notes: set[str],
                   default_region_used: bool) -> dict[str, Any]:
    """``summary["cost"]["pricing"]``: the Regions and architectures priced, the price table,
    the tier, the defaults used and the approximate prices used."""
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
    if default_region_used:
        default = options.default_region or DEFAULT_REGION
        origin = f"from {options.default_region_from}" if options.default_region_from \
            else "default"
        defaults_used.append(f"region {default} ({origin})")
    if any(s.architecture_from == "default" for s in setups.values()):
        defaults_used.append(f"architecture {DEFAULT_ARCHITECTURE} (default)")

    by_function_regions: dict[str, list[str]] = {}
    for f, r in fn_regions:  # sorted pairs: Regions come out sorted
        by_function_regions.setdefault(f, []).append(r)
    return {
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
    }


def size_unknown_warnings(cost: dict[str, Any]) -> list[str]:
    """One warning per function with invocations unpriced because their memory size or
    duration is unknown (not a missing price, so not in ``incomplete``): neither a REPORT
    of theirs nor one of their execution environment states the memory size."""
    return [f"cost incomplete, unpriced: {g['invocations']} invocation(s) of {g['function']}: "
            f"{MISSING_SIZE} (no REPORT of theirs or of their execution environment states "
            "the memory size); they are in no amount"
            for g in cost.get("unpriced") or [] if g.get("reason") == MISSING_SIZE]


# The note when a function ran on provisioned environments and its level is not known: an
# input left out (as a memory size unknown), not a missing price, so not in ``incomplete``.
# How a missing price of a function's provisioned-concurrency allocation is worded in the
# summary's notes and ``incomplete`` ("ledger: provisioned concurrency allocation not priced:
# <why>"): a sweep table marks its allocation column partial by it.
ALLOCATION_NOT_PRICED = "provisioned concurrency allocation not priced"
LEVEL_UNKNOWN_NOTE = ("provisioned concurrency allocation not priced: level unknown "
                      "(pass --provisioned N)")


def incomplete_notes(notes: Sequence[str]) -> list[str]:
    """The notes that name a missing price (``cost["incomplete"]`` after the unpriced
    groups), sorted: a charge "not priced: <why>", but not the totals' exclusion notes (their
    groups are listed already) nor ``LEVEL_UNKNOWN_NOTE``."""
    return sorted(n for n in notes if " not priced: " in n
                  and not n.startswith("totals and per-million") and n != LEVEL_UNKNOWN_NOTE)


def _summary_notes(notes: list[str], counts: dict[str, int],
                   setups: dict[str, _FunctionSetup], configurations: dict[str, dict[str, Any]],
                   unpriced_groups: list[dict[str, Any]], levels: dict[str, int],
                   pc_functions: set[str]) -> list[str]:
    """Append the summary's notes to ``notes`` (in their reading order) and return
    ``incomplete``: the missing prices, one line per function and reason."""
    lmi = counts["lmi"]
    if lmi:
        notes.append(f"{lmi} Lambda Managed Instances invocations: requests only; LMI has no "
                     "per-invocation billed duration (EC2 instances + 15 % management fee are "
                     "not in the logs and not priced)")
    notes.extend(unmodelled_charge_notes(setups, configurations))
    edge = counts["edge"]
    if edge:
        notes.append(f"{edge} Lambda@Edge invocations priced at Lambda@Edge rates "
                     "(one global list price)")
    computed = counts["computed"]
    if computed:
        notes.append(f"{computed} invocations had no Billed Duration in the input: computed from "
                     "the rules for their date, package type and runtime")
    if counts["restore_estimated"]:
        notes.append(f"{counts['restore_estimated']} restores without Billed Restore "
                     "Duration: Restore Duration used instead (an upper bound)")
    if counts["restore_no_runtime"]:
        notes.append(f"{counts['restore_no_runtime']} SnapStart restores of unknown "
                     "runtime: no SnapStart restore charge applied (as for Java); pass --runtime")
    for g in unpriced_groups:
        notes.append(f"totals and per-million figures exclude {g['invocations']} unpriced "
                     f"invocation(s) of "
                     f"{g['function']} ({g['region']}): {g['reason']}")
    incomplete = sorted({f"{g['function']}: {g['reason']}" for g in unpriced_groups
                         if g["reason"] != MISSING_SIZE})
    incomplete += incomplete_notes(notes)
    if pc_functions - levels.keys():  # some function's provisioned level is not known
        notes.append(LEVEL_UNKNOWN_NOTE)
    notes.append("free tier not applied; Savings Plans not applied")
    return incomplete


def _summary(
    n: int,
    totals: dict[str, float],
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
    counts: dict[str, int],
    pc_functions: set[str],
    init_duration_usd: float,
    configurations: dict[str, dict[str, Any]] | None = None,
    fn_regions: list[tuple[str, str]] | None = None,
    unpriced_groups: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """``summary["cost"]`` of ``n`` invocations. ``totals``: the sums ``_Totals`` took from
    the priced columns; ``counts``: observed, computed, lmi, timeout_capped,
    restore_estimated, restore_no_runtime, default_region, unpriced, edge and provisioned
    (priced on provisioned environments) rows; ``pc_functions``: the functions with such
    rows. ``init_duration_usd`` is the summed INIT share of the duration charges. Totals
    cover priced invocations only; ``unpriced`` and ``incomplete`` say what is left out."""
    requests_usd = _f(totals["requests_usd"])
    od_duration = _f(totals["duration_usd"])
    edge_usd = _f(totals["edge_duration_usd"])
    pc_duration = _f(totals["provisioned_duration_usd"])
    restore_usd = _f(totals["restore_usd"])
    ephemeral = _f(totals["ephemeral_storage_usd"])
    alloc_total = _f(sum(allocation.values()))
    cache_total = _f(sum(cache.values()))
    provisioned_usd = _f(pc_duration + alloc_total)
    total = _f(requests_usd + od_duration + edge_usd + provisioned_usd + restore_usd
               + ephemeral + cache_total)
    init_usd = _f(totals["init_usd"])
    unbilled_ms = _f(totals["init_unbilled_ms"])
    unbilled_gb_s = _f(totals["init_unbilled_gb_s"])
    unbilled_usd = _f(totals["init_usd_at_current_rules"])
    init_billed_ms = _f(totals["init_billed_ms"])
    init_billed_gb_s = _f(totals["init_billed_gb_s"])

    fn_regions = fn_regions or []
    pricing = _pricing_block(setups, options, table, fn_regions, tier_notes,
                             bool(counts["default_region"]) or (not n and not options.region))
    unpriced_groups = unpriced_groups or []
    lmi, edge = counts["lmi"], counts["edge"]
    computed = counts["computed"]
    # functions with invocations on provisioned environments, whose level --provisioned or
    # the fetched configuration gives (levels): one without it leaves its allocation out
    incomplete = _summary_notes(notes, counts, setups, configurations or {},
                                unpriced_groups, levels, pc_functions)
    unpriced = counts["unpriced"]

    ws, we, window_s = window
    priced_n = n - unpriced
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
        "init_duration_usd": _f(init_duration_usd),
        "init_share": clean_amount(init_usd / total) if total > 0 else 0.0,
        "init_billed_ms": init_billed_ms,
        "init_billed_gb_s": init_billed_gb_s,
        "init_unbilled_ms": unbilled_ms,
        "init_unbilled_gb_s": unbilled_gb_s,
        "init_usd_at_current_rules": unbilled_usd,
        "total_usd_at_current_rules": _f(total + unbilled_usd),
        "gb_seconds": _f(totals["gb_seconds"]),
        "per_million_invocations_usd": _f(total / priced_n * 1e6) if priced_n > 0 else 0.0,
        "invocations": n,
        "priced_invocations": priced_n,
        "unpriced_invocations": unpriced,
        "unpriced": unpriced_groups,
        "incomplete": incomplete,
        "billed_observed": counts["observed"],
        "billed_computed": computed,
        "memory_from_environment": counts.get("memory_from_environment", 0),
        "timeout_capped": counts["timeout_capped"],
        "lmi_invocations": lmi,
        "edge_invocations": edge,
        "provisioned_invocations": counts["provisioned"],
        "provisioned_concurrency": dict(levels),
        "unbilled_init_invocations": int(totals["unbilled_init_invocations"]),
        "window": {
            "start": ws.isoformat() if ws is not None else None,
            "end": we.isoformat() if we is not None else None,
            "seconds": window_s,
        },
        "pricing": pricing,
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
    fn = _codes(priced["function"], missing="nan")
    sums = _CostSums(fn, _codes(priced["start_type"], missing="nan"),
                     _function_regions(fn, _codes(priced["region"])),
                     ~_codes(priced["priced_as"]).isin("unpriced"))
    for name in ("gb_seconds", "request_usd", "duration_usd", "restore_fee_usd",
                 "init_cost_usd", "cost_usd", "init_unbilled_ms"):
        sums.add(name, priced[name].to_numpy(dtype=float))
    sums.fixed = priced.attrs.get("billing_fixed_usd", {})
    return sums.tables()


def _cost_tables(by_fn: pd.DataFrame, by_st: pd.DataFrame, sums: _CostSums
                 ) -> dict[str, pd.DataFrame]:
    """The cost tables from the group sums (``by_fn``: one row per function code in name
    order; ``by_st``: one row per start type code in order of first appearance)."""
    alloc = sums.fixed.get("provisioned_allocation_usd", {})
    cache = sums.fixed.get("snapstart_cache_usd", {})
    names, key, start_type = sums.names, sums.key, sums.start_type
    unpriced = np.bincount(key[~sums.priced], minlength=len(names))[by_fn.index]
    by_fn.insert(1, "priced_invocations", by_fn["invocations"].to_numpy() - unpriced)
    cold = start_type.isin(*COLD_START_TYPES)
    by_fn.insert(2, "cold_starts", np.bincount(key[cold], minlength=len(names))[by_fn.index])
    del key, cold
    function = [names[k] for k in by_fn.index]
    by_fn = by_fn.reset_index(drop=True)
    by_fn.insert(0, "function", pd.Series(function, dtype=object))
    regions = sums.regions
    by_fn.insert(1, "region", ["/".join(regions.get(f, [])) for f in function])
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
    none = by_fn["priced_invocations"].to_numpy() == 0
    by_fn.loc[none, list(_UNKNOWN_WITHOUT_PRICE)] = np.nan
    # a function with no priced invocation: its total is its fixed charges, unknown without
    fixed_usd = by_fn["provisioned_allocation_usd"] + by_fn["snapstart_cache_usd"]
    by_fn.loc[none & (fixed_usd.to_numpy() == 0), "total_usd"] = np.nan

    by_st = by_st.loc[by_st.index != start_type.na]  # as groupby drops a missing key
    priced_st = np.bincount(start_type.codes[sums.priced],
                            minlength=len(start_type.names))[by_st.index]
    by_st.insert(1, "priced_invocations", priced_st)
    by_st.index = pd.Index([start_type.names[k] for k in by_st.index], name="start_type")
    order = [s for s in START_TYPES if s in by_st.index] + [
        s for s in by_st.index if s not in START_TYPES
    ]
    by_st = by_st.reindex(order).reset_index()
    none = by_st["priced_invocations"].to_numpy() == 0
    # the mean over the priced invocations: an unpriced one is no $0 invocation
    by_st["mean_usd"] = by_st["total_usd"] / by_st["priced_invocations"].where(~none)
    inv_total = float(by_st["total_usd"].sum())
    by_st["share_of_cost"] = by_st["total_usd"] / inv_total if inv_total > 0 else 0.0
    by_st["init_share"] = np.where(
        by_st["total_usd"] > 0,
        by_st["init_usd"] / by_st["total_usd"].where(by_st["total_usd"] > 0, 1.0), 0.0,
    )
    by_st["unpriced_invocations"] = by_st["invocations"] - by_st["priced_invocations"]
    by_st.loc[none, ["total_usd", "init_usd", "mean_usd", "share_of_cost", "init_share"]] = np.nan
    return {"by_function": by_fn, "by_start_type": by_st}


# Amounts and ratios of a cost-table row that has no priced invocation: unknown (NaN, JSON
# null), never $0, which would read as free (docs/billing.md, "When a price is missing").
_UNKNOWN_WITHOUT_PRICE: tuple[str, ...] = (
    "requests_usd", "duration_usd", "restore_usd", "init_usd", "init_share", "per_million_usd")


def _function_regions(fn: _Codes, region: _Codes) -> dict[str, list[str]]:
    """The sorted distinct Regions of each function's rows (a functions x Regions table of
    the pairs that occur: no per-row key)."""
    present = np.zeros((max(len(fn.names), 1), max(len(region.names), 1)), dtype=bool)
    present[fn.codes, region.codes] = True
    return {fn.names[f]: sorted({region.names[r] for r in np.flatnonzero(row)})
            for f, row in enumerate(present) if row.any()}


def price_analysis(
    analysis: Analysis, options: BillingOptions, table: PriceTable
) -> Analysis:
    """The analysis with ``summary["cost"]`` set and its invocations priced when read.

    ``summary["cost"]`` also carries the two report tables as lists of records:
    ``by_function`` and ``by_start_type`` (see ``cost_tables``). Configurations fetched with
    the logs (``analysis.input.configurations``) give Region, architecture, memory, package
    type, runtime and provisioned concurrency where known.

    The per-row priced columns are computed one at a time for the summary and not kept: they
    are added to ``analysis.invocations`` on its first read (``Analysis.deferred_prices``,
    the same columns ``price_invocations`` adds), so a report that shows no invocation row
    never holds them. The account table reads ``deferred_prices.function_costs``.
    """
    configurations = analysis.input.configurations or {}
    regions = analysis.input.regions or {}
    invocations = analysis.held_invocations
    _, cost, sums = _price(invocations, options, table, configurations, regions,
                           keep_rows=False)
    tables = sums.tables()
    cost["by_function"] = cost_records(tables["by_function"])
    cost["by_start_type"] = cost_records(tables["by_start_type"])
    summary = dict(analysis.summary)
    summary["cost"] = cost
    deferred = DeferredPrices(partial(_with_prices, options=options, table=table,
                                      configurations=configurations, regions=regions),
                              sums.function_costs())
    return replace(analysis, invocations=invocations, summary=summary,
                   deferred_prices=deferred)


def _with_prices(invocations: pd.DataFrame, options: BillingOptions, table: PriceTable,
                 configurations: dict[str, dict[str, Any]],
                 regions: dict[str, dict[str, str]]) -> pd.DataFrame:
    """The invocation table with every priced column (``price_invocations``' table)."""
    priced, _cost, _sums = _price(invocations, options, table, configurations, regions,
                                  keep_rows=True)
    assert priced is not None
    return priced


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


def cost_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A cost table as JSON-ready rows: numpy numbers as Python numbers, amounts, shares and
    GB-s cleaned (``clean_amount``); an unknown amount (NaN: a row with no priced
    invocation) is None, JSON null."""
    out: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for k, v in row.items():
            if isinstance(v, np.integer):
                v = int(v)
            elif isinstance(v, np.floating):
                v = float(v)
            if isinstance(v, float) and math.isnan(v):
                v = None
            elif isinstance(v, float) and (str(k).endswith(("_usd", "_share"))
                                           or k == "gb_seconds"):
                v = clean_amount(v)
            clean[str(k)] = v
        out.append(clean)
    return out
