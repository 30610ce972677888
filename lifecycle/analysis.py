"""The result of one analysis: the tables, the summary and what was read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd


@dataclass
class InputStats:
    """How every input line was accounted for."""

    files: int = 0
    lines: int = 0  # physical lines read
    events: int = 0  # log events (a REPORT and its XRAY line are one event)
    records: int = 0  # platform records parsed (START, REPORT, INIT_START, JSON platform.*, ...)
    ignored: int = 0  # application output and other non-platform lines
    malformed: int = 0  # platform-looking lines that could not be parsed
    malformed_examples: list[str] = field(default_factory=list)  # "file:line: text", first few
    formats: dict[str, int] = field(default_factory=dict)  # detected format -> number of files
    incomplete: int = 0  # invocations with a START but no REPORT (window ended mid-invocation)
    duplicates: int = 0  # repeated platform records dropped (the same event in two inputs)
    seen: dict[str, int] = field(default_factory=dict)  # platform records by kind (read.seen)
    configurations: dict[str, dict[str, Any]] = field(default_factory=dict)  # function -> config
    # function -> environment -> AWS Region the input named ("" = the whole function)
    regions: dict[str, dict[str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "lines": self.lines,
            "events": self.events,
            "records": self.records,
            "ignored": self.ignored,
            "malformed": self.malformed,
            "malformed_examples": list(self.malformed_examples),
            "formats": dict(self.formats),
            "incomplete": self.incomplete,
            "duplicates": self.duplicates,
            "seen": dict(self.seen),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class DeferredPrices:
    """The per-row prices an analysis has not added to its invocation table yet.

    Pricing (``billing.rules.price_analysis``) computes ``summary["cost"]`` one priced column
    at a time and keeps none of them: a report that shows no invocation row never holds the
    14 priced columns (about 93 bytes a row). ``price`` makes them when rows are read: it
    returns the invocation table given to it plus ``schema.COST_COLUMNS`` and
    ``billing.rules.BILLING_COLUMNS``. ``function_costs`` holds, per function name (the
    index), the summed ``cost_usd`` and ``init_cost_usd`` of its invocations (NaN where none
    was priced): what the account table reads without the rows."""

    price: Callable[[pd.DataFrame], pd.DataFrame]
    function_costs: pd.DataFrame


class _PricedOnRead:
    """``Analysis.invocations``: the table as held, with the deferred per-row prices added on
    the first read (and kept: later reads return the same priced table)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, analysis: Analysis | None, owner: type | None = None) -> pd.DataFrame:
        if analysis is None:  # read on the class: the dataclass field has no default
            raise AttributeError(self.name)
        held: pd.DataFrame = analysis.__dict__[self.name]
        deferred = analysis.__dict__.get("deferred_prices")
        if deferred is not None:
            held = deferred.price(held)
            analysis.__dict__[self.name] = held
            analysis.__dict__["deferred_prices"] = None
        return held

    def __set__(self, analysis: Analysis, table: pd.DataFrame) -> None:
        analysis.__dict__[self.name] = table


@dataclass
class Analysis:
    """Everything one run of the engine (observed or simulated) produced.

    ``invocations``, ``environments``, ``functions`` and ``events`` follow the column
    contracts in ``lamlife.lifecycle.schema``; ``summary`` is the ``summary`` object of the
    JSON contract in DESIGN.md.

    A priced analysis may hold its invocation table without the per-row priced columns
    (``deferred_prices``): reading ``invocations`` prices the rows then, once (at 1M
    invocations about 0.3 s and 93 MB). Code that reads only the engine's own columns reads
    ``held_invocations``, which never prices.
    """

    if TYPE_CHECKING:
        invocations: pd.DataFrame
    else:  # the descriptor: __init__ sets the table through it, reads price the rows
        invocations: pd.DataFrame = _PricedOnRead()
    environments: pd.DataFrame
    functions: pd.DataFrame
    events: pd.DataFrame
    summary: dict[str, Any]
    input: InputStats
    # one row per function (lifecycle.engine.account) when several functions are present
    account: pd.DataFrame | None = None
    # per-row prices not added to ``invocations`` yet (see DeferredPrices); None once added
    deferred_prices: DeferredPrices | None = field(default=None, repr=False, compare=False)

    @property
    def held_invocations(self) -> pd.DataFrame:
        """The invocation table as held now, never priced by this read: without the per-row
        priced columns while ``deferred_prices`` is set. For readers of the engine's own
        columns (the reports that show no invocation row, the account table)."""
        table: pd.DataFrame = self.__dict__["invocations"]
        return table
