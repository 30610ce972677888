"""What a new user expects of a command line (issue 13): --version, -h, python -m lamlife,
completion, choices in help, one-line usage errors, no pandas/numpy/boto3 for --help, the
billing options declared once, --since/--until and --function on local inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lamlife
import lamlife.cli.main  # noqa: F401  (registers the commands)
from lamlife.cli.app import app
from lamlife.cli.options import DEFAULT_ARCHITECTURE_TEXT, DEFAULT_REGION_TEXT, ReportFormat
from lamlife.lifecycle.billing.rules import DEFAULT_ARCHITECTURE, DEFAULT_REGION
from lamlife.reports import FORMATS

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
ORDERS = ROOT / "examples" / "orders.log"
JSONL = ROOT / "tests" / "data" / "readers" / "jsonl" / "events.jsonl"  # orders + tenner-notifier
COMMANDS = ("analyze", "check", "baseline", "fetch", "pricing", "simulate")


def run(*args: str) -> object:
    return runner.invoke(app, list(args))


def analyze_json(*args: str) -> dict:
    result = runner.invoke(app, ["analyze", *args, "--format", "json", "-q"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# ------------------------------------------------------------------ version, help, -m


def test_version_is_the_package_version() -> None:
    for flag in ("--version", "-V"):
        result = runner.invoke(app, [flag])
        assert result.exit_code == 0
        assert result.stdout == f"lamlife {lamlife.__version__}\n"
    assert lamlife.lifecycle.__version__ == lamlife.__version__  # one source
    from importlib.metadata import version

    assert version("lamlife") == lamlife.__version__  # pyproject reads the same attribute


@pytest.mark.parametrize("command", COMMANDS)
def test_dash_h_is_help(command: str) -> None:
    short = runner.invoke(app, [command, "-h"])
    long = runner.invoke(app, [command, "--help"])
    assert short.exit_code == long.exit_code == 0
    assert short.stdout == long.stdout
    assert f"Usage: lamlife {command}" in short.stdout


@pytest.mark.parametrize(("command", "name"), [("analyze", "PATH"), ("check", "PATH"),
                                             ("simulate", "TRACE")])
def test_the_input_argument_has_an_upper_case_name(command: str, name: str) -> None:
    usage = runner.invoke(app, [command, "-h"]).stdout
    assert f"[OPTIONS] {{{name}}}..." in usage
    missing = runner.invoke(app, [command])
    assert missing.exit_code == 2
    assert f"Missing argument '{name}'" in missing.stderr
    assert "(give - to read standard input)" in missing.stderr  # `cat x | lamlife analyze`


@pytest.mark.parametrize(("fmt", "says"), [
    ("table", "JSON output only"), ("markdown", "JSON output only"),
    ("csv", "one row per invocation already")])
def test_invocations_where_it_does_nothing_is_a_warning(fmt: str, says: str) -> None:
    result = runner.invoke(app, ["analyze", str(ORDERS), "--format", fmt, "--invocations"])
    assert result.exit_code == 0
    assert "lamlife: warning: --invocations" in result.stderr and says in result.stderr
    as_json = runner.invoke(app, ["analyze", str(ORDERS), "--format", "json", "--invocations"])
    assert "--invocations" not in as_json.stderr
    assert len(json.loads(as_json.stdout)["invocations"]) == 28


def test_completion_can_be_installed() -> None:
    text = runner.invoke(app, ["--help"]).stdout
    assert "--install-completion" in text and "--show-completion" in text


def test_python_dash_m_lamlife(tmp_path: Path) -> None:
    version = subprocess.run([sys.executable, "-m", "lamlife", "--version"], cwd=tmp_path,
                             capture_output=True, text=True, check=True)
    assert version.stdout == f"lamlife {lamlife.__version__}\n"
    report = subprocess.run([sys.executable, "-m", "lamlife", "analyze", str(ORDERS),
                             "--format", "json", "-q"], cwd=tmp_path, capture_output=True,
                            text=True, check=True)
    assert json.loads(report.stdout)["summary"]["invocations"] == 28


@pytest.mark.parametrize(("preset", "pool"), [(None, "system"), ("mimalloc", "mimalloc")])
def test_the_command_line_gives_pyarrow_the_system_allocator(preset: str | None, pool: str,
                                                             tmp_path: Path) -> None:
    # freed string-column memory goes back to the operating system (README "Speed"); a user's
    # own ARROW_DEFAULT_MEMORY_POOL wins
    pytest.importorskip("pyarrow")
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if preset is not None:
        env["ARROW_DEFAULT_MEMORY_POOL"] = preset
    code = ("import sys, lamlife.cli.main as m; sys.argv = ['lamlife', '--version']\n"
            "try:\n    m.main()\nexcept SystemExit:\n    pass\n"
            "import pyarrow; print(pyarrow.default_memory_pool().backend_name)")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, env=env, check=True)
    assert done.stdout.splitlines()[-1] == pool


HEAVY = ("pandas", "numpy", "boto3", "botocore")


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["analyze", "--help"],
                                  ["simulate", "-h"], ["fetch", "-h"], ["check", "-h"]])
def test_help_and_version_load_no_pandas_numpy_or_boto3(args: list[str],
                                                        tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", _probe(args)], cwd=tmp_path,
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "100"})
    assert "LOADED []" in done.stderr, done.stderr[-2000:]


def _probe(args: list[str]) -> str:
    """A program that runs the command line with ``args`` and prints which heavy modules
    were imported."""
    return (
        "import sys\n"
        "from lamlife.cli.main import main\n"
        f"sys.argv = ['lamlife', *{args!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"loaded = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
    )


def test_the_import_probe_sees_pandas_after_an_analysis(tmp_path: Path) -> None:
    """The probe above can fail: after a real analysis it reports pandas."""
    args = ["analyze", str(ORDERS), "--format", "json", "-q"]
    loaded = subprocess.run([sys.executable, "-c", _probe(args)], cwd=tmp_path,
                            capture_output=True, text=True)
    assert "'pandas'" in loaded.stderr and "'numpy'" in loaded.stderr


# ------------------------------------------------------------------ choices and options


def test_choices_are_listed_and_others_refused_in_one_line() -> None:
    assert [member.value for member in ReportFormat] == list(FORMATS)
    text = runner.invoke(app, ["analyze", "-h"], env={"COLUMNS": "200"}).stdout
    assert "table|json|csv|markdown" in text.replace(" ", "")
    assert "x86_64|arm64" in text.replace(" ", "")
    bad = runner.invoke(app, ["analyze", str(ORDERS), "--sort", "size"])
    assert bad.exit_code == 2
    assert bad.stderr.count("\n") == 1
    assert bad.stderr.startswith("lamlife: error: ") and "'size' is not one of" in bad.stderr
    assert "Value error" not in bad.stderr  # the validator's own wording is not ours
    unknown = runner.invoke(app, ["analyze", str(ORDERS), "--colour"])
    assert unknown.exit_code == 2 and unknown.stderr.count("\n") == 1
    assert "No such option: --colour" in unknown.stderr


def test_architecture_choice_ignores_case() -> None:
    data = analyze_json(str(ORDERS), "--architecture", "ARM64")
    assert data["summary"]["cost"]["pricing"]["architecture"] == "arm64"


@pytest.mark.parametrize("command", ["analyze", "check", "baseline", "simulate"])
def test_billing_options_are_the_same_everywhere(command: str) -> None:
    text = runner.invoke(app, [command, "-h"], env={"COLUMNS": "200"}).stdout
    billing = text.split("Billing")[1]
    for option in ("--region", "--architecture", "--package", "--runtime",
                   "--monthly-gb-seconds", "--pricing"):
        assert option in billing, (command, option)
    # simulate sweeps its own --provisioned (a lifecycle policy), the others price a level
    assert ("--provisioned" in billing) == (command != "simulate")


def test_help_defaults_are_the_billing_defaults() -> None:
    assert DEFAULT_REGION_TEXT == DEFAULT_REGION
    assert DEFAULT_ARCHITECTURE_TEXT == DEFAULT_ARCHITECTURE


def test_fetch_option_defaults_are_the_fetch_module_constants() -> None:
    import inspect

    from lamlife.cli.fetch import fetch
    from lamlife.lifecycle.aws import fetch as af

    params = inspect.signature(fetch).parameters
    assert params["parallel"].default == af.DEFAULT_PARALLEL
    assert params["max_rps"].default == af.FILTER_LOG_EVENTS_TPS


def test_simulate_observed_word_is_the_engine_word() -> None:
    from lamlife.cli.simulate import OBSERVED
    from lamlife.lifecycle.simulate.whatif import OBSERVED as ENGINE_OBSERVED

    assert OBSERVED == ENGINE_OBSERVED


# ------------------------------------------------------------------ --since / --until


def test_since_until_keep_invocations_that_started_inside() -> None:
    # orders.log: 28 invocations from 09:14:02.531 to 09:26:03.415 (examples/README.md);
    # starting in [09:20:00, 09:22:00): 09:20:45.008, 09:21:30.011/.027/.049/.500 -> 5
    data = analyze_json(str(ORDERS), "--since", "2026-04-14T09:20:00Z",
                        "--until", "2026-04-14T09:22:00")
    assert data["summary"]["invocations"] == 5
    assert data["summary"]["window"] == {"since": "2026-04-14T09:20:00.000Z",
                                         "until": "2026-04-14T09:22:00.000Z", "left_out": 23}
    # the cold start at 09:21:30.500 keeps the cause seen with the whole log (3 busy)
    assert data["summary"]["cold_causes"]["scale_out"] == 1
    # epoch seconds are read as fetch reads them
    epoch = analyze_json(str(ORDERS), "--since", "1776158400")  # 09:20:00Z
    assert epoch["summary"]["invocations"] == 10


def test_since_relative_to_now_and_an_empty_window() -> None:
    recent = analyze_json(str(ORDERS), "--since", "1h")  # the example is from 2026-04-14
    assert recent["summary"]["invocations"] == 0
    assert recent["summary"]["window"]["left_out"] == 28
    # not a silent "nothing found": the warning says where the data is
    warned = runner.invoke(app, ["analyze", str(ORDERS), "--since", "1h", "--format", "json"])
    assert ("lamlife: warning: the time window left out all 28 invocation(s): the input runs "
            "from 2026-04-14T09:14:02Z to 2026-04-14T09:26:03Z") in warned.stderr
    bad = runner.invoke(app, ["analyze", str(ORDERS), "--since", "2026-04-14T10:00:00Z",
                              "--until", "2026-04-14T09:00:00Z"])
    assert bad.exit_code == 2 and "empty time window" in bad.stderr
    unreadable = runner.invoke(app, ["analyze", str(ORDERS), "--until", "yesterday-ish"])
    assert unreadable.exit_code == 2 and "cannot read time 'yesterday-ish'" in unreadable.stderr


# ------------------------------------------------------------------ --function


def test_function_selects_when_the_input_names_functions() -> None:
    both = analyze_json(str(JSONL))
    assert sorted(f["function"] for f in both["functions"]) == ["orders", "tenner-notifier"]
    orders = analyze_json(str(JSONL), "--function", "orders")
    assert [f["function"] for f in orders["functions"]] == ["orders"]
    assert orders["summary"]["invocations"] == 2
    again = analyze_json(str(JSONL), "-f", "orders", "-f", "tenner-notifier")
    assert again["summary"]["invocations"] == both["summary"]["invocations"] == 3


def test_function_missing_from_named_input_is_an_error() -> None:
    result = runner.invoke(app, ["analyze", str(JSONL), "--function", "billing"])
    assert result.exit_code == 2
    assert result.stderr == ("lamlife: error: no function billing in the input (it has orders, "
                             "tenner-notifier)\n")


def test_function_names_input_that_carries_none() -> None:
    # aws logs tail output has no log group: --function names it (default: the file name)
    assert [f["function"] for f in analyze_json(str(ORDERS))["functions"]] == ["orders"]
    named = analyze_json(str(ORDERS), "--function", "checkout")
    assert [f["function"] for f in named["functions"]] == ["checkout"]
    assert named["summary"]["invocations"] == 28
