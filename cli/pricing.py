"""``lamlife pricing``: show the price table for a Region.

The ``*Option`` annotations (cli/options.py) are shared with ``lamlife analyze`` and every
command that prices invocations, so every command spells them the same way; the options
become ``BillingOptions`` through ``lifecycle.billing.choices.billing_options``.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lamlife.cli.app import app
from lamlife.cli.common import user_errors
from lamlife.cli.options import (  # noqa: F401  (the billing options, re-exported)
    DEFAULT_REGION_TEXT,
    ArchitectureOption,
    Billing,
    MonthlyGbSecondsOption,
    PackageOption,
    PricingOption,
    ProvisionedOption,
    RegionOption,
    RuntimeOption,
)
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.files import write_atomic


class PricingFormat(StrEnum):
    """Formats of ``lamlife pricing``."""

    table = "table"
    markdown = "markdown"
    json = "json"
    yaml = "yaml"


if TYPE_CHECKING:
    from lamlife.lifecycle.billing.prices import PriceTable


# ------------------------------------------------------------------------ the command


def _region_view(table: PriceTable, region: str) -> tuple[str, list[dict[str, Any]], list[str]]:
    from lamlife.lifecycle.billing.prices import region_rows

    rp = table.region(region)
    rows = region_rows(table, region)
    notes = [f"As of {table.as_of.isoformat()} (table: {table.origin}); USD, list prices."]
    notes += list(rp.notes)
    if rp.approximate:
        notes.append("~ approximate: " + ", ".join(rp.approximate))
    for sid in rp.sources:
        src = table.sources.get(sid, {})
        notes.append(f"Source {sid}: {src.get('title', '')} {src.get('url', '')}".rstrip())
    return f"Lambda prices, {region} ({rp.name})", rows, notes


@app.command("pricing")
def pricing_command(
    region: Annotated[str | None, typer.Option(
        "--region", help=f"Region to show (default {DEFAULT_REGION_TEXT}). With --update: the "
        "Price List API endpoint Region (us-east-1, eu-central-1 or ap-south-1; default "
        "AWS_REGION / AWS_DEFAULT_REGION when it is one of them, else us-east-1).")] = None,
    pricing: PricingOption = None,
    output_format: Annotated[
        PricingFormat, typer.Option("--format", help="Output format.", case_sensitive=False)
    ] = PricingFormat.table,
    list_regions: Annotated[
        bool, typer.Option("--list", help="List the Regions the table knows.")
    ] = False,
    update: Annotated[
        bool, typer.Option("--update", help="Fetch current prices from the AWS Price List API "
                           "(needs AWS credentials) into --output.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", help="File to write (with --update).")
    ] = None,
    update_regions: Annotated[
        list[str] | None,
        typer.Option("--update-region", help="Region to fetch with --update (repeatable; "
                     "default: the Regions of the current table)."),
    ] = None,
    profile: Annotated[str | None, typer.Option(
        "--profile", help="AWS profile for --update (else AWS_PROFILE / default).")] = None,
    endpoint_url: Annotated[str | None, typer.Option(
        "--endpoint-url", help="Price List API endpoint URL for --update.")] = None,
) -> None:
    """Show the Lambda price table for a Region (or refresh it with --update).

    Exit codes: 0 ok, 2 bad usage or unknown Region, 3 the AWS Price List API failed."""
    import yaml
    from rich.console import Console

    from lamlife.lifecycle.billing.prices import load_table, table_to_data
    from lamlife.reports.cost import pricing_markdown, pricing_renderable

    with user_errors():
        if update:
            _update(pricing, output, update_regions, profile, region, endpoint_url)
            return
        if profile or endpoint_url:
            raise InputError("--profile and --endpoint-url are only used with --update")
        region = region or DEFAULT_REGION_TEXT
        if output is not None:
            raise InputError("--output is only used with --update")
        table = load_table(pricing)
        fmt = PricingFormat(output_format).value
        if list_regions:
            for code in table.known_regions:
                typer.echo(f"{code}\t{table.regions[code].name}")
            for code, why in sorted(table.unsupported.items()):
                typer.echo(f"{code}\tnot priced: {why}")
            return
        title, rows, notes = _region_view(table, region)
        if fmt == "json":
            data = table_to_data(table)
            body = {"as_of": data["as_of"], "currency": data["currency"], "table": table.origin,
                    "region": region, **data["regions"][region],
                    "sources": {s: data["sources"][s] for s in table.region(region).sources
                                if s in data["sources"]}}
            typer.echo(json.dumps(body, indent=2))
        elif fmt == "yaml":
            data = table_to_data(table)
            data["regions"] = {region: data["regions"][region]}
            typer.echo(yaml.safe_dump(data, sort_keys=False), nl=False)
        elif fmt == "markdown":
            typer.echo(pricing_markdown(title, rows, notes), nl=False)
        else:
            Console(file=sys.stdout, soft_wrap=False).print(pricing_renderable(title, rows, notes))


def _update(pricing: Path | None, output: Path | None, regions: list[str] | None,
            profile: str | None, api_region: str | None, endpoint_url: str | None) -> None:
    if output is None:
        raise InputError("--update needs --output FILE (the built-in table is never rewritten)")
    from lamlife.lifecycle.aws import pricing as price_api  # boto3 only when asked
    from lamlife.lifecycle.billing import price_list
    from lamlife.lifecycle.billing.prices import load_table

    base = load_table(pricing)
    wanted = list(regions) if regions else base.known_regions
    client = price_api.make_client(profile, api_region, endpoint_url)
    table = price_list.fetch_table(
        wanted, lambda region: price_api.lambda_products(client, region), base=base)
    text = price_list.dump_table(table)
    try:
        write_atomic(output, text)  # whole or not at all
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {output}: {len(table.regions)} regions, as of {table.as_of}", err=True)
