"""Inputs that overlap or belong together, and invocations only a status line tells of.

- **Naming** (``Naming``, consulted by ``RecordSink.env_code``): a custom log group's stream
  (``YYYY/MM/DD/<function>[<version>]<id>``) names the function, over ``--function`` and the
  file name (as a log group does). Two files named differently that share a log stream are
  one function's log split or rotated into parts (a stream belongs to one function, and its id
  is random): they become one function, named by their common base (``orders-part1.log``,
  ``orders-part2.log`` -> ``orders``); a file sharing a stream with an input whose content
  names the function takes that name. ``merge_environments`` gives each final (function,
  stream) one code, whatever the order the files were read in.
- **Duplicates** (``drop_duplicates``): the same event in two inputs (overlapping exports, the
  same file given twice, a re-run fetch) is kept once: the copy read first (lowest sequence
  number; the sink puts rows in read order first, ``collect.in_read_order``). A START is the
  same when its environment, RequestId and time are; a REPORT when its Duration is too; a
  status line when all its fields are. No two real records share all of these. Lifecycle
  marks (no RequestId) alike in all their fields are distinct events inside one part of the
  input (two environments starting in one second print alike without a stream); the same marks in
  another part (another input, or another copy inside an input whose REPORTs repeat: a copy
  pasted twice, exports joined with ``cat``) were read twice: the most any part holds is kept.
- **Timeouts without a REPORT** (``timeout_reports``): a "Task timed out after N seconds" line
  whose REPORT is not in the input (the window ended) is still a timed-out invocation of N
  seconds (the elapsed time the line states) ending at the line, so it is not lost as "incomplete".
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.read.request_ids import RequestIds

# a custom log group's stream: YYYY/MM/DD/<function>[<version>]<id> (§4)
CUSTOM_STREAM = re.compile(r"^\d{4}/\d\d/\d\d/([^\[/]+)\[")
# a part or rotation suffix of a file name: orders-part1, orders_2, orders.1, "orders (1)"
_PART = re.compile(r"(?:[-_. ]?(?:part|chunk|split|rotated)?[-_. ]?\d+|\s*\(\d+\))$", re.I)
_NEAR_MS = 10_000.0  # a REPORT this close to a timeout line is that invocation's


class Naming:
    """Canonical function of (function, environment) as the readers name them (see above).

    Names join when they share a log stream and at least one of them came from a file name:
    two file names join under their common base; a file name joins the name the content gives
    (a log group, a custom stream, ``functionName``), which wins. Two names from content never
    join.
    """

    def __init__(self, fallback: set[str]) -> None:
        self.fallback = fallback  # names that came from file names (the sink's set)
        self._owner: dict[str, str] = {}  # stream -> the first name seen with it
        self._parent: dict[str, str] = {}  # name -> the name it joined
        self._content: set[str] = set()  # names from content seen with a stream
        # shown name -> the file names read as that one function without a common base
        # (set by display_names, warned about by the reader)
        self.joined: dict[str, list[str]] = {}

    def __call__(self, function: str, environment: str) -> str:
        if not environment:
            return function
        custom = CUSTOM_STREAM.match(environment)
        if custom:  # the content names the function, whatever the file or --function say
            return custom.group(1)
        from_file = function in self.fallback
        if not from_file:
            self._content.add(function)
        root = self._root(function)
        owner = self._root(self._owner.setdefault(environment, function))
        if owner == root:
            return root
        if from_file and root not in self._content:  # a part of a log named by file or content
            self._parent[root] = owner
            return owner
        if owner not in self._content:  # the content names what a file name guessed
            self._parent[owner] = root
            return root
        return function  # two names from content: a reused stream name, kept apart

    def _root(self, name: str) -> str:
        while name in self._parent:
            name = self._parent[name]
        return name

    def display_names(self, environments: Sequence[tuple[str, str]]) -> dict[int, str]:
        """Environment code -> function name for the codes whose names joined others."""
        if not self._parent:
            return {}
        members: dict[str, set[str]] = {}
        for name in self._parent:
            root = self._root(name)
            members.setdefault(root, {root}).add(name)
        shown = {root: root if root in self._content else common_name(sorted(names)) or root
                 for root, names in members.items()}
        self.joined = {shown[root]: sorted(names) for root, names in members.items()
                       if shown[root] in names}  # no common base: read under one file's name
        out: dict[int, str] = {}
        for code, (function, _env) in enumerate(environments):
            root = self._root(function)
            if root in shown:
                out[code] = shown[root]
        return out


def merge_environments(environments: Sequence[tuple[str, str]], names: dict[int, str],
                       starts: dict[str, Any], reports: dict[str, Any], marks: list[Any],
                       status_lines: list[Any]) -> bool:
    """Give every environment one code: codes whose final (function, stream) are equal (a
    name that joined another after its first rows were read) take the first code. Changes
    the columns and records in place; True when some code changed."""
    first: dict[tuple[str, str], int] = {}
    code_map = np.arange(len(environments), dtype=np.int64)
    for code, (function, env) in enumerate(environments):
        if env:
            code_map[code] = first.setdefault((names.get(code, function), env), code)
    if (code_map == np.arange(len(environments))).all():
        return False
    for columns in (starts, reports):
        if len(columns["env"]):  # in the column's own integer type
            columns["env"] = code_map.astype(columns["env"].dtype)[columns["env"]]
    for item in (*marks, *status_lines):
        item.env = int(code_map[item.env])
    return True


def common_name(names: Sequence[str]) -> str | None:
    """The function name of a log split into files: their names without part suffixes
    (``orders-part1`` and ``orders-part2`` -> ``orders``), None when those differ (a name is
    never made up from a shared prefix: ``cart`` and ``checkout`` are not function ``c``)."""
    bases = {_PART.sub("", n) or n for n in names}
    return bases.pop() if len(bases) == 1 else None


def drop_duplicates(starts: dict[str, Any], reports: dict[str, Any], marks: list[Any],
                    status_lines: list[Any], input_seqs: Sequence[int] = (),
                    candidates: tuple[np.ndarray, np.ndarray] | None = None
                    ) -> tuple[dict[str, Any], dict[str, Any], list[Any], list[Any], int]:
    """The columns and lists without repeated records; the count of records dropped. The
    column dicts are filtered in place, one column at a time (never two copies of them all).

    ``input_seqs``: the first sequence number of each input, in read order (the inputs
    ``RecordSink.start_input`` marked). Lifecycle marks (INIT_START, EXTENSION, ...) carry no
    RequestId, and a lossy format (no stream, whole seconds: ``aws logs tail --format
    short``) prints two of them alike when two environments start in one second. Marks alike
    are therefore counted per part of the input (an input, or each copy inside an input that
    repeats itself: where its REPORTs start to repeat, ``_copy_starts``) and kept as many
    times as the part holding most of them holds them (``_unique_marks``): a real overlap
    repeats one part's events in another part, never inside the same one."""
    dropped = 0
    parts = list(input_seqs)
    for k, (columns, key) in enumerate(((starts, ("env", "rid_hash", "ts")),
                                        (reports, ("env", "rid_hash", "ts", "duration_ms")))):
        repeats = parts if "seq" in columns else None
        keep = _first_of_each(columns, key, repeats,
                              None if candidates is None else candidates[k])
        if keep is not None:
            dropped += len(columns["env"]) - int(keep.sum())
            for name in list(columns):  # in order: the dict keeps its key order
                columns[name] = columns.pop(name)[keep]
    unique_marks = _unique_marks(marks, sorted(set(parts)))
    unique_lines = _unique(status_lines)
    dropped += len(marks) - len(unique_marks) + len(status_lines) - len(unique_lines)
    return starts, reports, unique_marks, unique_lines, dropped


def _first_of_each(columns: dict[str, Any], key: tuple[str, ...],
                   parts: list[int] | None = None, candidates: np.ndarray | None = None
                   ) -> np.ndarray | None:
    """A mask keeping the first row of each key; None when every row is unique already.
    With ``parts`` (the inputs' first sequence numbers, and a ``seq`` column), the starts
    of the copies inside an input that repeats itself are added to it (``_copy_starts``).
    ``candidates``: positions (increasing) of every row that may repeat another, when the
    caller knows them (the rows whose environment and RequestId repeat: the sink finds them
    while it slices the keys for pairing, ``collect.repeated_keys``); else found as below.

    The top 32 bits of a 64-bit hash per row, sorted, find the repeated ones (usually none:
    1M rows give about a hundred by chance); only rows with a repeated one (the duplicates,
    and those chance collisions) are compared column by column. Holds one uint32 per row at
    a time (4 bytes a row: no hash table; sorting 32 bits takes 0.6 of the time of 64).
    """
    n = len(columns["env"])
    if n < 2:
        return None
    if candidates is None:
        high = _row_hashes(columns, key, top=True)
        high.sort()
        repeated = high[1:][high[1:] == high[:-1]]
        del high
        if not len(repeated):
            return None
        candidates = np.flatnonzero(member_of(_row_hashes(columns, key, top=True), repeated))
    if len(candidates) < 2:
        return None
    # times to the microsecond: readers compute the same time by different float paths
    frame = pd.DataFrame({name: _micros(columns[name][candidates]) if name == "ts"
                          else columns[name][candidates] for name in key})
    drop = frame.duplicated(keep="first").to_numpy()
    if not drop.any():
        return None
    if parts is not None:
        frame["input"] = input_of(columns["seq"][candidates], parts)
        within = candidates[frame.duplicated(keep="first").to_numpy()]
        parts.extend(_copy_starts(np.asarray(columns["seq"]), within, parts))
    keep = np.ones(n, dtype=bool)
    keep[candidates[drop]] = False
    return keep


def _copy_starts(seq: np.ndarray, within: np.ndarray, input_seqs: Sequence[int]) -> list[int]:
    """Where each copy inside an input that repeats itself starts: just after the last REPORT
    before a run of REPORTs that repeat REPORTs of the same input (a copy pasted twice, two
    overlapping exports joined with ``cat``). ``within``: the rows repeating a row of their
    own input; ``seq``: every row's sequence number."""
    if not len(within):
        return []
    ordered = np.sort(seq)
    repeating = set(seq[within].tolist())
    inputs = input_of(ordered, input_seqs)
    out = []
    for at in np.searchsorted(ordered, np.sort(seq[within])).tolist():
        if at == 0 or int(ordered[at - 1]) in repeating or inputs[at - 1] != inputs[at]:
            continue  # inside a run, or the run starts its input (already a part)
        out.append(int(ordered[at - 1]) + 1)
    return out


def input_of(seqs: Any, input_seqs: Sequence[int]) -> np.ndarray:
    """The index of the input each sequence number was read from (0 without inputs)."""
    if not len(input_seqs):
        return np.zeros(len(seqs), dtype=np.int64)
    return np.maximum(np.searchsorted(np.asarray(input_seqs, dtype=np.int64),
                                      np.asarray(seqs, dtype=np.int64), side="right") - 1, 0)


def _unique_marks(marks: list[Any], parts: Sequence[int]) -> list[Any]:
    """Marks without the ones read more than once: of marks alike (every field but ``seq``),
    as many are kept as the part (``parts``: first sequence numbers) holding most of them
    holds; the first ones read."""
    if len(marks) < 2:
        return marks
    inputs = input_of([m.seq for m in marks], parts).tolist()
    fields = [f for f in marks[0].__dataclass_fields__ if f != "seq"]
    per_part: dict[tuple[Any, ...], dict[int, int]] = {}
    kept: dict[tuple[Any, ...], int] = {}
    out = []
    for item, part in zip(marks, inputs, strict=True):
        key = _key(item, fields)
        counts = per_part.setdefault(key, {})
        counts[part] = counts.get(part, 0) + 1
        if counts[part] <= kept.get(key, 0):
            continue  # this part's n-th such mark: another part's n-th was kept
        kept[key] = counts[part]
        out.append(item)
    return out


_ODD = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93)
BLOCK_ROWS = 1 << 16  # column-wide work a block of rows at a time: small temporaries


def _row_hashes(columns: dict[str, Any], key: tuple[str, ...], top: bool = False
                ) -> np.ndarray:
    """uint64 per row mixing the ``key`` columns' values (``_bits``), a block at a time;
    with ``top``, its top 32 bits as uint32."""
    n = len(columns["env"])
    out = np.empty(n, dtype=np.uint32 if top else np.uint64)
    with np.errstate(over="ignore"):
        for lo in range(0, n, BLOCK_ROWS):
            hi = min(lo + BLOCK_ROWS, n)
            mixed = np.zeros(hi - lo, dtype=np.uint64)
            for k, name in enumerate(key):
                mixed = (mixed ^ _bits(columns[name][lo:hi], name)) * np.uint64(
                    _ODD[k % len(_ODD)])
                mixed ^= mixed >> np.uint64(29)
            out[lo:hi] = mixed >> np.uint64(32) if top else mixed
    return out


def _bits(values: Any, name: str) -> Any:
    """A column as 64-bit patterns: times in microseconds, floats by value (NaN as one)."""
    if name == "ts":
        return _micros(values).astype(np.uint64)
    array = np.asarray(values)
    if array.dtype.kind == "f":
        return np.nan_to_num(array, nan=-1.0).astype(np.float64).view(np.uint64)
    return array.astype(np.uint64)


def member_of(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Boolean mask: which ``values`` are among ``keys`` (few keys, such as status lines,
    timeouts or retried RequestIds, against a column of millions; ``KeySet``), a block of
    values at a time: no column-sized temporaries."""
    out = np.zeros(len(values), dtype=bool)
    if not len(keys) or not len(values):
        return out
    among = KeySet(keys)
    for lo in range(0, len(values), BLOCK_ROWS):
        block = values[lo:lo + BLOCK_ROWS]
        out[lo:lo + len(block)] = among.contains(block)
    return out


def keys_among(env: np.ndarray, rid_hash: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``member_of(pair_key(env, rid_hash), keys)``, a block of rows at a time (no
    column-sized key array): the rows whose (environment, RequestId) some of ``keys`` is."""
    out = np.zeros(len(env), dtype=bool)
    if not len(keys):
        return out
    among = KeySet(keys)
    for lo in range(0, len(env), BLOCK_ROWS):
        hi = min(lo + BLOCK_ROWS, len(env))
        out[lo:hi] = among.contains(pair_key(env[lo:hi], rid_hash[lo:hi]))
    return out


_FLAG_BITS = 20  # KeySet's bitmap: 2**20 flags (1 MB)


class KeySet:
    """A few keys, tested against many values: by binary search in the sorted keys, after
    (for uint64 hash keys, whose low bits are as random as any) a bitmap of the keys' low 20
    bits has ruled out nearly every value at one lookup each. 5,000 keys against 5M values:
    0.02 s instead of 0.3 s."""

    def __init__(self, keys: np.ndarray) -> None:
        self.keys = np.unique(keys)
        self.flags: np.ndarray | None = None
        if self.keys.dtype in (np.uint64, np.uint32):  # hashes (or their top 32 bits)
            self.flags = np.zeros(1 << _FLAG_BITS, dtype=bool)
            self.flags[self.keys & self.keys.dtype.type(_LOW_BITS)] = True

    def contains(self, values: np.ndarray) -> np.ndarray:
        """Boolean mask over ``values``: which are among the keys."""
        out = np.zeros(len(values), dtype=bool)
        if not len(self.keys):
            return out
        if self.flags is None or values.dtype != self.keys.dtype:
            return self._search(values)
        rows = np.flatnonzero(self.flags[values & values.dtype.type(_LOW_BITS)])
        out[rows] = self._search(values[rows])
        return out

    def _search(self, values: np.ndarray) -> np.ndarray:
        at = np.minimum(np.searchsorted(self.keys, values), len(self.keys) - 1)
        return np.asarray(self.keys[at] == values)


_LOW_BITS = np.uint64((1 << _FLAG_BITS) - 1)


def pair_key(env: Any, rid_hash: Any) -> Any:
    """One uint64 per (environment code, RequestId hash): the key STARTs, REPORTs and status
    lines are joined on (with the time). Makes one array, no temporaries."""
    out = np.asarray(env).astype(np.uint64)
    with np.errstate(over="ignore"):
        np.multiply(out, np.uint64(_ODD[0]), out=out)
    np.bitwise_xor(out, np.asarray(rid_hash).astype(np.uint64, copy=False), out=out)
    return out


def _micros(ms: Any) -> Any:
    return np.round(np.asarray(ms, dtype=np.float64) * 1000.0).astype(np.int64)


def _unique(items: list[Any], skip: tuple[str, ...] = ()) -> list[Any]:
    if len(items) < 2:
        return items
    fields = [f for f in items[0].__dataclass_fields__ if f not in skip]
    seen: set[tuple[Any, ...]] = set()
    out = []
    for item in items:
        key = _key(item, fields)
        if key in seen:
            continue
        seen.add(key)
        out.append(item)
    return out


def _key(item: Any, fields: Sequence[str]) -> tuple[Any, ...]:
    """A record's fields as a key: NaN equal to NaN, times to the microsecond."""
    values = tuple(getattr(item, f) for f in fields)  # scalars: no astuple deep copy
    return tuple("nan" if isinstance(v, float) and math.isnan(v)
                 else round(v * 1000.0) if f == "ts" else v
                 for f, v in zip(fields, values, strict=True))


def timeout_reports(status_lines: list[Any], reports: dict[str, Any], first_seq: int,
                    hash_ids: Any) -> dict[str, Any] | None:
    """REPORT rows for timeout lines with no REPORT of their invocation (module docstring).

    Each row: Duration = the N seconds the line states (elapsed time), ending at the line,
    status ``timeout``, the other numbers missing (not logged). None when there are none.
    """
    lines = [s for s in status_lines if s.status == "timeout" and not math.isnan(s.timeout_ms)]
    if not lines:
        return None
    have: dict[tuple[int, str], list[float]] = {}
    if len(reports["env"]):
        # only REPORTs whose (environment, RequestId hash) some timeout line has: few
        line_keys = pair_key(np.array([s.env for s in lines], dtype=np.int64),
                             hash_ids([s.request_id for s in lines]))
        near = np.flatnonzero(keys_among(reports["env"], reports["rid_hash"], line_keys))
        for i in near.tolist():
            key = (int(reports["env"][i]), str(reports["request_id"][i]))
            have.setdefault(key, []).append(float(reports["ts"][i]))
    rows = [s for s in lines
            if not any(abs(t - s.ts) <= _NEAR_MS for t in have.get((s.env, s.request_id), ()))]
    if not rows:
        return None
    n = len(rows)
    nan = np.full(n, np.nan)
    out: dict[str, Any] = {
        "env": np.array([s.env for s in rows], dtype=np.int64),
        "ts": np.array([s.ts for s in rows], dtype=np.float64),
        "seq": np.arange(first_seq, first_seq + n, dtype=np.int64),
        "rid_hash": hash_ids([s.request_id for s in rows]),
        "request_id": RequestIds.from_strings([s.request_id for s in rows]),
        "status": np.array(["timeout"] * n, dtype=object),
        "error_type": np.array([""] * n, dtype=object),
    }
    for name in ("billed_duration_ms", "memory_mb", "max_memory_used_mb", "init_duration_ms",
                 "restore_duration_ms", "billed_restore_duration_ms"):
        out[name] = nan.copy()
    out["duration_ms"] = np.array([s.timeout_ms for s in rows], dtype=np.float64)
    return out
