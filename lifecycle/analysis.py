"""The result of one analysis: the tables, the summary and what was read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class Analysis:
    """Everything one run of the engine (observed or simulated) produced.

    ``invocations``, ``environments``, ``functions`` and ``events`` follow the column
    contracts in ``lamlife.lifecycle.schema``; ``summary`` is the ``summary`` object of the
    JSON contract in DESIGN.md.
    """

    invocations: pd.DataFrame
    environments: pd.DataFrame
    functions: pd.DataFrame
    events: pd.DataFrame
    summary: dict[str, Any]
    input: InputStats
    # one row per function (lifecycle.engine.account) when several functions are present
    account: pd.DataFrame | None = None
