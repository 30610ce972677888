"""The Spark engine equals the local engine: every golden input of tests/data/readers (and the
bundled example) replayed per environment by Spark in local mode (127.0.0.1, no cluster),
through the CLI, and from a Spark DataFrame of raw log events.

Needs pyspark (``pip install '.[spark]'``) and Java 17+ (Debian's openjdk-17-jre-headless,
which .ci/run installs). Outside CI the tests are skipped, with the reason, when either is
missing; in CI (``CI`` set) they must run.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from same_json import close  # noqa: E402
from typer.testing import CliRunner

from lamlife.cli.main import app
from lamlife.lifecycle.billing.prices import load_table
from lamlife.lifecycle.billing.rules import BillingOptions
from lamlife.lifecycle.engine.unit import RecordingSink, counts_from_rows
from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths, observe, time_window
from lamlife.lifecycle.read import ReadOptions, read_inputs
from lamlife.reports import render

pytestmark = [
    pytest.mark.slow,
    # pyspark has not certified pandas 3 yet and says so on every conversion
    pytest.mark.filterwarnings("ignore::FutureWarning:pyspark"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "readers"
EXAMPLE = ROOT / "examples" / "orders.log"
CASES = sorted(p.parent.name for p in DATA.glob("*/expected.json"))
EVERYTHING = [str(EXAMPLE), *(str(DATA / name) for name in CASES),
              str(ROOT / "tests" / "data" / "check")]


def _missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install '.[spark]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime (apt-get install openjdk-17-jre-headless)"
    return None


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the Spark tests must run in CI: {reason}")
        pytest.skip(reason)
    from lamlife.lifecycle.spark import spark_session

    session = spark_session("local[2]", "lamlife-tests")
    session.sparkContext.setLogLevel("ERROR")
    session.conf.set("spark.sql.shuffle.partitions", "4")
    yield session
    session.stop()


def _case_paths(name: str) -> tuple[list[str], dict[str, Any]]:
    case = json.loads((DATA / name / "expected.json").read_text(encoding="utf-8"))
    return [str(DATA / name / p) for p in case["paths"]], case.get("options", {})


def _json(analysis: Any, rows: bool = True) -> dict[str, Any]:
    return json.loads(render(analysis, "json", include_invocations=rows))




def test_every_golden_input_gives_the_same_invocations_on_spark(spark: Any) -> None:
    """All golden inputs in one Spark job: the group key is (case, function, environment)."""
    from lamlife.lifecycle.engine.unit import invocations_from_rows, orphans_from_rows
    from lamlife.lifecycle.pipeline import observed_invocations
    from lamlife.lifecycle.read.request_ids import text_ids
    from lamlife.lifecycle.spark import collect_rows, unit_rows

    frames = []
    local = {}
    names = [*CASES, "example"]
    for name in names:
        paths, options = _case_paths(name) if name != "example" else ([str(EXAMPLE)], {})
        local[name] = observe(paths, AnalyzeOptions(**options))
        sink = RecordingSink()
        read_inputs(paths, ReadOptions(function=options.get("function")), None, sink)
        frame = sink.events_frame()
        frame.insert(0, "case", name)
        frames.append(frame)
    records = pd.concat(frames, ignore_index=True)
    assert len(records) > 100
    events = spark.createDataFrame(records, schema=(
        "case string, function string, environment string, timestamp double, "
        "message string, record string, seq bigint"))
    rows = collect_rows(unit_rows(events, keys=("case",)))
    for name in names:
        mine = rows[rows["case"] == name]
        expected = local[name]
        # the causes of cold starts look across environments: applied after the groups, as
        # both engines do (pipeline.observed_invocations)
        got = observed_invocations([invocations_from_rows(mine)])
        # the local table may hold its RequestIds as 16-byte UUIDs: compared as their text
        pd.testing.assert_frame_equal(got, text_ids(expected.invocations).reset_index(drop=True),
                                      check_dtype=False, obj=name)
        assert sorted((o.function, o.environment, o.event, o.time_ms)
                      for o in orphans_from_rows(mine)) == sorted(
            (o.function, o.environment, o.event, o.time_ms) for o in expected.orphan_events)
    assert counts_from_rows(rows)["incomplete"] == sum(o.stats.incomplete
                                                        for o in local.values())
    assert sum(len(o.invocations) for o in local.values()) > 50  # a test that can fail


def test_cli_engine_spark_prints_the_local_report(spark: Any, tmp_path: Path) -> None:
    paths = [str(EXAMPLE), str(DATA / "mixed"), str(DATA / "s3-export"), str(DATA / "jsonl")]
    runner = CliRunner()
    local = runner.invoke(app, ["analyze", *paths, "--format", "json", "--invocations", "-q"])
    remote = runner.invoke(app, ["analyze", *paths, "--format", "json", "--invocations", "-q",
                                 "--engine", "spark", "--spark-master", "local[2]"])
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    assert json.loads(remote.stdout) == json.loads(local.stdout)
    assert json.loads(local.stdout)["account"]["functions"] > 1  # the account view too
    table = runner.invoke(app, ["analyze", *paths, "--format", "markdown", "-q",
                                "--engine", "spark", "--spark-master", "local[2]"])
    assert table.stdout == runner.invoke(app, ["analyze", *paths, "--format", "markdown",
                                               "-q"]).stdout


def test_spark_prices_and_aggregates_every_golden_input_as_the_local_engine(
        spark: Any) -> None:
    """Without --invocations the rows stay in Spark: per-function parts (priced by
    billing.rules) and Spark's aggregates give the local report, priced and not, with a
    time window and with --function."""
    from lamlife.lifecycle.spark import analyze_paths_spark

    priced = {"billing": BillingOptions(), "price_table": load_table()}
    cases = {
        "plain": AnalyzeOptions(),
        "priced": AnalyzeOptions(**priced),
        "window+select": AnalyzeOptions(
            window=time_window("2026-04-14T09:10:00Z", "2026-04-14T09:40:00Z"),
            select=("orders", "payments"), **priced),
    }
    for name, options in cases.items():
        local = analyze_paths(EVERYTHING, options)
        remote = analyze_paths_spark(EVERYTHING, options, session=spark)
        ours, theirs = _json(remote, rows=False), _json(local, rows=False)
        for key in theirs:
            assert close(ours[key], theirs[key]), (name, key)
        assert theirs["summary"]["invocations"] > 20
        # the driver got the flagged invocations and one per version, not every row
        assert 0 < len(remote.invocations) < len(local.invocations)
        assert render(remote, "markdown") == render(local, "markdown"), name
    assert theirs["summary"]["window"]["left_out"] > 0
    assert theirs["summary"]["cost"]["total_usd"] > 0


def test_python_api_takes_a_dataframe_of_raw_log_events(spark: Any) -> None:
    """filter-log-events output as a Spark DataFrame of (function, environment, timestamp,
    message): the same summary as analyzing the file."""
    from lamlife.lifecycle.spark import analyze_spark_events

    paths, options = _case_paths("filter-log-events")
    local = analyze_paths(paths, AnalyzeOptions(**options))
    rows = []
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        decoder, pos = json.JSONDecoder(), 0
        while pos < len(text):
            while pos < len(text) and text[pos] in " \r\n\t,":
                pos += 1
            if pos >= len(text):
                break
            page, pos = decoder.raw_decode(text, pos)
            for event in page["events"]:
                # no log group in this output: the file names the function, as analyze does
                rows.append({"function": Path(path).stem,
                             "environment": event["logStreamName"],
                             "timestamp": float(event["timestamp"]),
                             "message": event["message"]})
    events = spark.createDataFrame(pd.DataFrame(rows))
    remote = analyze_spark_events(events, AnalyzeOptions(**options), invocations=True)
    ours, theirs = _json(remote), _json(local)
    for key in ("summary", "functions", "environments", "events", "invocations"):
        assert ours[key] == theirs[key], key
    aggregated = _json(analyze_spark_events(events, AnalyzeOptions(**options)), rows=False)
    for key in ("summary", "functions", "environments", "events"):
        assert aggregated[key] == theirs[key], key
    assert ours["input"]["records"] == theirs["input"]["records"]
    assert ours["summary"]["invocations"] > 0


def test_engine_option_is_checked(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["analyze", str(EXAMPLE), "--engine", "dask"])
    assert result.exit_code == 2
    assert "--engine" in result.stderr and "local" in result.stderr and "spark" in result.stderr


def test_spark_read_errors_and_stdin_are_the_local_ones(spark: Any, tmp_path: Path) -> None:
    runner = CliRunner()
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "blob.bin").write_bytes(bytes(range(256)) * 8)
    spark_args = ["--engine", "spark", "--spark-master", "local[2]"]
    for args in ([str(junk)], [str(tmp_path / "missing.log")]):
        local = runner.invoke(app, ["analyze", *args, "-q"])
        remote = runner.invoke(app, ["analyze", *args, "-q", *spark_args])
        assert local.exit_code == remote.exit_code == 2
        assert remote.stderr == local.stderr != ""
    text = EXAMPLE.read_text(encoding="utf-8")  # standard input: read on the driver
    local = runner.invoke(app, ["analyze", "-", "--format", "json", "-q"], input=text)
    remote = runner.invoke(app, ["analyze", "-", "--format", "json", "-q", *spark_args],
                           input=text)
    assert remote.exit_code == 0, remote.output
    assert json.loads(remote.stdout) == json.loads(local.stdout)


@pytest.mark.parametrize("name", ["overlap-exports", "overlap-twice", "split-files",
                                  "custom-stream", "json-format-filter"])
def test_files_read_apart_by_spark_join_as_one_local_read(spark: Any, name: str) -> None:
    """Files read by different executors: duplicates across them dropped and counted, a log
    split into parts named as one function, JSON initStart names, the input accounting and
    its warnings: all as one local read of the files gives."""
    from lamlife.lifecycle.spark import analyze_paths_spark

    paths, options = _case_paths(name)
    local = _json(analyze_paths(paths, AnalyzeOptions(**options)), rows=False)
    remote = _json(analyze_paths_spark(paths, AnalyzeOptions(**options), session=spark),
                   rows=False)
    assert remote == local
    assert local["summary"]["invocations"] > 0
    if name.startswith("overlap"):
        assert local["input"]["duplicates"] > 0
