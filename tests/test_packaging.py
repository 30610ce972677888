"""Packaging ready for a package index (issue 13): ``python -m build`` gives an sdist and a
wheel whose metadata says what PyPI shows, and the wheel installs and runs in a fresh
virtualenv (dependencies from the package index). Slow: a build and a venv."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import lamlife

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_sdist_and_wheel_build_install_and_run(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True, text=True)
    version = lamlife.__version__
    sdist = dist / f"lamlife-{version}.tar.gz"
    wheels = list(dist.glob(f"lamlife-{version}-*.whl"))
    assert sdist.is_file() and len(wheels) == 1

    with tarfile.open(sdist) as tar:
        names = tar.getnames()
    assert f"lamlife-{version}/LICENSE" in names
    assert f"lamlife-{version}/api/py.typed" in names

    with zipfile.ZipFile(wheels[0]) as wheel:
        files = set(wheel.namelist())
        metadata = Parser().parsestr(
            wheel.read(f"lamlife-{version}.dist-info/METADATA").decode("utf-8"))
    for name in ("lamlife/__init__.py", "lamlife/__main__.py", "lamlife/py.typed",
                 "lamlife/cli/main.py", "lamlife/lifecycle/billing/prices.yaml",
                 "lamlife/reports/sections.py", f"lamlife-{version}.dist-info/licenses/LICENSE"):
        assert name in files, name
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Version"] == version
    assert "Typing :: Typed" in metadata.get_all("Classifier")
    assert any(url.startswith("Source, ") for url in metadata.get_all("Project-URL"))
    assert metadata["Requires-Python"] == ">=3.11"

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheels[0])], check=True,
                   capture_output=True, text=True)
    out = subprocess.run([str(venv / "bin" / "lamlife"), "--version"], check=True,
                         capture_output=True, text=True, cwd=tmp_path).stdout
    assert out == f"lamlife {version}\n"
    report = subprocess.run([str(python), "-m", "lamlife", "analyze",
                             str(ROOT / "examples" / "orders.log"), "--format", "json", "-q"],
                            check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    assert json.loads(report)["summary"]["invocations"] == 28
    api = subprocess.run([str(python), "-c", "import lamlife; r = lamlife.analyze("
                          f"{str(ROOT / 'examples' / 'orders.log')!r}); "
                          "print(r.summary['cold_starts'])"],
                         check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    assert api == "5\n"
