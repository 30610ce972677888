"""RequestIds as one column of bytes: their UTF-8 text end to end, offsets between them.

Every invocation has a RequestId (36 characters for a UUID) but only the rows a user asks for
(flagged invocations, ``--invocations``, CSV, the Python API) ever need it as a Python string.
``RequestIds`` keeps a column of them as two arrays, about 44 bytes a row instead of a Python
string object each (about 85 bytes plus an 8-byte pointer):

- ``data``: uint8, the UTF-8 bytes of every id one after the other;
- ``offsets``: int64, ``len + 1`` of them; id ``i`` is ``data[offsets[i]:offsets[i + 1]]``.

Strings are made on demand: ``ids[i]``, ``ids.take(rows).tolist()``, ``ids.to_pandas()``
(a pandas string column backed by the same buffers where pyarrow is installed, else Python
strings).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

_TAKE_BLOCK = 65536


class RequestIds(Sequence[str]):
    """A column of RequestIds (see the module docstring). Immutable."""

    __slots__ = ("data", "offsets")

    def __init__(self, data: np.ndarray | bytes, offsets: np.ndarray) -> None:
        self.data = np.frombuffer(data, dtype=np.uint8) if isinstance(data, bytes | bytearray) \
            else np.asarray(data, dtype=np.uint8)
        self.offsets = np.asarray(offsets, dtype=np.int64)
        if len(self.offsets) == 0:
            raise ValueError("RequestIds needs len + 1 offsets (at least [0])")

    @classmethod
    def from_strings(cls, ids: Iterable[str]) -> RequestIds:
        """From Python strings (lone surrogates kept as the parsers see them)."""
        encoded = [s.encode("utf-8", "surrogatepass") for s in ids]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        if encoded:
            np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)),
                      out=offsets[1:])
        return cls(b"".join(encoded), offsets)

    @classmethod
    def empty(cls) -> RequestIds:
        return cls(b"", np.zeros(1, dtype=np.int64))

    @classmethod
    def concat(cls, parts: Sequence[RequestIds]) -> RequestIds:
        """The parts one after the other."""
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        data = np.concatenate([p.data[p.offsets[0]:p.offsets[-1]] for p in parts])
        lengths = np.concatenate([np.diff(p.offsets) for p in parts])
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls(data, offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def _decode(self, i: int) -> str:
        return bytes(self.data[self.offsets[i]:self.offsets[i + 1]]).decode(
            "utf-8", "surrogatepass")

    def __getitem__(self, index: Any) -> Any:
        """``ids[i]`` a string; ``ids[slice]``, ``ids[mask]``, ``ids[positions]`` a column
        (as numpy indexing does, so code over dicts of columns treats all alike)."""
        if isinstance(index, slice):
            return self.take(np.arange(len(self))[index])
        if isinstance(index, np.ndarray | list):
            return self.take(np.asarray(index))
        i = int(index)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("RequestId index out of range")
        return self._decode(i)

    def __iter__(self) -> Iterator[str]:
        return iter(self.tolist())

    def take(self, rows: np.ndarray) -> RequestIds:
        """The ids at ``rows`` (integer positions, or a boolean mask of len(self))."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        rows = rows.astype(np.int64, copy=False)
        if len(rows) == len(self) and len(self) and bool(
                (rows == np.arange(len(self))).all()):
            return self  # every row in order: nothing to gather (immutable, so shared)
        width = self._width()
        if width:  # ids of one length (UUIDs): rows of a matrix, no per-byte index and no
            # per-row offsets to gather (their temporaries would outweigh the ids)
            # each id one item of ``width`` bytes: np.take copies items whole (6x faster
            # than gathering rows of a byte matrix)
            items = self.data[self.offsets[0]:self.offsets[-1]].view(np.dtype((np.void, width)))
            offsets = np.arange(len(rows) + 1, dtype=np.int64)
            offsets *= width
            return RequestIds(np.take(items, rows).view(np.uint8), offsets)
        starts = self.offsets[rows]
        lengths = self.offsets[rows + 1] - starts
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        data = np.empty(int(offsets[-1]), dtype=np.uint8)
        # byte positions of the kept ids, gathered a block of rows at a time (a position
        # array for all of them at once would be 8 bytes per byte of every id)
        for lo in range(0, len(rows), _TAKE_BLOCK):
            hi = min(lo + _TAKE_BLOCK, len(rows))
            size = lengths[lo:hi]
            within = np.arange(offsets[hi] - offsets[lo], dtype=np.int64) - np.repeat(
                offsets[lo:hi] - offsets[lo], size)
            data[offsets[lo]:offsets[hi]] = self.data[np.repeat(starts[lo:hi], size) + within]
        return RequestIds(data, offsets)

    def _width(self) -> int:
        """The length in bytes every id has, or 0 when lengths differ (or no ids)."""
        if len(self) == 0:
            return 0
        lengths = np.diff(self.offsets)
        width = int(lengths[0])
        return width if width > 0 and bool((lengths == width).all()) else 0

    def tolist(self) -> list[str]:
        """Every id as a Python string."""
        raw = self.data.tobytes()
        bounds = self.offsets.tolist()
        return [raw[a:b].decode("utf-8", "surrogatepass")
                for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def to_objects(self) -> np.ndarray:
        """An object array of Python strings."""
        out = np.empty(len(self), dtype=object)
        out[:] = self.tolist()
        return out

    def to_pandas(self) -> Any:
        """A pandas column (an ExtensionArray or object array): with pyarrow, a string array
        over these very bytes (no Python string per row); else Python strings. Ids that are
        not valid UTF-8 (lone surrogates) give Python strings either way."""
        arrow = _arrow_strings(self)
        return arrow if arrow is not None else self.to_objects()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RequestIds):
            return NotImplemented
        return (len(self) == len(other)
                and bool(np.array_equal(np.diff(self.offsets), np.diff(other.offsets)))
                and bool(np.array_equal(self.data[self.offsets[0]:self.offsets[-1]],
                                        other.data[other.offsets[0]:other.offsets[-1]])))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        head = ", ".join(repr(s) for s in self.take(np.arange(min(len(self), 3))).tolist())
        return f"RequestIds([{head}{', ...' if len(self) > 3 else ''}], n={len(self)})"


def _arrow_strings(ids: RequestIds) -> Any:
    """A pandas ArrowStringArray sharing ``ids``' buffers, or None: without pyarrow, and
    where pandas' default string dtype is not pyarrow-backed ``str`` with NaN for missing
    values (pandas 2 keeps Python strings in object columns: so do we there, whatever a
    column of them would be now)."""
    try:
        import pandas as pd
        import pyarrow as pa
    except ImportError:
        return None
    dtype = _default_string_dtype(pd)
    if dtype is None:
        return None
    base = int(ids.offsets[0])
    array = pa.LargeStringArray.from_buffers(
        len(ids), pa.py_buffer(ids.offsets - base if base else ids.offsets),
        pa.py_buffer(ids.data[base:int(ids.offsets[-1])]))
    try:
        array.validate(full=True)  # lone surrogates ("surrogatepass") are not UTF-8
    except pa.ArrowInvalid:
        return None
    # pandas' default string dtype (``str``: NaN for missing), as columns of Python strings get
    try:
        return pd.arrays.ArrowStringArray(  # type: ignore[call-arg]  # stubs lag pandas 3
            array, dtype=dtype)
    except TypeError:  # a pandas whose ArrowStringArray takes no dtype (before 2.3)
        return None


_DEFAULT_STRING_DTYPE: list[Any] = []


def _default_string_dtype(pd: Any) -> Any:
    """The dtype pandas gives a column of Python strings when it is pyarrow-backed ``str``
    with NaN as the missing value (pandas 3 with pyarrow), else None (cached)."""
    if not _DEFAULT_STRING_DTYPE:
        dtype = pd.Series(["x"]).dtype
        fits = (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
                and getattr(dtype, "na_value", None) is np.nan)
        _DEFAULT_STRING_DTYPE.append(dtype if fits else None)
    return _DEFAULT_STRING_DTYPE[0]
