"""``lamlife fetch``: download platform records from CloudWatch Logs into a file analyze reads."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lamlife.cli.analyze import analyze as analyze_command
from lamlife.cli.app import app
from lamlife.cli.common import lazy_module, resolve_format, user_errors
from lamlife.lifecycle.errors import InputError

if TYPE_CHECKING:
    from lamlife.lifecycle.aws import fetch as af
else:  # loaded on first use, so `lamlife --help` does not load pandas
    af = lazy_module("lamlife.lifecycle.aws.fetch")


def _human_bytes(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover


def _progress_text(p: af.FetchProgress) -> str:
    text = (
        f"{p.events:,} events, {p.streams:,} streams, {_human_bytes(p.bytes)}, "
        f"{p.units_done}/{p.units_total} windows"
    )
    if p.throttled or p.retried:
        text += f", {p.throttled + p.retried} retried"
    return text


class ProgressPrinter:
    """Progress on stderr: one rewritten line on a terminal, a line every few seconds else."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.interval = 0.2 if self.tty else 5.0
        self.last = 0.0
        self.shown = False

    def __call__(self, progress: af.FetchProgress) -> None:
        if self.quiet or progress.finished:
            return
        now = time.monotonic()
        if now - self.last < self.interval:
            return
        self.last = now
        text = "fetching: " + _progress_text(progress)
        if self.tty:
            sys.stderr.write("\r\x1b[2K" + text)
            self.shown = True
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()
            self.shown = False


def _resolve_output(
    output: str | None, functions: list[str], window: af.Window | None, resume: bool,
    label: str | None = None,
) -> af.FetchOutput:
    chosen = af.output_for(output)
    if chosen is not None:
        return chosen
    if resume:
        found = af.find_resumable(Path.cwd(), functions)
        if not found:
            raise InputError("no unfinished fetch here to resume: pass --output FILE or DIR")
        if len(found) > 1:
            raise InputError(
                "several unfinished fetches here ("
                + ", ".join(p.name for p in found)
                + "): pass --output FILE"
            )
        return af.FetchOutput("file", found[0])
    assert window is not None
    return af.FetchOutput("file", Path(af.default_output_name([label] if label else functions,
                                                              window)))


def _analyze_and_print(path: Path, fmt: str | None, quiet: bool) -> None:
    """Exactly what ``lamlife analyze PATH [--format FMT]`` prints (same code, same options)."""
    analyze_command([str(path)], fmt=fmt, quiet=quiet)


@app.command()
def fetch(
    function: Annotated[
        list[str] | None,
        typer.Option(
            "--function", "-f",
            help="Function name or ARN (repeat for several functions).",
        ),
    ] = None,
    all_functions: Annotated[
        bool,
        typer.Option("--all", help="Every function of the Region (listed with the Lambda API)."),
    ] = False,
    prefix: Annotated[
        str | None,
        typer.Option("--prefix", help="Every function whose name starts with NAME.",
                     metavar="NAME"),
    ] = None,
    log_group: Annotated[
        list[str] | None,
        typer.Option(
            "--log-group",
            help="Log group of each --function, in the same order (default: the function's "
            "configured group, else /aws/lambda/NAME).",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Fetch this much before --end (default 24h): e.g. 90m, 24h, 7d."),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(help="Window start: ISO 8601 (UTC if no offset), epoch, or relative (2h)."),
    ] = None,
    end: Annotated[
        str | None, typer.Option(help="Window end (exclusive): ISO 8601, epoch, relative, now.")
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output", "-o",
            help="FILE (all functions in one file), DIR/ (one file per function) or - "
            "(stdout). Default: <function>_<start>_<end>.jsonl.",
        ),
    ] = None,
    profile: Annotated[str | None, typer.Option(help="AWS profile (else AWS_PROFILE).")] = None,
    region: Annotated[
        str | None, typer.Option(help="AWS Region (else AWS_REGION / AWS_DEFAULT_REGION).")
    ] = None,
    endpoint_url: Annotated[
        str | None, typer.Option(help="Endpoint URL for the Logs and Lambda APIs.")
    ] = None,
    insights: Annotated[
        bool,
        typer.Option(
            "--insights",
            help="Select the records server-side with Logs Insights queries "
            "(for windows too large to page through).",
        ),
    ] = False,
    insights_timeout: Annotated[
        float, typer.Option(help="Seconds to wait for one Insights query.")
    ] = 900.0,
    parallel: Annotated[
        int, typer.Option(min=1, max=16, help="Windows fetched at the same time.")
    ] = 4,  # af.DEFAULT_PARALLEL (tests/cli/test_cli_conventions.py keeps them equal)
    chunk: Annotated[
        str | None,
        typer.Option(help="Split the window into pieces of this size (default 1h; 6h with "
                     "--insights)."),
    ] = None,
    max_rps: Annotated[
        float,
        typer.Option(
            help="Logs API calls per second across all workers (FilterLogEvents allows 5).",
        ),
    ] = 5.0,  # af.FILTER_LOG_EVENTS_TPS
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an interrupted fetch of --output.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite OUTPUT or discard an unfinished fetch.")
    ] = False,
    no_config: Annotated[
        bool,
        typer.Option(
            "--no-config",
            help="Do not read the function configuration (no Lambda permissions needed).",
        ),
    ] = False,
    analyze: Annotated[
        bool, typer.Option("--analyze", help="Also analyze the fetched file and print it.")
    ] = False,
    format: Annotated[
        str | None,
        typer.Option("--format", help="Format of the --analyze report: table | json | csv | "
                     "markdown | html (default: table on a terminal, json when piped)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
    page_size: Annotated[int | None, typer.Option(hidden=True)] = None,
) -> None:
    """Fetch Lambda platform records (START, REPORT, `INIT_*`, `RESTORE_*`, `platform.*`) from
    CloudWatch Logs into a JSON-lines file that `lamlife analyze` reads: of one function,
    several (--function repeated), those whose name starts with --prefix, or --all."""
    functions = list(function or [])
    groups = list(log_group or [])
    selection = "all" if all_functions else (f"prefix:{prefix}" if prefix is not None else "")
    printer = ProgressPrinter(quiet)
    with user_errors():
        try:
            if resume and force:
                raise InputError("give either --resume or --force, not both")
            if not functions and not resume and not selection:
                raise InputError("give at least one --function (or --all, or --prefix NAME)")
            if output == "-" and analyze:
                raise InputError("--analyze needs --output FILE or DIR (not -)")
            if format is not None:
                resolve_format(format, None)  # a bad --format fails before any AWS call
            window = None
            if not resume:
                window = af.resolve_window(since, start, end, datetime.now(UTC))
            chunk_s = None
            if chunk is not None:
                chunk_s = af.parse_duration(chunk)
                if not chunk_s or chunk_s <= 0:
                    raise InputError(f"cannot read --chunk {chunk!r}: use a duration such as 1h")
            label = "all" if all_functions else (f"{prefix}-prefix" if prefix else None)
            out = _resolve_output(output, functions, window, resume, label)
            state = af.open_output(out, resume=resume, force=force)
            if state is not None:
                af.check_resume_matches(state, functions, region, selection)
                if (since or start or end) and not quiet:
                    typer.echo(
                        f"lamlife fetch: resuming the window stored for {out} "
                        f"({state.window.start_iso} to {state.window.end_iso})",
                        err=True,
                    )
                clients = af.connect(profile, region or state.region, endpoint_url, parallel + 4)
            else:
                assert window is not None
                clients = af.connect(profile, region, endpoint_url, parallel + 4)
                request = af.FetchRequest(
                    functions=functions,
                    log_groups=groups,
                    window=window,
                    mode="insights" if insights else "filter",
                    chunk_s=chunk_s,
                    read_config=not no_config,
                    all_functions=all_functions,
                    prefix=prefix,
                )
                state = af.plan_fetch(request, clients)
                af.check_folder_free(out, state.functions, force)
            result = af.run_fetch(
                state,
                clients,
                out,
                resumed=resume,
                parallel=parallel,
                page_size=page_size,
                rate_limiter=af.RateLimiter(max_rps),
                progress=printer,
                insights_timeout_s=insights_timeout,
            )
        except KeyboardInterrupt:  # before the fetch started (the fetch handles Ctrl-C itself)
            raise af.FetchInterrupted("interrupted") from None
        finally:
            printer.close()  # clear the progress line before any message
    for warning in result.warnings:
        typer.echo(f"lamlife fetch: warning: {warning}", err=True)
    p = result.progress
    if not quiet:
        where = "stdout" if result.kind == "stdout" else str(result.output)
        if result.kind == "dir":
            where = f"{len(result.files)} file(s) in {result.output}"
        functions_text = (f" of {len(result.functions):,} functions"
                          if len(result.functions) > 1 else "")
        summary = (
            f"lamlife fetch: wrote {where}: {p.events:,} platform events{functions_text} from "
            f"{p.streams:,} streams ({_human_bytes(p.bytes)}), {result.window.start_iso} to "
            f"{result.window.end_iso}"
        )
        if p.dropped:
            summary += f"; dropped {p.dropped:,} non-platform events"
        if p.throttled or p.retried:
            summary += f"; {p.throttled + p.retried:,} throttled or failed requests retried"
        typer.echo(summary, err=True)
    if analyze:
        _analyze_and_print(result.output, format, quiet)
