"""The README's GitHub Actions recipe works when copied as it stands (issue 13)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml
from typer.testing import CliRunner

import lamlife
import lamlife.cli.main  # noqa: F401
from lamlife.cli.app import app

README = Path(__file__).resolve().parents[1] / "README.md"


def workflow() -> dict:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    found = [yaml.safe_load(block) for block in blocks if "jobs:" in block]
    assert len(found) == 1
    return found[0]


def steps() -> list[dict]:
    return workflow()["jobs"]["check"]["steps"]


def test_recipe_is_a_workflow() -> None:
    flow = workflow()
    # "on" is read as True by YAML 1.1 loaders; GitHub reads it as the trigger key
    assert set(flow[True]) == {"schedule", "workflow_dispatch"}
    assert flow["permissions"] == {"id-token": "write", "contents": "read"}
    uses = [step["uses"].split("@")[0] for step in steps() if "uses" in step]
    assert uses == ["actions/checkout", "actions/setup-python",
                    "aws-actions/configure-aws-credentials"]


def test_recipe_installs_this_version_from_the_index() -> None:
    installs = [step["run"] for step in steps() if "pip install" in step.get("run", "")]
    assert installs == [f'python -m pip install "lamlife=={lamlife.__version__}"']


def test_every_lamlife_command_in_the_recipe_is_accepted() -> None:
    commands = [step["run"] for step in steps() if step.get("run", "").startswith("lamlife ")]
    assert len(commands) == 2
    for command in commands:
        words = shlex.split(command.split(">>")[0])
        assert "\n" not in command.strip()  # a folded block: one shell line
        # parsing the options with --help appended: an unknown option is a usage error
        result = CliRunner().invoke(app, [*words[1:], "--help"])
        assert result.exit_code == 0, (command, result.stderr)
        if "--format" in words:  # choices are checked after --help: check them here
            fmt = words[words.index("--format") + 1]
            text = CliRunner().invoke(app, [words[1], "-h"], env={"COLUMNS": "200"}).stdout
            assert fmt in text
