"""The Spark engine: the per-environment lifecycle unit, pricing and the report's aggregates
run on Apache Spark.

``analyze --engine spark`` (``analyze_paths_spark``) has the executors read the input files
(``spark_read``), groups the log events by ``(function, environment)`` and runs
``lifecycle.engine.unit.environment_unit`` on every group with
``groupBy(...).applyInPandas``; then groups the invocation rows by function and runs
``distributed.function_part`` on each (causes, time window, pricing by
``billing.rules.price_invocations``, the function's share of every table), while Spark
computes the percentiles and the analysed window over all rows. The driver merges the parts
(``distributed.merge_parts``) into the Analysis a local run gives. Where the output shows
every invocation (``invocations=True``: ``--invocations``, CSV, HTML) the rows come to the
driver instead, which prices and summarizes them as the local engine does. Spark
(``pip install 'lamlife[spark]'``, Java 17+) is imported only here and only when asked for.
Like the pipeline, this module wires rooms together; it never prints.

A Spark DataFrame of log events (``analyze_spark_events``) has the columns ``function``,
``environment`` (strings), ``timestamp`` (epoch ms) and ``message`` (the raw log message),
e.g. CloudWatch export lines, or the ``logEvents`` of subscription payloads read by Spark
from S3 with ``logGroup`` turned into the function and ``logStream`` into the environment.
See docs/scale.md.
"""

from __future__ import annotations

import os
import pickle
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.analysis import Analysis, InputStats
from lamlife.lifecycle.aws import s3
from lamlife.lifecycle.billing.prices import PriceTable
from lamlife.lifecycle.billing.rules import BillingOptions, price_invocations
from lamlife.lifecycle.distributed import (
    PartOptions,
    function_part,
    merge_parts,
    percentiles_of_counts,
    pricing_window,
)
from lamlife.lifecycle.engine.replay import EngineOptions, OrphanEvent
from lamlife.lifecycle.engine.summarize import (
    AHEAD_OF_DEMAND,
    PERCENTILE_COLUMNS,
    empty_invocations,
)
from lamlife.lifecycle.engine.unit import (
    COUNT_COLUMNS,
    RecordingSink,
    environment_unit,
    invocations_from_rows,
    orphans_from_rows,
    output_types,
    regions_from_rows,
    seen_from_rows,
)
from lamlife.lifecycle.errors import InputError, LamlifeError
from lamlife.lifecycle.pipeline import (
    AnalyzeOptions,
    Observed,
    TimeWindow,
    analysis_from_observed,
    narrow,
    observed_invocations,
    price,
    read_again,
    with_account,
)
from lamlife.lifecycle.read import ReadOptions, read_inputs
from lamlife.lifecycle.read.seen import note_overlap_and_limits, note_seen
from lamlife.lifecycle.spark_read import can_split, read_with_spark

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


def spark_session(master: str = DEFAULT_MASTER, app_name: str = "lamlife",
                  config: dict[str, str] | None = None) -> SparkSession:
    """The active SparkSession, or a new one on ``master`` (``local[*]``, ``yarn``,
    ``spark://host:7077``) with ``config`` added (Spark properties, e.g.
    ``spark.executorEnv.NAME``). In local mode the Python workers run this interpreter."""
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
        for key, value in (config or {}).items():
            builder = builder.config(key, value)
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


def analyze_spark_events(events: DataFrame, options: AnalyzeOptions | None = None,
                         invocations: bool = False) -> Analysis:
    """The analysis of a Spark DataFrame of log events (``function``, ``environment``,
    ``timestamp`` in epoch ms, ``message``), computed by Spark: the same Analysis
    ``pipeline.analyze_paths`` gives for the same events. Priced when ``options.billing`` is
    set (with the defaults: no fetched configuration travels in a DataFrame).

    ``invocations`` False (the default): Spark replays, prices and aggregates, and the
    driver receives per-function parts (``analyze_unit_rows``); the Analysis' invocation
    table then holds only the flagged invocations and the first of every function version.
    True: every invocation row comes back to the driver, which prices and summarizes them
    (what ``--invocations``, CSV and HTML output need)."""
    from lamlife.lifecycle.analysis import InputStats

    options = options or AnalyzeOptions()
    rows = unit_rows(events, options).persist()
    try:
        counts, regions = _counts(rows)
        stats = InputStats(events=counts["events"], records=counts["records"],
                           ignored=counts["ignored"], malformed=counts["malformed"],
                           incomplete=counts["incomplete"], duplicates=counts["duplicates"])
        stats.regions = regions
        if invocations or not aggregated(options):
            observed = _observed(collect_rows(rows), stats, [])
            return with_account(price(analysis_from_observed(observed, [], options), options))
        return analyze_unit_rows(rows, stats, options)
    finally:
        rows.unpersist()


def aggregated(options: AnalyzeOptions) -> bool:
    """Whether Spark can price and aggregate (else the rows come to the driver): not when
    duration is priced on top of a monthly volume (``--monthly-gb-seconds``), whose tiers
    run over every function of a Region in time order."""
    return options.billing is None or options.billing.monthly_gb_seconds is None


def _counts(rows: DataFrame) -> tuple[dict[str, int], dict[str, dict[str, str]]]:
    """The unit's count rows summed by Spark, and the Regions they name."""
    from pyspark.sql import functions as sf

    counted = rows.filter(sf.col("row") == "counts")
    totals = counted.agg(*(sf.sum(c).alias(c) for c in COUNT_COLUMNS)).collect()[0]
    texts = [r["regions"] for r in counted.filter(sf.col("regions") != "")
             .select("regions").collect()]
    return ({c: int(totals[c] or 0) for c in COUNT_COLUMNS},
            regions_from_rows(pd.DataFrame({"regions": texts})))


def analyze_unit_rows(rows: DataFrame, stats: InputStats, options: AnalyzeOptions
                      ) -> Analysis:
    """The Analysis of the unit's rows (``unit_rows``), priced and aggregated by Spark.

    Spark groups the invocation rows by function and runs ``distributed.function_part`` on
    every group (causes of cold starts, the time window, pricing with
    ``billing.rules.price_invocations``, the environment, function, account and cost
    tables); it also computes the duration percentiles of all invocations and the
    analysed window. The driver receives one part per function, the orphan events and
    those aggregates, and merges them (``distributed.merge_parts``)."""
    from pyspark.sql import functions as sf

    orphans = orphans_from_rows(rows.filter(sf.col("row") == "orphan").toPandas())
    invocations = rows.filter(sf.col("row") == "invocation")
    present = [r["function"] for r in invocations.select("function").distinct().collect()]
    probe = pd.DataFrame({"function": pd.Series(present, dtype=object),
                          "start": pd.Series(pd.NaT, index=range(len(present)),
                                             dtype="datetime64[ns, UTC]")})
    # --function names that are not there: narrow's own error; the orphan events it keeps
    _probe, orphans, _left = narrow(probe, orphans, options)
    keep = [f for f in present if not options.select or f in set(options.select)]
    if options.functions:
        keep = [f for f in keep if f in set(options.functions)]
        orphans = [e for e in orphans if e.function in set(options.functions)]
    if len(keep) < len(present):
        invocations = invocations.filter(sf.col("function").isin(keep))
    inside = _inside(invocations, options.window)
    distributions, span, first, last = _aggregates(invocations, inside)
    billing, table = options.billing, options.price_table
    if billing is not None and table is not None:
        problem = _price_problem(billing, table, stats)
        if problem is not None:
            stats.warnings.append(f"cost not computed: {problem}")
            billing = table = None
        else:
            billing = pricing_window(billing, stats.configurations, first, last)
    part_options = PartOptions(
        window=options.window, billing=billing, table=table,
        configurations=stats.configurations, regions=stats.regions,
        orphan_init_failures=_orphan_failures(orphans))
    parts = [pickle.loads(r["part"]) for r in invocations.groupBy("function").applyInPandas(
        _part_of_function(part_options), schema="function string, part binary").collect()]
    merged = replace(options, billing=billing, price_table=table)
    return merge_parts(parts, stats, orphans, distributions, merged, span)


def _part_of_function(options: PartOptions) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def run(rows: pd.DataFrame) -> pd.DataFrame:
        invocations = observed_invocations([invocations_from_rows(rows)])
        part = function_part(invocations, options)
        return pd.DataFrame({"function": [part["function"]],
                             "part": [pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL)]})

    return run


def _orphan_failures(orphans: Sequence[OrphanEvent]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for event in orphans:
        if event.event == "init_failure":
            out.setdefault(event.function, []).append(event.environment)
    return out


def _price_problem(billing: BillingOptions, table: PriceTable, stats: InputStats
                   ) -> str | None:
    """Why pricing cannot run at all (``price_or_explain``'s reason), raised when strict:
    the checks ``price_invocations`` makes before any row (an unknown ``--region``)."""
    try:
        price_invocations(empty_invocations(), billing, table, stats.configurations,
                          stats.regions)
    except LamlifeError as exc:
        return str(exc)
    return None


_NAT_US = int(np.iinfo(np.int64).min)  # pandas' NaT as epoch microseconds (unit._to_us)


def _inside(invocations: DataFrame, window: TimeWindow | None) -> Any:
    """A Spark condition: the invocation started inside the time window (``narrow``'s rule:
    since <= start < until, on the start time in microseconds)."""
    from pyspark.sql import functions as sf

    condition = sf.lit(True)
    if window is None:
        return condition
    if window.since_ms is not None:
        since_ns = pd.Timestamp(window.since_ms, unit="ms", tz="UTC").value
        condition = condition & (sf.col("start_us") >= -(-since_ns // 1000))
    if window.until_ms is not None:
        until_ns = pd.Timestamp(window.until_ms, unit="ms", tz="UTC").value
        condition = condition & (sf.col("start_us") < -(-until_ns // 1000))
    return condition & (sf.col("start_us") != _NAT_US)


def _aggregates(invocations: DataFrame, inside: Any
                ) -> tuple[dict[str, dict[str, Any]], tuple[pd.Timestamp, pd.Timestamp] | None,
                           pd.Timestamp | None, pd.Timestamp | None]:
    """Spark's aggregates over all the invocation rows: the percentiles of Init Duration,
    Restore Duration and Duration inside the window (``summarize.PERCENTILE_COLUMNS``, from
    each distinct value and its count, exactly as ``summarize.percentiles``), the first and
    last start before the window, and the first start and last start or end inside it."""
    from pyspark.sql import functions as sf

    def time(column: str) -> Any:
        return sf.when(sf.col(column) != _NAT_US, sf.col(column))

    # Init Durations a caller waited for, and those ahead of demand, apart
    # (summarize.split_inits)
    ahead = sf.col("start_type").isin(list(AHEAD_OF_DEMAND))
    frame = invocations.select(
        inside.alias("inside"),
        sf.when(~ahead, sf.col("init_duration_ms")).alias("init_duration_ms"),
        sf.when(ahead, sf.col("init_duration_ms")).alias("init_ahead_of_demand_ms"),
        # Restore Durations of restores (summarize.restore_samples)
        sf.when(sf.col("start_type") == "restore",
                sf.col("restore_duration_ms")).alias("restore_duration_ms"),
        sf.col("duration_ms"), time("start_us").alias("start"), time("end_us").alias("end"))
    outside = frame.agg(sf.min("start").alias("a"), sf.max("start").alias("b")).collect()[0]
    kept = frame.filter(sf.col("inside"))
    row = kept.agg(sf.min("start").alias("first"), sf.max("start").alias("last_start"),
                   sf.max("end").alias("last_end")).collect()[0]
    distributions: dict[str, dict[str, Any]] = {}
    for column in PERCENTILE_COLUMNS:
        counted = (kept.filter(sf.col(column).isNotNull() & ~sf.isnan(sf.col(column)))
                   .groupBy(column).count().toPandas())
        distributions[column] = percentiles_of_counts(counted[column].to_numpy(),
                                                      counted["count"].to_numpy())

    def stamp(us: Any) -> pd.Timestamp | None:
        return None if us is None else pd.Timestamp(int(us), unit="us", tz="UTC")

    span = None
    if outside["a"] is not None:
        span = (pd.Timestamp(int(outside["a"]), unit="us", tz="UTC"),
                pd.Timestamp(int(outside["b"]), unit="us", tz="UTC"))
    ends = [t for t in (row["last_start"], row["last_end"]) if t is not None]
    return distributions, span, stamp(row["first"]), stamp(max(ends) if ends else None)


def analyze_paths_spark(paths: Sequence[str], options: AnalyzeOptions | None = None,
                        master: str = DEFAULT_MASTER,
                        progress: Callable[[int], None] | None = None,
                        session: SparkSession | None = None,
                        invocations: bool = False) -> Analysis:
    """``pipeline.analyze_paths`` run on Spark (``invocations``: see
    ``analyze_spark_events``).

    Files, folders and ``s3://`` prefixes are read on the executors, one task per file
    (``spark_read``); standard input is read on the driver. Spark replays each
    environment's records, prices and aggregates."""
    options = options or AnalyzeOptions()
    spark = session or spark_session(master)
    if not can_split(paths):
        return _analyze_read_on_driver(spark, paths, options, progress, invocations)
    read = read_with_spark(spark, paths, options.function, options.s3)
    try:
        rows = unit_rows(read.events, options).persist()
        try:
            counts, regions = _counts(rows)
            stats = read.stats
            stats.incomplete += counts["incomplete"]
            for function, by_env in regions.items():
                stats.regions.setdefault(function, {}).update(by_env)
            seen, report_only = seen_from_rows(rows.filter(sf_col("row") == "counts")
                                               .select("seen").toPandas())
            note_seen(stats, seen, counts["duplicates"], report_only)
            simple = not read.classified and not read.arrivals and aggregated(options)
            if simple and not invocations:
                return analyze_unit_rows(rows, stats, options)
            collected = collect_rows(rows)
        finally:
            rows.unpersist()
    finally:
        read.release()
    observed = _observed(collected, stats, list(read.classified), read.arrivals)
    return with_account(price(analysis_from_observed(observed, paths, options), options))


def sf_col(name: str) -> Any:
    """``pyspark.sql.functions.col`` (imported when Spark runs)."""
    from pyspark.sql import functions as sf

    return sf.col(name)


def _analyze_read_on_driver(spark: SparkSession, paths: Sequence[str],
                            options: AnalyzeOptions, progress: Callable[[int], None] | None,
                            invocations: bool) -> Analysis:
    """Standard input: lamlife's readers parse it on the driver; Spark replays, prices and
    aggregates."""
    sink = RecordingSink()
    inputs = s3.resolve(paths, options.s3)
    read = read_inputs(inputs, ReadOptions(function=options.function), progress, sink)
    read_again(read, options.function, paths)  # stdin cannot be read again: InputError
    stats = read.stats
    records = sink.events_frame()
    # what was read, counted as pipeline.observe counts it (the sink kept the records too)
    stats.incomplete += sink.finish()
    stats.events = sink.counts.events
    for function, by_env in sink.regions().items():
        stats.regions.setdefault(function, {}).update(by_env)
    note_overlap_and_limits(sink, stats)
    frame = spark.createDataFrame(records, schema=(
        "function string, environment string, timestamp double, message string, "
        "record string, seq bigint"))
    rows = unit_rows(frame, options).persist()
    try:
        simple = not read.classified and not read.arrivals and aggregated(options)
        if simple and not invocations:
            return analyze_unit_rows(rows, stats, options)
        collected = (collect_rows(rows) if len(records)
                     else pd.DataFrame({"row": pd.Series(dtype=object)}))
    finally:
        rows.unpersist()
    observed = _observed(collected, stats, list(read.classified), read.arrivals)
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
