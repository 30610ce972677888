"""``lamlife pricing --update``: GetProducts responses through botocore's Stubber, never AWS.

The products below follow the documented GetProducts ``aws_v1`` shape. SKUs, descriptions,
units and prices are those of a public Price List extract for us-east-1 (AWSLambda, October
2025); the usage types are the AWSLambda offer's.
"""

from __future__ import annotations

import datetime as dt
import json

import boto3
import pytest
from botocore.stub import Stubber

from lamlife.lifecycle.aws.pricing import lambda_products
from lamlife.lifecycle.billing.price_list import _usage_key, dump_table, fetch_table, parse_products
from lamlife.lifecycle.billing.prices import load_builtin, load_table
from lamlife.lifecycle.errors import AwsAccessError, InputError


def product(sku: str, usagetype: str, unit: str, dims: list[tuple[str, str, str]],
            description: str = "", region: str = "us-east-1") -> str:
    """One PriceList entry (a JSON string) with OnDemand dimensions (begin, end, USD)."""
    term = f"{sku}.JRTCKXETXF"
    return json.dumps({
        "product": {"productFamily": "Serverless", "sku": sku,
                    "attributes": {"servicecode": "AWSLambda", "regionCode": region,
                                   "usagetype": usagetype, "group": "AWS-Lambda"}},
        "serviceCode": "AWSLambda",
        "terms": {"OnDemand": {term: {
            "offerTermCode": "JRTCKXETXF", "sku": sku, "effectiveDate": "2025-10-01T00:00:00Z",
            "termAttributes": {},
            "priceDimensions": {f"{term}.{i}": {
                "rateCode": f"{term}.{i}", "description": description, "unit": unit,
                "beginRange": b, "endRange": e, "appliesTo": [], "pricePerUnit": {"USD": usd}}
                for i, (b, e, usd) in enumerate(dims)},
        }}},
        "version": "20251001000000",
        "publicationDate": "2025-10-01T00:00:00Z",
    })


US_EAST_1 = [
    product("GU2ZS9HVP6QTQ7KE", "Request", "Requests", [("0", "Inf", "0.0000002000")]),
    product("K7BX6567RJ67A2KE", "Request-ARM", "Requests", [("0", "Inf", "0.0000002000")]),
    product("TG3M4CAGBA3NYQBH", "Lambda-GB-Second", "Lambda-GB-Second",
            [("6000000000", "15000000000", "0.0000150000"),
             ("0", "6000000000", "0.0000166667"),
             ("15000000000", "Inf", "0.0000133334")]),
    product("72SBSFWPMDTH8S3J", "Lambda-GB-Second-ARM", "Lambda-GB-Second",
            [("0", "7500000000", "0.0000133334"),
             ("7500000000", "18750000000", "0.0000120001"),
             ("18750000000", "Inf", "0.0000106667")]),
    product("BMKCD2ZCEYKTYYCB", "Lambda-Provisioned-Concurrency", "Lambda-GB-Second",
            [("0", "Inf", "0.0000041667")]),
    product("MV7PTBS82AVCMXJJ", "Lambda-Provisioned-Concurrency-ARM", "Lambda-GB-Second",
            [("0", "Inf", "0.0000033334")]),
    product("ZZF88MXYPS4DGSEZ", "Lambda-Provisioned-GB-Second", "Lambda-GB-Second",
            [("0", "Inf", "0.0000097222")]),
    product("3Z4YRQ6XJRDK27UP", "Lambda-Provisioned-GB-Second-ARM", "Lambda-GB-Second",
            [("0", "Inf", "0.0000077778")]),
    product("CVY5JH8RFRXMP92N", "Lambda-Storage-GB-Second", "GB-Seconds",
            [("0", "Inf", "0.0000000309")]),
    product("CH6HMM86MH4K8KCS", "Lambda-Storage-GB-Second-ARM", "GB-Seconds",
            [("0", "Inf", "0.0000000309")]),
    # Lambda@Edge and the free tier are not lamlife's prices: ignored.
    product("NQA9ZMGJKNJQT78E", "Lambda-Edge-Request", "Request", [("0", "Inf", "0.0000006")]),
    product("FREE0000000000", "Global-Request", "Requests", [("0", "1000000", "0")]),
]


def stubbed(responses: list[tuple[dict, dict]]):
    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    stubber = Stubber(client)
    for response, params in responses:
        stubber.add_response("get_products", response, params)
    return client, stubber


def products(client):
    """The Region -> price list items function ``lamlife pricing --update`` gives
    fetch_table: GetProducts through the (stubbed) client."""
    return lambda region: lambda_products(client, region)


def params(region: str, token: str | None = None) -> dict:
    p = {"ServiceCode": "AWSLambda", "FormatVersion": "aws_v1", "MaxResults": 100,
         "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}]}
    if token:
        p["NextToken"] = token
    return p


def test_update_reproduces_the_builtin_us_east_1_over_two_pages(tmp_path):
    client, stubber = stubbed([
        ({"FormatVersion": "aws_v1", "PriceList": US_EAST_1[:5], "NextToken": "page2"},
         params("us-east-1")),
        ({"FormatVersion": "aws_v1", "PriceList": US_EAST_1[5:]}, params("us-east-1", "page2")),
    ])
    with stubber:
        table = fetch_table(["us-east-1"], products(client), base=load_builtin())
    stubber.assert_no_pending_responses()
    assert table.as_of == dt.date(2025, 10, 1)
    fetched = table.regions["us-east-1"].architectures
    builtin = load_builtin().regions["us-east-1"].architectures
    for arch in ("x86_64", "arm64"):
        ours, theirs = fetched[arch], builtin[arch]
        assert ours.requests_per_million == pytest.approx(0.20)
        assert ours.duration_per_gb_s == theirs.duration_per_gb_s  # tiers sorted by range
        assert ours.provisioned_concurrency_per_gb_s == theirs.provisioned_concurrency_per_gb_s
        assert ours.provisioned_duration_per_gb_s == theirs.provisioned_duration_per_gb_s
        assert ours.ephemeral_storage_per_gb_s == theirs.ephemeral_storage_per_gb_s
        # SnapStart was not in the response: kept from the built-in table, marked approximate.
        assert ours.snapstart_restore_per_gb == theirs.snapstart_restore_per_gb
        assert f"{arch}.snapstart_restore_per_gb" in table.regions["us-east-1"].approximate
    # What the query does not cover is kept from the base table: Lambda@Edge, unsupported.
    assert table.edge == load_builtin().edge
    assert "cn-north-1" in table.unsupported
    # The written file loads back as a --pricing table.
    out = tmp_path / "prices.yaml"
    out.write_text(dump_table(table))
    again = load_table(out)
    assert again.regions["us-east-1"].architectures == table.regions["us-east-1"].architectures


def test_update_region_prefix_and_unknown_prices_stay_null():
    # eu-central-1 usage types carry the EUC1- prefix; with no base entry, absent prices are null.
    items = [
        product("S1", "EUC1-Request", "Requests", [("0", "Inf", "0.0000002")],
                region="eu-central-1"),
        product("S2", "EUC1-Lambda-GB-Second", "Lambda-GB-Second",
                [("0", "6000000000", "0.0000166667"), ("6000000000", "15000000000", "0.000015"),
                 ("15000000000", "Inf", "0.0000133334")], region="eu-central-1"),
    ]
    client, stubber = stubbed([({"FormatVersion": "aws_v1", "PriceList": items},
                                params("eu-central-1"))])
    with stubber:
        table = fetch_table(["eu-central-1"], products(client), base=None)
    x86 = table.prices("eu-central-1", "x86_64")
    assert x86.duration_per_gb_s is not None and x86.duration_per_gb_s[0].usd == 0.0000166667
    assert table.edge is None and table.unsupported == {}  # no base table: nothing kept
    assert x86.provisioned_duration_per_gb_s is None
    assert table.prices("eu-central-1", "arm64").duration_per_gb_s is None


def test_update_errors():
    client, stubber = stubbed([({"FormatVersion": "aws_v1", "PriceList": []},
                                params("xx-nowhere-1"))])
    with stubber, pytest.raises(InputError, match="no Lambda prices for 'xx-nowhere-1'"):
        fetch_table(["xx-nowhere-1"], products(client))
    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    stubber = Stubber(client)
    stubber.add_client_error("get_products", service_error_code="AccessDeniedException",
                             service_message="not authorized to perform pricing:GetProducts")
    with stubber, pytest.raises(AwsAccessError, match="AccessDeniedException"):
        fetch_table(["us-east-1"], products(client))


def test_snapstart_products_by_description_and_unit():
    # Descriptions and units as in the public us-east-1 extract (usage type names unknown).
    assert _usage_key("USE1-Unknown", "Duration snapshot is cached, weighted by memory and disk",
                      "GB-Seconds") == [("x86_64", "snapstart_cache_per_gb_s"),
                                        ("arm64", "snapstart_cache_per_gb_s")]
    assert _usage_key("USE1-Unknown", "Snapshot GB restored, measured in GB of memory and disk",
                      "GB") == [("x86_64", "snapstart_restore_per_gb"),
                                ("arm64", "snapstart_restore_per_gb")]
    assert _usage_key("Lambda-Edge-GB-Second", "", "Lambda-GB-Second") == []
    found, published = parse_products([json.loads(US_EAST_1[0])])
    assert found["x86_64"]["requests_per_million"] == pytest.approx(0.2)
    assert published == "2025-10-01T00:00:00Z"
