"""The Spark engine: the per-environment lifecycle unit run on Apache Spark.

``analyze --engine spark`` and :func:`analyze_spark_events` group log events by
``(function, environment)`` and run ``lifecycle.engine.unit.environment_unit`` on every group
with ``groupBy(...).applyInPandas``; Spark also sums the per-group counts. The compact
invocation rows come back to the driver, where billing prices them and the report is built by
the same code as the local engine's (``pipeline.build_analysis``), so both engines give the
same report. Spark (``pip install 'lamlife[spark]'``, Java 17+) is imported only here and
only when asked for. Like the pipeline, this module wires rooms together; it never prints.

A Spark DataFrame of log events has the columns ``function``, ``environment`` (strings),
``timestamp`` (epoch ms) and ``message`` (the raw log message), e.g. CloudWatch export lines,
or the ``logEvents`` of subscription payloads read by Spark from S3 with ``logGroup`` turned
into the function and ``logStream`` into the environment. See docs/scale.md.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from lamlife.lifecycle.analysis import Analysis
from lamlife.lifecycle.aws import s3
from lamlife.lifecycle.engine.replay import EngineOptions
from lamlife.lifecycle.engine.unit import (
    COUNT_COLUMNS,
    RecordingSink,
    counts_from_rows,
    environment_unit,
    invocations_from_rows,
    orphans_from_rows,
    output_types,
    regions_from_rows,
)
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.pipeline import (
    AnalyzeOptions,
    Observed,
    analysis_from_observed,
    observed_invocations,
    price,
    with_account,
)
from lamlife.lifecycle.read import ReadOptions, read_inputs
from lamlife.lifecycle.read.seen import note_overlap_and_limits

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DEFAULT_MASTER = "local[*]"
GROUP_KEYS: tuple[str, ...] = ("function", "environment")
_SPARK_TYPES = {"str": "string", "float": "double", "int": "bigint"}


def require_pyspark() -> None:
    """Raise InputError (exit 2) with the install line when pyspark is missing."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise InputError("--engine spark needs pyspark: pip install 'lamlife[spark]' "
                         "(and Java 17 or later)") from None


def spark_session(master: str = DEFAULT_MASTER, app_name: str = "lamlife") -> SparkSession:
    """The active SparkSession, or a new one on ``master`` (``local[*]``, ``yarn``,
    ``spark://host:7077``). In local mode the Python workers run this interpreter."""
    require_pyspark()
    from pyspark.sql import SparkSession

    local = master.startswith("local")
    if local:  # workers run this interpreter; the driver listens on 127.0.0.1 only
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # pyspark warns about pandas versions it has not certified; the unit's own results are
    # checked against the local engine by the test suite
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support",
                            category=FutureWarning)
    try:
        builder: Any = SparkSession.builder
        builder = (builder.master(master).appName(app_name)
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
        if local:
            quiet = Path(__file__).with_name("spark-log4j2.properties")
            builder = (builder.config("spark.driver.host", "127.0.0.1")
                       .config("spark.driver.bindAddress", "127.0.0.1")
                       .config("spark.driver.extraJavaOptions",
                               f"-Dlog4j2.configurationFile={quiet.as_uri()}")
                       # one machine: a few shuffle partitions, not Spark's default 200 tasks
                       .config("spark.sql.shuffle.partitions", str(2 * (os.cpu_count() or 2))))
        session = builder.getOrCreate()
    except Exception as exc:  # no Java, bad master URL: one line, not a JVM stack trace
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot start Spark on {master}: {first}") from None
    session.sparkContext.setLogLevel("ERROR")
    return session


def unit_schema(keys: Sequence[str] = ()) -> str:
    """The Spark schema (DDL) of the unit's output rows, after any extra group ``keys``."""
    columns = [f"`{k}` string" for k in keys]
    columns += [f"`{name}` {_SPARK_TYPES[kind]}" for name, kind in output_types().items()]
    return ", ".join(columns)


def _unit_on_group(keys: Sequence[str], threshold_s: float
                   ) -> Callable[[pd.DataFrame], pd.DataFrame]:
    options = EngineOptions(threshold_s)

    def run(events: pd.DataFrame) -> pd.DataFrame:
        rows = environment_unit(events, options)
        for key in reversed(keys):  # extra group keys lead, as in unit_schema
            rows.insert(0, key, str(events[key].iloc[0]) if len(events) else "")
        return rows

    return run


def unit_rows(events: DataFrame, options: AnalyzeOptions | None = None,
              keys: Sequence[str] = ()) -> DataFrame:
    """The unit applied by Spark to every ``(*keys, function, environment)`` group of
    ``events`` (``UNIT_INPUT_COLUMNS``; ``record`` and ``seq`` may be absent)."""
    options = options or AnalyzeOptions()
    from pyspark.sql import functions as sf

    for name in ("record", "seq"):
        if name not in events.columns:
            events = events.withColumn(name, sf.lit(None).cast("string" if name == "record"
                                                               else "bigint"))
    if "message" not in events.columns:
        events = events.withColumn("message", sf.lit(None).cast("string"))
    events = events.withColumn("environment", sf.coalesce(sf.col("environment"), sf.lit("")))
    return events.groupBy(*keys, *GROUP_KEYS).applyInPandas(
        _unit_on_group(keys, options.proactive_threshold_s), schema=unit_schema(keys))


def collect_rows(rows: DataFrame) -> pd.DataFrame:
    """The unit rows on the driver: invocations and orphan events (the compact table), and
    the counts summed by Spark."""
    from pyspark.sql import functions as sf

    kept = rows.filter(sf.col("row") != "counts").toPandas()
    counted = rows.filter(sf.col("row") == "counts")
    totals = counted.agg(*(sf.sum(c).alias(c) for c in COUNT_COLUMNS)).collect()[0]
    regions = [r["regions"] for r in counted.filter(sf.col("regions") != "")
               .select("regions").collect()]
    counts = pd.DataFrame([{"row": "counts", **{c: int(totals[c] or 0) for c in COUNT_COLUMNS},
                            "regions": ""}]
                          + [{"row": "counts", "regions": text} for text in regions])
    return pd.concat([kept, counts], ignore_index=True)


def analyze_spark_events(events: DataFrame, options: AnalyzeOptions | None = None
                         ) -> Analysis:
    """The analysis of a Spark DataFrame of log events (``function``, ``environment``,
    ``timestamp`` in epoch ms, ``message``), computed per environment by Spark: the same
    Analysis ``pipeline.analyze_paths`` gives for the same events. Priced when
    ``options.billing`` is set (with the defaults: no fetched configuration travels in a
    DataFrame)."""
    from lamlife.lifecycle.analysis import InputStats

    options = options or AnalyzeOptions()
    rows = collect_rows(unit_rows(events, options))
    counts = counts_from_rows(rows)
    stats = InputStats(events=counts["events"], records=counts["records"],
                       ignored=counts["ignored"], malformed=counts["malformed"],
                       incomplete=counts["incomplete"], duplicates=counts["duplicates"])
    stats.regions = regions_from_rows(rows)
    observed = _observed(rows, stats, [])
    return with_account(price(analysis_from_observed(observed, [], options), options))


def analyze_paths_spark(paths: Sequence[str], options: AnalyzeOptions | None = None,
                        master: str = DEFAULT_MASTER,
                        progress: Callable[[int], None] | None = None,
                        session: SparkSession | None = None) -> Analysis:
    """``pipeline.analyze_paths`` with the lifecycle unit run on Spark.

    lamlife's readers turn every input (files, folders, ``s3://`` prefixes, stdin) into
    parsed platform records on the driver, in every format they read; Spark replays each
    environment's records, the driver prices and reports."""
    options = options or AnalyzeOptions()
    spark = session or spark_session(master)
    sink = RecordingSink()
    inputs = s3.resolve(paths, options.s3)
    read = read_inputs(inputs, ReadOptions(function=options.function), progress, sink)
    stats = read.stats
    records = sink.events_frame()
    # what was read, counted as pipeline.observe counts it (the sink kept the records too)
    stats.incomplete += sink.finish()
    stats.events = sink.counts.events
    for function, by_env in sink.regions().items():
        stats.regions.setdefault(function, {}).update(by_env)
    note_overlap_and_limits(sink, stats)
    if len(records):
        frame = spark.createDataFrame(records, schema=(
            "function string, environment string, timestamp double, message string, "
            "record string, seq bigint"))
        rows = collect_rows(unit_rows(frame, options))
    else:
        rows = pd.DataFrame({"row": pd.Series(dtype=object)})
    observed = _observed(rows, stats, list(read.classified), read.arrivals)
    return with_account(price(analysis_from_observed(observed, paths, options), options))


def _observed(rows: pd.DataFrame, stats: Any, classified: list[pd.DataFrame],
              arrivals: list[str] | None = None) -> Observed:
    if len(rows) and "function" in rows:
        engine_rows = [invocations_from_rows(rows)]
        orphans = orphans_from_rows(rows)
    else:
        engine_rows, orphans = [], []
    return Observed(
        observed_invocations([*engine_rows, *classified]), stats,
        orphan_init_failures=sum(1 for o in orphans if o.event == "init_failure"),
        unused_inits=sum(1 for o in orphans if o.event == "unused_init"),
        orphan_events=orphans, arrivals=list(arrivals or []))
