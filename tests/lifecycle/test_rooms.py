"""The rooms of lifecycle/ import only rooms above them (DESIGN.md): read, engine, billing and
simulate never import the pipeline that wires them together (no import circle)."""

from __future__ import annotations

import subprocess
import sys

import pytest

ROOMS = [
    "lamlife.lifecycle.read",
    "lamlife.lifecycle.read.tail",
    "lamlife.lifecycle.engine.replay",
    "lamlife.lifecycle.engine.summarize",
    "lamlife.lifecycle.billing.rules",
    "lamlife.lifecycle.simulate.scheduler",
    "lamlife.lifecycle.simulate.whatif",
    "lamlife.lifecycle.check.gate",
    "lamlife.lifecycle.check.budget",
]


def loaded(module: str, prefix: str) -> str:
    """The modules under ``prefix`` that importing ``module`` loads (in a fresh interpreter)."""
    code = (f"import sys, {module}\n"
            f"print(sorted(m for m in sys.modules if m.startswith({prefix!r})))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.mark.parametrize("module", ROOMS)
def test_room_does_not_import_the_pipeline(module: str) -> None:
    assert loaded(module, "lamlife.lifecycle.pipeline") == "[]"


@pytest.mark.parametrize("module", ["lamlife._api", *ROOMS, "lamlife.lifecycle.pipeline"])
def test_the_library_does_not_import_the_command_line(module: str) -> None:
    """The Python API and the engine stand without the CLI (typer's option classes)."""
    assert loaded(module, "lamlife.cli") == "[]"


@pytest.mark.parametrize("module", ["lamlife.lifecycle.billing.price_list", *ROOMS])
def test_only_aws_calls_aws(module: str) -> None:
    """boto3 is for lifecycle/aws/ (DESIGN.md): the rooms above it, the price table update
    included, do not load it."""
    assert loaded(module, "boto3") == "[]"
