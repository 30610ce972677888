"""Where the input names the AWS Region (issue 9): runtime version ARNs (text INIT_START and
RESTORE_START, JSON ``runtimeVersionArn``), a Logs Insights ``@aws.region`` column, a log
group ARN in a subscription payload, and the fetch header. ``observe`` collects them into
``InputStats.regions`` (function -> environment -> Region; "" for the whole function)."""

from __future__ import annotations

import json
from pathlib import Path

from lamlife.lifecycle.pipeline import AnalyzeOptions, observe

STREAM_A = "2026/10/08/[$LATEST]3f9c2a7e51d84b0c9e6a1d27b4f08c65"
STREAM_B = "2026/10/08/[$LATEST]00000000000000000000000000000001"
RID = "79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36"


def regions_of(path: Path, function: str | None = None) -> dict[str, dict[str, str]]:
    return observe([str(path)], AnalyzeOptions(function=function)).stats.regions


def test_insights_aws_region_column(tmp_path: Path) -> None:
    path = tmp_path / "insights.csv"
    path.write_text(
        "@timestamp,@logStream,@log,@aws.region,@message\n"
        f"2026-10-08 07:30:27.300,{STREAM_A},123456789012:/aws/lambda/orders,ap-southeast-5,"
        f"START RequestId: {RID} Version: $LATEST\n"
        f"2026-10-08 07:30:27.401,{STREAM_A},123456789012:/aws/lambda/orders,ap-southeast-5,"
        f"\"REPORT RequestId: {RID}\tDuration: 99.20 ms\tBilled Duration: 100 ms\t"
        "Memory Size: 1024 MB\tMax Memory Used: 80 MB\t\"\n"
        f"2026-10-08 07:31:27.300,{STREAM_B},123456789012:/aws/lambda/orders,eu-west-1,"
        f"START RequestId: {RID[:-1]}7 Version: $LATEST\n")
    assert regions_of(path) == {"orders": {STREAM_A: "ap-southeast-5", STREAM_B: "eu-west-1"}}


def test_json_runtime_version_arn(tmp_path: Path) -> None:
    record = {"time": "2026-10-08T07:30:27.768Z", "type": "platform.initStart", "record": {
        "initializationType": "on-demand", "phase": "init", "runtimeVersion":
        "nodejs:22.mainline.v122", "runtimeVersionArn":
        "arn:aws:lambda:eu-central-1::runtime:775dab0d", "functionName": "tenner"}}
    page = {"logGroupName": "/aws/lambda/tenner", "logStreamName": STREAM_A, "events": [
        {"timestamp": 1791447027768, "message": json.dumps(record), "eventId": "1"}]}
    path = tmp_path / "tenner.json"
    path.write_text(json.dumps(page))
    assert regions_of(path) == {"tenner": {STREAM_A: "eu-central-1"}}


def test_text_restore_start_arn(tmp_path: Path) -> None:
    path = tmp_path / "orders.log"
    path.write_text(
        f"2026-10-08T07:30:27.100000+00:00 {STREAM_A} RESTORE_START Runtime Version: "
        "java:21.v30\tRuntime Version ARN: arn:aws:lambda:sa-east-1::runtime:0c8e1b\n")
    assert regions_of(path) == {"orders": {STREAM_A: "sa-east-1"}}


def test_log_group_arn_in_a_subscription_payload(tmp_path: Path) -> None:
    payload = {"messageType": "DATA_MESSAGE", "owner": "123456789012",
               "logGroup": "arn:aws:logs:me-south-1:123456789012:log-group:/aws/lambda/pay:*",
               "logStream": STREAM_A, "subscriptionFilters": ["all"],
               "logEvents": [{"id": "1", "timestamp": 1791447027300,
                              "message": f"START RequestId: {RID} Version: $LATEST\n"}]}
    path = tmp_path / "payload.json"
    path.write_text(json.dumps(payload))
    observed = observe([str(path)], AnalyzeOptions())
    assert observed.stats.regions == {"pay": {"": "me-south-1"}}
    # logGroupArn beside a plain logGroup name says the same
    payload = {**payload, "logGroup": "/aws/lambda/pay",
               "logGroupArn": "arn:aws:logs:ca-central-1:123456789012:log-group:/aws/lambda/pay"}
    path.write_text(json.dumps(payload))
    assert regions_of(path) == {"pay": {"": "ca-central-1"}}


def test_no_region_in_the_input_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "orders.log"
    path.write_text(f"2026-10-08T07:30:27.300000+00:00 {STREAM_A} START RequestId: {RID} "
                    "Version: $LATEST\n")
    assert regions_of(path) == {}


def test_fetch_header_window_reaches_the_configuration(tmp_path: Path) -> None:
    header = {"lamlife_fetch": 1, "function": "orders", "log_group": "/aws/lambda/orders",
              "region": "eu-west-1", "window": {"start": "2026-10-08T07:00:00.000Z",
                                                "end": "2026-10-08T09:00:00.000Z"},
              "configuration": {"memory_mb": 512}}
    path = tmp_path / "orders.jsonl"
    path.write_text(json.dumps(header) + "\n")
    config = observe([str(path)], AnalyzeOptions()).stats.configurations["orders"]
    assert config["region"] == "eu-west-1"
    assert config["window"] == header["window"]
