"""Value formatting shared by the renderers (reports/_format.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lamlife.reports._format import (
    fmt_flags,
    fmt_int,
    fmt_ms,
    fmt_rate,
    fmt_seconds,
    fmt_share,
    fmt_time,
    iso_utc,
    iso_utc_one,
    short_environment,
    split_flags,
)


def test_iso_utc_milliseconds_and_z() -> None:
    series = pd.Series(
        pd.to_datetime(["2026-07-20T01:50:15.828Z", "2026-07-20T00:00:00Z"], format="ISO8601")
    )
    assert iso_utc(series) == ["2026-07-20T01:50:15.828Z", "2026-07-20T00:00:00.000Z"]


def test_iso_utc_keeps_finer_parts_only_where_present() -> None:
    series = pd.Series(
        pd.to_datetime(
            [
                "2026-07-20T02:00:00.100250Z",  # microseconds
                "2026-07-20T02:00:00.100250001Z",  # nanoseconds
                "2026-07-20T02:00:00.100Z",
            ],
            utc=True,
        ).astype("datetime64[ns, UTC]")
    )
    assert iso_utc(series) == [
        "2026-07-20T02:00:00.100250Z",
        "2026-07-20T02:00:00.100250001Z",
        "2026-07-20T02:00:00.100Z",
    ]


def test_iso_utc_converts_other_zones_naive_values_and_nat() -> None:
    zoned = pd.Series([pd.Timestamp("2026-07-20 03:50:15.828", tz="Europe/Berlin"), pd.NaT])
    assert iso_utc(zoned) == ["2026-07-20T01:50:15.828Z", None]
    naive = pd.Series([pd.Timestamp("2026-07-20 01:50:15.828")])  # taken as UTC
    assert iso_utc(naive) == ["2026-07-20T01:50:15.828Z"]
    micro = pd.Series(pd.to_datetime(["2026-07-20T01:50:15.828Z"]).astype("datetime64[us, UTC]"))
    assert iso_utc(micro) == ["2026-07-20T01:50:15.828Z"]
    assert iso_utc(pd.Series([], dtype="datetime64[ns, UTC]")) == []
    assert iso_utc_one(np.datetime64("2026-07-20T01:50:15.828")) == "2026-07-20T01:50:15.828Z"
    assert iso_utc_one(pd.NaT) is None


def test_split_flags() -> None:
    assert split_flags("timeout;out_of_memory") == ["timeout", "out_of_memory"]
    assert split_flags("") == []
    assert split_flags(float("nan")) == []
    assert split_flags(None) == []
    assert split_flags("reset_loop;") == ["reset_loop"]
    assert fmt_flags("timeout;out_of_memory") == "timeout, out_of_memory"
    assert fmt_flags("") == "-"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0.0s"),
        (47.532, "47.5s"),
        (59.94, "59.9s"),
        (60, "1m00s"),
        (1261.088, "21m01s"),
        (3599.9, "59m59s"),
        (3600, "1h00m"),
        (11_130, "3h05m"),
        (86_400 * 2 + 3600 * 4 + 59, "2d04h"),
        (float("nan"), "-"),
        (None, "-"),
    ],
)
def test_fmt_seconds(value: float | None, text: str) -> None:
    assert fmt_seconds(value) == text


def test_numbers() -> None:
    assert fmt_int(np.int64(1234567)) == "1,234,567"
    assert fmt_int(float("nan")) == "-"
    assert fmt_ms(1882.554) == "1,882.55"
    assert fmt_ms(None) == "-"
    assert fmt_rate(0.375) == "37.5%"
    assert fmt_rate(2 / 3) == "66.7%"
    assert fmt_share(1, 8) == "12.5%"
    assert fmt_share(0, 0) == "-"
    assert fmt_time(pd.Timestamp("2026-07-20T01:51:03.999Z")) == "2026-07-20 01:51:03"
    assert fmt_time(pd.NaT) == "-"


@pytest.mark.parametrize(
    ("fraction", "text"),
    [
        (0.0, "0.0%"),  # a true zero stays 0.0 %
        (0.000330117626214, "<0.1%"),  # payments' INIT share of the trial: not nothing
        (1e-12, "<0.1%"),
        (0.0004999, "<0.1%"),
        (0.0005, "0.1%"),  # rounds to 0.1 % itself
        (0.999, "99.9%"),
        (0.99951, ">99.9%"),  # short of all: never 100.0 %
        (1.0, "100.0%"),
        (None, "-"),
        (float("nan"), "-"),
    ],
)
def test_fmt_rate_never_rounds_a_part_to_none_or_all(fraction: float | None, text: str) -> None:
    assert fmt_rate(fraction) == text


@pytest.mark.parametrize(
    ("name", "short"),
    [
        # default log group stream names (docs/platform.md section 4)
        ("2020/06/09/[$LATEST]b249865adaaf4fad80f95f8ad09725b8", "[$LATEST]…d09725b8"),
        ("2023/06/02/[72]88ab219a63d343d294d0a9947e8ab36a", "[72]…7e8ab36a"),
        # custom log group: the function name sits before the bracket
        (
            "2026/10/08/tenner-notifier[$LATEST]22be53a8cfde4e68b844f8ec293b2543",
            "[$LATEST]…293b2543",
        ),
        ("sim-env-0003", "sim-env-0003"),  # short names stay whole
        ("", "-"),
        # long names of another shape keep their end
        ("an/environment/name/that/is/far/too/long", "…me/that/is/far/too/long"),  # 1 + 23
    ],
)
def test_short_environment(name: str, short: str) -> None:
    assert short_environment(name) == short
