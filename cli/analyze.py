"""`lamlife analyze`: read logs, replay the lifecycle, print the report."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lamlife.cli.app import app
from lamlife.cli.common import (
    byte_progress,
    resolve_format,
    user_errors,
    warn_input,
    warn_unused_invocations,
    write_output,
)
from lamlife.cli.options import (
    PANEL_AWS,
    PANEL_INPUT,
    PANEL_OUTPUT,
    Billing,
    Engine,
    FormatOpt,
    FunctionOpt,
    InvocationsOpt,
    OutputOpt,
    PathsArg,
    ProactiveOpt,
    QuietOpt,
    SinceOpt,
    SortKey,
    TopOpt,
    UntilOpt,
    choice,
    with_billing_options,
)

# Kept for modules that import these names from here.
__all__ = ["FunctionOpt", "PathsArg", "ProactiveOpt", "analyze"]


@app.command("analyze")
@with_billing_options()
def analyze(
    paths: PathsArg,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    invocations: InvocationsOpt = False,
    function: FunctionOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    top: TopOpt = 10,
    sort_by: Annotated[SortKey, typer.Option(
        "--sort", help="Order environments by invocations or lifetime.",
        rich_help_panel=PANEL_OUTPUT)] = SortKey.invocations,
    max_events: Annotated[int, typer.Option("--max-events", min=0,
                                            help="Flagged events to show.",
                                            rich_help_panel=PANEL_OUTPUT)] = 20,
    proactive_threshold: ProactiveOpt = 10.0,
    quiet: QuietOpt = False,
    profile: Annotated[str | None, typer.Option(
        help="AWS profile for s3:// inputs (else AWS_PROFILE).",
        rich_help_panel=PANEL_AWS)] = None,
    endpoint_url: Annotated[str | None, typer.Option(
        help="S3 endpoint URL for s3:// inputs.", rich_help_panel=PANEL_AWS)] = None,
    engine: Annotated[Engine, typer.Option(
        "--engine", help="local, or spark: replay the environments on Apache Spark "
                         "(pip install 'lamlife\\[spark]').",
        rich_help_panel=PANEL_INPUT)] = Engine.local,
    spark_master: Annotated[str, typer.Option(
        "--spark-master", help="Spark master URL for --engine spark.",
        rich_help_panel=PANEL_INPUT)] = "local[*]",
    *,
    billing: Billing,
) -> None:
    """Classify every invocation (cold, warm, proactive, provisioned, restore, reinit) and report.

    Reads aws logs tail, sam logs, filter-log-events / get-log-events JSON (and JSON lines),
    Logs Insights and console CSV exports, S3 export trees, JSON log format records, and
    lamlife's own CSV. Exit codes: 0 ok, 2 bad usage or unreadable input, 3 AWS access failed
    (s3:// input).
    """
    from rich.console import Console

    from lamlife.lifecycle.aws.s3 import S3Options
    from lamlife.lifecycle.pipeline import AnalyzeOptions, analyze_paths, time_window
    from lamlife.reports import FORMATS, render
    from lamlife.reports.cost import cost_sections
    from lamlife.reports.tables import render_terminal

    with user_errors():
        sort_key = choice(sort_by) or "invocations"
        chosen = resolve_format(choice(fmt), output, FORMATS)
        names = tuple(function or ())
        options = AnalyzeOptions(
            function=names[0] if len(names) == 1 else None,
            proactive_threshold_s=proactive_threshold,
            select=names,
            window=time_window(since, until),
            billing=billing.options(), price_table=billing.table(),
            strict_billing=billing.strict,
            s3=S3Options(profile, endpoint_url))
        with byte_progress(paths, quiet) as progress:
            if choice(engine) == "spark":
                from lamlife.lifecycle.spark import analyze_paths_spark, require_pyspark

                require_pyspark()
                # the report's aggregates come from Spark; every row only when it is shown
                analysis = analyze_paths_spark(paths, options, spark_master, progress,
                                               invocations=invocations
                                               or chosen in ("csv", "html"))
            else:
                analysis = analyze_paths(paths, options, progress)
        extras: list[Any] = (cost_sections(analysis.summary["cost"])
                             if "cost" in analysis.summary else [])
        warn_input(analysis.input, quiet)
        warn_unused_invocations(chosen, invocations, quiet)
        if chosen == "table" and output is None:
            render_terminal(analysis, Console(), top=top, sort_by=sort_key,
                            max_events=max_events, extra_sections=extras)
            return
        text = render(analysis, chosen, include_invocations=invocations, top=top,
                      sort_by=sort_key, max_events=max_events, extra_sections=extras)
        write_output(text, output)
