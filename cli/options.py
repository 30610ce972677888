"""Options several commands share, declared once.

Choices are enums, so ``--help`` lists them and typer refuses anything else with one line.
Options are grouped in rich help panels (Input, Output, Billing, ...). The billing options of
``analyze``, ``check``, ``baseline`` and ``simulate`` are added to a command by the
:func:`with_billing_options` decorator, which hands the command one :class:`Billing` value.

Nothing here imports pandas, numpy or boto3 (see ``cli/app.py``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lamlife.reports import FORMATS

if TYPE_CHECKING:
    from lamlife.lifecycle.billing.prices import PriceTable
    from lamlife.lifecycle.billing.rules import BillingOptions

PANEL_INPUT = "Input"
PANEL_OUTPUT = "Output"
PANEL_BILLING = "Billing"
PANEL_POLICY = "Lifecycle policy"
PANEL_ARRIVALS = "Arrival CSV columns"
PANEL_AWS = "AWS access"

# The default Region and architecture of billing (lifecycle/billing/rules.py's DEFAULT_REGION
# and DEFAULT_ARCHITECTURE; a test keeps them equal): written out here so that --help does not
# load the billing module and pandas with it.
DEFAULT_REGION_TEXT = "us-east-1"
DEFAULT_ARCHITECTURE_TEXT = "x86_64"


class Architecture(StrEnum):
    """Instruction set architecture of a function (prices differ)."""

    x86_64 = "x86_64"
    arm64 = "arm64"


class Package(StrEnum):
    """Deployment package type (container images always billed INIT)."""

    zip = "zip"
    image = "image"


class Engine(StrEnum):
    """Where the environments are replayed."""

    local = "local"
    spark = "spark"


class SortKey(StrEnum):
    """Order of the environments table."""

    invocations = "invocations"
    lifetime = "lifetime"


# One member per report format the renderers know (reports.FORMATS), so a format added there
# is a choice here too.
ReportFormat = Enum("ReportFormat", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]


def choice(value: Any) -> str | None:
    """An enum member's value (or a plain string, or None) as a plain string."""
    if value is None:
        return None
    return str(value.value) if isinstance(value, Enum) else str(value)


# ------------------------------------------------------------------------------ common options

QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress or warnings on stderr.",
                       rich_help_panel=PANEL_OUTPUT),
]
def dash_is_stdout(value: Path | None) -> Path | None:
    """``--output -`` is standard output, as ``-`` is standard input for PATH."""
    return None if value is not None and str(value) == "-" else value


OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the report to FILE ('-': stdout).",
                              callback=dash_is_stdout, rich_help_panel=PANEL_OUTPUT),
]
FormatOpt = Annotated[
    ReportFormat | None,
    typer.Option("--format", help="Report format (default: from --output's extension, else "
                 "table on a terminal, json when piped).", rich_help_panel=PANEL_OUTPUT,
                 show_default=False),
]
InvocationsOpt = Annotated[
    bool, typer.Option("--invocations", help="JSON: add the per-invocation list.",
                       rich_help_panel=PANEL_OUTPUT),
]
TopOpt = Annotated[
    int, typer.Option("--top", min=1, help="Environments to show in the table.",
                      rich_help_panel=PANEL_OUTPUT),
]
PathsArg = Annotated[
    list[str],
    typer.Argument(help="Log files, directories (read recursively, .gz too), "
                        "s3://bucket/prefix/ or - for stdin.", show_default=False,
                   metavar="PATH"),
]
FunctionOpt = Annotated[
    list[str] | None,
    typer.Option("--function", "-f",
                 help="Analyze only this function (repeatable) when the input names its "
                      "functions; the name of inputs that carry none (default: the file name).",
                 rich_help_panel=PANEL_INPUT, show_default=False),
]
SinceOpt = Annotated[
    str | None,
    typer.Option("--since", help="Only invocations that started at or after this time: ISO "
                 "8601 (UTC if no offset), epoch, 'now' or relative to now (2h, 7d), as "
                 "fetch reads it.", rich_help_panel=PANEL_INPUT, show_default=False),
]
UntilOpt = Annotated[
    str | None,
    typer.Option("--until", help="Only invocations that started before this time (same "
                 "forms as --since).", rich_help_panel=PANEL_INPUT, show_default=False),
]
ProactiveOpt = Annotated[
    float,
    typer.Option("--proactive-threshold", min=0.0,
                 help="Seconds from INIT_START to the first START above which an init counts "
                      "as proactive (docs/lifecycle.md).", rich_help_panel=PANEL_INPUT),
]

# ------------------------------------------------------------------------- billing options


@dataclass(frozen=True)
class Billing:
    """The billing options as one value: what a command prices with."""

    region: str | None = None
    architecture: Architecture | str | None = None
    package: Package | str | None = None
    runtime: str | None = None
    provisioned: int | None = None
    monthly_gb_seconds: float | None = None
    pricing: Path | None = None

    @property
    def strict(self) -> bool:
        """A price problem is an error when the user chose the Region or the price table;
        one that comes from the input or the defaults is only a warning."""
        return bool(self.region or self.pricing)

    def options(self, provisioned: int | None = None) -> BillingOptions:
        """``BillingOptions`` (``provisioned`` overrides the option, e.g. in a simulation);
        see ``billing.choices.billing_options``."""
        from lamlife.lifecycle.billing.choices import billing_options

        architecture = choice(self.architecture)
        package = choice(self.package)
        return billing_options(
            self.region, architecture, package, self.runtime,
            self.provisioned if provisioned is None else provisioned, self.monthly_gb_seconds)

    def table(self) -> PriceTable:
        """The price table: --pricing FILE, else the built-in one."""
        from lamlife.lifecycle.billing.prices import load_table

        return load_table(self.pricing)


RegionOption = Annotated[
    str | None,
    typer.Option("--region", help="AWS Region to price every function in; wins over the "
                 "Region the input names (runtime version ARN, @aws.region, fetch header), "
                 "with a note where they differ. Without it: the input's Region, else "
                 f"AWS_REGION / AWS_DEFAULT_REGION, else {DEFAULT_REGION_TEXT}.",
                 rich_help_panel=PANEL_BILLING, show_default=False),
]
ArchitectureOption = Annotated[
    Architecture | None,
    typer.Option("--architecture", help="Architecture when the input does not say (default "
                 f"{DEFAULT_ARCHITECTURE_TEXT}).", rich_help_panel=PANEL_BILLING,
                 case_sensitive=False, show_default=False),
]
PricingOption = Annotated[
    Path | None,
    typer.Option("--pricing", help="Price table YAML replacing the built-in one (same schema).",
                 rich_help_panel=PANEL_BILLING, show_default=False),
]
PackageOption = Annotated[
    Package | None,
    typer.Option("--package", help="Package type, used when Billed Duration must be computed "
                 "(default zip).", rich_help_panel=PANEL_BILLING, case_sensitive=False,
                 show_default=False),
]
RuntimeOption = Annotated[
    str | None,
    typer.Option("--runtime", help="Runtime (python3.12, java21, provided.al2023, ...) when "
                 "the input does not say: custom runtimes bill INIT at any date; SnapStart "
                 "restore charges apply to Python and .NET.", rich_help_panel=PANEL_BILLING,
                 show_default=False),
]
ProvisionedOption = Annotated[
    int | None,
    typer.Option("--provisioned", min=0, help="Provisioned concurrency level of each function, "
                 "to price its allocation over the analysed window.",
                 rich_help_panel=PANEL_BILLING, show_default=False),
]
MonthlyGbSecondsOption = Annotated[
    float | None,
    typer.Option("--monthly-gb-seconds", min=0.0, help="Price the run as if it sat on top of "
                 "N GB-s already used this month (default: first tier).",
                 rich_help_panel=PANEL_BILLING, show_default=False),
]

_BILLING_PARAMETERS: tuple[inspect.Parameter, ...] = tuple(
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
    for name, annotation in (
        ("region", RegionOption),
        ("architecture", ArchitectureOption),
        ("package", PackageOption),
        ("runtime", RuntimeOption),
        ("provisioned", ProvisionedOption),
        ("monthly_gb_seconds", MonthlyGbSecondsOption),
        ("pricing", PricingOption),
    )
)

Command = Callable[..., Any]


def with_billing_options(*, provisioned: bool = True) -> Callable[[Command], Command]:
    """Add the billing options to a command; the command receives them as ``billing``.

    The command declares a keyword parameter ``billing: Billing``; the decorator replaces it,
    in the signature typer reads, by ``--region``, ``--architecture``, ``--package``,
    ``--runtime``, ``--provisioned`` (unless ``provisioned=False``: simulate has its own),
    ``--monthly-gb-seconds`` and ``--pricing``, all in the Billing help panel.
    """
    added = tuple(p for p in _BILLING_PARAMETERS if provisioned or p.name != "provisioned")
    names = tuple(p.name for p in added)

    def decorate(command: Command) -> Command:
        signature = inspect.signature(command, eval_str=True)
        kept = [p for p in signature.parameters.values() if p.name != "billing"]

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {name: kwargs.pop(name, None) for name in names}
            billing = kwargs.pop("billing", None) or Billing(**values)
            return command(*args, billing=billing, **kwargs)

        positional = [p for p in kept if p.kind is not inspect.Parameter.KEYWORD_ONLY]
        keyword = [p for p in kept if p.kind is inspect.Parameter.KEYWORD_ONLY]
        new = signature.replace(parameters=[*positional, *keyword, *added])
        wrapper.__signature__ = new  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in new.parameters.values()}
        wrapper.__annotations__["return"] = signature.return_annotation
        return wrapper

    return decorate
