"""`lamlife check` and `lamlife baseline`: a cold-start and cost gate for CI (docs/check.md)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lamlife import __version__
from lamlife.cli.app import app
from lamlife.cli.common import (
    byte_progress,
    resolve_format,
    user_errors,
    warn,
    warn_input,
    write_output,
)
from lamlife.cli.options import (
    PANEL_INPUT,
    PANEL_OUTPUT,
    Billing,
    FunctionOpt,
    OutputOpt,
    PathsArg,
    ProactiveOpt,
    QuietOpt,
    SinceOpt,
    UntilOpt,
    choice,
    with_billing_options,
)
from lamlife.lifecycle.errors import InputError

if TYPE_CHECKING:
    from lamlife.lifecycle.check.budget import Baseline, Budget, Verdict
    from lamlife.lifecycle.check.gate import Measurement

CHECK_FORMATS: tuple[str, ...] = ("table", "markdown", "json", "junit", "html")


class CheckFormat(StrEnum):
    """Formats of the check report."""

    table = "table"
    markdown = "markdown"
    json = "json"
    junit = "junit"
    html = "html"


BudgetOpt = Annotated[
    Path,
    typer.Option(
        "--budget",
        "-b",
        help="Budget YAML: limits on the metrics (docs/check.md).",
        show_default=False,
        rich_help_panel=PANEL_INPUT,
    ),
]


def _measure(
    paths: list[str],
    function: list[str] | None,
    since: str | None,
    until: str | None,
    proactive_threshold: float,
    selection: tuple[str, ...] | None,
    quiet: bool,
    billing: Billing,
) -> Measurement:
    from lamlife.lifecycle.pipeline import AnalyzeOptions, measure, time_window

    names = tuple(function or ())
    options = AnalyzeOptions(function=names[0] if len(names) == 1 else None,
                             proactive_threshold_s=proactive_threshold, select=names,
                             window=time_window(since, until))
    with byte_progress(paths, quiet) as progress:
        # A price problem the user asked for (--region, --pricing) is an error, one from the
        # input or the defaults only a warning: the same rule as `lamlife analyze`.
        return measure(paths, options, selection, billing.options(), billing.table(),
                       progress, strict_billing=billing.strict)


def _names(functions: Sequence[str] | None) -> str:
    return ", ".join(functions) if functions else "(all)"


def _notes(budget: Budget, baseline: Baseline | None, measurement: Measurement) -> list[str]:
    notes = [f"budget: {budget.source}"]
    if baseline is not None:
        created = f" ({baseline.created})" if baseline.created else ""
        notes.append(f"baseline: {baseline.source}{created}")
    functions = measurement.judged
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
@with_billing_options()
def check(
    paths: PathsArg,
    budget_path: BudgetOpt,
    baseline_path: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="Baseline JSON from 'lamlife baseline', for the budget's max_increase limits.",
            rich_help_panel=PANEL_INPUT,
        ),
    ] = None,
    fmt: Annotated[
        CheckFormat | None,
        typer.Option(
            "--format",
            help="Report format (default: from --output's extension, else table on a "
            "terminal, json when piped); junit gives one test case per limit.",
            rich_help_panel=PANEL_OUTPUT, show_default=False,
        ),
    ] = None,
    output: OutputOpt = None,
    function: FunctionOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    proactive_threshold: ProactiveOpt = 10.0,
    quiet: QuietOpt = False,
    *,
    billing: Billing,
) -> None:
    """Check the analysis of PATH... against a budget: exit 0 when every limit holds, 1 when
    one is exceeded, 2 on bad usage or input.

    The budget limits metrics of the summary (cold_start_rate, init_p95_ms,
    cost_per_million_usd, ...) absolutely (max, min) or relative to a baseline (max_increase).
    See docs/check.md.
    """
    from rich.console import Console

    from lamlife.lifecycle.check.budget import (
        baseline_warnings,
        budget_warnings,
        evaluate,
        failed,
        load_baseline,
        load_budget,
    )
    from lamlife.lifecycle.check.gate import require_billing
    from lamlife.reports.check_report import (
        headline,
        message,
        render_json,
        render_junit,
        render_markdown,
        render_table,
    )

    with user_errors():
        chosen = resolve_format(choice(fmt), output, CHECK_FORMATS)
        budget = load_budget(budget_path)
        for line in budget_warnings(budget):
            warn(line, quiet)
        baseline = load_baseline(baseline_path) if baseline_path is not None else None
        for line in baseline_warnings(budget, baseline) if baseline is not None else ():
            warn(line, quiet)
        if budget.needs_baseline and baseline is None:
            raise InputError(
                f"{budget.source} has max_increase limits: pass --baseline FILE "
                "(written by 'lamlife baseline')"
            )
        measurement = _measure(paths, function, since, until, proactive_threshold,
                               budget.functions, quiet, billing)
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
                from lamlife.reports.html import render_check_html

                text = render_check_html(verdicts, _notes(budget, baseline, measurement))
            elif chosen == "json":
                context = {
                    "budget": budget.source,
                    "baseline": baseline.source if baseline is not None else None,
                    "functions": measurement.judged,
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
    from rich.console import Console

    from lamlife.reports.check_report import render_table

    buffer = io.StringIO()
    Console(file=buffer, width=120, color_system=None).print(render_table(verdicts))
    return buffer.getvalue()


def _cost_unknown(measurement: Measurement) -> str | None:
    """Why the measurement's cost metrics have no data, in a few words naming the warning
    printed above it (None when the cost is known)."""
    if measurement.billing_error:
        return "pricing failed (see the warning above)"
    if measurement.cost_incomplete:
        names = sorted({line.split(":", 1)[0] for line in measurement.cost_incomplete})
        return (f"a price is missing for {', '.join(names)} (see the warning above); give it "
                "with --pricing FILE and write the baseline again")
    return None


@app.command("baseline")
@with_billing_options()
def baseline(
    paths: PathsArg,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Baseline JSON to write ('-': stdout).",
                     show_default=False, rich_help_panel=PANEL_OUTPUT),
    ],
    budget_path: Annotated[
        Path | None,
        typer.Option(
            "--budget", "-b", help="Use this budget's 'function' selection, as the check will.",
            rich_help_panel=PANEL_INPUT,
        ),
    ] = None,
    function: FunctionOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    proactive_threshold: ProactiveOpt = 10.0,
    quiet: QuietOpt = False,
    *,
    billing: Billing,
) -> None:
    """Save the metrics of a known-good run of PATH... as a baseline for
    'lamlife check --baseline'."""
    from lamlife.lifecycle.check.budget import (
        baseline_document,
        baseline_json,
        check_metric_names,
        load_budget,
        save_baseline,
    )
    from lamlife.lifecycle.check.metrics import cost_metric_count

    with user_errors():
        budget = load_budget(budget_path) if budget_path is not None else None
        selection = budget.functions if budget is not None else None
        measurement = _measure(paths, function, since, until, proactive_threshold, selection,
                               quiet, billing)
        if budget is not None:  # a budget check would refuse is refused here too
            check_metric_names(budget, measurement.metrics)
        warn_input(measurement.analysis.input, quiet, measurement.warnings)
        if not measurement.metrics.get("invocations"):
            raise InputError("no invocations in the input: nothing to take a baseline of")
        why = _cost_unknown(measurement)
        if why:
            warn(f"the baseline's {cost_metric_count(measurement.metrics)} cost metrics are "
                 f"null (no data): {why}, or a check's max_increase on a cost metric has no "
                 "baseline value and fails", quiet)
        document = baseline_document(
            measurement.metrics,
            inputs=paths,
            functions=measurement.functions,
            lamlife_version=__version__,
        )
        if str(output) == "-":
            write_output(baseline_json(document), None)
        else:
            save_baseline(output, document)
        if not quiet:
            typer.echo(
                f"lamlife: baseline of {len(measurement.metrics)} metrics "
                f"({int(measurement.metrics['invocations'])} invocations) written to "
                f"{'stdout' if str(output) == '-' else output}",
                err=True,
            )
