"""Entry point: builds the typer app from the command modules."""

from lamlife.cli.app import app


def main() -> None:
    app()
