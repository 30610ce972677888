"""Type stub of the compiled scanner (lifecycle/read/_tailscan.c)."""

from collections.abc import Sequence

from typing_extensions import Buffer

# (streams, versions, error types,
#  starts: (stream, time, version, RequestId bytes, RequestId offsets, RequestId hashes),
#  reports: (stream, time, numbers, status, error type, RequestId bytes, offsets, hashes))
_Columns = tuple[list[str], list[str], list[str],
                 tuple[bytes, bytes, bytes, bytes, bytes, bytes],
                 tuple[bytes, bytes, bytes, bytes, bytes, bytes, bytes, bytes]]

def scan(chunk: Buffer, first: bool, /) -> tuple[int, int, int, bool, bytes, _Columns]: ...

def scan_jsonl(chunk: Buffer, /) -> tuple[int, int, int, int, bytes, bytes, _Columns]: ...

def hash_ids(ids: Sequence[str], /) -> bytes: ...
