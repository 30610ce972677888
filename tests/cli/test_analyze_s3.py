"""`lamlife analyze s3://bucket/prefix/` against moto's S3 server on 127.0.0.1 (never real
AWS): CloudWatch export trees and Firehose objects of subscription payloads (gzip members one
after the other) give exactly the analysis of the same tree read from the local disk."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from moto_server import (
    FAKE_SECRET,
    aws_env,  # noqa: F401  (fixture)
    clients,
    moto_endpoint,  # noqa: F401  (fixture)
    unique,
)
from typer.testing import CliRunner

from lamlife.cli.main import app

READERS = Path(__file__).resolve().parents[1] / "data" / "readers"


def _upload(endpoint: str, bucket: str, root: Path, prefix: str) -> None:
    s3 = clients(endpoint)["s3"]
    for path in sorted(root.rglob("*")):
        if path.is_file():
            s3.put_object(Bucket=bucket, Key=prefix + path.relative_to(root).as_posix(),
                          Body=path.read_bytes())


def _analyze(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["analyze", *args, "--format", "json", "--invocations",
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _same(remote: dict[str, Any], local: dict[str, Any]) -> None:
    for key in ("summary", "functions", "environments", "events", "invocations"):
        assert remote[key] == local[key], key
    strip = ("warnings", "malformed_examples")
    assert {k: v for k, v in remote["input"].items() if k not in strip} == {
        k: v for k, v in local["input"].items() if k not in strip}


def _firehose_tree(tmp_path: Path) -> Path:
    """A Firehose delivery tree: each object holds the subscription payloads of
    payloads.json, each payload gzip-compressed on its own (CloudWatch Logs compresses every
    record), the members one after the other; a second object holds them uncompressed."""
    text = (READERS / "subscription" / "payloads.json").read_text()
    decoder = json.JSONDecoder()
    payloads = []
    pos = 0
    while pos < len(text):
        while pos < len(text) and text[pos] in " \r\n\t":
            pos += 1
        if pos >= len(text):
            break
        obj, pos = decoder.raw_decode(text, pos)
        payloads.append(obj)
    root = tmp_path / "firehose"
    hour = root / "2020" / "06" / "09" / "15"
    hour.mkdir(parents=True)
    (hour / "lambda-logs-1-2020-06-09-15-02-23-aaaa").write_bytes(
        b"".join(gzip.compress(json.dumps(p).encode()) for p in payloads))
    second = [dict(p) for p in payloads]
    for p in second:
        p["logStream"] = p["logStream"].replace("b249865a", "0ddba11a")
    (hour / "lambda-logs-1-2020-06-09-15-07-00-bbbb").write_bytes(
        "".join(json.dumps(p) for p in second).encode())
    return root


def test_s3_export_tree_equals_the_local_tree(
    moto_endpoint: str, aws_env: dict[str, str]  # noqa: F811
) -> None:
    bucket = unique("exports")
    clients(moto_endpoint)["s3"].create_bucket(Bucket=bucket)
    local = READERS / "s3-export" / "exports"
    _upload(moto_endpoint, bucket, local, "cw/exports/")
    remote = _analyze(f"s3://{bucket}/cw/exports/", "--endpoint-url", moto_endpoint)
    _same(remote, _analyze(str(local)))
    expected = json.loads((READERS / "s3-export" / "expected.json").read_text())
    for key, value in expected["summary"].items():
        assert remote["summary"][key] == value
    assert remote["input"]["files"] == expected["input"]["files"]
    # without the trailing slash the prefix reads the same
    assert _analyze(f"s3://{bucket}/cw/exports", "--endpoint-url",
                    moto_endpoint)["summary"] == remote["summary"]


def test_s3_firehose_objects_equal_the_local_tree(
    moto_endpoint: str, aws_env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    bucket = unique("firehose")
    clients(moto_endpoint)["s3"].create_bucket(Bucket=bucket)
    root = _firehose_tree(tmp_path)
    _upload(moto_endpoint, bucket, root, "lambda/")
    remote = _analyze(f"s3://{bucket}/lambda/", "--endpoint-url", moto_endpoint)
    _same(remote, _analyze(str(root)))
    # by hand: each object holds the subscription case's one invocation (cold, timeout);
    # the second object's stream differs, so two environments
    assert remote["summary"]["invocations"] == 2
    assert remote["summary"]["environments"] == 2
    assert remote["summary"]["timeouts"] == 2
    assert remote["input"]["files"] == 2
    # one object on its own, beside a local file
    key = "lambda/2020/06/09/15/lambda-logs-1-2020-06-09-15-02-23-aaaa"
    both = _analyze(f"s3://{bucket}/{key}", str(READERS / "tail-detailed" / "orders.log"),
                    "--endpoint-url", moto_endpoint)
    assert both["input"]["files"] == 2
    assert {f["function"] for f in both["functions"]} >= {"storms-cloudwatch-event"}


@pytest.mark.parametrize(("url", "code", "message"), [
    ("s3://{bucket}/nothing/here/", 2, "no such object, and no objects under it"),
    ("s3://", 2, "no bucket in the S3 URL"),
    ("s3://{missing}/x/", 3, "not found"),
])
def test_s3_problems_are_one_line(
    moto_endpoint: str, aws_env: dict[str, str],  # noqa: F811
    url: str, code: int, message: str,
) -> None:
    bucket = unique("empty")
    clients(moto_endpoint)["s3"].create_bucket(Bucket=bucket)
    target = url.format(bucket=bucket, missing=unique("missing"))
    result = CliRunner().invoke(app, ["analyze", target, "--endpoint-url", moto_endpoint,
                                      "--format", "json"])
    assert result.exit_code == code, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert FAKE_SECRET not in result.output + result.stderr
