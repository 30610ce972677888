"""The plan and the resume state of a fetch: time windows, units of work, and the sqlite store.

A fetch is split into **units**: one log group (or, in Insights mode, a batch of log groups)
over a half-open time range. Units are the grain of parallelism and of resume. The state of
every unit (pending, partial with a ``nextToken`` and committed bytes, done, split) lives in a
sqlite3 database beside the output (``OUTPUT.state.sqlite``), so a page of events updates one
row instead of rewriting the whole state: a fetch of thousands of functions stays cheap to
checkpoint. sqlite3 is in Python's standard library; the database is written with
``synchronous=NORMAL`` in WAL mode, so a committed page survives the process being killed.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lamlife.lifecycle.errors import InputError

STATE_FORMAT = 2  # 1 was a JSON file rewritten after every page


# ---------------------------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------------------------


def to_ms(instant: datetime) -> int:
    return int(math.floor(instant.timestamp() * 1000))


def ms_to_iso(ms: int) -> str:
    instant = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


@dataclass(frozen=True)
class Window:
    """A half-open time range [start_ms, end_ms) in epoch milliseconds."""

    start_ms: int
    end_ms: int

    @property
    def start_iso(self) -> str:
        return ms_to_iso(self.start_ms)

    @property
    def end_iso(self) -> str:
        return ms_to_iso(self.end_ms)

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start_iso, "end": self.end_iso}


# ---------------------------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------------------------


@dataclass
class Unit:
    """One log group (``group``), or a batch of them (``groups``, Insights mode), over a
    half-open time range; the unit of parallelism and of resume."""

    group: int  # index into FetchState.log_groups (the first of the batch)
    start_ms: int
    end_ms: int
    status: str = "pending"  # pending | partial | done | split
    token: str | None = None  # nextToken to continue from (filter mode)
    bytes: int = 0  # committed bytes of the part file (single-group units)
    events: int = 0  # committed events
    truncated: bool = False  # Insights: more rows than one query returns, cannot split further
    groups: list[int] = field(default_factory=list)  # the batch; empty means [group]

    @property
    def key(self) -> str:
        batch = f"+{len(self.groups)}" if len(self.groups) > 1 else ""
        return f"{self.group:03d}{batch}-{self.start_ms}-{self.end_ms}"

    @property
    def part_name(self) -> str:
        return f"{self.key}.jsonl"

    @property
    def group_indices(self) -> list[int]:
        return list(self.groups) if self.groups else [self.group]

    def part_of(self, group: int) -> str:
        """The part file holding this unit's events of one log group."""
        if len(self.group_indices) == 1:
            return self.part_name
        return f"{self.key}.g{group}.jsonl"


def plan_units(
    groups: int, window: Window, chunk_ms: int, align_ms: int = 1,
    batches: list[list[int]] | None = None,
) -> list[Unit]:
    """Split the window into adjacent units of at most ``chunk_ms`` for every log group (or
    every batch of log groups, when ``batches`` is given).

    Inner boundaries are multiples of ``align_ms`` (1000 for Insights, whose times are seconds).
    """
    if chunk_ms <= 0:
        raise InputError("the chunk size must be positive")
    chunk_ms = max(chunk_ms, align_ms)
    bounds = [window.start_ms]
    cursor = window.start_ms
    while True:
        nxt = ((cursor + chunk_ms) // align_ms) * align_ms
        if nxt <= cursor:
            nxt = cursor + align_ms
        if nxt >= window.end_ms:
            break
        bounds.append(nxt)
        cursor = nxt
    bounds.append(window.end_ms)
    targets = batches if batches is not None else [[g] for g in range(groups)]
    return [
        Unit(group=batch[0], start_ms=a, end_ms=b,
             groups=list(batch) if len(batch) > 1 else [])
        for batch in targets
        for a, b in zip(bounds[:-1], bounds[1:], strict=False)
    ]


def batch_groups(count: int, size: int) -> list[list[int]]:
    """Log group indices ``0..count-1`` in batches of at most ``size``."""
    size = max(1, size)
    return [list(range(i, min(i + size, count))) for i in range(0, count, size)]


def bisect_unit(unit: Unit, align_ms: int = 1000) -> tuple[Unit, Unit] | None:
    """Two halves of a unit at an aligned boundary; else, for a batch, its log groups split in
    two; None when it cannot be split further."""
    mid = ((unit.start_ms + unit.end_ms) // 2 // align_ms) * align_ms
    if unit.start_ms < mid < unit.end_ms:
        return (
            Unit(group=unit.group, start_ms=unit.start_ms, end_ms=mid, groups=list(unit.groups)),
            Unit(group=unit.group, start_ms=mid, end_ms=unit.end_ms, groups=list(unit.groups)),
        )
    batch = unit.group_indices
    if len(batch) > 1:
        half = len(batch) // 2
        first, second = batch[:half], batch[half:]
        return (
            Unit(group=first[0], start_ms=unit.start_ms, end_ms=unit.end_ms,
                 groups=first if len(first) > 1 else []),
            Unit(group=second[0], start_ms=unit.start_ms, end_ms=unit.end_ms,
                 groups=second if len(second) > 1 else []),
        )
    return None


# ---------------------------------------------------------------------------------------------
# The state
# ---------------------------------------------------------------------------------------------


@dataclass
class FetchState:
    """Everything needed to resume a fetch; kept in OUTPUT.state.sqlite."""

    functions: list[str]
    log_groups: list[str]  # unique, in order of first use
    function_groups: list[int]  # log group index of each function
    window: Window
    mode: str  # "filter" | "insights"
    region: str
    headers: list[dict[str, Any]]
    units: list[Unit]
    filter_pattern: str = ""
    warnings: list[str] = field(default_factory=list)
    selection: str = ""  # how the functions were chosen: "", "all" or "prefix:NAME"

    def meta(self) -> dict[str, Any]:
        return {
            "lamlife_fetch_state": STATE_FORMAT,
            "functions": self.functions,
            "log_groups": self.log_groups,
            "function_groups": self.function_groups,
            "window": {"start_ms": self.window.start_ms, "end_ms": self.window.end_ms},
            "mode": self.mode,
            "region": self.region,
            "filter_pattern": self.filter_pattern,
            "headers": self.headers,
            "warnings": self.warnings,
            "selection": self.selection,
        }

    @classmethod
    def from_meta(cls, data: dict[str, Any], units: list[Unit]) -> FetchState:
        if data.get("lamlife_fetch_state") != STATE_FORMAT:
            raise InputError("not a lamlife fetch state (or from another version)")
        try:
            return cls(
                functions=list(data["functions"]),
                log_groups=list(data["log_groups"]),
                function_groups=[int(i) for i in data["function_groups"]],
                window=Window(int(data["window"]["start_ms"]), int(data["window"]["end_ms"])),
                mode=str(data["mode"]),
                region=str(data["region"]),
                headers=list(data["headers"]),
                units=units,
                filter_pattern=str(data.get("filter_pattern", "")),
                warnings=list(data.get("warnings", [])),
                selection=str(data.get("selection", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"damaged lamlife fetch state ({exc})") from None

    def open_units(self) -> list[Unit]:
        return [u for u in self.units if u.status in ("pending", "partial")]

    def finished(self) -> bool:
        return not self.open_units()

    def ordered_done_units(self) -> list[Unit]:
        done = [u for u in self.units if u.status == "done"]
        return sorted(done, key=lambda u: (u.group, u.start_ms))

    def done_units_of(self, group: int) -> list[Unit]:
        """Done units holding events of one log group, in time order."""
        done = [u for u in self.units if u.status == "done" and group in u.group_indices]
        return sorted(done, key=lambda u: u.start_ms)

    def split(self, unit: Unit, halves: tuple[Unit, Unit]) -> None:
        unit.status = "split"
        unit.token = None
        self.units.extend(halves)


# ---------------------------------------------------------------------------------------------
# The sqlite store
# ---------------------------------------------------------------------------------------------

_UNIT_FIELDS = ("group", "start_ms", "end_ms", "status", "token", "bytes", "events",
                "truncated", "groups")
_COLUMNS = ", ".join(f'"{name}"' for name in _UNIT_FIELDS)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS units (
    key TEXT PRIMARY KEY, "group" INTEGER NOT NULL, start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL, status TEXT NOT NULL, token TEXT, bytes INTEGER NOT NULL,
    events INTEGER NOT NULL, truncated INTEGER NOT NULL, groups TEXT NOT NULL
);
"""


def _unit_row(unit: Unit) -> tuple[Any, ...]:
    data = asdict(unit)
    data["truncated"] = int(unit.truncated)
    data["groups"] = json.dumps(unit.groups)
    return (unit.key, *(data[name] for name in _UNIT_FIELDS))


class StateStore:
    """The resume state in sqlite: one row of metadata, one row per unit.

    ``save_unit`` updates a single row (a page of a unit); ``add_units`` inserts the halves of
    a split unit; ``save_meta`` rewrites the small metadata row (warnings). Thread-safe: the
    fetch's workers share one connection under a lock. Raises sqlite3.Error / OSError, which
    the fetch reports as a file error naming the path.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(os.fspath(path), check_same_thread=False,
                                   isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error:
            self._db.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def write(self, state: FetchState) -> None:
        """Replace everything with ``state`` (one transaction)."""
        with self._lock:
            db = self._db
            db.execute("BEGIN")
            try:
                db.execute("DELETE FROM units")
                db.execute("INSERT OR REPLACE INTO meta (id, data) VALUES (1, ?)",
                           (json.dumps(state.meta()),))
                db.executemany(f"INSERT INTO units VALUES ({','.join('?' * 10)})",
                               [_unit_row(u) for u in state.units])
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def save_unit(self, unit: Unit) -> None:
        row = _unit_row(unit)
        with self._lock:
            self._db.execute(
                f"INSERT OR REPLACE INTO units VALUES ({','.join('?' * 10)})", row)

    def add_units(self, units: list[Unit], split: Unit) -> None:
        with self._lock:
            db = self._db
            db.execute("BEGIN")
            try:
                db.execute(f"INSERT OR REPLACE INTO units VALUES ({','.join('?' * 10)})",
                           _unit_row(split))
                db.executemany(f"INSERT OR REPLACE INTO units VALUES ({','.join('?' * 10)})",
                               [_unit_row(u) for u in units])
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def save_meta(self, state: FetchState) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta (id, data) VALUES (1, ?)",
                             (json.dumps(state.meta()),))

    def read(self) -> FetchState:
        with self._lock:
            meta = self._db.execute("SELECT data FROM meta WHERE id = 1").fetchone()
            rows = self._db.execute(
                f"SELECT {_COLUMNS} "
                "FROM units ORDER BY rowid").fetchall()
        if meta is None:
            raise InputError("not a lamlife fetch state (no metadata)")
        units = []
        for row in rows:
            values = dict(zip(_UNIT_FIELDS, row, strict=True))
            values["truncated"] = bool(values["truncated"])
            values["groups"] = [int(g) for g in json.loads(values["groups"])]
            units.append(Unit(**values))
        return FetchState.from_meta(json.loads(meta[0]), units)


def save_state(path: Path, state: FetchState) -> None:
    """Write the whole state to the sqlite file at ``path`` (created when missing)."""
    store = StateStore(path)
    try:
        store.write(state)
    finally:
        store.close()


def load_state(path: Path) -> FetchState:
    """The state saved at ``path``. Raises InputError when it is not a lamlife fetch state."""
    if not path.is_file():
        raise InputError(f"cannot read fetch state {path}: no such file")
    try:
        store = StateStore(path)
    except sqlite3.Error as exc:
        raise InputError(f"cannot read fetch state {path}: {exc}") from None
    try:
        return store.read()
    except (sqlite3.Error, ValueError, TypeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read fetch state {path}: {exc}") from None
    except InputError as exc:
        raise InputError(f"cannot read fetch state {path}: {exc}") from None
    finally:
        store.close()
