"""Reading inputs through Spark: every file (local, or an S3 object) read on an executor by
lamlife's own readers, the parsed platform records handed to the per-environment unit
without passing through the driver.

The driver lists the inputs (directories walked, zip archives opened, ``s3://`` prefixes
listed with ListObjectsV2) and sends one small task per file; an executor opens the file (an
S3 object with its own boto3 client), detects its format and reads it into a
``RecordingSink``, exactly as a local run reads that file. What ties files together is
settled afterwards, so that the result is the local one:

- names: the driver replays, in read order, the (function, log stream) pairs every file
  named (a few per file) through one ``RecordSink``'s naming, as a local read does, so
  parts of one log under several file names become one function
  (``read.overlap.Naming``), and JSON ``initStart`` function names apply as they would;
- read order: a record's sequence number is its file's index, then its place in the file;
- duplicates (the same event in two files) are dropped by the unit, which sees every record
  of an environment, and counted there;
- input counts (files, lines, formats, malformed, warnings) are added up over the files.

Standard input cannot be split per file and stays on the driver (``analyze_paths_spark``).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from lamlife.lifecycle.analysis import InputStats
from lamlife.lifecycle.aws import s3
from lamlife.lifecycle.aws.s3 import S3Options
from lamlife.lifecycle.engine.unit import RecordingSink
from lamlife.lifecycle.errors import LamlifeError
from lamlife.lifecycle.read import ReadOptions, read_inputs
from lamlife.lifecycle.read.collect import FILE_SEQ, MAX_EXAMPLES, RecordSink
from lamlife.lifecycle.read.context import Source
from lamlife.lifecycle.read.inputs import (
    file_named_warning,
    glued_warning,
    nothing_readable,
    option_names_named_input,
)
from lamlife.lifecycle.read.overlap import Naming
from lamlife.lifecycle.read.sources import discover

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

RECORD_SCHEMA = ("file bigint, code bigint, timestamp double, seq bigint, record string, "
                 "meta binary")


@dataclass(frozen=True)
class FileSpec:
    """One input file as an executor opens it: a local path (and zip member), or an S3
    object."""

    index: int
    name: str
    path: str = ""
    in_directory: bool = False
    member: str = ""
    bucket: str = ""
    key: str = ""


def can_split(paths: Sequence[str]) -> bool:
    """Inputs Spark reads file by file: everything but standard input."""
    return "-" not in paths


def list_inputs(paths: Sequence[str], options: S3Options | None = None) -> list[FileSpec]:
    """Every file the inputs stand for, in the order a local read reads them (directories
    walked, zip archives opened, ``s3://`` prefixes listed). Raises InputError as a local
    read does for a missing path or an empty prefix."""
    specs: list[FileSpec] = []
    for source in discover(s3.resolve(paths, options)):
        if source.opener is not None:  # an S3 object: bucket/key
            assert source.path is not None
            bucket, _sep, key = source.path.as_posix().partition("/")
            specs.append(FileSpec(len(specs), source.name, in_directory=source.in_directory,
                                  bucket=bucket, key=key))
        else:
            specs.append(FileSpec(len(specs), source.name,
                                  str(source.path) if source.path is not None else "",
                                  source.in_directory, source.member))
    return specs


def _source(spec: FileSpec, options: S3Options | None) -> Source:
    if spec.bucket:
        clients = s3.connect(options.profile if options else None, None,
                             options.endpoint_url if options else None, services=("s3",),
                             default_region="us-east-1")
        return s3._source(clients, spec.bucket, spec.key, in_directory=spec.in_directory)
    return Source(spec.name, Path(spec.path), spec.in_directory, spec.member)


def read_file(spec: FileSpec, read: ReadOptions, options: S3Options | None
              ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One file read alone by lamlife's readers: its records (``code`` is the file's own
    environment code) and what the driver needs to put files together (``meta``)."""
    sink = RecordingSink()
    try:
        result = read_inputs([_source(spec, options)], read, None, sink,
                             require_readable=False)
    except LamlifeError as exc:  # raised by the driver in read order (its exit code kept)
        return _no_rows(), {"error": exc}
    rows = sink.rows
    frame = pd.DataFrame({
        "code": pd.Series([r[0] for r in rows], dtype="int64"),
        "timestamp": pd.Series([r[1] for r in rows], dtype="float64"),
        "seq": pd.Series([spec.index * FILE_SEQ + r[2] for r in rows], dtype="int64"),
        "record": pd.Series([r[3] for r in rows], dtype=object),
    })
    meta = {"stats": result.stats, "events": sink.counts.events,
            "keys": sink.keys_seen, "record_names": sink.record_names,
            "fallback": sorted(sink.fallback_functions),
            "default_named": dict(sink.default_named),
            "content_named": sorted(sink.content_named),
            "env_regions": dict(sink.env_regions),
            "function_regions": dict(sink.function_regions),
            "classified": result.classified, "arrivals": result.arrivals,
            "glued": (sink.counts.glued, sink.counts.glued_first)}
    return frame, meta


def _no_rows() -> pd.DataFrame:
    return pd.DataFrame({"code": pd.Series(dtype="int64"),
                         "timestamp": pd.Series(dtype="float64"),
                         "seq": pd.Series(dtype="int64"),
                         "record": pd.Series(dtype=object)})


def _read_partition(read: ReadOptions, options: S3Options | None
                    ) -> Any:
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            for blob in batch["spec"]:
                spec: FileSpec = pickle.loads(blob)
                frame, meta = read_file(spec, read, options)
                frame.insert(0, "file", spec.index)
                frame["meta"] = None
                head = pd.DataFrame({"file": [spec.index], "code": [-1],
                                     "timestamp": [0.0], "seq": [0], "record": [None],
                                     "meta": [pickle.dumps(meta,
                                                           protocol=pickle.HIGHEST_PROTOCOL)]})
                yield pd.concat([head, frame], ignore_index=True)

    return run


@dataclass
class SparkRead:
    """What ``read_with_spark`` returns: the unit's input as a Spark DataFrame (persisted:
    call ``release`` when done), and the input accounting the driver put together."""

    events: DataFrame
    stats: InputStats
    classified: list[pd.DataFrame]
    arrivals: list[str]
    records: DataFrame

    def release(self) -> None:
        self.records.unpersist()


def read_with_spark(spark: SparkSession, paths: Sequence[str], function: str | None = None,
                    options: S3Options | None = None, selects: str | None = None
                    ) -> SparkRead:
    """Every input file read on the executors (see the module docstring). Raises what a
    local read raises: InputError for the first unreadable file in read order or nothing
    readable, AwsAccessError when an executor cannot read an S3 object.

    ``function`` names input that carries no function name unless other inputs name theirs:
    then the files are read again without it (``selects``: the name, for the warning), as
    ``pipeline.read_named`` does."""
    from pyspark.sql import functions as sf

    specs = list_inputs(paths, options)
    tasks = pd.DataFrame({"spec": [pickle.dumps(s) for s in specs]})
    read = ReadOptions(function=function)
    frame = spark.createDataFrame(tasks, schema="spec binary").repartition(
        max(1, min(len(specs), spark.sparkContext.defaultParallelism * 4)))
    records = frame.mapInPandas(_read_partition(read, options),
                                schema=RECORD_SCHEMA).persist()
    metas = {int(r["file"]): pickle.loads(r["meta"]) for r in
             records.filter(sf.col("code") == -1).select("file", "meta").collect()}
    for spec in specs:
        if "error" in metas[spec.index]:
            records.unpersist()
            raise metas[spec.index]["error"]
    stats, names = _put_together([metas[s.index] for s in specs])
    if stats.files == 0:
        records.unpersist()
        raise nothing_readable(list(paths))
    classified = [c for s in specs for c in metas[s.index]["classified"]]
    functions = {str(f) for f in names["function"]} | {
        str(f) for part in classified for f in part["function"].unique()}
    default_named = {k: v for s in specs for k, v in metas[s.index]["default_named"].items()}
    if function is not None and option_names_named_input(
            function, default_named,
            [n for s in specs for n in metas[s.index]["content_named"]], functions):
        records.unpersist()
        return read_with_spark(spark, paths, None, options, selects=function)
    if selects is not None:
        warning = file_named_warning(selects, default_named, functions)
        if warning:
            stats.warnings.append(warning)
    table = spark.createDataFrame(names, schema="file bigint, code bigint, "
                                                "function string, environment string")
    events = (records.filter(sf.col("code") >= 0).join(sf.broadcast(table), ["file", "code"])
              .select("function", "environment", "timestamp",
                      sf.lit(None).cast("string").alias("message"), "record", "seq"))
    arrivals = [a for s in specs for a in metas[s.index]["arrivals"]]
    return SparkRead(events, stats, classified, arrivals, records)


def _put_together(metas: Sequence[dict[str, Any]]) -> tuple[InputStats, pd.DataFrame]:
    """The input accounting of all files, and the (file, code) -> (function, environment)
    table: the files' pairs named in read order by one sink, as a local read names them."""
    sink = RecordSink()
    sink.fallback_functions = {f for m in metas for f in m["fallback"]}
    naming = Naming(sink.fallback_functions)
    sink.naming = naming
    codes: list[tuple[int, int, int]] = []  # file, its code, the shared code
    for index, meta in enumerate(metas):
        for function, environment, code in meta["keys"]:
            shared = sink.env_code(function, environment)
            codes.append((index, code, shared))
            name = meta["record_names"].get(code)
            if name is not None:
                sink.function_from_record.setdefault(shared, name)
    for code, name in naming.display_names(sink.environments).items():
        sink.function_from_record.setdefault(code, name)
    stats = InputStats()
    glued, glued_first = 0, ""
    for meta in metas:
        part: InputStats = meta["stats"]
        stats.files += part.files
        stats.lines += part.lines
        stats.events += meta["events"]
        stats.records += part.records
        stats.ignored += part.ignored
        stats.malformed += part.malformed
        stats.malformed_examples.extend(part.malformed_examples)
        for fmt, n in part.formats.items():
            stats.formats[fmt] = stats.formats.get(fmt, 0) + n
        stats.configurations.update(part.configurations)
        # glued events: one warning for all files, as one local read gives (read_inputs)
        cut, where = meta.get("glued", (0, ""))
        own = glued_warning(cut, where) if cut else None
        stats.warnings.extend(w for w in part.warnings if w != own)
        if cut:
            glued += cut
            glued_first = glued_first or where
    stats.malformed_examples = stats.malformed_examples[:MAX_EXAMPLES]
    for name, names in naming.joined.items():
        stats.warnings.append(f"inputs named {', '.join(names)} share log streams: read as one "
                              f"function, {name} (pass --function NAME to name it)")
    if glued:
        stats.warnings.append(glued_warning(glued, glued_first))
    final = {shared: (sink.function_from_record.get(shared, sink.environments[shared][0]),
                      sink.environments[shared][1]) for _f, _c, shared in codes}
    table = pd.DataFrame({
        "file": pd.Series([f for f, _c, _s in codes], dtype="int64"),
        "code": pd.Series([c for _f, c, _s in codes], dtype="int64"),
        "function": pd.Series([final[s][0] for _f, _c, s in codes], dtype=object),
        "environment": pd.Series([final[s][1] for _f, _c, s in codes], dtype=object),
    }).drop_duplicates(["file", "code"])
    for index, meta in enumerate(metas):
        for function, region in meta["function_regions"].items():
            stats.regions.setdefault(function, {})[""] = region
        lookup = {c: final[s] for f, c, s in codes if f == index}
        for code, region in meta["env_regions"].items():
            function, environment = lookup[code]
            stats.regions.setdefault(function, {})[environment] = region
    return stats, table
