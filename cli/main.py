"""Entry point: builds the typer app from the command modules (``lamlife``, ``python -m
lamlife``)."""

import lamlife.cli.analyze  # noqa: F401  (registers its command)
import lamlife.cli.check  # noqa: F401
import lamlife.cli.fetch  # noqa: F401
import lamlife.cli.pricing  # noqa: F401
import lamlife.cli.simulate  # noqa: F401
from lamlife.cli.app import app
from lamlife.cli.common import guard_standard_streams


def main() -> None:
    guard_standard_streams()
    app(prog_name="lamlife")
