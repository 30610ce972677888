"""Build a price table from AWS Price List API items (GetProducts of service AWSLambda; the
calls themselves are in ``aws/pricing.py``). Used by ``lamlife pricing --update`` only.

The response shape (``FormatVersion`` ``aws_v1``: ``PriceList`` is a list of JSON strings,
each ``{"product": {"attributes": {"usagetype", "regionCode", ...}}, "terms": {"OnDemand":
{...: {"priceDimensions": {...: {"beginRange", "endRange", "unit", "pricePerUnit":
{"USD"}}}}}}, "publicationDate"}``) is the documented GetProducts shape; the usage types are
those of the AWSLambda offer (``Request``, ``Lambda-GB-Second``,
``Lambda-Provisioned-Concurrency``, ... with an ``-ARM`` twin, and a Region prefix such as
``EUC1-`` outside us-east-1).

SnapStart usage type names are not known to us: SnapStart products are recognised by a
usage type or description that mentions SnapStart/snapshot, the cache by its per-GB-s unit
and the restore by its per-GB unit (unverified against a real response; see docs/billing.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

import yaml

from lamlife.lifecycle.billing.prices import (
    ARCHITECTURES,
    PRICE_KEYS,
    PriceTable,
    parse_table,
    table_to_data,
)
from lamlife.lifecycle.errors import InputError

SERVICE_CODE = "AWSLambda"  # as aws.pricing asks for
SOURCE_ID = "price-list-api"

# usage type (without Region prefix) -> (architecture, key)
USAGE_TYPES: dict[str, tuple[str, str]] = {
    "Request": ("x86_64", "requests_per_million"),
    "Request-ARM": ("arm64", "requests_per_million"),
    "Lambda-GB-Second": ("x86_64", "duration_per_gb_s"),
    "Lambda-GB-Second-ARM": ("arm64", "duration_per_gb_s"),
    "Lambda-Provisioned-Concurrency": ("x86_64", "provisioned_concurrency_per_gb_s"),
    "Lambda-Provisioned-Concurrency-ARM": ("arm64", "provisioned_concurrency_per_gb_s"),
    "Lambda-Provisioned-GB-Second": ("x86_64", "provisioned_duration_per_gb_s"),
    "Lambda-Provisioned-GB-Second-ARM": ("arm64", "provisioned_duration_per_gb_s"),
    "Lambda-Storage-GB-Second": ("x86_64", "ephemeral_storage_per_gb_s"),
    "Lambda-Storage-GB-Second-ARM": ("arm64", "ephemeral_storage_per_gb_s"),
}
_PREFIX = re.compile(r"^[A-Z]{2,4}[0-9]?-")
_SNAP = re.compile(r"snap", re.IGNORECASE)


def _usage_key(usagetype: str, description: str, unit: str) -> list[tuple[str, str]]:
    """The (architecture, key) pairs one product prices, [] when lamlife does not use it."""
    name = usagetype
    if name not in USAGE_TYPES:
        m = _PREFIX.match(name)
        name = name[m.end():] if m else name
    if name in USAGE_TYPES:
        return [USAGE_TYPES[name]]
    if _SNAP.search(usagetype) or _SNAP.search(description):
        archs = ["arm64"] if usagetype.upper().endswith("-ARM") else list(ARCHITECTURES)
        u = unit.lower().replace(" ", "")
        if "second" in u:
            return [(a, "snapstart_cache_per_gb_s") for a in archs]
        if u in ("gb", "gigabytes"):
            return [(a, "snapstart_restore_per_gb") for a in archs]
    return []


def _dimensions(item: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for term in (item.get("terms", {}).get("OnDemand") or {}).values():
        out.extend((term.get("priceDimensions") or {}).values())
    return out


def _range(value: Any) -> float | None:
    if value in (None, "", "Inf"):
        return None
    return float(value)


def parse_products(price_list: Sequence[str | dict[str, Any]]) -> tuple[dict[str, Any], str | None]:
    """Prices by architecture from GetProducts ``PriceList`` items, and the publication date.

    Returns ``({arch: {key: value}}, publication date or None)``; duration tiers are lists of
    ``{up_to_gb_s, usd}``. Requests are converted from per request to per 1M.
    """
    found: dict[str, dict[str, Any]] = {a: {} for a in ARCHITECTURES}
    published: str | None = None
    for raw in price_list:
        item = json.loads(raw) if isinstance(raw, str) else raw
        attrs = item.get("product", {}).get("attributes", {})
        pub = item.get("publicationDate")
        if isinstance(pub, str) and (published is None or pub > published):
            published = pub
        dims = _dimensions(item)
        if not dims:
            continue
        unit = str(dims[0].get("unit", ""))
        pairs = _usage_key(str(attrs.get("usagetype", "")),
                           str(dims[0].get("description", "")), unit)
        for arch, key in pairs:
            if key == "duration_per_gb_s":
                tiers = sorted(
                    ((_range(d.get("beginRange")) or 0.0, _range(d.get("endRange")),
                      float(d["pricePerUnit"]["USD"])) for d in dims),
                    key=lambda t: t[0],
                )
                found[arch][key] = [{"up_to_gb_s": end, "usd": usd} for _, end, usd in tiers]
            else:
                usd = float(dims[0]["pricePerUnit"]["USD"])
                found[arch][key] = usd * 1e6 if key == "requests_per_million" else usd
    return found, published


def fetch_table(
    regions: list[str],
    products: Callable[[str], Sequence[str | dict[str, Any]]],
    base: PriceTable | None = None,
    today: dt.date | None = None,
) -> PriceTable:
    """A price table for ``regions`` from the Price List API: ``products(region)`` gives the
    Region's AWSLambda price list items (``aws.pricing.lambda_products`` with a client).

    A price the API did not return is kept from ``base`` (marked approximate, with a note)
    or left unknown (null). A Region with no Lambda product at all is an InputError.
    """
    if not regions:
        raise InputError("no region to fetch")
    base_data = table_to_data(base) if base is not None else None
    regions_out: dict[str, Any] = {}
    dates: list[str] = []
    for region in regions:
        found, published = parse_products(products(region))
        if not any(found[a] for a in ARCHITECTURES):
            raise InputError(f"the AWS Price List API has no Lambda prices for {region!r}")
        if published:
            dates.append(published)
        old = (base_data or {}).get("regions", {}).get(region)
        approximate: list[str] = []
        notes = [f"Fetched from the AWS Price List API ({SERVICE_CODE}, regionCode {region})."]
        body: dict[str, Any] = {"name": old["name"] if old else region,
                                "sources": [SOURCE_ID], "approximate": approximate,
                                "notes": notes}
        for arch in ARCHITECTURES:
            prices: dict[str, Any] = {}
            for key in ("requests_per_million", "duration_per_gb_s", *PRICE_KEYS[1:]):
                if key in found[arch]:
                    prices[key] = found[arch][key]
                elif old is not None and old[arch].get(key) is not None:
                    prices[key] = old[arch][key]
                    approximate.append(f"{arch}.{key}")
                    notes.append(f"{arch}.{key} not in the Price List response: kept from "
                                 f"the previous table ({base.origin if base else ''})")
                else:
                    prices[key] = None
            body[arch] = prices
        regions_out[region] = body
    as_of = today or dt.date.today()
    if dates:
        with contextlib.suppress(ValueError):
            as_of = dt.date.fromisoformat(max(dates)[:10])
    sources: dict[str, Any] = {SOURCE_ID: {
        "title": "AWS Price List API, GetProducts, service AWSLambda",
        "url": "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/"
               "API_pricing_GetProducts.html"}}
    data: dict[str, Any] = {"schema": 1, "as_of": as_of.isoformat(), "currency": "USD",
                            "sources": sources, "regions": regions_out}
    if base_data is not None:  # what the Price List query does not cover, kept as it was
        unsupported = {code: why for code, why in (base_data.get("unsupported") or {}).items()
                       if code not in regions_out}  # fetched prices win over "not priced"
        if unsupported:
            data["unsupported"] = unsupported
        edge = base_data.get("lambda_edge")
        if edge:
            data["lambda_edge"] = edge
            for sid in edge.get("sources", []):
                sources.setdefault(sid, base_data["sources"][sid])
    return parse_table(data, origin="AWS Price List API")


def dump_table(table: PriceTable) -> str:
    """YAML text of a table, loadable with ``--pricing FILE``."""
    header = (
        "# lamlife price table written by `lamlife pricing --update`\n"
        f"# from {table.origin}, as of {table.as_of.isoformat()}.\n"
        "# Schema: lifecycle/billing/prices.yaml.\n"
    )
    return header + yaml.safe_dump(table_to_data(table), sort_keys=False, width=100)
