"""`lamlife analyze`: read logs, replay the lifecycle, print the report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lamlife.cli.app import app
from lamlife.cli.common import (
    byte_progress,
    resolve_format,
    user_errors,
    warn_input,
    write_output,
)
from lamlife.cli.pricing import (
    ArchitectureOption,
    MonthlyGbSecondsOption,
    PackageOption,
    PricingOption,
    ProvisionedOption,
    RegionOption,
    RuntimeOption,
    billing_options,
)
from lamlife.lifecycle.aws.s3 import S3Options
from lamlife.lifecycle.billing.prices import load_table
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths
from lamlife.reports import FORMATS, render
from lamlife.reports.cost import cost_sections
from lamlife.reports.tables import render_terminal

PathsArg = Annotated[
    list[str],
    typer.Argument(help="Log files, directories (read recursively, .gz too), s3://bucket/prefix/ "
                        "or - for stdin.",
                   show_default=False),
]
FunctionOpt = Annotated[
    str | None,
    typer.Option("--function", "-f",
                 help="Function name for inputs that carry no log group (default: file name)."),
]
ProactiveOpt = Annotated[
    float,
    typer.Option("--proactive-threshold", min=0.0,
                 help="Seconds from INIT_START to the first START above which an init counts "
                      "as proactive (docs/lifecycle.md)."),
]


@app.command("analyze")
def analyze(
    paths: PathsArg,
    fmt: Annotated[str | None, typer.Option(
        "--format", help="table | json | csv | markdown | html (default: from --output's "
                         "extension, else table on a terminal, json when piped).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o",
                                                help="Write the report to FILE.")] = None,
    invocations: Annotated[bool, typer.Option(
        "--invocations", help="JSON: add the per-invocation list.")] = False,
    function: FunctionOpt = None,
    top: Annotated[int, typer.Option("--top", min=1,
                                     help="Environments to show in the table.")] = 10,
    sort_by: Annotated[str, typer.Option(
        "--sort", help="Order environments by invocations or lifetime.")] = "invocations",
    max_events: Annotated[int, typer.Option("--max-events", min=0,
                                            help="Flagged events to show.")] = 20,
    proactive_threshold: ProactiveOpt = 10.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q",
                                        help="No progress or warnings on stderr.")] = False,
    region: RegionOption = None,
    architecture: ArchitectureOption = None,
    pricing: PricingOption = None,
    package: PackageOption = None,
    runtime: RuntimeOption = None,
    provisioned: ProvisionedOption = None,
    monthly_gb_seconds: MonthlyGbSecondsOption = None,
    profile: Annotated[str | None, typer.Option(
        help="AWS profile for s3:// inputs (else AWS_PROFILE).")] = None,
    endpoint_url: Annotated[str | None, typer.Option(
        help="S3 endpoint URL for s3:// inputs.")] = None,
    engine: Annotated[str, typer.Option(
        "--engine", help="local, or spark: replay the environments on Apache Spark "
                         "(pip install 'lamlife\\[spark]').")] = "local",
    spark_master: Annotated[str, typer.Option(
        "--spark-master", help="Spark master URL for --engine spark.")] = "local[*]",
) -> None:
    """Classify every invocation (cold, warm, proactive, provisioned, restore, reinit) and report.

    Reads aws logs tail, sam logs, filter-log-events / get-log-events JSON (and JSON lines),
    Logs Insights and console CSV exports, S3 export trees, JSON log format records, and
    lamlife's own CSV. Exit codes: 0 ok, 2 bad usage or unreadable input.
    """
    with user_errors():
        if sort_by not in ("invocations", "lifetime"):
            raise InputError(f"--sort must be invocations or lifetime, not {sort_by!r}")
        if engine not in ("local", "spark"):
            raise InputError(f"--engine must be local or spark, not {engine!r}")
        chosen = resolve_format(fmt, output, FORMATS)
        options = AnalyzeOptions(
            function=function, proactive_threshold_s=proactive_threshold,
            billing=billing_options(region, architecture, package, runtime, provisioned,
                                    monthly_gb_seconds),
            price_table=load_table(pricing), strict_billing=bool(region or pricing),
            s3=S3Options(profile, endpoint_url))
        with byte_progress(paths, quiet) as progress:
            if engine == "spark":
                from lamlife.lifecycle.spark import analyze_paths_spark, require_pyspark

                require_pyspark()
                analysis = analyze_paths_spark(paths, options, spark_master, progress)
            else:
                analysis = analyze_paths(paths, options, progress)
        extras = cost_sections(analysis.summary["cost"]) if "cost" in analysis.summary else []
        warn_input(analysis.input, quiet)
        if chosen == "table" and output is None:
            render_terminal(analysis, Console(), top=top, sort_by=sort_by, max_events=max_events,
                            extra_sections=extras)
            return
        text = render(analysis, chosen, include_invocations=invocations, top=top,
                      sort_by=sort_by, max_events=max_events, extra_sections=extras)
        write_output(text, output)
