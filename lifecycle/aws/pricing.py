"""The AWS Price List API (``pricing`` client): the one place lamlife calls it.

``lamlife pricing --update`` asks it for the Lambda products of each Region
(GetProducts, service code ``AWSLambda``, filtered on ``regionCode``, all pages) and hands
the price list items to ``billing.price_list.fetch_table``, which reads the prices out of
them. Errors become one ``AwsAccessError`` line (exit 3).
"""

from __future__ import annotations

from typing import Any

from lamlife.lifecycle.environ import environment_region
from lamlife.lifecycle.errors import AwsAccessError

SERVICE_CODE = "AWSLambda"

# The Price List API endpoints (the prices of every Region are served from each of them).
API_REGIONS: tuple[str, ...] = ("us-east-1", "eu-central-1", "ap-south-1")


def api_region(region: str | None) -> str:
    """The Price List API endpoint Region: ``region`` (--region) when given, else AWS_REGION /
    AWS_DEFAULT_REGION when it is one of ``API_REGIONS``, else us-east-1."""
    if region:
        return region
    _name, value = environment_region()
    return value if value in API_REGIONS else "us-east-1"


def make_client(profile: str | None = None, region: str | None = None,
                endpoint_url: str | None = None) -> Any:
    """A ``pricing`` client for ``--profile``, ``--region`` (the API endpoint Region, see
    ``api_region``) and ``--endpoint-url``; AwsAccessError (one line) when it cannot be made."""
    import boto3  # imported only when asked
    from botocore.exceptions import BotoCoreError

    try:
        session = boto3.Session(profile_name=profile or None)
        kwargs: dict[str, Any] = {"region_name": api_region(region)}
        if endpoint_url:
            kwargs["endpoint_url"] = endpoint_url
        return session.client("pricing", **kwargs)
    except (BotoCoreError, ValueError) as exc:
        raise AwsAccessError(f"AWS Price List API: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def lambda_products(client: Any, region: str) -> list[str]:
    """Every AWSLambda price list item (``FormatVersion`` ``aws_v1``: JSON strings) of
    ``region``, through boto3's GetProducts paginator. Raises AwsAccessError."""
    from botocore.exceptions import BotoCoreError, ClientError

    items: list[str] = []
    try:
        pages = client.get_paginator("get_products").paginate(
            ServiceCode=SERVICE_CODE,
            Filters=[{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
            FormatVersion="aws_v1",
            PaginationConfig={"PageSize": 100},
        )
        for page in pages:
            items.extend(page.get("PriceList", []))
    except ClientError as exc:
        err = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        where = f" (HTTP {status})" if status else ""
        raise AwsAccessError(
            f"AWS Price List API{where}: {err.get('Code', 'error')}: "
            f"{_one_line(Exception(err.get('Message', exc)))}"
        ) from None
    except BotoCoreError as exc:
        raise AwsAccessError(f"AWS Price List API: {_one_line(exc)}") from None
    return items
