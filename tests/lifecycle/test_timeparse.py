"""Time and duration parsing shared by the readers, fetch (--since) and simulate (--keep-alive)."""

from __future__ import annotations

import math

import pytest

from lamlife.cli.simulate import parse_duration_s
from lamlife.lifecycle.aws import fetch as aws_fetch
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.read.timeparse import fast_iso_ms, iso_to_ms, parse_duration


@pytest.mark.parametrize(("text", "seconds"), [
    ("500ms", 0.5), ("640s", 640.0), ("640 sec", 640.0), ("10m", 600.0), ("10min", 600.0),
    ("10 mins", 600.0), ("2h", 7200.0), ("2hr", 7200.0), ("1h30m", 5400.0), ("7d", 604800.0),
    ("1w", 604800.0), ("1.5h", 5400.0), ("1h 30m", 5400.0),
])
def test_one_duration_grammar(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)
    # --keep-alive and --since read the same grammar (they used to differ: 10min, 1w, 1h30m)
    assert parse_duration_s(text, "--keep-alive") == pytest.approx(seconds)
    assert aws_fetch.parse_duration(text) == pytest.approx(seconds)
    assert aws_fetch.parse_duration(text + " ago") == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "10", "ten minutes", "10x", "h", "10m and", "-5m"])
def test_not_a_duration(text: str) -> None:
    assert parse_duration(text) is None


def test_a_bare_number_is_seconds_only_for_simulate() -> None:
    assert parse_duration_s("640", "--keep-alive") == 640.0
    with pytest.raises(InputError, match="--keep-alive"):
        parse_duration_s("soon", "--keep-alive")


@pytest.mark.parametrize("text", [
    "2026-07-20T01:50:15.828000+00:00", "2026-07-20T01:50:15.828Z", "2026-07-20T01:50:15.828",
    "2026-07-20 01:50:15.828", "2026-07-20T03:50:15.828+02:00"])
def test_iso_forms_agree(text: str) -> None:
    # 2026-07-20T01:50:15.828Z = 1784512215828 ms (date -u -d ... +%s%3N)
    assert iso_to_ms(text) == pytest.approx(1784512215828.0)
    assert fast_iso_ms(text) == pytest.approx(1784512215828.0)


def test_not_a_time() -> None:
    assert iso_to_ms("2026-13-01T00:00:00Z") is None
    assert math.isnan(fast_iso_ms("2026-13-01T00:00:00Z"))
