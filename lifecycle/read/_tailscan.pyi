"""Type stub of the compiled scanner (lifecycle/read/_tailscan.c)."""

from collections.abc import Sequence

_Columns = tuple[list[str], list[str], list[str],
                 tuple[bytes, bytes, bytes, list[str]],
                 tuple[bytes, bytes, bytes, bytes, bytes, list[str]]]

def scan(chunk: str, first: bool, /) -> (
    tuple[int, int, int, bool, bytes, _Columns] | None): ...

def scan_jsonl(chunk: str | bytes | bytearray | memoryview, /) -> (
    tuple[int, int, int, int, bytes, bytes, _Columns] | None): ...

def hash_ids(ids: Sequence[str], /) -> bytes: ...
