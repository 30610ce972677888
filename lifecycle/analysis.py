"""The result of one analysis: the tables, the summary and what was read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
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


def has_compact_ids(table: Any) -> bool:
    """``read.request_ids.has_compact_ids`` (imported when called: the read package imports
    this module)."""
    from lamlife.lifecycle.read.request_ids import has_compact_ids as compact

    return compact(table)


def text_ids(table: Any) -> Any:
    """``read.request_ids.text_ids`` (imported when called, as ``has_compact_ids``)."""
    from lamlife.lifecycle.read.request_ids import text_ids as text

    return text(table)


@dataclass(frozen=True, eq=False)
class DeferredPrices:
    """The per-row prices an analysis has not added to its invocation table yet.

    Pricing (``billing.rules.price_analysis``) computes ``summary["cost"]`` one priced column
    at a time and keeps none of them: a report that shows no invocation row never holds the
    14 priced columns (about 93 bytes a row). ``price`` makes them when rows are read: it
    returns the invocation table given to it plus ``schema.COST_COLUMNS`` and
    ``billing.rules.BILLING_COLUMNS``. ``function_costs`` holds, per function name (the
    index), the summed ``cost_usd`` and ``init_cost_usd`` of its invocations (NaN where none
    was priced): what the account table reads without the rows.

    Two are equal when they would price alike: the same pricing function with equal inputs
    (a ``functools.partial``'s function, arguments and keywords: the billing options, the
    price table, the configurations) and equal ``function_costs``; nothing is priced."""

    price: Callable[[pd.DataFrame], pd.DataFrame]
    function_costs: pd.DataFrame

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DeferredPrices):
            return NotImplemented
        return _same_pricing(self.price, other.price) \
            and same_values(self.function_costs, other.function_costs)


def _same_pricing(one: Callable[..., Any], other: Callable[..., Any]) -> bool:
    """Whether two pricing functions are the same function over equal inputs."""
    if isinstance(one, partial) and isinstance(other, partial):
        return one.func is other.func and same_values(one.args, other.args) \
            and same_values(one.keywords, other.keywords)
    return one is other


def same_values(one: Any, other: Any) -> bool:
    """Equality for the values an analysis holds: DataFrames and Series by
    ``equals`` (same values, dtypes and index; NaN equal to NaN in the same place), dicts,
    lists and tuples item by item, NaN equal to NaN, anything else by ``==``."""
    if isinstance(one, pd.DataFrame | pd.Series) or isinstance(other, pd.DataFrame | pd.Series):
        if isinstance(one, pd.DataFrame) and isinstance(other, pd.DataFrame) \
                and has_compact_ids(one) != has_compact_ids(other):
            one, other = text_ids(one), text_ids(other)  # RequestIds read as text or not
        return type(one) is type(other) and bool(one.equals(other))
    if isinstance(one, dict) and isinstance(other, dict):
        return one.keys() == other.keys() and all(same_values(one[k], other[k]) for k in one)
    if isinstance(one, list | tuple) and isinstance(other, list | tuple):
        return type(one) is type(other) and len(one) == len(other) \
            and all(same_values(a, b) for a, b in zip(one, other, strict=True))
    if isinstance(one, float) and isinstance(other, float) and one != one and other != other:
        return True  # NaN
    return bool(one == other)


class PricedOnRead:
    """A DataFrame attribute whose per-row prices are added on its first read.

    ``pending(owner, table)`` gets the object and the table it holds, and returns the priced
    table when the prices are still to be added (it prices them then) or None when the table
    is complete. The priced table replaces the held one, so later reads return it as it is.
    ``Analysis.invocations`` prices with its ``deferred_prices``; ``AnalysisResult.invocations``
    (the API) reads its analysis's. Set on a dataclass field, the dataclass has no default for
    it (the class-level read raises AttributeError) and ``__init__`` sets the table through
    ``__set__``; ``owner.__dict__[name]`` is the table as held, never priced by reading it."""

    def __init__(self, pending: Callable[[Any, pd.DataFrame], pd.DataFrame | None]) -> None:
        self.pending = pending
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> pd.DataFrame:
        if obj is None:  # read on the class: the dataclass field has no default
            raise AttributeError(self.name)
        table: pd.DataFrame = obj.__dict__[self.name]
        priced = self.pending(obj, table)
        if priced is not None:
            obj.__dict__[self.name] = table = priced
        return table

    def __set__(self, obj: Any, table: pd.DataFrame) -> None:
        obj.__dict__[self.name] = table


def _price_deferred(analysis: Analysis, held: pd.DataFrame) -> pd.DataFrame | None:
    """``held`` with its rows made whole, or None when they are: RequestIds as text where
    the table holds them as 16-byte UUIDs (``read.request_ids.text_ids``), and the
    analysis's deferred per-row prices added (and those then dropped from the analysis)."""
    deferred = analysis.__dict__.get("deferred_prices")
    compact = has_compact_ids(held)
    if deferred is None and not compact:
        return None
    table = text_ids(held) if compact else held
    if deferred is not None:
        table = deferred.price(table)
        analysis.__dict__["deferred_prices"] = None
    return table


def describe(kind: str, invocations: pd.DataFrame, environments: pd.DataFrame,
             events: pd.DataFrame, summary: dict[str, Any], rows_on_read: bool) -> str:
    """A one-line description of an analysis (its ``repr``): counts and whether it is
    priced, read from the tables as held (nothing is priced by it)."""
    def count(n: int, word: str) -> str:
        return f"{n:,} {word}{'' if n == 1 else 's'}"

    cold = summary.get("cold_starts")
    parts = [count(len(invocations), "invocation"), count(len(environments), "environment"),
             *([count(int(cold), "cold start")] if cold is not None else []),
             count(len(events), "event")]
    if "cost" not in summary:
        priced = "not priced"
    elif rows_on_read:
        priced = "priced, rows priced on read"
    else:
        priced = "priced"
    return f"<{kind}: {', '.join(parts)}; {priced}>"


@dataclass(repr=False, eq=False)
class Analysis:
    """Everything one run of the engine (observed or simulated) produced.

    ``invocations``, ``environments``, ``functions`` and ``events`` follow the column
    contracts in ``lamlife.lifecycle.schema``; ``summary`` is the ``summary`` object of the
    JSON contract in DESIGN.md.

    A priced analysis may hold its invocation table without the per-row priced columns
    (``deferred_prices``): reading ``invocations`` prices the rows then, once (at 1M
    invocations about 0.3 s and 93 MB). Code that reads only the engine's own columns reads
    ``held_invocations``, which never prices. Neither ``repr`` (a one-line summary: counts,
    priced or not) nor ``==`` prices: two analyses are equal when their tables as held, their
    summaries, inputs and account tables are, and their deferred prices would price alike
    (so an analysis whose rows were read, and priced, no longer equals its unread twin).
    """

    if TYPE_CHECKING:
        invocations: pd.DataFrame
    else:  # the descriptor: __init__ sets the table through it, reads price the rows
        invocations: pd.DataFrame = PricedOnRead(_price_deferred)
    environments: pd.DataFrame
    functions: pd.DataFrame
    events: pd.DataFrame
    summary: dict[str, Any]
    input: InputStats
    # one row per function (lifecycle.engine.account) when several functions are present
    account: pd.DataFrame | None = None
    # per-row prices not added to ``invocations`` yet (see DeferredPrices); None once added
    deferred_prices: DeferredPrices | None = None

    def __repr__(self) -> str:
        return describe("Analysis", self.held_invocations, self.environments, self.events,
                        self.summary, self.deferred_prices is not None)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Analysis):
            return NotImplemented
        return all(same_values(getattr(self, name), getattr(other, name)) for name in (
            "held_invocations", "environments", "functions", "events", "summary", "input",
            "account")) and self.deferred_prices == other.deferred_prices

    @property
    def rows_pending(self) -> bool:
        """Whether reading ``invocations`` changes the held table: prices to add or
        RequestIds held as 16-byte UUIDs."""
        return self.deferred_prices is not None or has_compact_ids(self.held_invocations)

    @property
    def held_invocations(self) -> pd.DataFrame:
        """The invocation table as held now, never priced by this read: without the per-row
        priced columns while ``deferred_prices`` is set, and with ``request_id`` as 16-byte
        binary UUIDs until rows are read where every id is a UUID
        (``read.request_ids.text_ids`` gives them as text). For readers of the engine's own
        columns (the reports that show no invocation row, the account table)."""
        table: pd.DataFrame = self.__dict__["invocations"]
        return table
