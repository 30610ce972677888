"""Billing rules (docs/platform.md §6), each pinned by a hand-computed amount.

Prices (us-east-1, built-in table): requests $0.20/1M = $0.0000002 each; x86 duration tier 1
$0.0000166667/GB-s (tier 2 $0.000015); arm64 tier 1 $0.0000133334; provisioned duration
x86 $0.0000097222, enabled x86 $0.0000041667; SnapStart restore $0.0001397998/GB, cache
$0.0000015046/GB-s. af-south-1 x86 tier 1 $0.0000221.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from billing_rows import invocations  # noqa: E402

from lamlife.lifecycle.billing.prices import load_table  # noqa: E402
from lamlife.lifecycle.billing.rules import (  # noqa: E402
    BILLING_COLUMNS,
    BillingOptions,
    cost_tables,
    price_invocations,
    roundup,
    runtime_family,
)
from lamlife.lifecycle.errors import InputError  # noqa: E402
from lamlife.lifecycle.schema import COST_COLUMNS  # noqa: E402

REQ = 0.0000002
X86 = 0.0000166667
TABLE = load_table()


def price(*rows, options=None, configurations=None):
    return price_invocations(invocations(*rows), options or BillingOptions(), TABLE,
                             configurations)


def approx(x):
    return pytest.approx(x, rel=1e-9, abs=1e-15)


# ----------------------------------------------------------------------- basic formula


def test_post_change_cold_start_rule_5_worked_example():
    # §6.1 rule 5 / §3.3 record: 2026-10-08, Duration 1233.96, Init 463.512, Billed 1698,
    # 256 MB, x86, us-east-1.
    # GB-s = 1.698 s x 0.25 GB = 0.4245; duration = 0.4245 x 0.0000166667 = $0.00000707501415
    # cost = 0.00000707501415 + 0.0000002 = $0.00000727501415
    # INIT share: 1698 - ceil(1233.96)=1234 -> 464 ms; 0.464 x 0.25 = 0.116 GB-s
    #   x 0.0000166667 = $0.0000019333372
    out, cost = price(dict(start_type="cold", duration_ms=1233.96, billed_duration_ms=1698,
                           memory_mb=256, init_duration_ms=463.512))
    row = out.iloc[0]
    assert row["gb_seconds"] == approx(0.4245)
    assert row["duration_usd"] == approx(0.00000707501415)
    assert row["cost_usd"] == approx(0.00000727501415)
    assert row["init_billed_ms"] == 464
    assert row["init_cost_usd"] == approx(0.0000019333372)
    assert row["init_unbilled_ms"] == 0
    assert not row["billed_computed"]
    assert cost["total_usd"] == approx(0.00000727501415)
    assert cost["init_usd"] == approx(0.0000019333372)
    assert cost["init_unbilled_ms"] == 0
    assert cost["init_usd_at_current_rules"] == 0
    assert cost["per_million_invocations_usd"] == approx(7.27501415)


def test_pre_change_zip_cold_start_reports_unbilled_init():
    # §3.3 2024-05-20: Duration 11.642, Billed 12 (= ceil(11.642)), Init 174.055, 128 MB.
    # Billed: 0.012 s x 0.125 GB = 0.0015 GB-s x 0.0000166667 = $0.00000002500005
    # cost = 0.00000002500005 + 0.0000002 = $0.00000022500005; INIT share 0 (12 - 12).
    # Unbilled init at today's rules (whole ms): ceil(11.642 + 174.055) - 12 = 186 - 12 = 174 ms
    #   = 0.174 s x 0.125 GB = 0.02175 GB-s; x 0.0000166667 = $0.000000362500725
    out, cost = price(dict(start="2024-05-20T10:00:00Z", start_type="cold",
                           duration_ms=11.642, billed_duration_ms=12, init_duration_ms=174.055))
    row = out.iloc[0]
    assert row["cost_usd"] == approx(0.00000022500005)
    assert row["init_billed_ms"] == 0
    assert row["init_cost_usd"] == 0
    assert row["init_unbilled_ms"] == 174
    assert cost["init_unbilled_ms"] == 174
    assert cost["init_unbilled_gb_s"] == approx(0.02175)
    assert cost["init_usd_at_current_rules"] == approx(3.62500725e-7)
    assert cost["unbilled_init_invocations"] == 1


def test_pre_change_zip_cold_start_table_example_2827():
    # §6.1 table: 2827.05 -> 2828 with Init 297.42 (init free). At 1024 MB:
    # 2.828 GB-s x 0.0000166667 = $0.0000471334276; + request = $0.0000473334276
    # unbilled = ceil(2827.05 + 297.42) - 2828 = 3125 - 2828 = 297 ms
    out, cost = price(dict(start="2023-03-01T00:00:00Z", start_type="cold", memory_mb=1024,
                           duration_ms=2827.05, billed_duration_ms=2828,
                           init_duration_ms=297.42))
    assert out.iloc[0]["cost_usd"] == approx(0.0000473334276)
    assert out.iloc[0]["init_unbilled_ms"] == 297
    assert cost["init_usd"] == 0


def test_container_image_cold_start_init_inside_billed():
    # §6.1: image + Web Adapter, 2024 (before the change): 20.65 + 2656.67 -> 2678.
    # 1024 MB: 2.678 GB-s x 0.0000166667 = $0.0000446334226; + request = $0.0000448334226
    # INIT share = 2678 - ceil(20.65)=21 -> 2657 ms = 2.657 GB-s x 0.0000166667
    #   = $0.0000442834219. Nothing unbilled; Init is not added on top (rule 4).
    out, cost = price(dict(start="2024-03-01T00:00:00Z", start_type="cold", memory_mb=1024,
                           duration_ms=20.65, billed_duration_ms=2678, init_duration_ms=2656.67))
    row = out.iloc[0]
    assert row["priced_billed_ms"] == 2678  # not 2678 + 2657
    assert row["cost_usd"] == approx(0.0000448334226)
    assert row["init_billed_ms"] == 2657
    assert row["init_cost_usd"] == approx(0.0000442834219)
    assert cost["init_unbilled_ms"] == 0


def test_snapstart_java_restore_attributed_no_restore_fee():
    # (k) sam logs 2023: Duration 2338.66, Billed 2521, Memory 3009, Restore 398.97,
    # Billed Restore 182, java:11. No SnapStart charge for Java (§6.3).
    # GB-s = 2.521 x 3009/1024 = 2.521 x 2.9384765625 = 7.4078994140625
    # duration = 7.4078994140625 x 0.0000166667 = $0.000123465237...
    # restore share = 2521 - ceil(2338.66)=2339 -> 182 ms (= Billed Restore Duration)
    #   = 0.182 x 2.9384765625 = 0.534802734375 GB-s x 0.0000166667 = $0.00000891339...
    out, cost = price(dict(start="2023-06-02T11:27:22Z", start_type="restore", memory_mb=3009,
                           duration_ms=2338.66, billed_duration_ms=2521,
                           restore_duration_ms=398.97, billed_restore_duration_ms=182,
                           runtime_version="java:11.v20", init_type="snap-start"))
    row = out.iloc[0]
    assert row["gb_seconds"] == approx(7.4078994140625)
    assert row["duration_usd"] == approx(7.4078994140625 * X86)
    assert row["restore_fee_usd"] == 0
    assert row["init_billed_ms"] == 182
    assert row["init_cost_usd"] == approx(0.534802734375 * X86)
    assert cost["restore_usd"] == 0
    assert cost["snapstart_cache_usd"] == 0


def test_snapstart_python_restore_fee_and_cache():
    # power-tuning fixture numbers, Python 3.12, 1024 MB: Duration 149.53, Billed 313,
    # Billed Restore 163. Duration: 0.313 GB-s x 0.0000166667 = $0.0000052166771
    # Restore fee: 1 GB x $0.0001397998. cost = 0.0000002 + 0.0000052166771 + 0.0001397998
    #   = $0.0001452164771
    # INIT/restore share: 313 - 150 = 163 ms -> 0.163 x 0.0000166667 = $0.0000027166721,
    #   plus the restore fee = $0.0001425164721
    # Cache: window shorter than 3 h -> minimum 10800 s x 1 GB x 0.0000015046 = $0.01624968
    out, cost = price(dict(start="2026-01-05T00:00:00Z", start_type="restore", memory_mb=1024,
                           duration_ms=149.53, billed_duration_ms=313,
                           billed_restore_duration_ms=163, restore_duration_ms=500.795,
                           runtime_version="python:3.12.v30"))
    row = out.iloc[0]
    assert row["restore_fee_usd"] == approx(0.0001397998)
    assert row["cost_usd"] == approx(0.0001452164771)
    assert row["init_cost_usd"] == approx(0.0001425164721)
    assert cost["restore_usd"] == approx(0.0001397998)
    assert cost["snapstart_cache_usd"] == approx(0.01624968)
    assert cost["total_usd"] == approx(0.0001452164771 + 0.01624968)


def test_provisioned_environment_rate_and_allocation():
    # env-pc: a provisioned first invocation, then a warm one in the same environment.
    # 512 MB: 101 ms -> 0.0505 GB-s; 51 ms -> 0.0255 GB-s; total 0.076 GB-s at the
    # provisioned duration rate 0.0000097222 = $0.0000007388872; requests 2 x 0.0000002.
    # A third, on-demand (spillover) warm invocation in env-od: 0.0255 GB-s x 0.0000166667
    #   = $0.00000042500085.
    # Allocation: --provisioned 2, window 10:00 -> 10:07 (420 s, rounded up to 600 s):
    #   2 x 0.5 GB x 600 s x 0.0000041667 = $0.00250002
    opts = BillingOptions(provisioned=2,
                          window_start=pd.Timestamp("2026-03-01T10:00:00Z"),
                          window_end=pd.Timestamp("2026-03-01T10:07:00Z"))
    out, cost = price(
        dict(start="2026-03-01T10:01:00Z", start_type="provisioned", environment="env-pc",
             memory_mb=512, duration_ms=100.2, billed_duration_ms=101,
             init_type="provisioned-concurrency", init_duration_ms=900.0),
        dict(start="2026-03-01T10:02:00Z", start_type="warm", environment="env-pc",
             memory_mb=512, duration_ms=50.5, billed_duration_ms=51),
        dict(start="2026-03-01T10:03:00Z", start_type="warm", environment="env-od",
             memory_mb=512, duration_ms=50.5, billed_duration_ms=51),
        options=opts,
    )
    assert out["priced_as"].tolist() == ["provisioned", "provisioned", "on-demand"]
    assert cost["provisioned_duration_usd"] == approx(0.0000007388872)
    assert cost["provisioned_allocation_usd"] == approx(0.00250002)
    assert cost["provisioned_usd"] == approx(0.0000007388872 + 0.00250002)
    assert cost["duration_usd"] == approx(0.00000042500085)
    assert cost["requests_usd"] == approx(3 * REQ)
    assert cost["total_usd"] == approx(3 * REQ + 0.00000042500085 + 0.0000007388872
                                       + 0.00250002)
    # PC init ran ahead of the request: not "unbilled", not attributed to the invocation.
    assert cost["init_unbilled_ms"] == 0
    assert cost["provisioned_concurrency"] == {"fn": 2}


def test_provisioned_level_from_configuration():
    # Same allocation from a fetched configuration instead of --provisioned:
    # 1 x 1 GB x 300 s (a 60 s window rounds up to 5 min) x 0.0000041667 = $0.00125001
    opts = BillingOptions(window_start=pd.Timestamp("2026-03-01T10:00:00Z"),
                          window_end=pd.Timestamp("2026-03-01T10:01:00Z"))
    _, cost = price(dict(start="2026-03-01T10:00:10Z", start_type="provisioned",
                         memory_mb=1024, duration_ms=10, billed_duration_ms=10),
                    options=opts,
                    configurations={"fn": {"provisioned_concurrency": 1, "memory_mb": 1024}})
    assert cost["provisioned_allocation_usd"] == approx(0.00125001)


def test_provisioned_unknown_level_is_said():
    _, cost = price(dict(start_type="provisioned", duration_ms=10, billed_duration_ms=10))
    assert cost["provisioned_allocation_usd"] is None
    assert any("--provisioned" in n for n in cost["notes"])


def test_provisioned_unknown_level_of_one_function_is_said_beside_a_known_one():
    # fn-a's level comes from its configuration; fn-b also ran on provisioned environments,
    # level unknown: its allocation is left out, and the note says so (as Spark, which
    # prices each function on its own, does)
    opts = BillingOptions(window_start=pd.Timestamp("2026-03-01T10:00:00Z"),
                          window_end=pd.Timestamp("2026-03-01T10:01:00Z"))
    rows = [dict(function=f, environment=f"{f}-env", start="2026-03-01T10:00:10Z",
                 start_type="provisioned", memory_mb=1024, duration_ms=10,
                 billed_duration_ms=10) for f in ("fn-a", "fn-b")]
    configurations = {"fn-a": {"provisioned_concurrency": 1, "memory_mb": 1024}}
    _, cost = price(*rows, options=opts, configurations=configurations)
    assert cost["provisioned_concurrency"] == {"fn-a": 1}
    assert cost["provisioned_allocation_usd"] == approx(0.00125001)  # fn-a's, as above
    assert ("provisioned concurrency allocation not priced: level unknown "
            "(pass --provisioned N)") in cost["notes"]
    # both levels known: no such note
    _, both = price(*rows, options=opts, configurations={
        **configurations, "fn-b": {"provisioned_concurrency": 2, "memory_mb": 1024}})
    assert not [n for n in both["notes"] if "level unknown" in n]


def test_arm64_rate():
    # arm64: 1073 ms at 256 MB = 0.26825 GB-s x 0.0000133334 = $0.00000357668455;
    # + request = $0.00000377668455
    out, cost = price(dict(duration_ms=1072.145, billed_duration_ms=1073, memory_mb=256),
                      options=BillingOptions(architecture="arm64"))
    assert out.iloc[0]["cost_usd"] == approx(0.00000377668455)
    assert cost["pricing"]["architecture"] == "arm64"


def test_architecture_from_fetched_configuration_wins():
    # The configuration says arm64 (Lambda API spelling: a list): same $0.00000377668455.
    out, cost = price(dict(duration_ms=1072.145, billed_duration_ms=1073, memory_mb=256),
                      options=BillingOptions(architecture="x86_64"),
                      configurations={"fn": {"architecture": ["arm64"]}})
    assert out.iloc[0]["cost_usd"] == approx(0.00000377668455)
    assert any("architecture arm64 from its fetched configuration" in n for n in cost["notes"])


def test_timeout_billed_below_duration_old_lines():
    # (c) 2020-06-09 cold timeout, 100 ms era: Duration 3003.16, Billed 3000 (cap), Init 127.02,
    # 128 MB. Priced at 3000: 0.375 GB-s x 0.0000166667 = $0.0000062500125; + request
    #   = $0.0000064500125. raw = 3000 - roundup100(3003.16)=3100 = -100 -> capped, INIT 0.
    # Unbilled init: ceil(min(3003.16, 3000) + 127.02) - 3000 = 3128 - 3000 = 128 ms.
    out, cost = price(dict(start="2020-06-09T15:02:23Z", start_type="cold",
                           duration_ms=3003.16, billed_duration_ms=3000,
                           init_duration_ms=127.02, status="timeout"))
    row = out.iloc[0]
    assert row["cost_usd"] == approx(0.0000064500125)
    assert row["init_billed_ms"] == 0
    assert row["init_unbilled_ms"] == 128
    assert cost["timeout_capped"] == 1


def test_timeout_after_change_init_billed():
    # (j) 2026: Duration 900000.00, Init 502.37, Billed 900503 (4096 MB): INIT share 503 ms.
    # 503 ms x 4 GB = 2.012 GB-s x 0.0000166667 = $0.0000335334004
    out, cost = price(dict(start="2026-02-01T00:00:00Z", start_type="cold", memory_mb=4096,
                           duration_ms=900000.0, billed_duration_ms=900503,
                           init_duration_ms=502.37, status="timeout"))
    assert out.iloc[0]["init_billed_ms"] == 503
    assert out.iloc[0]["init_cost_usd"] == approx(0.0000335334004)
    assert cost["timeout_capped"] == 0


def test_hundred_ms_era_cold_start():
    # (b) 2020: Duration 1.76, Billed 100, Init 120.96: roundup100(1.76) = 100 -> INIT 0;
    # unbilled = ceil(1.76 + 120.96) - 100 = 123 - 100 = 23 ms (the rest hid in the rounding).
    out, _ = price(dict(start="2020-03-01T00:00:00Z", start_type="cold", duration_ms=1.76,
                        billed_duration_ms=100, init_duration_ms=120.96))
    assert out.iloc[0]["init_billed_ms"] == 0
    assert out.iloc[0]["init_unbilled_ms"] == 23


def test_region_other_than_us_east_1():
    # af-south-1 x86: 1000 ms at 1024 MB = 1 GB-s x 0.0000221 + $0.27/1M = $0.00002237
    out, cost = price(dict(duration_ms=999.5, billed_duration_ms=1000, memory_mb=1024),
                      options=BillingOptions(region="af-south-1"))
    assert out.iloc[0]["cost_usd"] == approx(0.00002237)
    assert cost["pricing"]["region"] == "af-south-1"
    assert cost["pricing"]["approximate"] == []


def test_region_from_configuration():
    out, cost = price(dict(duration_ms=999.5, billed_duration_ms=1000, memory_mb=1024),
                      configurations={"fn": {"region": "af-south-1"}})
    assert out.iloc[0]["cost_usd"] == approx(0.00002237)
    assert cost["pricing"]["defaults"] == ["architecture x86_64 (default)"]


def test_unknown_price_needed_leaves_those_rows_unpriced_naming_the_key():
    # af-south-1 arm64 has no sourced provisioned-duration price: the provisioned row is
    # unpriced with the key and --pricing FILE named; the on-demand row of another function
    # keeps its cost: 100 ms at 1024 MB arm64 = 0.1 GB-s x 0.00001768 + $0.27/1M
    #   = 0.000001768 + 0.00000027 = $0.000002038.
    out, cost = price(dict(function="pc", start_type="provisioned", duration_ms=10,
                           billed_duration_ms=10, memory_mb=1024),
                      dict(function="od", duration_ms=99.2, billed_duration_ms=100,
                           memory_mb=1024),
                      options=BillingOptions(region="af-south-1", architecture="arm64"))
    assert out["priced_as"].tolist() == ["unpriced", "on-demand"]
    reason = out.iloc[0]["unpriced_reason"]
    assert "regions.af-south-1.arm64.provisioned_duration_per_gb_s" in reason
    assert "--pricing FILE" in reason
    assert out.iloc[1]["cost_usd"] == approx(0.000002038)
    assert cost["total_usd"] == approx(0.000002038)
    assert cost["unpriced"] == [{"function": "pc", "region": "af-south-1", "invocations": 1,
                                 "reason": reason}]
    assert cost["incomplete"] == [f"pc: {reason}"]
    assert any(n.startswith("totals and per-million figures exclude 1 unpriced invocation(s) "
                            "of pc (af-south-1)") for n in cost["notes"])


def test_unknown_region_names_the_known_ones():
    with pytest.raises(InputError, match=r"unknown region 'mars-1'.*us-east-1"):
        price(dict(duration_ms=1, billed_duration_ms=1),
              options=BillingOptions(region="mars-1"))


def test_bad_options():
    with pytest.raises(InputError, match="architecture"):
        BillingOptions(architecture="sparc")
    with pytest.raises(InputError, match="package"):
        BillingOptions(package="jar")
    with pytest.raises(InputError):
        BillingOptions(monthly_gb_seconds=-1)


# ----------------------------------------------------------- computed Billed Duration


def test_computed_after_change_includes_init():
    # AWS blog: 250.06 + 100.77 -> 351 (was 251). 2025-09: every on-demand init billed.
    # 128 MB: 0.351 x 0.125 = 0.043875 GB-s x 0.0000166667 = $0.000000731251...;
    # INIT share 351 - 251 = 100 ms.
    out, cost = price(dict(start="2025-09-01T00:00:00Z", start_type="cold",
                           duration_ms=250.06, init_duration_ms=100.77))
    row = out.iloc[0]
    assert row["billed_computed"]
    assert row["priced_billed_ms"] == 351
    assert row["init_billed_ms"] == 100
    assert row["duration_usd"] == approx(0.043875 * X86)
    assert cost["billed_computed"] == 1
    assert any("computed" in n for n in cost["notes"])


def test_computed_before_change_zip_vs_image_vs_custom():
    # 2024, Duration 20.65, Init 2656.67, 1024 MB:
    #   zip + managed runtime -> ceil(20.65) = 21, init free, unbilled ceil(2677.32)-21 = 2657
    #   image (--package image) -> ceil(2677.32) = 2678
    #   custom runtime (provided.al2023) -> 2678 as well
    row = dict(start="2024-03-01T00:00:00Z", start_type="cold", memory_mb=1024,
               duration_ms=20.65, init_duration_ms=2656.67)
    zip_out, zip_cost = price(row)
    assert zip_out.iloc[0]["priced_billed_ms"] == 21
    assert zip_cost["init_unbilled_ms"] == 2657
    img_out, _ = price(row, options=BillingOptions(package="image"))
    assert img_out.iloc[0]["priced_billed_ms"] == 2678
    assert img_out.iloc[0]["init_billed_ms"] == 2657
    custom_out, _ = price(row, options=BillingOptions(runtime="provided.al2023"))
    assert custom_out.iloc[0]["priced_billed_ms"] == 2678
    cfg_out, _ = price(row, configurations={"fn": {"package_type": "Image"}})
    assert cfg_out.iloc[0]["priced_billed_ms"] == 2678


def test_computed_hundred_ms_era():
    # 2019: Duration 619.31 -> 700 (100 ms granularity).
    out, _ = price(dict(start="2019-06-01T00:00:00Z", duration_ms=619.31))
    assert out.iloc[0]["priced_billed_ms"] == 700


def test_computed_snapstart_java_adds_billed_restore():
    # 147.156 + 53 -> 201 (§6.1 table).
    out, _ = price(dict(start="2026-01-01T00:00:00Z", start_type="restore", duration_ms=147.156,
                        billed_restore_duration_ms=53, runtime_version="java:21.v38"))
    assert out.iloc[0]["priced_billed_ms"] == 201
    assert out.iloc[0]["init_billed_ms"] == 53


def test_reinit_init_is_inside_duration():
    # §5.2: suppressed init inside Duration, 12079.53 -> 12080; nothing added, nothing split off.
    out, _ = price(dict(start="2024-01-01T00:00:00Z", start_type="reinit", duration_ms=12079.53))
    assert out.iloc[0]["priced_billed_ms"] == 12080
    assert out.iloc[0]["init_billed_ms"] == 0


def test_lmi_has_no_billed_duration():
    # §6.5: LMI reports carry only durationMs; only the request is priced.
    out, cost = price(dict(duration_ms=1.148, memory_mb=math.nan,
                           init_type="lambda-managed-instances"))
    row = out.iloc[0]
    assert math.isnan(row["priced_billed_ms"])
    assert not row["billed_computed"]
    assert row["priced_as"] == "lmi"
    assert row["cost_usd"] == approx(REQ)
    assert cost["lmi_invocations"] == 1
    assert cost["billed_computed"] == 0
    assert any("Managed Instances" in n for n in cost["notes"])


# ------------------------------------------------------------------- tiers and sums


def test_default_first_tier_is_said():
    _, cost = price(dict(duration_ms=1, billed_duration_ms=1))
    assert cost["pricing"]["tier"] == "first"
    assert "first duration tier" in cost["pricing"]["tier_note"]


def test_monthly_gb_seconds_straddles_a_tier():
    # Two 1 GB-s invocations (1000 ms at 1024 MB) on top of 6e9 - 0.5 GB-s:
    #   first: 0.5 x 0.0000166667 + 0.5 x 0.000015 = $0.00001583335
    #   second: 1 x 0.000015 = $0.000015
    opts = BillingOptions(monthly_gb_seconds=6e9 - 0.5)
    out, cost = price(
        dict(start="2026-01-01T00:00:01Z", duration_ms=1000, billed_duration_ms=1000,
             memory_mb=1024),
        dict(start="2026-01-01T00:00:00Z", duration_ms=1000, billed_duration_ms=1000,
             memory_mb=1024),
        options=opts,
    )
    # The earlier invocation (second row) takes the tier boundary.
    assert out["duration_usd"].tolist() == [approx(0.000015), approx(0.00001583335)]
    assert cost["duration_usd"] == approx(0.00003083335)
    assert cost["pricing"]["tier"] != "first"
    assert "already used this month" in cost["pricing"]["tier_note"]


def test_total_is_a_sum_per_invocation_not_averages():
    # 128 MB x 1000 ms and 1024 MB x 10 ms: per-invocation GB-s 0.125 + 0.01 = 0.135.
    # Averages would give mean 505 ms x mean 576 MB = 0.2841 GB-s per call x 2 (wrong).
    _, cost = price(dict(duration_ms=1000, billed_duration_ms=1000, memory_mb=128),
                    dict(duration_ms=10, billed_duration_ms=10, memory_mb=1024))
    assert cost["gb_seconds"] == approx(0.135)
    assert cost["duration_usd"] == approx(0.135 * X86)


def test_columns_and_cost_tables_add_up():
    out, cost = price(
        dict(function="a", start_type="cold", duration_ms=1233.96, billed_duration_ms=1698,
             memory_mb=256, init_duration_ms=463.512),
        dict(function="a", duration_ms=1072.145, billed_duration_ms=1073, memory_mb=256),
        dict(function="b", duration_ms=5.0, billed_duration_ms=5, memory_mb=128),
    )
    for col in (*COST_COLUMNS, *BILLING_COLUMNS):
        assert col in out.columns
    tables = cost_tables(out, cost)
    by_fn = tables["by_function"].set_index("function")
    assert by_fn.loc["a", "invocations"] == 2
    assert by_fn.loc["a", "cold_starts"] == 1
    assert by_fn["total_usd"].sum() == approx(cost["total_usd"])
    # a: INIT $0.0000019333372 of (0.00000727501415 + 0.26825 x 0.0000166667 + 0.0000002)
    #   = 0.00000727501415 + 0.00000447084228 + 0.0000002 = $0.00001194585643
    a_total = 0.00001194585643
    assert by_fn.loc["a", "total_usd"] == approx(a_total)
    assert by_fn.loc["a", "init_share"] == approx(0.0000019333372 / a_total)
    by_st = tables["by_start_type"].set_index("start_type")
    assert list(by_st.index) == ["cold", "warm"]
    assert by_st.loc["cold", "init_usd"] == approx(0.0000019333372)
    assert by_st["share_of_cost"].sum() == approx(1.0)


def test_cost_by_function_follows_the_summary_rule_for_unpriced_rows():
    # Function a: one priced row, 1000 ms at 1024 MB = 1 GB-s x 0.0000166667 + 0.0000002
    #   = $0.0000168667; one REPORT without memory size (unpriced).
    # Function b: only an unpriced row.
    # Summary: 1 priced of 3; per million = 0.0000168667 / 1 x 1e6 = $16.8667.
    # By function, same rule: a requests $0.0000002 (not 2 x), per million $16.8667 (not
    #   / 2 = $8.43335); b adds nothing and its amounts are unknown (NaN, JSON null), not $0.
    out, cost = price(
        dict(function="a", duration_ms=999.5, billed_duration_ms=1000, memory_mb=1024),
        # an environment of its own, whose REPORTs give no memory size either
        dict(function="a", environment="env-2", duration_ms=99.5, billed_duration_ms=100,
             memory_mb=math.nan),
        dict(function="b", duration_ms=99.5, billed_duration_ms=100, memory_mb=math.nan),
    )
    assert out["priced_as"].tolist() == ["on-demand", "unpriced", "unpriced"]
    assert cost["priced_invocations"] == 1
    assert cost["unpriced_invocations"] == 2
    assert cost["requests_usd"] == approx(0.0000002)
    assert cost["total_usd"] == approx(0.0000168667)
    assert cost["per_million_invocations_usd"] == approx(16.8667)
    by_fn = cost_tables(out, cost)["by_function"].set_index("function")
    assert by_fn.loc["a", "invocations"] == 2
    assert by_fn.loc["a", "requests_usd"] == approx(0.0000002)
    assert by_fn.loc["a", "total_usd"] == approx(0.0000168667)
    assert by_fn.loc["a", "per_million_usd"] == approx(16.8667)
    for column in ("requests_usd", "duration_usd", "init_usd", "total_usd", "init_share",
                   "per_million_usd"):
        assert math.isnan(by_fn.loc["b", column]), column
    assert by_fn.loc["a", "priced_invocations"] == 1
    assert by_fn.loc["b", "priced_invocations"] == 0
    assert by_fn["requests_usd"].sum() == approx(cost["requests_usd"])
    assert by_fn["total_usd"].sum() == approx(cost["total_usd"])
    # The summary says so where it counts the unpriced rows.
    assert [n for n in cost["notes"] if n.startswith("totals and per-million")] == [
        "totals and per-million figures exclude 1 unpriced invocation(s) of a (us-east-1): "
        "memory size or duration unknown",
        "totals and per-million figures exclude 1 unpriced invocation(s) of b (us-east-1): "
        "memory size or duration unknown"]
    assert cost["incomplete"] == []  # no price is missing: the sizes are


def test_unpriced_restore_adds_no_restore_charge():
    # A Python SnapStart restore with a known memory size but no Duration and no Billed
    # Duration cannot be priced: it adds nothing, so no $0.0001397998 restore fee and no
    # SnapStart cache estimate from it; summary and by-function totals agree at $0.
    out, cost = price(dict(start_type="restore", memory_mb=1024,
                           restore_duration_ms=500.0, runtime_version="python:3.12.v30"))
    assert out.iloc[0]["priced_as"] == "unpriced"
    assert out.iloc[0]["restore_fee_usd"] == 0
    assert cost["restore_usd"] == 0
    assert cost["snapstart_cache_usd"] == 0
    assert cost["total_usd"] == 0
    assert cost_tables(out, cost)["by_function"]["total_usd"].sum() == 0


def test_init_gb_seconds_use_memory_from_the_fetched_configuration():
    # Memory known only from the `lamlife fetch` header: 512 MB = 0.5 GB.
    # 2026-10-08 cold: Billed 1698 - ceil(1233.96)=1234 -> INIT 464 ms = 0.464 x 0.5
    #   = 0.232 GB-s billed for init; priced 1.698 x 0.5 = 0.849 GB-s.
    # 2024-05-20 cold (init free): ceil(11.642 + 174.055) - 12 = 174 ms unbilled
    #   = 0.174 x 0.5 = 0.087 GB-s, x 0.0000166667 = $0.00000145000290; priced
    #   0.012 x 0.5 = 0.006 GB-s.
    out, cost = price(
        dict(start="2026-10-08T07:30:28Z", start_type="cold", memory_mb=math.nan,
             duration_ms=1233.96, billed_duration_ms=1698, init_duration_ms=463.512),
        dict(start="2024-05-20T10:00:00Z", start_type="cold", memory_mb=math.nan,
             duration_ms=11.642, billed_duration_ms=12, init_duration_ms=174.055),
        configurations={"fn": {"memory_mb": 512}},
    )
    assert out["priced_as"].tolist() == ["on-demand", "on-demand"]
    assert cost["gb_seconds"] == approx(0.855)
    assert cost["init_billed_ms"] == 464
    assert cost["init_billed_gb_s"] == approx(0.232)
    assert cost["init_unbilled_ms"] == 174
    assert cost["init_unbilled_gb_s"] == approx(0.087)
    assert cost["init_usd_at_current_rules"] == approx(0.0000014500029)


def test_empty_table():
    out, cost = price()
    assert len(out) == 0
    assert cost["total_usd"] == 0
    assert cost["invocations"] == 0
    tables = cost_tables(out, cost)
    assert len(tables["by_function"]) == 0


def test_vectorized_on_many_rows():
    # 200,000 identical warm invocations: 100 ms at 128 MB = 0.0125 GB-s each.
    n = 200_000
    df = invocations(dict(duration_ms=99.5, billed_duration_ms=100))
    df = df.loc[np.zeros(n, dtype=int)].reset_index(drop=True)
    df["environment"] = np.arange(n).astype(str)
    df["start"] = df["start"] + pd.to_timedelta(np.arange(n), unit="s")
    out, cost = price_invocations(df, BillingOptions(monthly_gb_seconds=0), TABLE)
    assert cost["gb_seconds"] == approx(n * 0.0125)
    assert cost["total_usd"] == pytest.approx(n * (0.0125 * X86 + REQ), rel=1e-9)


def test_helpers():
    assert roundup(np.array([2827.05, 3000.0, 1.76]), 1.0).tolist() == [2828, 3000, 2]
    assert roundup(np.array([1.76, 619.31, 352.40]), 100.0).tolist() == [100, 700, 400]
    assert runtime_family("provided:al2023.v98") == "custom"
    assert runtime_family("python3.12") == "python"
    assert runtime_family("dotnet8") == "dotnet"
    assert runtime_family("java:21.v38") == "java"
    assert runtime_family("") == ""


# ------------------------------------------- a row without memory size: its environment's


def test_a_timeout_without_report_is_priced_at_its_environments_memory_size():
    # The shape of a timeout whose REPORT is missing: Duration from "Task timed out after
    # 6.00 seconds", no Billed Duration, no memory size. Another REPORT of the same
    # environment says 128 MB; an environment keeps its memory size, so the timeout is
    # priced at 128 MB: computed Billed Duration 6000 ms x 0.125 GB = 0.75 GB-s
    # x 0.0000166667 = $0.000012500025, + $0.0000002 = $0.000012700025.
    out, cost = price(
        dict(start_type="cold", duration_ms=50.0, billed_duration_ms=300, memory_mb=128,
             init_duration_ms=250.0),
        dict(status="timeout", duration_ms=6000.0, memory_mb=math.nan,
             start="2026-10-08T07:34:00Z"),
    )
    assert out["priced_as"].tolist() == ["on-demand", "on-demand"]
    assert out["gb_seconds"].tolist() == [0.0375, 0.75]
    assert out["cost_usd"].iloc[1] == approx(0.000012700025)
    assert out["billed_computed"].tolist() == [False, True]
    assert math.isnan(out["memory_mb"].iloc[1])  # the observation stays as logged
    assert cost["memory_from_environment"] == 1 and cost["unpriced_invocations"] == 0
    assert cost["notes"][0] == (
        "1 invocation(s) of fn without a memory size in the input (a timeout with no REPORT) "
        "priced at the 128 MB the other REPORTs of their execution environment state: an "
        "environment keeps the memory size it was set up with")


@pytest.mark.parametrize("other", [
    dict(environment="env-2"),  # another environment: its size says nothing of this one
    dict(environment=""),  # no environment known (no log stream): nothing to go by
])
def test_no_memory_size_from_another_or_an_unknown_environment(other):
    # The timeout is unpriced, and nothing claims its Billed Duration was computed.
    timeout = dict(status="timeout", duration_ms=6000.0, memory_mb=math.nan,
                   start="2026-10-08T07:34:00Z", **other)
    first = dict(duration_ms=50.0, billed_duration_ms=50, memory_mb=128,
                 environment=other["environment"] or "", function="fn")
    if other["environment"] == "env-2":
        first["environment"] = "env-1"
    out, cost = price(first, timeout)
    assert out["priced_as"].tolist() == ["on-demand", "unpriced"]
    assert out["billed_computed"].tolist() == [False, False]
    assert math.isnan(out["priced_billed_ms"].iloc[1])
    assert cost["billed_computed"] == 0 and cost["memory_from_environment"] == 0
    assert cost["unpriced"] == [{"function": "fn", "region": "us-east-1", "invocations": 1,
                                 "reason": "memory size or duration unknown"}]


def test_an_environment_that_logged_two_memory_sizes_gives_none():
    # Not a Lambda environment's shape (its size never changes), so nothing is guessed.
    out, _ = price(
        dict(duration_ms=50.0, billed_duration_ms=50, memory_mb=128),
        dict(duration_ms=50.0, billed_duration_ms=50, memory_mb=256,
             start="2026-10-08T07:31:00Z"),
        dict(status="timeout", duration_ms=6000.0, memory_mb=math.nan,
             start="2026-10-08T07:34:00Z"),
    )
    assert out["priced_as"].tolist() == ["on-demand", "on-demand", "unpriced"]


def test_the_fetched_configuration_fills_what_the_environment_cannot():
    # The environment has no size; the configuration's memory size (512 MB) is next.
    # 6000 ms x 0.5 GB = 3 GB-s x 0.0000166667 + 0.0000002 = $0.0000502001
    out, cost = price(dict(status="timeout", duration_ms=6000.0, memory_mb=math.nan),
                      configurations={"fn": {"memory_mb": 512}})
    assert out["cost_usd"].iloc[0] == approx(0.0000502001)
    assert cost["memory_from_environment"] == 0
