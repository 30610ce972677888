"""The price table: the built-in file's numbers against the sources, and the validator."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
import yaml

from lamlife.lifecycle.billing.prices import (
    ARCH_KEYS,
    ARCHITECTURES,
    builtin_text,
    load_builtin,
    load_table,
    parse_table,
    region_rows,
    table_to_data,
)
from lamlife.lifecycle.errors import ConfigError, InputError


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(builtin_text())


def test_builtin_us_east_1_matches_the_platform_doc():
    # docs/platform.md §6.3 and §6.4, us-east-1.
    t = load_builtin()
    assert t.as_of == dt.date(2026, 11, 22)
    x86 = t.prices("us-east-1", "x86_64")
    arm = t.prices("us-east-1", "arm64")
    assert x86.requests_per_million == 0.20
    assert arm.requests_per_million == 0.20
    assert [(tier.up_to_gb_s, tier.usd) for tier in x86.duration_per_gb_s] == [
        (6e9, 0.0000166667), (15e9, 0.000015), (None, 0.0000133334)]
    assert [(tier.up_to_gb_s, tier.usd) for tier in arm.duration_per_gb_s] == [
        (7.5e9, 0.0000133334), (18.75e9, 0.0000120001), (None, 0.0000106667)]
    assert x86.provisioned_concurrency_per_gb_s == 0.0000041667
    assert arm.provisioned_concurrency_per_gb_s == 0.0000033334
    assert x86.provisioned_duration_per_gb_s == 0.0000097222
    assert arm.provisioned_duration_per_gb_s == 0.0000077778
    assert x86.snapstart_cache_per_gb_s == 0.0000015046
    assert x86.snapstart_restore_per_gb == 0.0001397998
    assert x86.ephemeral_storage_per_gb_s == 0.0000000309
    assert t.region("us-east-1").approximate == ()


def test_builtin_regional_tier_1_rates_match_the_platform_doc():
    # §6.4 "Regional differences (tier-1 x86 per GB-s)"; ap-northeast-3 is "about", so approximate.
    t = load_builtin()
    expected = {"af-south-1": 0.0000221, "ap-east-1": 0.00002292, "eu-south-1": 0.0000195172,
                "me-south-1": 0.0000206667, "ap-northeast-3": 0.0000215}
    for region, rate in expected.items():
        tiers = t.prices(region, "x86_64").duration_per_gb_s
        assert tiers is not None and tiers[0].usd == rate, region
    assert t.is_approximate("ap-northeast-3", "x86_64", "duration_per_gb_s")
    assert not t.is_approximate("af-south-1", "x86_64", "duration_per_gb_s")
    # Third-party arm64 rates are marked approximate.
    assert t.is_approximate("af-south-1", "arm64", "duration_per_gb_s")


def test_every_non_us_east_1_region_marks_or_nulls_what_it_cannot_source(raw):
    for code, body in raw["regions"].items():
        if code == "us-east-1":
            continue
        for arch in ARCHITECTURES:
            for key in ARCH_KEYS:
                value = body[arch][key]
                if value is None or key == "duration_per_gb_s":
                    continue
                # Any known non-duration price outside us-east-1 is an assumption here.
                assert f"{arch}.{key}" in body["approximate"], (code, arch, key)


def test_unknown_region_and_architecture_name_the_known_ones():
    t = load_builtin()
    with pytest.raises(InputError, match="known regions: af-south-1, .*us-east-1"):
        t.region("eu-west-9")
    with pytest.raises(InputError, match="known: x86_64, arm64"):
        t.prices("us-east-1", "mips")


def test_require_unknown_price_names_the_key():
    t = load_builtin()
    with pytest.raises(ConfigError, match=r"regions\.ap-northeast-3\.arm64\.duration_per_gb_s"):
        t.require("ap-northeast-3", "arm64", "duration_per_gb_s")


def test_round_trip(raw):
    t = parse_table(raw)
    again = parse_table(yaml.safe_load(yaml.safe_dump(table_to_data(t))))
    assert again.regions == t.regions
    assert again.as_of == t.as_of


def test_load_file_and_errors(tmp_path: Path, raw):
    good = tmp_path / "p.yaml"
    good.write_text(yaml.safe_dump(raw))
    assert load_table(good).origin == str(good)
    with pytest.raises(ConfigError, match="cannot read price table"):
        load_table(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: [1,\n")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_table(bad)


def _broken(raw: dict, edit) -> dict:
    data = copy.deepcopy(raw)
    edit(data)
    return data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(extra=1), r"extra: unknown key"),
        (lambda d: d.pop("as_of"), r"as_of: missing"),
        (lambda d: d.update(as_of="yesterday"), r"as_of: must be a date"),
        (lambda d: d.update(schema=2), r"schema: unsupported version"),
        (lambda d: d.update(currency="EUR"), r"currency: only USD"),
        (lambda d: d["regions"]["us-east-1"]["x86_64"].update(request_per_million=0.2),
         r"regions\.us-east-1\.x86_64\.request_per_million: unknown key"),
        (lambda d: d["regions"]["us-east-1"]["arm64"].pop("snapstart_cache_per_gb_s"),
         r"regions\.us-east-1\.arm64\.snapstart_cache_per_gb_s: missing"),
        (lambda d: d["regions"]["us-east-1"]["x86_64"].update(requests_per_million="cheap"),
         r"regions\.us-east-1\.x86_64\.requests_per_million: must be a number"),
        (lambda d: d["regions"]["us-east-1"]["x86_64"].update(requests_per_million=-1),
         r"requests_per_million: must be a finite number >= 0"),
        (lambda d: d["regions"]["us-east-1"]["x86_64"].update(requests_per_million=True),
         r"not a boolean"),
        (lambda d: d["regions"]["us-east-1"]["x86_64"]["duration_per_gb_s"][0].update(
            up_to_gb_s=None), r"duration_per_gb_s\[0\]\.up_to_gb_s: only the last tier"),
        (lambda d: d["regions"]["us-east-1"]["x86_64"]["duration_per_gb_s"][2].update(
            up_to_gb_s=1e12), r"duration_per_gb_s\[2\]\.up_to_gb_s: the last tier must be null"),
        (lambda d: d["regions"]["us-east-1"]["x86_64"]["duration_per_gb_s"][1].update(
            up_to_gb_s=1), r"duration_per_gb_s\[1\]\.up_to_gb_s: tier bounds must increase"),
        (lambda d: d["regions"]["us-east-1"]["x86_64"]["duration_per_gb_s"][0].update(
            price=1), r"duration_per_gb_s\[0\]\.price: unknown key"),
        (lambda d: d["regions"]["us-east-1"]["x86_64"].update(duration_per_gb_s=[]),
         r"duration_per_gb_s: must be a non-empty list"),
        (lambda d: d["regions"]["us-east-1"].update(sources=["nowhere"]),
         r"regions\.us-east-1\.sources: unknown source id 'nowhere'"),
        (lambda d: d["regions"]["us-east-1"].update(approximate=["x86_64.nothing"]),
         r"approximate: 'x86_64.nothing' is not"),
        (lambda d: d["regions"]["us-east-1"].pop("arm64"), r"regions\.us-east-1\.arm64: missing"),
        (lambda d: d["regions"].update({"xx-1": []}), r"regions\.xx-1: must be a mapping"),
        (lambda d: d.update(regions={}), r"regions: must name at least one region"),
    ],
)
def test_validation_names_the_bad_key(raw, edit, message):
    with pytest.raises(ConfigError, match=message):
        parse_table(_broken(raw, edit), origin="x.yaml")


def test_numeric_strings_are_accepted(raw):
    # PyYAML reads 6e9 (no dot, no sign) as a string; accept it as a number.
    data = _broken(raw, lambda d: d["regions"]["us-east-1"]["x86_64"]["duration_per_gb_s"][0]
                   .update(up_to_gb_s="6e9"))
    tiers = parse_table(data).prices("us-east-1", "x86_64").duration_per_gb_s
    assert tiers is not None and tiers[0].up_to_gb_s == 6e9


def test_region_rows_for_display():
    rows = region_rows(load_builtin(), "af-south-1")
    by_key = {r["item"]: r for r in rows}
    assert by_key["Duration, tier 1"]["x86_64"] == 0.0000221
    assert by_key["Duration, tier 1"]["approximate"] == ["arm64"]
    assert by_key["Duration on provisioned concurrency"]["x86_64"] is None
