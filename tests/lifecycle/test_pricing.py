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


# The AWS pricing calculator's Lambda map (calculator.aws .../lambda.json, as copied in
# remotion-dev/remotion packages/lambda-client/src/price-per-1s.ts at 984974ab), typed in by
# hand: Region -> (requests per 1M, tier-1 x86 per GB-s, tier-1 arm64 per GB-s,
# PC enabled x86, PC duration x86, ephemeral storage per GB-s).
CALCULATOR = {
    "af-south-1": (0.27, 0.0000221, 0.00001768, 0.00000553, 0.0000129, 0.0000000404),
    "ap-east-1": (0.28, 0.00002292, 0.0000183, 0.0000057153, 0.0000133358, 0.0000000407),
    "eu-south-1": (0.23, 0.0000195172, 0.0000156138, 0.0000048783, 0.0000113827, 0.0000000357),
    "me-south-1": (0.25, 0.0000206667, 0.0000165334, 0.0000051108, 0.0000119251, 0.0000000374),
    "ap-northeast-3": (0.20, 0.0000166667, 0.0000133334, 0.0000053835, 0.0000125615,
                       0.000000037),
    "eu-west-1": (0.20, 0.0000166667, 0.0000133334, 0.000004646, 0.0000108407, 0.000000034),
    "sa-east-1": (0.20, 0.0000166667, 0.0000133334, 0.0000066372, 0.0000154867, 0.0000000586),
    "eu-central-2": (0.22, 0.0000183334, 0.0000146667, 0.0000055162, 0.0000128712,
                     0.0000000441),
    "ap-southeast-5": (0.18, 0.000015, 0.000012, 0.0000046791, 0.0000109181, 0.0000000333),
    "us-west-1": (0.20, 0.0000166667, 0.0000133334, 0.0000049041, 0.000011443, 0.000000037),
}

# The Regions issue 9 names, every commercial Region where Lambda runs.
COMMERCIAL = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1",
    "sa-east-1", "mx-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1",
    "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "il-central-1", "me-south-1",
    "me-central-1", "af-south-1", "ap-south-1", "ap-south-2", "ap-southeast-1",
    "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6",
    "ap-southeast-7", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-east-1",
    "ap-east-2",
)


def test_builtin_regional_prices_match_the_calculator_map():
    t = load_builtin()
    for region, (req, x86, arm, pc, pcd, storage) in CALCULATOR.items():
        for arch, rate in (("x86_64", x86), ("arm64", arm)):
            p = t.prices(region, arch)
            assert p.requests_per_million == req, (region, arch)
            assert p.duration_per_gb_s is not None
            # tier 1 up to the us-east-1 bound; past it the price is not sourced (null)
            bound = 6e9 if arch == "x86_64" else 7.5e9
            assert [(x.up_to_gb_s, x.usd) for x in p.duration_per_gb_s] == [
                (bound, rate), (None, None)], (region, arch)
            assert p.ephemeral_storage_per_gb_s == storage, (region, arch)
        x = t.prices(region, "x86_64")
        assert (x.provisioned_concurrency_per_gb_s, x.provisioned_duration_per_gb_s) == (pc, pcd)
        a = t.prices(region, "arm64")
        assert a.provisioned_concurrency_per_gb_s is None  # arm64 PC: no source outside us-east-1
        assert region not in ("us-east-1",) and t.region(region).approximate == ()


def test_the_issues_corrections():
    # Requests per 1M and ap-northeast-3 duration as the AWS pricing calculator has them.
    t = load_builtin()
    assert {r: t.prices(r, "x86_64").requests_per_million
            for r in ("af-south-1", "ap-east-1", "eu-south-1", "me-south-1")} == {
        "af-south-1": 0.27, "ap-east-1": 0.28, "eu-south-1": 0.23, "me-south-1": 0.25}
    osaka = t.prices("ap-northeast-3", "x86_64").duration_per_gb_s
    osaka_arm = t.prices("ap-northeast-3", "arm64").duration_per_gb_s
    assert osaka is not None and osaka[0].usd == 0.0000166667
    assert osaka_arm is not None and osaka_arm[0].usd == 0.0000133334


def test_snapstart_from_the_price_list_bulk_extract():
    t = load_builtin()
    seoul = t.prices("ap-northeast-2", "x86_64")
    assert (seoul.snapstart_cache_per_gb_s, seoul.snapstart_restore_per_gb) == (
        0.0000018383, 0.0001674588)
    tokyo = t.prices("ap-northeast-1", "arm64")
    assert (tokyo.snapstart_cache_per_gb_s, tokyo.snapstart_restore_per_gb) == (
        0.0000015046, 0.0001397998)
    assert t.prices("eu-west-1", "x86_64").snapstart_cache_per_gb_s is None


def test_every_commercial_region_is_listed_and_the_rest_said_plainly():
    t = load_builtin()
    assert set(COMMERCIAL) <= set(t.regions)
    assert set(t.unsupported) == {"us-gov-west-1", "us-gov-east-1", "cn-north-1",
                                  "cn-northwest-1"}
    assert "CNY" in t.unsupported["cn-north-1"]
    why = t.missing("cn-north-1", "x86_64", "requests_per_million")
    assert why is not None and "cn-north-1" in why and "--pricing FILE" in why
    assert t.edge is not None
    assert (t.edge.requests_per_million, t.edge.duration_per_gb_s) == (0.60, 0.00005001)


def test_every_price_has_a_source_and_nothing_is_copied(raw):
    # A Region with any known price cites a source; one without any cites none and says so.
    for code, body in raw["regions"].items():
        known = [body[a][k] for a in ARCHITECTURES for k in ARCH_KEYS
                 if body[a][k] is not None]
        assert bool(known) == bool(body["sources"]), code
        if not known:
            assert "No public source" in body["notes"][0], code
        # approximate values only where a third-party table is the source
        if body["approximate"]:
            assert "artillery" in body["sources"], code


def test_missing_names_region_item_and_the_option():
    t = load_builtin()
    assert t.missing("eu-west-1", "x86_64", "requests_per_million") is None
    why = t.missing("il-central-1", "arm64", "duration_per_gb_s")
    assert why == ("no duration_per_gb_s price for il-central-1 arm64 in the price table "
                   "(built-in): regions.il-central-1.arm64.duration_per_gb_s is null (unknown); "
                   "give it with --pricing FILE")
    assert t.missing("xx-nowhere-1", "x86_64", "requests_per_million") == (
        "no prices for Region xx-nowhere-1 in the price table (built-in); give them with "
        "--pricing FILE")


def test_unknown_region_and_architecture_name_the_known_ones():
    t = load_builtin()
    with pytest.raises(InputError, match="known regions: af-south-1, .*us-east-1"):
        t.region("eu-west-9")
    with pytest.raises(InputError, match="known: x86_64, arm64"):
        t.prices("us-east-1", "mips")


def test_require_unknown_price_names_the_key():
    t = load_builtin()
    with pytest.raises(ConfigError,
                       match=r"regions\.ap-northeast-3\.arm64\.provisioned_concurrency_per_gb_s"):
        t.require("ap-northeast-3", "arm64", "provisioned_concurrency_per_gb_s")


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
    deep = tmp_path / "deep.yaml"  # libyaml and the Python parser both refuse it in one line
    deep.write_text("[" * 5000 + "]" * 5000)
    with pytest.raises(ConfigError, match=f"price table {deep} is not"):
        load_table(deep)


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
        (lambda d: d["regions"]["us-east-1"]["x86_64"]["duration_per_gb_s"][0].update(
            usd=None), r"duration_per_gb_s\[0\]\.usd: must be a number"),
        (lambda d: d["unsupported"].update({"us-east-1": "no"}),
         r"unsupported\.us-east-1: is also in regions"),
        (lambda d: d["unsupported"].update({"xx-1": 3}), r"unsupported\.xx-1: must be a string"),
        (lambda d: d["lambda_edge"].update(sources=["nowhere"]),
         r"lambda_edge\.sources: unknown source id 'nowhere'"),
        (lambda d: d["lambda_edge"].pop("requests_per_million"),
         r"lambda_edge\.requests_per_million: missing"),
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
    assert by_key["Duration, tier 1"]["approximate"] == []
    assert by_key["Duration, tier 2"]["x86_64"] is None  # past tier 1: not sourced
    assert by_key["Duration on provisioned concurrency"]["x86_64"] == 0.0000129
    assert by_key["Duration on provisioned concurrency"]["arm64"] is None


def test_region_rows_show_an_unknown_duration_price():
    # a Region whose table has no duration tiers at all still lists the Duration row
    region = next(code for code, rp in load_builtin().regions.items()
                  if all(rp.architectures[a].duration_per_gb_s is None
                         for a in ("x86_64", "arm64")))
    by_key = {r["item"]: r for r in region_rows(load_builtin(), region)}
    assert by_key["Duration"]["x86_64"] is None and by_key["Duration"]["arm64"] is None
    assert by_key["Duration"]["unit"] == "USD per GB-s"


def test_a_later_tier_may_be_unknown_and_the_optional_keys_may_be_absent(raw):
    data = copy.deepcopy(raw)
    del data["unsupported"], data["lambda_edge"]
    t = parse_table(data)
    assert t.unsupported == {} and t.edge is None
    tiers = t.prices("eu-west-1", "x86_64").duration_per_gb_s
    assert tiers is not None and [x.usd for x in tiers] == [0.0000166667, None]
