"""The same events in two shapes: an input without log streams copying one with them.

``aws logs tail --format short`` prints the time (to the second) and the message only (AWS
CLI reference, https://docs.aws.amazon.com/cli/latest/reference/logs/tail.html); console
copies and CSV downloads carry no stream either. Given beside a ``lamlife fetch`` file or a
detailed tail of the same function, its records land in an environment of no stream, where
``read.overlap``'s duplicate rule (keyed on the environment) cannot see them, and every
invocation counted twice.

The rule (``drop_streamless_copies``): a REPORT of an input without a stream is a copy of a
REPORT of another input with one when their RequestId, Duration and Billed Duration are equal
and their times are less than a second apart (the short format cuts the time to the second).
A RequestId names one invocation (a UUID), and a retry that reuses it does not repeat its
Duration to the hundredth of a millisecond within that second. The copy is dropped, with the
STARTs, timeout and crash lines of its environment and RequestId (when every REPORT of that
RequestId there was a copy), and the lifecycle marks (INIT_START, EXTENSION, ...) of that
input that equal, within the second, a mark of a function it copied. The records kept are the
ones with the stream: they show the environments. What is left of the input without streams
(events outside the other input's window) stays, named after the function it copied when its
name came from a file name only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lamlife.lifecycle.read.overlap import input_of, pair_key

SAME_EVENT_MS = 1000.0  # the short format's times are cut to the second


@dataclass
class StreamlessCopies:
    """What ``drop_streamless_copies`` found: per (input without streams, input with them,
    by read index) the REPORTs dropped; the records dropped in all; the environment codes
    whose function is now the one they copied."""

    reports: dict[tuple[int, int], int] = field(default_factory=dict)
    totals: dict[int, int] = field(default_factory=dict)  # REPORTs of each streamless input
    dropped: int = 0
    renamed: dict[int, str] = field(default_factory=dict)


def drop_streamless_copies(environments: Sequence[tuple[str, str]], starts: dict[str, Any],
                           reports: dict[str, Any], marks: list[Any], status_lines: list[Any],
                           input_seqs: Sequence[int], fallback: set[str],
                           hash_ids: Callable[[Sequence[str]], np.ndarray]
                           ) -> tuple[list[Any], list[Any], StreamlessCopies]:
    """Drop the records of inputs without streams that copy inputs with them (module
    docstring). ``starts`` and ``reports`` (the sink's column dicts) are filtered in place;
    the marks and status lines kept are returned with what was found. ``fallback``: the
    function names that came from file names; ``hash_ids``: the sink's RequestId hash."""
    found = StreamlessCopies()
    if not len(reports["env"]) or len(input_seqs) < 2:
        return marks, status_lines, found
    has_stream = np.array([bool(env) for _function, env in environments], dtype=bool)
    r_env = np.asarray(reports["env"])
    streamed = has_stream[r_env]
    if streamed.all() or not streamed.any():
        return marks, status_lines, found
    copies = _report_copies(reports, streamed)
    if copies is None:
        return marks, status_lines, found
    rows, originals = copies
    seqs = np.asarray(reports["seq"])
    copy_inputs = input_of(seqs[rows], input_seqs)
    n_inputs = len(input_seqs)
    pairs, counts = np.unique(copy_inputs * n_inputs + input_of(seqs[originals], input_seqs),
                              return_counts=True)
    for pair, count in zip(pairs.tolist(), counts.tolist(), strict=True):
        found.reports[(pair // n_inputs, pair % n_inputs)] = count
    streamless_inputs = np.bincount(input_of(seqs[~streamed], input_seqs), minlength=n_inputs)
    for index in {c for c, _o in found.reports}:
        found.totals[index] = int(streamless_inputs[index])
    # environment codes copied, and the functions they copied
    copied_functions: dict[int, set[str]] = {}
    n_codes = len(environments)
    for pair in np.unique(r_env[rows].astype(np.int64) * n_codes + r_env[originals]).tolist():
        copied_functions.setdefault(pair // n_codes, set()).add(environments[pair % n_codes][0])
    keys_dropped = pair_key(r_env[rows], np.asarray(reports["rid_hash"])[rows])
    keep = np.ones(len(r_env), dtype=bool)
    keep[rows] = False
    # a RequestId of which some REPORT stays keeps its STARTs and status lines (a retry)
    kept_keys = pair_key(r_env[keep], np.asarray(reports["rid_hash"])[keep])
    whole = keys_dropped[~_among(keys_dropped, kept_keys)]
    dropped = len(rows)
    _filter(reports, keep)
    if len(starts["env"]):
        start_keep = ~_among(pair_key(starts["env"], starts["rid_hash"]), whole)
        dropped += int(np.count_nonzero(~start_keep))
        if not start_keep.all():
            _filter(starts, start_keep)
    lines_kept = status_lines
    if status_lines:
        line_keys = pair_key(np.array([s.env for s in status_lines], dtype=np.int64),
                             hash_ids([s.request_id for s in status_lines]))
        gone = _among(line_keys, whole)
        lines_kept = [s for s, g in zip(status_lines, gone.tolist(), strict=True) if not g]
    marks_kept = _marks_without_copies(marks, environments, copied_functions, copy_inputs,
                                       input_seqs)
    dropped += len(status_lines) - len(lines_kept) + len(marks) - len(marks_kept)
    found.dropped = dropped
    for code, functions in copied_functions.items():
        function = environments[code][0]
        if len(functions) == 1 and function in fallback:
            (name,) = functions
            if name != function:
                found.renamed[code] = name
    return marks_kept, lines_kept, found


def _report_copies(reports: dict[str, Any], streamed: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray] | None:
    """(rows of REPORTs without a stream that copy one with a stream, the row each copies);
    None when there are none. Only rows whose RequestId hash is among the other side's are
    compared field by field (usually few)."""
    rid = np.asarray(reports["rid_hash"])
    flat = np.flatnonzero(~streamed)
    candidates = flat[_among(rid[flat], rid[streamed])]
    if not len(candidates):
        return None
    originals = np.flatnonzero(streamed)
    originals = originals[_among(rid[originals], rid[candidates])]

    def frame(rows: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame({
            "row": rows, "rid": rid[rows],
            "duration": np.nan_to_num(np.asarray(reports["duration_ms"], dtype=np.float64)[rows],
                                      nan=-1.0),
            "billed": np.nan_to_num(np.asarray(reports["billed_duration_ms"],
                                               dtype=np.float64)[rows], nan=-1.0),
            "ts": np.asarray(reports["ts"], dtype=np.float64)[rows]})

    pairs = frame(candidates).merge(frame(originals), on=["rid", "duration", "billed"],
                                    suffixes=("", "_original"))
    pairs = pairs[(pairs["ts"] - pairs["ts_original"]).abs() < SAME_EVENT_MS]
    if not len(pairs):
        return None
    pairs = pairs.drop_duplicates("row")  # a copy of two alike REPORTs is one copy
    return pairs["row"].to_numpy(dtype=np.int64), pairs["row_original"].to_numpy(dtype=np.int64)


def _among(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Boolean mask: which ``values`` are among ``keys``, by binary search in the sorted keys
    (no hash set: numpy's unique of millions of 64-bit hashes is what this avoids)."""
    if not len(keys) or not len(values):
        return np.zeros(len(values), dtype=bool)
    ordered = np.sort(keys)
    at = np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)
    return np.asarray(ordered[at] == values)


def _filter(columns: dict[str, Any], keep: np.ndarray) -> None:
    for name in list(columns):  # in order: the dict keeps its key order
        columns[name] = columns.pop(name)[keep]


def _marks_without_copies(marks: list[Any], environments: Sequence[tuple[str, str]],
                          copied: dict[int, set[str]], copy_inputs: np.ndarray,
                          input_seqs: Sequence[int]) -> list[Any]:
    """``marks`` without those of the copying environments (``copied``: code -> functions
    copied), read from an input that copied, that equal a mark of a copied function with a
    stream in every field but the environment and a time less than a second apart."""
    if not marks or not copied:
        return marks
    inputs = set(copy_inputs.tolist())
    fields = [f for f in marks[0].__dataclass_fields__ if f not in ("env", "ts", "seq")]

    def key(mark: Any) -> tuple[Any, ...]:
        return tuple("nan" if isinstance(v, float) and v != v else v
                     for v in (getattr(mark, f) for f in fields))

    originals: dict[tuple[Any, ...], list[float]] = {}
    for mark in marks:
        function, env = environments[mark.env]
        if env:
            originals.setdefault((function, *key(mark)), []).append(mark.ts)
    out = []
    mark_inputs = input_of([m.seq for m in marks], input_seqs).tolist()
    for mark, index in zip(marks, mark_inputs, strict=True):
        functions = copied.get(mark.env)
        if functions and index in inputs and any(
                abs(ts - mark.ts) < SAME_EVENT_MS
                for function in functions for ts in originals.get((function, *key(mark)), ())):
            continue
        out.append(mark)
    return out


def copies_warning(found: StreamlessCopies, names: Sequence[str]) -> list[str]:
    """One line per input without streams that copied another: both named, and what to do.
    ``names``: the inputs' names in read order."""
    def name(index: int) -> str:
        return names[index] if 0 <= index < len(names) else f"input {index + 1}"

    lines = []
    for copy_input in sorted({c for c, _o in found.reports}):
        originals = sorted(o for c, o in found.reports if c == copy_input)
        count = sum(found.reports[(copy_input, o)] for o in originals)
        total = found.totals.get(copy_input, count)
        share = f"all {count}" if count == total else f"{count} of the {total}"
        lines.append(
            f"{name(copy_input)}: {share} REPORT(s) of this input without log streams are also "
            f"in {', '.join(name(o) for o in originals)} (same RequestId, Duration and Billed "
            "Duration): counted once, from the input with log streams; give only one shape "
            "of the same events")
    return lines
