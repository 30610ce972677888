"""``lamlife pricing``: output, exit codes and one-line errors (typer CliRunner)."""

from __future__ import annotations

import http.server
import json
import sys
import threading
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from lamlife.cli.main import app
from lamlife.lifecycle.billing.choices import billing_options
from lamlife.lifecycle.billing.prices import builtin_text
from lamlife.lifecycle.errors import InputError

sys.path.insert(0, str(Path(__file__).parents[1] / "lifecycle"))

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["pricing", *args])


def test_table_for_us_east_1():
    result = run()
    assert result.exit_code == 0, result.output
    assert "us-east-1" in result.stdout
    assert "0.0000166667" in result.stdout
    assert "0.0000097222" in result.stdout
    assert "2026-11-22" in result.stdout


def test_json_for_a_region():
    result = run("--region", "af-south-1", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["region"] == "af-south-1"
    assert data["x86_64"]["duration_per_gb_s"] == [{"up_to_gb_s": 6e9, "usd": 0.0000221},
                                                   {"up_to_gb_s": None, "usd": None}]
    # calculator map: af-south-1 PC duration x86 $0.0000129; arm64 not sourced (null)
    assert data["x86_64"]["provisioned_duration_per_gb_s"] == 0.0000129
    assert data["arm64"]["provisioned_duration_per_gb_s"] is None
    assert data["x86_64"]["requests_per_million"] == 0.27
    assert data["approximate"] == []
    assert data["as_of"] == "2026-11-22"


def test_markdown_and_yaml_and_list():
    md = run("--format", "markdown")
    assert md.exit_code == 0
    assert md.stdout.startswith("## Lambda prices, us-east-1")
    assert "| Requests | USD per 1M | 0.2 | 0.2 |" in md.stdout
    y = run("--format", "yaml", "--region", "eu-south-1")
    assert y.exit_code == 0
    assert list(yaml.safe_load(y.stdout)["regions"]) == ["eu-south-1"]
    listed = run("--list")
    assert listed.exit_code == 0
    assert "us-east-1\tUS East (N. Virginia)" in listed.stdout
    assert "il-central-1\tIsrael (Tel Aviv)" in listed.stdout
    assert "cn-north-1\tnot priced: China Regions are priced in CNY" in listed.stdout


def test_unknown_region_exit_2_one_line():
    result = run("--region", "mars-1")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "unknown region 'mars-1'" in lines[0]
    assert "us-east-1" in lines[0]
    assert "Traceback" not in result.output


def test_bad_format_exit_2():
    result = run("--format", "xml")
    assert result.exit_code == 2
    # an enum choice: one line naming the choices
    assert result.stderr.count("\n") == 1
    assert "'xml' is not one of 'table', 'markdown', 'json', 'yaml'" in result.stderr


def test_pricing_file_override_and_bad_key(tmp_path: Path):
    data = yaml.safe_load(builtin_text())
    data["regions"]["us-east-1"]["x86_64"]["requests_per_million"] = 0.25
    good = tmp_path / "mine.yaml"
    good.write_text(yaml.safe_dump(data))
    result = run("--pricing", str(good), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["x86_64"]["requests_per_million"] == 0.25
    data["regions"]["us-east-1"]["x86_64"]["cost_per_request"] = 1
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    result = run("--pricing", str(bad))
    assert result.exit_code == 2
    assert "regions.us-east-1.x86_64.cost_per_request: unknown key" in result.stderr


def test_update_needs_output():
    result = run("--update")
    assert result.exit_code == 2
    assert "--update needs --output" in result.stderr


def test_update_writes_a_loadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import test_price_list as fixtures  # the stubbed GetProducts responses

    from lamlife.lifecycle.aws import pricing as price_api

    client, stubber = fixtures.stubbed([
        ({"FormatVersion": "aws_v1", "PriceList": fixtures.US_EAST_1},
         fixtures.params("us-east-1")),
    ])
    asked: list[tuple] = []
    monkeypatch.setattr(price_api, "make_client", lambda *a: asked.append(a) or client)
    out = tmp_path / "fetched.yaml"
    with stubber:
        result = run("--update", "--output", str(out), "--update-region", "us-east-1",
                     "--profile", "billing", "--region", "eu-central-1",
                     "--endpoint-url", "http://127.0.0.1:1")
    assert result.exit_code == 0, result.output
    assert asked == [("billing", "eu-central-1", "http://127.0.0.1:1")]
    assert "wrote" in result.stderr
    shown = run("--pricing", str(out), "--format", "json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["arm64"]["provisioned_duration_per_gb_s"] == 0.0000077778


def test_update_aws_failure_exit_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import boto3
    from botocore.stub import Stubber

    from lamlife.lifecycle.aws import pricing as price_api

    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    stubber = Stubber(client)
    stubber.add_client_error("get_products", service_error_code="UnrecognizedClientException",
                             service_message="The security token is invalid")
    monkeypatch.setattr(price_api, "make_client", lambda *a: client)
    with stubber:
        result = run("--update", "--output", str(tmp_path / "x.yaml"))
    assert result.exit_code == 3
    assert "UnrecognizedClientException" in result.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_billing_options_builder():
    opts = billing_options(region="af-south-1", architecture="ARM64", package="Image",
                           provisioned=3, monthly_gb_seconds=10.0)
    assert (opts.region, opts.architecture, opts.package, opts.provisioned,
            opts.monthly_gb_seconds) == ("af-south-1", "arm64", "image", 3, 10.0)
    assert billing_options().region is None
    with pytest.raises(InputError):
        billing_options(architecture="sparc")


def _filter_log_events(tmp_path: Path) -> Path:
    """A 2024 (pre-change) ZIP cold start and one warm invocation, filter-log-events JSON."""
    stream = "2024/05/20/[$LATEST]0123456789abcdef0123456789abcdef"
    t0 = 1716199200000  # 2024-05-20T10:00:00Z
    messages = [
        (t0, "INIT_START Runtime Version: python:3.12.v20\tRuntime Version ARN: arn:x\n"),
        (t0 + 300, "START RequestId: aaaaaaaa-0000-0000-0000-000000000001 Version: $LATEST\n"),
        (t0 + 312, "END RequestId: aaaaaaaa-0000-0000-0000-000000000001\n"),
        (t0 + 312, "REPORT RequestId: aaaaaaaa-0000-0000-0000-000000000001\tDuration: 11.64 ms"
                   "\tBilled Duration: 12 ms\tMemory Size: 128 MB\tMax Memory Used: 67 MB"
                   "\tInit Duration: 174.06 ms\t\n"),
        (t0 + 5000, "START RequestId: aaaaaaaa-0000-0000-0000-000000000002 Version: $LATEST\n"),
        (t0 + 5100, "END RequestId: aaaaaaaa-0000-0000-0000-000000000002\n"),
        (t0 + 5100, "REPORT RequestId: aaaaaaaa-0000-0000-0000-000000000002\tDuration: 99.10 ms"
                    "\tBilled Duration: 100 ms\tMemory Size: 128 MB\tMax Memory Used: 67 MB\t\n"),
    ]
    events = [{"logStreamName": stream, "timestamp": t, "message": m, "ingestionTime": t,
               "eventId": str(i)} for i, (t, m) in enumerate(messages)]
    path = tmp_path / "orders.json"
    path.write_text(json.dumps({"events": events}))
    return path


def test_analyze_prices_invocations(tmp_path: Path):
    # Cold: 12 ms x 0.125 GB = 0.0015 GB-s; warm: 100 ms x 0.125 = 0.0125 GB-s.
    # Total = 0.014 GB-s x 0.0000166667 + 2 x 0.0000002 = $0.0000006333338
    # Unbilled init, whole ms at today's rules: ceil(11.64 + 174.06) - 12 = 174 ms
    #   = 0.02175 GB-s x 0.0000166667 = $0.000000362500725
    path = _filter_log_events(tmp_path)
    result = runner.invoke(app, ["analyze", str(path), "--function", "orders", "--format",
                                 "json"])
    assert result.exit_code == 0, result.output
    cost = json.loads(result.stdout)["summary"]["cost"]
    assert cost["total_usd"] == pytest.approx(0.0000006333338, rel=1e-9)
    assert cost["init_unbilled_ms"] == 174
    assert cost["init_usd_at_current_rules"] == pytest.approx(0.000000362500725, rel=1e-9)
    assert [r["start_type"] for r in cost["by_start_type"]] == ["cold", "warm"]
    md = runner.invoke(app, ["analyze", str(path), "--function", "orders", "--format",
                             "markdown", "--architecture", "arm64"])
    assert md.exit_code == 0, md.output
    assert "## Cost by start type" in md.stdout
    assert "INIT time you were not billed for: 0.0218 GB-s" in md.stdout
    # arm64: 0.014 x 0.0000133334 + 0.0000004 = $0.0000005866676 -> "$0.000000587"
    assert "| Total | $0.000000587 |" in md.stdout


def test_analyze_bad_billing_options(tmp_path: Path):
    path = _filter_log_events(tmp_path)
    bad_region = runner.invoke(app, ["analyze", str(path), "--region", "mars-1", "--format",
                                     "json"])
    assert bad_region.exit_code == 2
    assert "unknown region 'mars-1'" in bad_region.stderr
    bad_arch = runner.invoke(app, ["analyze", str(path), "--architecture", "sparc"])
    assert bad_arch.exit_code == 2
    assert "'sparc' is not one of 'x86_64', 'arm64'" in bad_arch.stderr  # an enum choice


class _DenyingPriceList(http.server.BaseHTTPRequestHandler):
    """A Price List endpoint on 127.0.0.1 that answers every call with HTTP 403."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"__type": "AccessDeniedException",
                           "message": "User is not authorized\nto perform pricing:GetProducts"})
        self.send_response(403)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


def test_update_http_error_from_the_endpoint_is_one_line_exit_3(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    server = http.server.HTTPServer(("127.0.0.1", 0), _DenyingPriceList)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                            ("AWS_CONFIG_FILE", str(tmp_path / "none")),
                            ("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))):
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = run("--update", "--output", str(tmp_path / "x.yaml"), "--update-region",
                     "eu-west-1", "--endpoint-url", url, "--region", "us-east-1")
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert lines == ["lamlife: error: AWS Price List API (HTTP 403): AccessDeniedException: "
                     "User is not authorized to perform pricing:GetProducts"]
    assert not (tmp_path / "x.yaml").exists()


def test_update_api_region_follows_aws_region_when_it_has_an_endpoint(
        monkeypatch: pytest.MonkeyPatch):
    from lamlife.lifecycle.aws.pricing import api_region

    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    assert api_region(None) == "eu-central-1"
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # no Price List endpoint there
    assert api_region(None) == "us-east-1"
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    assert api_region(None) == "ap-south-1"
    assert api_region("us-east-1") == "us-east-1"


def test_a_narrow_terminal_never_cuts_a_price() -> None:
    # at 40-50 columns prices were cut with an ellipsis ("0.0000…"): unreadable. The table is
    # the analyze report's section now, drawn as records where a price would not fit
    import io

    from rich.console import Console

    from lamlife.lifecycle.billing.prices import load_table, region_rows
    from lamlife.reports.cost import pricing_renderable

    console = Console(width=40, record=True, color_system=None, force_terminal=False,
                      file=io.StringIO())
    console.print(pricing_renderable("eu-west-1", region_rows(load_table(), "eu-west-1"), []))
    text = console.export_text()
    assert "…" not in text
    assert "x86_64  0.0000166667" in text and "arm64   0.0000133334" in text
