"""The typer application object shared by every command module.

Nothing here (or in any command module's top level) imports pandas, numpy or boto3: they load
when a command runs, so ``lamlife --help`` and ``lamlife --version`` answer at once.
"""

import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from lamlife import __version__
from lamlife.lifecycle.text import one_line


class OneLineErrors(TyperGroup):
    """The command group; a usage error (an unknown option, a value that is not one of the
    choices, ...) is one line on stderr and exit code 2, like every other lamlife error."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        def run(standalone: bool) -> Any:
            return super(OneLineErrors, self).main(
                args, prog_name, complete_var, standalone, windows_expand_args, **extra)

        if not standalone_mode:
            return run(False)
        try:
            code = run(False)
        except typer.Abort:
            typer.echo("lamlife: aborted", err=True)
            sys.exit(1)
        except Exception as exc:  # click's ClickException family (typer vendors click)
            if not hasattr(exc, "format_message") or not hasattr(exc, "exit_code"):
                raise
            if type(exc).__name__ != "NoArgsIsHelpError":
                ctx = getattr(exc, "ctx", None)
                where = f" (see '{ctx.command_path} -h')" if ctx is not None else ""
                message = one_line(" ".join(str(exc.format_message()).split()))
                # typer's choice check words it "Value error, 'x' is not one of ..."
                message = message.replace(": Value error, ", ": ")
                if message.startswith(("Missing argument 'PATH'", "Missing argument 'TRACE'")):
                    message += " (give - to read standard input)"
                typer.echo(f"lamlife: error: {message}{where}", err=True)
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else 0)

app = typer.Typer(
    name="lamlife",
    help="Analyze AWS Lambda cold and warm starts, INIT billing and lifecycle from platform logs.",
    cls=OneLineErrors,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"lamlife {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_print_version, is_eager=True,
                     help="Print lamlife's version and exit."),
    ] = False,
) -> None:
    """Analyze AWS Lambda cold and warm starts, INIT billing and lifecycle from platform logs.

    Exit codes: 0 ok, 1 a check failed, 2 bad usage or unreadable input, 3 AWS access failed.
    """
