"""Suite-wide options: slow tests (a real browser, Spark, packaging builds, large generated
inputs, the fuzzed CLI run, mypy, retry back-off) run in CI (``CI`` set, as ``.ci/run`` is
run) or with ``--runslow``; a plain local ``pytest`` skips them and says so, so the everyday
run stays short."""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", default=False,
                     help="also run tests marked slow (always on when CI is set)")


def _run_slow(config: pytest.Config) -> bool:
    ci = os.environ.get("CI", "").strip().lower()
    return bool(config.getoption("--runslow")) or ci not in ("", "0", "false", "no")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _run_slow(config):
        return
    skip = pytest.mark.skip(reason="slow: runs in CI (CI=true) or with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
