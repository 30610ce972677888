"""RequestIds as one column: 16-byte UUIDs where every id is one, else UTF-8 bytes and offsets.

Every invocation has a RequestId (36 characters for a UUID) but only the rows a user asks for
(flagged invocations, ``--invocations``, CSV, the Python API) ever need it as a Python string.
``RequestIds`` keeps a column of them in one of two forms, chosen per column, never a Python
string object per row (about 85 bytes plus an 8-byte pointer):

- compact (``uuids``): 16 bytes a row, when every id of the column is a canonical lowercase
  UUID, ``8-4-4-4-12`` hexadecimal digits ``0-9a-f`` with hyphens (Lambda's RequestIds are
  UUIDs, written in lowercase: docs/lifecycle.md, "Environments and invocations", with the
  public sources). The 16 bytes are the 32 digits' values, so the
  text comes back exactly: lowercase digits and the hyphens in their four places are the only
  text that form can hold, and a column with any other id (uppercase digits, braces, another
  length, a retry suffix, text that is not an id) keeps the general form;
- general (``data`` and ``offsets``): about 44 bytes a row, ``data`` the UTF-8 bytes of every
  id one after the other (uint8), ``offsets`` int64, ``len + 1`` of them; id ``i`` is
  ``data[offsets[i]:offsets[i + 1]]``.

``compact()`` gives the compact form where it holds; a compact column's ``data`` and
``offsets`` are made from the UUIDs when read (a new array each time: the general form is not
kept). Strings are made on demand: ``ids[i]``, ``ids.take(rows).tolist()``,
``ids.to_pandas()`` (a pandas string column backed by the same bytes where pyarrow is
installed, else Python strings), and ``id_column`` / ``text_ids`` give the invocation table's
column: 16-byte binary while rows are not read, text when they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

_TAKE_BLOCK = 65536
UUID_TEXT = 36  # characters (bytes) of a canonical UUID
UUID_BYTES = 16
_HYPHENS = np.array([8, 13, 18, 23], dtype=np.intp)  # where a canonical UUID has its hyphens
_DIGITS = np.array([i for i in range(UUID_TEXT) if i not in (8, 13, 18, 23)], dtype=np.intp)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_VALUE = np.full(256, 255, dtype=np.uint8)  # byte -> value of a lowercase hex digit, else 255
_VALUE[_HEX] = np.arange(16, dtype=np.uint8)
_ITEM = np.dtype((np.void, UUID_BYTES))


class RequestIds(Sequence[str]):
    """A column of RequestIds (see the module docstring). Immutable."""

    __slots__ = ("_data", "_offsets", "_uuids")

    def __init__(self, data: np.ndarray | bytes, offsets: np.ndarray) -> None:
        self._data = np.frombuffer(data, dtype=np.uint8) if isinstance(data, bytes | bytearray) \
            else np.asarray(data, dtype=np.uint8)
        self._offsets = np.asarray(offsets, dtype=np.int64)
        self._uuids: np.ndarray | None = None
        if len(self._offsets) == 0:
            raise ValueError("RequestIds needs len + 1 offsets (at least [0])")

    @classmethod
    def from_uuids(cls, uuids: np.ndarray) -> RequestIds:
        """The compact form over ``uuids``: 16 bytes a row (``(n, 16)`` uint8, or n items of
        16 bytes), each the value of one canonical UUID's 32 hexadecimal digits."""
        out = cls.__new__(cls)
        out._data = out._offsets = None  # type: ignore[assignment]
        out._uuids = np.ascontiguousarray(uuids).view(_ITEM).reshape(-1)
        return out

    @classmethod
    def from_strings(cls, ids: Iterable[str]) -> RequestIds:
        """From Python strings (lone surrogates kept as the parsers see them): the general
        form (``compact()`` gives the compact one where every id is a UUID)."""
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
        """The parts one after the other: compact when every part is (and there is one)."""
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        items = [p.uuids for p in parts if p.uuids is not None]
        if len(items) == len(parts):  # every part compact
            return cls.from_uuids(np.concatenate(items))
        general = [p.general() for p in parts]
        data = np.concatenate([p._data[p._offsets[0]:p._offsets[-1]] for p in general])
        lengths = np.concatenate([np.diff(p._offsets) for p in general])
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls(data, offsets)

    # ------------------------------------------------------------------ the two forms

    @property
    def is_compact(self) -> bool:
        """Whether the column holds 16-byte UUIDs (the compact form)."""
        return self._uuids is not None

    @property
    def uuids(self) -> np.ndarray | None:
        """The compact form's items (16 bytes each, numpy void), or None (general form)."""
        return self._uuids

    @property
    def data(self) -> np.ndarray:
        """The UTF-8 bytes of the ids one after the other (made from the UUIDs, and not kept,
        in the compact form)."""
        return self.general()._data

    @property
    def offsets(self) -> np.ndarray:
        """``len + 1`` int64 offsets into ``data`` (made, not kept, in the compact form)."""
        return self.general()._offsets

    def general(self) -> RequestIds:
        """This column in the general form (itself when it is)."""
        if self._uuids is None:
            return self
        n = len(self._uuids)
        return RequestIds(uuid_text(self._uuids), np.arange(n + 1, dtype=np.int64) * UUID_TEXT)

    def compact(self) -> RequestIds:
        """This column in the compact form when every id is a canonical lowercase UUID (and
        there is at least one), else itself."""
        if self._uuids is not None or len(self) == 0:
            return self
        lengths = np.diff(self._offsets)
        if not bool((lengths == UUID_TEXT).all()):
            return self
        text = self._data[self._offsets[0]:self._offsets[-1]].reshape(-1, UUID_TEXT)
        uuids = uuid_values(text)
        return self if uuids is None else RequestIds.from_uuids(uuids)

    # ------------------------------------------------------------------ Sequence

    def __len__(self) -> int:
        return len(self._uuids) if self._uuids is not None else len(self._offsets) - 1

    def _decode(self, i: int) -> str:
        if self._uuids is not None:
            return uuid_text(self._uuids[i:i + 1]).tobytes().decode("ascii")
        return bytes(self._data[self._offsets[i]:self._offsets[i + 1]]).decode(
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
        """The ids at ``rows`` (integer positions, or a boolean mask of len(self)), in this
        column's form."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        rows = rows.astype(np.int64, copy=False)
        if len(rows) == len(self) and len(self) and bool(
                (rows == np.arange(len(self))).all()):
            return self  # every row in order: nothing to gather (immutable, so shared)
        if self._uuids is not None:
            return RequestIds.from_uuids(np.take(self._uuids, rows))
        width = self._width()
        if width:  # ids of one length (UUIDs): rows of a matrix, no per-byte index and no
            # per-row offsets to gather (their temporaries would outweigh the ids)
            # each id one item of ``width`` bytes: np.take copies items whole (6x faster
            # than gathering rows of a byte matrix)
            items = self._data[self._offsets[0]:self._offsets[-1]].view(
                np.dtype((np.void, width)))
            offsets = np.arange(len(rows) + 1, dtype=np.int64)
            offsets *= width
            return RequestIds(np.take(items, rows).view(np.uint8), offsets)
        starts = self._offsets[rows]
        lengths = self._offsets[rows + 1] - starts
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
            data[offsets[lo]:offsets[hi]] = self._data[np.repeat(starts[lo:hi], size) + within]
        return RequestIds(data, offsets)

    def _width(self) -> int:
        """The length in bytes every id has, or 0 when lengths differ (or no ids)."""
        if len(self) == 0:
            return 0
        if self._uuids is not None:
            return UUID_TEXT
        lengths = np.diff(self._offsets)
        width = int(lengths[0])
        return width if width > 0 and bool((lengths == width).all()) else 0

    def tolist(self) -> list[str]:
        """Every id as a Python string."""
        general = self.general()
        raw = general._data.tobytes()
        bounds = general._offsets.tolist()
        return [raw[a:b].decode("utf-8", "surrogatepass")
                for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def to_objects(self) -> np.ndarray:
        """An object array of Python strings."""
        out = np.empty(len(self), dtype=object)
        out[:] = self.tolist()
        return out

    def to_pandas(self) -> Any:
        """A pandas column (an ExtensionArray or object array): with pyarrow, a string array
        over these very bytes (no Python string per row; the compact form's text is made
        first); else Python strings. Ids that are not valid UTF-8 (lone surrogates) give
        Python strings either way."""
        arrow = _arrow_strings(self.general())
        return arrow if arrow is not None else self.to_objects()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RequestIds):
            return NotImplemented
        if self._uuids is not None and other._uuids is not None:
            return bool(np.array_equal(self._uuids.view(np.uint8), other._uuids.view(np.uint8)))
        one, two = self.general(), other.general()
        return (len(one) == len(two)
                and bool(np.array_equal(np.diff(one._offsets), np.diff(two._offsets)))
                and bool(np.array_equal(one._data[one._offsets[0]:one._offsets[-1]],
                                        two._data[two._offsets[0]:two._offsets[-1]])))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        head = ", ".join(repr(s) for s in self.take(np.arange(min(len(self), 3))).tolist())
        return f"RequestIds([{head}{', ...' if len(self) > 3 else ''}], n={len(self)})"


def uuid_values(text: np.ndarray) -> np.ndarray | None:
    """``(n, 36)`` uint8 rows of UUID text as ``(n, 16)`` uint8 values, or None when some row
    is not a canonical lowercase UUID (hyphens at 8, 13, 18 and 23, ``0-9a-f`` elsewhere).
    Worked a block of rows at a time."""
    n = len(text)
    out = np.empty((n, UUID_BYTES), dtype=np.uint8)
    for lo in range(0, n, _TAKE_BLOCK):
        block = text[lo:lo + _TAKE_BLOCK]
        if not bool((block[:, _HYPHENS] == ord("-")).all()):
            return None
        values = _VALUE[block[:, _DIGITS]]
        if not bool((values < 16).all()):
            return None
        np.left_shift(values[:, 0::2], 4, out=out[lo:lo + _TAKE_BLOCK])
        out[lo:lo + _TAKE_BLOCK] |= values[:, 1::2]
    return out


def uuid_text(uuids: np.ndarray) -> np.ndarray:
    """The canonical lowercase text of 16-byte UUIDs (items or ``(n, 16)`` uint8): 36 uint8
    a row, one after the other (1-D). Worked a block of rows at a time."""
    values = np.ascontiguousarray(uuids).view(np.uint8).reshape(-1, UUID_BYTES)
    n = len(values)
    out = np.empty((n, UUID_TEXT), dtype=np.uint8)
    out[:, _HYPHENS] = ord("-")
    for lo in range(0, n, _TAKE_BLOCK):
        block = values[lo:lo + _TAKE_BLOCK]
        digits = np.empty((len(block), 2 * UUID_BYTES), dtype=np.uint8)
        np.right_shift(block, 4, out=digits[:, 0::2])
        np.bitwise_and(block, 15, out=digits[:, 1::2])
        out[lo:lo + _TAKE_BLOCK, _DIGITS] = _HEX[digits]
    return out.reshape(-1)


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


# ---------------------------------------------------------------- the invocation table's column


def id_column(ids: RequestIds, index: Any = None) -> Any:
    """The invocation table's ``request_id`` as a pandas Series: with pyarrow (pandas 3), a
    compact column is 16-byte binary (pyarrow ``binary(16)``, no text: ``text_ids`` makes
    the text when rows are read) and a general one a ``str`` column over the ids' own bytes,
    as pandas makes of Python strings; else an object column of Python strings."""
    import pandas as pd

    if ids.is_compact and _default_string_dtype(pd) is not None:
        import pyarrow as pa

        uuids = ids.uuids
        assert uuids is not None
        array = pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(UUID_BYTES), len(uuids), [None, pa.py_buffer(uuids.view(np.uint8))])
        return pd.Series(pd.arrays.ArrowExtensionArray(array), index=index, copy=False)
    values = ids.general().to_pandas()
    if isinstance(values, np.ndarray):
        return pd.Series(values, dtype=object, index=index)
    return pd.Series(values, index=index, copy=False)


def has_compact_ids(table: Any) -> bool:
    """Whether a DataFrame's ``request_id`` column holds 16-byte UUIDs (``id_column``)."""
    import pandas as pd

    if "request_id" not in getattr(table, "columns", ()):
        return False
    dtype = table["request_id"].dtype
    return isinstance(dtype, pd.ArrowDtype) and str(dtype.pyarrow_dtype) == \
        f"fixed_size_binary[{UUID_BYTES}]"


def column_ids(column: Any) -> RequestIds:
    """The RequestIds of a compact ``request_id`` column (``id_column``), in row order."""
    chunks = []
    # the Arrow protocol gives the column's ChunkedArray (several chunks after concat)
    for chunk in column.array.__arrow_array__().chunks:
        if chunk.null_count:
            raise ValueError("a compact request_id column has no missing values")
        raw = np.frombuffer(chunk.buffers()[1], dtype=np.uint8)
        chunks.append(raw[chunk.offset * UUID_BYTES:(chunk.offset + len(chunk)) * UUID_BYTES])
    if not chunks:
        return RequestIds.empty()
    return RequestIds.from_uuids(np.concatenate(chunks) if len(chunks) > 1 else chunks[0])


def text_ids(table: Any) -> Any:
    """``table`` (a DataFrame) with its ``request_id`` as text, the column pandas makes of
    the strings (``id_column`` of the general form); the same object when it is text
    already. A new DataFrame sharing the other columns: ``table`` is left as it is."""
    if not has_compact_ids(table):
        return table
    out = table.copy(deep=False)
    out["request_id"] = id_column(column_ids(table["request_id"]).general(), index=table.index)
    return out
