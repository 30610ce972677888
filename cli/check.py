"""`lamlife check` and `lamlife baseline`: a cold-start and cost gate for CI (docs/check.md)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lamlife.cli.analyze import FunctionOpt, PathsArg, ProactiveOpt
from lamlife.cli.app import app
from lamlife.cli.common import (
    byte_progress,
    resolve_format,
    user_errors,
    warn,
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
from lamlife.lifecycle import __version__
from lamlife.lifecycle.billing.prices import load_table
from lamlife.lifecycle.check.budget import (
    Baseline,
    Budget,
    Verdict,
    baseline_document,
    evaluate,
    failed,
    load_baseline,
    load_budget,
    save_baseline,
)
from lamlife.lifecycle.check.gate import Measurement, measure, require_billing
from lamlife.lifecycle.errors import InputError
from lamlife.lifecycle.pipeline import AnalyzeOptions
from lamlife.reports.check_report import (
    headline,
    message,
    render_json,
    render_junit,
    render_markdown,
    render_table,
)
from lamlife.reports.html import render_check_html

CHECK_FORMATS: tuple[str, ...] = ("table", "markdown", "json", "junit", "html")

BudgetOpt = Annotated[
    Path,
    typer.Option(
        "--budget",
        "-b",
        help="Budget YAML: limits on the metrics (docs/check.md).",
        show_default=False,
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or warnings on stderr.")]


def _measure(
    paths: list[str],
    function: str | None,
    proactive_threshold: float,
    selection: tuple[str, ...] | None,
    quiet: bool,
    region: str | None,
    architecture: str | None,
    pricing: Path | None,
    package: str | None,
    runtime: str | None,
    provisioned: int | None,
    monthly_gb_seconds: float | None,
) -> Measurement:
    billing = billing_options(
        region, architecture, package, runtime, provisioned, monthly_gb_seconds
    )
    table = load_table(pricing)
    options = AnalyzeOptions(function=function, proactive_threshold_s=proactive_threshold)
    with byte_progress(paths, quiet) as progress:
        # A price problem the user asked for (--region, --pricing) is an error, one from the
        # input or the defaults only a warning: the same rule as `lamlife analyze`.
        return measure(
            paths,
            options,
            selection,
            billing,
            table,
            progress,
            strict_billing=bool(region or pricing),
        )


def _names(functions: Sequence[str] | None) -> str:
    return ", ".join(functions) if functions else "(all)"


def _notes(budget: Budget, baseline: Baseline | None, measurement: Measurement) -> list[str]:
    notes = [f"budget: {budget.source}"]
    if baseline is not None:
        created = f" ({baseline.created})" if baseline.created else ""
        notes.append(f"baseline: {baseline.source}{created}")
    functions = measurement.functions or measurement.present
    notes.append(
        f"functions: {', '.join(functions) if functions else 'none'}; "
        f"invocations: {int(measurement.metrics.get('invocations', 0))}"
    )
    pricing = (measurement.analysis.summary.get("cost") or {}).get("pricing")
    if pricing:  # the prices behind the cost metrics, dated
        notes.append(f"prices: {', '.join(pricing.get('regions', []))}, table "
                     f"{pricing.get('table')} as of {pricing.get('as_of')}")
    return notes


@app.command("check")
def check(
    paths: PathsArg,
    budget_path: BudgetOpt,
    baseline_path: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="Baseline JSON from 'lamlife baseline', for the budget's max_increase limits.",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="table | markdown | json | junit | html (default: from --output's "
            "extension, else table on a terminal, json when piped).",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to FILE.")
    ] = None,
    function: FunctionOpt = None,
    proactive_threshold: ProactiveOpt = 10.0,
    region: RegionOption = None,
    architecture: ArchitectureOption = None,
    pricing: PricingOption = None,
    package: PackageOption = None,
    runtime: RuntimeOption = None,
    provisioned: ProvisionedOption = None,
    monthly_gb_seconds: MonthlyGbSecondsOption = None,
    quiet: QuietOpt = False,
) -> None:
    """Check the analysis of PATH... against a budget: exit 0 when every limit holds, 1 when
    one is exceeded, 2 on bad usage or input.

    The budget limits metrics of the summary (cold_start_rate, init_p95_ms,
    cost_per_million_usd, ...) absolutely (max, min) or relative to a baseline (max_increase).
    See docs/check.md.
    """
    with user_errors():
        chosen = resolve_format(fmt, output, CHECK_FORMATS)
        budget = load_budget(budget_path)
        baseline = load_baseline(baseline_path) if baseline_path is not None else None
        if budget.needs_baseline and baseline is None:
            raise InputError(
                f"{budget.source} has max_increase limits: pass --baseline FILE "
                "(written by 'lamlife baseline')"
            )
        measurement = _measure(
            paths,
            function,
            proactive_threshold,
            budget.functions,
            quiet,
            region,
            architecture,
            pricing,
            package,
            runtime,
            provisioned,
            monthly_gb_seconds,
        )
        require_billing(budget, measurement)
        verdicts = evaluate(measurement.metrics, budget, baseline)
        warn_input(measurement.analysis.input, quiet, measurement.warnings)
        if baseline is not None:
            if not budget.needs_baseline:
                warn(
                    f"{budget.source} has no max_increase limits; the baseline is not used", quiet
                )
            elif set(baseline.functions or ()) != set(measurement.functions or ()):
                warn(
                    f"the baseline covers functions {_names(baseline.functions)}, "
                    f"this check {_names(measurement.functions)}",
                    quiet,
                )
        if chosen == "table" and output is None:
            Console().print(render_table(verdicts))
        else:
            if chosen == "table":
                text = _plain_table(verdicts)
            elif chosen == "markdown":
                text = render_markdown(verdicts, _notes(budget, baseline, measurement))
            elif chosen == "html":
                text = render_check_html(verdicts, _notes(budget, baseline, measurement))
            elif chosen == "json":
                context = {
                    "budget": budget.source,
                    "baseline": baseline.source if baseline is not None else None,
                    "functions": list(measurement.functions or measurement.present),
                }
                text = render_json(verdicts, measurement.metrics, context)
            else:
                text = render_junit(verdicts)
            write_output(text, output)
        bad = failed(verdicts)
        if bad:
            typer.echo(
                f"lamlife check: FAILED, {headline(verdicts)}: "
                + "; ".join(message(v) for v in bad),
                err=True,
            )
            raise typer.Exit(1)
        if not quiet:
            typer.echo(f"lamlife check: ok, {headline(verdicts)}", err=True)


def _plain_table(verdicts: Sequence[Verdict]) -> str:
    """The rich table as plain text, for --format table with --output."""
    buffer = io.StringIO()
    Console(file=buffer, width=120, color_system=None).print(render_table(verdicts))
    return buffer.getvalue()


@app.command("baseline")
def baseline(
    paths: PathsArg,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Baseline JSON to write.", show_default=False),
    ],
    budget_path: Annotated[
        Path | None,
        typer.Option(
            "--budget", "-b", help="Use this budget's 'function' selection, as the check will."
        ),
    ] = None,
    function: FunctionOpt = None,
    proactive_threshold: ProactiveOpt = 10.0,
    region: RegionOption = None,
    architecture: ArchitectureOption = None,
    pricing: PricingOption = None,
    package: PackageOption = None,
    runtime: RuntimeOption = None,
    provisioned: ProvisionedOption = None,
    monthly_gb_seconds: MonthlyGbSecondsOption = None,
    quiet: QuietOpt = False,
) -> None:
    """Save the metrics of a known-good run of PATH... as a baseline for
    'lamlife check --baseline'."""
    with user_errors():
        selection = load_budget(budget_path).functions if budget_path is not None else None
        measurement = _measure(
            paths,
            function,
            proactive_threshold,
            selection,
            quiet,
            region,
            architecture,
            pricing,
            package,
            runtime,
            provisioned,
            monthly_gb_seconds,
        )
        warn_input(measurement.analysis.input, quiet, measurement.warnings)
        if not measurement.metrics.get("invocations"):
            raise InputError("no invocations in the input: nothing to take a baseline of")
        document = baseline_document(
            measurement.metrics,
            inputs=paths,
            functions=measurement.functions,
            lamlife_version=__version__,
        )
        save_baseline(output, document)
        if not quiet:
            typer.echo(
                f"lamlife: baseline of {len(measurement.metrics)} metrics "
                f"({int(measurement.metrics['invocations'])} invocations) written to "
                f"{output}",
                err=True,
            )
