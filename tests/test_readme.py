"""The GitHub Actions recipes of README.md and docs/check.md work when copied as they stand
(issue 13): valid workflows, lamlife pinned to this version, and every lamlife command in
them accepted by the current command line."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import lamlife
import lamlife.cli.main  # noqa: F401
from lamlife.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
RECIPES = [ROOT / "README.md", ROOT / "docs" / "check.md"]


def workflow(doc: Path) -> dict:
    blocks = re.findall(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)
    found = [yaml.safe_load(block) for block in blocks if "jobs:" in block]
    assert len(found) == 1
    return found[0]


def steps(doc: Path) -> list[dict]:
    return workflow(doc)["jobs"]["check"]["steps"]


@pytest.mark.parametrize("doc", RECIPES, ids=lambda p: p.name)
def test_recipe_is_a_workflow(doc: Path) -> None:
    flow = workflow(doc)
    # "on" is read as True by YAML 1.1 loaders; GitHub reads it as the trigger key
    assert set(flow[True]) == {"schedule", "workflow_dispatch"}
    assert flow["permissions"] == {"id-token": "write", "contents": "read"}
    uses = [step["uses"].split("@")[0] for step in steps(doc) if "uses" in step]
    assert uses[:3] == ["actions/checkout", "actions/setup-python",
                        "aws-actions/configure-aws-credentials"]


@pytest.mark.parametrize("doc", RECIPES, ids=lambda p: p.name)
def test_recipe_installs_this_version_from_the_index(doc: Path) -> None:
    installs = [step["run"].split("#")[0].strip() for step in steps(doc)
                if "pip install" in step.get("run", "")]
    assert installs == [f'python -m pip install "lamlife=={lamlife.__version__}"']


@pytest.mark.parametrize("doc", RECIPES, ids=lambda p: p.name)
def test_every_lamlife_command_in_the_recipe_is_accepted(doc: Path) -> None:
    commands = [step["run"] for step in steps(doc) if step.get("run", "").startswith("lamlife ")]
    assert len(commands) >= 2
    for command in commands:
        assert "\n" not in command.strip()  # a folded block: one shell line
        words = shlex.split(re.split(r">>|\|\|", command)[0])
        # parsing the options with --help appended: an unknown option is a usage error
        result = CliRunner().invoke(app, [*words[1:], "--help"])
        assert result.exit_code == 0, (command, result.stderr)
        if "--format" in words:  # choices are checked after --help: check them here
            fmt = words[words.index("--format") + 1]
            text = CliRunner().invoke(app, [words[1], "-h"], env={"COLUMNS": "200"}).stdout
            assert fmt in text
