"""The typer application object shared by every command module."""

import typer

app = typer.Typer(
    name="lamlife",
    help="Analyze AWS Lambda cold and warm starts, INIT billing and lifecycle from platform logs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Analyze AWS Lambda cold and warm starts, INIT billing and lifecycle from platform logs."""
