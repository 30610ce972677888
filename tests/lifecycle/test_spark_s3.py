"""``--engine spark`` on ``s3://`` input: every object read by an executor with its own S3
client, against moto's S3 server on 127.0.0.1 (never real AWS). The executors get the fake
credentials as executor environment (on a cluster, the instance profile gives them)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto_server import aws_env, clients, moto_endpoint, unique  # noqa: F401  (fixtures)
from test_spark import DATA, _missing

from lamlife.lifecycle.aws.s3 import S3Options
from lamlife.lifecycle.billing.prices import load_table
from lamlife.lifecycle.billing.rules import BillingOptions
from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths
from lamlife.reports import render

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::FutureWarning:pyspark"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


def _json(analysis: Any) -> dict[str, Any]:
    return json.loads(render(analysis, "json"))


def test_spark_reads_s3_objects_on_the_executors_as_the_local_tree(
        moto_endpoint: str, aws_env: dict[str, str]) -> None:  # noqa: F811
    """An export tree in moto's S3: the report of the same tree read locally by the local
    engine, priced."""
    reason = _missing()
    if reason is not None:
        pytest.skip(reason)
    from lamlife.lifecycle.spark import analyze_paths_spark, spark_session

    bucket = unique("spark")
    s3 = clients(moto_endpoint)["s3"]
    s3.create_bucket(Bucket=bucket)
    tree = DATA / "s3-export" / "exports"
    for path in sorted(tree.rglob("*")):
        if path.is_file():
            s3.put_object(Bucket=bucket, Key="cw/" + path.relative_to(tree).as_posix(),
                          Body=path.read_bytes())
    options = AnalyzeOptions(s3=S3Options(None, moto_endpoint),
                             billing=BillingOptions(), price_table=load_table())
    local = _json(analyze_paths([str(tree)], options))
    spark = spark_session("local[2]", "lamlife-tests-s3",
                          {f"spark.executorEnv.{k}": v for k, v in aws_env.items()})
    try:
        remote = _json(analyze_paths_spark([f"s3://{bucket}/cw/"], options, session=spark))
    finally:
        spark.stop()
    for key in ("summary", "functions", "environments", "events", "account"):
        assert remote.get(key) == local.get(key), key
    assert remote["input"]["files"] == local["input"]["files"] > 1
    assert remote["summary"]["invocations"] > 0
    assert remote["summary"]["cost"]["total_usd"] > 0
