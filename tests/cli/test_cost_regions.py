"""Cost in every Region (issue 9), end to end: the Region read from the input, --region
winning with a note, two Regions in one run, Lambda@Edge, a fetched window pricing
provisioned concurrency, and the exit codes when a price is missing.

Every amount is worked by hand from the built-in table (the AWS pricing calculator's
Lambda map; us-east-1 from the pricing page); each test says which prices it uses.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from lamlife.cli.main import app

ARN = "arn:aws:lambda:{region}::runtime:7cf8639326f39ee3c19b839ad3d39aed6eff62ebb9509e77f341dd"
STREAM = "2026/10/08/[$LATEST]3f9c2a7e51d84b0c9e6a1d27b4f08c65"


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture(autouse=True)
def _no_region_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


def tail_log(path: Path, region: str | None, stream: str | None = None,
             memory_mb: int = 1024) -> Path:
    """One cold invocation as `aws logs tail` prints it: 2026-10-08 (after the INIT billing
    change), Duration 99.2 ms, Init 150.4 ms, Billed 250 ms (= ceil(99.2 + 150.4)).

    Each file (function) gets log streams of its own, as on AWS: files sharing a stream are
    parts of one function's log."""
    if stream is None:
        digest = hashlib.md5(path.stem.encode()).hexdigest()
        stream = STREAM if path.stem == "orders" else f"2026/10/08/[$LATEST]{digest}"
    arn = f"\tRuntime Version ARN: {ARN.format(region=region)}" if region else ""
    lines = [
        f"2026-10-08T07:30:27.100000+00:00 {stream} INIT_START Runtime Version: "
        f"python:3.12.v38{arn}",
        f"2026-10-08T07:30:27.300000+00:00 {stream} START RequestId: "
        "79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36 Version: $LATEST",
        f"2026-10-08T07:30:27.400000+00:00 {stream} END RequestId: "
        "79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36",
        f"2026-10-08T07:30:27.401000+00:00 {stream} REPORT RequestId: "
        "79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36\tDuration: 99.20 ms\tBilled Duration: 250 ms\t"
        f"Memory Size: {memory_mb} MB\tMax Memory Used: 80 MB\tInit Duration: 150.40 ms\t",
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def cost_of(result: Result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["summary"]["cost"]


# Billed 250 ms at 1024 MB = 0.25 GB-s.
#   af-south-1 x86: 0.25 x 0.0000221 = 0.000005525 + $0.27/1M = $0.000005795
#   us-east-1 x86:  0.25 x 0.0000166667 = 0.000004166675 + $0.20/1M = $0.000004366675
#   eu-west-1 x86:  the same rates as us-east-1 = $0.000004366675
AF = 0.000005795
US = 0.000004366675


def test_region_from_the_runtime_version_arn(tmp_path: Path) -> None:
    cost = cost_of(run("analyze", str(tail_log(tmp_path / "orders.log", "af-south-1")),
                       "--format", "json"))
    assert cost["pricing"]["regions"] == ["af-south-1"]
    assert cost["total_usd"] == pytest.approx(AF, rel=1e-12)
    assert cost["pricing"]["defaults"] == ["architecture x86_64 (default)"]  # no region default


def test_region_option_wins_with_a_one_line_note(tmp_path: Path) -> None:
    log = tail_log(tmp_path / "orders.log", "af-south-1")
    cost = cost_of(run("analyze", str(log), "--region", "us-east-1", "--format", "json"))
    assert cost["pricing"]["regions"] == ["us-east-1"]
    assert cost["total_usd"] == pytest.approx(US, rel=1e-12)
    assert ("--region us-east-1 used instead of the Region in the input (orders af-south-1)"
            in cost["notes"])
    # agreeing: no note
    same = cost_of(run("analyze", str(log), "--region", "af-south-1", "--format", "json"))
    assert not [n for n in same["notes"] if n.startswith("--region")]


def test_eu_west_1_from_the_input_is_priced(tmp_path: Path) -> None:
    # the first complaint: a file from eu-west-1 lost its whole cost section
    result = run("analyze", str(tail_log(tmp_path / "orders.log", "eu-west-1")), "--format",
                 "json")
    cost = cost_of(result)
    assert cost["pricing"]["regions"] == ["eu-west-1"]
    assert cost["total_usd"] == pytest.approx(US, rel=1e-12)
    assert result.stderr == ""


def test_two_regions_in_one_run(tmp_path: Path) -> None:
    # orders in af-south-1 and payments in eu-west-1: each at its own Region's prices.
    a = tail_log(tmp_path / "orders.log", "af-south-1")
    b = tail_log(tmp_path / "payments.log", "eu-west-1")
    cost = cost_of(run("analyze", str(a), str(b), "--format", "json"))
    assert cost["pricing"]["region"] == "mixed"
    assert cost["pricing"]["function_regions"] == {"orders": ["af-south-1"],
                                                   "payments": ["eu-west-1"]}
    by_fn = {r["function"]: r for r in cost["by_function"]}
    assert by_fn["orders"]["total_usd"] == pytest.approx(AF, rel=1e-12)
    assert by_fn["payments"]["total_usd"] == pytest.approx(US, rel=1e-12)
    assert by_fn["orders"]["region"] == "af-south-1"
    assert cost["total_usd"] == pytest.approx(AF + US, rel=1e-12)


def test_the_same_function_in_two_regions_is_priced_per_environment(tmp_path: Path) -> None:
    # One function name, two environments whose runtime ARNs name different Regions.
    a = tail_log(tmp_path / "a.log", "af-south-1")
    other = "2026/10/08/[$LATEST]00000000000000000000000000000001"
    b = tail_log(tmp_path / "b.log", "eu-west-1", stream=other)
    cost = cost_of(run("analyze", str(a), str(b), "--function", "orders", "--format", "json"))
    assert cost["pricing"]["function_regions"] == {"orders": ["af-south-1", "eu-west-1"]}
    assert cost["total_usd"] == pytest.approx(AF + US, rel=1e-12)


def test_aws_region_is_the_default_when_the_input_says_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tail_log(tmp_path / "orders.log", None)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_REGION", "af-south-1")  # read first, as the AWS CLI does
    cost = cost_of(run("analyze", str(log), "--format", "json"))
    assert cost["pricing"]["regions"] == ["af-south-1"]
    assert "region af-south-1 (from AWS_REGION)" in cost["pricing"]["defaults"]
    assert cost["total_usd"] == pytest.approx(AF, rel=1e-12)
    monkeypatch.delenv("AWS_REGION")
    cost = cost_of(run("analyze", str(log), "--format", "json"))
    assert "region eu-west-1 (from AWS_DEFAULT_REGION)" in cost["pricing"]["defaults"]


def test_lambda_at_edge_log_group_is_priced_at_edge_rates(tmp_path: Path) -> None:
    # A replica's log group in eu-west-1: /aws/lambda/us-east-1.rewrite. 100 ms billed at
    # 128 MB = 0.0125 GB-s x $0.00005001 = $0.000000625125, + $0.60/1M = $0.000001225125.
    rid = "5b0c5f8e-1b7a-4d0e-9d7e-5b1f0f5d2c11"
    events = [
        ("START RequestId: " + rid + " Version: 3\n", 1791447027300),
        ("END RequestId: " + rid + "\n", 1791447027400),
        ("REPORT RequestId: " + rid + "\tDuration: 99.31 ms\tBilled Duration: 100 ms\tMemory "
         "Size: 128 MB\tMax Memory Used: 70 MB\t\n", 1791447027401),
    ]
    page = {"logGroupName": "/aws/lambda/us-east-1.rewrite", "logStreamName": STREAM,
            "events": [{"timestamp": t, "message": m, "eventId": str(i)}
                       for i, (m, t) in enumerate(events)]}
    path = tmp_path / "edge.json"
    path.write_text(json.dumps(page))
    cost = cost_of(run("analyze", str(path), "--region", "eu-west-1", "--format", "json"))
    assert cost["edge_invocations"] == 1
    assert cost["total_usd"] == pytest.approx(0.000001225125, rel=1e-12)
    assert cost["edge_duration_usd"] == pytest.approx(0.000000625125, rel=1e-12)
    assert cost["duration_usd"] == 0
    assert any("Lambda@Edge rates" in n for n in cost["notes"])


def fetched(path: Path, *, region: str, provisioned: int, window: tuple[str, str]) -> Path:
    """A `lamlife fetch` file: header (2-hour window) and one 100 ms invocation at 512 MB."""
    header = {"lamlife_fetch": 1, "function": "orders", "log_group": "/aws/lambda/orders",
              "region": region, "window": {"start": window[0], "end": window[1]},
              "source": "filter_log_events",
              "configuration": {"function_name": "orders", "memory_mb": 512,
                                "architecture": "x86_64", "runtime": "python3.12",
                                "package_type": "Zip", "provisioned_concurrency": provisioned}}
    rid = "0f298c3e-770c-468d-ae64-ae397aed9d47"
    events = [
        ("START RequestId: " + rid + " Version: $LATEST\n", 1791447027300),
        ("END RequestId: " + rid + "\n", 1791447027400),
        ("REPORT RequestId: " + rid + "\tDuration: 99.52 ms\tBilled Duration: 100 ms\tMemory "
         "Size: 512 MB\tMax Memory Used: 70 MB\t\n", 1791447027401),
    ]
    lines = [json.dumps(header)] + [
        json.dumps({"logGroupName": "/aws/lambda/orders", "logStreamName": STREAM,
                    "timestamp": t, "message": m, "eventId": str(i)})
        for i, (m, t) in enumerate(events)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_provisioned_allocation_over_the_fetched_window(tmp_path: Path) -> None:
    # 2 provisioned environments x 0.5 GB x 7200 s x $0.0000041667 = $0.03000024 (us-east-1),
    # not the invocation's own 0.1 s span rounded up to 5 minutes ($0.00125001).
    # The invocation (spillover, on-demand): 0.05 GB-s x 0.0000166667 + 0.0000002
    #   = $0.000001033335. Total $0.030001273335.
    path = fetched(tmp_path / "orders.jsonl", region="us-east-1", provisioned=2,
                   window=("2026-10-08T07:00:00.000Z", "2026-10-08T09:00:00.000Z"))
    cost = cost_of(run("analyze", str(path), "--format", "json"))
    assert cost["window"]["seconds"] == 7200
    assert cost["provisioned_allocation_usd"] == pytest.approx(0.03000024, rel=1e-12)
    assert cost["total_usd"] == pytest.approx(0.030001273335, rel=1e-12)
    table = run("analyze", str(path), "--format", "markdown")
    assert "|   of which allocation | $0.0300 |" in table.stdout or \
        "| of which allocation | $0.0300 |" in table.stdout.replace("|   ", "| ")


# ------------------------------------------------------------ when a price is missing


def test_analyze_keeps_the_priced_functions_and_warns(tmp_path: Path) -> None:
    # orders in il-central-1 (no sourced price): unpriced with the reason; payments in
    # eu-west-1 keeps its cost. Exit 0 and one warning line naming Region, item, option.
    a = tail_log(tmp_path / "orders.log", "il-central-1")
    b = tail_log(tmp_path / "payments.log", "eu-west-1")
    result = run("analyze", str(a), str(b), "--format", "json")
    cost = cost_of(result)
    assert cost["total_usd"] == pytest.approx(US, rel=1e-12)
    assert cost["unpriced_invocations"] == 1
    why = cost["unpriced"][0]["reason"]
    assert "il-central-1" in why and "requests_per_million" in why and "--pricing FILE" in why
    assert result.stderr.splitlines() == [f"lamlife: warning: cost incomplete, unpriced: "
                                          f"orders: {why}"]
    assert any(n.startswith("totals and per-million figures exclude 1 unpriced invocation(s) "
                            "of orders (il-central-1)") for n in cost["notes"])
    md = run("analyze", str(a), str(b), "--format", "markdown").stdout
    assert "| orders | il-central-1 | 1 | 1 | 0.2500 | unpriced | - | - | - |" in md


@pytest.mark.parametrize("region", ["il-central-1", "ap-southeast-7"])
def test_nothing_priced_reads_unpriced_never_zero_dollars(tmp_path: Path, region: str) -> None:
    # every invocation in a Region without a sourced price: the headline and the cost summary
    # say unpriced; "$0 of $0" would read as free
    log = tail_log(tmp_path / "orders.log", region)
    md = run("analyze", str(log), "--format", "markdown").stdout
    assert ("| INIT cost | unpriced: no price for any invocation (see the warnings) |"
            in md)
    assert "| Total | unpriced: no price for any of the 1 invocations (see the warnings) |" in md
    assert "$0" not in md
    text = run("analyze", str(log), "--format", "table").stdout
    assert "INIT cost      unpriced: no price for any invocation" in text
    # at 80 columns the sentence is read from the left, and so is the one amount under it
    narrow = CliRunner().invoke(app, ["analyze", str(log), "--format", "table"],
                                env={"COLUMNS": "80"}).stdout.splitlines()
    at = narrow.index("Cost (USD)".ljust(79))
    assert [line.rstrip() for line in narrow[at + 1:at + 3]] == [
        "Total        unpriced: no price for any of the 1 invocations (see the warnings)",
        "Billed GB-s  0.2500",
    ]


def test_check_exits_2_only_for_a_limit_that_needs_the_missing_price(tmp_path: Path) -> None:
    log = tail_log(tmp_path / "orders.log", "il-central-1")
    cost_budget = tmp_path / "cost.yaml"
    cost_budget.write_text("max:\n  cost_per_million_usd: 5\n")
    plain = tmp_path / "plain.yaml"
    plain.write_text("max:\n  cold_start_rate: 1\n")
    failing = run("check", str(log), "--budget", str(cost_budget))
    assert failing.exit_code == 2
    assert failing.stderr.startswith(f"lamlife: error: {cost_budget}: "
                                     "max.cost_per_million_usd: the cost is incomplete, "
                                     "unpriced: orders: no requests_per_million price for "
                                     "il-central-1 x86_64")
    ok = run("check", str(log), "--budget", str(plain), "--format", "json")
    assert ok.exit_code == 0, ok.output
    assert "cost incomplete, unpriced: orders" in ok.stderr


def test_simulate_sweep_shows_cold_starts_and_leaves_cost_blank(tmp_path: Path) -> None:
    log = tail_log(tmp_path / "orders.log", "il-central-1")
    result = run("simulate", str(log), "--keep-alive", "5m,10m", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["sweep"]["rows"]
    assert [r["cold_starts"] for r in rows] == [1, 1]
    assert all(r["cost_usd"] is None for r in rows)
    assert result.stderr.count("lamlife: warning: cost not computed: orders: no "
                               "requests_per_million price for il-central-1") == 1
    csv_out = run("simulate", str(log), "--keep-alive", "5m,10m", "--format", "csv")
    assert csv_out.exit_code == 0
    one_run = run("simulate", str(log), "--keep-alive", "5m", "--format", "json")
    assert one_run.exit_code == 0, one_run.output
    assert "cost" not in json.loads(one_run.stdout)["summary"]


def test_the_as_of_date_is_in_the_check_and_sweep_reports(tmp_path: Path) -> None:
    log = tail_log(tmp_path / "orders.log", "eu-west-1")
    budget = tmp_path / "b.yaml"
    budget.write_text("max:\n  cold_start_rate: 1\n")
    md = run("check", str(log), "--budget", str(budget), "--format", "markdown")
    assert md.exit_code == 0, md.output
    assert "- prices: eu-west-1, table built-in as of 2026-11-22" in md.stdout
    sweep = run("simulate", str(log), "--keep-alive", "5m,10m", "--format", "json")
    assert sweep.exit_code == 0, sweep.output
    assert ("Prices: table built-in as of 2026-11-22; USD list prices."
            in json.loads(sweep.stdout)["notes"])


def test_an_unsupported_region_asked_for_is_unpriced_with_the_reason(tmp_path: Path) -> None:
    # China Regions are priced in CNY: --region cn-north-1 is a known Region lamlife does not
    # price, so the run goes on (exit 0) and says why; a typo is exit 2 (see analyze tests).
    result = run("analyze", str(tail_log(tmp_path / "orders.log", None)), "--region",
                 "cn-north-1", "--format", "json")
    cost = cost_of(result)
    assert cost["priced_invocations"] == 0
    assert "priced in CNY" in cost["unpriced"][0]["reason"]
    assert "lamlife: warning: cost incomplete, unpriced: orders: cn-north-1 is not priced" \
        in result.stderr
