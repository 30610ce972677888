"""Type stub of the compiled scanner (lifecycle/read/_tailscan.c)."""

from collections.abc import Sequence

def scan(chunk: str, first: bool, /) -> (
    tuple[int, int, int, bool, bytes, list[str], list[str], list[str],
          tuple[bytes, bytes, bytes, list[str]],
          tuple[bytes, bytes, bytes, bytes, bytes, list[str]]] | None): ...

def hash_ids(ids: Sequence[str], /) -> bytes: ...
