"""The code stays ruff- and mypy-clean: both run as part of the suite (config in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install '.[test]'")
    return found


def test_ruff_clean() -> None:
    result = subprocess.run([_tool("ruff"), "check", "."], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow  # about 15 s; `mypy` is one command to run by hand
def test_mypy_clean(tmp_path: Path) -> None:
    # The folders install as lamlife (api/), lamlife.cli, lamlife.lifecycle, lamlife.reports.
    # mypy cannot follow an editable install's import hook, so give it a lamlife/ tree of
    # links to them:
    # then every cross-module import is really checked instead of being taken as Any.
    # The top-level package (api/) is linked file by file, the sub-packages as folders.
    package = tmp_path / "lamlife"
    package.mkdir()
    for module in (ROOT / "api").iterdir():
        if module.suffix in (".py", ".typed"):
            (package / module.name).symlink_to(module)
    for folder in ("cli", "lifecycle", "reports"):
        (package / folder).symlink_to(ROOT / folder, target_is_directory=True)
    result = subprocess.run(
        [_tool("mypy"), "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir",
         str(tmp_path / ".mypy_cache"), "-p", "lamlife"],
        cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
