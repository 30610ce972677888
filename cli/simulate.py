"""`lamlife simulate`: replay a trace's arrivals through a lifecycle policy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from lamlife.cli.app import app
from lamlife.cli.common import (
    resolve_format,
    user_errors,
    warn,
    warn_unused_invocations,
    write_output,
)
from lamlife.cli.options import (
    PANEL_ARRIVALS,
    PANEL_INPUT,
    PANEL_POLICY,
    Billing,
    FormatOpt,
    InvocationsOpt,
    OutputOpt,
    TopOpt,
    choice,
    with_billing_options,
)
from lamlife.lifecycle.errors import InputError

# lifecycle/simulate/whatif.py's OBSERVED, written out so that --help loads no pandas
OBSERVED = "observed"

_NONE_WORDS = ("none", "off", "no", "inf", "infinite", "unlimited")


def parse_duration_s(text: str, option: str) -> float:
    """``640``, ``640s``, ``10m``, ``2h``, ``1h30m``, ``500ms`` as seconds (a bare number is
    seconds; the units are ``timeparse.parse_duration``'s)."""
    try:
        return float(text)  # a bare number is seconds
    except ValueError:
        pass
    from lamlife.lifecycle.read.timeparse import parse_duration

    seconds = parse_duration(text)
    if seconds is None:
        raise InputError(f"{option}: cannot read {text!r} as a duration (e.g. 640s, 10m, 2h)")
    return seconds


def _bare_seconds_below(text: str, limit: float) -> bool:
    """``text`` is a bare number (seconds, no unit) below ``limit``: likely meant in minutes."""
    try:
        return 0 < float(text) < limit
    except ValueError:
        return False


MAX_SWEEP_VALUES = 200  # simulations one --provisioned/--prewarmed range may ask for


def parse_count_list(text: str, option: str) -> list[int]:
    """``3``, ``0,2,5`` or ``0..10`` (inclusive) as integers >= 0."""
    values: list[int] = []
    for item in text.split(","):
        item = item.strip()
        if ".." in item:
            lo_text, _, hi_text = item.partition("..")
            try:
                lo, hi = int(lo_text), int(hi_text)
            except ValueError:
                raise InputError(f"{option}: cannot read the range {item!r} (e.g. 0..10)") from None
            if hi < lo:
                raise InputError(f"{option}: the range {item!r} is empty")
            if hi - lo + 1 > MAX_SWEEP_VALUES:
                raise InputError(f"{option}: the range {item!r} has {hi - lo + 1:,} values; a "
                                 f"sweep runs one simulation each, at most {MAX_SWEEP_VALUES} "
                                 "(pick values: 0,10,100,1000)")
            values.extend(range(lo, hi + 1))
        else:
            try:
                values.append(int(item))
            except ValueError:
                raise InputError(f"{option}: {item!r} is not a whole number") from None
    if any(v < 0 for v in values):
        raise InputError(f"{option}: values must be 0 or more")
    if len(values) > MAX_SWEEP_VALUES:
        raise InputError(f"{option}: {len(values):,} values; a sweep runs one simulation each, "
                         f"at most {MAX_SWEEP_VALUES}")
    return values


def parse_duration_list(text: str, option: str, allow_none: bool = False) -> list[float | None]:
    """``5m,10m,20m`` as seconds; ``none`` where allowed (no limit)."""
    values: list[float | None] = []
    for item in text.split(","):
        item = item.strip()
        if allow_none and item.lower() in _NONE_WORDS:
            values.append(None)
        else:
            values.append(parse_duration_s(item, option))
    return values


def parse_ms_or_observed(text: str, option: str) -> float | str:
    """A fixed number of ms, or ``observed`` (the input's own durations: see build_policy)."""
    if text.strip().lower() == OBSERVED:
        return OBSERVED
    try:
        value = float(text.strip().lower().removesuffix("ms"))
    except ValueError:
        raise InputError(f"{option}: {text!r} is neither a number of ms nor 'observed'") from None
    if value < 0:
        raise InputError(f"{option}: must be 0 or more")
    return value


@app.command("simulate")
@with_billing_options(provisioned=False)
def simulate_command(
    traces: Annotated[list[str], typer.Argument(
        help="An arrival CSV (start + end or duration_ms columns), or anything analyze reads "
             "(its arrivals and durations are replayed).", show_default=False,
        metavar="TRACE")],
    keep_alive: Annotated[str | None, typer.Option(
        "--keep-alive", help="Idle time before an environment is destroyed (640s, 10m; a list "
                             "5m,10m,20m sweeps). Default 640 s, measured on AWS in 2020.",
        rich_help_panel=PANEL_POLICY)] = None,
    max_lifetime: Annotated[str | None, typer.Option(
        "--max-lifetime", help="Age at which an environment is recycled once idle (2h; none for "
                               "no limit; a list sweeps). Default 2 h.",
        rich_help_panel=PANEL_POLICY)] = None,
    provisioned: Annotated[str | None, typer.Option(
        "--provisioned", help="Provisioned-concurrency environments per function (0..10 or "
                              "0,2,4 sweeps). Default: the most the input showed alive "
                              "at once per function, else 0.",
        rich_help_panel=PANEL_POLICY)] = None,
    prewarmed: Annotated[str, typer.Option(
        "--prewarmed", help="On-demand environments already warm at the start of the trace.",
        rich_help_panel=PANEL_POLICY)
    ] = "0",
    init_ms: Annotated[str | None, typer.Option(
        "--init-ms", help="Init duration of a cold start in ms, or 'observed' to sample the "
                          "input's Init Durations (default: observed when the input has some, "
                          "else 500).",
        rich_help_panel=PANEL_POLICY)] = None,
    snapstart: Annotated[bool | None, typer.Option(
        "--snapstart/--no-snapstart", help="New environments restore a SnapStart snapshot "
        "instead of init (default: when the input's cold starts are restores).",
        rich_help_panel=PANEL_POLICY, show_default=False)
    ] = None,
    restore_ms: Annotated[str | None, typer.Option(
        "--restore-ms", help="SnapStart restore duration in ms, or 'observed'.",
        rich_help_panel=PANEL_POLICY)] = None,
    reset: Annotated[bool, typer.Option(
        "--reset/--no-reset", help="Reset (re-init) an environment after a timeout or error.",
        rich_help_panel=PANEL_POLICY)
    ] = True,
    seed: Annotated[int, typer.Option("--seed", help="Seed for sampled durations.",
        rich_help_panel=PANEL_POLICY)] = 0,
    start_column: Annotated[str | None, typer.Option(
        "--start-column", help="Arrival CSV: the start column (default start/timestamp/...).",
        rich_help_panel=PANEL_ARRIVALS)
    ] = None,
    end_column: Annotated[str | None, typer.Option(
        "--end-column", help="Arrival CSV: the end column (default end/end_time).",
        rich_help_panel=PANEL_ARRIVALS)] = None,
    duration_column: Annotated[str | None, typer.Option(
        "--duration-column", help="Arrival CSV: the duration column, ms (default duration_ms).",
        rich_help_panel=PANEL_ARRIVALS)
    ] = None,
    environment_column: Annotated[str | None, typer.Option(
        "--environment-column", help="Arrival CSV: the observed environment of each request, "
                                     "for the side-by-side comparison.",
        rich_help_panel=PANEL_ARRIVALS)] = None,
    function: Annotated[str | None, typer.Option(
        "--function", "-f", help="Function name for inputs that carry none.",
        rich_help_panel=PANEL_INPUT)] = None,
    memory_mb: Annotated[float | None, typer.Option(
        "--memory-mb", help="Memory size where the input does not say, 128 to 32,768 MB "
                            "(default: the input's configuration, else 128).",
        rich_help_panel=PANEL_INPUT)] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    invocations: InvocationsOpt = False,
    top: TopOpt = 10,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No warnings on stderr.",
                                        rich_help_panel="Output")] = False,
    *,
    billing: Billing,
) -> None:
    """Replay traffic through a lifecycle policy: cold starts, environments and cost.

    Each arrival goes to the most recently used idle environment, else a new one (cold).
    Give one option a list (--keep-alive 5m,10m,20m or --provisioned 0..10) to print one row
    per value. Exit codes: 0 ok, 2 bad usage or unreadable input.
    """
    from lamlife.lifecycle.pipeline import load_trace
    from lamlife.lifecycle.read.arrivals import ArrivalColumns
    from lamlife.lifecycle.simulate.scheduler import DEFAULT_KEEP_ALIVE_S, DEFAULT_MAX_LIFETIME_S
    from lamlife.lifecycle.simulate.whatif import (
        Pricing,
        build_policy,
        describe_policy,
        simulate_trace,
        sweep_trace,
    )
    from lamlife.reports import simulate as simrep

    with user_errors():
        chosen = resolve_format(choice(fmt), output)
        keep_values = parse_duration_list(keep_alive or f"{DEFAULT_KEEP_ALIVE_S:g}s",
                                          "--keep-alive")
        life_values = parse_duration_list(max_lifetime or f"{DEFAULT_MAX_LIFETIME_S:g}s",
                                          "--max-lifetime", allow_none=True)
        for option, given in (("--keep-alive", keep_alive), ("--max-lifetime", max_lifetime)):
            for item in (given or "").split(","):
                if _bare_seconds_below(item.strip(), 60):
                    number = item.strip()
                    warn(f"{option} {number} is {number} seconds (a bare number is seconds: "
                         f"{number}m for minutes, {number}h for hours)", quiet)
        pc_values = parse_count_list(provisioned or "0", "--provisioned")
        pre_values = parse_count_list(prewarmed, "--prewarmed")
        swept = {name: values for name, values in (
            ("keep_alive_s", keep_values), ("max_lifetime_s", life_values),
            ("provisioned", pc_values), ("prewarmed", pre_values)) if len(values) > 1}
        if len(swept) > 1:
            raise InputError("sweep one option at a time (got lists for "
                             + ", ".join(simrep.PARAMETER_LABELS[k].lower() for k in swept) + ")")
        overrides: dict[str, Any] = {
            "keep_alive_s": float(keep_values[0] or 0.0),
            "max_lifetime_s": life_values[0],
            # not given: each function keeps the input's own (build_policy)
            "provisioned": pc_values[0] if provisioned is not None else None,
            "prewarmed": pre_values[0],
            "reset_on_failure": reset,
            "seed": seed,
        }
        if init_ms is not None:
            overrides["init_ms"] = parse_ms_or_observed(init_ms, "--init-ms")
        if snapstart is not None:  # else: SnapStart when the input's cold starts are restores
            overrides["snapstart"] = snapstart
        if restore_ms is not None:  # without SnapStart: ignored, with a note (build_policy)
            overrides["restore_ms"] = parse_ms_or_observed(restore_ms, "--restore-ms")
        columns = ArrivalColumns(start=start_column, end=end_column, duration=duration_column,
                                 environment=environment_column)
        trace = load_trace(traces, columns, function=function, memory_mb=memory_mb)
        policy, notes = build_policy(trace.arrivals, overrides)
        price_with = Pricing(billing.options(), billing.table())
        stats = trace.arrivals.stats
        for text in stats.warnings:
            warn(text, quiet)
        if stats.malformed:
            warn(f"{stats.malformed} malformed row(s), first: "
                 + "; ".join(stats.malformed_examples[:3]), quiet)
        described = describe_policy(policy)

        if swept:
            parameter, values = next(iter(swept.items()))
            rows = sweep_trace(trace, policy, parameter, values, price_with)
            if invocations:
                warn("--invocations changes nothing in a sweep: each row is a whole simulation",
                     quiet)
            for problem in dict.fromkeys(r["cost_problem"] for r in rows if "cost_problem" in r):
                warn(f"cost not computed: {problem}", quiet)
            for reason in dict.fromkeys(m for r in rows for m in r.get("cost_incomplete", [])):
                warn(f"cost incomplete, unpriced: {reason}; the rows' cost is that of the "
                     "priced invocations (marked +)", quiet)
            as_of = (f"Prices: table {price_with.table.origin} as of "
                     f"{price_with.table.as_of.isoformat()}; USD list prices.")
            _print_sweep(rows, described, [*notes, as_of], stats, chosen, output)
            return

        # Region or price table chosen by the user: a price problem is an error.
        whatif = simulate_trace(trace, policy, price_with, strict=billing.strict)
        if whatif.cost_problem:
            warn(f"cost not computed: {whatif.cost_problem}", quiet)
        for reason in whatif.cost_incomplete:  # the other functions' costs stay
            warn(f"cost incomplete, unpriced: {reason}; its function left out of the cost "
                 "comparison", quiet)
        warn_unused_invocations(chosen, invocations, quiet)
        _print_run(whatif, described, notes, chosen, output, invocations, top)


def _print_run(whatif: Any, described: dict[str, Any], notes: list[str], chosen: str,
               output: Path | None, invocations: bool, top: int) -> None:
    from lamlife.reports import simulate as simrep

    if chosen == "table" and output is None:
        from rich.console import Console

        from lamlife.reports.tables import render_terminal

        lead, extra = simrep.run_sections(whatif, described, notes)
        render_terminal(whatif.analysis, Console(), top=top, extra_sections=extra,
                        lead_sections=lead)
        return
    write_output(simrep.render_run(whatif, described, notes, chosen, invocations, top), output)


def _print_sweep(rows: list[dict[str, Any]], described: dict[str, Any], notes: list[str],
                 stats: Any, chosen: str, output: Path | None) -> None:
    from lamlife.reports import simulate as simrep

    if chosen == "table" and output is None:
        from rich.console import Console

        from lamlife.reports.tables import section_renderable

        console = Console()
        for index, section in enumerate(simrep.sweep_sections(rows, described, notes)):
            if index:
                console.print()
            console.print(section_renderable(section))
        return
    write_output(simrep.render_sweep(rows, described, notes, stats, chosen), output)
