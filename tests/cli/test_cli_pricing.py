"""``lamlife pricing``: output, exit codes and one-line errors (typer CliRunner)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from lamlife.cli.main import app
from lamlife.cli.pricing import billing_options
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.pricing import builtin_text

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
    assert data["x86_64"]["duration_per_gb_s"] == [{"up_to_gb_s": None, "usd": 0.0000221}]
    assert data["x86_64"]["provisioned_duration_per_gb_s"] is None
    assert "arm64.duration_per_gb_s" in data["approximate"]
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
    assert "unknown --format" in result.stderr


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

    from lamlife.lifecycle import price_list

    client, stubber = fixtures.stubbed([
        ({"FormatVersion": "aws_v1", "PriceList": fixtures.US_EAST_1},
         fixtures.params("us-east-1")),
    ])
    monkeypatch.setattr(price_list, "_client", lambda: client)
    out = tmp_path / "fetched.yaml"
    with stubber:
        result = run("--update", "--output", str(out), "--update-region", "us-east-1")
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stderr
    shown = run("--pricing", str(out), "--format", "json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["arm64"]["provisioned_duration_per_gb_s"] == 0.0000077778


def test_update_aws_failure_exit_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import boto3
    from botocore.stub import Stubber

    from lamlife.lifecycle import price_list

    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    stubber = Stubber(client)
    stubber.add_client_error("get_products", service_error_code="UnrecognizedClientException",
                             service_message="The security token is invalid")
    monkeypatch.setattr(price_list, "_client", lambda: client)
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
