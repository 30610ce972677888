"""The Lambda price table: load, validate and look up the dated YAML table.

The built-in table is ``prices.yaml`` beside this module (package data). A user file of
the same schema replaces it (``--pricing FILE``). Validation errors are ``ConfigError``
naming the bad key with its full path (``regions.us-east-1.x86_64.duration_per_gb_s``);
an unknown Region or architecture is an ``InputError`` naming the known ones.

Billing asks :meth:`PriceTable.missing` for the reason a price cannot be used (a Region the
table does not know, one it says it does not price, or a null price): the invocations that
need it are then reported unpriced with that reason, and the others keep their cost.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from lamlife.lifecycle.errors import ConfigError, InputError

SCHEMA_VERSION = 1
ARCHITECTURES: tuple[str, ...] = ("x86_64", "arm64")
BUILTIN_NAME = "prices.yaml"

# Flat prices of one (Region, architecture); duration_per_gb_s is the tier list.
PRICE_KEYS: tuple[str, ...] = (
    "requests_per_million",
    "provisioned_concurrency_per_gb_s",
    "provisioned_duration_per_gb_s",
    "snapstart_cache_per_gb_s",
    "snapstart_restore_per_gb",
    "ephemeral_storage_per_gb_s",
)
ARCH_KEYS: tuple[str, ...] = ("requests_per_million", "duration_per_gb_s", *PRICE_KEYS[1:])
REGION_KEYS: tuple[str, ...] = ("name", "sources", "approximate", "notes", *ARCHITECTURES)
TOP_KEYS: tuple[str, ...] = ("schema", "as_of", "currency", "sources", "regions")
OPTIONAL_TOP_KEYS: tuple[str, ...] = ("unsupported", "lambda_edge")
EDGE_KEYS: tuple[str, ...] = ("sources", "requests_per_million", "duration_per_gb_s")
# A Region code (commercial, GovCloud, China, ISO partitions): a typo guard for --region.
REGION_CODE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
TIER_KEYS: tuple[str, ...] = ("up_to_gb_s", "usd")


@dataclass(frozen=True)
class Tier:
    """One on-demand duration tier: ``usd`` per GB-s up to ``up_to_gb_s`` a month."""

    up_to_gb_s: float | None  # None: no upper bound (the last tier)
    usd: float | None  # None: not known (never the first tier)


@dataclass(frozen=True)
class ArchPrices:
    """Prices of one Region and architecture. ``None`` means not known."""

    requests_per_million: float | None
    duration_per_gb_s: tuple[Tier, ...] | None
    provisioned_concurrency_per_gb_s: float | None
    provisioned_duration_per_gb_s: float | None
    snapstart_cache_per_gb_s: float | None
    snapstart_restore_per_gb: float | None
    ephemeral_storage_per_gb_s: float | None

    def get(self, key: str) -> Any:
        return getattr(self, key)


@dataclass(frozen=True)
class RegionPrices:
    region: str
    name: str
    sources: tuple[str, ...]
    approximate: tuple[str, ...]
    notes: tuple[str, ...]
    architectures: dict[str, ArchPrices]


@dataclass(frozen=True)
class EdgePrices:
    """Lambda@Edge list prices (one global price, x86_64 only)."""

    requests_per_million: float | None
    duration_per_gb_s: float | None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class PriceTable:
    """A validated price table. ``origin`` is the file it came from ("built-in" or a path)."""

    as_of: dt.date
    currency: str
    sources: dict[str, dict[str, str]]
    regions: dict[str, RegionPrices]
    origin: str = "built-in"
    schema: int = SCHEMA_VERSION
    unsupported: dict[str, str] = field(default_factory=dict)  # region -> why not priced
    edge: EdgePrices | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def known_regions(self) -> list[str]:
        return sorted(self.regions)

    def region(self, region: str) -> RegionPrices:
        """The prices of a Region, or an InputError naming the known Regions."""
        if region in self.unsupported:
            raise InputError(f"{region} is not priced: {self.unsupported[region]} "
                             "(give prices with --pricing FILE)")
        try:
            return self.regions[region]
        except KeyError:
            raise InputError(
                f"unknown region {region!r} in the price table ({self.origin}); "
                f"known regions: {', '.join(self.known_regions)} "
                "(give prices for others with --pricing FILE)"
            ) from None

    def prices(self, region: str, architecture: str) -> ArchPrices:
        """The prices of a Region and architecture (errors name the known values)."""
        if architecture not in ARCHITECTURES:
            raise InputError(
                f"unknown architecture {architecture!r}; known: {', '.join(ARCHITECTURES)}"
            )
        return self.region(region).architectures[architecture]

    def require(self, region: str, architecture: str, key: str) -> Any:
        """A price that billing needs; a ConfigError naming the key when it is unknown."""
        value = self.prices(region, architecture).get(key)
        if value is None:
            raise ConfigError(
                f"the price table ({self.origin}) has no price for "
                f"regions.{region}.{architecture}.{key} (null: unknown for this Region); "
                "give it with --pricing FILE"
            )
        return value

    def missing(self, region: str, architecture: str, key: str) -> str | None:
        """Why the price ``key`` of a Region and architecture cannot be used, or None.

        The reason names the Region, the item and ``--pricing FILE``: a Region the table says
        it does not price (``unsupported``), a Region it does not know, or a null price.
        """
        if region in self.unsupported:
            return (f"{region} is not priced: {self.unsupported[region]} "
                    "(give prices with --pricing FILE)")
        if region not in self.regions:
            return (f"no prices for Region {region} in the price table ({self.origin}); "
                    "give them with --pricing FILE")
        if architecture not in ARCHITECTURES:
            return f"unknown architecture {architecture!r}; known: {', '.join(ARCHITECTURES)}"
        if self.regions[region].architectures[architecture].get(key) is None:
            return (f"no {key} price for {region} {architecture} in the price table "
                    f"({self.origin}): regions.{region}.{architecture}.{key} is null "
                    "(unknown); give it with --pricing FILE")
        return None

    def is_known_code(self, region: str) -> bool:
        """A Region the table prices or names as unsupported, or at least a Region-shaped code."""
        return (region in self.regions or region in self.unsupported
                or bool(REGION_CODE.match(region)))

    def is_approximate(self, region: str, architecture: str, key: str) -> bool:
        return f"{architecture}.{key}" in self.region(region).approximate


# ---------------------------------------------------------------------------- loading


def builtin_text() -> str:
    """The text of the built-in ``prices.yaml``."""
    return resources.files("lamlife.lifecycle.billing").joinpath(BUILTIN_NAME).read_text("utf-8")


# libyaml's parser where PyYAML was built with it (PyPI wheels are): the built-in table loads
# in about a tenth of the pure-Python parser's 0.2 s; the same safe constructors either way
_SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _safe_load(text: str) -> object:
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506  (a SafeLoader: safe)


def load_builtin() -> PriceTable:
    return parse_table(_safe_load(builtin_text()), origin="built-in")


def load_table(path: str | Path | None = None) -> PriceTable:
    """The built-in table, or the file at ``path`` (same schema) when given."""
    if path is None:
        return load_builtin()
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read price table {p}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"price table {p} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x}"
                          f" at offset {exc.start}); save it as UTF-8") from None
    try:
        data = _safe_load(text)
    except RecursionError:
        raise ConfigError(f"price table {p} is not a price table (nested too deeply)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"price table {p} is not valid YAML{where}") from None
    return parse_table(data, origin=str(p))


# ------------------------------------------------------------------------- validation


def _fail(origin: str, path: str, message: str) -> ConfigError:
    return ConfigError(f"price table {origin}: {path}: {message}")


def _mapping(value: Any, origin: str, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(origin, path, f"must be a mapping, not {type(value).__name__}")
    return value


def _check_keys(
    value: Mapping[str, Any], allowed: tuple[str, ...], required: tuple[str, ...],
    origin: str, path: str,
) -> None:
    prefix = f"{path}." if path else ""
    for key in value:
        if key not in allowed:
            raise _fail(
                origin, f"{prefix}{key}", f"unknown key (allowed: {', '.join(allowed)})"
            )
    for key in required:
        if key not in value:
            raise _fail(origin, f"{prefix}{key}", "missing")


def _price(value: Any, origin: str, path: str, nullable: bool = True) -> float | None:
    if value is None:
        if nullable:
            return None
        raise _fail(origin, path, "must be a number")
    if isinstance(value, bool):
        raise _fail(origin, path, "must be a number, not a boolean")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise _fail(origin, path, f"must be a number, not {value!r}") from None
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise _fail(origin, path, f"must be a finite number >= 0, not {value!r}")
    return float(value)


def _string_list(value: Any, origin: str, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(origin, path, "must be a list of strings")
    return tuple(value)


def _tiers(value: Any, origin: str, path: str) -> tuple[Tier, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise _fail(origin, path, "must be a non-empty list of {up_to_gb_s, usd} tiers")
    tiers: list[Tier] = []
    previous = 0.0
    for i, item in enumerate(value):
        ipath = f"{path}[{i}]"
        item = _mapping(item, origin, ipath)
        _check_keys(item, TIER_KEYS, TIER_KEYS, origin, ipath)
        usd = _price(item["usd"], origin, f"{ipath}.usd", nullable=i > 0)
        up_to = _price(item["up_to_gb_s"], origin, f"{ipath}.up_to_gb_s")
        last = i == len(value) - 1
        if up_to is None and not last:
            raise _fail(origin, f"{ipath}.up_to_gb_s", "only the last tier may be unbounded")
        if up_to is not None and last:
            raise _fail(origin, f"{ipath}.up_to_gb_s", "the last tier must be null (no bound)")
        if up_to is not None and up_to <= previous:
            raise _fail(origin, f"{ipath}.up_to_gb_s", "tier bounds must increase")
        previous = up_to if up_to is not None else previous
        tiers.append(Tier(up_to_gb_s=up_to, usd=usd))
    return tuple(tiers)


def _arch(value: Any, origin: str, path: str) -> ArchPrices:
    value = _mapping(value, origin, path)
    _check_keys(value, ARCH_KEYS, ARCH_KEYS, origin, path)
    flat = {k: _price(value[k], origin, f"{path}.{k}") for k in PRICE_KEYS}
    return ArchPrices(
        duration_per_gb_s=_tiers(value["duration_per_gb_s"], origin, f"{path}.duration_per_gb_s"),
        **flat,
    )


def parse_table(data: Any, origin: str = "built-in") -> PriceTable:
    """Validate a loaded YAML document and build the PriceTable (ConfigError when bad)."""
    top = _mapping(data, origin, "(top level)")
    _check_keys(top, (*TOP_KEYS, *OPTIONAL_TOP_KEYS), TOP_KEYS, origin, "")
    if top["schema"] != SCHEMA_VERSION:
        raise _fail(origin, "schema", f"unsupported version {top['schema']!r} (expected 1)")
    as_of = top["as_of"]
    if isinstance(as_of, str):
        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError:
            raise _fail(origin, "as_of", f"must be a date YYYY-MM-DD, not {as_of!r}") from None
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    if not isinstance(as_of, dt.date):
        raise _fail(origin, "as_of", "must be a date YYYY-MM-DD")
    if top["currency"] != "USD":
        raise _fail(origin, "currency", f"only USD is supported, not {top['currency']!r}")

    sources: dict[str, dict[str, str]] = {}
    for sid, src in _mapping(top["sources"], origin, "sources").items():
        spath = f"sources.{sid}"
        src = _mapping(src, origin, spath)
        _check_keys(src, ("title", "url"), ("title",), origin, spath)
        if not all(isinstance(v, str) for v in src.values()):
            raise _fail(origin, spath, "title and url must be strings")
        sources[str(sid)] = {k: str(v) for k, v in src.items()}

    regions_in = _mapping(top["regions"], origin, "regions")
    if not regions_in:
        raise _fail(origin, "regions", "must name at least one region")
    regions: dict[str, RegionPrices] = {}
    for code, body in regions_in.items():
        rpath = f"regions.{code}"
        body = _mapping(body, origin, rpath)
        _check_keys(body, REGION_KEYS, ARCHITECTURES, origin, rpath)
        name = body.get("name", code)
        if not isinstance(name, str):
            raise _fail(origin, f"{rpath}.name", "must be a string")
        cited = _string_list(body.get("sources"), origin, f"{rpath}.sources")
        for sid in cited:
            if sid not in sources:
                raise _fail(origin, f"{rpath}.sources", f"unknown source id {sid!r}")
        approximate = _string_list(body.get("approximate"), origin, f"{rpath}.approximate")
        for key in approximate:
            arch, _, item = key.partition(".")
            if arch not in ARCHITECTURES or item not in ARCH_KEYS:
                raise _fail(
                    origin, f"{rpath}.approximate",
                    f"{key!r} is not <architecture>.<price key>",
                )
        archs = {a: _arch(body[a], origin, f"{rpath}.{a}") for a in ARCHITECTURES}
        regions[str(code)] = RegionPrices(
            region=str(code),
            name=name,
            sources=cited,
            approximate=approximate,
            notes=_string_list(body.get("notes"), origin, f"{rpath}.notes"),
            architectures=archs,
        )
    unsupported: dict[str, str] = {}
    for code, why in _mapping(top.get("unsupported") or {}, origin, "unsupported").items():
        if not isinstance(why, str):
            raise _fail(origin, f"unsupported.{code}", "must be a string (the reason)")
        if code in regions:
            raise _fail(origin, f"unsupported.{code}", "is also in regions")
        unsupported[str(code)] = why
    return PriceTable(
        as_of=as_of,
        currency="USD",
        sources=sources,
        regions=regions,
        origin=origin,
        raw=dict(top),
        unsupported=unsupported,
        edge=_edge(top.get("lambda_edge"), sources, origin),
    )


def _edge(value: Any, sources: dict[str, dict[str, str]], origin: str) -> EdgePrices | None:
    if value is None:
        return None
    value = _mapping(value, origin, "lambda_edge")
    _check_keys(value, EDGE_KEYS, EDGE_KEYS[1:], origin, "lambda_edge")
    cited = _string_list(value.get("sources"), origin, "lambda_edge.sources")
    for sid in cited:
        if sid not in sources:
            raise _fail(origin, "lambda_edge.sources", f"unknown source id {sid!r}")
    return EdgePrices(
        requests_per_million=_price(value["requests_per_million"], origin,
                                    "lambda_edge.requests_per_million"),
        duration_per_gb_s=_price(value["duration_per_gb_s"], origin,
                                 "lambda_edge.duration_per_gb_s"),
        sources=cited,
    )


def region_rows(table: PriceTable, region: str) -> list[dict[str, Any]]:
    """The table of one Region as rows (item, unit, x86_64, arm64, approximate) for display."""
    rp = table.region(region)
    rows: list[dict[str, Any]] = []

    def add(item: str, unit: str, key: str, values: dict[str, Any]) -> None:
        rows.append({
            "item": item,
            "unit": unit,
            "key": key,
            **values,
            "approximate": [a for a in ARCHITECTURES if f"{a}.{key}" in rp.approximate],
        })

    add("Requests", "USD per 1M", "requests_per_million",
        {a: rp.architectures[a].requests_per_million for a in ARCHITECTURES})
    ntiers = max(len(rp.architectures[a].duration_per_gb_s or ()) for a in ARCHITECTURES)
    for i in range(ntiers):
        values: dict[str, Any] = {}
        for a in ARCHITECTURES:
            tiers = rp.architectures[a].duration_per_gb_s or ()
            values[a] = tiers[i].usd if i < len(tiers) else None
            values[f"{a}_up_to_gb_s"] = tiers[i].up_to_gb_s if i < len(tiers) else None
        add(f"Duration, tier {i + 1}", "USD per GB-s", "duration_per_gb_s", values)
    if ntiers == 0:  # no tiers known: the row still shows that the price is unknown
        add("Duration", "USD per GB-s", "duration_per_gb_s",
            {k: None for a in ARCHITECTURES for k in (a, f"{a}_up_to_gb_s")})
    labels = {
        "provisioned_concurrency_per_gb_s": ("Provisioned concurrency enabled", "USD per GB-s"),
        "provisioned_duration_per_gb_s": ("Duration on provisioned concurrency", "USD per GB-s"),
        "snapstart_cache_per_gb_s": ("SnapStart cache (Python, .NET)", "USD per GB-s"),
        "snapstart_restore_per_gb": ("SnapStart restore (Python, .NET)", "USD per GB"),
        "ephemeral_storage_per_gb_s": ("Ephemeral storage over 512 MB", "USD per GB-s"),
    }
    for key, (item, unit) in labels.items():
        add(item, unit, key, {a: rp.architectures[a].get(key) for a in ARCHITECTURES})
    return rows


def table_to_data(table: PriceTable) -> dict[str, Any]:
    """A PriceTable back to plain data in the YAML schema (for writing and JSON output)."""
    regions: dict[str, Any] = {}
    for code, rp in table.regions.items():
        body: dict[str, Any] = {
            "name": rp.name,
            "sources": list(rp.sources),
            "approximate": list(rp.approximate),
            "notes": list(rp.notes),
        }
        for a in ARCHITECTURES:
            ap = rp.architectures[a]
            arch: dict[str, Any] = {"requests_per_million": ap.requests_per_million}
            arch["duration_per_gb_s"] = (
                None if ap.duration_per_gb_s is None
                else [{"up_to_gb_s": t.up_to_gb_s, "usd": t.usd} for t in ap.duration_per_gb_s]
            )
            for key in PRICE_KEYS[1:]:
                arch[key] = ap.get(key)
            body[a] = arch
        regions[code] = body
    data: dict[str, Any] = {
        "schema": table.schema,
        "as_of": table.as_of.isoformat(),
        "currency": table.currency,
        "sources": {k: dict(v) for k, v in table.sources.items()},
    }
    if table.unsupported:
        data["unsupported"] = dict(table.unsupported)
    if table.edge is not None:
        data["lambda_edge"] = {"sources": list(table.edge.sources),
                               "requests_per_million": table.edge.requests_per_million,
                               "duration_per_gb_s": table.edge.duration_per_gb_s}
    data["regions"] = regions
    return data
